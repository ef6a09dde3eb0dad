/* Page-table isolation and the entry area (kernel/mm/pti.c). */
#ifndef PORTCULLIS_PTI_H
#define PORTCULLIS_PTI_H

#include "types.h"
#include "percpu.h"
#include "pti_audit.h"

/* What backs one CPU's entry-area slice (kernel .bss; mapped at cea_slice(cpu)). */
struct cea_backing {
	struct entry_page entry;
	u8 gdt[PAGE_SIZE];
	u8 tramp_stack[CEA_TRAMP_STACK_SIZE];
	u8 nmi_stack[CEA_IST_STACK_SIZE];
	u8 db_stack[CEA_IST_STACK_SIZE];
	u8 mc_stack[CEA_IST_STACK_SIZE];
	u8 df_stack[CEA_IST_STACK_SIZE];
} __aligned(PAGE_SIZE);

extern struct cea_backing cea_backing[CONFIG_NR_CPUS];
extern u8 idt_page[PAGE_SIZE];

void pti_choose(void);                 /* decide from CONFIG, pti=, nopti; sets pti_enabled */
void cea_map_all(void);                /* map every CPU's slice into the master tables */
void pti_build_user_template(void);    /* entry text + entry area into the master user PML4 */
void pti_patch_entry_text(bool pcid);
void clac_patch_entry_text(bool smap);
u64  cea_pages_per_cpu(void);

/* The isolation audit (pti_audit.h) with the kernel's own policy: list every present mapping of a
 * user PML4 outside user space. */
int pti_audit(phys_addr_t root, struct pti_audit *out, bool print);

#endif
