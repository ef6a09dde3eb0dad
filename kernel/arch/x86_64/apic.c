/*
 * Local APIC: enable (xAPIC or x2APIC), LVT setup, EOI, IPIs, and the periodic timer.
 *
 * Register access differs by mode:
 *   xAPIC   32-bit MMIO registers at 16-byte strides in a 4 KiB page (ioremap()ped, uncached)
 *   x2APIC  MSR 0x800 + (xAPIC offset >> 4); the ICR is one 64-bit MSR with the destination in
 *           bits 63:32 and no delivery-status bit; DFR does not exist, LDR is read-only
 * apic_read()/apic_write() hide the difference for everything but the ICR.
 *
 * The mode is chosen once, on the boot CPU: x2APIC when CPUID says so and `nox2apic` was not
 * given. IA32_APIC_BASE only allows disabled -> xAPIC -> x2APIC and x2APIC -> disabled, so
 * leaving x2APIC (firmware enabled it, we were told not to use it) goes through "disabled".
 */
#include "generated/autoconf.h"
#include "types.h"
#include "cpu.h"
#include "printk.h"
#include "mm.h"
#include "irq.h"
#include "time.h"
#include "sched.h"
#include "acpi.h"
#include "pit.h"
#include "apic.h"

/* The `nox2apic` boot option (defined with the other boot options). */
extern bool opt_nox2apic;

/* Register offsets (xAPIC MMIO; x2APIC MSR = MSR_X2APIC_BASE + offset / 16). */
#define APIC_ID          0x020
#define APIC_VERSION     0x030
#define APIC_TPR         0x080
#define APIC_EOI         0x0b0
#define APIC_SVR         0x0f0
#define APIC_ISR0        0x100      /* 8 registers, 0x100-0x170: in-service bits 0-255 */
#define APIC_ESR         0x280
#define APIC_LVT_CMCI    0x2f0
#define APIC_ICR         0x300
#define APIC_ICR_HI      0x310      /* xAPIC only */
#define APIC_LVT_TIMER   0x320
#define APIC_LVT_THERMAL 0x330
#define APIC_LVT_PERF    0x340
#define APIC_LVT_LINT0   0x350
#define APIC_LVT_LINT1   0x360
#define APIC_LVT_ERROR   0x370
#define APIC_TIMER_ICR   0x380      /* initial count */
#define APIC_TIMER_CCR   0x390      /* current count */
#define APIC_TIMER_DCR   0x3e0      /* divide configuration */

/* IA32_APIC_BASE. */
#define APIC_BASE_EXTD    BIT(10)   /* x2APIC mode */
#define APIC_BASE_EN      BIT(11)   /* global enable */
#define APIC_BASE_ADDR    0x000ffffffffff000ULL

#define APIC_SVR_ENABLE   BIT(8)    /* software enable */

/* LVT fields. */
#define APIC_LVT_ACTIVE_LOW  BIT(13)
#define APIC_LVT_LEVEL       BIT(15)
#define APIC_LVT_MASKED      BIT(16)
#define APIC_LVT_PERIODIC    BIT(17)  /* timer mode 01 */

/* ICR fields. */
#define APIC_ICR_BUSY         BIT(12)   /* delivery status, xAPIC only */
#define APIC_ICR_LEVEL_ASSERT BIT(14)   /* must be 1 for everything but INIT de-assert */

#define APIC_TIMER_DIV_16     0x3
#define APIC_TIMER_CALIBRATE_US 10000   /* 10 ms */

static volatile u32 *lapic_mmio;        /* xAPIC register page; NULL in x2APIC mode */
static bool x2apic_mode;
static bool apic_ready;                 /* the boot CPU's apic_init() has chosen the mode */
static u32 boot_apic_id;                /* the CPU whose timer advances jiffies */
static u64 timer_rate;                  /* APIC timer counts per second at divide-by-16 */

/* ------------------------------------------------------------------------------------------ */
/* Register access                                                                              */
/* ------------------------------------------------------------------------------------------ */

