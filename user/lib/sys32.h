/*
 * sys32.h - i386 Linux system calls, through INT 0x80 or through the vDSO.
 *
 * Register convention: number in eax, arguments in ebx, ecx, edx, esi, edi, ebp; result in eax,
 * -errno on failure. Every register but eax is preserved.
 *
 * Two ways in:
 *   int80_N()  execute INT 0x80 directly; works everywhere.
 *   vdso_N()   call __kernel_vsyscall, whose address the kernel passes as AT_SYSINFO in the
 *              auxiliary vector (glibc does the same with `call *%gs:0x10`). The vDSO picks the
 *              fastest instruction the CPU offers: SYSENTER on Intel, SYSCALL on AMD, INT 0x80
 *              otherwise. Call vdso_init() once first; it returns 0 if there is no AT_SYSINFO.
 *
 * Only up to five arguments are provided: the sixth would live in ebp, which inline asm cannot
 * reliably claim, and no program here needs it.
 */
#ifndef USER_SYS32_H
#define USER_SYS32_H

#ifndef __i386__
#error "sys32.h is for i386 programs; 64-bit programs use sys64.h"
#endif

#include "uapi.h"

/* i386 syscall numbers (arch/x86/entry/syscalls/syscall_32.tbl). */
#define NR32_exit           1
#define NR32_write          4
#define NR32_getpid         20
#define NR32_kill           37
#define NR32_sigreturn      119     /* the old (non-rt) signal frame */
#define NR32_uname          122     /* newuname */
#define NR32_writev         146
#define NR32_sched_yield    158
#define NR32_nanosleep      162     /* struct old_timespec32 */
#define NR32_rt_sigreturn   173
#define NR32_gettid         224
#define NR32_exit_group     252
#define NR32_clock_gettime  265     /* struct old_timespec32 */

static inline long int80_0(long nr)
{
	long ret;
	__asm__ volatile ("int $0x80" : "=a"(ret) : "a"(nr) : "memory");
	return ret;
}

static inline long int80_1(long nr, long a1)
{
	long ret;
	__asm__ volatile ("int $0x80" : "=a"(ret) : "a"(nr), "b"(a1) : "memory");
	return ret;
}

static inline long int80_2(long nr, long a1, long a2)
{
	long ret;
	__asm__ volatile ("int $0x80" : "=a"(ret) : "a"(nr), "b"(a1), "c"(a2) : "memory");
	return ret;
}

static inline long int80_3(long nr, long a1, long a2, long a3)
{
	long ret;
	__asm__ volatile ("int $0x80" : "=a"(ret) : "a"(nr), "b"(a1), "c"(a2), "d"(a3) : "memory");
	return ret;
}

static inline long int80_4(long nr, long a1, long a2, long a3, long a4)
{
	long ret;
	__asm__ volatile ("int $0x80" : "=a"(ret)
			  : "a"(nr), "b"(a1), "c"(a2), "d"(a3), "S"(a4) : "memory");
	return ret;
}

static inline long int80_5(long nr, long a1, long a2, long a3, long a4, long a5)
{
	long ret;
	__asm__ volatile ("int $0x80" : "=a"(ret)
			  : "a"(nr), "b"(a1), "c"(a2), "d"(a3), "S"(a4), "D"(a5) : "memory");
	return ret;
}

/* Address of __kernel_vsyscall, set by vdso_init() (lib/auxv.c). */
extern unsigned long sys32_vsyscall;

unsigned long vdso_init(void);

/*
 * The call goes through a memory operand so that no register is needed for the target: all six
 * argument registers may be in use. __kernel_vsyscall preserves everything but eax.
 */
static inline long vdso_0(long nr)
{
	long ret;
	__asm__ volatile ("call *%[vs]" : "=a"(ret) : "a"(nr), [vs] "m"(sys32_vsyscall)
			  : "memory", "cc");
	return ret;
}

static inline long vdso_1(long nr, long a1)
{
	long ret;
	__asm__ volatile ("call *%[vs]" : "=a"(ret) : "a"(nr), "b"(a1), [vs] "m"(sys32_vsyscall)
			  : "memory", "cc");
	return ret;
}

static inline long vdso_2(long nr, long a1, long a2)
{
	long ret;
	__asm__ volatile ("call *%[vs]" : "=a"(ret)
			  : "a"(nr), "b"(a1), "c"(a2), [vs] "m"(sys32_vsyscall)
			  : "memory", "cc");
	return ret;
}

static inline long vdso_3(long nr, long a1, long a2, long a3)
{
	long ret;
	__asm__ volatile ("call *%[vs]" : "=a"(ret)
			  : "a"(nr), "b"(a1), "c"(a2), "d"(a3), [vs] "m"(sys32_vsyscall)
			  : "memory", "cc");
	return ret;
}

/* Typed wrappers; they use INT 0x80. */
static inline long sys_write(int fd, const void *buf, size_t len)
{
	return int80_3(NR32_write, fd, (long)buf, (long)len);
}

static inline long sys_writev(int fd, const struct iovec *iov, int cnt)
{
	return int80_3(NR32_writev, fd, (long)iov, cnt);
}

static inline long sys_getpid(void)        { return int80_0(NR32_getpid); }
static inline long sys_gettid(void)        { return int80_0(NR32_gettid); }
static inline long sys_sched_yield(void)   { return int80_0(NR32_sched_yield); }

static inline long sys_uname(struct utsname *u)
{
	return int80_1(NR32_uname, (long)u);
}

static inline long sys_clock_gettime(int clk, struct timespec *ts)
{
	return int80_2(NR32_clock_gettime, clk, (long)ts);
}

static inline long sys_nanosleep(const struct timespec *req, struct timespec *rem)
{
	return int80_2(NR32_nanosleep, (long)req, (long)rem);
}

static inline __attribute__((noreturn)) void sys_exit_group(int status)
{
	int80_1(NR32_exit_group, status);
	__builtin_unreachable();
}

#endif
