/*
 * pti_audit.c - the isolation audit: what does a user PML4 map in the kernel half?
 *
 * Split out of pti.c so that it depends on nothing but the page tables and printk: the policy
 * (where .entry.text is, how many CPUs have an entry-area slice) comes in as a parameter. pti.c's
 * pti_audit() passes the real one; the host unit tests (tests/unit/test_pti.c) pass their own.
 */
#include "types.h"
#include "mm.h"
#include "paging.h"
#include "printk.h"
#include "pti_audit.h"

enum pti_page_kind pti_expected_kernel_page(const struct pti_policy *policy, u64 va)
{
	if (va >= policy->entry_text_start && va < policy->entry_text_end)
		return PTI_PAGE_ENTRY_TEXT;
	if (va >= CEA_BASE && va < CEA_BASE + CEA_STRIDE * policy->nr_cpus)
		return cea_offset_mapped((va - CEA_BASE) % CEA_STRIDE) ? PTI_PAGE_CEA : PTI_PAGE_UNEXPECTED;
	return PTI_PAGE_UNEXPECTED;
}

/* The parts of a slice that are mapped (memlayout.h); every other page of it is a guard. */
bool cea_offset_mapped(u64 off)
{
	static const struct { u64 off, size; } parts[] = {
		{ CEA_ENTRY_PAGE_OFF, PAGE_SIZE }, { CEA_GDT_OFF, PAGE_SIZE }, { CEA_IDT_OFF, PAGE_SIZE },
		{ CEA_TRAMP_STACK_OFF, CEA_TRAMP_STACK_SIZE }, { CEA_NMI_STACK_OFF, CEA_IST_STACK_SIZE },
		{ CEA_DB_STACK_OFF, CEA_IST_STACK_SIZE }, { CEA_MC_STACK_OFF, CEA_IST_STACK_SIZE },
		{ CEA_DF_STACK_OFF, CEA_IST_STACK_SIZE },
	};
	for (unsigned i = 0; i < ARRAY_SIZE(parts); i++)
		if (off >= parts[i].off && off < parts[i].off + parts[i].size)
			return true;
	return false;
}

static void audit_emit(struct pti_audit *a, u64 start, u64 end, u64 flags, bool ok, bool print)
{
	a->ranges++;
	if (print)
		printk("  pti audit: %016lx-%016lx %s%s%s %s\n", (unsigned long)start, (unsigned long)end,
		       "r", (flags & PTE_W) ? "w" : "-", (flags & PTE_NX) ? "-" : "x",
		       ok ? "" : "UNEXPECTED");
}

int pti_audit_policy(phys_addr_t root, const struct pti_policy *policy, struct pti_audit *out,
		     bool print)
{
	struct pti_audit a = { 0 };
	u64 run_start = 0, run_end = 0, run_flags = 0;
	bool run_ok = true, in_run = false;
	phys_addr_t upgd = pgd_is_pair ? pgd_user(root) : root;
	u64 *pml4 = phys_to_virt(upgd);

	for (unsigned i = PML4_USER_SLOTS; i < 512; i++) {
		if (!(pml4[i] & PTE_P))
			continue;
		u64 *pdpt = phys_to_virt(pml4[i] & PTE_ADDR_MASK);
		for (unsigned j = 0; j < 512; j++) {
			if (!(pdpt[j] & PTE_P))
				continue;
			u64 va1 = 0xffff000000000000ULL | ((u64)i << 39) | ((u64)j << 30);
			if (pdpt[j] & PTE_PS) {     /* 1 GiB page: never expected */
				audit_emit(&a, va1, va1 + (1ULL << 30), pdpt[j], false, print);
				a.pages += 1 << 18;
				a.unexpected_pages += 1 << 18;
				continue;
			}
			u64 *pd = phys_to_virt(pdpt[j] & PTE_ADDR_MASK);
			for (unsigned k = 0; k < 512; k++) {
				if (!(pd[k] & PTE_P))
					continue;
				u64 va2 = va1 | ((u64)k << 21);
				bool large = pd[k] & PTE_PS;   /* 2 MiB page: never expected either */
				u64 npages = large ? 512 : 1;
				u64 *pt = large ? NULL : phys_to_virt(pd[k] & PTE_ADDR_MASK);
				for (unsigned l = 0; l < 512; l++) {
					u64 e = large ? pd[k] : pt[l];
					if (!(e & PTE_P))
						continue;
					u64 va = va2 | ((u64)l << 12);
					enum pti_page_kind kind = large ? PTI_PAGE_UNEXPECTED :
								  pti_expected_kernel_page(policy, va);
					bool ok = kind != PTI_PAGE_UNEXPECTED;
					a.pages += npages;
					if (!ok)
						a.unexpected_pages += npages;
					else if (kind == PTI_PAGE_ENTRY_TEXT)
						a.entry_text_pages++;
					else
						a.cea_pages++;
					u64 fl = e & (PTE_W | PTE_NX);
					if (in_run && va == run_end && fl == run_flags && ok == run_ok) {
						run_end += npages * PAGE_SIZE;
					} else {
						if (in_run)
							audit_emit(&a, run_start, run_end, run_flags, run_ok, print);
						in_run = true;
						run_start = va;
						run_end = va + npages * PAGE_SIZE;
						run_flags = fl;
						run_ok = ok;
					}
					if (large)
						break;
				}
			}
		}
	}
	if (in_run)
		audit_emit(&a, run_start, run_end, run_flags, run_ok, print);
	if (out)
		*out = a;
	return a.unexpected_pages ? -1 : 0;
}
