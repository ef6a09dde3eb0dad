/*
 * fpu.c - per-task x87/SSE/AVX state, restored lazily, and SIMD in the kernel.
 *
 * Format: XSAVE when CPUID offers it (XCR0 = every user state component we know and the CPU
 * supports: x87, SSE, AVX, AVX-512), sized from CPUID leaf 0xD; XSAVEOPT to save when available;
 * FXSAVE otherwise (qemu64).
 *
 * The lazy model (Linux's TIF_NEED_FPU_LOAD). The kernel is built -mgeneral-regs-only, so the FPU
 * registers change only here and between kernel_fpu_begin() and kernel_fpu_end(). Each CPU
 * records whose user state its registers hold (percpu.fpu_owner; NULL after kernel SIMD), and
 * each task has fpu_need_load:
 *   - clear on the running task: its registers are *live*, the only current copy (t->fpu may be
 *     stale), and fpu_owner is that task;
 *   - set: t->fpu is the state. The registers get it on the way back to ring 3, as the very last
 *     exit work (EXIT_WORK_FPU, handled by fpu_exit_to_user() with IRQs off until SYSRET/IRET),
 *     so a task that makes system calls without switching pays nothing.
 * fpu_switch(): leaving a task whose registers are live saves them into its area (it stays
 * fpu_owner: registers and area are equal now); entering a task sets its need-load unless this
 * CPU's registers still hold exactly its state (fpu_owner is it and it last ran here, fpu_cpu).
 * The per-CPU EXIT_WORK_FPU bit mirrors the running task's flag at every change. New tasks start
 * with the initial state and need-load set.
 *
 * Rules for the rest of the kernel (the helpers below are the only way to reach the state):
 *   - to read t->fpu (a signal frame): fpu_sync_to_task(t). It saves live registers and marks
 *     need-load, so the image stays stable afterwards: kernel SIMD in an interrupt then finds
 *     nothing live to save into it.
 *   - to write t->fpu: fpu_task_set_state(t, image) or fpu_task_set_init(t); or
 *     fpu_sync_to_task(t), write, fpu_task_modified(t). (Fork: fpu_sync_to_task(parent), then
 *     fpu_task_set_state(child, parent->fpu).)
 *   - before freeing t: fpu_task_drop(t).
 * Every change of this bookkeeping runs with IRQs off and FPU_BUSY_STATE set, so an interrupt
 * never sees it half done; an NMI or a #DB can, which is one reason kernel_fpu_usable() says no
 * in do_paranoid().
 *
 * Hazard (XSAVEOPT): its modified optimisation skips components not changed since the last
 * XRSTOR *from the same address*. Writing t->fpu while the registers still count as t's, and
 * saving again, would leave the written values in place of the registers': hence the rules
 * above, and fpu_task_modified() forgets the ownership, so the next load is an XRSTOR from
 * t->fpu, which restarts the tracking.
 *
 * SMP note: fpu_cpu makes "still holds its state" per CPU, and a modification sets it to
 * FPU_NO_CPU, so a stale fpu_owner on another CPU never matches (as Linux's fpu->last_cpu).
 */
#include "types.h"
#include "cpu.h"
#include "task.h"
#include "mm.h"
#include "string.h"
#include "printk.h"
#include "kernel.h"
#include "percpu.h"
#include "fpu.h"

#define XFEATURE_X87    BIT(0)
#define XFEATURE_SSE    BIT(1)
#define XFEATURE_YMM    BIT(2)
#define XFEATURE_AVX512 (BIT(5) | BIT(6) | BIT(7))

#define FPU_BUSY_STATE  BIT(0)        /* the lazy-model bookkeeping is being changed (IRQs off) */
#define FPU_BUSY_KERNEL BIT(1)        /* between kernel_fpu_begin() and kernel_fpu_end() */
#define FPU_NO_CPU      (~0u)         /* task.fpu_cpu: no CPU's registers hold this state */

static u32 fpu_size = 512;
static bool use_xsave, use_xsaveopt;
static u64 xfeatures;
static u8 *fpu_init_state;

static void fpu_save(void *state);
static void fpu_restore(const void *state);