static inline u32 apic_read(u32 reg)
{
	if (x2apic_mode)
		return (u32)rdmsr(MSR_X2APIC_BASE + (reg >> 4));
	return lapic_mmio[reg / 4];
}

static inline void apic_write(u32 reg, u32 v)
{
	if (x2apic_mode)
		wrmsr(MSR_X2APIC_BASE + (reg >> 4), v);
	else
		lapic_mmio[reg / 4] = v;
}

/* Usable: the mode is chosen and, in xAPIC mode, the register page is mapped. */
static inline bool apic_usable(void)
{
	return x2apic_mode || lapic_mmio;
}

void apic_eoi(void)
{
	if (x2apic_mode)
		wrmsr(MSR_X2APIC_BASE + (APIC_EOI >> 4), 0);
	else if (lapic_mmio)
		lapic_mmio[APIC_EOI / 4] = 0;
}

u32 apic_id(void)
{
	if (x2apic_mode)
		return (u32)rdmsr(MSR_X2APIC_BASE + (APIC_ID >> 4));
	if (lapic_mmio)
		return lapic_mmio[APIC_ID / 4] >> 24;
	u32 a, b, c, d;
	cpuid(1, &a, &b, &c, &d);               /* not set up yet: the initial APIC ID */
	return b >> 24;
}

bool apic_x2apic_mode(void)
{
	return x2apic_mode;
}

/* ------------------------------------------------------------------------------------------ */
/* IPIs                                                                                         */
/* ------------------------------------------------------------------------------------------ */

/* xAPIC: wait until the ICR has accepted the last IPI. Bounded: the panic path calls this. */
static void xapic_wait_icr_idle(void)
{
	for (u32 i = 0; i < 1000000 && (lapic_mmio[APIC_ICR / 4] & APIC_ICR_BUSY); i++)
		cpu_relax();
}

void apic_send_ipi(u32 dest, u8 vector, unsigned delivery_mode)
{
	if (!apic_usable())
		return;

	u32 lo = (delivery_mode & 0x700) | APIC_ICR_LEVEL_ASSERT;     /* physical, no shorthand */
	if (delivery_mode == APIC_DM_FIXED || delivery_mode == APIC_DM_LOWEST ||
	    delivery_mode == APIC_DM_STARTUP)
		lo |= vector;                   /* NMI, INIT, SMI: the vector field must be 0 */

	/* No interrupt handler may send an IPI between our ICR_HI and ICR writes. */
	u64 flags = irq_save();
	if (x2apic_mode) {
		/*
		 * x2APIC MSR writes are not serializing: fence so that memory written before
		 * the IPI is visible to its target (as Linux's weak_wrmsr_fence()).
		 */
		__asm__ __volatile__("mfence; lfence" ::: "memory");
		wrmsr(MSR_X2APIC_BASE + (APIC_ICR >> 4), ((u64)dest << 32) | lo);
	} else if (dest <= 0xff) {
		xapic_wait_icr_idle();
		lapic_mmio[APIC_ICR_HI / 4] = dest << 24;
		lapic_mmio[APIC_ICR / 4] = lo;  /* this write sends */
		xapic_wait_icr_idle();
	}
	irq_restore(flags);
}

void apic_send_nmi_to_self(void)
{
	apic_send_ipi(apic_id(), 0, APIC_DM_NMI);
}

/* ------------------------------------------------------------------------------------------ */
/* Enable                                                                                       */
/* ------------------------------------------------------------------------------------------ */

/* Bring IA32_APIC_BASE to xAPIC (EN) or x2APIC (EN | EXTD) mode through the legal transitions. */
static void apic_hw_enable(bool x2apic)
{
	u64 base = rdmsr(MSR_APIC_BASE);

	if (x2apic) {
		if (!(base & APIC_BASE_EN))
			wrmsr(MSR_APIC_BASE, base |= APIC_BASE_EN);
		if (!(base & APIC_BASE_EXTD))
			wrmsr(MSR_APIC_BASE, base | APIC_BASE_EXTD);
	} else {
		if (base & APIC_BASE_EXTD)      /* x2APIC -> xAPIC is illegal: go through disabled */
			wrmsr(MSR_APIC_BASE, base &= ~(APIC_BASE_EN | APIC_BASE_EXTD));
		if (!(base & APIC_BASE_EN))
			wrmsr(MSR_APIC_BASE, base | APIC_BASE_EN);
	}
}

