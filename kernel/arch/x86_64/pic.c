/*
 * The legacy 8259A PIC pair. We route interrupts through the I/O APIC, so the PICs are only
 * reinitialised with their vectors moved off the CPU exceptions (the BIOS leaves the master at
 * 0x08-0x0f, where IRQ 0 would look like a double fault) and then fully masked.
 */
#include "types.h"
#include "cpu.h"
#include "irq.h"
#include "apic.h"

#define PIC1_CMD   0x20
#define PIC1_DATA  0x21
#define PIC2_CMD   0xa0
#define PIC2_DATA  0xa1

#define ICW1_ICW4  0x01         /* ICW4 follows */
#define ICW1_INIT  0x10         /* start initialisation; edge triggered, cascaded */
#define ICW4_8086  0x01         /* 8086/88 mode (not MCS-80/85) */

void pic_disable(void)
{
	/* The initialisation sequence: ICW1 on the command port, ICW2-4 on the data port. */
	outb(PIC1_CMD, ICW1_INIT | ICW1_ICW4);
	io_wait();
	outb(PIC2_CMD, ICW1_INIT | ICW1_ICW4);
	io_wait();
	outb(PIC1_DATA, IRQ_VECTOR_BASE);       /* ICW2: master IRQs 0-7 at 0x20-0x27 */
	io_wait();
	outb(PIC2_DATA, IRQ_VECTOR_BASE + 8);   /* ICW2: slave IRQs 8-15 at 0x28-0x2f */
	io_wait();
	outb(PIC1_DATA, 1 << 2);                /* ICW3: a slave on the master's IR2 */
	io_wait();
	outb(PIC2_DATA, 2);                     /* ICW3: the slave's cascade identity */
	io_wait();
	outb(PIC1_DATA, ICW4_8086);
	io_wait();
	outb(PIC2_DATA, ICW4_8086);
	io_wait();

	/* OCW1: mask every line on both. */
	outb(PIC1_DATA, 0xff);
	outb(PIC2_DATA, 0xff);
}
