/*
 * test_pmm.c - kernel/mm/pmm.c: the bitmap frame allocator.
 *
 * "Physical memory" is a 64 MiB arena (mm.h's HOST_TEST phys_to_virt: physical 0 is its first
 * byte). Every test describes its own RAM and reserved ranges inside it and calls pmm_init(), so
 * the tests are independent of each other (also with CK_FORK=no). The arena is filled with a
 * pattern first, so that the tests can see which bytes the allocator wrote: the bitmap, and the
 * zeroing of the frames it hands out.
 *
 * A frame is named by its number f (physical address f * PAGE_SIZE) in the comments.
 */
#include <stdlib.h>
#include <string.h>

#include "unit.h"

#include "mm.h"
#include "pmm.h"

/* ---- the arena ---------------------------------------------------------------------------- */

#define ARENA_SIZE   (64UL << 20)
#define ARENA_FRAMES (ARENA_SIZE / PAGE_SIZE)
#define POISON       0xa5

u8 *host_phys_base;

static void setup(void)
{
	host_phys_base = aligned_alloc(LARGE_PAGE_SIZE, ARENA_SIZE);
	ck_assert_ptr_nonnull(host_phys_base);
	memset(host_phys_base, POISON, ARENA_SIZE);
}

static void teardown(void)
{
	free(host_phys_base);
	host_phys_base = NULL;
}

#define KiB(x) ((u64)(x) << 10)
#define MiB(x) ((u64)(x) << 20)
#define FRAME(f) ((phys_addr_t)(f) * PAGE_SIZE)

static void init_or_fail(const struct pmm_region *ram, unsigned nram,
			 const struct pmm_region *reserved, unsigned nreserved)
{
	ck_assert_int_eq(pmm_init(ram, nram, reserved, nreserved), 0);
}

/* One RAM range, nothing reserved (the bitmap then takes the range's first whole page). */
static void init_simple(u64 start, u64 end)
{
	const struct pmm_region ram[] = { { start, end } };

	init_or_fail(ram, 1, NULL, 0);
}

static bool in_regions(phys_addr_t a0, phys_addr_t a1, const struct pmm_region *r, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (a0 < r[i].end && r[i].start < a1)
			return true;
	return false;
}

static bool inside_one(phys_addr_t a0, phys_addr_t a1, const struct pmm_region *r, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (r[i].start <= a0 && a1 <= r[i].end)
			return true;
	return false;
}

/*
 * Allocate single frames until the allocator says no. Checks that no frame comes twice and
 * returns how many there were; seen[f] is set for every frame handed out.
 */
static u64 drain(bool seen[ARENA_FRAMES])
{
	u64 n = 0;
	phys_addr_t p;

	memset(seen, 0, ARENA_FRAMES * sizeof(seen[0]));
	while ((p = pmm_alloc(0)) != PMM_FAIL) {
		ck_assert_uint_eq(p % PAGE_SIZE, 0);
		ck_assert_uint_lt(p / PAGE_SIZE, ARENA_FRAMES);
		ck_assert_msg(!seen[p / PAGE_SIZE], "frame %#lx handed out twice", (unsigned long)p);
		seen[p / PAGE_SIZE] = true;
		n++;
	}
	return n;
}

static bool seen_frames[ARENA_FRAMES];

static bool all_bytes(const u8 *p, size_t n, u8 v)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != v)
			return false;
	return true;
}

/* ---- initialisation ----------------------------------------------------------------------- */

/*
 * A PC-like map: conventional memory with its first pages reserved, then RAM from 1 MiB with the
 * kernel image and a boot module (whose ends are not page aligned) reserved.
 */
static const struct pmm_region pc_ram[] = {
	{ KiB(4), KiB(636) },                   /* frames 0x1..0x9e */
	{ MiB(1), MiB(32) },                    /* frames 0x100..0x1fff */
};
static const struct pmm_region pc_reserved[] = {
	{ KiB(4), KiB(12) },                    /* frames 0x1, 0x2 */
	{ MiB(1), MiB(4) },                     /* the kernel: frames 0x100..0x3ff */
	{ 0x800800, 0x801800 },                 /* a module: touches frames 0x800 and 0x801 */
};
#define PC_BITMAP   KiB(12)                 /* the first page of RAM that is not reserved */
#define PC_FREE     ((0x9f - 0x1 - 2 - 1) + (0x2000 - 0x100 - 0x300 - 2))

START_TEST(test_init_counts)
{
	init_or_fail(pc_ram, 2, pc_reserved, 3);
	ck_assert_uint_eq(pmm_total_pages(), PC_FREE);
	ck_assert_uint_eq(pmm_free_pages(), PC_FREE);
}
END_TEST

