/*
 * I/O APICs: route global system interrupts (GSIs) to local APICs.
 *
 * Each I/O APIC has two MMIO registers, IOREGSEL (offset 0x00) selecting an internal register and
 * IOWIN (offset 0x10) accessing it. Internal registers: 0x00 ID, 0x01 version (bits 23:16: the
 * last redirection entry), 0x10 + 2n / 0x11 + 2n the low / high half of pin n's redirection entry.
 * The I/O APIC with GSI base B serves GSIs B .. B + pins - 1.
 *
 * The select/access pair is not atomic, so every access holds ioapic_lock with interrupts off.
 * That makes these functions unsuitable for NMI context; to stop an NMI storm from the PIT in an
 * NMI handler, use pit_stop() (a single port write).
 */
#include "types.h"
#include "errno.h"
#include "spinlock.h"
#include "printk.h"
#include "mm.h"
#include "acpi.h"
#include "apic.h"

#define IOREGSEL        0x00
#define IOWIN           0x10
#define IOAPIC_MMIO_SIZE 0x20

#define IOAPIC_REG_ID   0x00
#define IOAPIC_REG_VER  0x01
#define IOAPIC_REG_RED  0x10            /* redirection table: 2 registers per pin */

/* Redirection entry, low dword (the delivery mode is bits 10:8, as APIC_DM_*). */
#define RED_DEST_LOGICAL  BIT(11)       /* we use physical destinations */
#define RED_ACTIVE_LOW    BIT(13)
#define RED_LEVEL         BIT(15)
#define RED_MASKED        BIT(16)
/* High dword: bits 31:24 the destination APIC ID (physical mode). */
#define RED_DEST_SHIFT    24

struct ioapic {
	volatile u32 *regs;
	u32 gsi_base;
	u32 npins;
	u8 id;
};

static struct ioapic ioapics[ACPI_MAX_IOAPICS];
static unsigned nioapics;
static spinlock_t ioapic_lock = SPINLOCK_INIT;

/* Callers hold ioapic_lock. */
static u32 io_read(const struct ioapic *io, u32 reg)
{
	io->regs[IOREGSEL / 4] = reg;
	return io->regs[IOWIN / 4];
}

static void io_write(const struct ioapic *io, u32 reg, u32 v)
{
	io->regs[IOREGSEL / 4] = reg;
	io->regs[IOWIN / 4] = v;
}

/* The I/O APIC serving gsi and the pin it arrives on, or NULL. */
static struct ioapic *ioapic_for_gsi(u32 gsi, u32 *pin)
{
	for (unsigned i = 0; i < nioapics; i++) {
		struct ioapic *io = &ioapics[i];
		if (gsi >= io->gsi_base && gsi - io->gsi_base < io->npins) {
			*pin = gsi - io->gsi_base;
			return io;
		}
	}
	return NULL;
}

void ioapic_init(void)
{
	nioapics = 0;
	for (unsigned i = 0; i < acpi_info.nioapics; i++) {
		const struct acpi_ioapic *a = &acpi_info.ioapics[i];
		struct ioapic *io = &ioapics[nioapics];

		io->regs = ioremap(a->addr, IOAPIC_MMIO_SIZE);
		if (!io->regs) {
			pr_err("ioapic: cannot map the I/O APIC at 0x%lx\n", a->addr);
			continue;
		}
		u64 flags = spin_lock_irqsave(&ioapic_lock);
		u32 ver = io_read(io, IOAPIC_REG_VER);
		spin_unlock_irqrestore(&ioapic_lock, flags);
		if (ver == 0xffffffffu) {               /* nothing answers at that address */
			pr_err("ioapic: no I/O APIC responds at 0x%lx\n", a->addr);
			continue;
		}
		io->npins = ((ver >> 16) & 0xff) + 1;
		io->gsi_base = a->gsi_base;
		io->id = a->id;

		/* Every pin masked, edge, active high, vector 0, destination 0. */
		flags = spin_lock_irqsave(&ioapic_lock);
		for (u32 pin = 0; pin < io->npins; pin++) {
			io_write(io, IOAPIC_REG_RED + 2 * pin, RED_MASKED);
			io_write(io, IOAPIC_REG_RED + 2 * pin + 1, 0);
		}
		spin_unlock_irqrestore(&ioapic_lock, flags);

		pr_info("ioapic: ID %u at 0x%lx, version 0x%x, GSIs %u-%u\n", io->id, a->addr,
			ver & 0xff, io->gsi_base, io->gsi_base + io->npins - 1);
		nioapics++;
	}
	if (!nioapics)
		pr_err("ioapic: no usable I/O APIC: device interrupts will not arrive\n");
}

int ioapic_route(u32 gsi, u8 vector, unsigned delivery_mode, u32 dest_apic_id,
		 bool level, bool active_low, bool masked)
{
	u32 lo;

	switch (delivery_mode) {
	case APIC_DM_FIXED:
		if (vector < 0x10)              /* 0-15 are reserved and raise an APIC error */
			return -EINVAL;
		lo = APIC_DM_FIXED | vector | (level ? RED_LEVEL : 0);
		break;
	case APIC_DM_NMI:
		/* The vector is ignored and NMIs must be programmed edge-triggered. */
		lo = APIC_DM_NMI;
		break;
	default:
		return -EINVAL;
	}
	if (dest_apic_id > 0xff)                /* 8-bit destination without interrupt remapping */
		return -EINVAL;
	if (active_low)
		lo |= RED_ACTIVE_LOW;
	if (masked)
		lo |= RED_MASKED;

	u32 pin;
	struct ioapic *io = ioapic_for_gsi(gsi, &pin);
	if (!io)
		return -ENODEV;

	/* Mask first, so the pin never fires with a half-written entry. */
	u64 flags = spin_lock_irqsave(&ioapic_lock);
	io_write(io, IOAPIC_REG_RED + 2 * pin, RED_MASKED);
	io_write(io, IOAPIC_REG_RED + 2 * pin + 1, dest_apic_id << RED_DEST_SHIFT);
	io_write(io, IOAPIC_REG_RED + 2 * pin, lo);
	spin_unlock_irqrestore(&ioapic_lock, flags);
	return 0;
}

void ioapic_mask(u32 gsi, bool masked)
{
	u32 pin;
	struct ioapic *io = ioapic_for_gsi(gsi, &pin);
	if (!io)
		return;

	u64 flags = spin_lock_irqsave(&ioapic_lock);
	u32 lo = io_read(io, IOAPIC_REG_RED + 2 * pin);
	lo = masked ? lo | RED_MASKED : lo & ~RED_MASKED;
	io_write(io, IOAPIC_REG_RED + 2 * pin, lo);
	spin_unlock_irqrestore(&ioapic_lock, flags);
}

int ioapic_route_isa(unsigned isa_irq, u8 vector, unsigned delivery_mode, bool masked)
{
	if (isa_irq >= 16)
		return -EINVAL;

	u16 inti;
	u32 gsi = acpi_isa_irq_to_gsi(isa_irq, &inti);
	/* "Conforms to the bus" (0) means ISA's own convention: edge triggered, active high. */
	bool active_low = (inti & ACPI_INTI_POLARITY_MASK) == ACPI_INTI_POLARITY_LOW;
	bool level = (inti & ACPI_INTI_TRIGGER_MASK) == ACPI_INTI_TRIGGER_LEVEL;

	return ioapic_route(gsi, vector, delivery_mode, apic_id(), level, active_low, masked);
}
