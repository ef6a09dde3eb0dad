/*
 * test_paging.c - kernel/mm/paging.c: building, walking and tearing down 4-level page tables.
 *
 * Physical memory is a 64 MiB arena managed by the real frame allocator (kernel/mm/pmm.c), so
 * every page table comes from pmm_alloc() and the tests can count frames exactly with
 * pmm_free_pages() and pt_tables_allocated. Physical addresses that are only *mapped* (the pa of
 * pt_map) are never touched by paging.c, so they need not be in the arena unless a test frees
 * them.
 *
 * The tests read the tables with their own walker (entry_at), independent of paging.c's.
 * Roots here are single PML4s (pgd_is_pair = false, as with CONFIG_PAGE_TABLE_ISOLATION=n);
 * test_pti.c covers the PML4 pair.
 */
#include <stdlib.h>
#include <string.h>

#include "unit.h"

#include "mm.h"
#include "paging.h"
#include "pmm.h"

/* ---- the arena and a fresh address space per test ----------------------------------------- */

#define ARENA_SIZE (64UL << 20)
#define MiB(x)     ((u64)(x) << 20)
#define FRAME(f)   ((phys_addr_t)(f) * PAGE_SIZE)

u8 *host_phys_base;
static phys_addr_t root;

static void setup(void)
{
	const struct pmm_region ram[] = { { MiB(1), ARENA_SIZE } };

	host_phys_base = aligned_alloc(LARGE_PAGE_SIZE, ARENA_SIZE);
	ck_assert_ptr_nonnull(host_phys_base);
	memset(host_phys_base, 0xa5, ARENA_SIZE);
	ck_assert_int_eq(pmm_init(ram, 1, NULL, 0), 0);
	pgd_is_pair = false;
	pti_enabled = false;
	pt_tables_allocated = 0;
	root = pmm_alloc(0);
	ck_assert_uint_ne(root, PMM_FAIL);
}

static void teardown(void)
{
	free(host_phys_base);
	host_phys_base = NULL;
}

/* ---- reading the tables ------------------------------------------------------------------- */

enum { PT = 0, PD = 1, PDPT = 2, PML4 = 3 };

static u64 *table_at(phys_addr_t p)
{
	return phys_to_virt(p & PTE_ADDR_MASK);
}

/* The entry for va in the table of `level`, or NULL if a table above it is missing (or a leaf). */
static u64 *entry_at(phys_addr_t r, u64 va, int level)
{
	u64 *t = table_at(r);

	for (int l = PML4; ; l--) {
		u64 *e = &t[(va >> (PAGE_SHIFT + 9 * l)) & 511];

		if (l == level)
			return e;
		if (!(*e & PTE_P) || (*e & PTE_PS))
			return NULL;
		t = table_at(*e);
	}
}

static u64 entry(phys_addr_t r, u64 va, int level)
{
	u64 *e = entry_at(r, va, level);

	ck_assert_msg(e != NULL, "no table at level %d for %#lx", level, (unsigned long)va);
	return *e;
}

static u64 flags_of(u64 e)
{
	return e & PTE_FLAGS_MASK;
}

