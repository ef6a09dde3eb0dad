/*
 * sched.c - tasks and a preemptive round-robin scheduler (one CPU for now).
 *
 * Preemption happens on the way back to ring 3 (exit_to_user_mode) and in the idle loop; kernel
 * code is not preempted. The timer sets need_resched once per tick when another task can run.
 */
#include "types.h"
#include "task.h"
#include "percpu.h"
#include "cpu.h"
#include "mm.h"
#include "time.h"
#include "string.h"
#include "printk.h"
#include "kernel.h"
#include "sched.h"
#include "entry.h"
#include "segment.h"
#include "fsgsbase.h"
#include "fs.h"
#include "tls.h"

struct percpu percpu_data[CONFIG_NR_CPUS];
int next_pid = 1;

static struct task *runqueue;         /* circular list of runnable tasks via ->next; a task is
                                         on it iff its ->next is set (the idle task never is) */
static struct task *all_tasks;
static struct task idle_task;

extern char ret_from_fork[];

static void rq_add(struct task *t)
{
	BUG_ON(t->next);                   /* twice on the ring would cut other tasks off it */
	if (!runqueue) {
		t->next = t;
		runqueue = t;
	} else {
		t->next = runqueue->next;
		runqueue->next = t;
	}
}

static void rq_remove(struct task *t)
{
	if (!runqueue)
		return;
	struct task *p = runqueue;
	do {
		if (p->next == t) {
			p->next = t->next;
			if (runqueue == t)
				runqueue = (t->next == t) ? NULL : t->next;
			t->next = NULL;
			return;
		}
		p = p->next;
	} while (p != runqueue);
}

void sched_init(void)
{
	struct percpu *pc = this_cpu();
	strlcpy(idle_task.name, "idle", sizeof(idle_task.name));
	idle_task.state = TASK_RUNNABLE;
	pc->idle = &idle_task;
	pc->curr = &idle_task;
}

static struct task *task_alloc(const char *name)
{
	struct task *t = kzalloc(sizeof(*t));
	if (!t)
		return NULL;
	t->kstack = alloc_pages_virt(KSTACK_ORDER);
	if (!t->kstack) {
		kfree(t);
		return NULL;
	}
	t->kstack_top = (u64)t->kstack + KSTACK_SIZE;
	t->pid = t->tid = __atomic_fetch_add(&next_pid, 1, __ATOMIC_RELAXED);
	strlcpy(t->name, name, sizeof(t->name));
	t->all_next = all_tasks;
	all_tasks = t;
	return t;
}

/* Prepare the first switch_to into t: callee-saved registers, then ret_from_fork. */
static void task_prepare_switch(struct task *t, u64 stack, u64 fn, u64 arg)
{
	u64 *sp = (u64 *)stack;
	*--sp = (u64)ret_from_fork;
	*--sp = 0;          /* rbp */
	*--sp = fn;         /* rbx */
	*--sp = arg;        /* r12 */
	*--sp = 0;          /* r13 */
	*--sp = 0;          /* r14 */
	*--sp = 0;          /* r15 */
	t->ksp = (u64)sp;
}

struct task *task_create_kernel(const char *name, void (*fn)(void *), void *arg)
{
	struct task *t = task_alloc(name);
	if (!t)
		return NULL;
	task_prepare_switch(t, (u64)task_pt_regs(t), (u64)fn, (u64)arg);
	u64 f = irq_save();
	t->state = TASK_RUNNABLE;
	rq_add(t);
	irq_restore(f);
	return t;
}

/* A user task: mm and entry registers are set by exec; it starts in return_to_user_iret. */
struct task *task_create_user(const char *name, struct mm *mm, struct pt_regs **regs)
{
	struct task *t = task_alloc(name);
	if (!t)
		return NULL;
	t->mm = mm;
	t->fpu = fpu_alloc_state();            /* the initial state, loaded on the first exit */
	t->fpu_need_load = true;
	t->sig = signals_alloc();
	if (!t->fpu || !t->sig) {
		task_free(t);
		return NULL;
	}
	segments_init(t);
	*regs = task_pt_regs(t);
	memset(*regs, 0, sizeof(**regs));
	task_prepare_switch(t, (u64)*regs, 0, 0);
	return t;
}

void task_start(struct task *t)
{
	u64 f = irq_save();
	t->state = TASK_RUNNABLE;
	rq_add(t);
	irq_restore(f);
}

void task_free(struct task *t)
{
	struct task **pp = &all_tasks;
	while (*pp && *pp != t)
		pp = &(*pp)->all_next;
	if (*pp)
		*pp = t->all_next;
	fpu_task_drop(t);
	mm_put(t->mm);
	fpu_free_state(t->fpu);
	signals_free(t->sig);
	files_put(t->files);
	pmm_free(virt_to_phys(t->kstack), KSTACK_ORDER);
	kfree(t);
}

struct task *task_by_pid(int pid)
{
	for (struct task *t = all_tasks; t; t = t->all_next)
		if (t->pid == pid && !t->exited)
			return t;
	return NULL;
}

struct task *task_first(void) { return all_tasks; }

/* After a switch, in the task switched to: free the task that exited with nobody to reap it
 * (its kernel stack was in use until the switch). IRQs off. */
static void finish_switch(void)
{
	struct percpu *pc = this_cpu();
	struct task *dead = pc->dead;
	if (dead && dead != pc->curr) {
		pc->dead = NULL;
		task_free(dead);
	}
}

/* A new task's first instructions (ret_from_fork): finish the switch, and for a clone with
 * CLONE_CHILD_SETTID write the tid into the child's own memory (now loaded), as Linux's
 * schedule_tail does. */
