/*
 * signal.c - POSIX signals with Linux's x86-64 ABI: rt_sigaction, rt_sigprocmask, sigaltstack,
 * kill/tkill/tgkill, pause/rt_sigsuspend, and delivery with Linux's signal frame (siginfo,
 * ucontext, the FPU/XSAVE image, the restorer), undone by rt_sigreturn. 32-bit programs get
 * Linux's ia32 frames instead (rt_sigframe_ia32 with SA_SIGINFO, sigframe_ia32 without, the
 * i387 header in front of the FXSAVE/XSAVE image), undone by the i386 rt_sigreturn/sigreturn.
 *
 * Delivery happens on the way back to ring 3 (exit_to_user_mode), when EXIT_WORK_SIGNAL is set in
 * the CPU's entry page for the running task. rt_sigreturn takes nothing from ring 3 on trust: the
 * flags it may set are masked, selectors get RPL 3 (a bad one makes the IRET fault, which becomes a
 * SIGSEGV of the program), a bad RIP likewise, and an FPU image that would fault is refused.
 */
#include "types.h"
#include "task.h"
#include "signal.h"
#include "syscalls.h"
#include "errno.h"
#include "percpu.h"
#include "segment.h"
#include "cpu.h"
#include "mm.h"
#include "string.h"
#include "printk.h"
#include "sched.h"
#include "memlayout.h"
#include "vdso.h"
#include "tls.h"

struct signals {
	struct k_sigaction action[NSIG];
	u64 blocked, pending;
	u64 saved_blocked;        /* rt_sigsuspend: the mask to restore once a handler ran */
	bool restore_blocked;
	struct ksiginfo info[NSIG];
	struct user_stack_t altstack;
};

#define UNBLOCKABLE (sigbit(SIGKILL) | sigbit(SIGSTOP))

struct signals *signals_alloc(void)
{
	struct signals *s = kzalloc(sizeof(*s));
	if (s)
		s->altstack.ss_flags = SS_DISABLE;
	return s;
}

void signals_free(struct signals *s) { kfree(s); }

bool signal_pending_deliverable(struct task *t)
{
	return t->sig && (t->sig->pending & ~t->sig->blocked);
}

/* Will a handler of t catch sig (installed and not blocked)? */
bool signal_has_handler(struct task *t, int sig)
{
	const struct signals *s = t->sig;
	u64 h = s ? s->action[sig - 1].handler : SIG_DFL;
	return s && h != SIG_DFL && h != SIG_IGN && !(s->blocked & sigbit(sig));
}

/* The running task's deliverable signals are exit work on this CPU. */
void signal_update_exit_work(struct task *t)
{
	if (signal_pending_deliverable(t))
		__asm__ __volatile__("lock orl %0, %%gs:%c1" :: "i"(EXIT_WORK_SIGNAL),
				     "i"(offsetof(struct entry_page, exit_work)) : "memory");
	else
		__asm__ __volatile__("lock andl %0, %%gs:%c1" :: "i"(~EXIT_WORK_SIGNAL),
				     "i"(offsetof(struct entry_page, exit_work)) : "memory");
}

static bool default_ignored(int sig);

/* Is sig discarded on arrival? Ignored (SIG_IGN, or SIG_DFL with an ignoring default) and not
 * blocked, as Linux's sig_ignored: a blocked one stays pending in case the action changes. */
static bool sig_discarded(const struct signals *s, int sig)
{
	u64 h = s->action[sig - 1].handler;
	return !(s->blocked & sigbit(sig)) && (h == SIG_IGN || (h == SIG_DFL && default_ignored(sig)));
}

/* Make sig pending for t (with its siginfo) and wake t if that makes it deliverable. An ignored
 * signal is dropped here, so it neither wakes a sleeper nor interrupts nanosleep. */
void signal_send(struct task *t, const struct ksiginfo *info)
{
	if (!t->sig || info->signo < 1 || info->signo > NSIG)
		return;
	u64 f = irq_save();
	if (sig_discarded(t->sig, info->signo)) {
		irq_restore(f);
		return;
	}
	t->sig->pending |= sigbit(info->signo);
	t->sig->info[info->signo - 1] = *info;
	if (t == current)
		signal_update_exit_work(t);
	else if (signal_pending_deliverable(t))
		sched_wake(t);
	irq_restore(f);
}

/* A fault of the running task: delivered even if blocked or ignored (then with the default
 * action, which ends the program), as Linux's force_sig does. */
void force_sig_info(struct pt_regs *regs, const struct ksiginfo *info)
{
	(void)regs;
	struct signals *s = current->sig;
	struct k_sigaction *ka = &s->action[info->signo - 1];
	if ((s->blocked & sigbit(info->signo)) || ka->handler == SIG_IGN) {
		s->blocked &= ~sigbit(info->signo);
		ka->handler = SIG_DFL;
	}
	signal_send(current, info);
}

static bool default_ignored(int sig)
{
	return sig == SIGCHLD || sig == SIGURG || sig == SIGWINCH || sig == SIGCONT ||
	       sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;  /* no job control */
}

/* Linux's on_sig_stack: never with SS_AUTODISARM (the stack was disarmed for the handler). */
static bool on_altstack(const struct signals *s, u64 sp)
{
	return !(s->altstack.ss_flags & (SS_DISABLE | SS_AUTODISARM)) && sp > s->altstack.ss_sp &&
	       sp <= s->altstack.ss_sp + s->altstack.ss_size;
}

/* The frame's uc_stack is the alternate stack as it is, flags as set (Linux's save_altstack);
 * with SS_AUTODISARM the stack is then disarmed until rt_sigreturn reinstalls it. */
static struct user_stack_t altstack_save(struct signals *s)
{
	struct user_stack_t ss = s->altstack;
	if (ss.ss_flags & SS_AUTODISARM)
		s->altstack = (struct user_stack_t){ .ss_flags = SS_DISABLE };
	return ss;
}

