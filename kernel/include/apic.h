/*
 * Interrupt controllers: the local APIC (kernel/arch/x86_64/apic.c), the I/O APICs (ioapic.c) and
 * the legacy 8259 pair (pic.c), which is only remapped and masked.
 *
 * Boot order (boot CPU):
 *   acpi_init();          MADT: APIC addresses, I/O APICs, ISA overrides, NMI wiring
 *   pic_disable();        the 8259s out of the way
 *   apic_init();          local APIC on, spurious vector, LINT0/LINT1, x2APIC if available
 *   ioapic_init();        every I/O APIC pin masked
 *   time_init();          TSC calibrated against the PIT
 *   apic_timer_init();    periodic tick at CONFIG_HZ on VECTOR_TIMER (needs irq_register)
 *   sti();
 *
 * apic_eoi() is declared in irq.h: the interrupt dispatcher calls it after a device handler
 * returns (handlers never do), and never for VECTOR_SPURIOUS.
 */
#ifndef PORTCULLIS_APIC_H
#define PORTCULLIS_APIC_H

#include "types.h"

/*
 * Delivery modes, encoded as in bits 10:8 of both the local APIC's ICR and an I/O APIC
 * redirection entry, so the same constants serve apic_send_ipi() and ioapic_route().
 */
#define APIC_DM_FIXED    0x000
#define APIC_DM_LOWEST   0x100
#define APIC_DM_SMI      0x200
#define APIC_DM_NMI      0x400
#define APIC_DM_INIT     0x500
#define APIC_DM_STARTUP  0x600
#define APIC_DM_EXTINT   0x700

/* ---- Local APIC ---- */

/*
 * Enable this CPU's local APIC: x2APIC mode if the CPU has it and `nox2apic` was not given,
 * else xAPIC through an ioremap()ped page. TPR 0, spurious vector VECTOR_SPURIOUS, every LVT
 * masked except LINT1 (or LINT0) where the MADT wires it to NMI (default: LINT1 = NMI on the boot
 * CPU). The first call, on the boot CPU, also chooses the mode for all CPUs; later calls (APs) do
 * only the per-CPU part.
 */
void apic_init(void);

/*
 * Start this CPU's periodic timer at CONFIG_HZ on VECTOR_TIMER. The first call measures the timer
 * against the PIT (about 10 ms, interrupts off) and registers the handler, which advances jiffies
 * (boot CPU only) and calls sched_tick(). Later calls (APs) reuse the measurement.
 */
void apic_timer_init(void);

/* Mask and stop this CPU's timer. */
void apic_timer_stop(void);

/* Counts per second of the local APIC timer (at the divider we use); 0 until measured. */
u64 apic_timer_rate(void);

/* This CPU's APIC ID (32-bit in x2APIC mode); before apic_init(), its initial APIC ID. */
u32 apic_id(void);

/* Whether the local APICs run in x2APIC mode. */
bool apic_x2apic_mode(void);

/*
 * Send an IPI to one CPU by APIC ID, physical destination, no shorthand. delivery_mode is one of
 * APIC_DM_FIXED (vector is used), APIC_DM_NMI, APIC_DM_INIT (vector ignored) or APIC_DM_STARTUP
 * (vector = the 4 KiB page of the start-up code). In xAPIC mode waits for the previous and this
 * IPI's delivery-status bit to clear (bounded, so it never hangs the panic path).
 */
void apic_send_ipi(u32 apic_id, u8 vector, unsigned delivery_mode);

/*
 * An NMI to this CPU: an NMI-mode IPI addressed to its own APIC ID. (The "self" shorthand is not
 * valid with NMI delivery mode: the SDM forbids it and Bochs drops such an IPI.)
 */
void apic_send_nmi_to_self(void);

/* ---- I/O APIC ---- */

/* Map every I/O APIC listed in acpi_info and mask all of its pins. */
void ioapic_init(void);

/*
 * Program the redirection entry of a global system interrupt: vector, delivery mode
 * (APIC_DM_FIXED or APIC_DM_NMI; NMI is always programmed edge-triggered, as the I/O APIC
 * requires), physical destination APIC ID (0-255), trigger, polarity, mask.
 * Returns 0, -ENODEV if no I/O APIC has that GSI, -EINVAL for a bad argument.
 */
int ioapic_route(u32 gsi, u8 vector, unsigned delivery_mode, u32 dest_apic_id,
		 bool level, bool active_low, bool masked);

/* Mask or unmask a GSI's redirection entry (nothing happens for a GSI no I/O APIC has). */
void ioapic_mask(u32 gsi, bool masked);

/*
 * Route ISA IRQ isa_irq (0-15) to this CPU: the GSI, polarity and trigger come from the MADT's
 * interrupt source override (ISA default: same number, edge, active high). On QEMU the PIT
 * (ISA IRQ 0) arrives on GSI 2. Returns as ioapic_route(); -EINVAL for isa_irq >= 16.
 */
int ioapic_route_isa(unsigned isa_irq, u8 vector, unsigned delivery_mode, bool masked);

/* ---- 8259 PIC ---- */

/*
 * Remap the 8259 pair to vectors 0x20-0x2f (so a stray interrupt cannot look like an exception)
 * and mask every line: interrupts come through the I/O APIC.
 */
void pic_disable(void);

#endif
