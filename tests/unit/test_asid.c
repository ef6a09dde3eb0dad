/*
 * test_asid.c - per-CPU PCID slots and the user-PCID flush mask (kernel/mm/asid.c).
 *
 * Bochs flushes more than the architecture requires (its TLB is not tagged by PCID), so a missing
 * flush cannot be caught in the guest: the decisions are checked here instead.
 */
#include <check.h>
#include <string.h>
#include "unit.h"
#include "asid.h"

static struct asid_state st;

static void setup(void) { memset(&st, 0, sizeof(st)); }

/* The first use of a slot flushes both PCIDs; switching back to it flushes nothing. */
START_TEST(test_first_use_flushes)
{
	struct asid_choice c = asid_switch(&st, 100);
	ck_assert(c.flush_kernel && c.flush_user);
	ck_assert_uint_eq(c.slot, 0);
	ck_assert_uint_eq(asid_kernel_pcid(c.slot), 1);
	c = asid_switch(&st, 100);
	ck_assert(!c.flush_kernel && !c.flush_user);
	ck_assert_uint_eq(c.slot, 0);
}
END_TEST

/* Distinct address spaces get distinct slots until the slots run out. */
START_TEST(test_distinct_slots)
{
	unsigned seen = 0;
	for (u64 ctx = 1; ctx <= ASID_SLOTS; ctx++) {
		struct asid_choice c = asid_switch(&st, ctx);
		ck_assert(c.flush_kernel);
		ck_assert_uint_lt(c.slot, ASID_SLOTS);
		ck_assert(!(seen & (1U << c.slot)));
		seen |= 1U << c.slot;
	}
	for (u64 ctx = 1; ctx <= ASID_SLOTS; ctx++)
		ck_assert(!asid_switch(&st, ctx).flush_kernel);
}
END_TEST

/* A recycled slot is flushed before reuse, and its old owner no longer finds it. */
START_TEST(test_recycle_flushes)
{
	for (u64 ctx = 1; ctx <= ASID_SLOTS; ctx++)
		asid_switch(&st, ctx);
	struct asid_choice c = asid_switch(&st, 1000);
	ck_assert(c.flush_kernel && c.flush_user);
	unsigned victim = c.slot;
	/* The owner of the victim slot comes back: new slot, flushed again. */
	u64 old_owner = victim + 1;
	c = asid_switch(&st, old_owner);
	ck_assert(c.flush_kernel && c.flush_user);
	ck_assert_uint_ne(c.slot, victim);
}
END_TEST

/* Round robin: many address spaces cycling never reuse a slot without flushing it. */
START_TEST(test_many_contexts)
{
	u64 owner[ASID_SLOTS] = { 0 };
	for (unsigned i = 0; i < 10000; i++) {
		u64 ctx = 1 + (i * 7919u) % 23;       /* 23 address spaces, scattered order */
		struct asid_choice c = asid_switch(&st, ctx);
		if (owner[c.slot] != ctx) {
			ck_assert_msg(c.flush_kernel && c.flush_user, "slot %u reused without a flush", c.slot);
			owner[c.slot] = ctx;
		} else {
			ck_assert(!c.flush_kernel);
		}
		for (unsigned s = 0; s < ASID_SLOTS; s++)
			ck_assert(s == c.slot || owner[s] != ctx);
	}
}
END_TEST

/* A user-mapping change marks the user PCID stale; the next switch to it hands the flush over once. */
START_TEST(test_user_stale_mask)
{
	asid_switch(&st, 5);
	asid_switch(&st, 6);
	ck_assert(asid_mark_user_stale(&st, 5));
	ck_assert(!asid_mark_user_stale(&st, 77));        /* no slot here: nothing to mark */
	struct asid_choice c = asid_switch(&st, 5);
	ck_assert(!c.flush_kernel && c.flush_user);
	c = asid_switch(&st, 5);
	ck_assert(!c.flush_user);                          /* consumed */
	c = asid_switch(&st, 6);
	ck_assert(!c.flush_user);                          /* other slots untouched */
}
END_TEST

/* A forgotten address space gives up its slot and its pending mark; the slot is flushed on reuse. */
START_TEST(test_forget)
{
	struct asid_choice a = asid_switch(&st, 9);
	asid_mark_user_stale(&st, 9);
	asid_forget(&st, 9);
	ck_assert(!asid_mark_user_stale(&st, 9));
	struct asid_choice b = asid_switch(&st, 10);
	ck_assert_uint_eq(b.slot, a.slot);                 /* the free slot is taken first */
	ck_assert(b.flush_kernel && b.flush_user);
	b = asid_switch(&st, 10);
	ck_assert(!b.flush_user);                          /* the old mark did not leak to the new owner */
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("asid");
	TCase *tc = tcase_create("asid");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_first_use_flushes);
	tcase_add_test(tc, test_distinct_slots);
	tcase_add_test(tc, test_recycle_flushes);
	tcase_add_test(tc, test_many_contexts);
	tcase_add_test(tc, test_user_stale_mask);
	tcase_add_test(tc, test_forget);
	suite_add_tcase(s, tc);
	return s;
}
