/* Spinlocks. Single CPU today; the lock is real so SMP can come without changing call sites. */
#ifndef PORTCULLIS_SPINLOCK_H
#define PORTCULLIS_SPINLOCK_H

#include "types.h"
#include "cpu.h"

typedef struct { volatile u32 locked; } spinlock_t;
#define SPINLOCK_INIT { 0 }

static inline void spin_lock(spinlock_t *l)
{
	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
		while (READ_ONCE(l->locked))
			cpu_relax();
}
static inline bool spin_trylock(spinlock_t *l)
{
	return !__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE);
}
static inline void spin_unlock(spinlock_t *l) { __atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE); }
static inline u64 spin_lock_irqsave(spinlock_t *l) { u64 f = irq_save(); spin_lock(l); return f; }
static inline void spin_unlock_irqrestore(spinlock_t *l, u64 f) { spin_unlock(l); irq_restore(f); }

#endif