/* Build the frame on the user stack and point the registers at the handler. */
static bool setup_rt_frame(int sig, const struct k_sigaction *ka, const struct ksiginfo *info,
			   struct pt_regs *regs)
{
	struct task *t = current;
	struct signals *s = t->sig;
	u32 fsize = fpu_state_size();
	bool xsave = fpu_uses_xsave();
	u64 sp = regs->rsp - 128;                            /* the red zone */
	if ((ka->flags & SA_ONSTACK) && !(s->altstack.ss_flags & SS_DISABLE) && !on_altstack(s, regs->rsp))
		sp = s->altstack.ss_sp + s->altstack.ss_size;
	sp = ALIGN_DOWN(sp - fsize - 4, 64);
	u64 fp = sp;
	sp = ALIGN_DOWN(sp - sizeof(struct rt_sigframe), 16) - 8;
	struct rt_sigframe *uframe = (struct rt_sigframe *)sp;
	if (!(ka->flags & SA_RESTORER))
		return false;                                     /* x86-64 has no kernel restorer */

	/* The FPU image: what ring 3 had, with the software-reserved bytes describing it. */
	fpu_sync_to_task(t);                                 /* t->fpu holds the state, stably */
	u8 *img = t->fpu;
	if (xsave) {
		u32 sw[12] = { FP_XSTATE_MAGIC1, fsize + 4, (u32)fpu_xfeatures(), (u32)(fpu_xfeatures() >> 32), fsize };
		memcpy(img + 464, sw, sizeof(sw));
	}
	u32 magic2 = FP_XSTATE_MAGIC2;
	if (copy_to_user((void *)fp, img, fsize) || (xsave && copy_to_user((void *)(fp + fsize), &magic2, 4)))
		return false;

	struct rt_sigframe fr;
	memset(&fr, 0, sizeof(fr));
	fr.pretcode = ka->restorer;
	fr.uc.uc_flags = (xsave ? UC_FP_XSTATE : 0) | UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS;
	fr.uc.uc_stack = altstack_save(s);
	struct user_sigcontext *sc = &fr.uc.uc_mcontext;
	sc->r8 = regs->r8; sc->r9 = regs->r9; sc->r10 = regs->r10; sc->r11 = regs->r11;
	sc->r12 = regs->r12; sc->r13 = regs->r13; sc->r14 = regs->r14; sc->r15 = regs->r15;
	sc->rdi = regs->rdi; sc->rsi = regs->rsi; sc->rbp = regs->rbp; sc->rbx = regs->rbx;
	sc->rdx = regs->rdx; sc->rax = regs->rax; sc->rcx = regs->rcx; sc->rsp = regs->rsp;
	sc->rip = regs->rip; sc->eflags = regs->rflags;
	sc->cs = regs->cs; sc->ss = regs->ss;
	sc->err = info->error; sc->trapno = info->trapno;
	u64 oldmask = s->restore_blocked ? s->saved_blocked : s->blocked;
	sc->oldmask = oldmask;
	sc->cr2 = info->addr;
	sc->fpstate = fp;
	fr.uc.uc_sigmask = oldmask;
	fr.info.si_signo = sig;
	fr.info.si_code = info->code;
	if (sig == SIGCHLD && info->code > 0) {
		fr.info.chld.pid = info->pid;
		fr.info.chld.status = info->status;
	} else if (info->code == SI_USER || info->code == SI_TKILL) {
		fr.info.kill.pid = info->pid;
	} else {
		fr.info.fault.addr = info->addr;
	}
	if (copy_to_user(uframe, &fr, sizeof(fr)))
		return false;

	regs->rdi = sig;
	regs->rsi = (u64)&uframe->info;
	regs->rdx = (u64)&uframe->uc;
	regs->rax = 0;
	regs->rsp = sp;
	regs->rip = ka->handler;
	regs->cs = USER_CS;
	regs->ss = USER_DS;
	regs->rflags &= ~(X86_RFLAGS_DF | X86_RFLAGS_RF | X86_RFLAGS_TF);
	fpu_task_set_init(t);                                /* the handler starts with a clean FPU */
	return true;
}

static bool setup_frame_ia32(int sig, const struct k_sigaction *ka, const struct ksiginfo *info,
			     struct pt_regs *regs);

long syscall_restartable(void)
{
	current->restart_pending = true;
	return -ERESTARTSYS;
}

/*
 * The system call that returned -ERESTARTSYS, now that we know whether handler ka (NULL: none)
 * runs: made again (RAX back to the number, RIP back over the 2-byte SYSCALL or INT 0x80; the
 * fast i386 entries return to the vDSO's landing pad, which follows an INT 0x80), or -EINTR for a
 * handler without SA_RESTART. Before the frame is built, so sigreturn resumes into the restart.
 */
static void syscall_restart(struct task *t, struct pt_regs *regs, const struct k_sigaction *ka)
{
	if (!t->restart_pending)
		return;
	t->restart_pending = false;
	if (regs->rax != (u64)-ERESTARTSYS)
		return;
	if (ka && !(ka->flags & SA_RESTART)) {
		regs->rax = -EINTR;
		return;
	}
	regs->rax = regs->orig_rax;
	regs->rip -= 2;
}

