/*
 * ktest_fpu.c - self-tests of kernel SIMD and of the lazily restored per-task FPU state.
 *
 * While enabled, a hook in do_irq (ktest_kfpu_irq) runs kernel_fpu_begin(), a SIMD clobber of every
 * register the CPU has (simd_clobber: x87, both control words, XMM, YMM and ZMM/k0-k7 as XCR0
 * allows) and kernel_fpu_end() in every device interrupt: timer ticks, and the self-IPIs of
 * KTEST_SYS_KFPU_SPIN. Ring-3 programs (user/fpustress) hold patterns in every FPU register and
 * check them after such interrupts landed in a system call (KTEST_SYS_KFPU_SPIN), in ring 3
 * (KTEST_SYS_KFPU_HITS) and after kernel SIMD in task context (KTEST_SYS_KFPU_TASK); the exit
 * path must have loaded their state back. The private calls are in kernel/include/ktest_abi.h.
 *
 * Suites:
 *   kfpu        task context: kernel_fpu_usable(), the control words each section starts with,
 *               simd_xor against a byte loop.
 *   fpu_irq     the window test: fpustress -window and fpustress32 -window.
 *   fpu_stress  two fpustress and two fpustress32 under the hook and an NMI storm (the PIT at
 *               10 kHz with NMI delivery, as nmi_storm); no NMI may find kernel_fpu_usable().
 */
#include "types.h"
#include "ktest.h"
#include "task.h"
#include "percpu.h"
#include "fpu.h"
#include "apic.h"
#include "irq.h"
#include "pit.h"
#include "cpu.h"
#include "errno.h"
#include "time.h"
#include "string.h"
#include "printk.h"

/* Counters of the hook; plain u64s changed with IRQs off (or in interrupt handlers) on this CPU. */
static struct {
	int enabled;                  /* counted enables: KTEST_SYS_KFPU_HOOK and the suites */
	u64 seed;                     /* simd_clobber's, different at every use */
	u64 runs, runs_user, runs_kernel;   /* hook runs: all, in an interrupt of ring 3, of ring 0 */
	u64 refused;                  /* interrupts where kernel_fpu_usable() said no */
	u64 bad_ctl;                  /* sections that did not start with MXCSR 0x1f80, FCW 0x37f */
	u64 nmis, nmi_usable;         /* NMIs while enabled; those that found kernel_fpu_usable() */
} kf;

/* The self-IPI of KTEST_SYS_KFPU_SPIN: nothing to do, the hook in do_irq runs after it. */
static void kfpu_ipi(struct pt_regs *regs, unsigned vector)
{
	(void)regs;
	(void)vector;
}

/* One more (on) or one fewer (off) enable of the hook. */
static void kfpu_enable(bool on)
{
	u64 f = irq_save();
	if (on) {
		if (kf.enabled++ == 0)
			irq_register(VECTOR_KTEST_FPU, kfpu_ipi);
	} else if (kf.enabled > 0) {
		kf.enabled--;
	}
	irq_restore(f);
}

static void kfpu_read_ctl(u32 *mxcsr, u16 *fcw)
{
	__asm__ __volatile__("stmxcsr %0\n\tfnstcw %1" : "=m"(*mxcsr), "=m"(*fcw));
}

/* One kernel SIMD section: check the control words it starts with, then clobber everything. */
static void kfpu_use(void)
{
	u32 mxcsr;
	u16 fcw;
	kernel_fpu_begin();
	kfpu_read_ctl(&mxcsr, &fcw);
	if (mxcsr != 0x1f80 || fcw != 0x37f)
		kf.bad_ctl++;
	simd_clobber(kernel_simd_features(), kf.seed++);
	kernel_fpu_end();
}

/* do_irq, every device interrupt, IRQs off: kernel SIMD whenever it is allowed. */
void ktest_kfpu_irq(struct pt_regs *regs)
{
	if (!kf.enabled)
		return;
	if (!kernel_fpu_usable()) {
		kf.refused++;
		return;
	}
	kfpu_use();
	kf.runs++;
	if (user_mode(regs)) {
		kf.runs_user++;
		current->ktest_kfpu_hits++;
	} else {
		kf.runs_kernel++;
	}
}

/* do_nmi: an NMI can land anywhere, so kernel SIMD must never be usable in one. */
void ktest_kfpu_nmi(void)
{
	if (!kf.enabled)
		return;
	kf.nmis++;
	if (kernel_fpu_usable())
		kf.nmi_usable++;
}