static bool all_zero(const void *p, size_t n)
{
	const u8 *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

/* pt_walk must find va at pa with exactly these leaf flags. */
static void assert_mapped(u64 va, phys_addr_t pa, u64 flags)
{
	phys_addr_t got_pa = 0;
	u64 got_flags = 0;

	ck_assert_msg(pt_walk(root, va, &got_pa, &got_flags), "%#lx is not mapped", (unsigned long)va);
	ck_assert_msg(got_pa == pa, "%#lx maps %#lx, expected %#lx", (unsigned long)va,
		      (unsigned long)got_pa, (unsigned long)pa);
	ck_assert_msg(got_flags == flags, "%#lx has flags %#lx, expected %#lx", (unsigned long)va,
		      (unsigned long)got_flags, (unsigned long)flags);
}

static void assert_unmapped(u64 va)
{
	ck_assert_msg(!pt_walk(root, va, NULL, NULL), "%#lx is mapped", (unsigned long)va);
}

/* Addresses used below. */
#define UVA   USER_IMAGE_BASE                   /* 0x400000: 2 MiB aligned, user half */
#define UVA2  (USER_STACK_TOP64 - MiB(4))       /* another PML4 slot of the user half */
#define KVA   (DIRECT_MAP_BASE + MiB(6))        /* kernel half */
#define PA    MiB(40)                           /* 2 MiB aligned */

/* ---- map and walk ------------------------------------------------------------------------- */

START_TEST(test_map_4k)
{
	phys_addr_t pa = 0;
	u64 fl = 0;

	ck_assert_int_eq(pt_map(root, UVA, PA, PAGE_SIZE, PTE_W | PTE_U | PTE_NX), 0);
	assert_mapped(UVA, PA, PTE_P | PTE_W | PTE_U | PTE_NX);
	assert_mapped(UVA + 0x123, PA + 0x123, PTE_P | PTE_W | PTE_U | PTE_NX);
	assert_mapped(UVA + 0xfff, PA + 0xfff, PTE_P | PTE_W | PTE_U | PTE_NX);
	assert_unmapped(UVA - PAGE_SIZE);
	assert_unmapped(UVA + PAGE_SIZE);
	ck_assert(pt_walk(root, UVA, NULL, &fl) && fl == (PTE_P | PTE_W | PTE_U | PTE_NX));
	ck_assert(pt_walk(root, UVA, &pa, NULL) && pa == PA);
	/* A PDPT, a PD and a PT below the (existing) PML4. */
	ck_assert_uint_eq(pt_tables_allocated, 3);
	ck_assert_uint_eq(entry(root, UVA, PT), PA | PTE_P | PTE_W | PTE_U | PTE_NX);
}
END_TEST

START_TEST(test_map_2m)
{
	ck_assert_int_eq(pt_map(root, UVA, PA, 2 * LARGE_PAGE_SIZE, PTE_W | PTE_U), 0);
	assert_mapped(UVA, PA, PTE_P | PTE_W | PTE_U | PTE_PS);
	assert_mapped(UVA + 0x1fffff, PA + 0x1fffff, PTE_P | PTE_W | PTE_U | PTE_PS);
	assert_mapped(UVA + LARGE_PAGE_SIZE + 0x5005, PA + LARGE_PAGE_SIZE + 0x5005,
		      PTE_P | PTE_W | PTE_U | PTE_PS);
	assert_unmapped(UVA + 2 * LARGE_PAGE_SIZE);
	assert_unmapped(UVA - 1);
	ck_assert_uint_eq(entry(root, UVA, PD), PA | PTE_P | PTE_W | PTE_U | PTE_PS);
	ck_assert_uint_eq(pt_tables_allocated, 2);          /* a PDPT and a PD: no page table */
}
END_TEST

/* A 2 MiB page needs va and pa 2 MiB aligned and 2 MiB left to map; otherwise 4 KiB pages. */
START_TEST(test_map_2m_only_when_possible)
{
	const u64 va = UVA + LARGE_PAGE_SIZE - 3 * PAGE_SIZE, pa = va + MiB(32);
	const u64 f = PTE_P | PTE_W;

	/* Aligned, but 4 KiB short of 2 MiB. */
	ck_assert_int_eq(pt_map(root, UVA2, PA, LARGE_PAGE_SIZE - PAGE_SIZE, PTE_W), 0);
	ck_assert(!(entry(root, UVA2, PD) & PTE_PS));
	assert_mapped(UVA2 + LARGE_PAGE_SIZE - 2 * PAGE_SIZE, PA + LARGE_PAGE_SIZE - 2 * PAGE_SIZE, f);
	assert_unmapped(UVA2 + LARGE_PAGE_SIZE - PAGE_SIZE);

	/* va aligned, pa not. */
	ck_assert_int_eq(pt_map(root, UVA2 + LARGE_PAGE_SIZE, PA + PAGE_SIZE, LARGE_PAGE_SIZE, PTE_W), 0);
	ck_assert(!(entry(root, UVA2 + LARGE_PAGE_SIZE, PD) & PTE_PS));
	assert_mapped(UVA2 + 2 * LARGE_PAGE_SIZE - PAGE_SIZE, PA + LARGE_PAGE_SIZE, f);

	/* 3 pages up to a 2 MiB boundary, then a 2 MiB page, then 2 pages: the sizes mix. */
	ck_assert_int_eq(pt_map(root, va, pa, 3 * PAGE_SIZE + LARGE_PAGE_SIZE + 2 * PAGE_SIZE, PTE_W), 0);
	assert_mapped(va, pa, f);
	assert_mapped(va + 2 * PAGE_SIZE, pa + 2 * PAGE_SIZE, f);
	assert_mapped(va + 3 * PAGE_SIZE, pa + 3 * PAGE_SIZE, f | PTE_PS);
	assert_mapped(va + 3 * PAGE_SIZE + LARGE_PAGE_SIZE - 1, pa + 3 * PAGE_SIZE + LARGE_PAGE_SIZE - 1,
		      f | PTE_PS);
	assert_mapped(va + 3 * PAGE_SIZE + LARGE_PAGE_SIZE, pa + 3 * PAGE_SIZE + LARGE_PAGE_SIZE, f);
	assert_mapped(va + 4 * PAGE_SIZE + LARGE_PAGE_SIZE, pa + 4 * PAGE_SIZE + LARGE_PAGE_SIZE, f);
	assert_unmapped(va + 5 * PAGE_SIZE + LARGE_PAGE_SIZE);
	assert_unmapped(va - PAGE_SIZE);
}
END_TEST

/* PT_MAP_4K: 512 small pages where a large one would fit; neither it nor PS reaches a PTE. */
START_TEST(test_map_4k_forced)
{
	ck_assert_int_eq(pt_map(root, UVA, PA, LARGE_PAGE_SIZE, PTE_U | PT_MAP_4K | PTE_PS), 0);
	ck_assert_uint_eq(entry(root, UVA, PD) & PTE_PS, 0);
	for (u64 off = 0; off < LARGE_PAGE_SIZE; off += PAGE_SIZE)
		ck_assert_uint_eq(entry(root, UVA + off, PT), (PA + off) | PTE_P | PTE_U);
	ck_assert_uint_eq(pt_tables_allocated, 3);
}
END_TEST

/* The leaf carries exactly the flags asked for, plus P (and PS for a 2 MiB page). */
START_TEST(test_leaf_flags)
{
	static const u64 cases[] = {
		0, PTE_W, PTE_U, PTE_NX, PTE_PCD, PTE_PWT, PTE_PCD | PTE_PWT,
		PTE_W | PTE_U | PTE_NX, PTE_W | PTE_U | PTE_NX | PTE_PCD,
	};

	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		u64 va4 = UVA + i * PAGE_SIZE, va2 = UVA2 + i * LARGE_PAGE_SIZE;

		ck_assert_int_eq(pt_map(root, va4, PA + i * PAGE_SIZE, PAGE_SIZE, cases[i]), 0);
		ck_assert_int_eq(pt_map(root, va2, PA, LARGE_PAGE_SIZE, cases[i]), 0);
		assert_mapped(va4, PA + i * PAGE_SIZE, PTE_P | cases[i]);
		assert_mapped(va2, PA, PTE_P | PTE_PS | cases[i]);
	}
}
END_TEST