/*
 * The LVT value for LINT0/LINT1 of the CPU with this APIC ID. NMI where the MADT says so; if the
 * MADT says nothing about NMIs (or there is no ACPI), LINT1 is NMI on the boot CPU only, the
 * virtual-wire wiring (as Linux). Everything else is masked: with the I/O APIC in use, LINT0's
 * ExtINT from the 8259 is not wanted.
 */
static u32 lint_lvt(u32 id, unsigned lint, bool boot_cpu)
{
	u16 flags = 0;
	bool nmi;

	if (acpi_info.nlapic_nmis)
		nmi = acpi_lapic_nmi(id, lint, &flags);
	else
		nmi = lint == 1 && boot_cpu;

	if (!nmi)
		return APIC_LVT_MASKED | (lint == 0 ? APIC_DM_EXTINT : APIC_DM_NMI);
	/* NMI delivery is always edge triggered; polarity per the MADT (conforming = high). */
	u32 v = APIC_DM_NMI;
	if ((flags & ACPI_INTI_POLARITY_MASK) == ACPI_INTI_POLARITY_LOW)
		v |= APIC_LVT_ACTIVE_LOW;
	return v;
}

/* Per-CPU part of apic_init(). */
static void apic_setup_local(bool boot_cpu)
{
	apic_hw_enable(x2apic_mode);

	u32 version = apic_read(APIC_VERSION);
	unsigned maxlvt = (version >> 16) & 0xff;    /* index of the last LVT entry */

	/* Quiet every local interrupt source before turning the APIC on. */
	apic_write(APIC_LVT_TIMER, APIC_LVT_MASKED);
	apic_write(APIC_LVT_LINT0, APIC_LVT_MASKED);
	apic_write(APIC_LVT_LINT1, APIC_LVT_MASKED);
	apic_write(APIC_LVT_ERROR, APIC_LVT_MASKED);
	if (maxlvt >= 4)
		apic_write(APIC_LVT_PERF, APIC_LVT_MASKED);
	if (maxlvt >= 5)
		apic_write(APIC_LVT_THERMAL, APIC_LVT_MASKED);
	if (maxlvt >= 6)
		apic_write(APIC_LVT_CMCI, APIC_LVT_MASKED);

	apic_write(APIC_TPR, 0);                      /* accept every priority class */
	apic_write(APIC_ESR, 0);                      /* a write latches the errors... */
	apic_write(APIC_ESR, 0);                      /* ...and a second one clears them */

	/* Software-enable; the LVT mask bits cannot be cleared before this. */
	apic_write(APIC_SVR, VECTOR_SPURIOUS | APIC_SVR_ENABLE);

	/* Acknowledge anything left in service by the firmware or a previous kernel. */
	for (int round = 0; round < 256; round++) {
		u32 pending = 0;
		for (u32 i = 0; i < 8; i++)
			pending |= apic_read(APIC_ISR0 + i * 0x10);
		if (!pending)
			break;
		apic_eoi();
	}

	u32 id = apic_id();
	u32 lint0 = lint_lvt(id, 0, boot_cpu), lint1 = lint_lvt(id, 1, boot_cpu);
	apic_write(APIC_LVT_LINT0, lint0);
	apic_write(APIC_LVT_LINT1, lint1);

	if (boot_cpu)
		pr_info("apic: %s mode, boot CPU APIC ID %u, version 0x%x, %u LVT entries, "
			"LINT0 %s, LINT1 %s\n", x2apic_mode ? "x2APIC" : "xAPIC", id,
			version & 0xff, maxlvt + 1, lint0 & APIC_LVT_MASKED ? "masked" : "NMI",
			lint1 & APIC_LVT_MASKED ? "masked" : "NMI");
}

