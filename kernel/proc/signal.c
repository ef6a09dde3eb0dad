/*
 * signal.c - POSIX signals for 64-bit programs, with Linux's x86-64 ABI: rt_sigaction,
 * rt_sigprocmask, sigaltstack, kill/tkill/tgkill, pause/rt_sigsuspend, and delivery with Linux's
 * signal frame (siginfo, ucontext, the FPU/XSAVE image, the restorer), undone by rt_sigreturn.
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

void signal_send(struct task *t, const struct ksiginfo *info)
{
	if (!t->sig || info->signo < 1 || info->signo > NSIG)
		return;
	u64 f = irq_save();
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

static bool on_altstack(const struct signals *s, u64 sp)
{
	return !(s->altstack.ss_flags & SS_DISABLE) && sp > s->altstack.ss_sp &&
	       sp <= s->altstack.ss_sp + s->altstack.ss_size;
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
	fpu_save(t->fpu);
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
	fr.uc.uc_stack = s->altstack;
	if (on_altstack(s, regs->rsp))
		fr.uc.uc_stack.ss_flags = SS_ONSTACK;
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
	if (info->code == SI_USER || info->code == SI_TKILL)
		fr.info.kill.pid = info->pid;
	else
		fr.info.fault.addr = info->addr;
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
	fpu_restore_init();                                  /* the handler starts with a clean FPU */
	return true;
}

/* Deliver one deliverable signal (exit_to_user_mode calls this while there are some). */
void do_signal(struct pt_regs *regs)
{
	struct task *t = current;
	struct signals *s = t->sig;
	u64 ready = s->pending & ~s->blocked;
	if (!ready) {
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
		task_exit(128 + sig);
	}
	if (ka.flags & SA_RESETHAND)
		s->action[sig - 1].handler = SIG_DFL;
	if (!setup_rt_frame(sig, &ka, &info, regs)) {
		pr_err("%s[%d]: cannot deliver signal %d (bad stack or no restorer): killed by SIGSEGV\n",
		       t->name, t->pid, sig);
		task_exit(128 + SIGSEGV);
	}
	if (suspend) {
		s->blocked = s->saved_blocked;
		s->restore_blocked = false;
	}
	s->blocked |= ka.mask | ((ka.flags & SA_NODEFER) ? 0 : sigbit(sig));
	s->blocked &= ~UNBLOCKABLE;
	signal_update_exit_work(t);
}

/* ---- system calls ------------------------------------------------------------------------------ */

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
	if (uact) {
		s->action[sig - 1] = act;
		/* Ignoring a signal discards it if pending (as POSIX asks). */
		if (act.handler == SIG_IGN || (act.handler == SIG_DFL && default_ignored(sig)))
			s->pending &= ~sigbit(sig);
	}
	return 0;
}

long sys_rt_sigprocmask(u64 how, u64 uset, u64 uoset, u64 setsize)
{
	struct signals *s = current->sig;
	u64 set, old = s->blocked;
	if (setsize != 8)
		return -EINVAL;
	if (uset) {
		if (copy_from_user(&set, (const void *)uset, 8))
			return -EFAULT;
		switch (how) {
		case SIG_BLOCK: s->blocked |= set; break;
		case SIG_UNBLOCK: s->blocked &= ~set; break;
		case SIG_SETMASK: s->blocked = set; break;
		default: return -EINVAL;
		}
		s->blocked &= ~UNBLOCKABLE;
	}
	if (uoset && copy_to_user((void *)uoset, &old, 8))
		return -EFAULT;
	signal_update_exit_work(current);
	return 0;
}