void ret_from_fork_c(void)
{
	finish_switch();
	sti();
	struct task *t = current;
	if (t->set_child_tid) {
		u32 tid = t->tid;
		copy_to_user((void *)t->set_child_tid, &tid, sizeof(tid));   /* a bad pointer is ignored */
		t->set_child_tid = 0;
	}
}

static void wake_sleepers(u64 now)
{
	for (struct task *t = all_tasks; t; t = t->all_next)
		if (t->state == TASK_SLEEPING && t->wake_at_ns && now >= t->wake_at_ns) {
			t->wake_at_ns = 0;
			t->state = TASK_RUNNABLE;
			rq_add(t);
		}
}

void schedule(void)
{
	u64 f = irq_save();
	struct percpu *pc = this_cpu();
	struct task *prev = pc->curr, *next;
	clear_need_resched();
	/* A prev that stopped being runnable leaves the queue first: a sleep whose time is already
	 * up puts it straight back (wake_sleepers), and it must not be on the ring twice. */
	if (prev != pc->idle && prev->state != TASK_RUNNABLE)
		rq_remove(prev);
	wake_sleepers(ktime_ns());

	/* Round robin: the task after prev in the queue, or the head; idle when the queue is empty. */
	if (prev != pc->idle && prev->state == TASK_RUNNABLE && prev->next)
		next = prev->next;
	else
		next = runqueue ? runqueue : pc->idle;
	BUG_ON(next != pc->idle && next->state != TASK_RUNNABLE);   /* the queue holds only those */
	if (next == prev) {
		irq_restore(f);
		return;
	}
	if (runqueue && next != pc->idle)
		runqueue = next;

	/* The FPU: save prev's live registers; next's are loaded lazily, on its way to ring 3. */
	fpu_switch(prev, next);
	/* Leave prev: its user FS/GS bases. */
	if (prev->mm) {
		prev->fs_base = read_fsbase();      /* ring 3 may have changed them with WR*BASE */
		prev->gs_base = read_user_gsbase();
	}
	segments_switch(prev, next);         /* selectors and TLS descriptors, before next's bases */
	/* Enter next. */
	mm_switch(next->mm);
	pc->entry->top_of_stack = next->kstack_top;
	pc->curr = next;
	if (next->mm) {
		write_fsbase(next->fs_base);
		write_user_gsbase(next->gs_base);
	}
	signal_update_exit_work(next);       /* exit work is per CPU; signals are per task */
	/* switch_to also loads KERNEL_DS into a null SS, for next's SYSRET (switch.asm). */
	switch_to(prev, next);
	finish_switch();
	irq_restore(f);
}

void sched_yield(void)
{
	schedule();
}

void sched_tick(void)
{
	jiffies++;
	struct percpu *pc = this_cpu();
	u64 now = ktime_ns();
	for (struct task *t = all_tasks; t; t = t->all_next)
		if (t->state == TASK_SLEEPING && t->wake_at_ns && now >= t->wake_at_ns) {
			set_need_resched();
			break;
		}
	if (runqueue && (pc->curr == pc->idle || runqueue->next != runqueue ||
			 pc->curr->state != TASK_RUNNABLE))
		set_need_resched();
}

void sched_wake(struct task *t)
{
	u64 f = irq_save();
	if (t->state == TASK_SLEEPING) {
		t->state = TASK_RUNNABLE;
		t->wake_at_ns = 0;
		rq_add(t);
		set_need_resched();
	}
	irq_restore(f);
}

void sched_sleep_until(u64 ns)
{
	u64 f = irq_save();
	struct task *t = current;
	t->wake_at_ns = ns ? ns : 1;
	t->state = TASK_SLEEPING;
	schedule();
	irq_restore(f);
}

void sched_block(void)
{
	u64 f = irq_save();
	current->wake_at_ns = 0;
	current->state = TASK_SLEEPING;
	schedule();
	irq_restore(f);
}

/* Sleep on obj until sched_wake_all(obj) (or sched_wake). Call with IRQs off, after checking
 * the condition, so that no wake-up falls between the check and the sleep. */
void sched_wait_on(void *obj)
{
	current->wait_obj = obj;
	sched_block();
	current->wait_obj = NULL;
}

void sched_wake_all(void *obj)
{
	u64 f = irq_save();
	for (struct task *t = all_tasks; t; t = t->all_next)
		if (t->wait_obj == obj)
			sched_wake(t);
	irq_restore(f);
}

/*
 * End the running task: give back its memory and files (so a pipe's reader sees end-of-file at
 * once), hand its children to nobody, tell its parent, and become a zombie until reaped by the
 * parent's wait4, the kernel's task_wait, or (when nobody will wait) right after the switch.
 */
void task_exit(int wstatus)
{
	struct task *t = current;
	exit_release(t);
	cli();
	t->wstatus = wstatus;
	t->exit_status = (wstatus & 0x7f) ? 128 + (wstatus & 0x7f) : (wstatus >> 8) & 0xff;
	t->exited = true;
	t->state = TASK_ZOMBIE;
	exit_notify(t);
	if (t->waiter)
		sched_wake(t->waiter);
	if (t->autoreap)
		this_cpu()->dead = t;
	schedule();
	panic("task_exit: a zombie ran again");
}

int task_wait(struct task *t)
{
	u64 f = irq_save();
	while (!t->exited) {
		t->waiter = current;
		sched_block();
	}
	irq_restore(f);
	int status = t->exit_status;
	task_free(t);
	return status;
}

void idle_loop(void)
{
	for (;;) {
		cli();
		if (need_resched() || runqueue)
			schedule();
		__asm__ __volatile__("sti; hlt" ::: "memory");
	}
}
