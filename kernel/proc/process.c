/*
 * process.c - processes as Linux programs see them: fork, vfork and clone (processes, with or
 * without a shared address space), wait4/waitpid, and what exit does for the parent and the
 * children (zombies, SIGCHLD, orphans). execve is in kernel/exec/exec.c.
 *
 * A child gets a private, eagerly copied address space (no copy-on-write), or with CLONE_VM the
 * parent's, shared by reference; a copy of the descriptor table, signal actions, mask and
 * alternate stack, FPU state and FS/GS bases. CLONE_VFORK blocks the parent until the child
 * execs or exits. Threads (CLONE_THREAD, CLONE_SIGHAND, CLONE_FILES, CLONE_FS) are refused with
 * EINVAL: there is one thread per process.
 *
 * Process groups and sessions (setpgid, getpgid, getpgrp, setsid, getsid) follow Linux's rules;
 * kill and wait4 address groups through them. A program the kernel starts leads a session and a
 * group of its own, as a program started with setsid does; there is no controlling terminal, so
 * no job control and no SIGHUP for orphaned groups.
 *
 * Exit: the task drops its memory and files at once, becomes a zombie, sends its exit signal
 * (SIGCHLD for fork) to the parent with CLD_EXITED/CLD_KILLED and wakes a parent in wait4.
 * Its children are orphaned: there is no init to adopt them, so an orphan is reaped by nobody
 * and freed as soon as it is dead (getppid then says 0; on Linux it would name init or a
 * subreaper). A parent that ignores SIGCHLD or set SA_NOCLDWAIT gets no zombies either, as on
 * Linux. Programs the kernel itself started (parent NULL, not orphans) are reaped by task_wait.
 */
#include "types.h"
#include "task.h"
#include "signal.h"
#include "syscalls.h"
#include "errno.h"
#include "percpu.h"
#include "cpu.h"
#include "mm.h"
#include "string.h"
#include "fsgsbase.h"
#include "memlayout.h"
#include "fs.h"
#include "tls.h"

#define CSIGNAL              0x000000ff
#define CLONE_VM             0x00000100
#define CLONE_FS             0x00000200
#define CLONE_FILES          0x00000400
#define CLONE_SIGHAND        0x00000800
#define CLONE_PIDFD          0x00001000
#define CLONE_PTRACE         0x00002000
#define CLONE_VFORK          0x00004000
#define CLONE_PARENT         0x00008000
#define CLONE_THREAD         0x00010000
#define CLONE_SETTLS         0x00080000
#define CLONE_PARENT_SETTID  0x00100000
#define CLONE_CHILD_CLEARTID 0x00200000
#define CLONE_DETACHED       0x00400000
#define CLONE_CHILD_SETTID   0x01000000

/* What a process clone may ask for; the rest (threads, namespaces, ptrace, pidfd) is EINVAL. */
#define CLONE_SUPPORTED (CSIGNAL | CLONE_VM | CLONE_VFORK | CLONE_SETTLS | CLONE_PARENT_SETTID | \
			 CLONE_CHILD_CLEARTID | CLONE_CHILD_SETTID | CLONE_DETACHED)

#define WNOHANG    0x00000001
#define WUNTRACED  0x00000002
#define WCONTINUED 0x00000008
#define __WNOTHREAD 0x20000000
#define __WALL     0x40000000
#define __WCLONE   0x80000000

/* ---- exit ------------------------------------------------------------------------------------ */

void vfork_release(struct task *t)
{
	u64 f = irq_save();
	struct task *p = t->vfork_parent;
	if (p) {
		t->vfork_parent = NULL;
		p->vfork_waiting = false;
		sched_wake(p);
	}
	irq_restore(f);
}

/* Linux's mm_release: the CLONE_CHILD_CLEARTID word is zeroed if another task shares the memory
 * (nobody can wait on it as a futex here), and forgotten. */
