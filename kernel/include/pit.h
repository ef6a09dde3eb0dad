/*
 * Legacy PC timers: the i8254 PIT (kernel/arch/x86_64/pit.c) and the MC146818 CMOS real-time clock
 * (kernel/arch/x86_64/rtc.c).
 *
 * The PIT is used for two things: calibrating the TSC and the local APIC timer at boot (channel 2,
 * polled through port 0x61, so no interrupt is involved), and as an interrupt source for tests
 * (channel 0, ISA IRQ 0, routed through the I/O APIC). The periodic tick is the local APIC timer.
 */
#ifndef PORTCULLIS_PIT_H
#define PORTCULLIS_PIT_H

#include "types.h"

#define PIT_FREQ_HZ 1193182u        /* input clock of all three channels */

/* Channel 0 (ISA IRQ 0): a rate generator at hz (clamped to 19..596591 Hz). */
void pit_set_periodic(u32 hz);

/*
 * Stop channel 0: reprogram it as a one-shot that is never started, so its output stays low and
 * raises no further edges. Lock-free (one port write), so usable from an NMI handler; an edge
 * already in flight may still arrive, so mask the pin first where that matters.
 */
void pit_stop(void);

/*
 * Channel 2 one-shot, polled: pit_oneshot_start() starts a countdown of `us` microseconds
 * (at most PIT_ONESHOT_MAX_US) and returns false if the PIT does not appear to work (its output
 * is already high); pit_oneshot_done() says whether the countdown has expired. Used to time a
 * window for calibration. Not reentrant: channel 2 has one user at a time (boot code).
 */
#define PIT_ONESHOT_MAX_US 50000u
bool pit_oneshot_start(u32 us);
bool pit_oneshot_done(void);

/*
 * Measure the frequency (Hz) of a free-running, increasing counter (the TSC; the local APIC timer
 * turned into an up-counter) against a channel 2 one-shot of `us` microseconds (at most
 * PIT_ONESHOT_MAX_US), with interrupts off. Each end of the window is bracketed by two counter
 * reads; of up to three tries the one with the tightest brackets is kept. Returns false if the
 * PIT does not work.
 */
bool pit_calibrate(u64 (*read_counter)(void), u32 us, u64 *hz);

/*
 * Busy-wait for us microseconds using channel 2 (any length; done in PIT_ONESHOT_MAX_US pieces).
 * Returns false if the PIT never signalled the end (no PIT, or port 0x61 not wired); the wait
 * then gives up after far longer than asked instead of hanging the boot.
 */
bool pit_wait_us(u32 us);

/*
 * CMOS RTC: the wall-clock time now, in seconds since 1970-01-01 00:00:00 UTC (the RTC is assumed
 * to hold UTC, as Linux assumes on x86 unless told otherwise). Returns -1 if the RTC never
 * produced a stable reading.
 */
s64 rtc_read_epoch_seconds(void);

#endif