/* Exactly the frames inside RAM, outside every reserved range and the bitmap, are handed out. */
START_TEST(test_init_hands_out_exactly_free_ram)
{
	const struct pmm_region bitmap[] = { { PC_BITMAP, PC_BITMAP + PAGE_SIZE } };

	init_or_fail(pc_ram, 2, pc_reserved, 3);
	ck_assert_uint_eq(drain(seen_frames), PC_FREE);
	for (u64 f = 0; f < ARENA_FRAMES; f++) {
		phys_addr_t a0 = FRAME(f), a1 = a0 + PAGE_SIZE;
		bool expect = inside_one(a0, a1, pc_ram, 2) && !in_regions(a0, a1, pc_reserved, 3) &&
			      !in_regions(a0, a1, bitmap, 1);

		ck_assert_msg(seen_frames[f] == expect, "frame %#lx: handed out %d, expected %d",
			      (unsigned long)f, seen_frames[f], expect);
	}
	ck_assert_uint_eq(pmm_free_pages(), 0);
}
END_TEST

/* pmm_is_used: reserved frames, holes between RAM ranges and the bitmap are in use. */
START_TEST(test_init_is_used)
{
	init_or_fail(pc_ram, 2, pc_reserved, 3);
	ck_assert(pmm_is_used(0));                  /* below the first RAM range */
	ck_assert(pmm_is_used(FRAME(0x1)));         /* reserved */
	ck_assert(pmm_is_used(FRAME(0x2) + 0x123)); /* any address in the frame */
	ck_assert(pmm_is_used(PC_BITMAP));
	ck_assert(!pmm_is_used(FRAME(0x4)));
	ck_assert(!pmm_is_used(FRAME(0x9e)));
	ck_assert(pmm_is_used(FRAME(0x9f)));        /* the hole up to 1 MiB */
	ck_assert(pmm_is_used(FRAME(0xff)));
	ck_assert(pmm_is_used(FRAME(0x100)));       /* the kernel */
	ck_assert(pmm_is_used(FRAME(0x3ff)));
	ck_assert(!pmm_is_used(FRAME(0x400)));
	ck_assert(!pmm_is_used(FRAME(0x7ff)));
	ck_assert(pmm_is_used(FRAME(0x800)));       /* both frames the module touches */
	ck_assert(pmm_is_used(FRAME(0x801)));
	ck_assert(!pmm_is_used(FRAME(0x802)));
	ck_assert(!pmm_is_used(FRAME(0x1fff)));
}
END_TEST

/* The bitmap lives in RAM, is itself marked in use, and has one bit per frame, 1 = in use. */
START_TEST(test_init_bitmap_in_ram)
{
	const u64 *bm = (const u64 *)phys_to_virt(PC_BITMAP);

	init_or_fail(pc_ram, 2, pc_reserved, 3);
	ck_assert(pmm_is_used(PC_BITMAP));
	ck_assert_uint_eq(bm[0], 0xf);          /* frames 0 (no RAM), 1-2 (reserved), 3 (bitmap) */
	ck_assert_uint_eq(bm[0x800 / 64], 0x3); /* the module's two frames */
	/* 8192 frames need 1 KiB of bitmap: the rest of its page is left alone... */
	ck_assert(all_bytes((const u8 *)bm + 1024, PAGE_SIZE - 1024, 0xff));
	/* ...and the allocator wrote nothing in the pages next to it. */
	ck_assert(all_bytes(phys_to_virt(PC_BITMAP + PAGE_SIZE), PAGE_SIZE, POISON));
	ck_assert(all_bytes(phys_to_virt(PC_BITMAP - PAGE_SIZE), PAGE_SIZE, POISON));
}
END_TEST

/* The bitmap goes in the first RAM range with room for it outside every reserved range. */
START_TEST(test_init_bitmap_placement)
{
	const struct pmm_region ram[] = {
		{ 0x800, 0x1800 },          /* no whole page */
		{ KiB(64), KiB(72) },       /* two pages, both reserved below */
		{ MiB(1), MiB(2) },
	};
	const struct pmm_region reserved[] = { { KiB(64), KiB(72) }, { MiB(1), MiB(1) + 0x10 } };

	init_or_fail(ram, 3, reserved, 2);
	/* The first page of the third range is reserved (partly): the bitmap takes its second page. */
	ck_assert(pmm_is_used(MiB(1) + PAGE_SIZE));
	ck_assert_uint_eq(pmm_total_pages(), 256 - 2);
	ck_assert_uint_eq(drain(seen_frames), 256 - 2);
	ck_assert(!seen_frames[MiB(1) / PAGE_SIZE] && !seen_frames[MiB(1) / PAGE_SIZE + 1]);
}
END_TEST

