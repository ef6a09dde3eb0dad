/*
 * asm-offsets.c - the one source of truth for every number NASM shares with C.
 *
 * Compiled to assembly only; kernel/kernel.mk turns each "->NAME value" marker into
 * "%define NAME value" in build/include/generated/asm-offsets.inc. Never copy an offset by hand.
 */
#include "types.h"
#include "memlayout.h"
#include "ptrace.h"
#include "percpu.h"
#include "segment.h"
#include "task.h"

#define DEFINE(sym, val) __asm__ __volatile__("\n.ascii \"->" #sym " %0\"" :: "n"((long)(val)))
#define OFFSET(sym, str, mem) DEFINE(sym, offsetof(struct str, mem))

void asm_offsets(void);
void asm_offsets(void)
{
	/* struct pt_regs */
	OFFSET(PT_R15, pt_regs, r15);
	OFFSET(PT_R14, pt_regs, r14);
	OFFSET(PT_R13, pt_regs, r13);
	OFFSET(PT_R12, pt_regs, r12);
	OFFSET(PT_RBP, pt_regs, rbp);
	OFFSET(PT_RBX, pt_regs, rbx);
	OFFSET(PT_R11, pt_regs, r11);
	OFFSET(PT_R10, pt_regs, r10);
	OFFSET(PT_R9, pt_regs, r9);
	OFFSET(PT_R8, pt_regs, r8);
	OFFSET(PT_RAX, pt_regs, rax);
	OFFSET(PT_RCX, pt_regs, rcx);
	OFFSET(PT_RDX, pt_regs, rdx);
	OFFSET(PT_RSI, pt_regs, rsi);
	OFFSET(PT_RDI, pt_regs, rdi);
	OFFSET(PT_ORIG_RAX, pt_regs, orig_rax);
	OFFSET(PT_RIP, pt_regs, rip);
	OFFSET(PT_CS, pt_regs, cs);
	OFFSET(PT_RFLAGS, pt_regs, rflags);
	OFFSET(PT_RSP, pt_regs, rsp);
	OFFSET(PT_SS, pt_regs, ss);
	DEFINE(PT_REGS_SIZE, sizeof(struct pt_regs));

	/* struct entry_page (what %gs points at in the kernel) */
	OFFSET(EP_SELF, entry_page, self);
	OFFSET(EP_SCRATCH_RSP, entry_page, scratch_rsp);
	OFFSET(EP_TOP_OF_STACK, entry_page, top_of_stack);
	OFFSET(EP_PERCPU, entry_page, percpu);
	OFFSET(EP_PTI_ACTIVE, entry_page, pti_active);
	OFFSET(EP_EXIT_WORK, entry_page, exit_work);
	OFFSET(EP_USER_FLUSH, entry_page, user_flush);
	OFFSET(EP_NMI_NESTING, entry_page, nmi_nesting);
	OFFSET(EP_NMI_COUNT, entry_page, nmi_count);
	OFFSET(EP_KTEST_FLAGS, entry_page, ktest_flags);
	OFFSET(EP_KTEST_LAST_CR3, entry_page, ktest_last_cr3);
	OFFSET(EP_KTEST_LAST_GS, entry_page, ktest_last_gs);
	OFFSET(EP_KTEST_USER_FLUSHES, entry_page, ktest_user_flushes);
	DEFINE(EP_TSS, offsetof(struct entry_page, tss));
	DEFINE(EP_TSS_RSP0, offsetof(struct entry_page, tss) + offsetof(struct tss, rsp0));

	/* struct task */
	OFFSET(TASK_RSP, task, ksp);

	/* Segment selectors */
	DEFINE(KERNEL_CS, KERNEL_CS);
	DEFINE(KERNEL_DS, KERNEL_DS);
	DEFINE(USER32_CS, USER32_CS);
	DEFINE(USER_DS, USER_DS);
	DEFINE(USER_CS, USER_CS);
	DEFINE(TSS_SEL, TSS_SEL);

	/* memlayout.h */
	DEFINE(PAGE_SIZE, PAGE_SIZE);
	DEFINE(KERNEL_VIRT_BASE, KERNEL_VIRT_BASE);
	DEFINE(DIRECT_MAP_BASE, DIRECT_MAP_BASE);
	DEFINE(CEA_BASE, CEA_BASE);
	DEFINE(CEA_STRIDE, CEA_STRIDE);
	DEFINE(PML4_SLOT_DIRECT, PML4_SLOT_DIRECT);
	DEFINE(PML4_SHIFT, PML4_SHIFT);
	DEFINE(CEA_GDT_OFF, CEA_GDT_OFF);
	DEFINE(KSTACK_SIZE, KSTACK_SIZE);
	DEFINE(USER_TOP, USER_TOP);
	DEFINE(PTI_USER_PGTABLE_MASK, PTI_USER_PGTABLE_MASK);
	DEFINE(PTI_USER_PGTABLE_BIT, PTI_USER_PGTABLE_BIT);
	DEFINE(PTI_USER_PCID_MASK, PTI_USER_PCID_MASK);
	DEFINE(CR3_NOFLUSH_BIT, CR3_NOFLUSH_BIT);
	DEFINE(VDSO32_BASE, VDSO32_BASE);
}
