/*
 * musl_altstack.c - the alternate signal stack as rt_sigreturn reinstalls it, as an ordinary musl
 * program (x86-64): the uc_stack a handler finds in its frame (the flags as they were set); an
 * edited uc_stack installed on return by a handler not running on the alternate stack, one that
 * sigaltstack would refuse (bad flags, too small) ignored; any edit ignored when the handler runs
 * on the alternate stack (x86-64 Linux judges it against the RSP of the rt_sigreturn call, before
 * the context is restored: -EPERM), nested too; SS_ONSTACK accepted by sigaltstack; SS_AUTODISARM
 * (disarmed while a handler runs, back after it, or replaced by its uc_stack); and
 * sigpending/rt_sigpending (blocked pending signals only, Linux's size rules). sigaltstack goes
 * through syscall(): musl's wrapper refuses SS_ONSTACK itself. Prints the same on Linux and
 * Portcullis.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#ifndef SS_AUTODISARM
#define SS_AUTODISARM (1U << 31)
#endif

static char alt_a[65536], alt_b[65536];

static long altstack(const stack_t *ss, stack_t *old)
{
	long r = syscall(SYS_sigaltstack, ss, old);
	return r ? -errno : 0;
}

static stack_t query(void)
{
	stack_t q;
	memset(&q, 0, sizeof(q));
	altstack(NULL, &q);
	return q;
}

static const char *which(const stack_t *q)
{
	if (q->ss_sp == alt_a && q->ss_size == sizeof(alt_a))
		return "A";
	if (q->ss_sp == alt_b && q->ss_size == sizeof(alt_b))
		return "B";
	if (!q->ss_sp && !q->ss_size)
		return "none";
	return "other";
}

static void install(int sig, void (*fn)(int, siginfo_t *, void *), int flags)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fn;
	sa.sa_flags = SA_SIGINFO | flags;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

/* What a handler saw and what it writes into its uc_stack. */
static volatile int h_frame_flags, h_on_a, h_query_flags, h_inner_flags, h_inner_ran;
static volatile int edit;                /* 0 none, 1 stack B, 2 bad flags, 3 too small, 4 disable */

static void on_usr1(int sig, siginfo_t *si, void *ctx)
{
	(void)sig; (void)si;
	ucontext_t *uc = ctx;
	char here;
	h_on_a = &here >= alt_a && &here < alt_a + sizeof(alt_a);
	h_frame_flags = uc->uc_stack.ss_flags;
	h_query_flags = query().ss_flags;
	switch (edit) {
	case 1: uc->uc_stack.ss_sp = alt_b; uc->uc_stack.ss_size = sizeof(alt_b); uc->uc_stack.ss_flags = 0; break;
	case 2: uc->uc_stack.ss_sp = alt_b; uc->uc_stack.ss_size = sizeof(alt_b); uc->uc_stack.ss_flags = 5; break;
	case 3: uc->uc_stack.ss_sp = alt_b; uc->uc_stack.ss_size = 1024; uc->uc_stack.ss_flags = 0; break;
	case 4: uc->uc_stack.ss_flags = SS_DISABLE; break;
	case 5: raise(SIGUSR2); break;       /* nested: the inner handler runs on A too */
	}
}

/* Inner handler of the nested case: interrupted on A, it edits its uc_stack to B. */
static void on_usr2(int sig, siginfo_t *si, void *ctx)
{
	(void)sig; (void)si;
	ucontext_t *uc = ctx;
	h_inner_ran = 1;
	h_inner_flags = uc->uc_stack.ss_flags;
	uc->uc_stack.ss_sp = alt_b;
	uc->uc_stack.ss_size = sizeof(alt_b);
	uc->uc_stack.ss_flags = 0;
}

static void set_a(int flags)
{
	stack_t ss = { .ss_sp = alt_a, .ss_size = sizeof(alt_a), .ss_flags = flags };
	long r = altstack(&ss, NULL);
	if (r)
		printf("sigaltstack(A, %#x) = %ld\n", flags, r);
}

