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
long sys_getpgid(u64 pid);
long sys_getpgrp(void);
long sys_getsid(u64 pid);
long sys_setpgid(u64 pid, u64 pgid);
long sys_setsid(void);
long sys_pause(void);
long sys_rt_sigsuspend(u64 umask, u64 setsize);

/* Files (kernel/fs/file.c). */
long sys_read(u64 fd, u64 buf, u64 count);
long sys_open(u64 path, u64 flags, u64 mode);
long sys_openat(u64 dirfd, u64 path, u64 flags, u64 mode);
long sys_close(u64 fd);
long sys_dup(u64 fd);
long sys_dup2(u64 oldfd, u64 newfd);
long sys_dup3(u64 oldfd, u64 newfd, u64 flags);
long sys_fcntl(u64 fd, u64 cmd, u64 arg);
long sys_stat(u64 path, u64 st);
long sys_fstat(u64 fd, u64 st);
long sys_newfstatat(u64 dirfd, u64 path, u64 st, u64 flags);
long sys_lseek(u64 fd, u64 off, u64 whence);
long sys_pread64(u64 fd, u64 buf, u64 count, u64 pos);
long sys_readv(u64 fd, u64 iov, u64 cnt);
long sys_access(u64 path, u64 mode);
long sys_faccessat(u64 dirfd, u64 path, u64 mode);
long sys_readlink(u64 path, u64 buf, u64 size);
long sys_readlinkat(u64 dirfd, u64 path, u64 buf, u64 size);
long sys_getdents64(u64 fd, u64 dirp, u64 count);
long sys_getcwd(u64 buf, u64 size);
long sys_chdir(u64 path);
long sys_fchdir(u64 fd);
long compat_sys_lseek(u64 fd, u64 off, u64 whence);
long compat_sys_llseek(u64 fd, u64 hi, u64 lo, u64 result, u64 whence);
long compat_sys_pread64(u64 fd, u64 buf, u64 count, u64 lo, u64 hi);
long compat_sys_readv(u64 fd, u64 iov, u64 cnt);
long compat_sys_fstat64(u64 fd, u64 st);
long compat_sys_stat64(u64 path, u64 st);
long compat_sys_fstatat64(u64 dirfd, u64 path, u64 st, u64 flags);
long compat_sys_rt_sigaction(u64 sig, u64 uact, u64 uoact, u64 setsize);
long compat_sys_sigaction(u64 sig, u64 uact, u64 uoact);
long compat_sys_signal(u64 sig, u64 handler);
long compat_sys_rt_sigreturn(void);
long compat_sys_sigreturn(void);
long compat_sys_sigaltstack(u64 uss, u64 uoss);
long compat_sys_sigprocmask(u64 how, u64 uset, u64 uoset);
long compat_sys_sigpending(u64 uset);
long sys_rt_sigpending(u64 uset, u64 setsize);
long sys_set_thread_area(u64 uinfo);
long sys_get_thread_area(u64 uinfo);
long sys_clock_nanosleep(u64 clk, u64 flags, u64 req, u64 rem);
long compat_sys_clock_nanosleep(u64 clk, u64 flags, u64 req, u64 rem);


/* Processes (kernel/proc/process.c, kernel/exec/exec.c) and pipes (kernel/fs/file.c). */
long sys_fork(void);
long sys_vfork(void);
long sys_clone(u64 flags, u64 newsp, u64 ptid, u64 ctid, u64 tls);
long compat_sys_clone(u64 flags, u64 newsp, u64 ptid, u64 tls, u64 ctid);
long sys_wait4(u64 pid, u64 status, u64 options, u64 rusage);
long compat_sys_wait4(u64 pid, u64 status, u64 options, u64 rusage);
long compat_sys_waitpid(u64 pid, u64 status, u64 options);
long sys_execve(u64 path, u64 argv, u64 envp);
long compat_sys_execve(u64 path, u64 argv, u64 envp);
long sys_pipe(u64 fds);
long sys_pipe2(u64 fds, u64 flags);

#endif
