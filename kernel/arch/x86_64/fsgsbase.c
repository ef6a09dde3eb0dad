/* fsgsbase.c - FS/GS base accessors; the choice of method is explained in include/fsgsbase.h. */
#include "types.h"
#include "fsgsbase.h"
#include "cpu.h"
#include "entry.h"

/* entry_use_fsgsbase (set from CPUID and `nofsgsbase` in cpu_setup_control_regs) is exactly
 * "CR4.FSGSBASE is on"; the paranoid entry code reads the same flag. */

u64 read_fsbase(void)
{
	u64 b;
	if (entry_use_fsgsbase)
		__asm__ __volatile__("rdfsbase %0" : "=r"(b));
	else
		b = rdmsr(MSR_FS_BASE);
	return b;
}

void write_fsbase(u64 base)
{
	if (entry_use_fsgsbase)
		__asm__ __volatile__("wrfsbase %0" :: "r"(base) : "memory");
	else
		wrmsr(MSR_FS_BASE, base);
}

u64 read_gsbase(void)
{
	u64 b;
	if (entry_use_fsgsbase)
		__asm__ __volatile__("rdgsbase %0" : "=r"(b));
	else
		b = rdmsr(MSR_GS_BASE);
	return b;
}

u64 read_user_gsbase(void)
{
	u64 b;
	if (!entry_use_fsgsbase)
		return rdmsr(MSR_KERNEL_GS_BASE);
	u64 f = irq_save();
	/* Window: the user GS base is live in ring 0 until the second SWAPGS. */
	__asm__ __volatile__("swapgs; rdgsbase %0; swapgs" : "=r"(b) :: "memory");
	irq_restore(f);
	return b;
}

void write_user_gsbase(u64 base)
{
	if (!entry_use_fsgsbase) {
		wrmsr(MSR_KERNEL_GS_BASE, base);
		return;
	}
	u64 f = irq_save();
	/* Window: the user GS base is live in ring 0 until the second SWAPGS. */
	__asm__ __volatile__("swapgs; wrgsbase %0; swapgs" :: "r"(base) : "memory");
	irq_restore(f);
}
