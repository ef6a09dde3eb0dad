/*
 * traps.c - the C side of exceptions, interrupts and the paranoid paths; panic.
 *
 * A fault in ring 3 kills only the task (its status reads as a shell's would: 128 + signal) with a
 * one-line report. A fault in ring 0 is a kernel bug and panics, except a fault inside a user-access
 * routine (copy_from_user & co.), which jumps to its fixup and returns -EFAULT.
 */
#include "types.h"
#include "cpu.h"
#include "irq.h"
#include "kernel.h"
#include "printk.h"
#include "percpu.h"
#include "task.h"
#include "paging.h"
#include "mm.h"
#include "symbols.h"
#include "segment.h"
#include "serial.h"
#include "entry.h"
#include "ktest.h"
#include "signal.h"

static const char *const exc_names[32] = {
	"divide error (#DE)", "debug (#DB)", "NMI", "breakpoint (#BP)", "overflow (#OF)",
	"bound range (#BR)", "invalid opcode (#UD)", "device not available (#NM)",
	"double fault (#DF)", "coprocessor overrun", "invalid TSS (#TS)", "segment not present (#NP)",
	"stack-segment fault (#SS)", "general protection (#GP)", "page fault (#PF)", "reserved 15",
	"x87 floating point (#MF)", "alignment check (#AC)", "machine check (#MC)",
	"SIMD floating point (#XM)", "virtualization (#VE)", "control protection (#CP)",
};

static irq_handler_t irq_handlers[256];

void irq_register(unsigned vector, irq_handler_t handler)
{
	irq_handlers[vector & 0xff] = handler;
}

/* ---- panic ----------------------------------------------------------------------------------- */

static volatile int panicking;

static void dump_regs(struct pt_regs *r)
{
	printk(KERN_ERR "RIP: %04lx:%016lx RFLAGS: %08lx", (unsigned long)r->cs, (unsigned long)r->rip,
	       (unsigned long)r->rflags);
	u64 off;
	const char *s = sym_lookup(r->rip, &off);
	if (s)
		printk(KERN_ERR " (%s+%#lx)", s, (unsigned long)off);
	printk(KERN_ERR "\nRSP: %04lx:%016lx ORIG_RAX: %016lx\n", (unsigned long)r->ss,
	       (unsigned long)r->rsp, (unsigned long)r->orig_rax);
	printk(KERN_ERR "RAX: %016lx RBX: %016lx RCX: %016lx\n", r->rax, r->rbx, r->rcx);
	printk(KERN_ERR "RDX: %016lx RSI: %016lx RDI: %016lx\n", r->rdx, r->rsi, r->rdi);
	printk(KERN_ERR "RBP: %016lx R08: %016lx R09: %016lx\n", r->rbp, r->r8, r->r9);
	printk(KERN_ERR "R10: %016lx R11: %016lx R12: %016lx\n", r->r10, r->r11, r->r12);
	printk(KERN_ERR "R13: %016lx R14: %016lx R15: %016lx\n", r->r13, r->r14, r->r15);
}

static void dump_machine(void)
{
	printk(KERN_ERR "CR0: %016lx CR2: %016lx CR3: %016lx CR4: %016lx\n",
	       (unsigned long)read_cr0(), (unsigned long)read_cr2(), (unsigned long)read_cr3(),
	       (unsigned long)read_cr4());
	printk(KERN_ERR "GS_BASE: %016lx KERNEL_GS_BASE: %016lx FS_BASE: %016lx\n",
	       (unsigned long)rdmsr(MSR_GS_BASE), (unsigned long)rdmsr(MSR_KERNEL_GS_BASE),
	       (unsigned long)rdmsr(MSR_FS_BASE));
}

static void __noreturn panic_finish(u64 rip, u64 rbp)
{
	printk(KERN_ERR "Call trace:\n");
	backtrace_print(rip, rbp);
	printk(KERN_ERR "---[ end Kernel panic ]---\n");
	machine_exit(-1);
}

static void __noreturn vpanic(struct pt_regs *regs, unsigned vector, const char *fmt, va_list ap)
{
	cli();
	if (__atomic_exchange_n(&panicking, 1, __ATOMIC_SEQ_CST))
		machine_exit(-1);          /* panic inside panic: just stop */
	printk_panic_mode();
	char buf[256];
	vsnprintf(buf, sizeof(buf), fmt, ap);
	printk(KERN_ERR "Kernel panic: %s\n", buf);
	if (regs) {
		if (vector < 32)
			printk(KERN_ERR "exception %u: %s, error code %#lx\n", vector, exc_names[vector],
			       (unsigned long)regs->orig_rax);
		dump_regs(regs);
	}
	dump_machine();
	if (regs)
		panic_finish(regs->rip, regs->rbp);
	panic_finish((u64)__builtin_return_address(0), (u64)__builtin_frame_address(0));
}

