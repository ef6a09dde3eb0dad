/*
 * fpustress.h - interface between fpustress.c and the register code in regs64.asm / regs32.asm.
 * The layouts and numbers reach NASM through user/asm-offsets.c (asm-offsets.inc).
 */
#ifndef USER_FPUSTRESS_H
#define USER_FPUSTRESS_H

#include <stdint.h>

#include "fxsave.h"

#ifdef __x86_64__
#define FS_NVEC 16                  /* XMM/YMM/ZMM0-15 (and ZMM16-31 with AVX-512) */
#else
#define FS_NVEC 8                   /* XMM/YMM/ZMM0-7 */
#endif

/* What the CPU and the kernel (XCR0) offer ring 3; fs_op.level. */
#define LV_AVX      1               /* YMM upper halves */
#define LV_AVX512   2               /* ZMM upper halves, ZMM16-31 (64-bit), k0-k7 */
#define LV_BW       4               /* AVX512BW: 64-bit opmasks (kmovq), else 16-bit (kmovw) */

/* A register image: the pattern fs_step() loads, and what it stores. 64-byte aligned. */
struct fs_regs {
	uint8_t  fx[512];               /* FXSAVE/FXRSTOR: FCW FSW FTW MXCSR ST0-7 XMM0-15   0 */
	uint8_t  ymmh[16][16];          /* bits 255:128 of YMM0-15                        512 */
	uint8_t  zmmh[16][32];          /* bits 511:256 of ZMM0-15                        768 */
	uint8_t  zhi[16][64];           /* ZMM16-31                                      1280 */
	uint64_t k[8];                  /* k0-k7 (16 bits without AVX512BW)              2304 */
} __attribute__((aligned(64)));


/* What fs_step() does between loading the pattern and storing the registers again. */
enum fs_op_kind {
	OP_SPIN,        /* nothing: only the ring-3 spin */
	OP_YIELD,       /* sched_yield (64: SYSCALL; 32: INT 0x80) */
	OP_GETPID,      /* getpid (64: SYSCALL; 32: INT 0x80) */
	OP_INT80,       /* 64 only: getpid through INT 0x80 */
	OP_VSYS,        /* 32 only: getpid through __kernel_vsyscall (SYSENTER or compat SYSCALL) */
	OP_KILL,        /* kill(pid, SIGUSR1) (64: SYSCALL; 32: INT 0x80): an rt frame */
	OP_KILL80,      /* 64 only: kill(pid, SIGUSR2) through INT 0x80 */
	OP_KILLV,       /* 32 only: kill(pid, SIGUSR2) through __kernel_vsyscall: the old frame */
	OP_KSPIN,       /* 64 only: KTEST_SYS_KFPU_SPIN(arg) through SYSCALL */
	OP_KSPIN80,     /* KTEST_SYS_KFPU_SPIN(arg) through INT 0x80 */
	OP_KSPINV,      /* 32 only: KTEST_SYS_KFPU_SPIN(arg) through __kernel_vsyscall */
	OP_KTASK,       /* KTEST_SYS_KFPU_TASK: kernel SIMD in task context */
	OP_USPIN,       /* spin in ring 3 until KTEST_SYS_KFPU_HITS grew by arg (or about 2 s) */
	OP_SLEEP,       /* nanosleep 2 ms: other tasks and the idle loop run meanwhile */
	OP_COUNT
};

/* One step; every field 64-bit so that both ABIs share the layout. */
struct fs_op {
	uint32_t kind;                  /*  0: enum fs_op_kind */
	uint32_t level;                 /*  4: LV_* */
	int64_t  arg;                   /*  8 */
	int64_t  result;                /* 16: the system call's result (OP_USPIN: hits seen) */
	uint64_t spin;                  /* 24: PAUSE rounds in ring 3 after the operation */
	uint64_t vsyscall;              /* 32: __kernel_vsyscall (32-bit) */
	int64_t  pid;                   /* 40: for kill */
};

/*
 * Load pat into every register op->level covers (FXRSTOR for x87, FCW, FSW, FTW, MXCSR and XMM;
 * then the YMM, ZMM and opmask parts), store them to ref at once, perform op, spin op->spin
 * rounds, store them to cur; then reset the FPU for C code (FNINIT, MXCSR 0x1f80, VZEROUPPER).
 * No C code runs in between, so any difference between ref and cur is the kernel's doing.
 */
void fs_step(const struct fs_regs *pat, struct fs_regs *ref, struct fs_regs *cur, struct fs_op *op);

/* The SIGUSR1/SIGUSR2 handler (both ABIs, any frame): records what it found, then overwrites every
 * register fs_level covers; the kernel's sigreturn must bring the interrupted ones back. */
void fs_handler(void);
void fs_restorer_rt(void);          /* rt_sigreturn */
void fs_restorer_old(void);         /* 32-bit: sigreturn (119), for the old frame */
extern uint32_t fs_level;

/* What the handler found at its start (the kernel must give it the initial FPU state). */
struct fs_hrec {
	uint32_t count;                 /*  0: runs */
	uint32_t mxcsr;                 /*  4 */
	uint16_t fcw;                   /*  8 */
	uint8_t  pad[6];
	uint8_t  xmm0[16];              /* 16 */
	uint8_t  xmmlast[16];           /* 32: XMM15 (64-bit) or XMM7 */
	uint8_t  ymm0h[16];             /* 48: bits 255:128 of YMM0, with AVX */
};
extern struct fs_hrec fs_hrec;

#endif