/* Only whole frames of RAM are free: the partial pages at the ends of a range are never used. */
START_TEST(test_init_partial_pages)
{
	init_simple(MiB(1) + 0x800, MiB(1) + KiB(512) + 0x800);     /* frames 0x100.5 .. 0x180.5 */
	/* Whole frames 0x101..0x17f; the first one holds the bitmap. */
	ck_assert_uint_eq(pmm_total_pages(), 0x7f - 1);
	ck_assert(pmm_is_used(FRAME(0x100)));
	ck_assert(pmm_is_used(FRAME(0x101)));        /* the bitmap */
	ck_assert(!pmm_is_used(FRAME(0x102)));
	ck_assert(!pmm_is_used(FRAME(0x17f)));
	/* (Frame 0x180 is past the bitmap's end, so pmm_is_used cannot tell: drain() shows it.) */
	ck_assert_uint_eq(drain(seen_frames), 0x7f - 1);
	ck_assert(!seen_frames[0x100] && !seen_frames[0x180]);
}
END_TEST

/* No RAM outside the reserved ranges: there is nowhere to put the bitmap. */
START_TEST(test_init_no_room)
{
	const struct pmm_region ram[] = { { MiB(1), MiB(2) } };
	const struct pmm_region reserved[] = { { MiB(1), MiB(2) } };

	ck_assert_int_eq(pmm_init(ram, 1, reserved, 1), -1);
}
END_TEST

/* pmm_init can be called again: it starts from scratch. */
START_TEST(test_init_again)
{
	init_simple(MiB(1), MiB(2));
	ck_assert_uint_ne(pmm_alloc(3), PMM_FAIL);
	init_simple(MiB(4), MiB(8));
	ck_assert_uint_eq(pmm_total_pages(), 1024 - 1);
	ck_assert_uint_eq(pmm_free_pages(), 1024 - 1);
	ck_assert_uint_ge(pmm_alloc(0), MiB(4));
}
END_TEST

/* ---- allocation --------------------------------------------------------------------------- */

/* Blocks of 2^order frames are aligned to their size, even when the lowest free frame is not. */
START_TEST(test_alloc_orders_aligned)
{
	phys_addr_t p0;

	init_simple(MiB(1), MiB(32));               /* the bitmap takes frame 0x100 */
	p0 = pmm_alloc(0);
	ck_assert_uint_eq(p0, FRAME(0x101));        /* the lowest free frame: odd */
	for (unsigned order = 0; order <= 9; order++) {
		u64 before = pmm_free_pages(), n = 1ULL << order;
		phys_addr_t p = pmm_alloc(order);

		ck_assert_msg(p != PMM_FAIL, "order %u", order);
		ck_assert_msg(p % (PAGE_SIZE << order) == 0, "order %u at %#lx", order, (unsigned long)p);
		ck_assert(p >= MiB(1) && p + n * PAGE_SIZE <= MiB(32));
		ck_assert_uint_eq(pmm_free_pages(), before - n);
		for (u64 i = 0; i < n; i++)
			ck_assert(pmm_is_used(p + i * PAGE_SIZE));
	}
}
END_TEST

/* The frames handed out are zeroed, and only they: the allocator writes nothing past the block. */
START_TEST(test_alloc_zeroed)
{
	init_simple(MiB(1), MiB(8));
	for (unsigned order = 0; order <= 9; order++) {
		phys_addr_t p = pmm_alloc(order);
		u64 size = PAGE_SIZE << order;

		ck_assert_uint_ne(p, PMM_FAIL);
		ck_assert_msg(all_bytes(phys_to_virt(p), size, 0), "order %u not zeroed", order);
		ck_assert_msg(all_bytes(phys_to_virt(p + size), PAGE_SIZE, POISON),
			      "order %u: the frame after the block was written", order);
	}
}
END_TEST

/* A freed frame is dirty; allocated again, it is zeroed again. */
START_TEST(test_alloc_zeroed_after_reuse)
{
	phys_addr_t p, q;

	init_simple(MiB(1), MiB(8));
	p = pmm_alloc(2);
	memset(phys_to_virt(p), 0x5a, 4 * PAGE_SIZE);
	pmm_free(p, 2);
	q = pmm_alloc(2);
	ck_assert_uint_eq(q, p);
	ck_assert(all_bytes(phys_to_virt(q), 4 * PAGE_SIZE, 0));
}
END_TEST

