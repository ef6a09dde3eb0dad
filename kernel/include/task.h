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
	int users;            /* tasks sharing it (vfork, CLONE_VM); the last mm_put destroys it */
};

enum task_state { TASK_RUNNABLE, TASK_SLEEPING, TASK_ZOMBIE, TASK_DEAD };

struct task {
	u64 ksp;                      /* saved kernel RSP while switched out (switch_to) */
	u64 kstack_top;
	void *kstack;
	struct mm *mm;                /* NULL for kernel threads */
	int pid, tid;
	int pgid, sid;                /* process group and session (kernel/proc/process.c) */
	bool did_exec;                /* has called execve: its parent may no longer move its group */
	bool kernel_started;          /* by spawn_program (init=, self-tests): kill(-1) spares it, as
	                                 Linux spares init */
	enum task_state state;
	int exit_status;              /* as a shell reports it: code, or 128 + signal */
	int wstatus;                  /* as wait4 reports it: code << 8, or the signal number */
	int exit_signal;              /* sent to the parent at exit: clone's CSIGNAL, SIGCHLD for fork */
	bool autoreap;                /* nobody will wait for it: freed as soon as it has exited */
	bool vfork_waiting;           /* blocked in vfork until the child execs or exits */
	struct task *vfork_parent;    /* the parent blocked in vfork on us, until our exec or exit */
	u64 set_child_tid;            /* CLONE_CHILD_SETTID: where to write our tid when we first run */
	void *wait_obj;               /* what the task sleeps on in sched_wait_on(), or NULL */
	bool restart_pending;         /* the system call returns -ERESTARTSYS: see do_signal */
	bool compat;                  /* 32-bit program */
	bool exited;
	u64 wake_at_ns;               /* sleeping until, 0 = no timeout */
	u64 fs_base, gs_base;         /* user FS/GS bases */
	u64 clear_child_tid;          /* set_tid_address */
	struct task *parent;
	struct signals *sig;          /* handlers, masks, pending signals (kernel/proc/signal.c) */
	struct files *files;          /* descriptors and working directory (kernel/fs/file.c) */
	u16 fsindex, gsindex, ds, es; /* user selectors while switched out (kernel/arch/x86_64/tls.c) */
	u64 tls[3];                   /* set_thread_area descriptors, GDT entries 12..14 */
	/* ^ fork must copy these with segments_fork(child) (tls.h): the live selectors are in the CPU */
	void *fpu;                    /* FXSAVE/XSAVE area, 64-byte aligned (NULL: kernel thread) */
	bool fpu_need_load;           /* fpu holds the state; the registers get it on exit to ring 3 */
	unsigned fpu_cpu;             /* the CPU whose registers last held this task's state */
	struct task *next;            /* run queue / all-tasks list links */
	struct task *all_next;
	struct task *waiter;          /* task blocked in task_wait() on this one */
	char name[32];
#ifdef CONFIG_KTEST
	u64 ktest_resume_rip;         /* resume here after the next fatal fault instead of dying */
	u64 ktest_kfpu_hits;          /* kernel SIMD ran in an interrupt of this task's ring 3 */
#endif
};

/* The user registers of t: the pt_regs at the top of its kernel stack (entry code and exec). */
static inline struct pt_regs *task_pt_regs(struct task *t)
{
	return (struct pt_regs *)(t->kstack_top - sizeof(struct pt_regs));
}

struct task *task_create_kernel(const char *name, void (*fn)(void *), void *arg);
struct task *task_create_user(const char *name, struct mm *mm, struct pt_regs **regs);
void task_start(struct task *t);
void task_free(struct task *t);
void idle_loop(void) __noreturn;
struct task *task_by_pid(int pid);        /* a live task (not a zombie) */
struct task *process_by_pid(int pid);     /* a user process, zombies too (kernel/proc/process.c) */
void task_exit(int wstatus) __noreturn;    /* wstatus as wait4 reports it: W_EXITCODE/W_SIGNALED */
#define W_EXITCODE(code) (((code) & 0xff) << 8)
int task_wait(struct task *t);           /* kernel: wait for exit; returns the shell-style status; frees t */
void sched_init(void);
void schedule(void);
void sched_yield(void);
void sched_wake(struct task *t);
void sched_sleep_until(u64 ns);          /* sleep the current task until ktime_ns() >= ns */
void sched_block(void);                  /* current task sleeps until sched_wake */
void sched_wait_on(void *obj);           /* sched_block, woken by sched_wake_all(obj); IRQs off */
void sched_wake_all(void *obj);          /* wake every task sleeping in sched_wait_on(obj) */
struct task *task_first(void);           /* all tasks: for (t = task_first(); t; t = t->all_next) */
void switch_to(struct task *prev, struct task *next);

