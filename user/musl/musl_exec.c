/*
 * musl_exec.c - execve: a new image with our argv and environment, close-on-exec descriptors,
 * execve's errors, exec from a vfork child, posix_spawn (musl: clone with CLONE_VM|CLONE_VFORK),
 * and a 64-bit program starting a 32-bit one. Run with argv[0] = "musl_exec" in a directory
 * holding the other programs (Portcullis: the root of the boot modules; Linux: the harness's
 * directory of links).
 *
 *   musl_exec                 the test
 *   musl_exec fds N...        (re-executed) report which of the descriptors N are open
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "wait_report.h"

extern char **environ;

static const char *err(int e)
{
	switch (e) {
	case ENOENT: return "ENOENT";
	case EACCES: return "EACCES";
	case EFAULT: return "EFAULT";
	case ENOTDIR: return "ENOTDIR";
	case ENAMETOOLONG: return "ENAMETOOLONG";
	default: return strerror(e);
	}
}

/* Run argv[0] from a fresh child with env, wait and report. */
static void run(char *const argv[], char *const env[])
{
	int st;
	fflush(stdout);
	pid_t c = fork();
	if (c == 0) {
		execve(argv[0], argv, env);
		printf("execve %s failed: %s\n", argv[0], err(errno));
		_exit(127);
	}
	waitpid(c, &st, 0);
	report(argv[0], st);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "fds")) {
		for (int i = 2; i < argc; i++) {
			int fd = atoi(argv[i]);
			printf("  after exec: fd %d is %s\n", fd, fcntl(fd, F_GETFD) >= 0 ? "open" : "closed");
		}
		return 4;
	}

	/* argv and the environment arrive as given. */
	char *env_argv[] = { "musl_env", "one", "two words", "", NULL };
	char *env_env[] = { "A=1", "HOME=/somewhere", "EMPTY=", NULL };
	run(env_argv, env_env);

	/* Close-on-exec: fd 3 opened O_CLOEXEC, 4 plain, 5 dup3(O_CLOEXEC), 6 F_DUPFD_CLOEXEC,
	 * 7 with FD_CLOEXEC set later, 8 a dup2 of 3 (dup2 clears the flag). */
	int a = open("musl_hello", O_RDONLY | O_CLOEXEC), b = open("musl_hello", O_RDONLY);
	dup3(b, 5, O_CLOEXEC);
	int f6 = fcntl(b, F_DUPFD_CLOEXEC, 6);
	dup2(b, 7);
	fcntl(7, F_SETFD, FD_CLOEXEC);
	dup2(a, 8);
	printf("open: %d %d, F_DUPFD_CLOEXEC gave %d\n", a, b, f6);
	char *fds_argv[] = { "musl_exec", "fds", "3", "4", "5", "6", "7", "8", NULL };
	run(fds_argv, environ);
	for (int fd = 3; fd <= 8; fd++)
		close(fd);

	/* Errors: nothing changes in the caller. */
	int r;
	char *none[] = { "x", NULL };
	static volatile unsigned long bad_addr = 8;    /* opaque to the compiler's bounds checks */
	char *bad = (char *)bad_addr;
	errno = 0;
	r = execve("no_such_program", none, environ);
	printf("execve of a missing file: %d %s\n", r, err(errno));
	r = execve(".", none, environ);
	printf("execve of a directory: %d %s\n", r, err(errno));
	r = execve("musl_hello/x", none, environ);
	printf("execve through a file: %d %s\n", r, err(errno));
	r = execve(bad, none, environ);
	printf("execve of a bad path pointer: %d %s\n", r, err(errno));
	r = execve("musl_hello", (char **)bad, environ);
	printf("execve with a bad argv pointer: %d %s\n", r, err(errno));
	char *bad_argv[] = { "musl_hello", bad, NULL };
	r = execve("musl_hello", bad_argv, environ);
	printf("execve with a bad argv string: %d %s\n", r, err(errno));
	printf("still here after the failures\n");

	/* vfork + exec: the parent resumes once the child has a new image. */
	int st;
	fflush(stdout);
	pid_t c = vfork();
	if (c == 0) {
		execl("musl_hello", "musl_hello", (char *)NULL);
		_exit(127);
	}
	waitpid(c, &st, 0);
	report("vfork+exec musl_hello", st);

	/* posix_spawn: musl's clone(CLONE_VM|CLONE_VFORK) on a separate stack, then exec. */
	char *sp_argv[] = { "musl_env", "spawned", NULL };
	char *sp_env[] = { "SPAWNED=yes", NULL };
	fflush(stdout);
	r = posix_spawn(&c, "musl_env", NULL, NULL, sp_argv, sp_env);
	waitpid(c, &st, 0);                           /* the child prints meanwhile: report after */
	printf("posix_spawn: %d\n", r);
	report("spawned musl_env", st);
	r = posix_spawn(&c, "no_such_program", NULL, NULL, none, environ);
	printf("posix_spawn of a missing file: %s\n", err(r));

	/* A 32-bit program from a 64-bit one. */
	char *h32[] = { "hello32", NULL };
	run(h32, environ);
	return 0;
}