void apic_init(void)
{
	if (apic_ready) {                               /* an AP: the mode is already chosen */
		apic_setup_local(false);
		return;
	}

	u64 base = rdmsr(MSR_APIC_BASE);
	phys_addr_t phys = base & APIC_BASE_ADDR;
	if (acpi_info.lapic_addr && acpi_info.lapic_addr != phys)
		pr_warn("apic: the MADT places the local APIC at 0x%lx, IA32_APIC_BASE at 0x%lx; "
			"using the latter\n", acpi_info.lapic_addr, phys);

	x2apic_mode = cpu.x2apic && !opt_nox2apic;
	if (!x2apic_mode) {
		if (!phys)
			phys = ACPI_DEFAULT_LAPIC_ADDR;
		lapic_mmio = ioremap(phys, PAGE_SIZE);
		if (!lapic_mmio) {
			pr_err("apic: cannot map the local APIC at 0x%lx\n", phys);
			return;
		}
	}

	apic_setup_local(true);
	boot_apic_id = apic_id();
	apic_ready = true;
}

/* ------------------------------------------------------------------------------------------ */
/* Timer                                                                                        */
/* ------------------------------------------------------------------------------------------ */

static void apic_timer_interrupt(struct pt_regs *regs, unsigned vector)
{
	(void)regs;
	(void)vector;
	if (apic_id() == boot_apic_id)
		jiffies++;                      /* one writer: the boot CPU */
	sched_tick();
}

/* The down-counting timer as an up-counter for pit_calibrate(). */
static u64 apic_timer_elapsed(void)
{
	return 0xffffffffu - apic_read(APIC_TIMER_CCR);
}

/* Measure the timer against the PIT: a one-shot from 0xffffffff, masked, at divide-by-16. */
static u64 apic_timer_calibrate(void)
{
	u64 hz = 0;

	apic_write(APIC_TIMER_DCR, APIC_TIMER_DIV_16);
	apic_write(APIC_LVT_TIMER, APIC_LVT_MASKED | VECTOR_TIMER);
	apic_write(APIC_TIMER_ICR, 0xffffffffu);
	bool ok = pit_calibrate(apic_timer_elapsed, APIC_TIMER_CALIBRATE_US, &hz);
	apic_write(APIC_TIMER_ICR, 0);
	return ok ? hz : 0;
}

void apic_timer_init(void)
{
	if (!apic_usable())
		return;

	if (!timer_rate) {                      /* boot CPU: measure once, register once */
		timer_rate = apic_timer_calibrate();
		if (timer_rate < CONFIG_HZ) {
			pr_err("apic: timer calibration against the PIT failed; no timer tick\n");
			timer_rate = 0;
			return;
		}
		irq_register(VECTOR_TIMER, apic_timer_interrupt);
	}

	u64 count = (timer_rate + CONFIG_HZ / 2) / CONFIG_HZ;
	count = MIN(count, 0xffffffffULL);
	apic_write(APIC_TIMER_DCR, APIC_TIMER_DIV_16);
	apic_write(APIC_LVT_TIMER, VECTOR_TIMER | APIC_LVT_PERIODIC);
	apic_write(APIC_TIMER_ICR, (u32)count);   /* this write starts the timer */

	if (apic_id() == boot_apic_id)
		pr_info("apic: timer %lu.%03lu MHz, %lu counts per tick at %u Hz\n",
			timer_rate / 1000000, timer_rate / 1000 % 1000, count, CONFIG_HZ);
}

void apic_timer_stop(void)
{
	if (!apic_usable())
		return;
	apic_write(APIC_LVT_TIMER, APIC_LVT_MASKED | VECTOR_TIMER);
	apic_write(APIC_TIMER_ICR, 0);
}

u64 apic_timer_rate(void)
{
	return timer_rate;
}