void fpu_init(void)
{
	if (cpu.xsave) {
		u32 a, b, c, d;
		cpuid_count(0xd, 0, &a, &b, &c, &d);
		u64 supported = a | ((u64)d << 32);
		xfeatures = XFEATURE_X87 | XFEATURE_SSE;
		if (cpu.avx)
			xfeatures |= XFEATURE_YMM;
		if (cpu.avx512f && (supported & XFEATURE_AVX512) == XFEATURE_AVX512)
			xfeatures |= XFEATURE_AVX512;
		xfeatures &= supported;
		xsetbv(0, xfeatures);
		cpuid_count(0xd, 0, &a, &b, &c, &d);
		fpu_size = b;                 /* size for the features now enabled in XCR0 */
		use_xsave = true;
		use_xsaveopt = cpu.xsaveopt;
		cpu.xcr0 = xfeatures;
	}
	cpu.xsave_size = fpu_size;
	fpu_init_state = kzalloc(fpu_size + 64);
	BUG_ON(!fpu_init_state);
	fpu_init_state = (u8 *)ALIGN_UP((u64)fpu_init_state, 64);
	__asm__ __volatile__("fninit");
	u32 mxcsr = 0x1f80;
	__asm__ __volatile__("ldmxcsr %0" :: "m"(mxcsr));
	fpu_save(fpu_init_state);
	/* The initial state has zero x87 and vector registers whatever the firmware left in them
	 * (FNINIT resets only the x87 control and tag words); with XSAVE, XSTATE_BV = 0 says every
	 * component is in its initial configuration (XRSTOR still takes MXCSR from the image). */
	memset(fpu_init_state + 32, 0, 8 * 16 + 16 * 16);         /* ST0-7, XMM0-15 */
	if (use_xsave)
		memset(fpu_init_state + 512, 0, fpu_size - 512);     /* header and extended areas */
	pr_info("fpu: %s, %u-byte state, xcr0 %#lx\n", use_xsave ? (use_xsaveopt ? "xsaveopt" : "xsave") :
		"fxsave", fpu_size, (unsigned long)xfeatures);
}

u32 fpu_state_size(void) { return fpu_size; }
bool fpu_uses_xsave(void) { return use_xsave; }
u64 fpu_xfeatures(void) { return xfeatures; }


/*
 * A state image that came from ring 3 (a signal frame): accept it only if restoring it cannot
 * fault, i.e. exactly the #GP conditions of FXRSTOR/XRSTOR are excluded: MXCSR reserved bits, and
 * for XSAVE a standard-form header whose XSTATE_BV lies within XCR0 with the reserved bytes zero.
 */
bool fpu_state_valid(const void *state)
{
	const u8 *p = state;
	u32 mxcsr, mask;
	memcpy(&mxcsr, p + 24, 4);
	memcpy(&mask, fpu_init_state + 28, 4);      /* MXCSR_MASK as the CPU reported it */
	if (!mask)
		mask = 0xffbf;
	if (mxcsr & ~mask)
		return false;
	if (!use_xsave)
		return true;
	u64 xstate_bv, xcomp_bv;
	memcpy(&xstate_bv, p + 512, 8);
	memcpy(&xcomp_bv, p + 520, 8);
	if ((xstate_bv & ~xfeatures) || xcomp_bv)
		return false;
	for (unsigned i = 528; i < 576; i++)
		if (p[i])
			return false;
	return true;
}

/* A new state area holding the initial state (NULL if out of memory); free with fpu_free_state. */
void *fpu_alloc_state(void)
{
	u8 *raw = kmalloc(fpu_size + 64 + 8);
	if (!raw)
		return NULL;
	u8 *p = (u8 *)ALIGN_UP((u64)raw + 8, 64);
	((u8 **)p)[-1] = raw;
	memcpy(p, fpu_init_state, fpu_size);
	return p;
}

/* Free an area of fpu_alloc_state (NULL is ignored). */
void fpu_free_state(void *p)
{
	if (p)
		kfree(((u8 **)p)[-1]);
}

/* Save the registers into state (64-byte aligned, fpu_size bytes). Bookkeeping only. */
static void fpu_save(void *state)
{
	if (use_xsave) {
		u32 lo = (u32)xfeatures, hi = xfeatures >> 32;
		if (use_xsaveopt)
			__asm__ __volatile__("xsaveopt64 (%0)" :: "r"(state), "a"(lo), "d"(hi) : "memory");
		else
			__asm__ __volatile__("xsave64 (%0)" :: "r"(state), "a"(lo), "d"(hi) : "memory");
	} else {
		__asm__ __volatile__("fxsave64 (%0)" :: "r"(state) : "memory");
	}
}