/* Mapping again replaces the leaf, without new tables. */
START_TEST(test_map_replaces)
{
	ck_assert_int_eq(pt_map(root, UVA, PA, PAGE_SIZE, PTE_W | PTE_U), 0);
	ck_assert_int_eq(pt_map(root, UVA, PA + MiB(2), PAGE_SIZE, PTE_NX), 0);
	assert_mapped(UVA, PA + MiB(2), PTE_P | PTE_NX);
	ck_assert_uint_eq(pt_tables_allocated, 3);
}
END_TEST

/*
 * Intermediate entries are permissive, the leaf decides: P|W, plus U in the user half, never NX
 * (no PML4 pair here, so no fail-safe either). A read-only, executable or supervisor leaf does
 * not change them.
 */
START_TEST(test_intermediate_permissive)
{
	ck_assert_int_eq(pt_map(root, UVA, PA, PAGE_SIZE, 0), 0);
	ck_assert_int_eq(pt_map(root, UVA2, PA, LARGE_PAGE_SIZE, PTE_NX), 0);
	ck_assert_int_eq(pt_map(root, KVA, PA, PAGE_SIZE, PTE_W | PTE_NX), 0);
	ck_assert_int_eq(pt_map(root, KVA + LARGE_PAGE_SIZE, PA, LARGE_PAGE_SIZE, 0), 0);

	for (int l = PML4; l >= PD; l--) {
		ck_assert_uint_eq(flags_of(entry(root, UVA, l)), PTE_P | PTE_W | PTE_U);
		ck_assert_uint_eq(flags_of(entry(root, KVA, l)), PTE_P | PTE_W);
	}
	for (int l = PML4; l >= PDPT; l--) {
		ck_assert_uint_eq(flags_of(entry(root, UVA2, l)), PTE_P | PTE_W | PTE_U);
		ck_assert_uint_eq(flags_of(entry(root, KVA + LARGE_PAGE_SIZE, l)), PTE_P | PTE_W);
	}
	/* Each intermediate entry points at a table the walk can use: the leaves are where expected. */
	ck_assert_uint_eq(entry(root, UVA, PT), PA | PTE_P);
	ck_assert_uint_eq(entry(root, KVA, PT), PA | PTE_P | PTE_W | PTE_NX);
}
END_TEST