void release_child_tid(struct task *t)
{
	if (t->clear_child_tid && __atomic_load_n(&t->mm->users, __ATOMIC_RELAXED) > 1) {
		u32 zero = 0;
		copy_to_user((void *)t->clear_child_tid, &zero, sizeof(zero));   /* a bad pointer is ignored */
	}
	t->clear_child_tid = 0;
}

/*
 * The first half of exit, while the task can still sleep and touch its memory: the
 * CLONE_CHILD_CLEARTID word (release_child_tid), then memory and descriptors go, and a parent
 * blocked in vfork resumes.
 */
void exit_release(struct task *t)
{
	struct mm *mm = t->mm;
	if (mm) {
		release_child_tid(t);
		u64 f = irq_save();
		t->mm = NULL;                  /* a task without mm never returns to ring 3 */
		irq_restore(f);
		mm_put(mm);                    /* the last user leaves it for the master tables */
	}
	vfork_release(t);
	files_put(t->files);
	t->files = NULL;
}

/* The second half (IRQs off, t a zombie): orphan t's children, tell t's parent. */
void exit_notify(struct task *t)
{
	for (struct task *c = task_first(), *next; c; c = next) {
		next = c->all_next;
		if (c->parent != t)
			continue;
		c->parent = NULL;
		if (c->exited)
			task_free(c);              /* a zombie nobody will reap now; it is not running */
		else
			c->autoreap = true;
	}
	struct task *p = t->parent;
	if (!p)
		return;
	if (signal_child_autoreap(p))
		t->autoreap = true;
	if (t->exit_signal) {
		bool killed = t->wstatus & 0x7f;
		struct ksiginfo info = { .signo = t->exit_signal, .code = killed ? CLD_KILLED : CLD_EXITED,
					 .pid = t->pid, .status = killed ? t->wstatus & 0x7f : (t->wstatus >> 8) & 0xff };
		signal_send(p, &info);
	}
	if (t->autoreap)
		t->parent = NULL;
	sched_wake_all(p);                 /* a parent in wait4 sleeps on itself */
}

/* ---- fork, vfork, clone ---------------------------------------------------------------------- */

/* Give the child the parent's FPU registers as they are now. */
static void fpu_fork(struct task *child, struct task *parent)
{
	fpu_sync_to_task(parent);
	fpu_task_set_state(child, parent->fpu);
}

/*
 * The common body of fork, vfork and clone. The child resumes in ring 3 where the parent made the
 * call, with RAX 0 (and RSP = newsp if given); returns the child's pid, or -errno with nothing
 * created.
 */
static long do_clone(u64 flags, u64 newsp, u64 uptid, u64 uctid, u64 tls)
{
	struct task *parent = current;
	if (flags & ~(u64)CLONE_SUPPORTED)
		return -EINVAL;
	if ((flags & CLONE_SETTLS) && !parent->compat && tls >= USER_TOP)
		return -EINVAL;                /* a bad FS base (i386: a user_desc, judged below) */
	if (!parent->mm)
		return -EINVAL;

	struct mm *mm;
	if (flags & CLONE_VM) {
		mm = parent->mm;
		mm_get(mm);
	} else if (!(mm = mm_dup(parent->mm))) {
		return -ENOMEM;
	}
	struct pt_regs *regs;
	struct task *c = task_create_user(parent->name, mm, &regs);
	if (!c) {
		mm_put(mm);
		return -ENOMEM;
	}
	c->files = files_dup(parent->files);
	if (!c->files) {
		task_free(c);
		return -ENOMEM;
	}
	*regs = *task_pt_regs(parent);
	regs->rax = 0;
	if (newsp)
		regs->rsp = newsp;
	c->compat = parent->compat;
	c->fs_base = (flags & CLONE_SETTLS) && !parent->compat ? tls : read_fsbase();
	c->gs_base = read_user_gsbase();
	segments_fork(c);                  /* TLS descriptors and the live selectors (tls.h) */
	if ((flags & CLONE_SETTLS) && !parent->compat) {
		c->fsindex = 0;                /* as ARCH_SET_FS */
	} else if (flags & CLONE_SETTLS) {
		/* i386: tls is a user_desc for the child's entry, as Linux's set_new_tls. */
		long err = segments_clone_tls(c, tls);
		if (err) {
			task_free(c);
			return err;
		}
	}
	signals_fork(c->sig, parent->sig);
	fpu_fork(c, parent);
	c->parent = parent;
	c->pgid = parent->pgid;
	c->sid = parent->sid;
	c->exit_signal = flags & CSIGNAL;
	if (flags & CLONE_CHILD_SETTID)
		c->set_child_tid = uctid;
	if (flags & CLONE_CHILD_CLEARTID)
		c->clear_child_tid = uctid;
	long pid = c->pid;
	if (flags & CLONE_PARENT_SETTID) {
		u32 tid = c->tid;
		if (copy_to_user((void *)uptid, &tid, sizeof(tid))) {
			task_free(c);
			return -EFAULT;
		}
	}
	if (flags & CLONE_VFORK) {
		c->vfork_parent = parent;
		parent->vfork_waiting = true;
	}
	task_start(c);
	if (flags & CLONE_VFORK) {
		/* Uninterruptible, as Linux's (killable) wait: the child shares our memory until it
		 * execs or exits, and this stack frame must not return before then. */
		u64 f = irq_save();
		while (parent->vfork_waiting)
			sched_block();
		irq_restore(f);
	}
	return pid;
}