int main(void)
{
	stack_t q = query();
	printf("at start: %s, flags %d\n", which(&q), q.ss_flags);
	stack_t ss = { .ss_sp = alt_a, .ss_size = sizeof(alt_a), .ss_flags = SS_ONSTACK };
	long r = altstack(&ss, NULL);
	q = query();
	printf("sigaltstack(A, SS_ONSTACK) = %ld: %s, flags %d\n", r, which(&q), q.ss_flags);
	ss.ss_flags = 5;
	printf("sigaltstack(A, 5) = %ld\n", altstack(&ss, NULL));
	ss.ss_flags = 0;
	ss.ss_size = 1024;
	printf("sigaltstack(A, size 1024) = %ld\n", altstack(&ss, NULL));

	install(SIGUSR1, on_usr1, SA_ONSTACK);
	install(SIGUSR2, on_usr2, SA_ONSTACK);
	edit = 0;
	raise(SIGUSR1);
	q = query();
	printf("handler on A: %s, uc_stack flags %d, sigaltstack says %d; after it: %s, flags %d\n",
	       h_on_a ? "yes" : "no", h_frame_flags, h_query_flags, which(&q), q.ss_flags);

	set_a(0);
	edit = 1;
	raise(SIGUSR1);
	q = query();
	printf("handler on A wrote B into uc_stack: after it %s\n", which(&q));
	edit = 4;
	raise(SIGUSR1);
	q = query();
	printf("handler on A wrote SS_DISABLE: after it %s\n", which(&q));

	install(SIGUSR1, on_usr1, 0);          /* on the program's own stack from here */
	edit = 1;
	raise(SIGUSR1);
	q = query();
	printf("handler not on A wrote B into uc_stack: after it %s, flags %d\n", which(&q), q.ss_flags);
	set_a(0);
	edit = 2;
	raise(SIGUSR1);
	q = query();
	printf("uc_stack with flags 5: after it %s\n", which(&q));
	edit = 3;
	raise(SIGUSR1);
	q = query();
	printf("uc_stack of 1024 bytes: after it %s\n", which(&q));
	edit = 4;
	raise(SIGUSR1);
	q = query();
	printf("uc_stack with SS_DISABLE: after it %s, flags %d\n", which(&q), q.ss_flags);

	set_a(0);
	install(SIGUSR1, on_usr1, SA_ONSTACK);
	edit = 5;
	raise(SIGUSR1);
	q = query();
	printf("nested, inner handler ran: %s, its uc_stack flags %d; its edit (returning onto A) "
	       "ignored: %s\n", h_inner_ran ? "yes" : "no", h_inner_flags, which(&q));

	set_a(SS_AUTODISARM);
	q = query();
	printf("SS_AUTODISARM: flags %#x\n", (unsigned)q.ss_flags);
	edit = 0;
	raise(SIGUSR1);
	q = query();
	printf("  handler on A: %s, uc_stack flags %#x, sigaltstack in it says %d; after it: %s, "
	       "flags %#x\n", h_on_a ? "yes" : "no", (unsigned)h_frame_flags, h_query_flags, which(&q),
	       (unsigned)q.ss_flags);
	edit = 1;
	raise(SIGUSR1);
	q = query();
	printf("  a handler on the disarmed A wrote B into uc_stack: after it %s, flags %#x\n", which(&q),
	       (unsigned)q.ss_flags);
	set_a(0);

	/* sigpending: the blocked pending signals. */
	sigset_t set, pend;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, NULL);
	install(SIGUSR2, on_usr2, 0);
	h_inner_ran = 0;
	raise(SIGUSR2);
	sigemptyset(&pend);
	sigpending(&pend);
	printf("blocked SIGUSR2 raised: sigpending has it: %s, handler ran: %s\n",
	       sigismember(&pend, SIGUSR2) ? "yes" : "no", h_inner_ran ? "yes" : "no");
	unsigned long long raw = 0;
	r = syscall(SYS_rt_sigpending, &raw, 8);
	printf("rt_sigpending(8) = %ld: %#llx\n", r, raw);
	raw = 0;
	r = syscall(SYS_rt_sigpending, &raw, 4);
	printf("rt_sigpending(4) = %ld: %#llx\n", r, raw);
	r = syscall(SYS_rt_sigpending, &raw, 16);
	printf("rt_sigpending(16) = %ld errno %d\n", r, r ? errno : 0);
	r = syscall(SYS_rt_sigpending, NULL, 8);
	printf("rt_sigpending(NULL, 8) = %ld errno %d\n", r, r ? errno : 0);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	sigemptyset(&pend);
	sigpending(&pend);
	printf("unblocked: handler ran: %s, sigpending empty: %s\n", h_inner_ran ? "yes" : "no",
	       sigismember(&pend, SIGUSR2) ? "no" : "yes");
	return 0;
}
