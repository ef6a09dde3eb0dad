/*
 * musl_signals.c - signal handlers for faults, as an ordinary musl program: SIGSEGV (not present
 * and protection, with si_addr and si_code), SIGILL, SIGFPE, SIGTRAP (int3), a handler on an
 * alternate stack (sigaltstack), a blocked signal delivered on unblock, raise(), a fault inside a
 * handler's own code path recovered by siglongjmp, and a register-restoring sigreturn (the handler
 * edits the saved RIP to skip the faulting instruction). Prints the same on Linux and Portcullis.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

static sigjmp_buf env;
static volatile int got_sig, got_code;
static volatile void *got_addr;
static volatile int on_alt;
static char altstack[65536];

static void handler(int sig, siginfo_t *si, void *ctx)
{
	(void)ctx;
	got_sig = sig;
	got_code = si->si_code;
	got_addr = si->si_addr;
	char here;
	on_alt = &here >= altstack && &here < altstack + sizeof(altstack);
	siglongjmp(env, 1);
}

static void install(int sig, int flags)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = handler;
	sa.sa_flags = SA_SIGINFO | flags;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

#define TRY(what, stmt) do { \
	got_sig = 0; \
	if (!sigsetjmp(env, 1)) { stmt; printf("%s: no signal\n", what); } \
	else printf("%s: signal %d code %d\n", what, got_sig, got_code); \
} while (0)

static volatile int zero;
/* Small bad addresses, through a volatile so the compiler does not see the constant. */
static volatile unsigned long bad_addr[3] = { 0, 8, 16 };
#define BAD(i) ((volatile int *)bad_addr[i])

static void skip_ud2(int sig, siginfo_t *si, void *ctx)
{
	(void)sig; (void)si;
	ucontext_t *uc = ctx;
	uc->uc_mcontext.gregs[REG_RIP] += 2;            /* past the ud2 */
	uc->uc_mcontext.gregs[REG_RBX] = 0x1234;        /* and a register the program will see */
}

int main(void)
{
	install(SIGSEGV, 0);
	install(SIGILL, 0);
	install(SIGFPE, 0);
	install(SIGTRAP, 0);
	install(SIGUSR1, 0);

	TRY("null read", (void)*BAD(0));
	printf("  si_addr is the address: %s\n", got_addr == 0 ? "yes" : "no");
	char *p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TRY("write to a read-only page", p[1] = 1);
	printf("  si_addr is the address: %s\n", got_addr == p + 1 ? "yes" : "no");
	TRY("ud2", __asm__ volatile("ud2"));
	TRY("divide by zero", __asm__ volatile("xor %%edx, %%edx\n\tmov $1, %%eax\n\tdivl %0" :: "m"(zero) : "eax", "edx"));
	TRY("int3", __asm__ volatile("int3"));
	TRY("raise(SIGUSR1)", raise(SIGUSR1));

	/* A blocked signal waits until it is unblocked. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	got_sig = 0;
	raise(SIGUSR1);
	printf("blocked SIGUSR1 pending, not delivered: %s\n", got_sig == 0 ? "yes" : "no");
	TRY("unblock SIGUSR1", sigprocmask(SIG_UNBLOCK, &set, NULL));

	/* The alternate stack. */
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack), .ss_flags = 0 };
	sigaltstack(&ss, NULL);
	install(SIGSEGV, SA_ONSTACK);
	TRY("null read on the alternate stack", (void)*BAD(1));
	printf("  handler ran on the alternate stack: %s\n", on_alt ? "yes" : "no");

	/* sigreturn restores the registers the handler left in the frame. */
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = skip_ud2;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGILL, &sa, NULL);
	long rbx = 0;
	__asm__ volatile("xor %%ebx, %%ebx\n\tud2\n\tmov %%rbx, %0" : "=r"(rbx) :: "rbx");
	printf("sigreturn to an edited context: rbx=%#lx\n", rbx);

	/* Default action of an uncaught signal: the status says SIGSEGV. */
	signal(SIGSEGV, SIG_DFL);
	printf("now an uncaught SIGSEGV\n");
	fflush(stdout);
	*BAD(2) = 1;
	return 0;
}
