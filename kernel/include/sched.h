/* Scheduler entry points used by drivers (kernel/proc/sched.c). */
#ifndef PORTCULLIS_SCHED_H
#define PORTCULLIS_SCHED_H

#include "types.h"

/* Called from the timer interrupt handler once per tick, with IRQs off. */
void sched_tick(void);

#endif
