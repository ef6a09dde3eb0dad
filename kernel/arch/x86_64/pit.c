/*
 * i8254 Programmable Interval Timer.
 *
 *   channel 0  output wired to ISA IRQ 0: a periodic interrupt source for tests
 *   channel 2  gate and output reachable through port 0x61 (originally the PC speaker): a
 *              one-shot we can poll without any interrupt, the reference for calibration
 *
 * Each channel keeps its own programming state, so using channel 0 and channel 2 from different
 * contexts is safe; two users of the same channel are not (only boot code uses channel 2).
 */
#include "types.h"
#include "cpu.h"
#include "pit.h"

#define PIT_CH0      0x40
#define PIT_CH2      0x42
#define PIT_CMD      0x43
#define PORT_SYSCTL  0x61           /* "port B": NMI status and control */

/* Command byte: channel (bits 7:6), access (5:4), mode (3:1), BCD (0). */
#define PIT_SEL_CH0  0x00
#define PIT_SEL_CH2  0x80
#define PIT_LOHI     0x30           /* low byte then high byte */
#define PIT_MODE0    0x00           /* interrupt on terminal count (one-shot) */
#define PIT_MODE2    0x04           /* rate generator */

#define SYSCTL_GATE2   0x01         /* write/read: channel 2 gate */
#define SYSCTL_SPEAKER 0x02         /* write/read: speaker data enable: kept off */
#define SYSCTL_RW_MASK 0x0f         /* bits 2-3 (parity/IOCHK NMI disables) are preserved */
#define SYSCTL_OUT2    0x20         /* read: channel 2 output */

void pit_set_periodic(u32 hz)
{
	/* Divisor 0 means 65536; mode 2 needs a divisor of at least 2. */
	u32 div = hz ? (PIT_FREQ_HZ + hz / 2) / hz : 65536;
	div = MIN(MAX(div, 2u), 65536u);

	u64 flags = irq_save();
	outb(PIT_CMD, PIT_SEL_CH0 | PIT_LOHI | PIT_MODE2);
	outb(PIT_CH0, div & 0xff);
	outb(PIT_CH0, (div >> 8) & 0xff);
	irq_restore(flags);
}

void pit_stop(void)
{
	/*
	 * A control word resets the channel: in mode 0 the output goes low and counting waits for
	 * a count that we never write, so there is no further edge.
	 */
	outb(PIT_CMD, PIT_SEL_CH0 | PIT_LOHI | PIT_MODE0);
}

bool pit_oneshot_start(u32 us)
{
	us = MIN(us, PIT_ONESHOT_MAX_US);
	u32 count = (u32)((u64)us * PIT_FREQ_HZ / 1000000);
	count = MAX(count, 1u);                                   /* <= 59659 for 50 ms */

	/* Gate high (count while high), speaker off. */
	outb(PORT_SYSCTL, (inb(PORT_SYSCTL) & SYSCTL_RW_MASK & ~SYSCTL_SPEAKER) | SYSCTL_GATE2);
	/* Mode 0: OUT2 goes low now, counting starts once the count is written, OUT2 rises at 0. */
	outb(PIT_CMD, PIT_SEL_CH2 | PIT_LOHI | PIT_MODE0);
	outb(PIT_CH2, count & 0xff);
	outb(PIT_CH2, count >> 8);

	/* A missing PIT (or port 0x61 reading 0xff) shows OUT2 high before any time has passed. */
	return !pit_oneshot_done();
}

bool pit_oneshot_done(void)
{
	return inb(PORT_SYSCTL) & SYSCTL_OUT2;
}

/*
 * How many polls of OUT2 to allow for a one-shot of `us` before declaring the PIT broken. A port
 * read takes tens of nanoseconds even under emulation and about a microsecond on real hardware,
 * so 1000 polls per microsecond is far longer than any working PIT needs.
 */
static u64 poll_budget(u32 us)
{
	return (u64)us * 1000 + 100000;
}

bool pit_wait_us(u32 us)
{
	while (us) {
		u32 chunk = MIN(us, PIT_ONESHOT_MAX_US);
		if (!pit_oneshot_start(chunk))
			return false;
		u64 polls = poll_budget(chunk);
		while (!pit_oneshot_done())
			if (--polls == 0)
				return false;
		us -= chunk;
	}
	return true;
}

bool pit_calibrate(u64 (*read_counter)(void), u32 us, u64 *hz)
{
	us = MIN(MAX(us, 1000u), PIT_ONESHOT_MAX_US);
	/* The one-shot lasts this many PIT clocks (a real 8254 adds one to load the count: 0.01%). */
	u64 ticks = (u64)us * PIT_FREQ_HZ / 1000000;
	u64 best_err = ~0ULL;
	bool ok = false;

	for (int attempt = 0; attempt < 3; attempt++) {
		u64 flags = irq_save();

		/* The window opens when the count is written: between s0 and s1. */
		u64 s0 = read_counter();
		bool started = pit_oneshot_start(us);
		u64 s1 = read_counter();

		/*
		 * It closes when OUT2 rises: after e0 (OUT2 was still low when checked after e0 was
		 * read) and before e1 (read after OUT2 was seen high).
		 */
		u64 e0 = s1, e1 = s1;
		u64 polls = poll_budget(us);
		while (started) {
			u64 t = read_counter();
			if (pit_oneshot_done()) {
				e1 = read_counter();
				break;
			}
			e0 = t;
			if (--polls == 0)
				started = false;
		}
		irq_restore(flags);
		if (!started)
			return false;

		u64 lo = e0 - s1, hi = e1 - s0, err = hi - lo;    /* counter ticks */
		if (err < best_err) {
			best_err = err;
			*hz = (lo + err / 2) * PIT_FREQ_HZ / ticks;
			ok = true;
		}
		if (err * 1000 <= lo)          /* brackets within 0.1%: good enough, stop early */
			break;
	}
	return ok;
}
