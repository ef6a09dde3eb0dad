/*
 * t_sys.c - the basic system calls behave as on Linux. Built twice:
 *
 *   t_sys     x86-64, SYSCALL:  getpid 39, gettid 186, sched_yield 24, uname 63,
 *                               clock_gettime 228, nanosleep 35, writev 20
 *   t_sys32   i386, INT 0x80:   getpid 20, sched_yield 158, uname 122 (newuname),
 *                               clock_gettime 265, nanosleep 162, writev 146, exit_group 252;
 *                               32-bit time_t and pointers throughout (struct old_timespec32)
 *
 * The sys_*() wrappers come from sys64.h or sys32.h according to the target, so the test body is
 * the same for both. The i386 build also cross-checks the vDSO (__kernel_vsyscall from
 * AT_SYSINFO) against INT 0x80.
 */
#include "ktap.h"
#include "ulib.h"

#ifdef __x86_64__
#define ABI         "x86-64"
#else
#define ABI         "i386"
#endif

#define NTESTS      14

static bool ts_valid(const struct timespec *ts)
{
	return ts->tv_sec >= 0 && ts->tv_nsec >= 0 && ts->tv_nsec < NSEC_PER_SEC;
}

static bool ts_le(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec <= b->tv_nsec);
}

static int64_t ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * NSEC_PER_SEC + ts->tv_nsec;
}

static void test_ids(void)
{
	long pid = sys_getpid();

	ktap_ok(pid > 0, ABI " getpid() > 0 (%ld)", pid);
#ifdef __x86_64__
	long tid = sys_gettid();

	ktap_ok(tid == pid, ABI " gettid() == getpid() in a single-threaded process (%ld)", tid);
#else
	/* i386: the same value through the vDSO as through INT 0x80. */
	if (vdso_init()) {
		long vpid = vdso_0(NR32_getpid);

		ktap_ok(vpid == pid, ABI " getpid() via __kernel_vsyscall == via INT 0x80 (%ld)",
			vpid);
	} else {
		ktap_skip("no AT_SYSINFO", ABI " getpid() via __kernel_vsyscall");
	}
#endif
	long y = sys_sched_yield();

	ktap_ok(y == 0, ABI " sched_yield() == 0 (%ld)", y);
}

static void test_uname(void)
{
	struct utsname u;
	long ret;

	memset(&u, 0, sizeof(u));
	ret = sys_uname(&u);
	ktap_ok(ret == 0, ABI " uname() == 0 (%ld)", ret);
	/* Each field is NUL-terminated within its 65 bytes. */
	ktap_ok(ret == 0 && u.sysname[0] != '\0' &&
		strnlen(u.sysname, UTSNAME_LEN) < UTSNAME_LEN &&
		strnlen(u.release, UTSNAME_LEN) < UTSNAME_LEN &&
		strnlen(u.machine, UTSNAME_LEN) < UTSNAME_LEN,
		ABI " uname sysname non-empty, fields terminated");
	ktap_diag("sysname=%.65s", u.sysname);
	ktap_diag("release=%.65s machine=%.65s", u.release, u.machine);
}

static void test_clocks(void)
{
	struct timespec prev, now;
	long ret;
	int i, bad = 0;

	ret = sys_clock_gettime(CLOCK_MONOTONIC, &prev);
	for (i = 0; i < 1000 && ret == 0; i++) {
		ret = sys_clock_gettime(CLOCK_MONOTONIC, &now);
		if (ret == 0 && (!ts_valid(&now) || !ts_le(&prev, &now))) {
			if (bad++ < 3)
				ktap_diag("sample %d: %ld.%09ld after %ld.%09ld", i,
					  now.tv_sec, now.tv_nsec, prev.tv_sec, prev.tv_nsec);
		}
		prev = now;
	}
	ktap_ok(ret == 0 && bad == 0, ABI " CLOCK_MONOTONIC non-decreasing over 1000 calls");

	ret = sys_clock_gettime(CLOCK_REALTIME, &now);
	ktap_ok(ret == 0 && ts_valid(&now) && now.tv_sec > 1600000000L,
		ABI " CLOCK_REALTIME after 2020-09-13 (%ld s)", now.tv_sec);

	ret = sys_clock_gettime(100, &now);
	ktap_ok(ret == -EINVAL, ABI " clock_gettime(100) == -EINVAL (%ld)", ret);
}

static void test_nanosleep(void)
{
	struct timespec req = { 0, 10 * NSEC_PER_MSEC }, t0, t1;
	int64_t slept;
	long ret;

	sys_clock_gettime(CLOCK_MONOTONIC, &t0);
	ret = sys_nanosleep(&req, NULL);
	sys_clock_gettime(CLOCK_MONOTONIC, &t1);
	slept = ts_ns(&t1) - ts_ns(&t0);
	ktap_ok(ret == 0 && slept >= 10 * NSEC_PER_MSEC,
		ABI " nanosleep(10 ms) == 0 and sleeps >= 10 ms (%ld us)", (long)(slept / 1000));

	req.tv_sec = 0;
	req.tv_nsec = NSEC_PER_SEC;
	ret = sys_nanosleep(&req, NULL);
	ktap_ok(ret == -EINVAL, ABI " nanosleep(tv_nsec = 1e9) == -EINVAL (%ld)", ret);

	req.tv_nsec = -1;
	ret = sys_nanosleep(&req, NULL);
	ktap_ok(ret == -EINVAL, ABI " nanosleep(tv_nsec = -1) == -EINVAL (%ld)", ret);

	req.tv_sec = -1;
	req.tv_nsec = 0;
	ret = sys_nanosleep(&req, NULL);
	ktap_ok(ret == -EINVAL, ABI " nanosleep(tv_sec = -1) == -EINVAL (%ld)", ret);
}

static void test_writev(void)
{
	/* Three pieces that together form one KTAP diagnostic line. */
	static char a[] = "# writev: ", b[] = "one, two, ", c[] = "three\n";
	struct iovec iov[3] = {
		{ a, sizeof(a) - 1 }, { b, sizeof(b) - 1 }, { c, sizeof(c) - 1 },
	};
	long want = (long)(sizeof(a) + sizeof(b) + sizeof(c) - 3);
	long ret = sys_writev(1, iov, 3);

	ktap_ok(ret == want, ABI " writev of 3 iovecs writes %ld bytes (%ld)", want, ret);

	ret = sys_writev(1, iov, 0);
	ktap_ok(ret == 0, ABI " writev of 0 iovecs == 0 (%ld)", ret);
}

int main(void)
{
	ktap_plan(NTESTS);
	test_ids();
	test_uname();
	test_clocks();
	test_nanosleep();
	test_writev();
	return ktap_done();
}
