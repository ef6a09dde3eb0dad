/*
 * t_nanosleep.c - a handled signal interrupts nanosleep/clock_nanosleep with -EINTR and the time
 * left in rem; an ignored one does not. Built for both ABIs (t_nanosleep, t_nanosleep32).
 *
 *   t_nanosleep [clock]      (clock: clock_nanosleep(CLOCK_MONOTONIC, 0) instead of nanosleep)
 *
 * Sleeps 3 s with SIGUSR1 handled and SIGUSR2 ignored; someone else must send the signals (the
 * kernel's nanosleep_eintr self-test sends SIGUSR2, then SIGUSR1; on Linux, `kill -USR2 PID;
 * kill -USR1 PID` from a shell). Prints the result; exit status 0 iff the sleep ended with -EINTR
 * after the handler ran once, with 0 < rem < 3 s, 1 otherwise (2 if it slept the full time).
 */
#include "ulib.h"

#define SA_SIGINFO 4
#define SA_RESTORER 0x04000000

static volatile int usr1;
static void on_usr1(int sig) { (void)sig; usr1++; }

#ifdef __x86_64__
#define NR_rt_sigaction 13
#define NR_clock_nanosleep 230
extern void restore_rt(void);
__asm__(".text\nrestore_rt:\n\tmovl $15, %eax\n\tsyscall\n\tud2\n");
struct ksigaction { unsigned long handler, flags, restorer, mask; };
static long sigact(int sig, unsigned long h)
{
	struct ksigaction a = { h, SA_RESTORER, (unsigned long)restore_rt, 0 };
	return syscall4(NR_rt_sigaction, sig, (long)&a, 0, 8);
}
static long clock_sleep(const struct timespec *req, struct timespec *rem)
{
	return syscall4(NR_clock_nanosleep, 1, 0, (long)req, (long)rem);
}
#else
#define NR_rt_sigaction 174
#define NR_clock_nanosleep 267          /* old_timespec32 */
struct ksigaction { uint32_t handler, flags, restorer, mask[2]; };
static long sigact(int sig, unsigned long h)
{
	struct ksigaction a = { h, 0, 0, { 0, 0 } };           /* the vDSO's restorer */
	return int80_4(NR_rt_sigaction, sig, (long)&a, 0, 8);
}
static long clock_sleep(const struct timespec *req, struct timespec *rem)
{
	return int80_4(NR_clock_nanosleep, 1, 0, (long)req, (long)rem);
}
#endif

int main(int argc, char **argv)
{
	bool clk = argc > 1 && !strcmp(argv[1], "clock");
	sigact(SIGUSR1, (unsigned long)on_usr1);
	sigact(SIGUSR2, 1);                                     /* SIG_IGN */
	struct timespec req = { 3, 0 }, rem = { -1, -1 };
	long r = clk ? clock_sleep(&req, &rem) : sys_nanosleep(&req, &rem);
	long long left = (long long)rem.tv_sec * 1000000000LL + rem.tv_nsec;
	bool ok = r == -4 && usr1 == 1 && left > 0 && left < 3000000000LL;
	printf("%s: %ld, handler ran %d time(s), rem in (0, 3 s): %s\n",
	       clk ? "clock_nanosleep" : "nanosleep", r, usr1, (left > 0 && left < 3000000000LL) ? "yes" : "no");
	return ok ? 0 : r == 0 ? 2 : 1;
}
