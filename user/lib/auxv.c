/*
 * auxv.c - the auxiliary vector and the environment, as found by _start, and the clock helper.
 */
#include "ulib.h"

char **environ;
unsigned long *__auxv;

unsigned long getauxval(unsigned long type)
{
	unsigned long *a;

	for (a = __auxv; a && a[0] != AT_NULL; a += 2)
		if (a[0] == type)
			return a[1];
	return 0;
}

uint64_t monotonic_ns(void)
{
	struct timespec ts;

	if (sys_clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

#ifdef __i386__
unsigned long sys32_vsyscall;

unsigned long vdso_init(void)
{
	sys32_vsyscall = getauxval(AT_SYSINFO);
	return sys32_vsyscall;
}
#endif