/* KTEST_SYS_KFPU_*, from a system call (IRQs on). */
long ktest_kfpu_syscall(unsigned op, u64 a0)
{
	switch (op) {
	case KTEST_SYS_KFPU_HOOK:
		kfpu_enable(a0 != 0);
		return kf.enabled;
	case KTEST_SYS_KFPU_SPIN: {
		if (!kf.enabled)
			return -EINVAL;
		u64 start = kf.runs_kernel, until = ktime_ns() + 2000000000ULL;
		while (kf.runs_kernel - start < a0) {
			if (ktime_ns() > until)
				return -EAGAIN;
			apic_send_ipi(apic_id(), VECTOR_KTEST_FPU, APIC_DM_FIXED);
			for (int i = 0; i < 200; i++)
				cpu_relax();
		}
		return (long)(kf.runs_kernel - start);
	}
	case KTEST_SYS_KFPU_TASK: {
		/* A section with IRQs on: interrupts in it must refuse (counted in kf.refused). */
		kernel_fpu_begin();
		simd_clobber(kernel_simd_features(), kf.seed++);
		if (kf.enabled)
			apic_send_ipi(apic_id(), VECTOR_KTEST_FPU, APIC_DM_FIXED);
		for (int i = 0; i < 2000; i++)
			cpu_relax();
		kernel_fpu_end();
		return 0;
	}
	case KTEST_SYS_KFPU_HITS:
		return (long)current->ktest_kfpu_hits;
	default:
		return -ENOSYS;
	}
}

/* ---- task context ---------------------------------------------------------------------------- */

KTEST_SUITE(kfpu)
{
	static u8 a[160], b[160], want[160];
	unsigned feat = kernel_simd_features();
	ktest_diag("kernel SIMD features: SSE2%s%s", (feat & KSIMD_AVX) ? " AVX" : "",
		   (feat & KSIMD_AVX512) ? " AVX-512" : "");
	ktest_expect(ctx, kernel_fpu_usable(), "kernel_fpu_usable() in task context");

	u32 mx0, mx1, mx2;
	u16 cw0, cw1, cw2;
	kernel_fpu_begin();
	bool nested = kernel_fpu_usable();
	kfpu_read_ctl(&mx0, &cw0);
	simd_clobber(feat, 0x1234);
	kfpu_read_ctl(&mx1, &cw1);
	/* simd_xor against a byte loop: every length up to 100, every relative misalignment. */
	bool ok = true;
	for (unsigned len = 0; len <= 100 && ok; len++) {
		for (unsigned off = 0; off < 4 && ok; off++) {
			for (unsigned i = 0; i < sizeof(a); i++) {
				a[i] = (u8)(i * 7 + len);
				b[i] = (u8)(i * 13 + off + 1);
			}
			memcpy(want, a, sizeof(a));
			for (unsigned i = 0; i < len; i++)
				want[off + i] ^= b[3 - off + i];
			simd_xor(a + off, b + 3 - off, len);
			ok = !memcmp(a, want, sizeof(a));
			if (!ok)
				ktest_diag("simd_xor wrong at length %u, offset %u", len, off);
		}
	}
	kernel_fpu_end();
	ktest_expect(ctx, !nested, "not usable inside a section (no nesting)");
	ktest_expect(ctx, mx0 == 0x1f80 && cw0 == 0x37f, "a section starts with MXCSR 0x1f80, FCW 0x37f "
		     "(found %#x, %#x)", mx0, cw0);
	ktest_expect(ctx, mx1 == 0xff80 && cw1 == 0xf7f, "simd_clobber changed them (%#x, %#x)", mx1, cw1);
	ktest_expect(ctx, ok, "simd_xor matches a byte loop (lengths 0-100, 4 alignments)");
	kernel_fpu_begin();
	kfpu_read_ctl(&mx2, &cw2);
	kernel_fpu_end();
	ktest_expect(ctx, mx2 == 0x1f80 && cw2 == 0x37f, "the next section starts with the defaults again");
	ktest_expect(ctx, kernel_fpu_usable(), "usable again after kernel_fpu_end()");
}

/* ---- the window test ------------------------------------------------------------------------- */

