/*
 * test_pti.c - the page-table isolation layout and policy, on the host:
 *
 *   - the PML4 pair (kernel/mm/paging.c): with pgd_is_pair, a root is an 8 KiB-aligned order-1
 *     block, the kernel PML4 then the user PML4, and the two CR3 values differ only in bit 12;
 *     user-half PML4 entries are mirrored into the user PML4, with NX in the kernel copy while PTI
 *     is on (the fail-safe); kernel-half mappings stay in the PML4 they are made in. Without the
 *     pair (CONFIG_PAGE_TABLE_ISOLATION=n) nothing is mirrored and a root is one page.
 *   - the isolation audit (kernel/mm/pti_audit.c) on a master-like table built here the way
 *     pti.c builds the real one: entry text and per-CPU entry-area pages are expected, anything
 *     else in the kernel half of the user PML4 is reported.
 *
 * Physical memory is a 64 MiB arena with the real frame allocator (kernel/mm/pmm.c). printk is
 * replaced by a stub that keeps what the audit prints.
 */
#include <stdlib.h>
#include <string.h>

#include "unit.h"

#include "mm.h"
#include "paging.h"
#include "pmm.h"
#include "printk.h"
#include "pti_audit.h"

/* ---- the arena, a fresh allocator, and a root per test ------------------------------------ */

#define ARENA_SIZE (64UL << 20)
#define MiB(x)     ((u64)(x) << 20)

u8 *host_phys_base;
static phys_addr_t root;

static void setup(void)
{
	const struct pmm_region ram[] = { { MiB(1), ARENA_SIZE } };

	host_phys_base = aligned_alloc(LARGE_PAGE_SIZE, ARENA_SIZE);
	ck_assert_ptr_nonnull(host_phys_base);
	memset(host_phys_base, 0xa5, ARENA_SIZE);
	ck_assert_int_eq(pmm_init(ram, 1, NULL, 0), 0);
	pgd_is_pair = true;                 /* CONFIG_PAGE_TABLE_ISOLATION=y */
	pti_enabled = true;                 /* and not turned off with pti=off */
	pt_tables_allocated = 0;
	pmm_alloc(0);                       /* so that the next free frame is not 8 KiB aligned */
	root = pmm_alloc(1);                /* mm_create() and paging_init() do the same */
	ck_assert_uint_ne(root, PMM_FAIL);
}

static void teardown(void)
{
	free(host_phys_base);
	host_phys_base = NULL;
}

/* ---- printk, for the audit's listing ------------------------------------------------------ */

static char log_buf[16384];
static size_t log_len;
static unsigned log_lines;

int printk(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(log_buf + log_len, sizeof(log_buf) - log_len, fmt, ap);
	va_end(ap);
	ck_assert_int_ge(n, 0);
	ck_assert_uint_lt(log_len + (size_t)n, sizeof(log_buf));
	log_len += (size_t)n;
	log_lines++;
	return n;
}