/* Load the registers from state (a valid image). Bookkeeping only. */
static void fpu_restore(const void *state)
{
	if (use_xsave) {
		u32 lo = (u32)xfeatures, hi = xfeatures >> 32;
		__asm__ __volatile__("xrstor64 (%0)" :: "r"(state), "a"(lo), "d"(hi) : "memory");
	} else {
		__asm__ __volatile__("fxrstor64 (%0)" :: "r"(state) : "memory");
	}
}

/* ---- the lazy model: bookkeeping ------------------------------------------------------------ */

/* Enter/leave a change of the bookkeeping: IRQs off, and kernel_fpu_usable() says no meanwhile. */
static struct percpu *fpu_lock(u64 *flags)
{
	*flags = irq_save();
	struct percpu *pc = this_cpu();
	pc->fpu_busy |= FPU_BUSY_STATE;
	return pc;
}

static void fpu_unlock(struct percpu *pc, u64 flags)
{
	pc->fpu_busy &= ~FPU_BUSY_STATE;
	irq_restore(flags);
}

/* Are t's registers live on this CPU (t runs here and they are its only current copy)? */
static bool fpu_live(const struct percpu *pc, const struct task *t)
{
	return t->fpu && t == pc->curr && !t->fpu_need_load;
}

/* From now on t->fpu is t's state; the registers get it before t runs ring-3 code again. */
static void fpu_set_need_load(struct task *t, const struct percpu *pc)
{
	t->fpu_need_load = true;
	if (t == pc->curr)
		set_exit_work_fpu(true);
}

/* t->fpu was (or is about to be) rewritten: no CPU's registers hold its state any more. */
static void fpu_forget(struct task *t, struct percpu *pc)
{
	if (pc->fpu_owner == t)
		pc->fpu_owner = NULL;
	t->fpu_cpu = FPU_NO_CPU;
	fpu_set_need_load(t, pc);
}

/*
 * Make t->fpu hold t's current state and keep it so until t next returns to ring 3: if t's
 * registers are live, save them and mark need-load (they stay valid: t remains fpu_owner, and
 * the exit path reloads the same values). For any task; a no-op for kernel threads.
 */
void fpu_sync_to_task(struct task *t)
{
	if (!t->fpu)
		return;
	u64 f;
	struct percpu *pc = fpu_lock(&f);
	if (fpu_live(pc, t)) {
		BUG_ON(pc->fpu_owner != t);
		fpu_save(t->fpu);
		fpu_set_need_load(t, pc);
	}
	fpu_unlock(pc, f);
}

/*
 * t->fpu was written in memory (after fpu_sync_to_task(t), so t's registers were not live):
 * forget any register copy and load the image on t's next way to ring 3.
 */
void fpu_task_modified(struct task *t)
{
	if (!t->fpu)
		return;
	u64 f;
	struct percpu *pc = fpu_lock(&f);
	BUG_ON(fpu_live(pc, t));         /* the caller skipped fpu_sync_to_task: the write is lost */
	fpu_forget(t, pc);
	fpu_unlock(pc, f);
}

/*
 * Replace t's state with img (fpu_size bytes that fpu_state_valid accepted, or a kernel image);
 * t's registers, live or not, are discarded. All under the lock, so no sync is needed.
 */
void fpu_task_set_state(struct task *t, const void *img)
{
	if (!t->fpu)
		return;
	u64 f;
	struct percpu *pc = fpu_lock(&f);
	memcpy(t->fpu, img, fpu_size);
	fpu_forget(t, pc);
	fpu_unlock(pc, f);
}

/* Give t the initial state (a signal handler's start, a new program image). */
void fpu_task_set_init(struct task *t)
{
	fpu_task_set_state(t, fpu_init_state);
}

/* t is being freed: no CPU may take its (soon reused) address for the owner of its registers. */
void fpu_task_drop(struct task *t)
{
	u64 f;
	struct percpu *pc = fpu_lock(&f);
	if (pc->fpu_owner == t)
		pc->fpu_owner = NULL;
	fpu_unlock(pc, f);
}

/*
 * The scheduler's part, with IRQs off, before switch_to(prev, next): save prev's live registers
 * (prev stays fpu_owner), decide whether next needs a load, and set EXIT_WORK_FPU for next.
 */