/* Deliver one deliverable signal (exit_to_user_mode calls this while there are some). */
void do_signal(struct pt_regs *regs)
{
	struct task *t = current;
	struct signals *s = t->sig;
	u64 ready = s->pending & ~s->blocked;
	if (!ready) {
		syscall_restart(t, regs, NULL);
		signal_update_exit_work(t);
		return;
	}
	/* rt_sigsuspend's temporary mask lasts until this delivery; the frame records the old one. */
	bool suspend = s->restore_blocked;
	int sig = __builtin_ctzll(ready) + 1;
	struct ksiginfo info = s->info[sig - 1];
	s->pending &= ~sigbit(sig);
	struct k_sigaction ka = s->action[sig - 1];
	signal_update_exit_work(t);

	if (ka.handler == SIG_IGN || (ka.handler == SIG_DFL && default_ignored(sig))) {
		syscall_restart(t, regs, NULL);
		if (suspend) {
			s->blocked = s->saved_blocked;
			s->restore_blocked = false;
			signal_update_exit_work(t);
		}
		return;
	}
	if (ka.handler == SIG_DFL) {
		if (info.code == SI_USER || info.code == SI_TKILL)      /* faults were reported already */
			pr_err("%s[%d]: killed by signal %d\n", t->name, t->pid, sig);
		task_exit(sig);                        /* as wait4 reports a kill */
	}
	syscall_restart(t, regs, &ka);
	if (ka.flags & SA_RESETHAND)
		s->action[sig - 1].handler = SIG_DFL;
	if (!(t->compat ? setup_frame_ia32(sig, &ka, &info, regs) : setup_rt_frame(sig, &ka, &info, regs))) {
		pr_err("%s[%d]: cannot deliver signal %d (bad stack or no restorer): killed by SIGSEGV\n",
		       t->name, t->pid, sig);
		task_exit(SIGSEGV);
	}
	if (suspend) {
		s->blocked = s->saved_blocked;
		s->restore_blocked = false;
	}
	s->blocked |= ka.mask | ((ka.flags & SA_NODEFER) ? 0 : sigbit(sig));
	s->blocked &= ~UNBLOCKABLE;
	signal_update_exit_work(t);
}

/* RFLAGS after a sigreturn: only the flags ring 3 may change itself come from the frame (both
 * ABIs); IF stays on. */
static u64 sigreturn_rflags(u64 cur, u64 frame)
{
	const u64 user = X86_RFLAGS_AC | BIT(11) | X86_RFLAGS_DF | X86_RFLAGS_TF | BIT(7) | BIT(6) |
			 BIT(4) | BIT(2) | X86_RFLAGS_CF | X86_RFLAGS_RF;
	return (cur & ~user) | (frame & user) | X86_RFLAGS_IF | X86_RFLAGS_FIXED;
}

/* ---- processes --------------------------------------------------------------------------------- */

void signals_fork(struct signals *child, const struct signals *parent)
{
	memcpy(child->action, parent->action, sizeof(child->action));
	child->blocked = parent->blocked;
	child->altstack = parent->altstack;
}

void signals_exec(struct signals *s)
{
	for (int i = 0; i < NSIG; i++)
		s->action[i] = (struct k_sigaction){ .handler = s->action[i].handler == SIG_IGN ? SIG_IGN : SIG_DFL };
	s->altstack = (struct user_stack_t){ .ss_flags = SS_DISABLE };
}

/* Linux's rule: a parent that ignores SIGCHLD explicitly, or set SA_NOCLDWAIT, gets no zombies. */
bool signal_child_autoreap(struct task *parent)
{
	const struct k_sigaction *ka = parent->sig ? &parent->sig->action[SIGCHLD - 1] : NULL;
	return ka && (ka->handler == SIG_IGN || (ka->flags & SA_NOCLDWAIT));
}

/* ---- system calls ------------------------------------------------------------------------------ */

/* Install act for sig (the three sigaction calls). Ignoring a signal discards it if pending, as
 * POSIX asks. */
static void set_action(struct signals *s, int sig, struct k_sigaction act)
{
	s->action[sig - 1] = act;
	if (act.handler == SIG_IGN || (act.handler == SIG_DFL && default_ignored(sig)))
		s->pending &= ~sigbit(sig);
}

long sys_rt_sigaction(u64 sig, u64 uact, u64 uoact, u64 setsize)
{
	struct signals *s = current->sig;
	if (setsize != 8 || sig < 1 || sig > NSIG)
		return -EINVAL;
	struct k_sigaction old = s->action[sig - 1], act;
	if (uact) {
		if (sig == SIGKILL || sig == SIGSTOP)
			return -EINVAL;
		if (copy_from_user(&act, (const void *)uact, sizeof(act)))
			return -EFAULT;
		act.mask &= ~UNBLOCKABLE;
	}
	if (uoact && copy_to_user((void *)uoact, &old, sizeof(old)))
		return -EFAULT;
	if (uact)
		set_action(s, (int)sig, act);
	return 0;
}

/* Block, unblock or set the signals of set, as sigprocmask's how says; SIG_SETMASK leaves the
 * signals of keep as they are. SIGKILL and SIGSTOP are never blocked. -EINVAL for a bad how. */
static long change_blocked(int how, u64 set, u64 keep)
{
	struct signals *s = current->sig;
	switch (how) {
	case SIG_BLOCK: s->blocked |= set; break;
	case SIG_UNBLOCK: s->blocked &= ~set; break;
	case SIG_SETMASK: s->blocked = (s->blocked & keep) | set; break;
	default: return -EINVAL;
	}
	s->blocked &= ~UNBLOCKABLE;
	signal_update_exit_work(current);
	return 0;
}

long sys_rt_sigprocmask(u64 how, u64 uset, u64 uoset, u64 setsize)
{
	u64 set, old = current->sig->blocked;
	if (setsize != 8)
		return -EINVAL;
	if (uset) {
		if (copy_from_user(&set, (const void *)uset, 8))
			return -EFAULT;
		if (change_blocked((int)how, set, 0))
			return -EINVAL;
	}
	if (uoset && copy_to_user((void *)uoset, &old, 8))
		return -EFAULT;
	return 0;
}

/*
 * sigprocmask (i386 126): Linux's compat one, on the old 4-byte sigset of signals 1..32. SIG_BLOCK
 * and SIG_UNBLOCK change those signals, SIG_SETMASK replaces them (signals 33..64 stay as they
 * are); SIGKILL and SIGSTOP are never blocked. The new set is read before `how` is judged
 * (-EFAULT first, then -EINVAL; no set, no check) and the old one written after the change.
 */
