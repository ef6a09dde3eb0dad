/*
 * musl_pgrp.c - process groups and sessions: getpgid, getpgrp, getsid, setpgid, setsid with
 * Linux's errors, and kill and waitpid addressed to a group. Only relations between ids are
 * printed (ids differ between kernels), so Linux and Portcullis print the same.
 *
 * It must start as the leader of a session and a group of its own: the kernel starts programs
 * so, and the differential harness runs them with setsid. kill(0, ...) then reaches only this
 * test's processes. Output order is forced with pipes and waits; stdout is flushed before forks.
 *
 *   musl_pgrp            the differential test
 *   musl_pgrp -killall   kill(-1) from a child: every process but the caller and the one the
 *                        kernel started dies. Never on a host: there it would signal every
 *                        process of the user.
 *   musl_pgrp -exec R W  (used by the test) an exec'd child: writes a byte to fd W, waits for
 *                        end-of-file on fd R, exits 0
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "wait_report.h"

#define NO_SUCH_PID 0x7ffffff0          /* above any pid_max */

static const char *yes(int c) { return c ? "yes" : "no"; }

/* "-1 ENAME" or the value: errors as names, so the text does not depend on strerror. */
static const char *res(long r)
{
	static char buf[8][32];
	static unsigned n;
	char *b = buf[n++ % 8];
	if (r != -1)
		snprintf(b, 32, "%ld", r);
	else
		snprintf(b, 32, "-1 %s", errno == ESRCH ? "ESRCH" : errno == EPERM ? "EPERM" :
			 errno == EINVAL ? "EINVAL" : errno == EACCES ? "EACCES" :
			 errno == ECHILD ? "ECHILD" : "other");
	return b;
}

static volatile sig_atomic_t got_usr1, got_usr2, got_chld;
static void on_usr1(int s) { (void)s; got_usr1++; }
static void on_usr2(int s) { (void)s; got_usr2++; }
static void on_chld(int s) { (void)s; got_chld++; }

static void handle(int sig, void (*fn)(int))
{
	struct sigaction sa = { .sa_handler = fn };
	sigaction(sig, &sa, NULL);
}

/* Block sig, then fork; the child waits for it with sigsuspend, so none is lost. */
static pid_t fork_waiting_for(int sig)
{
	sigset_t set, old;
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_BLOCK, &set, &old);
	fflush(stdout);
	return fork();
}

/* Sleep until a handler has set *flag (the signal is unblocked only inside sigsuspend). */
static void await(volatile sig_atomic_t *flag)
{
	sigset_t none;
	sigemptyset(&none);
	while (!*flag)
		sigsuspend(&none);
}

/* A child that waits for sig (blocked from before the fork: none is lost), then exits with code. */
static pid_t child_awaiting(int sig, volatile sig_atomic_t *flag, int code)
{
	pid_t p = fork_waiting_for(sig);
	if (p == 0) {
		await(flag);
		_exit(code);
	}
	return p;
}

static void wait_byte(int fd)
{
	char c;
	while (read(fd, &c, 1) < 0 && errno == EINTR)
		;
}

/* fork with two pipes: the child says when it is ready (a byte on ready), the parent when the
 * child may go (end-of-file on go). Each side gets its own ends in *h. */
struct handshake { int ready, go; };

static pid_t fork_handshake(struct handshake *h)
{
	int up[2], down[2];
	if (pipe(up) || pipe(down))
		exit(1);
	fflush(stdout);
	pid_t p = fork();
	if (p == 0) {
		close(up[0]);
		close(down[1]);
		*h = (struct handshake){ .ready = up[1], .go = down[0] };
	} else {
		close(up[1]);
		close(down[0]);
		*h = (struct handshake){ .ready = up[0], .go = down[1] };
		wait_byte(h->ready);
	}
	return p;
}

/* The parent's end of it: let the child go, reap it, report. */
static void release_and_reap(struct handshake *h, pid_t p, const char *what)
{
	int st;
	close(h->go);
	waitpid(p, &st, 0);
	close(h->ready);
	report(what, st);
}

static int exec_child(int rfd, int wfd)
{
	char c = 1;
	if (write(wfd, &c, 1) != 1)
		return 2;
	while (read(rfd, &c, 1) > 0)
		;
	return 0;
}

