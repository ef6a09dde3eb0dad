/*
 * fsgsbase.h - the FS base, the active GS base, and the inactive GS base (the user's, while the
 * kernel runs) (kernel/arch/x86_64/fsgsbase.c).
 *
 * With CR4.FSGSBASE on, RDFSBASE/WRFSBASE/RDGSBASE/WRGSBASE; otherwise the MSRs. The inactive GS
 * base needs a choice: with FSGSBASE it is read and written inside a short SWAPGS window with
 * interrupts off (two SWAPGS and one RD/WRGSBASE cost less than RDMSR/WRMSR, which serialise);
 * an NMI or #DB inside that window is harmless because the paranoid entry saves and restores the
 * GS base it finds with RDGSBASE/WRGSBASE. Without FSGSBASE, MSR_KERNEL_GS_BASE is the only way.
 */
#ifndef PORTCULLIS_FSGSBASE_H
#define PORTCULLIS_FSGSBASE_H

#include "types.h"

u64 read_fsbase(void);
void write_fsbase(u64 base);
u64 read_gsbase(void);               /* active: the kernel's, in the kernel */
u64 read_user_gsbase(void);          /* inactive: the user's, while in the kernel */
void write_user_gsbase(u64 base);

#endif
