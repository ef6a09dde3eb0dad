/*
 * vm.c - user address spaces: creation, regions, demand-zero faults.
 */
#include "types.h"
#include "mm.h"
#include "paging.h"
#include "task.h"
#include "cpu.h"
#include "string.h"
#include "kernel.h"
#include "percpu.h"

struct mm *mm_create(void)
{
	struct mm *mm = kzalloc(sizeof(*mm));
	if (!mm)
		return NULL;
	unsigned order = pgd_is_pair ? 1 : 0;
	mm->pgd = pmm_alloc(order);
	if (mm->pgd == PMM_FAIL) {
		kfree(mm);
		return NULL;
	}
	mm->pt_pages = 1U << order;
	mm->users = 1;
	static u64 next_ctx_id = 1;
	mm->ctx_id = __atomic_fetch_add(&next_ctx_id, 1, __ATOMIC_RELAXED);
	pt_tables_allocated += 1U << order;
	/* The kernel half is shared: copy the master's PML4 entries (their PDPTs never change). */
	memcpy((u64 *)phys_to_virt(mm->pgd) + PML4_USER_SLOTS,
	       (u64 *)phys_to_virt(kernel_pgd) + PML4_USER_SLOTS, PML4_USER_SLOTS * 8);
	if (pgd_is_pair)
		memcpy((u64 *)phys_to_virt(pgd_user(mm->pgd)) + PML4_USER_SLOTS,
		       (u64 *)phys_to_virt(pgd_user(kernel_pgd)) + PML4_USER_SLOTS, PML4_USER_SLOTS * 8);
	return mm;
}

void mm_destroy(struct mm *mm)
{
	if (!mm)
		return;
	u64 tables, pages;
	mm_forget(mm);
	pt_free_user_half(mm->pgd, &tables, &pages);
	unsigned order = pgd_is_pair ? 1 : 0;
	pmm_free(mm->pgd, order);
	pt_tables_allocated -= 1U << order;
	kfree(mm);
}

void mm_get(struct mm *mm) { __atomic_add_fetch(&mm->users, 1, __ATOMIC_RELAXED); }

void mm_put(struct mm *mm)
{
	if (mm && !__atomic_sub_fetch(&mm->users, 1, __ATOMIC_ACQ_REL))
		mm_destroy(mm);
}

/* A new address space with the same regions, break and contents as mm (copied eagerly: no
 * copy-on-write), for fork. NULL when out of memory. */
struct mm *mm_dup(struct mm *mm)
{
	struct mm *n = mm_create();
	if (!n)
		return NULL;
	memcpy(n->vmas, mm->vmas, sizeof(mm->vmas));
	n->nvmas = mm->nvmas;
	n->brk_start = mm->brk_start;
	n->brk = mm->brk;
	if (pt_copy_user_half(n->pgd, mm->pgd, NULL)) {
		mm_destroy(n);
		return NULL;
	}
	n->pages = mm->pages;
	return n;
}

int mm_add_vma(struct mm *mm, u64 start, u64 end, u32 flags)
{
	if (mm->nvmas == MM_MAX_VMAS || start >= end || end > USER_TOP)
		return -1;
	for (unsigned i = 0; i < mm->nvmas; i++)
		if (start < mm->vmas[i].end && mm->vmas[i].start < end)
			return -1;
	mm->vmas[mm->nvmas++] = (struct vma){ ALIGN_DOWN(start, PAGE_SIZE), ALIGN_UP(end, PAGE_SIZE), flags };
	return 0;
}

struct vma *mm_find_vma(struct mm *mm, u64 addr)
{
	for (unsigned i = 0; i < mm->nvmas; i++)
		if (addr >= mm->vmas[i].start && addr < mm->vmas[i].end)
			return &mm->vmas[i];
	return NULL;
}

static u64 vma_pte_flags(u32 flags)
{
	return PTE_U | ((flags & VM_WRITE) ? PTE_W : 0) | ((flags & VM_EXEC) ? 0 : PTE_NX);
}