static unsigned count_substr(const char *hay, const char *needle)
{
	unsigned n = 0;

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

/* ---- reading the tables ------------------------------------------------------------------- */

static u64 *pml4(phys_addr_t p)
{
	return phys_to_virt(p);
}

static bool all_zero(const void *p, size_t n)
{
	const u8 *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

/*
 * What the CPU would make of va with CR3 = cr3: writable and user only if every level says so,
 * no-execute if any level says so (EFER.NXE is on).
 */
struct access { bool present, w, u, nx; phys_addr_t pa; };

static struct access translate(phys_addr_t cr3, u64 va)
{
	struct access a = { .w = true, .u = true };
	u64 *t = phys_to_virt(cr3 & PTE_ADDR_MASK);

	for (int l = 3; l >= 0; l--) {
		u64 e = t[(va >> (PAGE_SHIFT + 9 * l)) & 511];

		if (!(e & PTE_P))
			return (struct access){ 0 };
		a.w &= !!(e & PTE_W);
		a.u &= !!(e & PTE_U);
		a.nx |= !!(e & PTE_NX);
		if (l == 0 || (l == 1 && (e & PTE_PS))) {
			u64 size = 1ULL << (PAGE_SHIFT + 9 * l);

			a.present = true;
			a.pa = (e & PTE_ADDR_MASK & ~(size - 1)) + (va & (size - 1));
			return a;
		}
		t = phys_to_virt(e & PTE_ADDR_MASK);
	}
	return (struct access){ 0 };
}

/* Addresses used below. */
#define UVA   USER_IMAGE_BASE                   /* PML4 slot 0 */
#define UVA2  (USER_STACK_TOP64 - MiB(4))       /* PML4 slot 255 */
#define KVA   (DIRECT_MAP_BASE + MiB(6))        /* PML4 slot 273 */
#define PA    MiB(40)

/* ---- the PML4 pair ------------------------------------------------------------------------ */

/*
 * Roots are order-1 blocks, so 8 KiB aligned: root + 4 KiB is the user PML4, and switching
 * between the two is flipping CR3 bit 12 (PTI_USER_PGTABLE_MASK), as the entry code does.
 */
START_TEST(test_pair_alignment)
{
	for (int i = 0; i < 8; i++) {
		phys_addr_t r = i == 0 ? root : pmm_alloc(1);
		phys_addr_t u = pgd_user(r);

		ck_assert_uint_ne(r, PMM_FAIL);
		ck_assert_uint_eq(r % (2 * PAGE_SIZE), 0);
		ck_assert_uint_eq(u, r + PAGE_SIZE);
		ck_assert_uint_eq(r ^ u, PTI_USER_PGTABLE_MASK);
		ck_assert_uint_eq(r | PTI_USER_PGTABLE_MASK, u);
		ck_assert_uint_eq(u & ~PTI_USER_PGTABLE_MASK, r);
		ck_assert(all_zero(pml4(r), 2 * PAGE_SIZE));
		pmm_alloc(0);                   /* misalign the allocator's hint again */
	}
}
END_TEST

/*
 * A user mapping creates its PML4 entry in both PML4s, pointing at the same PDPT: user memory is
 * the same through either. With PTI on, the kernel copy has NX: through the kernel CR3, user code
 * cannot run (the fail-safe), through the user CR3 it can.
 */
START_TEST(test_user_entry_mirrored_nx)
{
	u64 k, u;
	struct access via_k, via_u;

	ck_assert_int_eq(pt_map(root, UVA, PA, PAGE_SIZE, PTE_U), 0);     /* user code: r-x */
	k = pml4(root)[0];
	u = pml4(pgd_user(root))[0];
	ck_assert(u & PTE_P);
	ck_assert_uint_eq(u & PTE_NX, 0);
	ck_assert_uint_eq(k, u | PTE_NX);
	ck_assert_uint_eq(k & PTE_ADDR_MASK, u & PTE_ADDR_MASK);

	via_k = translate(root, UVA);
	via_u = translate(root | PTI_USER_PGTABLE_MASK, UVA);
	ck_assert(via_k.present && via_u.present);
	ck_assert_uint_eq(via_k.pa, PA);
	ck_assert_uint_eq(via_u.pa, PA);
	ck_assert(via_u.u && !via_u.nx && !via_u.w);
	ck_assert(via_k.nx);

	/* pt_walk gives the same leaf through either root. */
	phys_addr_t pa_k, pa_u;
	u64 fl_k, fl_u;

	ck_assert(pt_walk(root, UVA, &pa_k, &fl_k));
	ck_assert(pt_walk(pgd_user(root), UVA, &pa_u, &fl_u));
	ck_assert_uint_eq(pa_k, pa_u);
	ck_assert_uint_eq(fl_k, fl_u);
}
END_TEST

/* pti=off with the pair built in: still mirrored, but no NX in the kernel copy. */
START_TEST(test_user_entry_mirrored_pti_off)
{
	pti_enabled = false;
	ck_assert_int_eq(pt_map(root, UVA, PA, PAGE_SIZE, PTE_U), 0);
	ck_assert(pml4(root)[0] & PTE_P);
	ck_assert_uint_eq(pml4(root)[0], pml4(pgd_user(root))[0]);
	ck_assert(!translate(root, UVA).nx);
}
END_TEST

/*
 * Every user slot in use is mirrored, each once: mapping more in a slot does not rewrite it, and
 * no other slot of either PML4 is touched.
 */
START_TEST(test_mirror_every_slot)
{
	static const unsigned slots[] = { 0, 1, 128, 254, 255 };
	const u64 *k = pml4(root), *u = pml4(pgd_user(root));
	u64 first;

	for (unsigned i = 0; i < ARRAY_SIZE(slots); i++) {
		u64 va = ((u64)slots[i] << PML4_SHIFT) + (slots[i] == 0 ? UVA : 0);

		ck_assert_int_eq(pt_map(root, va, PA, PAGE_SIZE, PTE_U | PTE_W | PTE_NX), 0);
	}
	first = k[0];
	ck_assert_int_eq(pt_map(root, UVA + MiB(2), PA, LARGE_PAGE_SIZE, PTE_U), 0);
	ck_assert_int_eq(pt_map(root, UVA + (1ULL << 30), PA, PAGE_SIZE, PTE_U), 0);  /* new PDPT entry */
	ck_assert_uint_eq(k[0], first);

	for (unsigned s = 0; s < 512; s++) {
		bool used = false;

		for (unsigned i = 0; i < ARRAY_SIZE(slots); i++)
			used |= slots[i] == s;
		if (!used) {
			ck_assert_msg(k[s] == 0 && u[s] == 0, "slot %u written", s);
			continue;
		}
		ck_assert(u[s] & PTE_P);
		ck_assert_msg(k[s] == (u[s] | PTE_NX), "slot %u: kernel %#lx, user %#lx", s,
			      (unsigned long)k[s], (unsigned long)u[s]);
	}
}
END_TEST

/* Kernel-half mappings go to the kernel PML4 only: the user PML4 stays empty. */
START_TEST(test_kernel_half_not_mirrored)
{
	ck_assert_int_eq(pt_map(root, KVA, PA, PAGE_SIZE, PTE_W | PTE_NX), 0);
	ck_assert_int_eq(pt_map(root, CEA_BASE, PA, PAGE_SIZE, PTE_W | PTE_NX), 0);
	ck_assert_int_eq(pt_map(root, KERNEL_VIRT_BASE, 0, LARGE_PAGE_SIZE, PTE_W), 0);
	ck_assert(all_zero(pml4(pgd_user(root)), PAGE_SIZE));
	ck_assert(!translate(pgd_user(root), KVA).present);
	ck_assert(translate(root, KVA).present);
	/* Only user-half entries get the fail-safe NX. */
	ck_assert_uint_eq(pml4(root)[PML4_SLOT_DIRECT] & (PTE_NX | PTE_U), 0);
	ck_assert_uint_eq(pml4(root)[PML4_SLOT_KERNEL] & (PTE_NX | PTE_U), 0);
	ck_assert_uint_eq(pml4(root)[PML4_SLOT_CEA] & (PTE_NX | PTE_U), 0);
	ck_assert(all_zero(pml4(root), PML4_USER_SLOTS * sizeof(u64)));
}
END_TEST

/*
 * Mapping kernel addresses through the *user* root (as pti_build_user_template() does for the
 * entry text) builds tables of the user PML4's own and leaves the kernel PML4 alone.
 */
START_TEST(test_user_root_kernel_half)
{
	const u64 text = KERNEL_VIRT_BASE + MiB(1);
	u64 kslot;

	ck_assert_int_eq(pt_map(root, KERNEL_VIRT_BASE, 0, MiB(4), PTE_W), 0);
	kslot = pml4(root)[PML4_SLOT_KERNEL];
	ck_assert_int_eq(pt_map(pgd_user(root), text, MiB(1), 2 * PAGE_SIZE, PT_MAP_4K), 0);
	ck_assert(pml4(pgd_user(root))[PML4_SLOT_KERNEL] & PTE_P);
	ck_assert_uint_ne(pml4(pgd_user(root))[PML4_SLOT_KERNEL] & PTE_ADDR_MASK,
			  pml4(root)[PML4_SLOT_KERNEL] & PTE_ADDR_MASK);
	ck_assert(translate(pgd_user(root), text + PAGE_SIZE).present);
	ck_assert(!translate(pgd_user(root), text + 2 * PAGE_SIZE).present);
	ck_assert(!translate(pgd_user(root), KERNEL_VIRT_BASE).present);
	/* The kernel's view is unchanged: still its 2 MiB page. */
	ck_assert_uint_eq(pml4(root)[PML4_SLOT_KERNEL], kslot);
	ck_assert_uint_eq(translate(root, text).pa, MiB(1));
	ck_assert(translate(root, KERNEL_VIRT_BASE).present);
}
END_TEST

/* Unmapping a page removes it from both views: the tables below the PML4s are shared. */
START_TEST(test_unmap_both_views)
{
	ck_assert_int_eq(pt_map(root, UVA, PA, 2 * PAGE_SIZE, PTE_U | PTE_W), 0);
	ck_assert_uint_eq(pt_unmap(root, UVA, PAGE_SIZE, false), 1);
	ck_assert(!translate(root, UVA).present);
	ck_assert(!translate(root | PTI_USER_PGTABLE_MASK, UVA).present);
	ck_assert(translate(root | PTI_USER_PGTABLE_MASK, UVA + PAGE_SIZE).present);
}
END_TEST

/*
 * pt_free_user_half clears the user half of both PML4s, to exactly 0 (no NX left behind in the
 * kernel copy), frees every table and frame, and leaves the kernel half of both alone.
 */
START_TEST(test_free_user_half_both)
{
	u64 before = pmm_free_pages(), tables, pages;
	u64 kslot;

	/* The kernel half first: an entry-area page, its slot shared by both PML4s. */
	ck_assert_int_eq(pt_map(root, CEA_BASE, PA, PAGE_SIZE, PTE_W | PTE_NX), 0);
	kslot = pml4(root)[PML4_SLOT_CEA];
	pml4(pgd_user(root))[PML4_SLOT_CEA] = kslot;
	before -= pt_tables_allocated;

	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(pt_map(root, UVA + i * PAGE_SIZE, pmm_alloc(0), PAGE_SIZE, PTE_U), 0);
	ck_assert_int_eq(pt_map(root, UVA2, pmm_alloc(9), LARGE_PAGE_SIZE, PTE_U | PTE_W), 0);
	pt_free_user_half(root, &tables, &pages);

	ck_assert_uint_eq(tables, 3 + 2);           /* slot 0: PDPT, PD, PT; slot 255: PDPT, PD */
	ck_assert_uint_eq(pages, 4 + 512);
	ck_assert_uint_eq(pmm_free_pages(), before);
	ck_assert(all_zero(pml4(root), PML4_USER_SLOTS * sizeof(u64)));
	ck_assert(all_zero(pml4(pgd_user(root)), PML4_USER_SLOTS * sizeof(u64)));
	ck_assert_uint_eq(pml4(root)[PML4_SLOT_CEA], kslot);
	ck_assert_uint_eq(pml4(pgd_user(root))[PML4_SLOT_CEA], kslot);
	ck_assert(translate(root, CEA_BASE).present);
	ck_assert(translate(pgd_user(root), CEA_BASE).present);
}
END_TEST

/* pgd_set_user_entry itself: a non-present entry is written as it is, never given NX. */
START_TEST(test_set_user_entry)
{
	const u64 present = MiB(8) | PTE_P | PTE_W | PTE_U;

	pgd_set_user_entry(root, 7, present);
	ck_assert_uint_eq(pml4(pgd_user(root))[7], present);
	ck_assert_uint_eq(pml4(root)[7], present | PTE_NX);

	pgd_set_user_entry(root, 7, 0);
	ck_assert_uint_eq(pml4(root)[7], 0);
	ck_assert_uint_eq(pml4(pgd_user(root))[7], 0);

	pgd_set_user_entry(root, 9, MiB(8));        /* not present, an address kept for later */
	ck_assert_uint_eq(pml4(root)[9], MiB(8));
	ck_assert_uint_eq(pml4(pgd_user(root))[9], MiB(8));
}
END_TEST

/*
 * Without the pair (CONFIG_PAGE_TABLE_ISOLATION=n) a root is a single PML4: nothing is ever
 * written to root + 4 KiB, and no NX is added (there is only one PML4: NX there would stop user
 * code everywhere), whatever pti_enabled says.
 */
START_TEST(test_no_pair)
{
	const u64 *next;

	for (int on = 0; on <= 1; on++) {
		pgd_is_pair = false;
		pti_enabled = on;
		root = pmm_alloc(1);                /* a second page, only to watch it stay untouched */
		next = pml4(root + PAGE_SIZE);
		ck_assert_int_eq(pt_map(root, UVA, PA, PAGE_SIZE, PTE_U), 0);
		ck_assert_int_eq(pt_map(root, UVA2, PA, LARGE_PAGE_SIZE, PTE_U), 0);
		ck_assert_int_eq(pt_map(root, KVA, PA, PAGE_SIZE, PTE_W), 0);
		ck_assert(all_zero(next, PAGE_SIZE));
		ck_assert(pml4(root)[0] & PTE_P);
		ck_assert_uint_eq(pml4(root)[0] & PTE_NX, 0);
		ck_assert(!translate(root, UVA).nx);
		pt_free_user_half(root, NULL, NULL);
		ck_assert(all_zero(next, PAGE_SIZE));
		ck_assert(all_zero(pml4(root), PML4_USER_SLOTS * sizeof(u64)));
		ck_assert(translate(root, KVA).present);
	}
}
END_TEST

/* ---- the audit ---------------------------------------------------------------------------- */

#define TEXT_START (KERNEL_LOAD_VIRT + 0x4000)
#define TEXT_PAGES 3
#define TEXT_END   (TEXT_START + TEXT_PAGES * PAGE_SIZE)
#define NCPUS      2

static const struct pti_policy policy = {
	.entry_text_start = TEXT_START, .entry_text_end = TEXT_END, .nr_cpus = NCPUS,
};

/* The mapped parts of an entry-area slice, with pti.c's permissions (memlayout.h). */
static const struct { u64 off, size, flags; } cea_parts[] = {
	{ CEA_ENTRY_PAGE_OFF, PAGE_SIZE, PTE_W | PTE_NX },
	{ CEA_GDT_OFF, PAGE_SIZE, PTE_NX },
	{ CEA_IDT_OFF, PAGE_SIZE, PTE_NX },
	{ CEA_TRAMP_STACK_OFF, CEA_TRAMP_STACK_SIZE, PTE_W | PTE_NX },
	{ CEA_NMI_STACK_OFF, CEA_IST_STACK_SIZE, PTE_W | PTE_NX },
	{ CEA_DB_STACK_OFF, CEA_IST_STACK_SIZE, PTE_W | PTE_NX },
	{ CEA_MC_STACK_OFF, CEA_IST_STACK_SIZE, PTE_W | PTE_NX },
	{ CEA_DF_STACK_OFF, CEA_IST_STACK_SIZE, PTE_W | PTE_NX },
};
#define CEA_PAGES   12          /* per CPU: 3 + 1 + 4 * 2 */
#define CEA_RANGES  7           /* entry page | GDT+IDT (same permissions) | 5 stacks */

/*
 * Build in `root` what paging_init(), cea_map_all() and pti_build_user_template() build in the
 * master tables: the kernel image and a direct map in the kernel PML4 only, every CPU's
 * entry-area slice, the entry-area PML4 slot shared with the user PML4, and the entry text mapped
 * again through a PDPT of the user PML4's own. A user page too, which the audit must ignore.
 */
static void build_master(void)
{
	ck_assert_int_eq(pt_map(root, KERNEL_VIRT_BASE, 0, MiB(4), PTE_W), 0);
	ck_assert_int_eq(pt_map(root, DIRECT_MAP_BASE, 0, MiB(8), PTE_W | PTE_NX), 0);
	for (unsigned cpu = 0; cpu < NCPUS; cpu++) {
		for (unsigned i = 0; i < ARRAY_SIZE(cea_parts); i++) {
			u64 va = CEA_BASE + cpu * CEA_STRIDE + cea_parts[i].off;

			ck_assert_int_eq(pt_map(root, va, MiB(16) + (va - CEA_BASE), cea_parts[i].size,
						cea_parts[i].flags | PT_MAP_4K), 0);
		}
	}
	pml4(pgd_user(root))[PML4_SLOT_CEA] = pml4(root)[PML4_SLOT_CEA];
	ck_assert_int_eq(pt_map(pgd_user(root), TEXT_START, TEXT_START - KERNEL_VIRT_BASE,
				TEXT_END - TEXT_START, PT_MAP_4K), 0);
	ck_assert_int_eq(pt_map(root, UVA, PA, PAGE_SIZE, PTE_U | PTE_W), 0);
	log_len = 0;
	log_lines = 0;
	log_buf[0] = '\0';
}

static int audit(struct pti_audit *a)
{
	memset(a, 0xee, sizeof(*a));
	return pti_audit_policy(root, &policy, a, true);
}

/* The master passes: exactly the entry text and the entry area, in the expected ranges. */
START_TEST(test_audit_master)
{
	struct pti_audit a;

	build_master();
	ck_assert_int_eq(audit(&a), 0);
	ck_assert_uint_eq(a.entry_text_pages, TEXT_PAGES);
	ck_assert_uint_eq(a.cea_pages, NCPUS * CEA_PAGES);
	ck_assert_uint_eq(a.unexpected_pages, 0);
	ck_assert_uint_eq(a.pages, TEXT_PAGES + NCPUS * CEA_PAGES);
	ck_assert_uint_eq(a.ranges, 1 + NCPUS * CEA_RANGES);

	/* One line per range, none of them unexpected. */
	ck_assert_uint_eq(log_lines, a.ranges);
	ck_assert_uint_eq(count_substr(log_buf, "UNEXPECTED"), 0);
	ck_assert_ptr_nonnull(strstr(log_buf, "  pti audit: ffffffff80104000-ffffffff80107000 r-x \n"));
	ck_assert_ptr_nonnull(strstr(log_buf, "  pti audit: fffffe0000000000-fffffe0000001000 rw- \n"));
	ck_assert_ptr_nonnull(strstr(log_buf, "  pti audit: fffffe0000001000-fffffe0000003000 r-- \n"));
	ck_assert_ptr_nonnull(strstr(log_buf, "  pti audit: fffffe000002f000-fffffe0000031000 rw- \n"));
}
END_TEST

/* An address space made from the master the way mm_create() does it passes as well. */
START_TEST(test_audit_address_space)
{
	struct pti_audit a;
	phys_addr_t master;

	build_master();
	master = root;
	root = pmm_alloc(1);
	memcpy(pml4(root) + PML4_USER_SLOTS, pml4(master) + PML4_USER_SLOTS, PML4_USER_SLOTS * 8);
	memcpy(pml4(pgd_user(root)) + PML4_USER_SLOTS, pml4(pgd_user(master)) + PML4_USER_SLOTS,
	       PML4_USER_SLOTS * 8);
	ck_assert_int_eq(pt_map(root, UVA2, PA, LARGE_PAGE_SIZE, PTE_U | PTE_W), 0);
	ck_assert_int_eq(audit(&a), 0);
	ck_assert_uint_eq(a.pages, TEXT_PAGES + NCPUS * CEA_PAGES);
}
END_TEST

/* One more kernel page in the user PML4: reported, alone, as unexpected. */
START_TEST(test_audit_extra_page)
{
	struct pti_audit a;

	build_master();
	ck_assert_int_eq(pt_map(pgd_user(root), DIRECT_MAP_BASE + 0x5000, 0x5000, PAGE_SIZE,
				PTE_W | PTE_NX), 0);
	ck_assert_int_eq(audit(&a), -1);
	ck_assert_uint_eq(a.unexpected_pages, 1);
	ck_assert_uint_eq(a.pages, TEXT_PAGES + NCPUS * CEA_PAGES + 1);
	ck_assert_uint_eq(a.entry_text_pages, TEXT_PAGES);
	ck_assert_uint_eq(a.cea_pages, NCPUS * CEA_PAGES);
	ck_assert_uint_eq(a.ranges, 1 + NCPUS * CEA_RANGES + 1);
	ck_assert_uint_eq(count_substr(log_buf, "UNEXPECTED"), 1);
	ck_assert_ptr_nonnull(strstr(log_buf,
		"  pti audit: ffff888000005000-ffff888000006000 rw- UNEXPECTED\n"));
}
END_TEST

/* The page right after the entry text: same permissions, but a range of its own. */
START_TEST(test_audit_page_after_text)
{
	struct pti_audit a;

	build_master();
	ck_assert_int_eq(pt_map(pgd_user(root), TEXT_END, TEXT_END - KERNEL_VIRT_BASE, PAGE_SIZE,
				PT_MAP_4K), 0);
	ck_assert_int_eq(audit(&a), -1);
	ck_assert_uint_eq(a.unexpected_pages, 1);
	ck_assert_uint_eq(a.entry_text_pages, TEXT_PAGES);
	ck_assert_uint_eq(a.ranges, 1 + NCPUS * CEA_RANGES + 1);
	ck_assert_ptr_nonnull(strstr(log_buf,
		"  pti audit: ffffffff80107000-ffffffff80108000 r-x UNEXPECTED\n"));
}
END_TEST

/*
 * Pages in the entry-area slot but outside the policy: past the used part of a slice, and in the
 * slice of a CPU that does not exist. (Mapped in the kernel PML4: the slot's PDPT is shared.)
 */
START_TEST(test_audit_entry_area_outside)
{
	struct pti_audit a;

	build_master();
	ck_assert_int_eq(pt_map(root, CEA_BASE + CEA_USED_SIZE, PA, PAGE_SIZE, PTE_W | PTE_NX), 0);
	ck_assert_int_eq(pt_map(root, CEA_BASE + NCPUS * CEA_STRIDE, PA, PAGE_SIZE, PTE_W | PTE_NX), 0);
	ck_assert_int_eq(audit(&a), -1);
	ck_assert_uint_eq(a.unexpected_pages, 2);
	ck_assert_uint_eq(a.cea_pages, NCPUS * CEA_PAGES);
	ck_assert_uint_eq(count_substr(log_buf, "UNEXPECTED"), 2);
}
END_TEST

/* Every guard page of a slice mapped to something: each is reported, none passes as entry area. */
START_TEST(test_audit_guard_pages)
{
	static const u64 guards[] = { 0x3000, 0x5000, 0x8000, 0xb000, 0xe000 };
	struct pti_audit a;

	build_master();
	for (unsigned i = 0; i < ARRAY_SIZE(guards); i++)
		ck_assert_int_eq(pt_map(root, CEA_BASE + CEA_STRIDE + guards[i], PA, PAGE_SIZE,
					PTE_W | PTE_NX | PT_MAP_4K), 0);
	ck_assert_int_eq(audit(&a), -1);
	ck_assert_uint_eq(a.unexpected_pages, ARRAY_SIZE(guards));
	ck_assert_uint_eq(a.cea_pages, NCPUS * CEA_PAGES);
	for (u64 off = 0; off < CEA_STRIDE; off += PAGE_SIZE) {
		bool guard = false;
		for (unsigned i = 0; i < ARRAY_SIZE(guards); i++)
			guard |= off == guards[i];
		if (off >= CEA_USED_SIZE)
			guard = true;
		ck_assert_msg(cea_offset_mapped(off) == !guard, "slice offset %#lx", (unsigned long)off);
	}
}
END_TEST

/*
 * A 2 MiB page is never expected, and counts as 512 pages; even where the policy allows 4 KiB
 * pages (here: a policy whose entry text would be that very 2 MiB).
 */
START_TEST(test_audit_large_page)
{
	const struct pti_policy text_2m = {
		.entry_text_start = KERNEL_VIRT_BASE + MiB(4), .entry_text_end = KERNEL_VIRT_BASE + MiB(6),
		.nr_cpus = NCPUS,
	};
	struct pti_audit a;

	build_master();
	ck_assert_int_eq(pt_map(pgd_user(root), KERNEL_VIRT_BASE + MiB(4), MiB(4), LARGE_PAGE_SIZE, 0), 0);
	ck_assert_int_eq(audit(&a), -1);
	ck_assert_uint_eq(a.unexpected_pages, 512);
	ck_assert_uint_eq(a.pages, TEXT_PAGES + NCPUS * CEA_PAGES + 512);
	ck_assert_ptr_nonnull(strstr(log_buf,
		"  pti audit: ffffffff80400000-ffffffff80600000 r-x UNEXPECTED\n"));

	ck_assert_int_eq(pti_audit_policy(root, &text_2m, &a, false), -1);
	ck_assert_uint_eq(a.entry_text_pages, 0);
	ck_assert_uint_eq(a.unexpected_pages, TEXT_PAGES + 512);
}
END_TEST

/* A 1 GiB page (pt_map never makes one; written by hand): 2^18 unexpected pages. */
START_TEST(test_audit_huge_page)
{
	struct pti_audit a;
	phys_addr_t pdpt = pmm_alloc(0);

	build_master();
	pml4(pgd_user(root))[300] = pdpt | PTE_P | PTE_W;
	pml4(pdpt)[2] = (2ULL << 30) | PTE_P | PTE_PS | PTE_NX;
	ck_assert_int_eq(audit(&a), -1);
	ck_assert_uint_eq(a.unexpected_pages, 1ULL << 18);
	ck_assert_ptr_nonnull(strstr(log_buf,
		"  pti audit: ffff960080000000-ffff9600c0000000 r-- UNEXPECTED\n"));
}
END_TEST

/* Without the pair the audit looks at the one PML4: the whole kernel half is visible. */
START_TEST(test_audit_no_pair)
{
	struct pti_audit a;

	pgd_is_pair = false;
	root = pmm_alloc(0);
	ck_assert_int_eq(pt_map(root, TEXT_START, TEXT_START - KERNEL_VIRT_BASE, TEXT_END - TEXT_START,
				PT_MAP_4K), 0);
	ck_assert_int_eq(pt_map(root, DIRECT_MAP_BASE, 0, MiB(4), PTE_W | PTE_NX), 0);
	ck_assert_int_eq(pti_audit_policy(root, &policy, &a, false), -1);
	ck_assert_uint_eq(a.entry_text_pages, TEXT_PAGES);
	ck_assert_uint_eq(a.unexpected_pages, 2 * 512);
	ck_assert_uint_eq(a.ranges, 2);
}
END_TEST

/* The policy itself, at the edges of each allowed range. */
START_TEST(test_expected_kernel_page)
{
	const struct pti_policy none = { .entry_text_start = TEXT_START, .entry_text_end = TEXT_END };

	ck_assert_int_eq(pti_expected_kernel_page(&policy, TEXT_START), PTI_PAGE_ENTRY_TEXT);
	ck_assert_int_eq(pti_expected_kernel_page(&policy, TEXT_END - PAGE_SIZE), PTI_PAGE_ENTRY_TEXT);
	ck_assert_int_eq(pti_expected_kernel_page(&policy, TEXT_END), PTI_PAGE_UNEXPECTED);
	ck_assert_int_eq(pti_expected_kernel_page(&policy, TEXT_START - PAGE_SIZE), PTI_PAGE_UNEXPECTED);

	for (unsigned cpu = 0; cpu < NCPUS; cpu++) {
		u64 slice = CEA_BASE + cpu * CEA_STRIDE;

		for (unsigned i = 0; i < ARRAY_SIZE(cea_parts); i++)
			for (u64 off = 0; off < cea_parts[i].size; off += PAGE_SIZE)
				ck_assert_int_eq(pti_expected_kernel_page(&policy, slice + cea_parts[i].off + off),
						 PTI_PAGE_CEA);
		ck_assert_int_eq(pti_expected_kernel_page(&policy, slice + CEA_USED_SIZE), PTI_PAGE_UNEXPECTED);
		ck_assert_int_eq(pti_expected_kernel_page(&policy, slice + CEA_STRIDE - PAGE_SIZE),
				 PTI_PAGE_UNEXPECTED);
	}
	ck_assert_int_eq(pti_expected_kernel_page(&policy, CEA_BASE + NCPUS * CEA_STRIDE),
			 PTI_PAGE_UNEXPECTED);
	ck_assert_int_eq(pti_expected_kernel_page(&none, CEA_BASE), PTI_PAGE_UNEXPECTED);
	ck_assert_int_eq(pti_expected_kernel_page(&policy, CEA_BASE - PAGE_SIZE), PTI_PAGE_UNEXPECTED);
	ck_assert_int_eq(pti_expected_kernel_page(&policy, DIRECT_MAP_BASE), PTI_PAGE_UNEXPECTED);
	ck_assert_int_eq(pti_expected_kernel_page(&policy, KERNEL_VIRT_BASE), PTI_PAGE_UNEXPECTED);
	ck_assert_int_eq(pti_expected_kernel_page(&policy, KERNEL_HALF_BASE), PTI_PAGE_UNEXPECTED);
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("pti");
	TCase *tc;

	tc = tcase_create("pair");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_pair_alignment);
	tcase_add_test(tc, test_user_entry_mirrored_nx);
	tcase_add_test(tc, test_user_entry_mirrored_pti_off);
	tcase_add_test(tc, test_mirror_every_slot);
	tcase_add_test(tc, test_kernel_half_not_mirrored);
	tcase_add_test(tc, test_user_root_kernel_half);
	tcase_add_test(tc, test_unmap_both_views);
	tcase_add_test(tc, test_free_user_half_both);
	tcase_add_test(tc, test_set_user_entry);
	tcase_add_test(tc, test_no_pair);
	suite_add_tcase(s, tc);

	tc = tcase_create("audit");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_audit_master);
	tcase_add_test(tc, test_audit_address_space);
	tcase_add_test(tc, test_audit_extra_page);
	tcase_add_test(tc, test_audit_page_after_text);
	tcase_add_test(tc, test_audit_entry_area_outside);
	tcase_add_test(tc, test_audit_guard_pages);
	tcase_add_test(tc, test_audit_large_page);
	tcase_add_test(tc, test_audit_huge_page);
	tcase_add_test(tc, test_audit_no_pair);
	tcase_add_test(tc, test_expected_kernel_page);
	suite_add_tcase(s, tc);

	return s;
}
