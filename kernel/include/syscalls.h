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

long sys_brk(u64 addr);
long sys_mmap(u64 addr, u64 len, u64 prot, u64 flags, u64 fd, u64 off);
long sys_mmap2(u64 addr, u64 len, u64 prot, u64 flags, u64 fd, u64 pgoff);
long sys_munmap(u64 addr, u64 len);
long sys_mprotect(u64 addr, u64 len, u64 prot);
long sys_arch_prctl(u64 code, u64 addr);
long sys_set_tid_address(u64 tidptr);
long sys_ioctl(u64 fd, u64 cmd, u64 arg);
long sys_rt_sigaction(u64 sig, u64 uact, u64 uoact, u64 setsize);
long sys_rt_sigprocmask(u64 how, u64 uset, u64 uoset, u64 setsize);
long sys_rt_sigreturn(void);
long sys_sigaltstack(u64 uss, u64 uoss);
long sys_kill(u64 pid, u64 sig);
long sys_tgkill(u64 tgid, u64 tid, u64 sig);
long sys_tkill(u64 tid, u64 sig);
long sys_getppid(void);
long sys_pause(void);
long sys_rt_sigsuspend(u64 umask, u64 setsize);

#endif
