/*
 * asm-offsets.c - every number the NASM code of user/ shares with C, the user-space counterpart of
 * kernel/asm-offsets.c.
 *
 * Compiled to assembly only, once per ABI (the i386 layouts are not the x86-64 ones): user/user.mk
 * turns each "->NAME value" marker into "%define NAME value" in
 * build/user/include/{64,32}/asm-offsets.inc, which the .asm files of that ABI %include (through
 * portcullis.inc). Never copy an offset or a number into a .asm file by hand.
 */
#include <stddef.h>

#include "ulib.h"
#include "portcullis.h"
#include "fxsave.h"
#include "fpu/fpu.h"
#include "fpustress/fpustress.h"
#include "t_abi/t_abi.h"
#include "../kernel/include/ktest_abi.h"

#define DEFINE(sym, val) __asm__ __volatile__("\n.ascii \"->" #sym " %0\"" :: "n"((long)(val)))
#define OFFSET(sym, str, mem) DEFINE(sym, offsetof(struct str, mem))

void asm_offsets(void);
void asm_offsets(void)
{
	/* GDT selectors (portcullis.h) */
	DEFINE(USER32_CS, USER32_CS);
	DEFINE(USER_DS, USER_DS);
	DEFINE(USER_CS, USER_CS);

	/* System call numbers (sys64.h / sys32.h) */
#ifdef __x86_64__
	DEFINE(NR_rt_sigreturn, NR_rt_sigreturn);
	DEFINE(NR_sched_yield, NR_sched_yield);
	DEFINE(NR_nanosleep, NR_nanosleep);
	DEFINE(NR_getpid, NR_getpid);
	DEFINE(NR_kill, NR_kill);
	DEFINE(NR_exit_group, NR_exit_group);
#else
	DEFINE(NR32_sigreturn, NR32_sigreturn);
	DEFINE(NR32_rt_sigreturn, NR32_rt_sigreturn);
	DEFINE(NR32_sched_yield, NR32_sched_yield);
	DEFINE(NR32_nanosleep, NR32_nanosleep);
	DEFINE(NR32_exit_group, NR32_exit_group);
#endif
	DEFINE(NR32_getpid, NR32_getpid);   /* also INT 0x80 from 64-bit code */
	DEFINE(NR32_kill, NR32_kill);
	DEFINE(SIGUSR1, SIGUSR1);
	DEFINE(SIGUSR2, SIGUSR2);

	/* The private system calls of CONFIG_KTEST kernels (kernel/include/ktest_abi.h) */
	DEFINE(KTEST_SYSCALL_BASE, KTEST_SYSCALL_BASE);
	DEFINE(KTEST_SYS_SET_RIP, KTEST_SYS_SET_RIP);
	DEFINE(KTEST_SYS_FAULT_RESUME, KTEST_SYS_FAULT_RESUME);
	DEFINE(KTEST_SYS_KFPU_SPIN, KTEST_SYS_KFPU_SPIN);
	DEFINE(KTEST_SYS_KFPU_TASK, KTEST_SYS_KFPU_TASK);
	DEFINE(KTEST_SYS_KFPU_HITS, KTEST_SYS_KFPU_HITS);

	/* The FXSAVE image (fxsave.h) */
	DEFINE(FX_FCW, FX_FCW);
	DEFINE(FX_MXCSR, FX_MXCSR);
	DEFINE(FX_ST0, FX_ST(0));
	DEFINE(FX_XMM0, FX_XMM(0));
	DEFINE(DEFAULT_MXCSR, DEFAULT_MXCSR);

	/* fpu: struct fpu_pattern (fpu/fpu.h) */
	OFFSET(PAT_ST, fpu_pattern, st);
	OFFSET(PAT_XMM, fpu_pattern, xmm);
	OFFSET(PAT_MXCSR, fpu_pattern, mxcsr);
	OFFSET(PAT_FCW, fpu_pattern, fcw);
	DEFINE(FPU_NXMM, FPU_NXMM);

	/* fpustress (fpustress/fpustress.h): struct fs_regs, struct fs_op, struct fs_hrec */
	DEFINE(FS_NVEC, FS_NVEC);
	OFFSET(FS_FX, fs_regs, fx);
	OFFSET(FS_YMMH, fs_regs, ymmh);
	OFFSET(FS_ZMMH, fs_regs, zmmh);
	OFFSET(FS_ZHI, fs_regs, zhi);
	OFFSET(FS_K, fs_regs, k);
	OFFSET(OPF_KIND, fs_op, kind);
	OFFSET(OPF_LEVEL, fs_op, level);
	OFFSET(OPF_ARG, fs_op, arg);
	OFFSET(OPF_RESULT, fs_op, result);
	OFFSET(OPF_SPIN, fs_op, spin);
	OFFSET(OPF_VSYS, fs_op, vsyscall);
	OFFSET(OPF_PID, fs_op, pid);
	OFFSET(H_COUNT, fs_hrec, count);
	OFFSET(H_MXCSR, fs_hrec, mxcsr);
	OFFSET(H_FCW, fs_hrec, fcw);
	OFFSET(H_XMM0, fs_hrec, xmm0);
	OFFSET(H_XLAST, fs_hrec, xmmlast);
	OFFSET(H_YMM0H, fs_hrec, ymm0h);
	DEFINE(LV_AVX, LV_AVX);
	DEFINE(LV_AVX512, LV_AVX512);
	DEFINE(LV_BW, LV_BW);
	DEFINE(OP_SPIN, OP_SPIN);
	DEFINE(OP_YIELD, OP_YIELD);
	DEFINE(OP_GETPID, OP_GETPID);
	DEFINE(OP_INT80, OP_INT80);
	DEFINE(OP_VSYS, OP_VSYS);
	DEFINE(OP_KILL, OP_KILL);
	DEFINE(OP_KILL80, OP_KILL80);
	DEFINE(OP_KILLV, OP_KILLV);
	DEFINE(OP_KSPIN, OP_KSPIN);
	DEFINE(OP_KSPIN80, OP_KSPIN80);
	DEFINE(OP_KSPINV, OP_KSPINV);
	DEFINE(OP_KTASK, OP_KTASK);
	DEFINE(OP_USPIN, OP_USPIN);
	DEFINE(OP_SLEEP, OP_SLEEP);

	/* t_abi: struct regs64, struct regs32 (t_abi/t_abi.h) */
	OFFSET(R64_FLAGS, regs64, rflags);
	DEFINE(R64_SIZE, sizeof(struct regs64));
	OFFSET(R32_FLAGS, regs32, eflags);
	DEFINE(R32_SIZE, sizeof(struct regs32));
}
