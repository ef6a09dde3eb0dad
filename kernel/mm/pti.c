/*
 * pti.c - page-table isolation: the entry area, the user PML4's kernel half, boot-time patching,
 * and the isolation audit.
 *
 * The user PML4 of every address space maps, besides user memory, exactly two kernel things:
 *   - the .entry.text pages of the kernel image, at their usual addresses (PML4 slot 511 of the user
 *     PML4 points at a PDPT of its own that maps nothing else), and
 *   - the entry area (slot 508, the same PDPT as in the kernel PML4): per CPU an entry page (GS base,
 *     scratch slots, TSS), a read-only GDT and IDT, the trampoline stack and the IST stacks, with
 *     unmapped guard pages between the stacks.
 * Both are built once in the master tables; mm_create() copies the kernel halves.
 *
 * Cost: the user PML4 is one extra 4 KiB page per address space (the pair is allocated as one
 * 8 KiB block); every table below it is shared with the kernel PML4.
 */
#include "types.h"
#include "mm.h"
#include "paging.h"
#include "pti.h"
#include "cpu.h"
#include "printk.h"
#include "string.h"
#include "kernel.h"
#include "bootparams.h"

struct cea_backing cea_backing[CONFIG_NR_CPUS];
u8 idt_page[PAGE_SIZE] __aligned(PAGE_SIZE);

extern char _entry_text_start[], _entry_text_end[];

void pti_choose(void)
{
#ifdef CONFIG_PAGE_TABLE_ISOLATION
	/* auto: on. Every CPU these emulators offer is Meltdown-affected or cannot tell us otherwise. */
	pti_enabled = boot_params.pti != PTI_OFF;
#else
	if (boot_params.pti == PTI_ON)
		pr_warn("pti=on: page-table isolation is not built in (CONFIG_PAGE_TABLE_ISOLATION=n)\n");
	pti_enabled = false;
#endif
}

struct cea_part { u64 off, size; u64 flags; };

/* The mapped parts of a slice, in address order; everything else in it is a guard page. */
static void cea_parts(unsigned cpu, struct cea_part p[7], phys_addr_t pa[7])
{
	struct cea_backing *b = &cea_backing[cpu];
	struct cea_part parts[7] = {
		{ CEA_ENTRY_PAGE_OFF, PAGE_SIZE, PTE_W | PTE_NX },
		{ CEA_GDT_OFF, PAGE_SIZE, PTE_NX },
		{ CEA_IDT_OFF, PAGE_SIZE, PTE_NX },
		{ CEA_TRAMP_STACK_OFF, CEA_TRAMP_STACK_SIZE, PTE_W | PTE_NX },
		{ CEA_NMI_STACK_OFF, CEA_IST_STACK_SIZE, PTE_W | PTE_NX },
		{ CEA_DB_STACK_OFF, CEA_IST_STACK_SIZE, PTE_W | PTE_NX },
		{ CEA_MC_STACK_OFF, CEA_IST_STACK_SIZE, PTE_W | PTE_NX },
	};
	phys_addr_t phys[7] = {
		virt_to_phys(&b->entry), virt_to_phys(b->gdt), virt_to_phys(idt_page),
		virt_to_phys(b->tramp_stack), virt_to_phys(b->nmi_stack), virt_to_phys(b->db_stack),
		virt_to_phys(b->mc_stack),
	};
	memcpy(p, parts, sizeof(parts));
	memcpy(pa, phys, sizeof(phys));
}

u64 cea_pages_per_cpu(void)
{
	return (PAGE_SIZE * 3 + CEA_TRAMP_STACK_SIZE + 4 * CEA_IST_STACK_SIZE) / PAGE_SIZE;
}

void cea_map_all(void)
{
	for (unsigned cpu = 0; cpu < CONFIG_NR_CPUS; cpu++) {
		struct cea_part p[7];
		phys_addr_t pa[7];
		cea_parts(cpu, p, pa);
		u64 base = cea_slice(cpu);
		for (int i = 0; i < 7; i++)
			if (pt_map(kernel_pgd, base + p[i].off, pa[i], p[i].size, p[i].flags | PT_MAP_4K))
				panic("pti: cannot map the entry area");
		if (pt_map(kernel_pgd, base + CEA_DF_STACK_OFF, virt_to_phys(cea_backing[cpu].df_stack),
			   CEA_IST_STACK_SIZE, PTE_W | PTE_NX | PT_MAP_4K))
			panic("pti: cannot map the entry area");
		struct entry_page *ep = (struct entry_page *)(base + CEA_ENTRY_PAGE_OFF);
		ep->self = (u64)ep;
		ep->cpu = cpu;
		ep->percpu = &percpu_data[cpu];
		ep->pti_active = pti_enabled;
		percpu_data[cpu].entry = ep;
		percpu_data[cpu].cpu = cpu;
	}
}