void panic(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vpanic(NULL, 0, fmt, ap);
}

void panic_regs(struct pt_regs *regs, unsigned vector, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vpanic(regs, vector, fmt, ap);
}

void machine_exit(int status)
{
	cli();
	if (status < 0)
		console_write("\x1b_portcullis panic\x1b\\", 20);
	else {
		char m[40];
		int n = snprintf(m, sizeof(m), "\x1b_portcullis exit=%d\x1b\\", status & 0xff);
		console_write(m, n);
	}
	serial_flush();              /* the marker must leave the UART before the machine stops */
	/* QEMU: isa-debug-exit (exit code (v << 1) | 1). Bochs: the shutdown port. */
	outl(0xf4, status < 0 ? 1 : 0);
	const char *s = "Shutdown";
	while (*s)
		outb(0x8900, *s++);
	for (;;)
		hlt();
}

/* ---- user faults ----------------------------------------------------------------------------- */

static const char *sig_name(int sig)
{
	switch (sig) {
	case SIGSEGV: return "SIGSEGV";
	case SIGILL: return "SIGILL";
	case SIGFPE: return "SIGFPE";
	case SIGTRAP: return "SIGTRAP";
	case SIGBUS: return "SIGBUS";
	default: return "signal";
	}
}

#ifdef CONFIG_KTEST
struct ktest_fault_record ktest_last_user_fault;
#endif

/*
 * A fatal fault of the current task. Until signals exist it kills the task: one line on the log,
 * status 128 + sig. (CONFIG_KTEST: a test program may ask to resume at a given address instead, so
 * that it can check its registers after the round trip; see ktest_syscall().)
 */
void user_fault(int sig, int code, struct pt_regs *regs, unsigned vector, const char *what, u64 addr)
{
	struct task *t = current;
#ifdef CONFIG_KTEST
	ktest_last_user_fault = (struct ktest_fault_record){ vector, regs->orig_rax, addr, regs->rip, t->pid };
	if (t->ktest_resume_rip) {
		regs->rip = t->ktest_resume_rip;
		regs->rflags &= ~X86_RFLAGS_TF;    /* a single-step test must not trap again */
		t->ktest_resume_rip = 0;
		return;
	}
#endif
	/* The one-line report when nothing in the program will catch it. */
	if (!signal_has_handler(t, sig))
		pr_err("%s[%d]: %s at ip %lx sp %lx addr %lx: killed by %s\n", t->name, t->pid, what,
		       (unsigned long)regs->rip, (unsigned long)regs->rsp, (unsigned long)addr,
		       sig_name(sig));
	struct ksiginfo info = { .signo = sig, .code = code, .addr = addr, .trapno = vector, .error = regs->orig_rax };
	force_sig_info(regs, &info);
}

/* Exception-table fixups for the user-access routines (kernel/lib/uaccess.asm). */
struct ex_entry { u64 insn, fixup; };
extern const struct ex_entry __ex_table_start[], __ex_table_end[];

static bool fixup_possible(const struct pt_regs *regs)
{
	for (const struct ex_entry *e = __ex_table_start; e < __ex_table_end; e++)
		if (e->insn == regs->rip)
			return true;
	return false;
}

static bool fixup_exception(struct pt_regs *regs)
{
	for (const struct ex_entry *e = __ex_table_start; e < __ex_table_end; e++) {
		if (e->insn == regs->rip) {
			regs->rip = e->fixup;
			return true;
		}
	}
	return false;
}

static void do_page_fault(struct pt_regs *regs, u64 err)
{
	u64 addr = read_cr2();
	bool user = user_mode(regs);
	struct task *t = current;
	if (user || addr < USER_TOP)
		sti();
	/* Demand-zero pages of the task's regions, for the task itself or a user access on its behalf. */
	if (addr < USER_TOP && !(err & 1) && t && t->mm && (user || (!(err & BIT(4)) && fixup_possible(regs)))) {
		if (mm_handle_fault(t->mm, addr, err & 2, err & BIT(4)))
			return;
	}
	if (user) {
		/* As Linux: ACCERR when a region covers the address but forbids the access. */
		bool region = t && t->mm && mm_find_vma(t->mm, addr);
		user_fault(SIGSEGV, ((err & 1) || region) ? SEGV_ACCERR : SEGV_MAPERR, regs, 14,
			   (err & 1) ? "protection fault" : "page fault", addr);
		return;
	}
	if (fixup_exception(regs))
		return;
	panic_regs(regs, 14, "page fault at %#lx (%s %s, %s) in the kernel", (unsigned long)addr,
		   (err & 2) ? "write" : "read", (err & BIT(4)) ? "fetch" : "data",
		   (err & 1) ? "protection" : "not present");
}

