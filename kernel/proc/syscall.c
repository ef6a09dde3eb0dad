/*
 * syscall.c - system call dispatch for the 64-bit ABI (SYSCALL) and the i386 ABI (INT 0x80 from
 * either mode, SYSENTER and compat SYSCALL via the vDSO).
 *
 * The number is read as Linux reads it: the low 32 bits of RAX as a signed int; anything outside
 * the table, or a hole in it, returns -ENOSYS. Arguments: RDI RSI RDX R10 R8 R9 (64-bit), EBX ECX
 * EDX ESI EDI EBP (i386, zero-extended).
 */
#include "types.h"
#include "task.h"
#include "entry.h"
#include "errno.h"
#include "cpu.h"
#include "segment.h"
#include "percpu.h"
#include "vdso.h"
#include "syscalls.h"
#include "ktest.h"

#define NR_SYSCALLS_64  512
#define NR_SYSCALLS_32  512

typedef long (*syscall_fn)(u64, u64, u64, u64, u64, u64);

#define S(fn) ((syscall_fn)(void (*)(void))(fn))

static const syscall_fn table64[NR_SYSCALLS_64] = {
	[1] = S(sys_write),
	[9] = S(sys_mmap),
	[10] = S(sys_mprotect),
	[11] = S(sys_munmap),
	[12] = S(sys_brk),
	[13] = S(sys_rt_sigaction),
	[14] = S(sys_rt_sigprocmask),
	[15] = S(sys_rt_sigreturn),
	[34] = S(sys_pause),
	[62] = S(sys_kill),
	[110] = S(sys_getppid),
	[130] = S(sys_rt_sigsuspend),
	[131] = S(sys_sigaltstack),
	[127] = S(sys_rt_sigpending),
	[200] = S(sys_tkill),
	[234] = S(sys_tgkill),
	[16] = S(sys_ioctl),
	[158] = S(sys_arch_prctl),
	[218] = S(sys_set_tid_address),
	[20] = S(sys_writev),
	[24] = S(sys_sched_yield),
	[35] = S(sys_nanosleep),
	[230] = S(sys_clock_nanosleep),
	[39] = S(sys_getpid),
	[60] = S(sys_exit),
	[63] = S(sys_uname),
	[102] = S(sys_getuid), [104] = S(sys_getuid), [107] = S(sys_getuid), [108] = S(sys_getuid),
	[186] = S(sys_gettid),
	[228] = S(sys_clock_gettime),
	[231] = S(sys_exit_group),
	/* files (kernel/fs/file.c) */
	[0] = S(sys_read), [2] = S(sys_open), [3] = S(sys_close), [4] = S(sys_stat),
	[5] = S(sys_fstat), [6] = S(sys_stat), [8] = S(sys_lseek), [17] = S(sys_pread64),
	[19] = S(sys_readv), [21] = S(sys_access), [32] = S(sys_dup), [33] = S(sys_dup2),
	[72] = S(sys_fcntl), [79] = S(sys_getcwd), [80] = S(sys_chdir), [81] = S(sys_fchdir),
	[89] = S(sys_readlink), [217] = S(sys_getdents64), [257] = S(sys_openat),
	[262] = S(sys_newfstatat), [267] = S(sys_readlinkat), [269] = S(sys_faccessat),
	[292] = S(sys_dup3),
	/* processes and pipes (kernel/proc/process.c, kernel/exec/exec.c, kernel/fs/file.c) */
	[22] = S(sys_pipe), [56] = S(sys_clone), [57] = S(sys_fork), [58] = S(sys_vfork),
	[59] = S(sys_execve), [61] = S(sys_wait4), [293] = S(sys_pipe2),
	[109] = S(sys_setpgid), [111] = S(sys_getpgrp), [112] = S(sys_setsid), [121] = S(sys_getpgid),
	[124] = S(sys_getsid),
};

static const syscall_fn table32[NR_SYSCALLS_32] = {
	[1] = S(sys_exit),
	[4] = S(sys_write),
	[45] = S(sys_brk),
	[54] = S(sys_ioctl),
	[91] = S(sys_munmap),
	[125] = S(sys_mprotect),
	[192] = S(sys_mmap2),
	[258] = S(sys_set_tid_address),
	[20] = S(sys_getpid),
	[122] = S(sys_uname),
	[146] = S(compat_sys_writev),
	[158] = S(sys_sched_yield),
	[162] = S(compat_sys_nanosleep),
	[267] = S(compat_sys_clock_nanosleep),
	[407] = S(sys_clock_nanosleep),        /* clock_nanosleep_time64: the 64-bit timespec */
	/* signals: ia32 frames and structures (kernel/proc/signal.c); a sigset is 8 bytes on both */
	[29] = S(sys_pause),
	[37] = S(sys_kill),
	[48] = S(compat_sys_signal),
	[64] = S(sys_getppid),
	[67] = S(compat_sys_sigaction),
	[119] = S(compat_sys_sigreturn),
	[173] = S(compat_sys_rt_sigreturn),
	[174] = S(compat_sys_rt_sigaction),
	[175] = S(sys_rt_sigprocmask),
	[179] = S(sys_rt_sigsuspend),
	[186] = S(compat_sys_sigaltstack),
	[73] = S(compat_sys_sigpending), [126] = S(compat_sys_sigprocmask),
	[176] = S(sys_rt_sigpending),          /* the 8-byte sigset is the same on both */
	/* i386 TLS descriptors (kernel/arch/x86_64/tls.c) */
	[243] = S(sys_set_thread_area), [244] = S(sys_get_thread_area),
	[238] = S(sys_tkill),
	[270] = S(sys_tgkill),
	[199] = S(sys_getuid), [200] = S(sys_getuid), [201] = S(sys_getuid), [202] = S(sys_getuid),
	[224] = S(sys_gettid),
	[252] = S(sys_exit_group),
	[265] = S(compat_sys_clock_gettime),
	[403] = S(sys_clock_gettime),          /* clock_gettime64: the 64-bit timespec */
	/* files (kernel/fs/file.c) */
	[3] = S(sys_read), [5] = S(sys_open), [6] = S(sys_close), [12] = S(sys_chdir),
	[19] = S(compat_sys_lseek), [33] = S(sys_access), [41] = S(sys_dup), [55] = S(sys_fcntl),
	[63] = S(sys_dup2), [85] = S(sys_readlink), [133] = S(sys_fchdir),
	[140] = S(compat_sys_llseek), [145] = S(compat_sys_readv), [180] = S(compat_sys_pread64),
	[183] = S(sys_getcwd), [195] = S(compat_sys_stat64), [196] = S(compat_sys_stat64),
	[197] = S(compat_sys_fstat64), [220] = S(sys_getdents64), [221] = S(sys_fcntl),
	[295] = S(sys_openat), [300] = S(compat_sys_fstatat64), [305] = S(sys_readlinkat),
	[307] = S(sys_faccessat), [330] = S(sys_dup3),
	/* processes and pipes */
	[2] = S(sys_fork), [7] = S(compat_sys_waitpid), [11] = S(compat_sys_execve),
	[42] = S(sys_pipe), [114] = S(compat_sys_wait4), [120] = S(compat_sys_clone),
	[190] = S(sys_vfork), [331] = S(sys_pipe2),
	[57] = S(sys_setpgid), [65] = S(sys_getpgrp), [66] = S(sys_setsid), [132] = S(sys_getpgid),
	[147] = S(sys_getsid),
};

