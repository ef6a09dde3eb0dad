/* Signal numbers and the x86-64 signal-frame ABI, exactly as Linux defines them. */
#ifndef PORTCULLIS_SIGNAL_H
#define PORTCULLIS_SIGNAL_H

#include "types.h"

#define NSIG 64
#define SIGHUP 1
#define SIGINT 2
#define SIGQUIT 3
#define SIGABRT 6
#define SIGUSR1 10
#define SIGUSR2 12
#define SIGPIPE 13
#define SIGALRM 14
#define SIGTERM 15
#define SIGSTKFLT 16
#define SIGCHLD 17
#define SIGCONT 18
#define SIGSTOP 19
#define SIGTSTP 20
#define SIGTTIN 21
#define SIGTTOU 22
#define SIGURG 23
#define SIGWINCH 28

#define SIG_DFL 0UL
#define SIG_IGN 1UL

#define SA_NOCLDSTOP 0x00000001
#define SA_NOCLDWAIT 0x00000002
#define SA_SIGINFO   0x00000004
#define SA_RESTORER  0x04000000
#define SA_ONSTACK   0x08000000
#define SA_RESTART   0x10000000
#define SA_NODEFER   0x40000000
#define SA_RESETHAND 0x80000000

#define SIG_BLOCK   0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2

#define SS_ONSTACK 1
#define SS_DISABLE 2
#define SS_AUTODISARM (1U << 31)    /* disarm the stack while a handler runs on it */
#define MINSIGSTKSZ 2048

/* si_code values */
#define SI_USER    0
#define SI_KERNEL  0x80
#define SI_TKILL   (-6)
#define SEGV_MAPERR 1
#define SEGV_ACCERR 2
#define BUS_ADRALN 1
#define ILL_ILLOPN 2
#define FPE_INTDIV 1
#define FPE_FLTINV 7
#define TRAP_BRKPT 1
#define TRAP_TRACE 2

#define sigbit(sig) (1ULL << ((sig) - 1))

struct k_sigaction {              /* the kernel's struct sigaction for x86-64 rt_sigaction */
	u64 handler, flags, restorer, mask;
};

struct user_stack_t { u64 ss_sp; s32 ss_flags; s32 pad; u64 ss_size; };

struct user_siginfo {             /* 128 bytes */
	s32 si_signo, si_errno, si_code, pad;
	union {
		struct { u64 addr; } fault;
		struct { s32 pid; u32 uid; } kill;
		struct { s32 pid; u32 uid; s32 status; u32 pad; s64 utime, stime; } chld;
		u8 raw[112];
	};
};

struct user_sigcontext {          /* struct sigcontext (x86-64), 256 bytes */
	u64 r8, r9, r10, r11, r12, r13, r14, r15, rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip;
	u64 eflags;
	u16 cs, gs, fs, ss;
	u64 err, trapno, oldmask, cr2;
	u64 fpstate;
	u64 reserved1[8];
};

#define UC_FP_XSTATE         0x1
#define UC_SIGCONTEXT_SS     0x2
#define UC_STRICT_RESTORE_SS 0x4

struct user_ucontext {
	u64 uc_flags;
	u64 uc_link;
	struct user_stack_t uc_stack;
	struct user_sigcontext uc_mcontext;
	u64 uc_sigmask;
};

struct rt_sigframe {
	u64 pretcode;                 /* the restorer: `mov $15, %eax; syscall` */
	struct user_ucontext uc;
	struct user_siginfo info;
	/* the FPU/XSAVE image follows, 64-byte aligned, with FP_XSTATE_MAGIC2 after it */
};

#define FP_XSTATE_MAGIC1 0x46505853U
#define FP_XSTATE_MAGIC2 0x46505845U

static_assert(sizeof(struct user_siginfo) == 128, "siginfo");
static_assert(sizeof(struct user_sigcontext) == 256, "sigcontext");
static_assert(sizeof(struct user_ucontext) == 304, "ucontext");

/* ---- the ia32 ABI (32-bit programs), as Linux's IA32 emulation lays it out ---------------------- */

struct compat_sigaction {         /* rt_sigaction (174): struct sigaction with 32-bit words */
	u32 handler, flags, restorer;
	u32 mask[2];
};

struct compat_old_sigaction {     /* sigaction (67): struct old_sigaction */
	u32 handler, mask, flags, restorer;
};

struct compat_stack_t { u32 ss_sp; s32 ss_flags; u32 ss_size; };

struct compat_siginfo {           /* 128 bytes; the union starts at 12 */
	s32 si_signo, si_errno, si_code;
	union {
		struct { u32 addr; } fault;
		struct { s32 pid; u32 uid; } kill;
		struct { s32 pid; u32 uid; s32 status, utime, stime; } chld;
		u8 raw[116];
	};
};

struct sigcontext_32 {            /* 88 bytes */
	u16 gs, gsh, fs, fsh, es, esh, ds, dsh;
	u32 di, si, bp, sp, bx, dx, cx, ax, trapno, err, ip;
	u16 cs, csh;
	u32 flags, sp_at_signal;
	u16 ss, ssh;
	u32 fpstate, oldmask, cr2;
};

struct ucontext_ia32 {
	u32 uc_flags, uc_link;
	struct compat_stack_t uc_stack;
	struct sigcontext_32 uc_mcontext;
	u32 uc_sigmask[2];
};

/* The i387 header Linux puts in front of the FXSAVE/XSAVE image of an ia32 frame (struct
 * _fpstate_32 up to its FXSR part): the FSAVE-format environment and registers, then the status
 * word and magic (0: FXSR data follows). */
struct fregs_state_32 {
	u32 cwd, swd, twd, fip, fcs, foo, fos;
	u8 st_space[80];              /* st0..st7, 10 bytes each */
	u16 status, magic;
};

#define FXSR_MAGIC 0x0000

struct rt_sigframe_ia32 {         /* handlers with SA_SIGINFO */
	u32 pretcode;                 /* the restorer: __kernel_rt_sigreturn unless SA_RESTORER */
	s32 sig;
	u32 pinfo, puc;
	struct compat_siginfo info;
	struct ucontext_ia32 uc;
	u8 retcode[8];                /* `mov $173, %eax; int $0x80`, for old debuggers */
	/* the i387 header, then the FXSAVE/XSAVE image (64-byte aligned) and FP_XSTATE_MAGIC2 */
};

struct sigframe_ia32 {            /* handlers without SA_SIGINFO */
	u32 pretcode;                 /* the restorer: __kernel_sigreturn unless SA_RESTORER */
	s32 sig;
	struct sigcontext_32 sc;
	u8 fpstate_unused[624];       /* struct _fpstate_32; the real one follows retcode */
	u32 extramask;                /* signals 33..64 of the old mask */
	u8 retcode[8];                /* `pop %eax; mov $119, %eax; int $0x80` */
};

static_assert(sizeof(struct compat_siginfo) == 128, "compat siginfo");
static_assert(sizeof(struct sigcontext_32) == 88, "sigcontext_32");
static_assert(sizeof(struct ucontext_ia32) == 116, "ucontext_ia32");
static_assert(sizeof(struct fregs_state_32) == 112, "fregs_state_32");
static_assert(sizeof(struct rt_sigframe_ia32) == 268, "rt_sigframe_ia32");
static_assert(sizeof(struct sigframe_ia32) == 732, "sigframe_ia32");

#endif