/* ---- pt_protect --------------------------------------------------------------------------- */

START_TEST(test_protect)
{
	const u64 rw = PTE_P | PTE_W | PTE_U;

	ck_assert_int_eq(pt_map(root, UVA, PA, 4 * PAGE_SIZE, PTE_W | PTE_U | PT_MAP_4K), 0);
	ck_assert_int_eq(pt_protect(root, UVA + PAGE_SIZE, 2 * PAGE_SIZE, PTE_U | PTE_NX), 0);
	assert_mapped(UVA, PA, rw);
	assert_mapped(UVA + PAGE_SIZE, PA + PAGE_SIZE, PTE_P | PTE_U | PTE_NX);
	assert_mapped(UVA + 2 * PAGE_SIZE, PA + 2 * PAGE_SIZE, PTE_P | PTE_U | PTE_NX);
	assert_mapped(UVA + 3 * PAGE_SIZE, PA + 3 * PAGE_SIZE, rw);

	/* Back to writable and cache-disabled; still present, and the frame is unchanged. */
	ck_assert_int_eq(pt_protect(root, UVA + PAGE_SIZE, PAGE_SIZE, PTE_W | PTE_PCD | PTE_PWT), 0);
	assert_mapped(UVA + PAGE_SIZE, PA + PAGE_SIZE, PTE_P | PTE_W | PTE_PCD | PTE_PWT);
	/* No flags at all: present, read-only, supervisor, executable. */
	ck_assert_int_eq(pt_protect(root, UVA, PAGE_SIZE, 0), 0);
	assert_mapped(UVA, PA, PTE_P);
}
END_TEST

/* Only W, U, NX, PCD and PWT can change: not P, PS, G, software bits or the frame address. */
START_TEST(test_protect_ignores_other_bits)
{
	ck_assert_int_eq(pt_map(root, UVA, PA, PAGE_SIZE, PTE_W | PTE_NOFREE), 0);
	/* Every bit but W and PTE_PROTNONE (which asks for no access: its own test below). */
	ck_assert_int_eq(pt_protect(root, UVA, PAGE_SIZE, ~(u64)0 & ~PTE_W & ~PTE_PROTNONE), 0);
	assert_mapped(UVA, PA, PTE_P | PTE_U | PTE_NX | PTE_PCD | PTE_PWT | PTE_NOFREE);
}
END_TEST

/* PTE_PROTNONE: the page becomes not present but keeps its frame; rights can be given back, and
 * unmapping frees the frame either way. Only 4 KiB pages. */
