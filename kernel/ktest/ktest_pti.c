/*
 * Self-tests of the isolation and entry machinery: the NX fail-safe, nested NMIs, and the private
 * system calls that let ring-3 test programs drive the fault and faulting-IRET paths.
 */
#include "types.h"
#include "ktest.h"
#include "task.h"
#include "percpu.h"
#include "paging.h"
#include "apic.h"
#include "cpu.h"
#include "errno.h"
#include "printk.h"
#include "time.h"
#include "mm.h"
#include "irq.h"

#define KTEST_FLAG_SKIP_USER_CR3 BIT(0)

long ktest_syscall(unsigned op, u64 a0, struct pt_regs *regs)
{
	switch (op) {
	case KTEST_SYS_SET_RIP:
		regs->rip = a0;          /* RCX no longer equals RIP: the exit takes IRET */
		return 0;
	case KTEST_SYS_FAULT_RESUME:
		current->ktest_resume_rip = a0;
		return 0;
	case KTEST_SYS_LAST_FAULT:
		return copy_to_user((void *)a0, &ktest_last_user_fault, sizeof(ktest_last_user_fault)) ? -EFAULT : 0;
	case KTEST_SYS_PROBE_ADDRS: {
		/* Text: this function; data: a kernel variable; heap: the task itself; direct map: the
		 * direct-map alias of the kernel image. */
		static u64 some_data = 1;
		struct ktest_probe_addrs a = {
			(u64)ktest_syscall, (u64)&some_data, (u64)current,
			(u64)phys_to_virt(KERNEL_LOAD_PHYS),
		};
		return copy_to_user((void *)a0, &a, sizeof(a)) ? -EFAULT : 0;
	}
	case KTEST_SYS_PTI_STATE:
		return pti_enabled;
	case KTEST_SYS_FLUSH_USER:
		flush_tlb_user_range(current->mm, a0, a0 + PAGE_SIZE);
		return 0;
	case KTEST_SYS_USER_FLUSHES:
		return this_entry_page()->ktest_user_flushes;
	case KTEST_SYS_PCID_STATE:
		return (pcid_enabled ? 1 : 0) | (invpcid_enabled ? 2 : 0);
	case KTEST_SYS_LAST_USER_CR3:
		return this_entry_page()->ktest_last_user_cr3;
	case KTEST_SYS_KFPU_HOOK:
	case KTEST_SYS_KFPU_SPIN:
	case KTEST_SYS_KFPU_TASK:
	case KTEST_SYS_KFPU_HITS:
		return ktest_kfpu_syscall(op, a0);
	default:
		return -ENOSYS;
	}
}

/* ---- NX fail-safe ---------------------------------------------------------------------------- */

KTEST_SUITE(pti_nx_failsafe)
{
	if (!pti_enabled) {
		ktest_expect(ctx, true, "PTI is off: nothing to prove # SKIP");
		return;
	}
	/* The next return to ring 3 on this CPU (the new task's first) skips SWITCH_TO_USER_CR3. */
	char *argv[] = { "hello", NULL };
	const char *why = NULL;
	u64 f = irq_save();
	struct task *t = spawn_program("hello", 1, argv, &why);
	if (t)
		this_entry_page()->ktest_flags |= KTEST_FLAG_SKIP_USER_CR3;
	irq_restore(f);
	if (!ktest_expect(ctx, t != NULL, "spawn hello (%s)", why ? why : "ok"))
		return;
	int st = task_wait(t);
	struct ktest_fault_record r = ktest_last_user_fault;
	ktest_expect(ctx, st == 139, "user code on the kernel CR3 dies with SIGSEGV (status %d, not 42)", st);
	ktest_expect(ctx, r.vector == 14 && (r.error & 0x11) == 0x11 && r.addr == r.rip,
		     "it was an instruction fetch through the NX user entry (vector %lu error %#lx at %#lx)",
		     (unsigned long)r.vector, (unsigned long)r.error, (unsigned long)r.addr);
	ktest_expect(ctx, !(this_entry_page()->ktest_flags & KTEST_FLAG_SKIP_USER_CR3), "flag consumed");
}

