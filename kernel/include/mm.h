/* Physical memory, the direct map, the kernel heap and MMIO mappings. */
#ifndef PORTCULLIS_MM_H
#define PORTCULLIS_MM_H

#include "types.h"
#include "memlayout.h"

#ifdef HOST_TEST
/* Host unit tests: "physical memory" is an arena the test allocates; physical 0 is its start. */
extern u8 *host_phys_base;
static inline void *phys_to_virt(phys_addr_t p) { return host_phys_base + p; }
static inline phys_addr_t virt_to_phys(const void *v) { return (phys_addr_t)((const u8 *)v - host_phys_base); }
#else
/* Direct map: every physical address p is visible at DIRECT_MAP_BASE + p. */
static inline void *phys_to_virt(phys_addr_t p) { return (void *)(p + DIRECT_MAP_BASE); }
static inline phys_addr_t virt_to_phys(const void *v)
{
	u64 a = (u64)v;
	return a >= KERNEL_VIRT_BASE ? a - KERNEL_VIRT_BASE : a - DIRECT_MAP_BASE;
}
#endif

/* Physical frame allocator (buddy-free bitmap; kernel/mm/pmm.c). order = log2(pages). */
#define PMM_FAIL ((phys_addr_t)-1)
phys_addr_t pmm_alloc(unsigned order);          /* zeroed, naturally aligned; PMM_FAIL if none */
void pmm_free(phys_addr_t p, unsigned order);
u64 pmm_free_pages(void);
u64 pmm_total_pages(void);

static inline void *alloc_pages_virt(unsigned order)
{
	phys_addr_t p = pmm_alloc(order);
	return p == PMM_FAIL ? NULL : phys_to_virt(p);
}

/* Kernel heap (kernel/mm/heap.c). */
void *kmalloc(size_t size);
void *kzalloc(size_t size);
void kfree(void *p);
extern u64 heap_live_blocks, heap_class_pages;   /* for leak checks (ktest) */

/* Map MMIO uncached into the ioremap window (kernel/mm/paging.c). */
void *ioremap(phys_addr_t p, size_t size);

#endif
