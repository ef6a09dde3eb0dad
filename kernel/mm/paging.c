/*
 * paging.c - building and changing 4-level page tables.
 *
 * Compiled for the kernel and, unchanged, for the host unit tests (tests/unit), where physical
 * memory is an arena and phys_to_virt() points into it.
 *
 * Intermediate entries are permissive (present, writable, user in the user half); the leaf decides.
 * The one exception is the PTI fail-safe on the PML4 pair, in pgd_set_user_entry().
 */
#include "types.h"
#include "mm.h"
#include "paging.h"
#include "string.h"

#ifdef CONFIG_PAGE_TABLE_ISOLATION
bool pgd_is_pair = true;
#else
bool pgd_is_pair = false;
#endif
bool pti_enabled;
u64 pt_tables_allocated;

#define LEVEL_SHIFT(l) (PAGE_SHIFT + 9 * (l))        /* l = 0 (PT) .. 3 (PML4) */
#define INDEX(va, l)   (((va) >> LEVEL_SHIFT(l)) & 511)

static inline u64 *table(phys_addr_t p) { return phys_to_virt(p & PTE_ADDR_MASK); }

/*
 * pgd_set_user_entry - set PML4 entry `index` (< 256, the user half) of an address space.
 *
 * With PTI the entry is mirrored into the user PML4, so ring 3 sees its memory through either table.
 * In the kernel PML4 the same entry gets NX while PTI is on: the kernel never executes user code,
 * and if an exit path ever returned to ring 3 without switching to the user CR3, the first user
 * instruction would fetch through this NX entry and fault at once, instead of user code running with
 * the whole kernel mapped. (The ktest "pti_nx_failsafe" proves it.)
 */
void pgd_set_user_entry(phys_addr_t root, unsigned index, u64 entry)
{
	u64 *k = table(root);
	if (!pgd_is_pair) {
		k[index] = entry;
		return;
	}
	u64 *u = table(pgd_user(root));
	u[index] = entry;
	k[index] = (pti_enabled && (entry & PTE_P)) ? entry | PTE_NX : entry;
}

static phys_addr_t root_of(phys_addr_t root) { return root & PTE_ADDR_MASK; }

/* Return the entry at `level` for va, creating missing tables on the way when `create`. */
static u64 *walk_to(phys_addr_t root, u64 va, int level, bool create)
{
	bool user = va < KERNEL_HALF_BASE;
	u64 *t = table(root_of(root));
	for (int l = 3; l > level; l--) {
		u64 *e = &t[INDEX(va, l)];
		if (!(*e & PTE_P)) {
			if (!create)
				return NULL;
			phys_addr_t n = pt_alloc_table();
			if (n == PMM_FAIL)
				return NULL;
			u64 ne = n | PTE_P | PTE_W | (user ? PTE_U : 0);
			if (l == 3 && user)
				pgd_set_user_entry(root_of(root), INDEX(va, 3), ne);
			else
				*e = ne;
		} else if (*e & PTE_PS) {
			return NULL;       /* a large page is in the way */
		}
		t = table(*e);
	}
	return &t[INDEX(va, level)];
}

int pt_map(phys_addr_t root, u64 va, phys_addr_t pa, u64 size, u64 flags)
{
	if (!IS_ALIGNED(va, PAGE_SIZE) || !IS_ALIGNED(pa, PAGE_SIZE) || !IS_ALIGNED(size, PAGE_SIZE))
		return -1;
	bool small_only = flags & PT_MAP_4K;
	flags &= ~PT_MAP_4K & ~PTE_PS;
	flags |= PTE_P;
	u64 end = va + size;
	while (va < end) {
		if (!small_only && IS_ALIGNED(va, LARGE_PAGE_SIZE) && IS_ALIGNED(pa, LARGE_PAGE_SIZE) &&
		    end - va >= LARGE_PAGE_SIZE) {
			u64 *e = walk_to(root, va, 1, true);
			if (!e)
				return -1;
			if ((*e & PTE_P) && !(*e & PTE_PS))
				goto small;   /* a table of 4 KiB pages is already here */
			*e = pa | flags | PTE_PS;
			va += LARGE_PAGE_SIZE;
			pa += LARGE_PAGE_SIZE;
			continue;
		}
small:;
		u64 *e = walk_to(root, va, 0, true);
		if (!e)
			return -1;
		*e = pa | flags;
		va += PAGE_SIZE;
		pa += PAGE_SIZE;
	}
	return 0;
}

/* Find the leaf for va: level 0 (4 KiB) or 1 (2 MiB). With `protnone`, a 4 KiB entry that only
 * PTE_PROTNONE keeps (not present, frame kept) counts too. */
static u64 *leaf_any(phys_addr_t root, u64 va, int *level, bool protnone)
{
	u64 *t = table(root_of(root));
	for (int l = 3; l >= 0; l--) {
		u64 *e = &t[INDEX(va, l)];
		if (protnone && l == 0 && (*e & PTE_PROTNONE)) {
			*level = 0;
			return e;
		}
		if (!(*e & PTE_P))
			return NULL;
		if (l == 0 || (l == 1 && (*e & PTE_PS))) {
			*level = l;
			return e;
		}
		t = table(*e);
	}
	return NULL;
}

static u64 *leaf(phys_addr_t root, u64 va, int *level) { return leaf_any(root, va, level, false); }

bool pt_walk(phys_addr_t root, u64 va, phys_addr_t *pa, u64 *flags)
{
	int level;
	u64 *e = leaf(root, va, &level);
	if (!e)
		return false;
	u64 off = va & ((1ULL << LEVEL_SHIFT(level)) - 1);
	u64 base = *e & PTE_ADDR_MASK & ~((1ULL << LEVEL_SHIFT(level)) - 1);
	if (pa)
		*pa = base + off;
	if (flags)
		*flags = *e & PTE_FLAGS_MASK;
	return true;
}