/* ---- nested NMI ------------------------------------------------------------------------------ */

static volatile int nmi_test_stage;
static volatile unsigned nmi_test_runs, int3_seen, pending_seen;

/* The `pending` slot at the top of this CPU's NMI stack (kernel/entry/entry_64.asm, W + 48). */
static volatile u64 *nmi_pending_slot(void)
{
	u64 top = cea_slice(this_entry_page()->cpu) + CEA_NMI_STACK_OFF + CEA_IST_STACK_SIZE;
	return (volatile u64 *)(top - 120 + 48);
}

bool ktest_kernel_int3(struct pt_regs *regs)
{
	(void)regs;
	if (nmi_test_stage != 1)
		return false;
	int3_seen++;
	return true;                     /* returns with IRET: NMIs are unblocked from here on */
}

void ktest_nmi_hook(struct pt_regs *regs)
{
	(void)regs;
	if (nmi_test_stage == 0)
		return;
	nmi_test_runs++;
	if (nmi_test_stage == 1) {
		__asm__ __volatile__("int3");
		nmi_test_stage = 2;
		/* NMIs are unblocked now: a second NMI lands while this handler still runs. */
		apic_send_nmi_to_self();
		for (int i = 0; i < 1000000 && !*nmi_pending_slot(); i++)
			cpu_relax();
		pending_seen = *nmi_pending_slot();
	}
}

KTEST_SUITE(nmi_nested)
{
	struct entry_page *ep = this_entry_page();
	u64 before = ep->nmi_count;
	nmi_test_runs = 0;
	int3_seen = 0;
	nmi_test_stage = 1;
	apic_send_nmi_to_self();
	u64 until = ktime_ns() + 200000000ULL;
	while (nmi_test_runs < 2 && ktime_ns() < until)
		cpu_relax();
	nmi_test_stage = 0;
	ktest_diag("handler runs %lu, hook runs %u, int3 %u, pending seen %u",
		   (unsigned long)(ep->nmi_count - before), nmi_test_runs, int3_seen, pending_seen);
	ktest_expect(ctx, int3_seen == 1, "the int3 inside the NMI handler returned (IRET unblocked NMIs)");
	ktest_expect(ctx, pending_seen == 1, "the nested NMI only marked itself pending (outer frame intact)");
	ktest_expect(ctx, nmi_test_runs == 2 && ep->nmi_count - before == 2,
		     "the outer NMI ran the handler again for it: two NMIs, two runs");
	/* And the machine still works: a plain NMI afterwards. */
	u64 c = ep->nmi_count;
	apic_send_nmi_to_self();
	until = ktime_ns() + 100000000ULL;
	while (ep->nmi_count == c && ktime_ns() < until)
		cpu_relax();
	ktest_expect(ctx, ep->nmi_count == c + 1, "a later NMI is handled normally");
}

/* ---- NMI storm ------------------------------------------------------------------------------- */

/*
 * The PIT drives ISA IRQ 0, routed through the I/O APIC with NMI delivery, at 10 kHz while ring-3
 * programs go through every entry path. The test fails unless NMIs landed both in ring 3 and
 * inside the entry text (the windows between SWAPGS and the CR3 switch included), and every
 * program finished with its expected status.
 */
#include "pit.h"

