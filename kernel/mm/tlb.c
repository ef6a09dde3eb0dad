/*
 * tlb.c - loading address spaces into CR3, with PCIDs when the CPU has them, and flushing user
 * mappings.
 *
 * Without PCID every CR3 write flushes the TLB, so nothing here needs care beyond INVLPG. With PCID
 * (CR4.PCIDE, when CPUID has it and no `nopcid`), each address space has a kernel PCID and a user
 * PCID per CPU (include/asid.h). CR3 is written with NOFLUSH except when a PCID is (re)assigned:
 * the kernel PCID is flushed then by the CR3 write itself, the user PCID by INVPCID when the CPU
 * has it (and no `noinvpcid`), otherwise by the exit path's first write of the user CR3, which
 * leaves NOFLUSH clear exactly once (entry_page.user_flush).
 */
#include "types.h"
#include "task.h"
#include "asid.h"
#include "cpu.h"
#include "paging.h"
#include "percpu.h"
#include "memlayout.h"

bool pcid_enabled, invpcid_enabled;
static struct asid_state asid_states[CONFIG_NR_CPUS];

#define INVPCID_ADDR    0   /* one address in one PCID */
#define INVPCID_CONTEXT 1   /* everything of one PCID (globals excepted) */
#define INVPCID_ALL     2   /* everything, globals included */

static inline void invpcid(unsigned long type, unsigned long pcid, unsigned long addr)
{
	struct { u64 pcid, addr; } d = { pcid, addr };
	__asm__ __volatile__("invpcid %0, %1" :: "m"(d), "r"(type) : "memory");
}

void tlb_init(void)
{
	pcid_enabled = cpu.pcid;
	invpcid_enabled = pcid_enabled && cpu.invpcid;
}

void mm_switch(struct mm *mm)
{
	struct percpu *pc = this_cpu();
	if (!pcid_enabled) {
		phys_addr_t pgd = mm ? mm->pgd : kernel_pgd;
		if ((read_cr3() & PTE_ADDR_MASK) != pgd)
			write_cr3(pgd);
		pc->active_mm = mm;
		return;
	}
	if (!mm) {
		/* Kernel threads: the master tables, PCID 0, whose entries never go stale (the kernel
		 * half only grows). */
		if ((read_cr3() & (PTE_ADDR_MASK | CR3_PCID_MASK)) != kernel_pgd)
			write_cr3(kernel_pgd | CR3_NOFLUSH);
		pc->active_mm = NULL;
		return;
	}
	struct asid_choice c = asid_switch(&asid_states[pc->cpu], mm->ctx_id);
	u64 kpcid = asid_kernel_pcid(c.slot), upcid = kpcid | PTI_USER_PCID_MASK;
	u64 cr3 = mm->pgd | kpcid;
	if (c.flush_kernel && invpcid_enabled) {
		invpcid(INVPCID_CONTEXT, kpcid, 0);
		invpcid(INVPCID_CONTEXT, upcid, 0);
		c.flush_user = false;
		write_cr3(cr3 | CR3_NOFLUSH);
	} else if (c.flush_kernel) {
		write_cr3(cr3);              /* flushes the kernel PCID */
	} else if ((read_cr3() & (PTE_ADDR_MASK | CR3_PCID_MASK)) != cr3) {
		write_cr3(cr3 | CR3_NOFLUSH);
	}
	pc->entry->user_flush = c.flush_user;
	pc->active_mm = mm;
}

void mm_forget(struct mm *mm)
{
	struct percpu *pc = this_cpu();
	if (pc->active_mm == mm)
		mm_switch(NULL);
	if (pcid_enabled)
		for (unsigned i = 0; i < CONFIG_NR_CPUS; i++)
			asid_forget(&asid_states[i], mm->ctx_id);
}

void flush_tlb_user_range(struct mm *mm, u64 start, u64 end)
{
	struct percpu *pc = this_cpu();
	if (pc->active_mm != mm) {
		/* Not loaded here: with PCID its slot may still cache it; dropping the slot makes the
		 * next switch take a fresh, flushed one. Without PCID the switch flushes anyway. */
		if (pcid_enabled)
			asid_forget(&asid_states[pc->cpu], mm->ctx_id);
		return;
	}
	u64 upcid = (read_cr3() & CR3_PCID_MASK) | PTI_USER_PCID_MASK;
	for (u64 va = ALIGN_DOWN(start, PAGE_SIZE); va < end; va += PAGE_SIZE) {
		invlpg(va);                  /* the current (kernel) PCID */
		if (invpcid_enabled)
			invpcid(INVPCID_ADDR, upcid, va);
	}
	/* Without INVPCID the user PCID cannot be reached from here: flush it on the way out. (With
	 * PTI off ring 3 runs on the kernel PCID, which INVLPG has just handled.) */
	if (pcid_enabled && !invpcid_enabled && pti_enabled)
		pc->entry->user_flush = 1;
}
