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

#endif
