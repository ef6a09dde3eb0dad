/* asid.c - per-CPU PCID slots and the user-PCID flush mask (see include/asid.h). */
#include "asid.h"

struct asid_choice asid_switch(struct asid_state *st, u64 ctx_id)
{
	struct asid_choice c = { 0, false, false };
	for (unsigned s = 0; s < ASID_SLOTS; s++) {
		if (st->slot_ctx[s] == ctx_id) {
			c.slot = s;
			c.flush_user = st->user_flush_mask & (1U << s);
			st->user_flush_mask &= ~(1U << s);
			return c;
		}
	}
	/* A free slot if there is one, else the next victim. Either way its PCIDs may hold entries of
	 * whatever used them before: flush both before the new address space runs. */
	unsigned s = ASID_SLOTS;
	for (unsigned i = 0; i < ASID_SLOTS && s == ASID_SLOTS; i++)
		if (!st->slot_ctx[i])
			s = i;
	if (s == ASID_SLOTS) {
		s = st->next_victim;
		st->next_victim = (st->next_victim + 1) % ASID_SLOTS;
	}
	st->slot_ctx[s] = ctx_id;
	st->user_flush_mask &= ~(1U << s);
	c.slot = s;
	c.flush_kernel = true;
	c.flush_user = true;
	return c;
}

bool asid_mark_user_stale(struct asid_state *st, u64 ctx_id)
{
	for (unsigned s = 0; s < ASID_SLOTS; s++) {
		if (st->slot_ctx[s] == ctx_id) {
			st->user_flush_mask |= 1U << s;
			return true;
		}
	}
	return false;
}

void asid_forget(struct asid_state *st, u64 ctx_id)
{
	for (unsigned s = 0; s < ASID_SLOTS; s++) {
		if (st->slot_ctx[s] == ctx_id) {
			st->slot_ctx[s] = 0;
			st->user_flush_mask &= ~(1U << s);
		}
	}
}