/* Exhaustion: a request nothing can satisfy returns PMM_FAIL and changes nothing. */
START_TEST(test_alloc_exhaustion)
{
	phys_addr_t big;

	init_simple(MiB(1), MiB(1) + 64 * PAGE_SIZE);   /* frames 0x100..0x13f; 0x100 is the bitmap */
	ck_assert_uint_eq(pmm_free_pages(), 63);
	ck_assert_uint_eq(pmm_alloc(6), PMM_FAIL);       /* 64 frames: there are only 63 */
	ck_assert_uint_eq(pmm_alloc(10), PMM_FAIL);
	ck_assert_uint_eq(pmm_free_pages(), 63);
	big = pmm_alloc(5);                              /* the only free aligned 32: 0x120..0x13f */
	ck_assert_uint_eq(big, FRAME(0x120));
	ck_assert_uint_eq(pmm_alloc(5), PMM_FAIL);
	ck_assert_uint_eq(drain(seen_frames), 31);
	ck_assert_uint_eq(pmm_free_pages(), 0);
	for (unsigned order = 0; order <= 9; order++)
		ck_assert_uint_eq(pmm_alloc(order), PMM_FAIL);
	/* Free one frame: it is found again, wherever the search hint is. */
	pmm_free(FRAME(0x10f), 0);
	ck_assert_uint_eq(pmm_free_pages(), 1);
	ck_assert_uint_eq(pmm_alloc(0), FRAME(0x10f));
	ck_assert_uint_eq(pmm_alloc(0), PMM_FAIL);
}
END_TEST

/* free + alloc: the freed frame comes back, counts stay exact. */
START_TEST(test_free_realloc)
{
	phys_addr_t a, b, c;
	u64 total;

	init_simple(MiB(1), MiB(4));
	total = pmm_free_pages();
	a = pmm_alloc(0);
	b = pmm_alloc(0);
	c = pmm_alloc(0);
	ck_assert(a != b && b != c && a != c);
	ck_assert_uint_eq(pmm_free_pages(), total - 3);
	pmm_free(b, 0);
	ck_assert(!pmm_is_used(b));
	ck_assert_uint_eq(pmm_free_pages(), total - 2);
	ck_assert_uint_eq(pmm_alloc(0), b);         /* the search starts again at the freed frame */
	pmm_free(a, 0);
	pmm_free(b, 0);
	pmm_free(c, 0);
	ck_assert_uint_eq(pmm_free_pages(), total);
	ck_assert_uint_eq(pmm_total_pages(), total);
}
END_TEST

/*
 * Fragmentation. Free frames, after draining 0x101..0x10f: 0x103 alone, 0x106-0x107 (an aligned
 * pair) and 0x109-0x10a (a pair, but not aligned). An order-1 request skips the single frame and
 * takes 0x106; the next one fails although two adjacent frames are still free.
 */
START_TEST(test_alloc_fragmentation)
{
	init_simple(MiB(1), MiB(1) + 16 * PAGE_SIZE);
	ck_assert_uint_eq(drain(seen_frames), 15);
	pmm_free(FRAME(0x103), 0);
	pmm_free(FRAME(0x106), 0);
	pmm_free(FRAME(0x107), 0);
	pmm_free(FRAME(0x109), 0);
	pmm_free(FRAME(0x10a), 0);
	ck_assert_uint_eq(pmm_free_pages(), 5);
	ck_assert_uint_eq(pmm_alloc(1), FRAME(0x106));
	ck_assert_uint_eq(pmm_alloc(1), PMM_FAIL);
	ck_assert_uint_eq(pmm_free_pages(), 3);
	ck_assert_uint_eq(drain(seen_frames), 3);
	ck_assert(seen_frames[0x103] && seen_frames[0x109] && seen_frames[0x10a]);
}
END_TEST

/* Freeing what is already free changes nothing: no double count, no frame handed out twice. */
START_TEST(test_double_free)
{
	phys_addr_t a, b, blk;
	u64 total;

	init_simple(MiB(1), MiB(4));
	total = pmm_free_pages();
	a = pmm_alloc(0);
	pmm_free(a, 0);
	pmm_free(a, 0);
	ck_assert_uint_eq(pmm_free_pages(), total);
	a = pmm_alloc(0);
	b = pmm_alloc(0);
	ck_assert_uint_ne(a, b);
	ck_assert_uint_eq(pmm_free_pages(), total - 2);

	/* A block whose first half was already freed: only the second half counts. */
	blk = pmm_alloc(1);
	pmm_free(blk, 0);
	ck_assert_uint_eq(pmm_free_pages(), total - 3);
	pmm_free(blk, 1);
	ck_assert_uint_eq(pmm_free_pages(), total - 2);
	ck_assert(!pmm_is_used(blk) && !pmm_is_used(blk + PAGE_SIZE));
}
END_TEST