START_TEST(test_protect_none)
{
	phys_addr_t frame = pmm_alloc(0);
	ck_assert_int_eq(pt_map(root, UVA, frame, PAGE_SIZE, PTE_W | PTE_U), 0);
	ck_assert_int_eq(pt_protect(root, UVA, PAGE_SIZE, PTE_PROTNONE), 0);
	ck_assert(!pt_walk(root, UVA, NULL, NULL));
	ck_assert_int_eq(pt_protect(root, UVA, PAGE_SIZE, PTE_U | PTE_NX), 0);
	assert_mapped(UVA, frame, PTE_P | PTE_U | PTE_NX);
	ck_assert_int_eq(pt_protect(root, UVA, PAGE_SIZE, PTE_PROTNONE), 0);
	ck_assert_uint_eq(pt_unmap(root, UVA, PAGE_SIZE, true), 1);
	ck_assert(!pmm_is_used(frame));                                      /* freed */
	ck_assert_int_eq(pt_protect(root, UVA, PAGE_SIZE, PTE_U), -1);      /* gone */
	ck_assert_int_eq(pt_map(root, UVA2, PA, LARGE_PAGE_SIZE, PTE_W | PTE_U), 0);
	ck_assert_int_eq(pt_protect(root, UVA2, LARGE_PAGE_SIZE, PTE_PROTNONE), -1);
	pt_unmap(root, UVA2, LARGE_PAGE_SIZE, false);
}
END_TEST

START_TEST(test_protect_2m)
{
	ck_assert_int_eq(pt_map(root, UVA, PA, LARGE_PAGE_SIZE, PTE_W | PTE_U), 0);
	ck_assert_int_eq(pt_protect(root, UVA, LARGE_PAGE_SIZE, PTE_U | PTE_NX), 0);
	assert_mapped(UVA + 0x1234, PA + 0x1234, PTE_P | PTE_PS | PTE_U | PTE_NX);
}
END_TEST

/* A hole in the range is an error. */
START_TEST(test_protect_hole)
{
	ck_assert_int_eq(pt_map(root, UVA, PA, PAGE_SIZE, PTE_W), 0);
	ck_assert_int_eq(pt_protect(root, UVA + PAGE_SIZE, PAGE_SIZE, 0), -1);
	ck_assert_int_eq(pt_protect(root, UVA2, PAGE_SIZE, 0), -1);     /* no tables at all */
}
END_TEST

/* ---- pt_unmap ----------------------------------------------------------------------------- */

/* One range of 3 small pages, a large one and 2 small ones; unmapped in one call. */
START_TEST(test_unmap_both_sizes)
{
	const u64 va = UVA + LARGE_PAGE_SIZE - 3 * PAGE_SIZE, pa = va + MiB(32);
	const u64 size = 3 * PAGE_SIZE + LARGE_PAGE_SIZE + 2 * PAGE_SIZE;
	u64 tables;

	ck_assert_int_eq(pt_map(root, va, pa, size, PTE_W), 0);
	ck_assert(entry(root, va + 3 * PAGE_SIZE, PD) & PTE_PS);
	tables = pt_tables_allocated;
	/* A page more on either side: holes count for nothing. */
	ck_assert_uint_eq(pt_unmap(root, va - PAGE_SIZE, size + 2 * PAGE_SIZE, false), 3 + 512 + 2);
	for (u64 off = 0; off < size; off += PAGE_SIZE)
		assert_unmapped(va + off);
	ck_assert_uint_eq(pt_tables_allocated, tables);     /* the tables stay for reuse */
	ck_assert_uint_eq(pt_unmap(root, va, size, false), 0);
}
END_TEST

/* Unmapping part of a range leaves the rest. */
START_TEST(test_unmap_part)
{
	ck_assert_int_eq(pt_map(root, UVA, PA, 8 * PAGE_SIZE, PTE_W | PT_MAP_4K), 0);
	ck_assert_uint_eq(pt_unmap(root, UVA + 2 * PAGE_SIZE, 3 * PAGE_SIZE, false), 3);
	assert_mapped(UVA + PAGE_SIZE, PA + PAGE_SIZE, PTE_P | PTE_W);
	assert_unmapped(UVA + 2 * PAGE_SIZE);
	assert_unmapped(UVA + 4 * PAGE_SIZE);
	assert_mapped(UVA + 5 * PAGE_SIZE, PA + 5 * PAGE_SIZE, PTE_P | PTE_W);
}
END_TEST

