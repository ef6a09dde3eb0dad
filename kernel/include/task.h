/* Tasks, address spaces and the scheduler (kernel/proc). */
#ifndef PORTCULLIS_TASK_H
#define PORTCULLIS_TASK_H

#include "types.h"
#include "ptrace.h"
#include "spinlock.h"

#define MM_MAX_VMAS 64

#define VM_READ  BIT(0)
#define VM_WRITE BIT(1)
#define VM_EXEC  BIT(2)
#define VM_GROWSDOWN BIT(3)

struct vma {
	u64 start, end;       /* [start, end), page aligned */
	u32 flags;            /* VM_* */
};

/* An address space: the PML4 pair (kernel PML4, user PML4 4 KiB above it) and its regions. */
struct mm {
	phys_addr_t pgd;      /* kernel PML4; with PTI the user PML4 is pgd + 4 KiB */
	u64 ctx_id;           /* unique for the kernel's lifetime: names the mm in PCID slots */
	struct vma vmas[MM_MAX_VMAS];
	unsigned nvmas;
	u64 brk_start, brk;
	u64 pages;            /* user pages mapped (for the frame-count test) */
	u64 pt_pages;         /* page-table pages owned by this mm, PML4 pair included */
};

enum task_state { TASK_RUNNABLE, TASK_SLEEPING, TASK_ZOMBIE, TASK_DEAD };

struct task {
	u64 ksp;                      /* saved kernel RSP while switched out (switch_to) */
	u64 kstack_top;
	void *kstack;
	struct mm *mm;                /* NULL for kernel threads */
	int pid, tid;
	enum task_state state;
	int exit_status;              /* as a shell reports it: code, or 128 + signal */
	bool compat;                  /* 32-bit program */
	bool exited;
	u64 wake_at_ns;               /* sleeping until, 0 = no timeout */
	u64 fs_base, gs_base;         /* user FS/GS bases */
	u64 clear_child_tid;          /* set_tid_address */
	struct task *parent;
	struct signals *sig;          /* handlers, masks, pending signals (kernel/proc/signal.c) */
	struct files *files;          /* descriptors and working directory (kernel/fs/file.c) */
	u16 fsindex, gsindex;
	void *fpu;                    /* FXSAVE/XSAVE area, 64-byte aligned */
	struct task *next;            /* run queue / all-tasks list links */
	struct task *all_next;
	struct task *waiter;          /* task blocked in task_wait() on this one */
	char name[32];
#ifdef CONFIG_KTEST
	u64 ktest_resume_rip;         /* resume here after the next fatal fault instead of dying */
#endif
};

struct task *task_create_kernel(const char *name, void (*fn)(void *), void *arg);
struct task *task_create_user(const char *name, struct mm *mm, struct pt_regs **regs);
void task_start(struct task *t);
void task_free(struct task *t);
void idle_loop(void) __noreturn;
struct task *task_by_pid(int pid);
void task_exit(int status) __noreturn;
int task_wait(struct task *t);           /* wait for exit; returns exit status; frees t */
void sched_init(void);
void schedule(void);
void sched_yield(void);
void sched_wake(struct task *t);
void sched_sleep_until(u64 ns);          /* sleep the current task until ktime_ns() >= ns */
void sched_block(void);                  /* current task sleeps until sched_wake */
void switch_to(struct task *prev, struct task *next);

/* Process creation from a boot module (kernel/exec/exec.c). */
struct task *spawn_program(const char *name, int argc, char *const argv[], const char **why);
int spawn_and_wait(const char *name, int argc, char *const argv[]);

/* Address spaces (kernel/mm/vm.c). */
struct mm *mm_create(void);
void mm_destroy(struct mm *mm);
void mm_switch(struct mm *mm);          /* load mm's tables (NULL: the master); kernel/mm/tlb.c */
void mm_forget(struct mm *mm);          /* before freeing mm: leave it, drop its PCID slots */
int mm_add_vma(struct mm *mm, u64 start, u64 end, u32 flags);
struct vma *mm_find_vma(struct mm *mm, u64 addr);
int mm_populate(struct mm *mm, u64 va, u32 flags);   /* map one zeroed page at va */
bool mm_handle_fault(struct mm *mm, u64 addr, bool write, bool exec);
int mm_unmap_range(struct mm *mm, u64 start, u64 end);               /* regions, pages, TLB */
int mm_protect_range(struct mm *mm, u64 start, u64 end, u32 flags);  /* -1: unmapped, -2: full */
u64 mm_find_free(struct mm *mm, u64 len, u64 top);

/* TLB maintenance for user mappings (kernel/mm/tlb.c): after changing or removing PTEs of mm. */
void flush_tlb_user_range(struct mm *mm, u64 start, u64 end);
void tlb_init(void);
extern bool pcid_enabled, invpcid_enabled;

/* User memory access (kernel/lib/uaccess.asm + kernel/mm/uaccess.c). */
bool access_ok(const void *p, u64 len);
u64 copy_from_user(void *dst, const void *usrc, u64 len);   /* bytes NOT copied */
u64 copy_to_user(void *udst, const void *src, u64 len);
long strncpy_from_user(char *dst, const char *usrc, long max);

/* Signals (kernel/proc/signal.c). */
struct ksiginfo { int signo, code; u64 addr; u64 trapno, error; int pid; };
struct signals *signals_alloc(void);
void signals_free(struct signals *s);
void signal_send(struct task *t, const struct ksiginfo *info);
void force_sig_info(struct pt_regs *regs, const struct ksiginfo *info);
bool signal_pending_deliverable(struct task *t);
bool signal_has_handler(struct task *t, int sig);
void do_signal(struct pt_regs *regs);
void signal_update_exit_work(struct task *t);

/* Faults (kernel/arch/x86_64/traps.c). */
#define SIGTRAP 5
#define SIGILL  4
#define SIGBUS  7
#define SIGFPE  8
#define SIGKILL 9
#define SIGSEGV 11
void user_fault(int sig, int code, struct pt_regs *regs, unsigned vector, const char *what, u64 addr);

/* FPU (kernel/arch/x86_64/fpu.c). */
void fpu_init(void);
void *fpu_alloc_state(void);
void fpu_free_state(void *p);
void fpu_save(void *state);
void fpu_restore(const void *state);
void fpu_restore_init(void);
u32 fpu_state_size(void);
bool fpu_uses_xsave(void);
u64 fpu_xfeatures(void);
bool fpu_state_valid(const void *state);

extern int next_pid;

#endif
