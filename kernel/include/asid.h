/*
 * asid.h - PCIDs for address spaces, per CPU, and the deferred flush of user PCIDs.
 *
 * Each CPU keeps a few "slots" (ASID_SLOTS): an address space that runs on the CPU gets a slot,
 * and its kernel PCID is slot + 1 (user PCID: that | PTI_USER_PCID_MASK). When all slots are
 * taken, the next one is recycled round robin, and its PCIDs must be flushed before reuse: the
 * kernel PCID by writing CR3 without NOFLUSH (or INVPCID), the user PCID by marking it stale.
 *
 * A stale user PCID is a bit in the CPU's user_flush_mask. The kernel cannot flush the user PCID
 * while it runs on the kernel one (without INVPCID), so the exit path does it: on the way back to
 * ring 3 it writes the user CR3 once without NOFLUSH when the current slot's bit is set, and
 * clears it. asid_switch() hands the current slot's bit to the entry page, which the exit path
 * consumes (struct entry_page.user_flush).
 *
 * Pure logic, no hardware access: the same file runs in the host unit tests.
 */
#ifndef PORTCULLIS_ASID_H
#define PORTCULLIS_ASID_H

#include "types.h"

#define ASID_SLOTS 6

struct asid_state {
	u64 slot_ctx[ASID_SLOTS];   /* ctx_id of the address space in each slot, 0 = free */
	unsigned next_victim;       /* round-robin recycling */
	u32 user_flush_mask;        /* bit s: slot s's user PCID has stale entries */
};

struct asid_choice {
	unsigned slot;              /* kernel PCID = slot + 1 */
	bool flush_kernel;          /* write CR3 without NOFLUSH (or INVPCID) for the kernel PCID */
	bool flush_user;            /* the user PCID must be flushed before ring 3 uses it */
};

static inline unsigned asid_kernel_pcid(unsigned slot) { return slot + 1; }

/* Pick the slot for ctx_id (non-zero): reuse its slot, or take a free/recycled one. */
struct asid_choice asid_switch(struct asid_state *st, u64 ctx_id);

/* ctx_id's user mappings changed: its user PCID (if it has a slot) needs a flush. Returns true if
 * ctx_id holds a slot here. */
bool asid_mark_user_stale(struct asid_state *st, u64 ctx_id);

/* ctx_id is gone: free its slot (the PCIDs are flushed when the slot is reused). */
void asid_forget(struct asid_state *st, u64 ctx_id);

#endif