int mm_populate(struct mm *mm, u64 va, u32 flags)
{
	phys_addr_t p = pmm_alloc(0);
	if (p == PMM_FAIL)
		return -1;
	if (pt_map(mm->pgd, ALIGN_DOWN(va, PAGE_SIZE), p, PAGE_SIZE, vma_pte_flags(flags) | PT_MAP_4K)) {
		pmm_free(p, 0);
		return -1;
	}
	mm->pages++;
	return 0;
}

/* A fault on a user address: map a zero page if a region allows the access. */
bool mm_handle_fault(struct mm *mm, u64 addr, bool write, bool exec)
{
	if (!mm || addr >= USER_TOP)
		return false;
	struct vma *v = mm_find_vma(mm, addr);
	if (!v)
		return false;
	if ((write && !(v->flags & VM_WRITE)) || (exec && !(v->flags & VM_EXEC)) || !(v->flags & VM_READ))
		return false;
	if (pt_walk(mm->pgd, addr, NULL, NULL))
		return false;      /* present: a protection fault, not ours to fix */
	return mm_populate(mm, addr, v->flags) == 0;
}

/* ---- regions for mmap, munmap, mprotect and brk ------------------------------------------------ */

/* Remove [start, end) from the region list, splitting regions that straddle it. */
static int vma_cut(struct mm *mm, u64 start, u64 end)
{
	for (unsigned i = 0; i < mm->nvmas; i++) {
		struct vma *v = &mm->vmas[i];
		if (v->end <= start || v->start >= end)
			continue;
		if (v->start < start && v->end > end) {          /* a hole in the middle: split */
			if (mm->nvmas == MM_MAX_VMAS)
				return -1;
			mm->vmas[mm->nvmas++] = (struct vma){ end, v->end, v->flags };
			v->end = start;
		} else if (v->start < start) {
			v->end = start;
		} else if (v->end > end) {
			v->start = end;
		} else {                                          /* covered: drop it */
			mm->vmas[i] = mm->vmas[--mm->nvmas];
			i--;
		}
	}
	return 0;
}

int mm_unmap_range(struct mm *mm, u64 start, u64 end)
{
	if (vma_cut(mm, start, end))
		return -1;
	u64 pages = pt_unmap(mm->pgd, start, end - start, true);
	mm->pages -= MIN(mm->pages, pages);
	flush_tlb_user_range(mm, start, end);
	return 0;
}

int mm_protect_range(struct mm *mm, u64 start, u64 end, u32 flags)
{
	/* Every page of the range must belong to a region (Linux: -ENOMEM otherwise). */
	for (u64 a = start; a < end;) {
		struct vma *v = mm_find_vma(mm, a);
		if (!v)
			return -1;
		a = v->end;
	}
	if (mm->nvmas + 2 > MM_MAX_VMAS || vma_cut(mm, start, end) || mm_add_vma(mm, start, end, flags))
		return -2;
	/* Pages already there change rights in place; PROT_NONE keeps them, not present. */
	u64 pte = (flags & (VM_READ | VM_WRITE | VM_EXEC)) ? vma_pte_flags(flags) : PTE_PROTNONE;
	for (u64 a = start; a < end; a += PAGE_SIZE)
		pt_protect(mm->pgd, a, PAGE_SIZE, pte);    /* -1 where nothing is mapped yet: fine */
	flush_tlb_user_range(mm, start, end);
	return 0;
}

/* The highest free range of `len` bytes below `top` (and above USER_IMAGE_BASE), or 0. */
u64 mm_find_free(struct mm *mm, u64 len, u64 top)
{
	u64 end = ALIGN_DOWN(top, PAGE_SIZE);
	while (end >= len && end - len >= USER_IMAGE_BASE) {
		u64 start = end - len;
		bool clash = false;
		for (unsigned i = 0; i < mm->nvmas; i++) {
			if (mm->vmas[i].start < end && start < mm->vmas[i].end) {
				end = mm->vmas[i].start;      /* try below the clashing region */
				clash = true;
				break;
			}
		}
		if (!clash)
			return start;
	}
	return 0;
}