void fpu_switch(struct task *prev, struct task *next)
{
	struct percpu *pc = this_cpu();
	BUG_ON(irqs_enabled());
	BUG_ON(pc->fpu_busy);            /* no kernel SIMD section may sleep or be preempted */
	pc->fpu_busy |= FPU_BUSY_STATE;
	if (prev->fpu && !prev->fpu_need_load) {
		BUG_ON(pc->fpu_owner != prev);
		fpu_save(prev->fpu);
		prev->fpu_cpu = pc->cpu;
	}
	if (next->fpu && (pc->fpu_owner != next || next->fpu_cpu != pc->cpu))
		next->fpu_need_load = true;
	set_exit_work_fpu(next->fpu && next->fpu_need_load);
	pc->fpu_busy &= ~FPU_BUSY_STATE;
}

/*
 * EXIT_WORK_FPU: the last exit work, with IRQs off from here to the SYSRET/IRET, so nothing can
 * use the registers between this load and ring 3. Loads the running task's state if it needs it.
 */
void fpu_exit_to_user(void)
{
	struct percpu *pc = this_cpu();
	struct task *t = pc->curr;
	BUG_ON(irqs_enabled());
	BUG_ON(pc->fpu_busy);            /* a kernel_fpu_begin() without its kernel_fpu_end() */
	pc->fpu_busy |= FPU_BUSY_STATE;
	if (t->fpu && t->fpu_need_load) {
		fpu_restore(t->fpu);
		pc->fpu_owner = t;
		t->fpu_cpu = pc->cpu;
		t->fpu_need_load = false;
	}
	set_exit_work_fpu(false);
	pc->fpu_busy &= ~FPU_BUSY_STATE;
}

/* ---- SIMD in the kernel --------------------------------------------------------------------- */

/*
 * May kernel_fpu_begin() be called here? No in NMI, #DB-in-the-kernel, #MC and #DF handlers (they
 * can interrupt anything, the bookkeeping included), inside a kernel SIMD section (no nesting),
 * and while the bookkeeping is being changed. Yes in task context and in an interrupt handler,
 * whatever it interrupted (ring 3, a system call, the idle loop): IRQs are off in every window
 * where the bookkeeping changes, so an interrupt never lands in one.
 */
bool kernel_fpu_usable(void)
{
	const struct percpu *pc = this_cpu();
	return !pc->in_paranoid && !pc->fpu_busy;
}

/*
 * Take the FPU registers for kernel code: the running task's live state (if any) is saved into
 * its area and marked need-load (the exit path reloads it: kernel_fpu_end restores nothing), the
 * registers are owned by nobody, and the control words are the defaults (MXCSR 0x1f80: every
 * exception masked, round to nearest; FCW 0x37f). Must be kernel_fpu_usable(); no sleeping
 * until kernel_fpu_end().
 */
void kernel_fpu_begin(void)
{
	u64 f = irq_save();
	struct percpu *pc = this_cpu();
	BUG_ON(!kernel_fpu_usable());
	pc->fpu_busy |= FPU_BUSY_KERNEL;
	struct task *t = pc->curr;
	if (fpu_live(pc, t)) {
		fpu_save(t->fpu);
		fpu_set_need_load(t, pc);
	}
	pc->fpu_owner = NULL;
	irq_restore(f);
	u32 mxcsr = 0x1f80;
	__asm__ __volatile__("fninit\n\tldmxcsr %0" :: "m"(mxcsr) : "memory");
}

/* End a kernel SIMD section. The registers keep kernel values until the exit path loads a task's. */
void kernel_fpu_end(void)
{
	u64 f = irq_save();
	struct percpu *pc = this_cpu();
	BUG_ON(!(pc->fpu_busy & FPU_BUSY_KERNEL));
	pc->fpu_busy &= ~FPU_BUSY_KERNEL;
	irq_restore(f);
}

/* What kernel SIMD code may use here: KSIMD_* bits from XCR0 (0 on FXSAVE-only CPUs). */
unsigned kernel_simd_features(void)
{
	unsigned level = 0;
	if (xfeatures & XFEATURE_YMM)
		level |= KSIMD_AVX;
	if ((xfeatures & XFEATURE_AVX512) == XFEATURE_AVX512)
		level |= KSIMD_AVX512;
	return level;
}
