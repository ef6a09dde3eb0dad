/* Physical frame allocator set-up (kernel/mm/pmm.c); allocation is declared in mm.h. */
#ifndef PORTCULLIS_PMM_H
#define PORTCULLIS_PMM_H

#include "types.h"

struct pmm_region { u64 start, end; };   /* [start, end) physical */

/* RAM ranges, then ranges inside them that are already in use. Returns 0, or -1 if no room. */
int pmm_init(const struct pmm_region *ram, unsigned nram, const struct pmm_region *reserved,
	     unsigned nreserved);
bool pmm_is_used(phys_addr_t p);

#endif
