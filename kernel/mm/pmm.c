/*
 * pmm.c - the physical frame allocator.
 *
 * One bit per 4 KiB frame (1 = in use) over [0, highest RAM address). Allocations of 2^order frames
 * are naturally aligned, which is what the PML4 pair (order 1, 8 KiB aligned) and kernel stacks
 * need. A first-fit scan from a moving hint; memory is small here and allocation is rare on hot
 * paths. Every frame handed out is zeroed.
 */
#include "types.h"
#include "mm.h"
#include "pmm.h"
#include "spinlock.h"
#include "string.h"

static u64 *bitmap;
static u64 nframes;
static u64 free_count, total_count;
static u64 hint;
static spinlock_t pmm_lock = SPINLOCK_INIT;

static inline bool frame_used(u64 f) { return bitmap[f / 64] & (1ULL << (f % 64)); }
static inline void set_used(u64 f) { bitmap[f / 64] |= 1ULL << (f % 64); }
static inline void set_free(u64 f) { bitmap[f / 64] &= ~(1ULL << (f % 64)); }

static void mark_range(u64 start, u64 end, bool used)
{
	u64 f0 = start / PAGE_SIZE, f1 = ALIGN_UP(end, PAGE_SIZE) / PAGE_SIZE;
	if (!used)      /* only whole frames become free */
		f0 = ALIGN_UP(start, PAGE_SIZE) / PAGE_SIZE, f1 = end / PAGE_SIZE;
	for (u64 f = f0; f < f1 && f < nframes; f++) {
		if (used && !frame_used(f)) {
			set_used(f);
			free_count--;
		} else if (!used && frame_used(f)) {
			set_free(f);
			free_count++;
		}
	}
}

static bool overlaps(u64 a0, u64 a1, const struct pmm_region *r, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (a0 < r[i].end && r[i].start < a1)
			return true;
	return false;
}

int pmm_init(const struct pmm_region *ram, unsigned nram, const struct pmm_region *reserved,
	     unsigned nreserved)
{
	u64 top = 0;
	for (unsigned i = 0; i < nram; i++)
		top = MAX(top, ram[i].end);
	nframes = top / PAGE_SIZE;
	u64 bytes = ALIGN_UP((nframes + 63) / 64 * 8, PAGE_SIZE);

	/* The bitmap goes in the first RAM range that holds it and overlaps nothing reserved. */
	bitmap = NULL;
	for (unsigned i = 0; i < nram && !bitmap; i++) {
		for (u64 a = ALIGN_UP(ram[i].start, PAGE_SIZE); a + bytes <= ram[i].end; a += PAGE_SIZE) {
			if (!overlaps(a, a + bytes, reserved, nreserved)) {
				bitmap = phys_to_virt(a);
				memset(bitmap, 0xff, bytes);
				free_count = 0;
				for (unsigned j = 0; j < nram; j++)
					mark_range(ram[j].start, ram[j].end, false);
				for (unsigned j = 0; j < nreserved; j++)
					mark_range(reserved[j].start, reserved[j].end, true);
				mark_range(a, a + bytes, true);
				break;
			}
		}
	}
	if (!bitmap)
		return -1;
	total_count = free_count;
	hint = 0;
	return 0;
}

phys_addr_t pmm_alloc(unsigned order)
{
	u64 n = 1ULL << order;
	u64 flags = spin_lock_irqsave(&pmm_lock);
	for (int pass = 0; pass < 2; pass++) {
		u64 start = pass == 0 ? ALIGN_UP(hint, n) : 0;
		u64 end = pass == 0 ? nframes : MIN(ALIGN_UP(hint, n) + n, nframes);
		for (u64 f = start; f + n <= end; f += n) {
			/* Skip whole used words quickly for single frames. */
			if (n == 1 && bitmap[f / 64] == ~0ULL) {
				f = ALIGN_DOWN(f, 64) + 64 - n;
				continue;
			}
			u64 i;
			for (i = 0; i < n && !frame_used(f + i); i++)
				;
			if (i < n)
				continue;
			for (i = 0; i < n; i++)
				set_used(f + i);
			free_count -= n;
			hint = f + n;
			spin_unlock_irqrestore(&pmm_lock, flags);
			memset(phys_to_virt(f * PAGE_SIZE), 0, n * PAGE_SIZE);
			return f * PAGE_SIZE;
		}
	}
	spin_unlock_irqrestore(&pmm_lock, flags);
	return PMM_FAIL;
}

void pmm_free(phys_addr_t p, unsigned order)
{
	u64 f = p / PAGE_SIZE, n = 1ULL << order;
	u64 flags = spin_lock_irqsave(&pmm_lock);
	for (u64 i = 0; i < n; i++) {
		if (f + i < nframes && frame_used(f + i)) {
			set_free(f + i);
			free_count++;
		}
	}
	if (f < hint)
		hint = f;
	spin_unlock_irqrestore(&pmm_lock, flags);
}

u64 pmm_free_pages(void) { return free_count; }
u64 pmm_total_pages(void) { return total_count; }
bool pmm_is_used(phys_addr_t p) { return p / PAGE_SIZE < nframes && frame_used(p / PAGE_SIZE); }
