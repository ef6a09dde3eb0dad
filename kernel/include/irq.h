/* Interrupt vectors and the C-level dispatch of device interrupts. */
#ifndef PORTCULLIS_IRQ_H
#define PORTCULLIS_IRQ_H

#include "types.h"
#include "ptrace.h"

/* Vector assignment. 0-31 exceptions. */
#define IRQ_VECTOR_BASE      0x20    /* legacy PIC IRQ 0-15 if ever unmasked (they are not) */
#define VECTOR_TIMER         0x30    /* local APIC timer */
#define VECTOR_ISA_BASE      0x31    /* I/O APIC pins for ISA IRQs 0-15: 0x31 + irq */
#define VECTOR_FIRST_DYNAMIC 0x41
#define VECTOR_SYSCALL_INT80 0x80    /* int $0x80, DPL 3 */
#define VECTOR_KTEST         0xf0    /* self-test IPIs */
#define VECTOR_RESCHEDULE    0xf1
#define VECTOR_KTEST_FPU     0xf2    /* the kernel-SIMD self-test's IPIs (kernel/ktest/ktest_fpu.c) */
#define VECTOR_SPURIOUS      0xff

typedef void (*irq_handler_t)(struct pt_regs *regs, unsigned vector);

/* Install the handler for a device vector (0x20..0xfe, not 0x80). Called with IRQs on or off. */
void irq_register(unsigned vector, irq_handler_t handler);

/* Local APIC (kernel/arch/x86_64/apic.c). */
void apic_eoi(void);

#endif
