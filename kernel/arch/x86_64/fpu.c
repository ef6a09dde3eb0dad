/*
 * fpu.c - per-task x87/SSE/AVX state.
 *
 * XSAVE when CPUID offers it (XCR0 = every user state component we know and the CPU supports:
 * x87, SSE, AVX, AVX-512), sized from CPUID leaf 0xD; FXSAVE otherwise (qemu64). The kernel itself
 * is built with -mgeneral-regs-only, so the registers always hold the state of the last user task
 * to run: the scheduler saves it when switching away from a user task and restores it only when a
 * different user task runs next (fpu_owner).
 */
#include "types.h"
#include "cpu.h"
#include "task.h"
#include "mm.h"
#include "string.h"
#include "printk.h"
#include "kernel.h"

#define XFEATURE_X87    BIT(0)
#define XFEATURE_SSE    BIT(1)
#define XFEATURE_YMM    BIT(2)
#define XFEATURE_AVX512 (BIT(5) | BIT(6) | BIT(7))

static u32 fpu_size = 512;
static bool use_xsave, use_xsaveopt;
static u64 xfeatures;
static u8 *fpu_init_state;

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
	pr_info("fpu: %s, %u-byte state, xcr0 %#lx\n", use_xsave ? (use_xsaveopt ? "xsaveopt" : "xsave") :
		"fxsave", fpu_size, (unsigned long)xfeatures);
}

u32 fpu_state_size(void) { return fpu_size; }
bool fpu_uses_xsave(void) { return use_xsave; }
u64 fpu_xfeatures(void) { return xfeatures; }

/* Load the initial state (what a new task and a signal handler start with). */
void fpu_restore_init(void) { fpu_restore(fpu_init_state); }

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

void fpu_free_state(void *p)
{
	if (p)
		kfree(((u8 **)p)[-1]);
}

void fpu_save(void *state)
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

void fpu_restore(const void *state)
{
	if (use_xsave) {
		u32 lo = (u32)xfeatures, hi = xfeatures >> 32;
		__asm__ __volatile__("xrstor64 (%0)" :: "r"(state), "a"(lo), "d"(hi) : "memory");
	} else {
		__asm__ __volatile__("fxrstor64 (%0)" :: "r"(state) : "memory");
	}
}