/* free_frames: the frames go back to the allocator, except PTE_NOFREE ones. */
START_TEST(test_unmap_frees_frames)
{
	phys_addr_t small[3], large, nofree;
	u64 before;

	for (int i = 0; i < 3; i++)
		small[i] = pmm_alloc(0);
	large = pmm_alloc(9);
	nofree = pmm_alloc(0);
	ck_assert_uint_ne(large, PMM_FAIL);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(pt_map(root, UVA + i * PAGE_SIZE, small[i], PAGE_SIZE, PTE_W), 0);
	ck_assert_int_eq(pt_map(root, UVA + 3 * PAGE_SIZE, nofree, PAGE_SIZE, PTE_NOFREE), 0);
	ck_assert_int_eq(pt_map(root, UVA2, large, LARGE_PAGE_SIZE, PTE_W), 0);
	before = pmm_free_pages();

	/* Without free_frames nothing is freed. */
	ck_assert_uint_eq(pt_unmap(root, UVA + 2 * PAGE_SIZE, PAGE_SIZE, false), 1);
	ck_assert_uint_eq(pmm_free_pages(), before);
	ck_assert(pmm_is_used(small[2]));

	ck_assert_uint_eq(pt_unmap(root, UVA, 4 * PAGE_SIZE, true), 3);
	ck_assert_uint_eq(pt_unmap(root, UVA2, LARGE_PAGE_SIZE, true), 512);
	ck_assert_uint_eq(pmm_free_pages(), before + 2 + 512);
	ck_assert(!pmm_is_used(small[0]) && !pmm_is_used(small[1]));
	ck_assert(!pmm_is_used(large) && !pmm_is_used(large + LARGE_PAGE_SIZE - PAGE_SIZE));
	ck_assert(pmm_is_used(nofree));
	ck_assert(pmm_is_used(small[2]));                   /* unmapped earlier without freeing */
}
END_TEST

/* ---- pt_free_user_half -------------------------------------------------------------------- */

/*
 * An address space with 4 KiB and 2 MiB pages in two PML4 slots of the user half, a PTE_NOFREE
 * page (like the vDSO) and a kernel-half mapping. pt_free_user_half frees every user table and
 * frame, reports how many, and leaves the NOFREE frame and the kernel half alone.
 */
START_TEST(test_free_user_half)
{
	phys_addr_t nofree = pmm_alloc(0), kframe = pmm_alloc(0), large;
	u64 before = pmm_free_pages(), tables = 0, pages = 0, kernel_tables;

	/* The kernel half first, to count its tables apart. */
	ck_assert_int_eq(pt_map(root, KVA, kframe, PAGE_SIZE, PTE_W | PTE_NX), 0);
	kernel_tables = pt_tables_allocated;
	ck_assert_uint_eq(kernel_tables, 3);

	/* 20 pages spread over two page tables, one 2 MiB page, one NOFREE page. */
	for (u64 i = 0; i < 20; i++) {
		u64 va = UVA + (i < 10 ? 0 : LARGE_PAGE_SIZE) + i * PAGE_SIZE;

		ck_assert_int_eq(pt_map(root, va, pmm_alloc(0), PAGE_SIZE, PTE_W | PTE_U), 0);
	}
	large = pmm_alloc(9);
	ck_assert_int_eq(pt_map(root, UVA2, large, LARGE_PAGE_SIZE, PTE_W | PTE_U), 0);
	ck_assert_int_eq(pt_map(root, UVA2 + LARGE_PAGE_SIZE, nofree, PAGE_SIZE, PTE_U | PTE_NOFREE), 0);
	/* User tables: slot 0: PDPT, PD, 2 PTs; the stack slot: PDPT, PD, 1 PT. */
	ck_assert_uint_eq(pt_tables_allocated - kernel_tables, 7);

	pt_free_user_half(root, &tables, &pages);
	ck_assert_uint_eq(tables, 7);
	ck_assert_uint_eq(pages, 20 + 512);
	ck_assert_uint_eq(pt_tables_allocated, kernel_tables);
	/* Every frame is back, but the kernel half's tables. */
	ck_assert_uint_eq(pmm_free_pages(), before - kernel_tables);
	ck_assert(pmm_is_used(nofree));
	ck_assert(all_zero(table_at(root), PML4_USER_SLOTS * sizeof(u64)));
	assert_unmapped(UVA);
	assert_unmapped(UVA2);
	assert_mapped(KVA, kframe, PTE_P | PTE_W | PTE_NX);

	/* Again, on an empty user half, with no counters wanted. */
	pt_free_user_half(root, NULL, NULL);
	ck_assert_uint_eq(pmm_free_pages(), before - kernel_tables);
}
END_TEST

