/*
 * musl_nested_fault.c - a fault inside a signal handler. SIGSEGV is blocked while its handler
 * runs (no SA_NODEFER), so a second SIGSEGV raised by the handler itself cannot be delivered:
 * the kernel kills the program with SIGSEGV (status 139) — Linux's force_sig behaviour. The
 * first fault's output must appear, the "survived" line never.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Low addresses nothing maps, through a volatile pointer so the compiler cannot see the fault. */
static volatile int *volatile low = (volatile int *)8;

static void handler(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	printf("handler: signal %d code %d at %s\n", sig, si->si_code,
	       si->si_addr == (void *)8 ? "the first address" : "another address");
	fflush(stdout);
	low[2] = 1;                          /* a second SIGSEGV (address 16), SIGSEGV blocked */
	printf("survived the fault in the handler\n");
}

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = handler;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);
	printf("first fault\n");
	fflush(stdout);
	(void)*low;
	printf("not reached\n");
	return 0;
}
