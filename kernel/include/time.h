/* Time keeping (kernel/arch/x86_64/time.c). */
#ifndef PORTCULLIS_TIME_H
#define PORTCULLIS_TIME_H

#include "types.h"

#define NSEC_PER_SEC 1000000000ULL

extern volatile u64 jiffies;      /* timer ticks since boot (CONFIG_HZ per second) */
extern u64 tsc_khz;               /* calibrated against the PIT at boot */

void time_init(void);             /* calibrate the TSC, read the RTC */
u64 ktime_ns(void);               /* monotonic nanoseconds since boot */
u64 realtime_ns(void);            /* nanoseconds since the epoch (RTC at boot + monotonic) */
void udelay(u64 us);

#endif