/* fork's copy: private frames with the same contents and leaf flags, NOFREE frames shared,
 * PROTNONE pages copied, the kernel half untouched, and a full release afterwards. */
START_TEST(test_copy_user_half)
{
	phys_addr_t nofree = pmm_alloc(0), kframe = pmm_alloc(0), large = pmm_alloc(9), dst;
	u64 pages = 0, leaf_flags[3] = { PTE_W | PTE_U, PTE_U | PTE_NX, PTE_U };

	ck_assert_int_eq(pt_map(root, KVA, kframe, PAGE_SIZE, PTE_W | PTE_NX), 0);
	for (u64 i = 0; i < 3; i++) {
		phys_addr_t f = pmm_alloc(0);

		memset(phys_to_virt(f), 0x10 + (int)i, PAGE_SIZE);
		ck_assert_int_eq(pt_map(root, UVA + i * PAGE_SIZE, f, PAGE_SIZE, leaf_flags[i] | PT_MAP_4K), 0);
	}
	ck_assert_int_eq(pt_protect(root, UVA + 2 * PAGE_SIZE, PAGE_SIZE, PTE_U | PTE_PROTNONE), 0);
	memset(phys_to_virt(large), 0x77, LARGE_PAGE_SIZE);
	ck_assert_int_eq(pt_map(root, UVA2, large, LARGE_PAGE_SIZE, PTE_W | PTE_U), 0);
	ck_assert_int_eq(pt_map(root, UVA2 + LARGE_PAGE_SIZE, nofree, PAGE_SIZE, PTE_U | PTE_NOFREE), 0);

	dst = pmm_alloc(0);
	memset(table_at(dst), 0, PAGE_SIZE);
	u64 before = pmm_free_pages();
	ck_assert_int_eq(pt_copy_user_half(dst, root, &pages), 0);
	ck_assert_uint_eq(pages, 3 + 512);

	for (u64 i = 0; i < 3; i++) {
		u64 va = UVA + i * PAGE_SIZE;
		u64 *s = entry_at(root, va, PT), *d = entry_at(dst, va, PT);

		ck_assert_ptr_nonnull(d);
		ck_assert_uint_ne(*s & PTE_ADDR_MASK, *d & PTE_ADDR_MASK);
		ck_assert_uint_eq(*s & ~PTE_ADDR_MASK, *d & ~PTE_ADDR_MASK);
		ck_assert(memcmp(phys_to_virt(*s & PTE_ADDR_MASK), phys_to_virt(*d & PTE_ADDR_MASK), PAGE_SIZE) == 0);
		ck_assert_uint_eq(((u8 *)phys_to_virt(*d & PTE_ADDR_MASK))[100], 0x10 + i);
	}
	ck_assert(!(*entry_at(dst, UVA + 2 * PAGE_SIZE, PT) & PTE_P));
	u64 *dl = entry_at(dst, UVA2, PD);
	ck_assert(*dl & PTE_PS);
	ck_assert_uint_ne(*dl & PTE_ADDR_MASK, large);
	ck_assert(memcmp(phys_to_virt(*dl & PTE_ADDR_MASK), phys_to_virt(large), LARGE_PAGE_SIZE) == 0);
	ck_assert_uint_eq(*entry_at(dst, UVA2 + LARGE_PAGE_SIZE, PT) & PTE_ADDR_MASK, nofree);
	ck_assert_ptr_null(entry_at(dst, KVA, PT));

	/* A write to the copy does not reach the original. */
	((u8 *)phys_to_virt(*entry_at(dst, UVA, PT) & PTE_ADDR_MASK))[0] = 0x99;
	ck_assert_uint_eq(((u8 *)phys_to_virt(*entry_at(root, UVA, PT) & PTE_ADDR_MASK))[0], 0x10);

	u64 tables = 0, freed = 0;
	pt_free_user_half(dst, &tables, &freed);
	ck_assert_uint_eq(freed, pages);
	ck_assert_uint_eq(pmm_free_pages(), before);
	ck_assert(pmm_is_used(nofree));
}
END_TEST

/* ---- errors ------------------------------------------------------------------------------- */

