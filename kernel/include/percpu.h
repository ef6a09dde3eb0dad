/*
 * Per-CPU data.
 *
 * In the kernel, the GS base of each CPU points at that CPU's *entry page*: the first page of its
 * slice of the entry area (memlayout.h). The entry page is mapped in the user page tables too, so
 * the entry code can use it (through %gs, right after SWAPGS) before it has switched to the kernel
 * CR3. It therefore holds only what the entry code needs: scratch slots, the top of the current
 * task's kernel stack, the TSS, and a pointer to the rest of the per-CPU data (struct percpu),
 * which lives in ordinary kernel memory and is never mapped for ring 3.
 */
#ifndef PORTCULLIS_PERCPU_H
#define PORTCULLIS_PERCPU_H

#include "types.h"
#include "memlayout.h"

struct tss {
	u32 reserved0;
	u64 rsp0, rsp1, rsp2;
	u64 reserved1;
	u64 ist[7];           /* ist[0] is IST1 */
	u64 reserved2;
	u16 reserved3;
	u16 iomap_base;
} __packed;
static_assert(sizeof(struct tss) == 104, "TSS layout");

/* IST indexes (1-based, as in the IDT gate). */
#define IST_NMI 1
#define IST_DB  2
#define IST_MC  3
#define IST_DF  4

struct percpu;

struct entry_page {
	u64 self;             /* the GS base value itself: gs:0 yields a pointer to this page */
	u64 scratch_rsp;      /* SYSCALL: the user RSP while no register is free */
	u64 top_of_stack;     /* top of the current task's kernel stack (end of its pt_regs) */
	struct percpu *percpu;
	u64 cpu;
	u64 pti_active;       /* 1 when this CPU switches CR3 on entry/exit (read by paranoid paths) */
	u64 nmi_nesting;      /* paranoid NMI: see kernel/entry/nmi.asm */
	u64 nmi_count;
	u32 exit_work;        /* EXIT_WORK_*: something to do before returning to ring 3 */
	u32 user_flush;       /* PCID: bit 0 = the current user PCID is stale; the exit path consumes it */
	u64 ktest_flags;      /* CONFIG_KTEST: requests from self-tests to the entry code */
	u64 ktest_last_cr3;   /* CONFIG_KTEST: CR3 found by the last paranoid entry */
	u64 ktest_last_gs;    /* CONFIG_KTEST: 1 if it found the kernel GS base live */
	u64 ktest_last_user_cr3;    /* CONFIG_KTEST: CR3 found by the last NMI from ring 3 */
	u64 ktest_user_flushes;     /* CONFIG_KTEST: deferred user-PCID flushes done on exit */
	u64 pad[1];
	struct tss tss __aligned(16);
} __aligned(PAGE_SIZE);
static_assert(sizeof(struct entry_page) == PAGE_SIZE, "entry page is one page");

/* The per-CPU slice of the entry area, as laid out in memlayout.h. */
static inline u64 cea_slice(unsigned cpu) { return CEA_BASE + (u64)cpu * CEA_STRIDE; }

struct task;

struct percpu {
	struct entry_page *entry;   /* this CPU's entry page, at its entry-area address */
	unsigned cpu;
	u32 apic_id;
	struct task *curr;            /* the running task (see current) */
	struct task *idle;
	struct mm *active_mm;         /* whose tables CR3 holds (NULL: the master, for kernel threads) */
	struct task *dead;            /* a task that exited with nobody to reap it: freed after the switch */
	u64 irq_count;
	u64 nmi_seen_user, nmi_seen_kernel, nmi_seen_entry;  /* where NMIs landed (ktest) */
	/* FPU (kernel/arch/x86_64/fpu.c): whose user state the FPU registers hold (NULL: nobody's,
	 * e.g. after kernel SIMD), and FPU_BUSY_* while kernel_fpu_usable() must say no. */
	struct task *fpu_owner;
	u32 fpu_busy;
	u32 in_paranoid;              /* depth of do_paranoid(): NMI, #DB from ring 0, #MC, #DF */
};

extern struct percpu percpu_data[CONFIG_NR_CPUS];

static inline struct entry_page *this_entry_page(void)
{
	struct entry_page *p;
	__asm__ __volatile__("mov %%gs:0, %0" : "=r"(p));
	return p;
}
static inline struct percpu *this_cpu(void)
{
	struct percpu *p;
	__asm__ __volatile__("mov %%gs:%c1, %0" : "=r"(p) : "i"(offsetof(struct entry_page, percpu)));
	return p;
}
static inline struct task *current_task(void) { return this_cpu()->curr; }

/* Work for the way back to ring 3, in this CPU's entry page (one %gs-relative load to test). */
#define EXIT_WORK_RESCHED BIT(0)
#define EXIT_WORK_SIGNAL  BIT(1)      /* the running task has a deliverable signal */
#define EXIT_WORK_FPU     BIT(2)      /* load the running task's FPU state (always done last) */
static inline u32 exit_work(void)
{
	u32 w;
	__asm__ __volatile__("movl %%gs:%c1, %0" : "=r"(w) : "i"(offsetof(struct entry_page, exit_work)));
	return w;
}
static inline void set_need_resched(void)
{
	__asm__ __volatile__("lock orl %0, %%gs:%c1" :: "i"(EXIT_WORK_RESCHED),
			     "i"(offsetof(struct entry_page, exit_work)) : "memory");
}
static inline void clear_need_resched(void)
{
	__asm__ __volatile__("lock andl %0, %%gs:%c1" :: "i"(~EXIT_WORK_RESCHED),
			     "i"(offsetof(struct entry_page, exit_work)) : "memory");
}
static inline bool need_resched(void) { return exit_work() & EXIT_WORK_RESCHED; }
/* EXIT_WORK_FPU mirrors the running task's fpu_need_load (kernel/arch/x86_64/fpu.c sets it). */
static inline void set_exit_work_fpu(bool on)
{
	if (on)
		__asm__ __volatile__("lock orl %0, %%gs:%c1" :: "i"(EXIT_WORK_FPU),
				     "i"(offsetof(struct entry_page, exit_work)) : "memory");
	else
		__asm__ __volatile__("lock andl %0, %%gs:%c1" :: "i"(~EXIT_WORK_FPU),
				     "i"(offsetof(struct entry_page, exit_work)) : "memory");
}
#define current current_task()

#endif
