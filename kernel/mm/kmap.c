/*
 * kmap.c - the kernel's master page tables: the image, the direct map, ioremap.
 *
 * Every kernel-half PML4 entry is created here, once, before the first address space exists;
 * mm_create() copies them, so the kernel half (its PDPTs and below) is shared by every address space.
 */
#include "types.h"
#include "mm.h"
#include "paging.h"
#include "boot.h"
#include "cpu.h"
#include "printk.h"
#include "spinlock.h"
#include "kernel.h"

phys_addr_t kernel_pgd;

extern char _text[], _etext[], _rodata[], _erodata[], _data[], _end[];

static void map_image_range(const char *start, const char *end, u64 flags)
{
	u64 va = ALIGN_DOWN((u64)start, PAGE_SIZE);
	u64 len = ALIGN_UP((u64)end, PAGE_SIZE) - va;
	if (pt_map(kernel_pgd, va, va - KERNEL_VIRT_BASE, len, flags | PT_MAP_4K))
		panic("paging: cannot map the kernel image");
}

void paging_init(void)
{
	kernel_pgd = pmm_alloc(pgd_is_pair ? 1 : 0);
	if (kernel_pgd == PMM_FAIL)
		panic("paging: no memory for the kernel PML4");
	pt_tables_allocated += pgd_is_pair ? 2 : 1;

	/* Kernel image: text RX, rodata R, data and bss RW; nothing of it executable but text. */
	map_image_range(_text, _etext, 0);
	map_image_range(_rodata, _erodata, PTE_NX);
	map_image_range(_data, _end, PTE_W | PTE_NX);

	/* Direct map: all of the first 4 GiB (RAM, ACPI tables, firmware) and all RAM above it. */
	u64 top = 4ULL << 30;
	for (unsigned i = 0; i < boot_info.nmmap; i++)
		if (boot_info.mmap[i].type == 1)
			top = MAX(top, ALIGN_UP(boot_info.mmap[i].base + boot_info.mmap[i].len, LARGE_PAGE_SIZE));
	if (pt_map(kernel_pgd, DIRECT_MAP_BASE, 0, top, PTE_W | PTE_NX))
		panic("paging: cannot build the direct map");

	/* Pre-create the PDPTs of the remaining kernel-half slots so every address space shares them. */
	if (pt_map(kernel_pgd, IOREMAP_BASE + IOREMAP_SIZE - PAGE_SIZE, 0, PAGE_SIZE, PTE_NX) ||
	    pt_map(kernel_pgd, CEA_BASE + CEA_STRIDE * CONFIG_NR_CPUS, 0, PAGE_SIZE, PTE_NX))
		panic("paging: cannot create kernel PDPTs");
	pt_unmap(kernel_pgd, IOREMAP_BASE + IOREMAP_SIZE - PAGE_SIZE, PAGE_SIZE, false);
	pt_unmap(kernel_pgd, CEA_BASE + CEA_STRIDE * CONFIG_NR_CPUS, PAGE_SIZE, false);

	write_cr3(kernel_pgd);
}

void flush_tlb_all(void)
{
	write_cr3(read_cr3());
}

static u64 ioremap_next = IOREMAP_BASE;
static spinlock_t ioremap_lock = SPINLOCK_INIT;

void *ioremap(phys_addr_t p, size_t size)
{
	u64 off = p & (PAGE_SIZE - 1);
	u64 len = ALIGN_UP(off + size, PAGE_SIZE);
	u64 flags = spin_lock_irqsave(&ioremap_lock);
	u64 va = ioremap_next;
	ioremap_next += len + PAGE_SIZE;   /* an unmapped page between mappings */
	spin_unlock_irqrestore(&ioremap_lock, flags);
	if (pt_map(kernel_pgd, va, p - off, len, PTE_W | PTE_NX | PTE_PCD | PTE_PWT | PTE_NOFREE | PT_MAP_4K))
		panic("ioremap: cannot map %#lx", (unsigned long)p);
	return (void *)(va + off);
}