/* Processes (kernel/proc/process.c): the parent and child side of exit. */
void exit_notify(struct task *t);        /* reparent t's children, tell t's parent; IRQs off */
void exit_release(struct task *t);       /* drop mm and files at exit, release a vfork parent */
void vfork_release(struct task *t);      /* exec or exit of a vfork child: wake the parent */
void release_child_tid(struct task *t);  /* exit/exec: zero CLONE_CHILD_CLEARTID's word if mm is shared */

/* Process creation from a boot module (kernel/exec/exec.c). */
struct task *spawn_program(const char *name, int argc, char *const argv[], const char **why);
int spawn_and_wait(const char *name, int argc, char *const argv[]);

/* Address spaces (kernel/mm/vm.c). */
struct mm *mm_create(void);
void mm_destroy(struct mm *mm);         /* free it now, whoever else uses it (error paths) */
struct mm *mm_dup(struct mm *mm);       /* fork: a private copy of every region and page */
void mm_get(struct mm *mm);
void mm_put(struct mm *mm);             /* drop a user; the last one destroys mm. NULL is ignored */
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
struct ksiginfo { int signo, code; u64 addr; u64 trapno, error; int pid; int status; };
#define CLD_EXITED 1                     /* SIGCHLD si_code; si_status is the exit code */
#define CLD_KILLED 2                     /* si_status is the signal */
struct signals *signals_alloc(void);
void signals_free(struct signals *s);
void signal_send(struct task *t, const struct ksiginfo *info);
void force_sig_info(struct pt_regs *regs, const struct ksiginfo *info);
bool signal_pending_deliverable(struct task *t);
bool signal_has_handler(struct task *t, int sig);
void do_signal(struct pt_regs *regs);
void signal_update_exit_work(struct task *t);
/* A blocking call interrupted by a deliverable signal: restarted after the handler if it has
 * SA_RESTART (or if none runs), -EINTR otherwise, as Linux's -ERESTARTSYS. */
long syscall_restartable(void);
void signals_fork(struct signals *child, const struct signals *parent);   /* actions, mask, altstack */
void signals_exec(struct signals *s);    /* execve: handlers back to SIG_DFL (SIG_IGN stays), no altstack */
bool signal_child_autoreap(struct task *parent);   /* SIGCHLD ignored or SA_NOCLDWAIT: no zombies */

/* Faults (kernel/arch/x86_64/traps.c). */
#define SIGTRAP 5
#define SIGILL  4
#define SIGBUS  7
#define SIGFPE  8
#define SIGKILL 9
#define SIGSEGV 11
void user_fault(int sig, int code, struct pt_regs *regs, unsigned vector, const char *what, u64 addr);

/* FPU (kernel/arch/x86_64/fpu.c): lazily restored user state, see the comment at its top. */
void fpu_init(void);
void *fpu_alloc_state(void);
void fpu_free_state(void *p);
u32 fpu_state_size(void);
bool fpu_uses_xsave(void);
u64 fpu_xfeatures(void);
bool fpu_state_valid(const void *state);
void fpu_sync_to_task(struct task *t);                  /* t->fpu := t's state, stable */
void fpu_task_modified(struct task *t);                 /* after writing t->fpu directly */
void fpu_task_set_state(struct task *t, const void *img); /* t's state := a checked image */
void fpu_task_set_init(struct task *t);                 /* t's state := the initial state */
void fpu_task_drop(struct task *t);                     /* t is being freed */
void fpu_switch(struct task *prev, struct task *next);  /* schedule(), IRQs off */
void fpu_exit_to_user(void);                            /* exit_to_user_mode(), IRQs off, last */

extern int next_pid;

#endif
