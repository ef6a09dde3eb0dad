/*
 * t_proc32.c - the i386 process calls, through INT 0x80 and __kernel_vsyscall (SYSENTER or
 * compat SYSCALL): fork(2), clone(120) with the i386 argument order, vfork(190), waitpid(7),
 * wait4(114) with its 72-byte rusage, pipe(42), execve(11) of a 64-bit program and of a 32-bit
 * one. KTAP; the same output on Linux (the manifest compares them).
 */
#include "ktap.h"
#include "ulib.h"

#define NR_exit      1
#define NR_fork      2
#define NR_read      3
#define NR_write     4
#define NR_close     6
#define NR_waitpid   7
#define NR_execve    11
#define NR_pipe      42
#define NR_wait4     114
#define NR_clone     120
#define NR_vfork     190
#define SIGCHLD      17
#define CLONE_PARENT_SETTID 0x00100000
#define ECHILD       10
#define EFAULT       14

static volatile int shared = 1;

static __attribute__((noreturn)) void child_exit(long code)
{
	for (;;)
		int80_1(NR_exit, code);
}

int main(void)
{
	int st = -1;
	long pid, w;

	vdso_init();
	ktap_plan(10);

	pid = int80_0(NR_fork);
	if (pid == 0)
		child_exit(5);
	w = int80_3(NR_waitpid, pid, (long)&st, 0);
	ktap_ok(pid > 0 && w == pid && st == 0x500, "fork and waitpid through int $0x80 (status %#x)", st);

	pid = vdso_0(NR_fork);
	if (pid == 0)
		child_exit(6);
	st = -1;
	w = vdso_3(NR_waitpid, pid, (long)&st, 0);
	ktap_ok(pid > 0 && w == pid && st == 0x600, "fork and waitpid through __kernel_vsyscall (status %#x)", st);

	/* clone(flags, newsp, parent_tid, tls, child_tid): the i386 order. */
	int ptid = 0;
	pid = int80_5(NR_clone, SIGCHLD | CLONE_PARENT_SETTID, 0, (long)&ptid, 0, 0);
	if (pid == 0)
		child_exit(7);
	unsigned char rusage[80];
	memset(rusage, 0xaa, sizeof(rusage));
	st = -1;
	w = int80_4(NR_wait4, -1, (long)&st, 0, (long)rusage);
	bool written = false;          /* Linux has real figures there, Portcullis zeros */
	for (int i = 0; i < 72; i++)
		written |= rusage[i] != 0xaa;
	ktap_ok(w == pid && ptid == pid && st == 0x700, "clone(SIGCHLD|CLONE_PARENT_SETTID) and wait4 (status %#x)", st);
	ktap_ok(written && rusage[72] == 0xaa, "wait4 writes the 72-byte i386 rusage and no more");

	shared = 1;
	pid = int80_0(NR_vfork);
	if (pid == 0) {
		shared = 2;
		child_exit(8);
	}
	st = -1;
	w = int80_3(NR_waitpid, pid, (long)&st, 0);
	ktap_ok(w == pid && st == 0x800 && shared == 2, "vfork: the child ran in our memory (shared %d)", shared);

	w = int80_3(NR_waitpid, -1, (long)&st, 0);
	ktap_ok(w == -ECHILD, "waitpid without children: %ld", w);
	w = int80_0(NR_fork);
	if (w == 0)
		child_exit(0);
	pid = w;
	w = int80_3(NR_waitpid, pid, 8, 0);
	ktap_ok(w == -EFAULT, "waitpid to a bad status pointer: %ld", w);

	int p[2] = { -1, -1 };
	long r = int80_1(NR_pipe, (long)p);
	pid = int80_0(NR_fork);
	if (pid == 0) {
		int80_3(NR_write, p[1], (long)"abc", 3);
		child_exit(0);
	}
	int80_1(NR_close, p[1]);
	char buf[8] = { 0 };
	long n = 0, got;
	while ((got = int80_3(NR_read, p[0], (long)buf + n, sizeof(buf) - 1 - n)) > 0)
		n += got;
	int80_3(NR_waitpid, pid, 0, 0);
	ktap_ok(r == 0 && n == 3 && !memcmp(buf, "abc", 3) && got == 0, "pipe between parent and child, then end of file");

	/* execve of the 64-bit hello (prints "hello", exit 42) and of the 32-bit one. */
	const char *progs[2] = { "hello", "hello32" };
	for (int i = 0; i < 2; i++) {
		const char *argv[] = { progs[i], 0 };
		const char *envp[] = { "X=1", 0 };
		pid = int80_0(NR_fork);
		if (pid == 0) {
			if (i)
				vdso_3(NR_execve, (long)progs[i], (long)argv, (long)envp);
			else
				int80_3(NR_execve, (long)progs[i], (long)argv, (long)envp);
			child_exit(99);
		}
		st = -1;
		int80_3(NR_waitpid, pid, (long)&st, 0);
		ktap_ok(st == 42 << 8, "execve %s from a 32-bit program (%s): exit status %d", progs[i],
			i ? "__kernel_vsyscall" : "int $0x80", st >> 8);
	}
	return ktap_done();
}