long sys_fork(void) { return do_clone(SIGCHLD, 0, 0, 0, 0); }
long sys_vfork(void) { return do_clone(CLONE_VM | CLONE_VFORK | SIGCHLD, 0, 0, 0, 0); }

/* x86-64 argument order: flags, newsp, parent_tid, child_tid, tls. */
long sys_clone(u64 flags, u64 newsp, u64 uptid, u64 uctid, u64 tls)
{
	return do_clone(flags, newsp, uptid, uctid, tls);
}

/* i386 (CLONE_BACKWARDS): flags, newsp, parent_tid, tls, child_tid. */
long compat_sys_clone(u64 flags, u64 newsp, u64 uptid, u64 tls, u64 uctid)
{
	return do_clone((u32)flags, (u32)newsp, (u32)uptid, (u32)uctid, (u32)tls);
}

/* ---- wait4 ----------------------------------------------------------------------------------- */

/* Does child c match wait4's pid (> 0: that one; 0: one in our process group; -1: any; < -1: one
 * in group -pid) and the __WCLONE/__WALL choice between children that signal SIGCHLD and those
 * that do not? */
static bool wait_match(const struct task *c, int pid, u64 options)
{
	if (pid > 0 && c->pid != pid)
		return false;
	if (pid == 0 && c->pgid != current->pgid)
		return false;
	if (pid < -1 && (s64)c->pgid != -(s64)pid)
		return false;
	if (options & __WALL)
		return true;
	return !!(options & __WCLONE) == (c->exit_signal != SIGCHLD);
}

/*
 * Reap a zombie child matching pid: its pid, with its wait status in *ustatus and a zeroed rusage
 * (no accounting) in *urusage (the i386 layout if compat); 0 with WNOHANG when matching children
 * are all alive; -ECHILD without any; -ERESTARTSYS when a signal arrives while waiting.
 */
static long do_wait4(int pid, u64 ustatus, u64 options, u64 urusage, bool compat)
{
	if (options & ~(u64)(WNOHANG | WUNTRACED | WCONTINUED | __WNOTHREAD | __WCLONE | __WALL))
		return -EINVAL;
	for (;;) {
		u64 f = irq_save();            /* no exit falls between the scan and the sleep */
		bool any = false;
		struct task *z = NULL;
		for (struct task *c = task_first(); c && !z; c = c->all_next) {
			if (c->parent != current || !wait_match(c, pid, options))
				continue;
			any = true;
			if (c->exited)
				z = c;
		}
		if (z) {
			int status = z->wstatus;
			long zpid = z->pid;
			task_free(z);
			irq_restore(f);
			if (ustatus && copy_to_user((void *)ustatus, &status, sizeof(status)))
				return -EFAULT;
			if (urusage) {
				u8 zero[144] = { 0 };      /* struct rusage: 144 bytes, 72 for i386 */
				if (copy_to_user((void *)urusage, zero, compat ? 72 : 144))
					return -EFAULT;
			}
			return zpid;
		}
		if (!any || (options & WNOHANG) || signal_pending_deliverable(current)) {
			irq_restore(f);
			return !any ? -ECHILD : (options & WNOHANG) ? 0 : syscall_restartable();
		}
		sched_wait_on(current);
		irq_restore(f);
	}
}

