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

/* Patch records (calling.inc): address, and length | kind << 32. */
struct patch_site { u64 addr, len; };
extern const struct patch_site __pti_patch_start[], __pti_patch_end[];
extern const struct patch_site __clac_patch_start[], __clac_patch_end[];
extern const struct patch_site __pcid_patch_start[], __pcid_patch_end[];

#define PTI_SITE_SKIP   0
#define PTI_SITE_LFENCE 1

/* Text may be mapped read-only already: write through the physical address. */
static u8 *text_alias(u64 addr) { return phys_to_virt(addr - KERNEL_VIRT_BASE); }

static void serialize(void)
{
	u32 a, b, c, d;
	cpuid(0, &a, &b, &c, &d);
}

static void apply_sites(const struct patch_site *start, const struct patch_site *end)
{
	for (const struct patch_site *p = start; p < end; p++) {
		u32 len = (u32)p->len, kind = p->len >> 32;
		u8 *w = text_alias(p->addr);
		if (kind == PTI_SITE_SKIP) {
			BUG_ON(len < 2 || len > 129);
			w[0] = 0xeb;                  /* jmp short +len-2 */
			w[1] = (u8)(len - 2);
		} else {
			BUG_ON(kind != PTI_SITE_LFENCE || len != 3);
			w[0] = 0x0f, w[1] = 0xae, w[2] = 0xe8;
		}
	}
	serialize();
}

/* pti=off: each CR3 macro body becomes a jump over itself; each PTI-off fence becomes LFENCE.
 * No PCID: the NOFLUSH and user-flush parts of the macros become jumps over themselves. */
void pti_patch_entry_text(bool pcid)
{
	if (!pti_enabled)
		apply_sites(__pti_patch_start, __pti_patch_end);
	if (!pcid)
		apply_sites(__pcid_patch_start, __pcid_patch_end);
}

/* ASM_CLAC sites: CLAC is #UD without SMAP, so they become 3-byte NOPs. Runs before the IDT is
 * loaded. */
void clac_patch_entry_text(bool smap)
{
	if (smap)
		return;
	for (const struct patch_site *p = __clac_patch_start; p < __clac_patch_end; p++) {
		BUG_ON(p->len != 3);
		u8 *w = text_alias(p->addr);
		w[0] = 0x0f, w[1] = 0x1f, w[2] = 0x00;
	}
	serialize();
}

/* ---- the isolation audit (kernel/mm/pti_audit.c) ------------------------------------------ */

int pti_audit(phys_addr_t root, struct pti_audit *out, bool print)
{
	const struct pti_policy policy = {
		.entry_text_start = (u64)_entry_text_start,
		.entry_text_end = (u64)_entry_text_end,
		.nr_cpus = CONFIG_NR_CPUS,
	};
	return pti_audit_policy(root, &policy, out, print);
}