long sys_sigaltstack(u64 uss, u64 uoss)
{
	struct signals *s = current->sig;
	struct pt_regs *regs = (struct pt_regs *)(current->kstack_top - sizeof(struct pt_regs));
	struct user_stack_t old = s->altstack, ss;
	if (on_altstack(s, regs->rsp))
		old.ss_flags = SS_ONSTACK;
	if (uss) {
		if (copy_from_user(&ss, (const void *)uss, sizeof(ss)))
			return -EFAULT;
		if (on_altstack(s, regs->rsp))
			return -EPERM;
		if (ss.ss_flags & ~SS_DISABLE)
			return -EINVAL;
		if (ss.ss_flags & SS_DISABLE) {
			ss.ss_sp = ss.ss_size = 0;
		} else if (ss.ss_size < MINSIGSTKSZ) {
			return -ENOMEM;
		}
	}
	if (uoss && copy_to_user((void *)uoss, &old, sizeof(old)))
		return -EFAULT;
	if (uss)
		s->altstack = ss;
	return 0;
}

long sys_rt_sigreturn(void)
{
	struct task *t = current;
	struct pt_regs *regs = (struct pt_regs *)(t->kstack_top - sizeof(struct pt_regs));
	struct user_ucontext uc;
	u64 frame = regs->rsp - 8;
	struct ksiginfo segv = { SIGSEGV, SI_KERNEL, 0, 13, 0, 0 };
	if (copy_from_user(&uc, (const void *)(frame + offsetof(struct rt_sigframe, uc)), sizeof(uc)))
		goto bad;
	const struct user_sigcontext *sc = &uc.uc_mcontext;
	if (sc->fpstate) {
		u32 fsize = fpu_state_size();
		u8 *img = kmalloc(fsize + 64);
		if (!img)
			goto bad;
		u8 *aligned = (u8 *)ALIGN_UP((u64)img, 64);
		bool ok = !copy_from_user(aligned, (const void *)sc->fpstate, fsize) && fpu_state_valid(aligned);
		if (ok) {
			memcpy(t->fpu, aligned, fsize);
			fpu_restore(t->fpu);
		}
		kfree(img);
		if (!ok)
			goto bad;
	} else {
		fpu_restore_init();
	}
	regs->r8 = sc->r8; regs->r9 = sc->r9; regs->r10 = sc->r10; regs->r11 = sc->r11;
	regs->r12 = sc->r12; regs->r13 = sc->r13; regs->r14 = sc->r14; regs->r15 = sc->r15;
	regs->rdi = sc->rdi; regs->rsi = sc->rsi; regs->rbp = sc->rbp; regs->rbx = sc->rbx;
	regs->rdx = sc->rdx; regs->rax = sc->rax; regs->rcx = sc->rcx; regs->rsp = sc->rsp;
	regs->rip = sc->rip;
	/* Only the flags ring 3 may change itself; IF stays on. */
	const u64 fix = X86_RFLAGS_AC | BIT(11) | X86_RFLAGS_DF | X86_RFLAGS_TF | BIT(7) | BIT(6) |
			BIT(4) | BIT(2) | X86_RFLAGS_CF | X86_RFLAGS_RF;
	regs->rflags = (regs->rflags & ~fix) | (sc->eflags & fix) | X86_RFLAGS_IF | X86_RFLAGS_FIXED;
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
/* There are no process groups yet: pid 0 and -1 reach only the caller. */
long sys_kill(u64 upid, u64 sig)
{
	int pid = (int)upid;
	if (sig > NSIG)
		return -EINVAL;
	struct task *t = pid > 0 ? find_task(pid) : (pid == 0 || pid == -1) ? current : NULL;
	if (!t)
		return -ESRCH;
	if (sig)
		signal_send(t, &(struct ksiginfo){ (int)sig, SI_USER, 0, 0, 0, current->pid });
	return 0;
}

long sys_tgkill(u64 tgid, u64 tid, u64 sig)
{
	if ((s32)tgid <= 0 || (s32)tid <= 0 || sig > NSIG)
		return -EINVAL;
	struct task *t = find_task((int)tid);
	if (!t || t->pid != (int)tgid)
		return -ESRCH;
	if (sig)
		signal_send(t, &(struct ksiginfo){ (int)sig, SI_TKILL, 0, 0, 0, current->pid });
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