/* Spawn the programs (argv lists, NULL-terminated), wait for all, expect exit status 0 each. */
static void run_all(struct ktest_ctx *ctx, const char *const (*progs)[5], unsigned n)
{
	struct task *t[8];
	for (unsigned i = 0; i < n && i < ARRAY_SIZE(t); i++) {
		int argc = 0;
		while (progs[i][argc])
			argc++;
		const char *why = NULL;
		t[i] = spawn_program(progs[i][0], argc, (char *const *)progs[i], &why);
		if (!t[i])
			ktest_diag("spawn %s: %s", progs[i][0], why);
	}
	for (unsigned i = 0; i < n && i < ARRAY_SIZE(t); i++) {
		int st = t[i] ? task_wait(t[i]) : -1;
		ktest_expect(ctx, st == 0, "%s %s %s: every register intact (status %d)", progs[i][0],
			     progs[i][1], progs[i][2], st);
	}
}

static void kf_diag(const char *what, u64 runs, u64 user, u64 kernel, u64 refused)
{
	ktest_diag("%s: kernel SIMD in %lu interrupts (%lu of ring 3, %lu of ring 0), %lu refused",
		   what, (unsigned long)runs, (unsigned long)user, (unsigned long)kernel,
		   (unsigned long)refused);
}

/*
 * Each program loads a pattern into every register, then: a system call that spins until the
 * hook ran 20 times in its interrupts (SYSCALL and INT 0x80; fpustress32: INT 0x80 and the vDSO
 * entry), kernel SIMD in task context, and a ring-3 spin until the hook ran 3 times there;
 * checking every register after each.
 */
KTEST_SUITE(fpu_irq)
{
	static const char *const progs[][5] = {
		{ "fpustress", "-window", "20", NULL },
		{ "fpustress32", "-window", "20", NULL },
	};
	u64 r0 = kf.runs, u0 = kf.runs_user, k0 = kf.runs_kernel, f0 = kf.refused, b0 = kf.bad_ctl;
	run_all(ctx, progs, ARRAY_SIZE(progs));
	kf_diag("fpu_irq", kf.runs - r0, kf.runs_user - u0, kf.runs_kernel - k0, kf.refused - f0);
	ktest_expect(ctx, kf.runs_kernel - k0 >= 2 * 2 * 20, "the hook ran in system calls: %lu times",
		     (unsigned long)(kf.runs_kernel - k0));
	ktest_expect(ctx, kf.runs_user - u0 >= 2 * 3, "the hook ran in ring 3: %lu times",
		     (unsigned long)(kf.runs_user - u0));
	ktest_expect(ctx, kf.bad_ctl == b0, "every section started with the default control words");
}

/* ---- stress ---------------------------------------------------------------------------------- */

KTEST_SUITE(fpu_stress)
{
	static const char *const progs[][5] = {
		{ "fpustress", "11", "110", NULL },
		{ "fpustress", "12", "110", NULL },
		{ "fpustress32", "13", "110", NULL },
		{ "fpustress32", "14", "110", NULL },
	};
	struct percpu *pc = this_cpu();
	u64 r0 = kf.runs, u0 = kf.runs_user, k0 = kf.runs_kernel, f0 = kf.refused, b0 = kf.bad_ctl;
	u64 n0 = kf.nmis, nu0 = kf.nmi_usable, ring3 = pc->nmi_seen_user;
	int saved = kf.enabled;

	kfpu_enable(true);
	pit_set_periodic(10000);
	int r = ioapic_route_isa(0, VECTOR_ISA_BASE, APIC_DM_NMI, false);
	ktest_expect(ctx, r == 0, "PIT routed to the I/O APIC with NMI delivery");
	run_all(ctx, progs, ARRAY_SIZE(progs));
	ioapic_route_isa(0, VECTOR_ISA_BASE, APIC_DM_NMI, true);
	pit_stop();
	u64 f = irq_save();
	kf.enabled = saved;               /* whatever the programs left */
	irq_restore(f);

	kf_diag("fpu_stress", kf.runs - r0, kf.runs_user - u0, kf.runs_kernel - k0, kf.refused - f0);
	ktest_diag("%lu NMIs while the hook was on, %lu of them in ring 3", (unsigned long)(kf.nmis - n0),
		   (unsigned long)(pc->nmi_seen_user - ring3));
	ktest_expect(ctx, kf.runs_user - u0 > 0 && kf.runs_kernel - k0 > 0,
		     "kernel SIMD ran in interrupts of ring 3 and of system calls");
	ktest_expect(ctx, kf.nmis - n0 >= 100 && pc->nmi_seen_user - ring3 > 0,
		     "an NMI storm arrived, into ring 3 too");
	ktest_expect(ctx, kf.nmi_usable == nu0, "kernel_fpu_usable() said no in every NMI");
	ktest_expect(ctx, kf.bad_ctl == b0, "every section started with the default control words");
}
