/*
 * musl_fork.c - processes: fork, vfork, wait4/waitpid, exit statuses, SIGCHLD and orphans,
 * printed so that Linux and Portcullis give the same text. Pids differ between kernels, so only
 * relations between them are printed (the pid fork returned is the one wait returned, ...).
 * Output ordering is forced with waits and pipes; stdout is flushed before every fork so a child
 * never repeats the parent's buffer.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "wait_report.h"

static volatile sig_atomic_t chld_count, chld_code, chld_status, chld_pid;

static void on_chld(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	chld_count++;
	chld_code = si->si_code;
	chld_status = si->si_status;
	chld_pid = si->si_pid;
}

static void on_chld_plain(int sig)
{
	(void)sig;
	chld_count++;
}

static int global = 1;

int main(void)
{
	int st;
	pid_t me = getpid();

	/* fork: separate memory, the child's exit code, wait4's answer. */
	fflush(stdout);
	pid_t c = fork();
	if (c == 0) {
		global = 2;
		printf("child: fork returned 0, getppid is the parent: %s, own pid differs: %s\n",
		       getppid() == me ? "yes" : "no", getpid() != me ? "yes" : "no");
		fflush(stdout);
		_exit(7);
	}
	pid_t w = waitpid(c, &st, 0);
	printf("parent: waitpid returned the child: %s\n", w == c ? "yes" : "no");
	report("parent: child", st);
	printf("parent: global still %d after the child set it to 2\n", global);

	/* A child killed by a signal; the status says which. */
	fflush(stdout);
	c = fork();
	if (c == 0)
		kill(getpid(), SIGTERM);
	waitpid(c, &st, 0);
	report("SIGTERM child", st);
	fflush(stdout);
	c = fork();
	if (c == 0) {
		*(volatile int *)0 = 1;
		_exit(0);
	}
	waitpid(c, &st, 0);
	printf("null-write child: killed by signal %d\n", WIFSIGNALED(st) ? WTERMSIG(st) : -1);

	/* vfork: the child runs in our memory until it exits; we resume only then. */
	global = 10;
	fflush(stdout);
	c = vfork();
	if (c == 0) {
		global = 11;
		_exit(3);
	}
	waitpid(c, &st, 0);
	printf("vfork: global is %d after the child, ", global);
	report("child", st);

	/* Several children reaped one by one, in our order, then none left. */
	pid_t kids[3];
	for (int i = 0; i < 3; i++) {
		fflush(stdout);
		kids[i] = fork();
		if (kids[i] == 0)
			_exit(20 + i);
	}
	for (int i = 2; i >= 0; i--) {
		w = waitpid(kids[i], &st, 0);
		printf("kid %d: right pid: %s, exit %d\n", i, w == kids[i] ? "yes" : "no", WEXITSTATUS(st));
	}
	errno = 0;
	w = wait(&st);
	printf("wait with no children: %d, %s\n", (int)w, errno == ECHILD ? "ECHILD" : strerror(errno));
	w = waitpid(-1, &st, WNOHANG);
	printf("waitpid(WNOHANG) with no children: %d, %s\n", (int)w, errno == ECHILD ? "ECHILD" : "?");
	errno = 0;
	w = waitpid(-1, &st, 0x1000);
	printf("waitpid with bad options: %d, %s\n", (int)w, errno == EINVAL ? "EINVAL" : strerror(errno));

	/* WNOHANG while the child lives (it waits on a pipe for us), then a blocking wait. */
	int p[2];
	pipe(p);
	fflush(stdout);
	c = fork();
	if (c == 0) {
		char b;
		close(p[1]);
		_exit(read(p[0], &b, 1) == 0 ? 9 : 8);   /* end of file once the parent closes */
	}
	close(p[0]);
	printf("WNOHANG while the child runs: %d\n", (int)waitpid(c, &st, WNOHANG));
	close(p[1]);
	waitpid(c, &st, 0);
	report("pipe child (9 = saw end of file)", st);

	/* SIGCHLD with SA_SIGINFO: who exited and how. */
	struct sigaction sa = { .sa_sigaction = on_chld, .sa_flags = SA_SIGINFO };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, NULL);
	fflush(stdout);
	c = fork();
	if (c == 0)
		_exit(5);
	waitpid(c, &st, 0);
	printf("SIGCHLD: %d time(s), code %s, status %d, pid is the child: %s\n", (int)chld_count,
	       chld_code == CLD_EXITED ? "CLD_EXITED" : "?", (int)chld_status, chld_pid == c ? "yes" : "no");
	chld_count = 0;
	fflush(stdout);
	c = fork();
	if (c == 0)
		kill(getpid(), SIGKILL);
	waitpid(c, &st, 0);
	printf("SIGCHLD: %d time(s), code %s, status %d\n", (int)chld_count,
	       chld_code == CLD_KILLED ? "CLD_KILLED" : "?", (int)chld_status);

	/* waitpid for one child, interrupted by another's SIGCHLD (signal() sets SA_RESTART): the
	 * wait goes on, returns the child it waited for, and both SIGCHLDs reach the handler. */
	signal(SIGCHLD, on_chld_plain);
	chld_count = 0;
	fflush(stdout);
	pid_t first = fork();
	if (first == 0) {
		usleep(10000);
		_exit(1);
	}
	c = fork();
	if (c == 0) {
		usleep(80000);
		_exit(2);
	}
	w = waitpid(c, &st, 0);
	printf("waitpid across another child's SIGCHLD: got the one waited for: %s, exit %d, handler ran %d time(s)\n",
	       w == c ? "yes" : "no", WEXITSTATUS(st), (int)chld_count);
	waitpid(first, &st, 0);

	/* SIGCHLD ignored: no zombies, so wait finds no child once they are gone. */
	signal(SIGCHLD, SIG_IGN);
	fflush(stdout);
	c = fork();
	if (c == 0)
		_exit(1);
	errno = 0;
	w = waitpid(c, &st, 0);
	printf("SIG_IGN SIGCHLD: waitpid %d, %s\n", (int)w, errno == ECHILD ? "ECHILD" : strerror(errno));
	signal(SIGCHLD, SIG_DFL);

	/* An orphan: the grandchild outlives its parent and still reaches us through the pipe. */
	pipe(p);
	fflush(stdout);
	c = fork();
	if (c == 0) {
		pid_t mid = getpid();
		if (fork() == 0) {
			while (getppid() == mid)
				usleep(1000);
			char msg[] = "grandchild: its parent is gone, it still runs\n";
			write(p[1], msg, strlen(msg));
			_exit(0);
		}
		_exit(0);
	}
	close(p[1]);
	waitpid(c, &st, 0);
	char buf[128];
	ssize_t n, got = 0;
	while ((n = read(p[0], buf + got, sizeof(buf) - 1 - got)) > 0)
		got += n;
	buf[got] = 0;
	printf("%s", buf);
	printf("read until every writer was gone: end of file\n");
	return 0;
}