KTEST_SUITE(nmi_storm)
{
	static const struct { const char *argv[4]; int argc; int status; } progs[] = {
		{ { "t_abi", "-p", NULL }, 2, 0 },
		{ { "t_abi", "-p", NULL }, 2, 0 },
		{ { "hello32_vdso", NULL }, 1, 42 },
		{ { "hello32", NULL }, 1, 42 },
		{ { "t_sys", NULL }, 1, 0 },
		{ { "init", "-n", "3000", NULL }, 3, 0 },
	};
	struct percpu *pc = this_cpu();
	u64 u0 = pc->nmi_seen_user, e0 = pc->nmi_seen_entry, k0 = pc->nmi_seen_kernel;
	u64 n0 = this_entry_page()->nmi_count;
	u64 t0 = ktime_ns();

	pit_set_periodic(10000);
	int r = ioapic_route_isa(0, VECTOR_ISA_BASE, APIC_DM_NMI, false);
	ktest_expect(ctx, r == 0, "PIT routed to the I/O APIC with NMI delivery");

	struct task *t[ARRAY_SIZE(progs)];
	for (unsigned i = 0; i < ARRAY_SIZE(progs); i++) {
		const char *why = NULL;
		t[i] = spawn_program(progs[i].argv[0], progs[i].argc, (char *const *)progs[i].argv, &why);
		if (!t[i])
			ktest_diag("spawn %s: %s", progs[i].argv[0], why);
	}
	for (unsigned i = 0; i < ARRAY_SIZE(progs); i++) {
		int st = t[i] ? task_wait(t[i]) : -1;
		ktest_expect(ctx, st == progs[i].status, "%s %s survives the storm (status %d)",
			     progs[i].argv[0], progs[i].argc > 1 ? progs[i].argv[1] : "", st);
	}
	ioapic_route_isa(0, VECTOR_ISA_BASE, APIC_DM_NMI, true);
	pit_stop();

	u64 n = this_entry_page()->nmi_count - n0, ms = (ktime_ns() - t0) / 1000000;
	u64 nu = pc->nmi_seen_user - u0, ne = pc->nmi_seen_entry - e0, nk = pc->nmi_seen_kernel - k0;
	ktest_diag("%lu NMIs in %lu ms: %lu in ring 3, %lu in the entry text, %lu elsewhere in the kernel",
		   (unsigned long)n, (unsigned long)ms, (unsigned long)nu, (unsigned long)ne, (unsigned long)nk);
	ktest_diag("rate %lu NMIs/s (programmed: 10000/s; not asserted, timing varies under TCG)",
		   (unsigned long)(ms ? n * 1000 / ms : 0));
	ktest_expect(ctx, n >= 100, "a storm arrived: %lu NMIs", (unsigned long)n);
	ktest_expect(ctx, nu > 0, "NMIs interrupted ring 3");
	ktest_expect(ctx, ne > 0, "NMIs interrupted the entry/exit text");
}

/* ---- PCID ------------------------------------------------------------------------------------ */

/*
 * With PCID: CR4.PCIDE is on, and ring 3 runs on its user PCID: an NMI from ring 3 finds a CR3
 * with the user PML4 bit and a user PCID (bit 11 set, slot 1..ASID_SLOTS below it). The NOFLUSH
 * and deferred-flush behaviour is checked from ring 3 by t_pcid.
 */
#include "asid.h"
#include "entry.h"

KTEST_SUITE(pcid)
{
	if (!pcid_enabled) {
		ktest_expect(ctx, !(read_cr4() & X86_CR4_PCIDE), "no PCID: CR4.PCIDE is off # SKIP");
		return;
	}
	ktest_expect(ctx, read_cr4() & X86_CR4_PCIDE, "CR4.PCIDE is on");
	struct entry_page *ep = this_entry_page();
	ep->ktest_last_user_cr3 = 0;
	pit_set_periodic(2000);
	ioapic_route_isa(0, VECTOR_ISA_BASE, APIC_DM_NMI, false);
	char *argv[] = { "t_pcid", "-spin", "100", NULL };
	int st = spawn_and_wait("t_pcid", 3, argv);
	ioapic_route_isa(0, VECTOR_ISA_BASE, APIC_DM_NMI, true);
	pit_stop();
	u64 cr3 = ep->ktest_last_user_cr3;
	u64 pcid = cr3 & CR3_PCID_MASK;
	ktest_diag("an NMI in ring 3 found CR3 %#lx", (unsigned long)cr3);
	ktest_expect(ctx, st == 0, "a ring-3 spinner ran under NMIs (status %d)", st);
	if (pti_enabled)
		ktest_expect(ctx, (cr3 & PTI_USER_PGTABLE_MASK) && (pcid & PTI_USER_PCID_MASK) &&
			     (pcid & ~PTI_USER_PCID_MASK) >= 1 && (pcid & ~PTI_USER_PCID_MASK) <= ASID_SLOTS,
			     "ring 3 ran on the user PML4 with a user PCID (%#lx)", (unsigned long)pcid);
	else
		/* Bit 12 selects the user PML4 only where roots are pairs; without CONFIG_PAGE_TABLE_ISOLATION
		 * it is an ordinary address bit of a 4 KiB-aligned root. */
		ktest_expect(ctx, (!pgd_is_pair || !(cr3 & PTI_USER_PGTABLE_MASK)) && pcid >= 1 && pcid <= ASID_SLOTS,
			     "PTI off: ring 3 ran on the kernel PML4 with its kernel PCID (%#lx)",
			     (unsigned long)pcid);
}