void pti_build_user_template(void)
{
	if (!pgd_is_pair)
		return;
	u64 *kpml4 = phys_to_virt(kernel_pgd);
	u64 *upml4 = phys_to_virt(pgd_user(kernel_pgd));
	upml4[PML4_SLOT_CEA] = kpml4[PML4_SLOT_CEA];
	u64 va = (u64)_entry_text_start;
	u64 len = (u64)_entry_text_end - va;
	if (pt_map(pgd_user(kernel_pgd), va, va - KERNEL_VIRT_BASE, len, PT_MAP_4K))
		panic("pti: cannot map the entry text into the user tables");
}

/* Patch records (calling.inc): the address and length of an instruction to turn into NOPs. */
struct patch_site { u64 addr, len; };
extern const struct patch_site __pti_patch_start[], __pti_patch_end[];
extern const struct patch_site __clac_patch_start[], __clac_patch_end[];

static void nop_out(const struct patch_site *start, const struct patch_site *end)
{
	static const u8 nops[4][4] = {
		{ 0 }, { 0x90 }, { 0x66, 0x90 }, { 0x0f, 0x1f, 0x00 },
	};
	for (const struct patch_site *p = start; p < end; p++) {
		BUG_ON(p->len < 1 || p->len > 3);
		/* Text may be mapped read-only already; write through the physical address. */
		u8 *w = phys_to_virt(p->addr - KERNEL_VIRT_BASE);
		memcpy(w, nops[p->len], p->len);
	}
	/* Serialise before running patched code. */
	u32 a, b, c, d;
	cpuid(0, &a, &b, &c, &d);
}

/* PTI_NOP_WHEN_ON sites: the CR3 macros' skip jumps and the PTI-off-only fences. */
void pti_patch_entry_text(void)
{
	if (pti_enabled)
		nop_out(__pti_patch_start, __pti_patch_end);
}

/* ASM_CLAC sites: CLAC is #UD without SMAP. Runs before the IDT is loaded. */
void clac_patch_entry_text(bool smap)
{
	if (!smap)
		nop_out(__clac_patch_start, __clac_patch_end);
}

/* ---- the isolation audit ------------------------------------------------------------------ */

static bool expected_kernel_page(u64 va, u64 *kind)
{
	if (va >= (u64)_entry_text_start && va < (u64)_entry_text_end) {
		*kind = 0;
		return true;
	}
	if (va >= CEA_BASE && va < CEA_BASE + CEA_STRIDE * CONFIG_NR_CPUS) {
		u64 off = (va - CEA_BASE) % CEA_STRIDE;
		*kind = 1;
		return off < CEA_USED_SIZE;
	}
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

int pti_audit(phys_addr_t root, struct pti_audit *out, bool print)
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
				u64 n = (pd[k] & PTE_PS) ? 512 : 0;
				u64 *pt = n ? NULL : phys_to_virt(pd[k] & PTE_ADDR_MASK);
				for (unsigned l = 0; l < 512; l++) {
					u64 e = n ? pd[k] : pt[l];
					if (!(e & PTE_P))
						continue;
					u64 va = va2 | ((u64)l << 12);
					u64 kind = 2;
					bool ok = !n && expected_kernel_page(va, &kind);
					a.pages++;
					if (!ok)
						a.unexpected_pages++;
					else if (kind == 0)
						a.entry_text_pages++;
					else
						a.cea_pages++;
					u64 fl = e & (PTE_W | PTE_NX);
					if (in_run && va == run_end && fl == run_flags && ok == run_ok) {
						run_end += PAGE_SIZE;
					} else {
						if (in_run)
							audit_emit(&a, run_start, run_end, run_flags, run_ok, print);
						in_run = true;
						run_start = va;
						run_end = va + PAGE_SIZE;
						run_flags = fl;
						run_ok = ok;
					}
					if (n)
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
