/*
 * musl_pipe.c - pipes: reads and writes, end of file, EPIPE with SIGPIPE, non-blocking ends,
 * pipe2's flags, what fstat and lseek say, a transfer much larger than the pipe between two
 * processes (both sides block), and a child's stdout redirected into a pipe across exec.
 * Printed so that Linux and Portcullis give the same text.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t pipe_sigs, pipe_code;

static void on_pipe(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	pipe_sigs++;
	pipe_code = si->si_code;
}

static volatile sig_atomic_t usr1_count;

static void on_usr1(int sig)
{
	(void)sig;
	usr1_count++;
}

static const char *err(int e)
{
	switch (e) {
	case EPIPE: return "EPIPE";
	case EAGAIN: return "EAGAIN";
	case ESPIPE: return "ESPIPE";
	case EBADF: return "EBADF";
	case EINVAL: return "EINVAL";
	case EFAULT: return "EFAULT";
	default: return strerror(e);
	}
}

int main(void)
{
	int p[2], st;
	long r;
	pid_t c;
	char buf[256];

	/* Basics. */
	printf("pipe: %d\n", pipe(p));
	printf("write 5: %zd\n", write(p[1], "hello", 5));
	printf("write 6: %zd\n", write(p[1], " world", 6));
	ssize_t n = read(p[0], buf, 3);
	printf("read 3: %zd '%.3s'\n", n, buf);
	n = read(p[0], buf, sizeof(buf));
	printf("read the rest: %zd '%.*s'\n", n, (int)n, buf);
	errno = 0;
	r = write(p[0], "x", 1);
	printf("write to the read end: %ld %s\n", r, err(errno));
	errno = 0;
	r = read(p[1], buf, 1);
	printf("read from the write end: %ld %s\n", r, err(errno));
	errno = 0;
	r = lseek(p[0], 0, SEEK_SET);
	printf("lseek: %ld %s\n", r, err(errno));
	errno = 0;
	r = write(p[1], (void *)8, 4);
	printf("write from a bad pointer: %ld %s\n", r, err(errno));
	struct stat sb;
	fstat(p[0], &sb);
	printf("fstat: FIFO %s, size %ld\n", S_ISFIFO(sb.st_mode) ? "yes" : "no", (long)sb.st_size);
	printf("F_GETFL: read end %s, write end %s\n",
	       (fcntl(p[0], F_GETFL) & O_ACCMODE) == O_RDONLY ? "O_RDONLY" : "?",
	       (fcntl(p[1], F_GETFL) & O_ACCMODE) == O_WRONLY ? "O_WRONLY" : "?");

	/* End of file once every write end is closed (the dup too). */
	int d = dup(p[1]);
	write(d, "z", 1);
	close(p[1]);
	printf("read with a dup still open: %zd\n", read(p[0], buf, sizeof(buf)));
	close(d);
	printf("read after the last writer closed: %zd\n", read(p[0], buf, sizeof(buf)));
	close(p[0]);

	/* No reader: SIGPIPE (caught here) and EPIPE; ignored, just EPIPE. */
	struct sigaction sa = { .sa_sigaction = on_pipe, .sa_flags = SA_SIGINFO };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGPIPE, &sa, NULL);
	pipe(p);
	close(p[0]);
	errno = 0;
	n = write(p[1], "x", 1);
	printf("write without a reader: %zd %s, SIGPIPE %d time(s), code %s\n", n, err(errno),
	       (int)pipe_sigs, pipe_code == SI_USER ? "SI_USER" : "?");
	signal(SIGPIPE, SIG_IGN);
	errno = 0;
	n = write(p[1], "x", 1);
	printf("again with SIGPIPE ignored: %zd %s, SIGPIPE %d time(s)\n", n, err(errno), (int)pipe_sigs);
	close(p[1]);

	/* pipe2: O_NONBLOCK and O_CLOEXEC; bad flags. */
	printf("pipe2(O_NONBLOCK|O_CLOEXEC): %d\n", pipe2(p, O_NONBLOCK | O_CLOEXEC));
	errno = 0;
	r = read(p[0], buf, 1);
	printf("read on an empty non-blocking pipe: %ld %s\n", r, err(errno));
	printf("FD_CLOEXEC: %s, O_NONBLOCK: %s\n", fcntl(p[0], F_GETFD) & FD_CLOEXEC ? "yes" : "no",
	       fcntl(p[1], F_GETFL) & O_NONBLOCK ? "yes" : "no");
	long filled = 0;
	static char chunk[4096];
	memset(chunk, 'q', sizeof(chunk));
	while ((n = write(p[1], chunk, sizeof(chunk))) > 0)
		filled += n;
	printf("filled a non-blocking pipe, then: %s; it took a multiple of 4096: %s\n", err(errno),
	       filled > 0 && filled % 4096 == 0 ? "yes" : "no");
	close(p[0]);
	close(p[1]);
	int q[2];
	errno = 0;
	r = pipe2(q, 1);
	printf("pipe2 with a bad flag: %ld %s\n", r, err(errno));
	errno = 0;
	static volatile unsigned long bad_addr = 8;    /* opaque to the compiler's bounds checks */
	r = pipe((int *)bad_addr);
	printf("pipe to a bad pointer: %ld %s\n", r, err(errno));

	/* A signal while read blocks: SA_RESTART makes the read go on, without it EINTR. */
	for (int restart = 1; restart >= 0; restart--) {
		struct sigaction su = { .sa_handler = on_usr1, .sa_flags = restart ? SA_RESTART : 0 };
		sigemptyset(&su.sa_mask);
		sigaction(SIGUSR1, &su, NULL);
		usr1_count = 0;
		pipe(p);
		pid_t parent = getpid();
		fflush(stdout);
		c = fork();
		if (c == 0) {
			usleep(20000);
			kill(parent, SIGUSR1);
			usleep(20000);
			write(p[1], "x", 1);
			_exit(0);
		}
		errno = 0;
		r = read(p[0], buf, 1);
		printf("read interrupted by a handler %s SA_RESTART: %ld %s, handler ran %d time(s)\n",
		       restart ? "with" : "without", r, r < 0 ? err(errno) : "(the byte)", (int)usr1_count);
		if (r < 0)
			printf("  read again: %ld\n", (long)read(p[0], buf, 1));
		waitpid(c, &st, 0);
		close(p[0]);
		close(p[1]);
	}

	/* 1 MiB through the pipe: the writer and the reader each block in turn. */
	pipe(p);
	fflush(stdout);
	c = fork();
	if (c == 0) {
		close(p[0]);
		static char big[65536 + 123];
		unsigned long sum = 0, sent = 0;
		for (int round = 0; sent < (1 << 20); round++) {
			unsigned long len = sizeof(big) - (round % 7) * 1000;
			if (len > (1 << 20) - sent)
				len = (1 << 20) - sent;
			for (unsigned long i = 0; i < len; i++) {
				big[i] = (char)((sent + i) * 131 + 7);
				sum += (unsigned char)big[i];
			}
			if (write(p[1], big, len) != (ssize_t)len)
				_exit(1);
			sent += len;
		}
		_exit((int)(sum % 251));
	}
	close(p[1]);
	unsigned long total = 0, sum = 0;
	int bad = 0;
	static char in[3000];
	while ((n = read(p[0], in, sizeof(in))) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			if ((char)((total + i) * 131 + 7) != in[i])
				bad++;
			sum += (unsigned char)in[i];
		}
		total += n;
	}
	close(p[0]);
	waitpid(c, &st, 0);
	printf("1 MiB transfer: %lu bytes, %d wrong, checksums agree: %s\n", total, bad,
	       WIFEXITED(st) && WEXITSTATUS(st) == (int)(sum % 251) ? "yes" : "no");

	/* A child's stdout into a pipe, across exec. */
	pipe(p);
	fflush(stdout);
	c = fork();
	if (c == 0) {
		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		execl("musl_hello", "musl_hello", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	size_t got = 0;
	while ((n = read(p[0], buf + got, sizeof(buf) - 1 - got)) > 0)
		got += n;
	buf[got] = 0;
	waitpid(c, &st, 0);
	char *line = strtok(buf, "\n");
	while (line) {
		printf("child said: %s\n", line);
		line = strtok(NULL, "\n");
	}
	printf("child exit: %d\n", WEXITSTATUS(st));
	return 0;
}