/* How a fault from ring 3 is reported: the signal (as Linux sends it; the status of a program it
 * ends is 128 + sig), si_code, and a description. */
static const struct { int sig, code; const char *what; } user_faults[32] = {
	[0] = { SIGFPE, FPE_INTDIV, "divide error" }, [1] = { SIGTRAP, TRAP_BRKPT, "debug trap" },
	[3] = { SIGTRAP, SI_KERNEL, "breakpoint" }, [4] = { SIGSEGV, SI_KERNEL, "overflow" },
	[5] = { SIGSEGV, SI_KERNEL, "bound range" }, [6] = { SIGILL, ILL_ILLOPN, "invalid opcode" },
	[7] = { SIGSEGV, SI_KERNEL, "device not available" },
	[10] = { SIGSEGV, SI_KERNEL, "invalid TSS" }, [11] = { SIGBUS, SI_KERNEL, "segment not present" },
	[12] = { SIGBUS, SI_KERNEL, "stack-segment fault" }, [13] = { SIGSEGV, SI_KERNEL, "general protection" },
	[16] = { SIGFPE, FPE_FLTINV, "x87 floating-point error" }, [17] = { SIGBUS, BUS_ADRALN, "alignment check" },
	[19] = { SIGFPE, FPE_FLTINV, "SIMD floating-point error" },
};

void do_exception(struct pt_regs *regs, unsigned vector)
{
	this_cpu()->irq_count++;
	if (vector == 14) {
		do_page_fault(regs, regs->orig_rax);
		cli();
		return;
	}
	if (!user_mode(regs)) {
		if (fixup_exception(regs))
			return;
#ifdef CONFIG_KTEST
		if (vector == 3 && ktest_kernel_int3(regs))
			return;
#endif
		panic_regs(regs, vector, "%s in the kernel", exc_names[vector]);
	}
	sti();
	u64 info = regs->rip;
	if (vector == 1) {
		/* #DB from ring 3 (ICEBP, single-step, a breakpoint): taken here, not on the IST stack. */
		__asm__ __volatile__("mov %%db6, %0" : "=r"(info));
		__asm__ __volatile__("mov %0, %%db6" :: "r"(0xffff0ff0ULL));
	} else if (vector >= 10 && vector <= 13) {
		info = regs->orig_rax;          /* the selector error code */
	}
	int sig = user_faults[vector & 31].sig ? user_faults[vector & 31].sig : SIGSEGV;
	int code = user_faults[vector & 31].sig ? user_faults[vector & 31].code : SI_KERNEL;
	const char *what = user_faults[vector & 31].what ? user_faults[vector & 31].what : exc_names[vector & 31];
	if (vector == 1 && (info & BIT(14)))
		code = TRAP_TRACE;                      /* DR6.BS: a single step */
	/* si_addr: the faulting instruction for #DE/#UD/#BP-style faults, 0 for #GP and friends. */
	u64 si_addr = (vector == 1 || (vector >= 10 && vector <= 13)) ? 0 : regs->rip;
	(void)info;
	user_fault(sig, code, regs, vector, what, si_addr);
	cli();
}

void do_irq(struct pt_regs *regs)
{
	unsigned vector = ~regs->orig_rax & 0xff;
	struct percpu *pc = this_cpu();
	pc->irq_count++;
#ifdef CONFIG_KTEST
	/* A self-IPI of the entry_windows self-test (any vector, the spurious one too): only EOI. */
	if (ktest_windows_irq(vector)) {
		apic_eoi();
		return;
	}
#endif
	if (vector == VECTOR_SPURIOUS)
		return;
	if (irq_handlers[vector])
		irq_handlers[vector](regs, vector);
	else
		pr_warn("irq: unexpected vector %#x\n", vector);
#ifdef CONFIG_KTEST
	ktest_kfpu_irq(regs);             /* kernel SIMD in an interrupt handler, when a test asks */
#endif
	apic_eoi();
	/* Preempt the kernel only where it was interruptible anyway: idle, or back to ring 3 below. */
	if (!user_mode(regs) && need_resched() && pc->curr == pc->idle)
		schedule();
}

