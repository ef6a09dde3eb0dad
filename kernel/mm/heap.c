/*
 * heap.c - kmalloc/kfree.
 *
 * Small objects (up to 2 KiB) come from per-size-class free lists carved out of whole pages; larger
 * ones are whole frames of the smallest sufficient order. A 16-byte header in front of every block
 * records which, so kfree needs no size. Memory lives in the direct map (never in the user tables).
 */
#include "types.h"
#include "mm.h"
#include "spinlock.h"
#include "string.h"
#include "kernel.h"

#define HEAP_MAGIC 0x4b48454150ULL        /* "KHEAP" */
#define NCLASSES 8                        /* 32 .. 4096-byte blocks, header included */

struct block_hdr {
	u32 cls;                          /* size class, or 0x100 + order for page allocations */
	u32 pad;
	u64 magic;
};
struct free_block { struct free_block *next; };

static struct free_block *free_lists[NCLASSES];
static spinlock_t heap_lock = SPINLOCK_INIT;
u64 heap_live_blocks;                     /* allocated and not yet freed */
u64 heap_class_pages;                     /* pages carved into size-class blocks (kept for good) */

static size_t class_size(unsigned c) { return 32UL << c; }

void *kmalloc(size_t size)
{
	size_t need = size + sizeof(struct block_hdr);
	if (size == 0 || size > (1UL << 30))
		return NULL;
	for (unsigned c = 0; c < NCLASSES - 1; c++) {
		if (need > class_size(c))
			continue;
		u64 f = spin_lock_irqsave(&heap_lock);
		if (!free_lists[c]) {
			u8 *page = alloc_pages_virt(0);
			if (!page) {
				spin_unlock_irqrestore(&heap_lock, f);
				return NULL;
			}
			heap_class_pages++;
			for (size_t off = 0; off + class_size(c) <= PAGE_SIZE; off += class_size(c)) {
				struct free_block *b = (struct free_block *)(page + off);
				b->next = free_lists[c];
				free_lists[c] = b;
			}
		}
		struct free_block *b = free_lists[c];
		free_lists[c] = b->next;
		heap_live_blocks++;
		spin_unlock_irqrestore(&heap_lock, f);
		struct block_hdr *h = (struct block_hdr *)b;
		h->cls = c;
		h->magic = HEAP_MAGIC;
		return h + 1;
	}
	unsigned order = 0;
	while ((PAGE_SIZE << order) < need)
		order++;
	struct block_hdr *h = alloc_pages_virt(order);
	if (!h)
		return NULL;
	h->cls = 0x100 + order;
	h->magic = HEAP_MAGIC;
	__atomic_add_fetch(&heap_live_blocks, 1, __ATOMIC_RELAXED);
	return h + 1;
}

void *kzalloc(size_t size)
{
	void *p = kmalloc(size);
	if (p)
		memset(p, 0, size);
	return p;
}

void kfree(void *p)
{
	if (!p)
		return;
	struct block_hdr *h = (struct block_hdr *)p - 1;
	if (h->magic != HEAP_MAGIC)
		panic("kfree: %p is not a heap block (or was freed twice)", p);
	h->magic = 0;
	if (h->cls >= 0x100) {
		__atomic_sub_fetch(&heap_live_blocks, 1, __ATOMIC_RELAXED);
		pmm_free(virt_to_phys(h), h->cls - 0x100);
		return;
	}
	unsigned cls = h->cls;       /* read before the free-list link overwrites the header */
	BUG_ON(cls >= NCLASSES);
	struct free_block *b = (struct free_block *)h;
	u64 f = spin_lock_irqsave(&heap_lock);
	b->next = free_lists[cls];
	free_lists[cls] = b;
	heap_live_blocks--;
	spin_unlock_irqrestore(&heap_lock, f);
}
