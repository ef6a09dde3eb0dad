/*
 * uapi.h - the slice of the Linux user ABI that Portcullis programs use.
 *
 * Only what the programs in user/ need: errno values, clock ids, auxv types and the structures
 * that syscalls read or write. Written against the kernel's ABI, not against a libc, so the same
 * definitions are right for the 64-bit and the i386 builds: every field declared `long` is 64 bits
 * wide in x86-64 programs and 32 bits wide in i386 programs, exactly as the kernel expects
 * (struct timespec becomes the i386 `old_timespec32` that clock_gettime 265 and nanosleep 162 use).
 */
#ifndef USER_UAPI_H
#define USER_UAPI_H

#include <stddef.h>
#include <stdint.h>

/* errno values (asm-generic/errno-base.h, errno.h). Syscalls return -errno. */
#define EPERM       1
#define ENOENT      2
#define ESRCH       3
#define EINTR       4
#define EBADF       9
#define EFAULT      14
#define EINVAL      22
#define ENOSYS      38

/* Clock ids (linux/time.h). */
#define CLOCK_REALTIME      0
#define CLOCK_MONOTONIC     1

/* Auxiliary vector types (linux/auxvec.h, asm/auxvec.h). */
#define AT_NULL             0
#define AT_PAGESZ           6
#define AT_ENTRY            9
#define AT_SYSINFO          32      /* i386 only: address of __kernel_vsyscall */
#define AT_SYSINFO_EHDR     33      /* address of the vDSO's ELF header */

/* Signal numbers (asm/signal.h): the fatal ones, whose exit status a shell reports as 128 + the
 * number, and the two that tests send themselves. */
#define SIGILL      4
#define SIGTRAP     5
#define SIGFPE      8
#define SIGUSR1     10
#define SIGSEGV     11
#define SIGUSR2     12

struct timespec {
	long tv_sec;
	long tv_nsec;
};

struct iovec {
	void  *iov_base;
	size_t iov_len;
};

/* struct new_utsname: what uname (x86-64 63, i386 122 "newuname") fills in. */
#define UTSNAME_LEN 65
struct utsname {
	char sysname[UTSNAME_LEN];
	char nodename[UTSNAME_LEN];
	char release[UTSNAME_LEN];
	char version[UTSNAME_LEN];
	char machine[UTSNAME_LEN];
	char domainname[UTSNAME_LEN];
};

#define NSEC_PER_SEC    1000000000L
#define NSEC_PER_MSEC   1000000L

#endif
