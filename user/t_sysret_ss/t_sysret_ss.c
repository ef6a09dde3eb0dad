/*
 * t_sysret_ss.c - compatibility-mode stack use right after a SYSRET that follows a context switch.
 *
 * SYSRET loads SS's selector from MSR_STAR but, on AMD CPUs (and in Bochs on every CPU model), it
 * leaves SS's hidden attributes as they were. A task that entered the kernel through an interrupt
 * from ring 3 runs with a null SS (the CPU loads one on every privilege change in long mode); if
 * the kernel switches from it to a task that returns through SYSRET, that task's ring 3 gets a
 * null SS's attributes under the selector USER_DS: harmless in 64-bit mode, which ignores SS, but
 * the first stack access in compatibility mode then uses a 16-bit SP (B = 0) or faults. The kernel
 * must give SS a real descriptor before SYSRET can run (it reloads KERNEL_DS at every switch).
 *
 *   t_sysret_ss -spin MS    spin in ring 3 for MS milliseconds (the timer preempts it: the
 *                           interrupt entry that loads the null SS)
 *   t_sysret_ss -check MS   for MS milliseconds: sched_yield (a SYSCALL, so the return is a
 *                           SYSRET, usually after a switch from the spinner), then use the stack
 *                           in compatibility mode and check it; KTAP on stdout
 *
 * The kernel's sysret_ss self-test runs one of each. Also runs on Linux (both halves pass there).
 */
#include "compat.h"
#include "ktap.h"
#include "ulib.h"

void ss_probe32(void);

static unsigned long now_ms(void)
{
	struct timespec ts;
	sys_clock_gettime(1, &ts);
	return ts.tv_sec * 1000UL + ts.tv_nsec / 1000000UL;
}

static unsigned long parse_ms(const char *p)
{
	unsigned long v = 0;
	for (; *p >= '0' && *p <= '9'; p++)
		v = v * 10 + (unsigned long)(*p - '0');
	return v;
}

static int spin(unsigned long ms)
{
	unsigned long end = now_ms() + ms;
	while (now_ms() < end)
		for (volatile int i = 0; i < 100000; i++)
			;
	return 0;
}

static int check(unsigned long ms)
{
	unsigned long end = now_ms() + ms, rounds = 0, bad = 0;
	ktap_plan(2);
	while (now_ms() < end) {
		uint32_t pattern = 0x5a000000u | (uint32_t)rounds;
		sys_sched_yield();
		uint32_t got = compat_call(ss_probe32, pattern, 0);
		uint32_t moved = (uint32_t)compat_regs_after.rdx;
		if (got != pattern || moved != 0) {
			if (bad++ < 5)
				ktap_diag("round %lu: push/pop gave %#x (pushed %#x), ESP moved by %u",
					  rounds, got, pattern, moved);
		}
		rounds++;
	}
	ktap_ok(rounds > 0, "%lu rounds of sched_yield then a compat-mode push/pop", rounds);
	ktap_ok(bad == 0, "the compat-mode stack worked after every SYSRET (%lu bad)", bad);
	return ktap_done();
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "-spin"))
		return spin(parse_ms(argv[2]));
	if (argc == 3 && !strcmp(argv[1], "-check"))
		return check(parse_ms(argv[2]));
	printf("usage: t_sysret_ss -spin MS | -check MS\n");
	return 2;
}