long compat_sys_sigprocmask(u64 how, u64 uset, u64 uoset)
{
	u32 old = (u32)current->sig->blocked, set;
	if (uset) {
		if (copy_from_user(&set, (const void *)uset, 4))
			return -EFAULT;
		if (change_blocked((int)how, set, ~0xffffffffULL))
			return -EINVAL;
	}
	if (uoset && copy_to_user((void *)uoset, &old, 4))
		return -EFAULT;
	return 0;
}

/* The pending signals sigpending reports: those that are blocked (Linux's do_sigpending). */
static u64 pending_blocked(void)
{
	const struct signals *s = current->sig;
	return s->pending & s->blocked;
}

/* sigpending (i386 73): the old 4-byte set, signals 1..32. */
long compat_sys_sigpending(u64 uset)
{
	u32 set = (u32)pending_blocked();
	return copy_to_user((void *)uset, &set, 4) ? -EFAULT : 0;
}

/* rt_sigpending (64-bit 127, i386 176: the same 8-byte set): -EINVAL if setsize > 8; a smaller
 * size copies that many bytes, as Linux. */
long sys_rt_sigpending(u64 uset, u64 setsize)
{
	u64 set = pending_blocked();
	if (setsize > 8)
		return -EINVAL;
	return copy_to_user((void *)uset, &set, setsize) ? -EFAULT : 0;
}

/* The current alternate stack as sigaltstack reports it (SS_ONSTACK while running on it). */
static struct user_stack_t altstack_get(void)
{
	struct signals *s = current->sig;
	struct pt_regs *regs = task_pt_regs(current);
	struct user_stack_t old = s->altstack;
	old.ss_flags = (!old.ss_size ? SS_DISABLE : on_altstack(s, regs->rsp) ? SS_ONSTACK : 0) |
		       (s32)(s->altstack.ss_flags & SS_AUTODISARM);
	return old;
}

/* Check a new alternate stack as Linux's do_sigaltstack (and normalise a disabled one; the flags
 * are kept as given): 0, or -EPERM while running on the current one (judged by the SP in the
 * task's registers), -EINVAL for a bad mode, -ENOMEM if too small. */
static long altstack_check(struct user_stack_t *ss)
{
	struct signals *s = current->sig;
	struct pt_regs *regs = task_pt_regs(current);
	if (on_altstack(s, regs->rsp))
		return -EPERM;
	u32 mode = (u32)ss->ss_flags & ~SS_AUTODISARM;
	if (mode != 0 && mode != SS_ONSTACK && mode != SS_DISABLE)
		return -EINVAL;
	if (mode == SS_DISABLE)
		ss->ss_sp = ss->ss_size = 0;
	else if (ss->ss_size < MINSIGSTKSZ)
		return -ENOMEM;
	return 0;
}

