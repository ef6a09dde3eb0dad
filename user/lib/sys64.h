/*
 * sys64.h - x86-64 Linux system calls through SYSCALL.
 *
 * Register convention (the kernel's, not the C ABI's): number in rax, arguments in rdi, rsi, rdx,
 * r10, r8, r9; result in rax, -errno on failure. SYSCALL itself overwrites rcx (return RIP) and
 * r11 (RFLAGS); every other register is preserved by the kernel.
 *
 * syscallN() take and return `long` and pass values through unchanged, so tests can hand the
 * kernel arbitrary numbers and bad pointers. The sys_*() wrappers below are typed conveniences.
 */
#ifndef USER_SYS64_H
#define USER_SYS64_H

#ifndef __x86_64__
#error "sys64.h is for 64-bit programs; 32-bit programs use sys32.h"
#endif

#include "uapi.h"

/* x86-64 syscall numbers (arch/x86/entry/syscalls/syscall_64.tbl). */
#define NR_read             0
#define NR_write            1
#define NR_rt_sigreturn     15
#define NR_writev           20
#define NR_sched_yield      24
#define NR_nanosleep        35
#define NR_getpid           39
#define NR_exit             60
#define NR_kill             62
#define NR_uname            63
#define NR_gettid           186
#define NR_clock_gettime    228
#define NR_exit_group       231

/* i386 numbers, for INT 0x80 from 64-bit code. */
#define NR32_getpid         20
#define NR32_kill           37

static inline long syscall0(long nr)
{
	long ret;
	__asm__ volatile ("syscall" : "=a"(ret) : "a"(nr) : "rcx", "r11", "memory");
	return ret;
}

static inline long syscall1(long nr, long a1)
{
	long ret;
	__asm__ volatile ("syscall" : "=a"(ret) : "a"(nr), "D"(a1) : "rcx", "r11", "memory");
	return ret;
}

static inline long syscall2(long nr, long a1, long a2)
{
	long ret;
	__asm__ volatile ("syscall" : "=a"(ret) : "a"(nr), "D"(a1), "S"(a2)
			  : "rcx", "r11", "memory");
	return ret;
}

static inline long syscall3(long nr, long a1, long a2, long a3)
{
	long ret;
	__asm__ volatile ("syscall" : "=a"(ret) : "a"(nr), "D"(a1), "S"(a2), "d"(a3)
			  : "rcx", "r11", "memory");
	return ret;
}

static inline long syscall4(long nr, long a1, long a2, long a3, long a4)
{
	long ret;
	register long r10 __asm__("r10") = a4;
	__asm__ volatile ("syscall" : "=a"(ret) : "a"(nr), "D"(a1), "S"(a2), "d"(a3), "r"(r10)
			  : "rcx", "r11", "memory");
	return ret;
}

static inline long syscall5(long nr, long a1, long a2, long a3, long a4, long a5)
{
	long ret;
	register long r10 __asm__("r10") = a4;
	register long r8 __asm__("r8") = a5;
	__asm__ volatile ("syscall" : "=a"(ret)
			  : "a"(nr), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8)
			  : "rcx", "r11", "memory");
	return ret;
}

static inline long syscall6(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
{
	long ret;
	register long r10 __asm__("r10") = a4;
	register long r8 __asm__("r8") = a5;
	register long r9 __asm__("r9") = a6;
	__asm__ volatile ("syscall" : "=a"(ret)
			  : "a"(nr), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8), "r"(r9)
			  : "rcx", "r11", "memory");
	return ret;
}

/*
 * The i386 system call table reached from 64-bit code with INT 0x80: number in eax, arguments
 * in ebx, ecx, edx, esi, edi (the kernel reads only the low 32 bits). Every register but rax is
 * preserved (Linux >= 4.17; t_abi checks it).
 */
static inline long int80_0(long nr)
{
	long ret;
	__asm__ volatile ("int $0x80" : "=a"(ret) : "a"(nr) : "memory");
	return ret;
}

static inline long int80_3(long nr, long a1, long a2, long a3)
{
	long ret;
	__asm__ volatile ("int $0x80" : "=a"(ret) : "a"(nr), "b"(a1), "c"(a2), "d"(a3) : "memory");
	return ret;
}

/* Typed wrappers. */
static inline long sys_write(int fd, const void *buf, size_t len)
{
	return syscall3(NR_write, fd, (long)buf, (long)len);
}

static inline long sys_writev(int fd, const struct iovec *iov, int cnt)
{
	return syscall3(NR_writev, fd, (long)iov, cnt);
}

static inline long sys_getpid(void)        { return syscall0(NR_getpid); }
static inline long sys_gettid(void)        { return syscall0(NR_gettid); }
static inline long sys_sched_yield(void)   { return syscall0(NR_sched_yield); }

static inline long sys_uname(struct utsname *u)
{
	return syscall1(NR_uname, (long)u);
}

static inline long sys_clock_gettime(int clk, struct timespec *ts)
{
	return syscall2(NR_clock_gettime, clk, (long)ts);
}

static inline long sys_nanosleep(const struct timespec *req, struct timespec *rem)
{
	return syscall2(NR_nanosleep, (long)req, (long)rem);
}

static inline __attribute__((noreturn)) void sys_exit_group(int status)
{
	syscall1(NR_exit_group, status);
	__builtin_unreachable();
}

#endif