/*
 * Random allocations and frees of orders 0..5 against a model of the bitmap. After every step the
 * free count is exact; every block is aligned and was free; and an allocation fails only when the
 * model has no free aligned block of that size anywhere (first fit misses nothing).
 */
#define RAND_FRAMES 2048                            /* RAM: frames 0x100..0x8ff */
#define RAND_BASE   0x100
#define RAND_LIVE   256

static bool model_used[RAND_FRAMES];

static bool model_has_block(unsigned order)
{
	u64 n = 1ULL << order;

	for (u64 f = ALIGN_UP((u64)RAND_BASE, n); f + n <= RAND_BASE + RAND_FRAMES; f += n) {
		u64 i = 0;

		while (i < n && !model_used[f + i - RAND_BASE])
			i++;
		if (i == n)
			return true;
	}
	return false;
}

START_TEST(test_alloc_free_random)
{
	struct { phys_addr_t p; unsigned order; } live[RAND_LIVE];
	unsigned nlive = 0;
	u64 seed = 0x9e3779b97f4a7c15ULL, model_free = RAND_FRAMES - 1;

	init_simple(FRAME(RAND_BASE), FRAME(RAND_BASE + RAND_FRAMES));
	memset(model_used, 0, sizeof(model_used));
	model_used[0] = true;                               /* the bitmap */
	ck_assert_uint_eq(pmm_free_pages(), model_free);

	for (int step = 0; step < 4000; step++) {
		bool do_alloc = nlive == 0 || (nlive < RAND_LIVE && unit_rand_below(&seed, 100) < 55);

		if (do_alloc) {
			unsigned order = (unsigned)unit_rand_below(&seed, 6);
			u64 n = 1ULL << order;
			phys_addr_t p = pmm_alloc(order);

			if (p == PMM_FAIL) {
				ck_assert_msg(!model_has_block(order), "step %d: order %u failed", step, order);
				continue;
			}
			ck_assert_uint_eq(p % (PAGE_SIZE << order), 0);
			ck_assert(p >= FRAME(RAND_BASE) && p + n * PAGE_SIZE <= FRAME(RAND_BASE + RAND_FRAMES));
			for (u64 i = 0; i < n; i++) {
				u64 f = p / PAGE_SIZE + i - RAND_BASE;

				ck_assert_msg(!model_used[f], "step %d: frame %#lx handed out twice", step,
					      (unsigned long)(f + RAND_BASE));
				model_used[f] = true;
			}
			model_free -= n;
			live[nlive].p = p;
			live[nlive].order = order;
			nlive++;
		} else {
			unsigned i = (unsigned)unit_rand_below(&seed, nlive);
			u64 n = 1ULL << live[i].order;

			pmm_free(live[i].p, live[i].order);
			for (u64 j = 0; j < n; j++)
				model_used[live[i].p / PAGE_SIZE + j - RAND_BASE] = false;
			model_free += n;
			live[i] = live[--nlive];
		}
		ck_assert_msg(pmm_free_pages() == model_free, "step %d: %lu free, model %lu", step,
			      (unsigned long)pmm_free_pages(), (unsigned long)model_free);
	}
	for (u64 f = 0; f < RAND_FRAMES; f++)
		ck_assert(pmm_is_used(FRAME(f + RAND_BASE)) == model_used[f]);
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("pmm");
	TCase *tc;

	tc = tcase_create("init");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_init_counts);
	tcase_add_test(tc, test_init_hands_out_exactly_free_ram);
	tcase_add_test(tc, test_init_is_used);
	tcase_add_test(tc, test_init_bitmap_in_ram);
	tcase_add_test(tc, test_init_bitmap_placement);
	tcase_add_test(tc, test_init_partial_pages);
	tcase_add_test(tc, test_init_no_room);
	tcase_add_test(tc, test_init_again);
	suite_add_tcase(s, tc);

	tc = tcase_create("alloc");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_alloc_orders_aligned);
	tcase_add_test(tc, test_alloc_zeroed);
	tcase_add_test(tc, test_alloc_zeroed_after_reuse);
	tcase_add_test(tc, test_alloc_exhaustion);
	tcase_add_test(tc, test_free_realloc);
	tcase_add_test(tc, test_alloc_fragmentation);
	tcase_add_test(tc, test_double_free);
	tcase_add_test(tc, test_alloc_free_random);
	suite_add_tcase(s, tc);

	return s;
}
