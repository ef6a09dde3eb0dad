/*
 * Time keeping: jiffies, the TSC clock behind ktime_ns(), the wall clock, udelay().
 *
 * time_init() measures the TSC against the PIT (kernel/arch/x86_64/pit.c) and reads the CMOS RTC
 * (rtc.c) once. From then on:
 *
 *   ktime_ns()    = (rdtsc() - tsc_base) * tsc_mult >> TSC_SHIFT
 *   realtime_ns() = ktime_ns() + realtime_offset_ns
 *
 * tsc_mult is nanoseconds per TSC cycle in 32.32 fixed point. The product is formed in 128 bits
 * (one MUL instruction, no libgcc), so ktime_ns() cannot overflow before 2^64 ns (584 years) for
 * any TSC rate, and the rounding of tsc_mult costs well under a part per billion.
 *
 * The TSC is assumed to run at a constant rate and in step on all CPUs (true on anything with an
 * invariant TSC, and under QEMU). Without a TSC (or if calibration fails) ktime_ns() falls back to
 * jiffies, a resolution of one tick.
 */
#include "generated/autoconf.h"
#include "types.h"
#include "cpu.h"
#include "printk.h"
#include "time.h"
#include "pit.h"

#define TSC_SHIFT          32
#define NSEC_PER_MSEC      1000000ULL
#define CALIBRATE_US       10000          /* 10 ms: short, and plenty under QEMU TCG */
#define TSC_MIN_HZ         1000000ULL     /* sanity bounds on the calibration result */
#define TSC_MAX_HZ         100000000000ULL

volatile u64 jiffies;                     /* incremented by the boot CPU's timer interrupt */
u64 tsc_khz;                              /* 0 until calibrated */

static u64 tsc_base;                      /* TSC reading at which ktime_ns() is 0 */
static u64 tsc_mult;                      /* ns per cycle << TSC_SHIFT; 0 until calibrated */
static s64 realtime_offset_ns;            /* wall clock minus ktime; 0 if the RTC was unreadable */

static u64 read_tsc(void)
{
	return rdtsc();
}

u64 ktime_ns(void)
{
	u64 mult = READ_ONCE(tsc_mult);
	if (!mult)
		return READ_ONCE(jiffies) * (NSEC_PER_SEC / CONFIG_HZ);   /* 0 before the first tick */
	barrier();                        /* read tsc_base only after seeing tsc_mult set */

	u64 delta = rdtsc() - tsc_base;
	if ((s64)delta < 0)               /* a CPU whose TSC lags the boot CPU's slightly */
		delta = 0;
	return (u64)(((unsigned __int128)delta * mult) >> TSC_SHIFT);
}

u64 realtime_ns(void)
{
	return (u64)((s64)ktime_ns() + READ_ONCE(realtime_offset_ns));
}

void udelay(u64 us)
{
	u64 khz = READ_ONCE(tsc_khz);

	if (!khz) {
		/* Before calibration (or without a TSC): the PIT, in pieces of a second. */
		while (us) {
			u32 piece = (u32)MIN(us, 1000000ULL);
			pit_wait_us(piece);
			us -= piece;
		}
		return;
	}

	/* cycles = us * khz / 1000, split so the product cannot overflow for sane delays. */
	u64 cycles;
	if (__builtin_mul_overflow(us / 1000, khz, &cycles))
		cycles = ~0ULL;
	else
		cycles += (us % 1000) * khz / 1000;

	u64 start = rdtsc();
	while (rdtsc() - start < cycles)
		cpu_relax();
}

static void calibrate_tsc(void)
{
	u64 hz;

	if (!cpu.tsc) {
		pr_warn("time: no TSC; ktime_ns() counts timer ticks\n");
		return;
	}
	if (!pit_calibrate(read_tsc, CALIBRATE_US, &hz)) {
		pr_err("time: TSC calibration failed: the PIT does not count; "
		       "ktime_ns() counts timer ticks\n");
		return;
	}
	if (hz < TSC_MIN_HZ || hz > TSC_MAX_HZ) {
		pr_err("time: TSC calibration gave an implausible %lu Hz; "
		       "ktime_ns() counts timer ticks\n", hz);
		return;
	}

	u64 khz = (hz + 500) / 1000;
	/* Round to nearest: (10^6 << 32) / khz, with khz >= 1000 this is below 2^43. */
	u64 mult = ((NSEC_PER_MSEC << TSC_SHIFT) + khz / 2) / khz;

	/*
	 * Switch ktime_ns() from jiffies to the TSC. The TSC base is "now" in cycles; this runs
	 * before the timer is started, so ktime_ns() does not jump backwards.
	 */
	tsc_base = rdtsc();
	barrier();                        /* tsc_base is in place before tsc_mult enables it */
	WRITE_ONCE(tsc_mult, mult);
	WRITE_ONCE(tsc_khz, khz);
	pr_info("time: TSC %lu.%03lu MHz%s\n", khz / 1000, khz % 1000,
		cpu.invariant_tsc ? " (invariant)" : "");
}

void time_init(void)
{
	calibrate_tsc();

	s64 secs = rtc_read_epoch_seconds();
	if (secs >= 0) {
		WRITE_ONCE(realtime_offset_ns, secs * (s64)NSEC_PER_SEC - (s64)ktime_ns());
		pr_info("time: RTC: %ld seconds since the epoch\n", secs);
	} else {
		pr_warn("time: no wall clock; realtime_ns() counts from 1970-01-01\n");
	}
}