long sys_wait4(u64 pid, u64 ustatus, u64 options, u64 urusage)
{
	return do_wait4((int)pid, ustatus, (u32)options, urusage, false);
}

long compat_sys_wait4(u64 pid, u64 ustatus, u64 options, u64 urusage)
{
	return do_wait4((int)pid, (u32)ustatus, (u32)options, (u32)urusage, true);
}

long compat_sys_waitpid(u64 pid, u64 ustatus, u64 options)
{
	return do_wait4((int)pid, (u32)ustatus, (u32)options, 0, true);
}

/* ---- process groups and sessions ------------------------------------------------------------- */

/* The process with this pid, a zombie too (it keeps its pid, group and session until reaped), or
 * NULL. Kernel threads have no user identity and are never found. */
struct task *process_by_pid(int pid)
{
	for (struct task *t = task_first(); t; t = t->all_next)
		if (t->pid == pid && t->sig)
			return t;
	return NULL;
}

/* Is there a process, zombies included, in group pgid of session sid? */
static bool pgrp_in_session(int pgid, int sid)
{
	for (struct task *t = task_first(); t; t = t->all_next)
		if (t->sig && t->pgid == pgid && t->sid == sid)
			return true;
	return false;
}

/* The pid's process (0: the caller), or NULL. */
static struct task *process_or_self(int pid)
{
	return pid ? (pid > 0 ? process_by_pid(pid) : NULL) : current;
}

long sys_getpgid(u64 pid)
{
	struct task *t = process_or_self((int)pid);
	return t ? t->pgid : -ESRCH;
}

long sys_getpgrp(void) { return current->pgid; }

long sys_getsid(u64 pid)
{
	struct task *t = process_or_self((int)pid);
	return t ? t->sid : -ESRCH;
}

/*
 * Move pid (0: the caller) into group pgid (0: a group named after it), as Linux's setpgid: only
 * the caller or one of its children that has not called execve (-ESRCH, -EACCES), in the caller's
 * session and not a session leader (-EPERM), into its own new group or one that exists in that
 * session (-EPERM). -EINVAL for a negative pgid.
 */
long sys_setpgid(u64 upid, u64 upgid)
{
	int pid = (int)upid, pgid = (int)upgid;
	if (pgid < 0)
		return -EINVAL;
	u64 f = irq_save();
	struct task *t = process_or_self(pid);
	long err = 0;
	if (!t || (t != current && t->parent != current))
		err = -ESRCH;
	else if (t != current && t->sid != current->sid)
		err = -EPERM;
	else if (t != current && t->did_exec)
		err = -EACCES;
	else if (t->sid == t->pid)
		err = -EPERM;
	else if (pgid && pgid != t->pid && !pgrp_in_session(pgid, current->sid))
		err = -EPERM;
	else
		t->pgid = pgid ? pgid : t->pid;
	irq_restore(f);
	return err;
}

/* A new session and group, both named after the caller: -EPERM if a group of that name exists
 * (the caller leads one, or a process still uses its pid as a group). */
long sys_setsid(void)
{
	u64 f = irq_save();
	struct task *me = current;
	long ret = me->pid;
	for (struct task *t = task_first(); t; t = t->all_next)
		if (t->sig && t->pgid == me->pid)
			ret = -EPERM;
	if (ret > 0)
		me->sid = me->pgid = me->pid;
	irq_restore(f);
	return ret;
}

