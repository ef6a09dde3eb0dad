/* System call implementations (kernel/proc/sys_*.c). Arguments arrive as raw register values. */
#ifndef PORTCULLIS_SYSCALLS_H
#define PORTCULLIS_SYSCALLS_H

#include "types.h"

long sys_write(u64 fd, u64 buf, u64 count);
long sys_writev(u64 fd, u64 iov, u64 iovcnt);
long compat_sys_writev(u64 fd, u64 iov, u64 iovcnt);
long sys_sched_yield(void);
long sys_nanosleep(u64 req, u64 rem);
long compat_sys_nanosleep(u64 req, u64 rem);
long sys_getpid(void);
long sys_gettid(void);
long sys_getuid(void);
long sys_exit(u64 code);
long sys_exit_group(u64 code);
long sys_uname(u64 buf);
long sys_clock_gettime(u64 clk, u64 tp);
long compat_sys_clock_gettime(u64 clk, u64 tp);

#endif