u64 pt_unmap(phys_addr_t root, u64 va, u64 size, bool free_frames)
{
	u64 n = 0, end = va + size;
	while (va < end) {
		int level;
		u64 *e = leaf_any(root, va, &level, true);
		u64 step = 1ULL << LEVEL_SHIFT(e ? level : 0);
		if (e) {
			if (free_frames && !(*e & PTE_NOFREE))
				pmm_free(*e & PTE_ADDR_MASK & ~(step - 1), level ? 9 : 0);
			*e = 0;
			n += step / PAGE_SIZE;
		}
		va = ALIGN_DOWN(va, step) + step;
	}
	return n;
}

int pt_protect(phys_addr_t root, u64 va, u64 size, u64 flags)
{
	u64 end = va + size;
	flags &= PTE_W | PTE_U | PTE_NX | PTE_PCD | PTE_PWT | PTE_PROTNONE;
	while (va < end) {
		int level;
		u64 *e = leaf_any(root, va, &level, true);
		if (!e)
			return -1;
		u64 v = (*e & ~(PTE_W | PTE_U | PTE_NX | PTE_PCD | PTE_PWT | PTE_PROTNONE)) | flags;
		if (flags & PTE_PROTNONE) {
			if (level)
				return -1;               /* only 4 KiB pages can be made inaccessible */
			v &= ~PTE_P;
		} else {
			v |= PTE_P;
		}
		*e = v;
		va = ALIGN_DOWN(va, 1ULL << LEVEL_SHIFT(level)) + (1ULL << LEVEL_SHIFT(level));
	}
	return 0;
}

static void free_level(u64 *t, int l, u64 *tables, u64 *pages)
{
	for (unsigned i = 0; i < 512; i++) {
		u64 e = t[i];
		if (!(e & PTE_P) && !(l == 0 && (e & PTE_PROTNONE)))
			continue;
		if (l == 0 || (e & PTE_PS)) {
			if (!(e & PTE_NOFREE)) {
				pmm_free(e & PTE_ADDR_MASK, l ? 9 : 0);
				*pages += l ? 512 : 1;
			}
		} else {
			free_level(table(e), l - 1, tables, pages);
			pt_free_table(e & PTE_ADDR_MASK);
			(*tables)++;
		}
		t[i] = 0;
	}
}

/* Free every table and frame of the user half (the PML4 pages themselves stay). */
void pt_free_user_half(phys_addr_t root, u64 *freed_tables, u64 *freed_pages)
{
	u64 tables = 0, pages = 0;
	u64 *k = table(root_of(root));
	for (unsigned i = 0; i < PML4_USER_SLOTS; i++) {
		if (!(k[i] & PTE_P))
			continue;
		u64 *pdpt = table(k[i]);
		free_level(pdpt, 2, &tables, &pages);
		pt_free_table(k[i] & PTE_ADDR_MASK);
		tables++;
		pgd_set_user_entry(root_of(root), i, 0);
	}
	if (freed_tables)
		*freed_tables = tables;
	if (freed_pages)
		*freed_pages = pages;
}

/* Copy the leaves of table t (level l, covering va upwards) into dst: see pt_copy_user_half. */
static int copy_level(phys_addr_t dst, const u64 *t, int l, u64 va, u64 *pages)
{
	for (unsigned i = 0; i < 512; i++) {
		u64 e = t[i], at = va + ((u64)i << LEVEL_SHIFT(l));
		if (!(e & PTE_P) && !(l == 0 && (e & PTE_PROTNONE)))
			continue;
		if (l > 0 && !(e & PTE_PS)) {
			if (copy_level(dst, table(e), l - 1, at, pages))
				return -1;
			continue;
		}
		u64 *d = walk_to(dst, at, l, true);
		if (!d)
			return -1;
		phys_addr_t pa = e & PTE_ADDR_MASK & ~((1ULL << LEVEL_SHIFT(l)) - 1);
		if (!(e & PTE_NOFREE)) {
			unsigned order = l ? 9 : 0;
			phys_addr_t n = pmm_alloc(order);
			if (n == PMM_FAIL)
				return -1;
			memcpy(phys_to_virt(n), phys_to_virt(pa), PAGE_SIZE << order);
			*pages += 1U << order;
			pa = n;
		}
		*d = pa | (e & ~PTE_ADDR_MASK) | (e & PTE_ADDR_MASK & ((1ULL << LEVEL_SHIFT(l)) - 1));
	}
	return 0;
}

/*
 * pt_copy_user_half - give dst (an empty user half) a private copy of src's user half: every
 * mapped frame (and every PTE_PROTNONE one) is duplicated with the same leaf flags; PTE_NOFREE
 * frames (the vDSO) are shared. 0, or -1 when out of memory (dst then holds a partial copy that
 * pt_free_user_half() releases). *copied_pages counts the frames allocated.
 */
int pt_copy_user_half(phys_addr_t dst, phys_addr_t src, u64 *copied_pages)
{
	u64 pages = 0;
	const u64 *k = table(root_of(src));
	int r = 0;
	for (unsigned i = 0; i < PML4_USER_SLOTS && !r; i++)
		if (k[i] & PTE_P)
			r = copy_level(root_of(dst), table(k[i]), 2, (u64)i << LEVEL_SHIFT(3), &pages);
	if (copied_pages)
		*copied_pages = pages;
	return r;
}

phys_addr_t pt_alloc_table(void)
{
	phys_addr_t p = pmm_alloc(0);
	if (p != PMM_FAIL)
		pt_tables_allocated++;
	return p;
}

void pt_free_table(phys_addr_t p)
{
	pmm_free(p, 0);
	pt_tables_allocated--;
}
