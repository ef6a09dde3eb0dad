/*
 * pti_audit.h - the PTI isolation audit (kernel/mm/pti_audit.c).
 *
 * The audit lists every present mapping of a user PML4 outside user space and checks each page
 * against the policy: the .entry.text pages of the kernel image and the mapped parts of the entry
 * area, nothing else. The policy is passed in (pti_audit() in pti.c fills it in from the linker
 * symbols and CONFIG_NR_CPUS), so this part has no link-time dependencies and also builds for the
 * host unit tests.
 */
#ifndef PORTCULLIS_PTI_AUDIT_H
#define PORTCULLIS_PTI_AUDIT_H

#include "types.h"

/* What a user PML4 may map in the kernel half. */
struct pti_policy {
	u64 entry_text_start, entry_text_end;   /* [start, end) of .entry.text, kernel virtual */
	unsigned nr_cpus;                       /* entry-area slices at CEA_BASE + cpu * CEA_STRIDE */
};

struct pti_audit {
	u64 ranges, pages, unexpected_pages, entry_text_pages, cea_pages;
};

/* The kinds of kernel page the policy allows. */
enum pti_page_kind { PTI_PAGE_UNEXPECTED, PTI_PAGE_ENTRY_TEXT, PTI_PAGE_CEA };

/* The policy for one kernel-half 4 KiB page at va. */
enum pti_page_kind pti_expected_kernel_page(const struct pti_policy *policy, u64 va);

/*
 * Audit the user PML4 of root (root itself if the roots are not pairs): count every kernel-half
 * page, the expected ones by kind, and the unexpected ones; with `print`, printk one line per run
 * of contiguous pages with the same permissions and verdict. Returns 0, or -1 if any page is
 * unexpected.
 */
int pti_audit_policy(phys_addr_t root, const struct pti_policy *policy, struct pti_audit *out,
		     bool print);

/* True for an offset inside a CPU's entry-area slice that is mapped (not a guard page). */
bool cea_offset_mapped(u64 off);

#endif