/* ---- FSGSBASE: a kernel-looking user GS base under NMIs -------------------------------------- */

/*
 * t_gsbase -spin sets its GS base to a kernel-half value with WRGSBASE and spins; NMIs from the
 * PIT land in ring 3 and in the entry code around its timer interrupts. The paranoid NMI entry must
 * not take that base for the kernel's. Two copies run, so context switches are in the mix too.
 */
KTEST_SUITE(gsbase_nmi)
{
	if (!entry_use_fsgsbase) {
		ktest_expect(ctx, true, "no FSGSBASE: the user cannot set its GS base # SKIP");
		return;
	}
	struct percpu *pc = this_cpu();
	u64 u0 = pc->nmi_seen_user;
	pit_set_periodic(5000);
	ioapic_route_isa(0, VECTOR_ISA_BASE, APIC_DM_NMI, false);
	char *argv[] = { "t_gsbase", "-spin", "150", NULL };
	const char *why = NULL;
	struct task *a = spawn_program("t_gsbase", 3, argv, &why);
	struct task *b = spawn_program("t_gsbase", 3, argv, &why);
	int sa = a ? task_wait(a) : -1, sb = b ? task_wait(b) : -1;
	ioapic_route_isa(0, VECTOR_ISA_BASE, APIC_DM_NMI, true);
	pit_stop();
	ktest_expect(ctx, sa == 0 && sb == 0, "both spinners kept their kernel-looking GS base (%d, %d)", sa, sb);
	ktest_expect(ctx, pc->nmi_seen_user > u0, "%lu NMIs landed in ring 3 meanwhile",
		     (unsigned long)(pc->nmi_seen_user - u0));
}

/* ---- SS after SYSRET: a switch away from a task that entered through an interrupt ------------ */

/*
 * t_sysret_ss -spin is preempted by the timer in ring 3 (an interrupt entry: the CPU loads a null
 * SS); the scheduler then switches to t_sysret_ss -check, which returns from sched_yield through
 * SYSRET and uses its stack in compatibility mode. SYSRET keeps SS's hidden attributes on AMD CPUs
 * and in Bochs, so this fails unless switch_to gives SS a real descriptor.
 */
KTEST_SUITE(sysret_ss)
{
	char *spin_argv[] = { "t_sysret_ss", "-spin", "300", NULL };
	char *check_argv[] = { "t_sysret_ss", "-check", "250", NULL };
	const char *why = NULL;
	struct task *s = spawn_program("t_sysret_ss", 3, spin_argv, &why);
	struct task *c = spawn_program("t_sysret_ss", 3, check_argv, &why);
	int ss = s ? task_wait(s) : -1, sc = c ? task_wait(c) : -1;
	ktest_expect(ctx, s && c, "spawned the spinner and the checker (%s)", why ? why : "ok");
	ktest_expect(ctx, ss == 0, "the spinner ran to the end (status %d)", ss);
	ktest_expect(ctx, sc == 0, "compat-mode stack use after every SYSRET (checker status %d)", sc);
}
