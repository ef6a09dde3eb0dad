/*
 * sys_basic.c - the first system calls: console output, identity, time, sleeping, exit.
 * Errors are Linux's: -EFAULT for a bad user pointer, -EBADF for a bad descriptor, -EINVAL for a
 * bad clock or timespec.
 */
#include "types.h"
#include "task.h"
#include "syscalls.h"
#include "errno.h"
#include "printk.h"
#include "time.h"
#include "string.h"
#include "sched.h"
#include "percpu.h"
#include "fs.h"

#define IOV_MAX 1024

/* Only the console is writable: files of the read-only root give EBADF, as opened O_RDONLY. */
static bool console_fd(u64 fd) { return fd_is_console(fd); }

/* While self-tests run programs, their output goes to the log so the KTAP stream stays clean. */
bool user_output_to_log;

/* Copy from the user buffer in chunks and send it to the console. */
static long console_out(u64 ubuf, u64 count)
{
	if (!access_ok((const void *)ubuf, count))
		return -EFAULT;
	char chunk[256];
	u64 done = 0;
	while (done < count) {
		u64 n = MIN(count - done, sizeof(chunk));
		u64 left = copy_from_user(chunk, (const void *)(ubuf + done), n);
		(user_output_to_log ? log_write : console_write)(chunk, n - left);
		done += n - left;
		if (left)
			return done ? (long)done : -EFAULT;
	}
	return done;
}

/* write(2) to fd: the console here, anything else (a pipe) in kernel/fs/file.c. */
static long fd_out(u64 fd, u64 buf, u64 count)
{
	return console_fd(fd) ? console_out(buf, count) : fd_write(fd, buf, count);
}

long sys_write(u64 fd, u64 buf, u64 count)
{
	if (!fd_is_writable(fd))
		return -EBADF;
	if ((s64)count < 0)
		return -EINVAL;
	return fd_out(fd, buf, count);
}

struct iovec64 { u64 base, len; };
struct iovec32 { u32 base, len; };

static long writev_common(u64 fd, u64 uiov, u64 cnt, bool compat)
{
	if (!fd_is_writable(fd))
		return -EBADF;
	if (cnt > IOV_MAX)
		return -EINVAL;
	u64 esz = compat ? sizeof(struct iovec32) : sizeof(struct iovec64);
	if (!access_ok((const void *)uiov, cnt * esz))
		return -EFAULT;
	/* Validate every vector first, as Linux does, then write. */
	u64 total = 0;
	for (u64 i = 0; i < cnt; i++) {
		struct iovec64 v;
		if (compat) {
			struct iovec32 v32;
			if (copy_from_user(&v32, (const void *)(uiov + i * esz), esz))
				return -EFAULT;
			v.base = v32.base;
			v.len = v32.len;
		} else if (copy_from_user(&v, (const void *)(uiov + i * esz), esz)) {
			return -EFAULT;
		}
		if ((s64)v.len < 0 || total + v.len < total)
			return -EINVAL;
		total += v.len;
	}
	long done = 0;
	for (u64 i = 0; i < cnt; i++) {
		struct iovec64 v;
		if (compat) {
			struct iovec32 v32;
			copy_from_user(&v32, (const void *)(uiov + i * esz), esz);
			v.base = v32.base;
			v.len = v32.len;
		} else {
			copy_from_user(&v, (const void *)(uiov + i * esz), esz);
		}
		if (!v.len)
			continue;
		long r = fd_out(fd, v.base, v.len);
		if (r < 0)
			return done ? done : r;
		done += r;
		if ((u64)r < v.len)
			break;
	}
	return done;
}

long sys_writev(u64 fd, u64 iov, u64 cnt) { return writev_common(fd, iov, cnt, false); }
long compat_sys_writev(u64 fd, u64 iov, u64 cnt) { return writev_common(fd, iov, cnt, true); }

long sys_sched_yield(void)
{
	sched_yield();
	return 0;
}

long sys_getpid(void) { return current->pid; }
long sys_gettid(void) { return current->tid; }
long sys_getuid(void) { return 0; }

long sys_exit(u64 code) { task_exit(W_EXITCODE(code)); }
long sys_exit_group(u64 code) { task_exit(W_EXITCODE(code)); }

struct new_utsname {
	char sysname[65], nodename[65], release[65], version[65], machine[65], domainname[65];
};

long sys_uname(u64 ubuf)
{
	struct new_utsname u;
	memset(&u, 0, sizeof(u));
	strlcpy(u.sysname, "Portcullis", sizeof(u.sysname));
	strlcpy(u.nodename, "portcullis", sizeof(u.nodename));
	strlcpy(u.release, "6.1.0-portcullis", sizeof(u.release));
	strlcpy(u.version, "#1 SMP PREEMPT_DYNAMIC", sizeof(u.version));
	strlcpy(u.machine, "x86_64", sizeof(u.machine));
	strlcpy(u.domainname, "(none)", sizeof(u.domainname));
	return copy_to_user((void *)ubuf, &u, sizeof(u)) ? -EFAULT : 0;
}

#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_PROCESS_CPUTIME_ID 2
#define CLOCK_THREAD_CPUTIME_ID 3
#define CLOCK_MONOTONIC_RAW 4
#define CLOCK_REALTIME_COARSE 5
#define CLOCK_MONOTONIC_COARSE 6
#define CLOCK_BOOTTIME 7

static int clock_read(u64 clk, u64 *ns)
{
	switch (clk) {
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_COARSE:
		*ns = realtime_ns();
		return 0;
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_MONOTONIC_COARSE:
	case CLOCK_BOOTTIME:
	case CLOCK_PROCESS_CPUTIME_ID:   /* approximated by elapsed time: one CPU, few tasks */
	case CLOCK_THREAD_CPUTIME_ID:
		*ns = ktime_ns();
		return 0;
	default:
		return -EINVAL;
	}
}