/* Misaligned va, pa or size: rejected before anything is allocated or mapped. */
START_TEST(test_misaligned_rejected)
{
	ck_assert_int_eq(pt_map(root, UVA + 1, PA, PAGE_SIZE, PTE_W), -1);
	ck_assert_int_eq(pt_map(root, UVA + 0x800, PA, PAGE_SIZE, PTE_W), -1);
	ck_assert_int_eq(pt_map(root, UVA, PA + 0x10, PAGE_SIZE, PTE_W), -1);
	ck_assert_int_eq(pt_map(root, UVA, PA, PAGE_SIZE + 1, PTE_W), -1);
	ck_assert_int_eq(pt_map(root, UVA, PA, LARGE_PAGE_SIZE - 0x800, PTE_W), -1);
	ck_assert_uint_eq(pt_tables_allocated, 0);
	ck_assert(all_zero(table_at(root), PAGE_SIZE));
	/* An empty range is no error and maps nothing. */
	ck_assert_int_eq(pt_map(root, UVA, PA, 0, PTE_W), 0);
	ck_assert_uint_eq(pt_tables_allocated, 0);
}
END_TEST

/* A 4 KiB page cannot go where a 2 MiB page is. */
START_TEST(test_large_page_in_the_way)
{
	ck_assert_int_eq(pt_map(root, UVA, PA, LARGE_PAGE_SIZE, PTE_W), 0);
	ck_assert_int_eq(pt_map(root, UVA + PAGE_SIZE, PA, PAGE_SIZE, PTE_NX), -1);
	assert_mapped(UVA + PAGE_SIZE, PA + PAGE_SIZE, PTE_P | PTE_W | PTE_PS);
}
END_TEST

/* A 2 MiB request over an existing page table fills the table with 4 KiB pages instead. */
START_TEST(test_large_over_page_table)
{
	ck_assert_int_eq(pt_map(root, UVA + PAGE_SIZE, PA, PAGE_SIZE, PTE_W), 0);
	ck_assert_int_eq(pt_map(root, UVA, PA + MiB(2), LARGE_PAGE_SIZE, PTE_U), 0);
	ck_assert_uint_eq(entry(root, UVA, PD) & PTE_PS, 0);
	for (u64 off = 0; off < LARGE_PAGE_SIZE; off += PAGE_SIZE)
		assert_mapped(UVA + off, PA + MiB(2) + off, PTE_P | PTE_U);
	ck_assert_uint_eq(pt_tables_allocated, 3);
}
END_TEST

/* No memory for a table: pt_map fails. */
START_TEST(test_map_out_of_memory)
{
	while (pmm_alloc(0) != PMM_FAIL)
		;
	ck_assert_int_eq(pt_map(root, UVA, PA, PAGE_SIZE, PTE_W), -1);
	ck_assert_uint_eq(pt_tables_allocated, 0);
	assert_unmapped(UVA);
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("paging");
	TCase *tc;

	tc = tcase_create("map");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_map_4k);
	tcase_add_test(tc, test_copy_user_half);
	tcase_add_test(tc, test_map_2m);
	tcase_add_test(tc, test_map_2m_only_when_possible);
	tcase_add_test(tc, test_map_4k_forced);
	tcase_add_test(tc, test_leaf_flags);
	tcase_add_test(tc, test_map_replaces);
	tcase_add_test(tc, test_intermediate_permissive);
	suite_add_tcase(s, tc);

	tc = tcase_create("protect");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_protect);
	tcase_add_test(tc, test_protect_ignores_other_bits);
	tcase_add_test(tc, test_protect_none);
	tcase_add_test(tc, test_protect_2m);
	tcase_add_test(tc, test_protect_hole);
	suite_add_tcase(s, tc);

	tc = tcase_create("unmap");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_unmap_both_sizes);
	tcase_add_test(tc, test_unmap_part);
	tcase_add_test(tc, test_unmap_frees_frames);
	tcase_add_test(tc, test_free_user_half);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_misaligned_rejected);
	tcase_add_test(tc, test_large_page_in_the_way);
	tcase_add_test(tc, test_large_over_page_table);
	tcase_add_test(tc, test_map_out_of_memory);
	suite_add_tcase(s, tc);

	return s;
}