static long dispatch(const syscall_fn *table, unsigned n, int nr, u64 a0, u64 a1, u64 a2, u64 a3,
		     u64 a4, u64 a5)
{
	if ((unsigned)nr >= n || !table[nr])
		return -ENOSYS;
	return table[nr](a0, a1, a2, a3, a4, a5);
}

/* Numbers outside the table: -ENOSYS, or a private self-test call (CONFIG_KTEST). */
static inline long syscall_64_other(unsigned nr, struct pt_regs *regs)
{
#ifdef CONFIG_KTEST
	if ((nr & ~0xffU) == KTEST_SYSCALL_BASE)
		return ktest_syscall(nr & 0xff, regs->rdi, regs);
#endif
	(void)nr;
	(void)regs;
	return -ENOSYS;
}

/*
 * The hottest function of the kernel: kept short, and without a frame of its own (a backtrace
 * passes from the system call's frame straight to the entry code). Whether the return may use
 * SYSRET is decided by the entry code, with the registers it restores anyway.
 */
__attribute__((optimize("omit-frame-pointer")))
void do_syscall_64(struct pt_regs *regs)
{
	unsigned nr = (u32)regs->orig_rax;     /* (int) as Linux reads it; negative is out of range */
	sti();
	if (likely(nr < NR_SYSCALLS_64 && table64[nr]))
		regs->rax = table64[nr](regs->rdi, regs->rsi, regs->rdx, regs->r10, regs->r8, regs->r9);
	else
		regs->rax = syscall_64_other(nr, regs);
	cli();
	exit_to_user_mode_fast(regs);
}

static void do_syscall_32(struct pt_regs *regs)
{
	int nr = (int)regs->orig_rax;
#ifdef CONFIG_KTEST
	/* The private self-test calls, as syscall_64_other, with a0 in EBX (32-bit test programs). */
	if (((unsigned)nr & ~0xffU) == KTEST_SYSCALL_BASE) {
		regs->rax = ktest_syscall((unsigned)nr & 0xff, (u32)regs->rbx, regs);
		return;
	}
#endif
	regs->rax = dispatch(table32, NR_SYSCALLS_32, nr, (u32)regs->rbx, (u32)regs->rcx,
			     (u32)regs->rdx, (u32)regs->rsi, (u32)regs->rdi, (u32)regs->rbp);
}

/* INT 0x80, from 64-bit or compat mode. The IDT stub stored -1 in orig_rax: the number is RAX. */
void do_int80(struct pt_regs *regs, unsigned vector)
{
	(void)vector;
	regs->orig_rax = (u32)regs->rax;
	sti();
	do_syscall_32(regs);
	cli();
}

/* SYSENTER and compat SYSCALL via __kernel_vsyscall: arg 6 is on the user stack at ESP. */
bool do_fast_syscall_32(struct pt_regs *regs)
{
	regs->orig_rax = (u32)regs->orig_rax;
	regs->rip = vdso_landing_pad;
	sti();
	u32 arg6;
	if (copy_from_user(&arg6, (const void *)(u64)(u32)regs->rsp, 4)) {
		regs->rax = -EFAULT;
	} else {
		regs->rbp = arg6;
		do_syscall_32(regs);
	}
	cli();
	exit_to_user_mode_fast(regs);
	/* Not to the landing pad (a signal handler, a sigreturn): IRET, which keeps ECX. */
	if (regs->cs != USER32_CS || regs->ss != USER_DS || regs->rip != vdso_landing_pad ||
	    (regs->rflags & (X86_RFLAGS_TF | X86_RFLAGS_RF | X86_RFLAGS_NT | X86_RFLAGS_AC | X86_RFLAGS_VM)))
		return false;
	/* SYSRETL: EIP from ECX, RFLAGS from R11 (ECX is clobbered on Linux too; the vDSO restores it). */
	regs->rcx = regs->rip;
	regs->r11 = regs->rflags;
	return true;
}