/* Exit work on the way back to ring 3 (IRQs off on entry and on return): reschedule, deliver
 * signals, until neither is left; then, as the very last thing and with IRQs off from there to
 * ring 3, load the task's FPU registers (EXIT_WORK_FPU; any step above may set it again). */
void exit_to_user_mode(struct pt_regs *regs)
{
	u32 work;
	while ((work = exit_work() & ~EXIT_WORK_FPU)) {
		sti();
		if (work & EXIT_WORK_RESCHED)
			schedule();
		else if (work & EXIT_WORK_SIGNAL)
			do_signal(regs);
		cli();
	}
	if (exit_work() & EXIT_WORK_FPU)
		fpu_exit_to_user();
}

/* ---- paranoid: NMI, #DB, #MC, #DF ------------------------------------------------------------ */

extern char entry_SYSENTER_compat[], entry_SYSENTER_compat_flags_fixed[];
extern char _entry_text_start[], _entry_text_end[];

static void do_nmi(struct pt_regs *regs)
{
	struct percpu *pc = this_cpu();
	pc->entry->nmi_count++;
	if (user_mode(regs))
		pc->nmi_seen_user++;
	else if (regs->rip >= (u64)_entry_text_start && regs->rip < (u64)_entry_text_end)
		pc->nmi_seen_entry++;
	else
		pc->nmi_seen_kernel++;
#ifdef CONFIG_KTEST
	ktest_nmi_hook(regs);
	ktest_windows_nmi(regs);
	ktest_kfpu_nmi();
#endif
}

static void do_debug(struct pt_regs *regs)
{
	u64 dr6;
	__asm__ __volatile__("mov %%db6, %0" : "=r"(dr6));
	__asm__ __volatile__("mov %0, %%db6" :: "r"(0xffff0ff0ULL));
#ifdef CONFIG_KTEST
	/* A hardware breakpoint (DR0-DR3) of the entry_windows self-test. */
	if ((dr6 & 0xf) && ktest_windows_debug(regs, dr6))
		return;
#endif
	/* From ring 3 the entry code routes #DB to do_exception(), on the task stack. */
	/* A user TF survives SYSENTER: ignore the single-steps up to where the stub clears TF. */
	if ((dr6 & BIT(14)) && regs->rip >= (u64)entry_SYSENTER_compat &&
	    regs->rip <= (u64)entry_SYSENTER_compat_flags_fixed)
		return;
	if (dr6 & BIT(14)) {
		/* A stray single-step in the kernel: drop TF and carry on. */
		regs->rflags &= ~X86_RFLAGS_TF;
		return;
	}
	panic_regs(regs, 1, "unexpected #DB in the kernel (dr6 %#lx)", (unsigned long)dr6);
}

void do_paranoid(struct pt_regs *regs, unsigned vector, u64 cr3, u64 gs)
{
#ifdef CONFIG_KTEST
	/* What the entry found, for the self-tests of the entry windows and of PCID. */
	struct entry_page *ep = this_entry_page();
	ep->ktest_last_cr3 = cr3;
	ep->ktest_last_gs = entry_use_fsgsbase ? gs == (u64)ep : gs == 0;
	if (vector == 2 && user_mode(regs))
		ep->ktest_last_user_cr3 = cr3;
#else
	(void)cr3;
	(void)gs;
#endif
	/* kernel_fpu_usable() says no from here: this may have interrupted anything. */
	struct percpu *pc = this_cpu();
	pc->in_paranoid++;
	switch (vector) {
	case 2:
		do_nmi(regs);
		break;
	case 1:
		do_debug(regs);
		break;
	case 8:
		panic_regs(regs, 8, "double fault");
	default:
		panic_regs(regs, vector, "machine check");
	}
	pc->in_paranoid--;
}

/* ---- CONFIG_DEBUG_ENTRY ---------------------------------------------------------------------- */

void debug_entry_check_kernel(const char *where)
{
	u64 gs = rdmsr(MSR_GS_BASE);
	if (gs < CEA_BASE || gs >= CEA_BASE + CEA_STRIDE * CONFIG_NR_CPUS)
		panic("%s: GS base %#lx is not the kernel's on entry", where, (unsigned long)gs);
	if (pti_enabled && (read_cr3() & PTI_USER_PGTABLE_MASK))
		panic("%s: entered C code on the user CR3 %#lx", where, (unsigned long)read_cr3());
}

void debug_entry_failed(const char *where)
{
	panic("%s: exit invariant broken (CR3 %#lx, GS base %#lx)", where, (unsigned long)read_cr3(),
	      (unsigned long)rdmsr(MSR_GS_BASE));
}
