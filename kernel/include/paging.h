/* Page-table API (kernel/mm/paging.c): 4-level x86-64 tables, 4 KiB and 2 MiB pages, NX. */
#ifndef PORTCULLIS_PAGING_H
#define PORTCULLIS_PAGING_H

#include "types.h"
#include "memlayout.h"

#define PTE_P     BIT(0)
#define PTE_W     BIT(1)
#define PTE_U     BIT(2)
#define PTE_PWT   BIT(3)
#define PTE_PCD   BIT(4)
#define PTE_A     BIT(5)
#define PTE_D     BIT(6)
#define PTE_PS    BIT(7)      /* 2 MiB page in a PD entry */
#define PTE_G     BIT(8)
#define PTE_NOFREE BIT(9)     /* software: the frame is not owned by this page table (vDSO, MMIO) */
#define PTE_PROTNONE BIT(10)  /* software: a 4 KiB page made inaccessible (P clear), frame kept */
#define PTE_NX    BIT(63)
#define PTE_ADDR_MASK 0x000ffffffffff000ULL
#define PTE_FLAGS_MASK (~PTE_ADDR_MASK)

/* Flags for pt_map: leaf permissions. PT_MAP_4K forces 4 KiB pages. */
#define PT_MAP_4K BIT(62)     /* never set in a PTE: bit 62 is the protection-key range, unused */

/*
 * A "root" is the physical address of a PML4. Address spaces (and the kernel's master table) are
 * an 8 KiB-aligned pair when CONFIG_PAGE_TABLE_ISOLATION is built in: root is the kernel PML4, root
 * + 4 KiB the user PML4. Creating a PML4 entry in the user half of a paired root goes through
 * pgd_set_user_entry(), which mirrors it into the user PML4.
 */
int  pt_map(phys_addr_t root, u64 va, phys_addr_t pa, u64 size, u64 flags);
u64  pt_unmap(phys_addr_t root, u64 va, u64 size, bool free_frames); /* returns pages unmapped */
bool pt_walk(phys_addr_t root, u64 va, phys_addr_t *pa, u64 *flags);  /* leaf flags, incl. PS */
int  pt_protect(phys_addr_t root, u64 va, u64 size, u64 flags);  /* PTE_PROTNONE: no access */
void pt_free_user_half(phys_addr_t root, u64 *freed_tables, u64 *freed_pages);
int  pt_copy_user_half(phys_addr_t dst, phys_addr_t src, u64 *copied_pages);  /* fork */

/* The PML4-pair helpers (kernel/mm/paging.c). */
extern bool pti_enabled;           /* run-time: PTI on (pti= boot option, CONFIG_PAGE_TABLE_ISOLATION) */
extern bool pgd_is_pair;           /* build-time: every root is a PML4 pair */
void pgd_set_user_entry(phys_addr_t root, unsigned index, u64 entry);
static inline phys_addr_t pgd_user(phys_addr_t root) { return root + PAGE_SIZE; }

/* Page-table page allocation hook: pmm in the kernel, an arena in host tests. */
phys_addr_t pt_alloc_table(void);
void pt_free_table(phys_addr_t p);
extern u64 pt_tables_allocated;    /* statistics, for the PTI frame-count test */

/* Kernel master tables (kernel/mm/kmap.c). */
extern phys_addr_t kernel_pgd;
void paging_init(void);
void flush_tlb_all(void);

#endif