long sys_sigaltstack(u64 uss, u64 uoss)
{
	struct user_stack_t old = altstack_get(), ss;
	if (uss) {
		if (copy_from_user(&ss, (const void *)uss, sizeof(ss)))
			return -EFAULT;
		long err = altstack_check(&ss);
		if (err)
			return err;
		current->sig->altstack = ss;             /* as Linux: even if uoss then faults */
	}
	if (uoss && copy_to_user((void *)uoss, &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

/* Install the compat stack_t at uss as the alternate stack (Linux's do_compat_sigaltstack
 * without the old one): 0 or -EFAULT and altstack_check's errors. */
static long compat_altstack_set(u64 uss)
{
	struct compat_stack_t c;
	if (copy_from_user(&c, (const void *)uss, sizeof(c)))
		return -EFAULT;
	struct user_stack_t ss = { .ss_sp = c.ss_sp, .ss_flags = c.ss_flags, .ss_size = c.ss_size };
	long err = altstack_check(&ss);
	if (!err)
		current->sig->altstack = ss;
	return err;
}

long sys_rt_sigreturn(void)
{
	struct task *t = current;
	struct pt_regs *regs = task_pt_regs(t);
	struct user_ucontext uc;
	u64 frame = regs->rsp - 8;
	struct ksiginfo segv = { .signo = SIGSEGV, .code = SI_KERNEL, .trapno = 13 };
	if (copy_from_user(&uc, (const void *)(frame + offsetof(struct rt_sigframe, uc)), sizeof(uc)))
		goto bad;
	const struct user_sigcontext *sc = &uc.uc_mcontext;
	/* Linux's restore_altstack, before the context as x86-64 Linux does it: uc_stack becomes the
	 * alternate stack as sigaltstack would make it, judged against the RSP of this call (a
	 * handler on the alternate stack: -EPERM); its errors are ignored (uc was read already). */
	if (!altstack_check(&uc.uc_stack))
		t->sig->altstack = uc.uc_stack;
	if (sc->fpstate) {
		u32 fsize = fpu_state_size();
		u8 *img = kmalloc(fsize + 64);
		if (!img)
			goto bad;
		u8 *aligned = (u8 *)ALIGN_UP((u64)img, 64);
		bool ok = !copy_from_user(aligned, (const void *)sc->fpstate, fsize) && fpu_state_valid(aligned);
		if (ok)
			fpu_task_set_state(t, aligned);          /* loaded on the way back to ring 3 */
		kfree(img);
		if (!ok)
			goto bad;
	} else {
		fpu_task_set_init(t);
	}
	regs->r8 = sc->r8; regs->r9 = sc->r9; regs->r10 = sc->r10; regs->r11 = sc->r11;
	regs->r12 = sc->r12; regs->r13 = sc->r13; regs->r14 = sc->r14; regs->r15 = sc->r15;
	regs->rdi = sc->rdi; regs->rsi = sc->rsi; regs->rbp = sc->rbp; regs->rbx = sc->rbx;
	regs->rdx = sc->rdx; regs->rax = sc->rax; regs->rcx = sc->rcx; regs->rsp = sc->rsp;
	regs->rip = sc->rip;
	regs->rflags = sigreturn_rflags(regs->rflags, sc->eflags);
	/* RPL 3 always; a selector that is still wrong makes the IRET fault: a SIGSEGV of ours. */
	regs->cs = sc->cs | 3;
	regs->ss = (uc.uc_flags & UC_SIGCONTEXT_SS) ? (u64)(sc->ss | 3) : USER_DS;
	regs->orig_rax = -1;
	t->sig->blocked = uc.uc_sigmask & ~UNBLOCKABLE;
	signal_update_exit_work(t);
	return regs->rax;
bad:
	pr_err("%s[%d]: bad rt_sigreturn frame at %lx\n", t->name, t->pid, (unsigned long)frame);
	force_sig_info(regs, &segv);
	return regs->rax;
}

static struct task *find_task(int pid);
/*
 * kill: pid > 0 names a process, 0 the caller's process group, -1 every process but the caller and
 * those the kernel started (Linux spares init), < -1 the group -pid. A zombie counts as found but
 * gets nothing, as on Linux; -ESRCH when nothing matches. Signal 0 only checks.
 */
long sys_kill(u64 upid, u64 sig)
{
	int pid = (int)upid;
	if (sig > NSIG)
		return -EINVAL;
	struct ksiginfo info = { .signo = (int)sig, .code = SI_USER, .pid = current->pid };
	if (pid > 0) {
		struct task *t = process_by_pid(pid);
		if (!t)
			return -ESRCH;
		if (sig && !t->exited)
			signal_send(t, &info);
		return 0;
	}
	s64 pgid = pid ? -(s64)pid : current->pgid;
	bool found = false;
	u64 f = irq_save();
	for (struct task *t = task_first(); t; t = t->all_next) {
		if (!t->sig)
			continue;                  /* a kernel thread */
		if (pid == -1 ? t == current || t->kernel_started : t->pgid != pgid)
			continue;
		found = true;
		if (sig && !t->exited)
			signal_send(t, &info);
	}
	irq_restore(f);
	return found ? 0 : -ESRCH;
}

long sys_tgkill(u64 tgid, u64 tid, u64 sig)
{
	if ((s32)tgid <= 0 || (s32)tid <= 0 || sig > NSIG)
		return -EINVAL;
	struct task *t = find_task((int)tid);
	if (!t || t->pid != (int)tgid)
		return -ESRCH;
	if (sig)
		signal_send(t, &(struct ksiginfo){ .signo = (int)sig, .code = SI_TKILL, .pid = current->pid });
	return 0;
}

long sys_tkill(u64 tid, u64 sig)
{
	struct task *t = (s32)tid > 0 ? find_task((int)tid) : NULL;
	return t ? sys_tgkill(t->pid, tid, sig) : -EINVAL;
}

long sys_getppid(void)
{
	return current->parent ? current->parent->pid : 0;
}

/* Sleep until a signal is delivered; returns -EINTR (the handler runs on the way out). */
long sys_pause(void)
{
	while (!signal_pending_deliverable(current))
		sched_block();
	signal_update_exit_work(current);
	return -EINTR;
}

/* Wait with a temporary mask; -EINTR once a signal is deliverable. The delivery on the way out
 * uses the temporary mask and records the old one in the frame (restore_blocked). */
long sys_rt_sigsuspend(u64 umask, u64 setsize)
{
	u64 mask;
	if (setsize != 8)
		return -EINVAL;
	if (copy_from_user(&mask, (const void *)umask, 8))
		return -EFAULT;
	struct signals *s = current->sig;
	s->saved_blocked = s->blocked;
	s->restore_blocked = true;
	s->blocked = mask & ~UNBLOCKABLE;
	while (!signal_pending_deliverable(current))
		sched_block();
	signal_update_exit_work(current);
	return -EINTR;
}

static struct task *find_task(int pid) { return task_by_pid(pid); }

/* ---- ia32: frames and system calls of 32-bit programs ------------------------------------------ */

/*
 * The FPU part of an ia32 frame is Linux's: a 112-byte FSAVE-format header (struct
 * fregs_state_32, the x87 environment and registers converted from the FXSAVE image, status and
 * magic 0), then the FXSAVE/XSAVE image 64-byte aligned (with FP_XSTATE_MAGIC1 and the sizes in
 * its software-reserved bytes and FP_XSTATE_MAGIC2 after it when XSAVE is used). sigreturn takes
 * the x87 environment and registers from the header, the rest from the image, as Linux does.
 */

/* The full i387 tag word from FXSAVE's abridged one (Linux's twd_fxsr_to_i387). */
static u32 twd_fxsr_to_i387(const u8 *fx)
{
	u32 tos = (*(const u16 *)(fx + 2) >> 11) & 7, twd = fx[4], ret = 0xffff0000U;
	for (int i = 0; i < 8; i++, twd >>= 1) {
		u32 tag = 3;                                         /* empty */
		if (twd & 1) {
			const u8 *st = fx + 32 + ((i - tos) & 7) * 16;
			u16 exp = *(const u16 *)(st + 8) & 0x7fff;
			const u16 *sig = (const u16 *)st;
			if (exp == 0x7fff)
				tag = 2;                                     /* special */
			else if (exp == 0)
				tag = (sig[0] | sig[1] | sig[2] | sig[3]) ? 2 : 1;   /* special or zero */
			else
				tag = (sig[3] & 0x8000) ? 0 : 2;             /* valid or special */
		}
		ret |= tag << (2 * i);
	}
	return ret;
}

/* FXSAVE's abridged tag word from a full one: a register is valid unless tagged empty (11). */
static u8 twd_i387_to_fxsr(u32 twd)
{
	u32 tmp = ~twd;
	tmp = (tmp | (tmp >> 1)) & 0x5555;
	tmp = (tmp | (tmp >> 1)) & 0x3333;
	tmp = (tmp | (tmp >> 2)) & 0x0f0f;
	tmp = (tmp | (tmp >> 4)) & 0x00ff;
	return (u8)tmp;
}

static u16 read_sel(int which)
{
	u16 v = 0;
	switch (which) {
	case 0: __asm__ __volatile__("mov %%gs, %0" : "=r"(v)); break;
	case 1: __asm__ __volatile__("mov %%fs, %0" : "=r"(v)); break;
	case 2: __asm__ __volatile__("mov %%es, %0" : "=r"(v)); break;
	default: __asm__ __volatile__("mov %%ds, %0" : "=r"(v)); break;
	}
	return v;
}

/*
 * Write the FPU part of an ia32 frame: the header at fp, the image at fp + 112 (64-byte
 * aligned). Components XSAVEOPT left in their initial state (XSTATE_BV bit clear, the legacy
 * area possibly stale) are written out as initial values with their bit set, as Linux's XSAVE
 * to the frame does, so the header and the image describe what the program had.
 */
static bool save_fpstate_ia32(u64 fp, const struct pt_regs *regs)
{
	struct task *t = current;
	u32 fsize = fpu_state_size();
	bool xsave = fpu_uses_xsave();
	fpu_sync_to_task(t);     /* t->fpu holds the state, stably; the edits below keep its meaning */
	u8 *img = t->fpu;
	if (xsave) {
		u64 *bv = (u64 *)(img + 512);
		if (!(*bv & 1)) {                                    /* x87: FCW 0x37f, all empty */
			memset(img, 0, 24);
			*(u16 *)img = 0x37f;
			memset(img + 32, 0, 128);
		}
		if (!(*bv & 2))                                      /* SSE: zero XMM registers */
			memset(img + 160, 0, 256);
		*bv |= 3;
		u32 sw[12] = { FP_XSTATE_MAGIC1, fsize + 4 + (u32)sizeof(struct fregs_state_32),
			       (u32)fpu_xfeatures(), (u32)(fpu_xfeatures() >> 32), fsize };
		memcpy(img + 464, sw, sizeof(sw));
	}
	struct fregs_state_32 h;
	memset(&h, 0, sizeof(h));
	h.cwd = *(u16 *)img | 0xffff0000U;
	h.swd = *(u16 *)(img + 2) | 0xffff0000U;
	h.twd = twd_fxsr_to_i387(img);
	h.fip = (u32)*(u64 *)(img + 8);
	h.foo = (u32)*(u64 *)(img + 16);
	h.fcs = (u32)regs->cs;                   /* as Linux: not saved by 64-bit FXSAVE */
	h.fos = read_sel(3) | 0xffff0000U;
	for (int i = 0; i < 8; i++)
		memcpy(h.st_space + i * 10, img + 32 + i * 16, 10);
	h.status = *(u16 *)(img + 2);
	h.magic = FXSR_MAGIC;
	u32 magic2 = FP_XSTATE_MAGIC2;
	return !copy_to_user((void *)fp, &h, sizeof(h)) &&
	       !copy_to_user((void *)(fp + sizeof(h)), img, fsize) &&
	       !(xsave && copy_to_user((void *)(fp + sizeof(h) + fsize), &magic2, 4));
}

/* Load the FPU from an ia32 frame's FPU part at fp (0: the initial state). False if it cannot
 * be read or the image would make XRSTOR/FXRSTOR fault; the FPU is then left alone. */
static bool restore_fpstate_ia32(u32 fp)
{
	struct task *t = current;
	if (!fp) {
		fpu_task_set_init(t);
		return true;
	}
	u32 fsize = fpu_state_size();
	struct fregs_state_32 h;
	u8 *buf = kmalloc(fsize + 64);
	if (!buf)
		return false;
	u8 *img = (u8 *)ALIGN_UP((u64)buf, 64);
	bool ok = !copy_from_user(&h, (const void *)(u64)fp, sizeof(h)) &&
		  !copy_from_user(img, (const void *)((u64)fp + sizeof(h)), fsize) &&
		  fpu_state_valid(img);
	if (ok) {
		/* The x87 part comes from the header (Linux's convert_to_fxsr). */
		*(u16 *)img = (u16)h.cwd;
		*(u16 *)(img + 2) = (u16)h.swd;
		img[4] = twd_i387_to_fxsr(h.twd);
		*(u16 *)(img + 6) = (u16)(h.fcs >> 16);
		*(u64 *)(img + 8) = h.fip;
		*(u64 *)(img + 16) = h.foo;
		for (int i = 0; i < 8; i++)
			memcpy(img + 32 + i * 16, h.st_space + i * 10, 10);
		fpu_task_set_state(t, img);                  /* loaded on the way back to ring 3 */
	}
	kfree(buf);
	return ok;
}

/*
 * Build an ia32 frame for a 32-bit program (rt_sigframe_ia32 with SA_SIGINFO, else sigframe_ia32)
 * as Linux's ia32_setup_rt_frame/ia32_setup_frame do: FPU part below the alternate or current
 * stack, the frame under it with ESP such that (ESP + 4) is 16-byte aligned at the handler's
 * entry; EAX = sig, EDX = &info, ECX = &uc (0, 0 for the old frame; -mregparm=3 handlers).
 * The restorer is sa_restorer with SA_RESTORER, else the vDSO's. False if the stack is unusable.
 */
static bool setup_frame_ia32(int sig, const struct k_sigaction *ka, const struct ksiginfo *info,
			     struct pt_regs *regs)
{
	struct task *t = current;
	struct signals *s = t->sig;
	bool rt = ka->flags & SA_SIGINFO;
	u32 fsize = fpu_state_size() + (fpu_uses_xsave() ? 4 : 0);
	u64 sp = (u32)regs->rsp;
	if ((ka->flags & SA_ONSTACK) && !(s->altstack.ss_flags & SS_DISABLE) && !on_altstack(s, sp))
		sp = s->altstack.ss_sp + s->altstack.ss_size;
	u64 need = fsize + 64 + sizeof(struct fregs_state_32) + sizeof(struct sigframe_ia32) + 16;
	if (sp > 0x100000000ULL || sp < need)
		return false;
	u64 fp = ALIGN_DOWN(sp - fsize, 64) - sizeof(struct fregs_state_32);
	u64 frame = ((fp - (rt ? sizeof(struct rt_sigframe_ia32) : sizeof(struct sigframe_ia32)) + 4) &
		     ~15ULL) - 4;
	if (!save_fpstate_ia32(fp, regs))
		return false;

	u64 oldmask = s->restore_blocked ? s->saved_blocked : s->blocked;
	struct sigcontext_32 sc = {
		.gs = read_sel(0), .fs = read_sel(1), .es = read_sel(2), .ds = read_sel(3),
		.di = (u32)regs->rdi, .si = (u32)regs->rsi, .bp = (u32)regs->rbp, .sp = (u32)regs->rsp,
		.bx = (u32)regs->rbx, .dx = (u32)regs->rdx, .cx = (u32)regs->rcx, .ax = (u32)regs->rax,
		.trapno = (u32)info->trapno, .err = (u32)info->error, .ip = (u32)regs->rip,
		.cs = (u16)regs->cs, .flags = (u32)regs->rflags, .sp_at_signal = (u32)regs->rsp,
		.ss = (u16)regs->ss, .fpstate = (u32)fp, .oldmask = (u32)oldmask, .cr2 = (u32)info->addr,
	};
	if (rt) {
		static const u8 retcode[8] = { 0xb8, 173, 0, 0, 0, 0xcd, 0x80, 0 };
		struct rt_sigframe_ia32 fr;
		memset(&fr, 0, sizeof(fr));
		fr.pretcode = (ka->flags & SA_RESTORER) ? (u32)ka->restorer : (u32)VDSO32_RT_SIGRETURN;
		fr.sig = sig;
		fr.pinfo = (u32)(frame + offsetof(struct rt_sigframe_ia32, info));
		fr.puc = (u32)(frame + offsetof(struct rt_sigframe_ia32, uc));
		fr.info.si_signo = sig;
		fr.info.si_code = info->code;
		if (sig == SIGCHLD && info->code > 0) {
			fr.info.chld.pid = info->pid;
			fr.info.chld.status = info->status;
		} else if (info->code == SI_USER || info->code == SI_TKILL) {
			fr.info.kill.pid = info->pid;
		} else {
			fr.info.fault.addr = (u32)info->addr;
		}
		fr.uc.uc_flags = fpu_uses_xsave() ? UC_FP_XSTATE : 0;
		struct user_stack_t ss = altstack_save(s);
		fr.uc.uc_stack = (struct compat_stack_t){ (u32)ss.ss_sp, ss.ss_flags, (u32)ss.ss_size };
		fr.uc.uc_mcontext = sc;
		fr.uc.uc_sigmask[0] = (u32)oldmask;
		fr.uc.uc_sigmask[1] = (u32)(oldmask >> 32);
		memcpy(fr.retcode, retcode, 8);
		if (copy_to_user((void *)frame, &fr, sizeof(fr)))
			return false;
		regs->rdx = fr.pinfo;
		regs->rcx = fr.puc;
	} else {
		static const u8 retcode[8] = { 0x58, 0xb8, 119, 0, 0, 0, 0xcd, 0x80 };
		struct sigframe_ia32 fr;
		memset(&fr, 0, sizeof(fr));
		fr.pretcode = (ka->flags & SA_RESTORER) ? (u32)ka->restorer : (u32)VDSO32_SIGRETURN;
		fr.sig = sig;
		fr.sc = sc;
		fr.extramask = (u32)(oldmask >> 32);
		memcpy(fr.retcode, retcode, 8);
		if (copy_to_user((void *)frame, &fr, sizeof(fr)))
			return false;
		regs->rdx = 0;
		regs->rcx = 0;
	}
	regs->rax = sig;
	regs->rsp = frame;
	regs->rip = (u32)ka->handler;
	regs->cs = USER32_CS;
	regs->ss = USER_DS;
	regs->rflags &= ~(X86_RFLAGS_DF | X86_RFLAGS_RF | X86_RFLAGS_TF);
	/* As Linux: the handler runs with DS = ES = __USER_DS (they are per task: tls.c). */
	__asm__ __volatile__("mov %0, %%ds\n\tmov %0, %%es" :: "r"((u32)USER_DS));
	fpu_task_set_init(t);                                /* the handler starts with a clean FPU */
	return true;
}

/*
 * Restore the registers from an ia32 sigcontext, with rt_sigreturn's rules: only the flags ring 3
 * may set, RPL 3 CS/SS (a wrong one makes the IRET fault: a SIGSEGV of the program), 32-bit
 * values, a valid FPU image. GS/FS/DS/ES are reloaded from the frame as Linux's reload_segments
 * does: RPL 3 unless null, and one that cannot be loaded becomes null (tls.c), so the program
 * faults only when it uses it.
 */
static bool restore_sigcontext_ia32(struct pt_regs *regs, const struct sigcontext_32 *sc)
{
	if (!restore_fpstate_ia32(sc->fpstate))
		return false;
	regs->rdi = sc->di; regs->rsi = sc->si; regs->rbp = sc->bp; regs->rsp = sc->sp;
	regs->rbx = sc->bx; regs->rdx = sc->dx; regs->rcx = sc->cx; regs->rax = sc->ax;
	regs->rip = sc->ip;
	regs->rflags = sigreturn_rflags(regs->rflags, sc->flags);
	regs->cs = sc->cs | 3;
	regs->ss = sc->ss | 3;
	regs->orig_rax = -1;
	segments_reload_ia32(sc->gs, sc->fs, sc->ds, sc->es);
	return true;
}

/* Both sigreturns: restore from the sigcontext at frame + sc_off, set the mask (read by the
 * caller; mask_ok false if it could not be) and for rt_sigreturn reinstall the alternate stack
 * from the uc_stack at uss (0: none) as Linux's compat_restore_altstack: judged against the ESP
 * just restored, every error ignored but a fault. A bad frame: SIGSEGV, as the 64-bit one. */
static long ia32_sigreturn_common(u64 frame, u64 sc_off, u64 mask, bool mask_ok, u64 uss)
{
	struct task *t = current;
	struct pt_regs *regs = task_pt_regs(t);
	struct sigcontext_32 sc;
	if (!t->compat || !mask_ok || copy_from_user(&sc, (const void *)(frame + sc_off), sizeof(sc)) ||
	    !restore_sigcontext_ia32(regs, &sc) || (uss && compat_altstack_set(uss) == -EFAULT)) {
		struct ksiginfo segv = { .signo = SIGSEGV, .code = SI_KERNEL, .trapno = 13 };
		pr_err("%s[%d]: bad ia32 sigreturn frame at %lx\n", t->name, t->pid, (unsigned long)frame);
		force_sig_info(regs, &segv);
		return regs->rax;
	}
	t->sig->blocked = mask & ~UNBLOCKABLE;
	signal_update_exit_work(t);
	return regs->rax;
}

/* rt_sigreturn (i386 173): the handler returned to the restorer, ESP = frame + 4. */
long compat_sys_rt_sigreturn(void)
{
	struct pt_regs *regs = task_pt_regs(current);
	u64 frame = (u32)(regs->rsp - 4);
	u32 mask[2] = { 0, 0 };
	bool ok = !copy_from_user(mask, (const void *)(frame + offsetof(struct rt_sigframe_ia32, uc.uc_sigmask)), 8);
	return ia32_sigreturn_common(frame, offsetof(struct rt_sigframe_ia32, uc.uc_mcontext),
				     mask[0] | (u64)mask[1] << 32, ok,
				     frame + offsetof(struct rt_sigframe_ia32, uc.uc_stack));
}

/* sigreturn (i386 119): the restorer popped sig, ESP = frame + 8. */
long compat_sys_sigreturn(void)
{
	struct pt_regs *regs = task_pt_regs(current);
	u64 frame = (u32)(regs->rsp - 8);
	u32 lo = 0, hi = 0;
	bool ok = !copy_from_user(&lo, (const void *)(frame + offsetof(struct sigframe_ia32, sc.oldmask)), 4) &&
		  !copy_from_user(&hi, (const void *)(frame + offsetof(struct sigframe_ia32, extramask)), 4);
	return ia32_sigreturn_common(frame, offsetof(struct sigframe_ia32, sc), lo | (u64)hi << 32, ok, 0);
}

/* rt_sigaction (i386 174): struct sigaction in 32-bit words, converted to and from ours. */
long compat_sys_rt_sigaction(u64 sig, u64 uact, u64 uoact, u64 setsize)
{
	struct signals *s = current->sig;
	if (setsize != 8 || sig < 1 || sig > NSIG)
		return -EINVAL;
	struct k_sigaction act = { 0 };
	if (uact) {
		struct compat_sigaction c;
		if (sig == SIGKILL || sig == SIGSTOP)
			return -EINVAL;
		if (copy_from_user(&c, (const void *)uact, sizeof(c)))
			return -EFAULT;
		act = (struct k_sigaction){ c.handler, c.flags, c.restorer, c.mask[0] | (u64)c.mask[1] << 32 };
		act.mask &= ~UNBLOCKABLE;
	}
	const struct k_sigaction *o = &s->action[sig - 1];
	struct compat_sigaction old = { (u32)o->handler, (u32)o->flags, (u32)o->restorer,
					{ (u32)o->mask, (u32)(o->mask >> 32) } };
	if (uoact && copy_to_user((void *)uoact, &old, sizeof(old)))
		return -EFAULT;
	if (uact)
		set_action(s, (int)sig, act);
	return 0;
}

/* sigaction (i386 67): struct old_sigaction, a 32-bit mask of signals 1..32. */
long compat_sys_sigaction(u64 sig, u64 uact, u64 uoact)
{
	struct signals *s = current->sig;
	if (sig < 1 || sig > NSIG)
		return -EINVAL;
	struct k_sigaction act = { 0 };
	if (uact) {
		struct compat_old_sigaction c;
		if (sig == SIGKILL || sig == SIGSTOP)
			return -EINVAL;
		if (copy_from_user(&c, (const void *)uact, sizeof(c)))
			return -EFAULT;
		act = (struct k_sigaction){ c.handler, c.flags, c.restorer, c.mask & ~UNBLOCKABLE };
	}
	const struct k_sigaction *o = &s->action[sig - 1];
	struct compat_old_sigaction old = { (u32)o->handler, (u32)o->mask, (u32)o->flags, (u32)o->restorer };
	if (uoact && copy_to_user((void *)uoact, &old, sizeof(old)))
		return -EFAULT;
	if (uact)
		set_action(s, (int)sig, act);
	return 0;
}

/* signal (i386 48): a one-shot handler that does not block its signal; returns the old handler. */
long compat_sys_signal(u64 sig, u64 handler)
{
	struct signals *s = current->sig;
	if (sig < 1 || sig > NSIG || sig == SIGKILL || sig == SIGSTOP)
		return -EINVAL;
	u64 old = s->action[sig - 1].handler;
	s->action[sig - 1] = (struct k_sigaction){ (u32)handler, SA_RESETHAND | SA_NODEFER, 0, 0 };
	if ((u32)handler == SIG_IGN || ((u32)handler == SIG_DFL && default_ignored(sig)))
		s->pending &= ~sigbit(sig);
	return (u32)old;
}

/* sigaltstack (i386 186): the 12-byte compat stack_t. */
long compat_sys_sigaltstack(u64 uss, u64 uoss)
{
	struct user_stack_t old = altstack_get();
	if (uss) {
		long err = compat_altstack_set(uss);
		if (err)
			return err;
	}
	struct compat_stack_t o = { (u32)old.ss_sp, old.ss_flags, (u32)old.ss_size };
	if (uoss && copy_to_user((void *)uoss, &o, sizeof(o)))
		return -EFAULT;
	return 0;
}