/* kill(-1, SIGTERM) from a child: its siblings (in several groups) die, it and we do not. */
static int killall(void)
{
	pid_t kids[3];
	int ready[2];
	if (pipe(ready))
		return 1;
	for (int i = 0; i < 3; i++) {
		fflush(stdout);
		kids[i] = fork();
		if (kids[i] == 0) {
			if (i == 1)
				setpgid(0, 0);          /* another group */
			if (i == 2)
				setsid();               /* another session */
			close(ready[0]);
			char c = 1;
			write(ready[1], &c, 1);
			for (;;)
				pause();
		}
	}
	close(ready[1]);
	for (int i = 0; i < 3; i++)
		wait_byte(ready[0]);
	fflush(stdout);
	pid_t killer = fork();
	if (killer == 0)
		_exit(kill(-1, SIGTERM) == 0 ? 0 : 1);
	int st;
	waitpid(killer, &st, 0);
	report("the child that called kill(-1, SIGTERM)", st);
	for (int i = 0; i < 3; i++) {
		waitpid(kids[i], &st, 0);
		char what[64];
		snprintf(what, sizeof(what), "sibling %d (%s)", i,
			 i == 0 ? "our group" : i == 1 ? "its own group" : "its own session");
		report(what, st);
	}
	printf("we, started by the kernel, are still here\n");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "-exec") == 0)
		return exec_child(atoi(argv[2]), atoi(argv[3]));
	if (argc == 2 && strcmp(argv[1], "-killall") == 0)
		return killall();

	pid_t me = getpid();
	int st;
	printf("at start: leader of our group: %s, of our session: %s\n", yes(getpgrp() == me),
	       yes(getsid(0) == me));
	printf("getpgid(0) = getpgid(getpid()) = getpgrp(): %s; getsid(0) = getsid(getpid()): %s\n",
	       yes(getpgid(0) == getpgrp() && getpgid(me) == getpgrp()), yes(getsid(0) == getsid(me)));
	/* One call per printf argument list at most: C leaves their order open. */
	printf("getpgid(no such pid): %s, ", res(getpgid(NO_SUCH_PID)));
	printf("getsid: %s, ", res(getsid(NO_SUCH_PID)));
	printf("getpgid(-1): %s\n", res(getpgid(-1)));
	printf("setsid() as a group leader: %s\n", res(setsid()));
	printf("setpgid(0, 0) as a session leader: %s; ", res(setpgid(0, 0)));
	printf("setpgid(0, -1): %s; ", res(setpgid(0, -1)));
	printf("setpgid(no such pid, 0): %s\n", res(setpgid(NO_SUCH_PID, 0)));

	/* A child moved into a group of its own, then signalled and reaped through the group. */
	handle(SIGUSR1, on_usr1);
	pid_t a = child_awaiting(SIGUSR1, &got_usr1, 11);
	printf("child A: in our group and session at first: %s\n", yes(getpgid(a) == me && getsid(a) == me));
	printf("setpgid(A, 0): %s, ", res(setpgid(a, 0)));
	printf("A leads its own group now: %s\n", yes(getpgid(a) == a));
	printf("setpgid(A, our group) back: %s; ", res(setpgid(a, me)));
	printf("setpgid(A, A) again: %s\n", res(setpgid(a, a)));
	printf("setpgid(A, a group that does not exist): %s\n", res(setpgid(a, NO_SUCH_PID)));
	printf("waitpid(0, WNOHANG) with A the only child, in another group: %s\n",
	       res(waitpid(0, &st, WNOHANG)));
	printf("waitpid(-A, WNOHANG) while A lives: %s\n", res(waitpid(-a, &st, WNOHANG)));
	printf("kill(-A, SIGUSR1): %s\n", res(kill(-a, SIGUSR1)));
	pid_t w = waitpid(-a, &st, 0);
	printf("waitpid(-A) reaped A: %s; ", yes(w == a));
	report("A", st);
	printf("kill(-A) once A is gone: %s; ", res(kill(-a, 0)));
	printf("kill(-(no such group), 0): %s; ", res(kill(-NO_SUCH_PID, 0)));
	printf("kill(no such pid, 0): %s\n", res(kill(NO_SUCH_PID, 0)));

	/* A child that makes itself a session: we can no longer move it. */
	struct handshake h;
	pid_t b = fork_handshake(&h);
	if (b == 0) {
		pid_t s = setsid();
		int ok = s == getpid() && getsid(0) == s && getpgrp() == s;
		_exit(exec_child(h.go, h.ready) || !ok);
	}
	printf("child B after setsid: leads its session: %s, its group: %s\n", yes(getsid(b) == b),
	       yes(getpgid(b) == b));
	printf("setpgid(B, B) with B in another session: %s; ", res(setpgid(b, b)));
	printf("setpgid(B, our group): %s\n", res(setpgid(b, me)));
	release_and_reap(&h, b, "B");

	/* A child that has called execve (the same handshake, from the new image): setpgid on it is
	 * EACCES. */
	pid_t c = fork_handshake(&h);
	if (c == 0) {
		char r[16], wr[16];
		snprintf(r, sizeof(r), "%d", h.go);
		snprintf(wr, sizeof(wr), "%d", h.ready);
		execl("musl_pgrp", "musl_pgrp", "-exec", r, wr, (char *)NULL);
		_exit(127);
	}
	printf("child C after execve: setpgid(C, 0): %s, ", res(setpgid(c, 0)));
	printf("still in our group: %s\n", yes(getpgid(c) == me));
	release_and_reap(&h, c, "C");

	/* kill(0, sig) reaches the whole group, us included; waitpid(0) reaps from it. */
	handle(SIGUSR2, on_usr2);
	pid_t d = child_awaiting(SIGUSR2, &got_usr2, 20);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	long k = kill(0, SIGUSR2);                    /* ours is delivered before kill returns */
	printf("kill(0, SIGUSR2): %s, our handler ran: %s\n", res(k), yes(got_usr2 == 1));
	w = waitpid(0, &st, 0);
	printf("waitpid(0) reaped D: %s; ", yes(w == d));
	report("D", st);

	/* A zombie keeps its pid and its group (here a group of its own) until reaped. */
	handle(SIGCHLD, on_chld);
	pid_t z = fork_waiting_for(SIGCHLD);
	if (z == 0) {
		setpgid(0, 0);
		_exit(5);
	}
	await(&got_chld);                             /* it has exited, and nobody reaped it */
	printf("zombie: kill(Z, 0): %s, ", res(kill(z, 0)));
	printf("Z leads its group: %s, ", yes(getpgid(z) == z));
	printf("kill(-Z, 0), a group of one zombie: %s\n", res(kill(-z, 0)));
	waitpid(z, &st, 0);
	report("Z, reaped", st);
	printf("after the reap: kill(Z, 0): %s, ", res(kill(z, 0)));
	printf("kill(-Z, 0): %s, ", res(kill(-z, 0)));
	printf("getpgid(Z): %s\n", res(getpgid(z)));
	return 0;
}