long sys_clock_gettime(u64 clk, u64 utp)
{
	u64 ns;
	if (clock_read((u32)clk, &ns))
		return -EINVAL;
	s64 ts[2] = { (s64)(ns / NSEC_PER_SEC), (s64)(ns % NSEC_PER_SEC) };
	return copy_to_user((void *)utp, ts, sizeof(ts)) ? -EFAULT : 0;
}

long compat_sys_clock_gettime(u64 clk, u64 utp)
{
	u64 ns;
	if (clock_read((u32)clk, &ns))
		return -EINVAL;
	s32 ts[2] = { (s32)(ns / NSEC_PER_SEC), (s32)(ns % NSEC_PER_SEC) };
	return copy_to_user((void *)utp, ts, sizeof(ts)) ? -EFAULT : 0;
}

/*
 * Sleep until ktime_ns() reaches until, or until a signal becomes deliverable (ignored signals
 * never get that far: signal_send drops them). Returns 0, or -EINTR with the time left in *left;
 * the handler then runs on the way out (Linux's -ERESTART_RESTARTBLOCK also ends as -EINTR
 * whenever a handler runs, SA_RESTART or not).
 */
static long sleep_until_ns(u64 until, u64 *left)
{
	for (;;) {
		u64 f = irq_save();            /* no wake-up lost between the check and the sleep */
		u64 now = ktime_ns();
		if (now >= until) {
			irq_restore(f);
			return 0;
		}
		if (signal_pending_deliverable(current)) {
			irq_restore(f);
			*left = until - now;
			signal_update_exit_work(current);
			return -EINTR;
		}
		sched_sleep_until(until);
		irq_restore(f);
	}
}

/* The deadline for a relative sleep, or -EINVAL for a bad timespec. */
static long nanosleep_deadline(s64 sec, s64 nsec, u64 *until)
{
	if (sec < 0 || nsec < 0 || nsec >= (s64)NSEC_PER_SEC)
		return -EINVAL;
	u64 now = ktime_ns();
	*until = now + (u64)sec * NSEC_PER_SEC + nsec;
	if (*until < now || (u64)sec > ~0ULL / NSEC_PER_SEC)
		*until = ~0ULL;
	return 0;
}

/* Write the time left of an interrupted sleep to urem (if given), 64-bit or old_timespec32. */
static long nanosleep_rem(u64 urem, u64 left, bool compat)
{
	if (!urem)
		return -EINTR;
	s64 ts[2] = { (s64)(left / NSEC_PER_SEC), (s64)(left % NSEC_PER_SEC) };
	s32 ts32[2] = { (s32)ts[0], (s32)ts[1] };
	if (compat ? copy_to_user((void *)urem, ts32, sizeof(ts32)) : copy_to_user((void *)urem, ts, sizeof(ts)))
		return -EFAULT;
	return -EINTR;
}

/* nanosleep and clock_nanosleep: req is a relative time (or with TIMER_ABSTIME an absolute one
 * on clock clk); -EINTR with the remainder in rem when a handled signal arrives, as on Linux. */
static long do_nanosleep(s64 sec, s64 nsec, u64 urem, bool compat, int clk, bool abs)
{
	u64 until, left = 0;
	if (abs) {
		u64 now, ktime = ktime_ns();
		if (sec < 0 || nsec < 0 || nsec >= (s64)NSEC_PER_SEC || clock_read(clk, &now))
			return -EINVAL;
		u64 t = (u64)sec * NSEC_PER_SEC + nsec;
		until = t > now ? ktime + (t - now) : ktime;
	} else if (nanosleep_deadline(sec, nsec, &until)) {
		return -EINVAL;
	}
	long r = sleep_until_ns(until, &left);
	if (r != -EINTR || abs)
		return r;                      /* TIMER_ABSTIME: no remainder, as Linux */
	return nanosleep_rem(urem, left, compat);
}

long sys_nanosleep(u64 ureq, u64 urem)
{
	s64 ts[2];
	if (copy_from_user(ts, (const void *)ureq, sizeof(ts)))
		return -EFAULT;
	return do_nanosleep(ts[0], ts[1], urem, false, CLOCK_MONOTONIC, false);
}

long compat_sys_nanosleep(u64 ureq, u64 urem)
{
	s32 ts[2];
	if (copy_from_user(ts, (const void *)ureq, sizeof(ts)))
		return -EFAULT;
	return do_nanosleep(ts[0], ts[1], urem, true, CLOCK_MONOTONIC, false);
}

#define TIMER_ABSTIME 1

/* The clocks clock_nanosleep sleeps on (Linux refuses the thread CPU clock). */
static bool sleep_clock_ok(u64 clk)
{
	u64 ns;
	return (u32)clk != CLOCK_THREAD_CPUTIME_ID && !clock_read((u32)clk, &ns);
}

long sys_clock_nanosleep(u64 clk, u64 flags, u64 ureq, u64 urem)
{
	s64 ts[2];
	if (!sleep_clock_ok(clk))
		return -EINVAL;
	if (copy_from_user(ts, (const void *)ureq, sizeof(ts)))
		return -EFAULT;
	return do_nanosleep(ts[0], ts[1], urem, false, (u32)clk, flags & TIMER_ABSTIME);
}

long compat_sys_clock_nanosleep(u64 clk, u64 flags, u64 ureq, u64 urem)
{
	s32 ts[2];
	if (!sleep_clock_ok(clk))
		return -EINVAL;
	if (copy_from_user(ts, (const void *)ureq, sizeof(ts)))
		return -EFAULT;
	return do_nanosleep(ts[0], ts[1], urem, true, (u32)clk, flags & TIMER_ABSTIME);
}
