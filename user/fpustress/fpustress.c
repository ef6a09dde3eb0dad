/*
 * fpustress.c - every FPU and vector register of a process survives every way into the kernel,
 * task switches, signal handlers, and kernel SIMD in interrupt handlers.
 *
 *   fpustress SEED STEPS [SPIN]       fpustress32 SEED STEPS [SPIN]      the stress test
 *   fpustress -window N               fpustress32 -window N              the window test
 *
 * Registers: the x87 stack ST0-7 with FCW, FSW and FTW; MXCSR; XMM0-15 (i386: XMM0-7); with AVX
 * enabled in XCR0 the upper halves of YMM; with AVX-512 the upper halves of ZMM, ZMM16-31 (64-bit
 * only) and the opmasks k0-k7. The program finds out with CPUID and XGETBV what the CPU and the
 * kernel enable, and says so in a diagnostic line.
 *
 * A step (fs_step in regs64.asm / regs32.asm) loads a fresh pattern (from SEED and the step
 * number), stores the registers, performs one operation, spins SPIN rounds (default 3000) in ring
 * 3 so that timer interrupts land there, and stores them again: since no C code runs in between,
 * any difference is the kernel's doing. The operations, per ABI:
 *   64-bit  sched_yield and getpid through SYSCALL, getpid through INT 0x80, kill(SIGUSR1) through
 *           SYSCALL and kill(SIGUSR2) through INT 0x80 (the handler, fs_handler, overwrites every
 *           register: rt_sigreturn must bring them back), nanosleep (other tasks and the idle loop
 *           run), a ring-3 spin;
 *   i386    sched_yield, getpid and kill(SIGUSR1, an rt frame) through INT 0x80; getpid and
 *           kill(SIGUSR2, the old frame) through __kernel_vsyscall (SYSENTER or compat SYSCALL);
 *           nanosleep, a ring-3 spin;
 *   both    on CONFIG_KTEST kernels (kernel/ktest/ktest_fpu.c), with the kernel's hook on that
 *           runs kernel SIMD in every device interrupt: a system call that spins until the hook
 *           ran in its interrupts (SYSCALL / INT 0x80 / vDSO), kernel SIMD in task context, and a
 *           ring-3 spin until the hook ran in this task's ring 3.
 * The handler also records what it started with: the initial FPU state (MXCSR 0x1f80, FCW 0x37f,
 * zero vector registers), as Linux gives a handler.
 *
 * The stress test cycles through the operations for STEPS steps; KTAP: one result per operation
 * (every pattern was loaded, no register changed, the call's result and the handler's start as
 * expected). The window test does once each of the ktest
 * operations, with N interrupts in the system call and 3 in ring 3 (the fpu_irq self-test runs
 * it). The kernel's fpu_stress self-test runs several copies at once under an NMI storm. Without
 * the ktest calls (Linux) those operations are skipped.
 */
#include "fpustress.h"
#include "ktap.h"
#include "ulib.h"
#include "../../kernel/include/ktest_abi.h"

#ifdef __x86_64__
#define PROG "fpustress"
#else
#define PROG "fpustress32"
#endif

#define SA_SIGINFO  4
#define SA_RESTORER 0x04000000

#define NEED_KTEST  1               /* struct opdesc.needs */
#define NEED_VSYS   2

struct opdesc {
	int kind;
	const char *name;
	unsigned needs;
};

#ifdef __x86_64__
static const struct opdesc ops[] = {
	{ OP_SPIN,    "ring-3 spin", 0 },
	{ OP_YIELD,   "sched_yield through SYSCALL", 0 },
	{ OP_GETPID,  "getpid through SYSCALL", 0 },
	{ OP_INT80,   "getpid through INT 0x80", 0 },
	{ OP_KILL,    "SIGUSR1 handler, kill through SYSCALL", 0 },
	{ OP_KILL80,  "SIGUSR2 handler, kill through INT 0x80", 0 },
	{ OP_SLEEP,   "nanosleep 2 ms", 0 },
	{ OP_KSPIN,   "kernel SIMD in interrupts of a system call (SYSCALL)", NEED_KTEST },
	{ OP_KSPIN80, "kernel SIMD in interrupts of a system call (INT 0x80)", NEED_KTEST },
	{ OP_KTASK,   "kernel SIMD in task context", NEED_KTEST },
	{ OP_USPIN,   "kernel SIMD in interrupts of ring 3", NEED_KTEST },
};
static const int window_ops[] = { OP_KSPIN, OP_KSPIN80, OP_KTASK, OP_USPIN };
#else
static const struct opdesc ops[] = {
	{ OP_SPIN,    "ring-3 spin", 0 },
	{ OP_YIELD,   "sched_yield through INT 0x80", 0 },
	{ OP_GETPID,  "getpid through INT 0x80", 0 },
	{ OP_VSYS,    "getpid through __kernel_vsyscall", NEED_VSYS },
	{ OP_KILL,    "SIGUSR1 handler (rt frame), kill through INT 0x80", 0 },
	{ OP_KILLV,   "SIGUSR2 handler (old frame), kill through __kernel_vsyscall", NEED_VSYS },
	{ OP_SLEEP,   "nanosleep 2 ms", 0 },
	{ OP_KSPIN80, "kernel SIMD in interrupts of a system call (INT 0x80)", NEED_KTEST },
	{ OP_KSPINV,  "kernel SIMD in interrupts of a system call (__kernel_vsyscall)",
	  NEED_KTEST | NEED_VSYS },
	{ OP_KTASK,   "kernel SIMD in task context", NEED_KTEST },
	{ OP_USPIN,   "kernel SIMD in interrupts of ring 3", NEED_KTEST },
};
static const int window_ops[] = { OP_KSPIN80, OP_KSPINV, OP_KTASK, OP_USPIN };
#endif
#define NOPS ARRAY_SIZE(ops)

/* ---- the machine ----------------------------------------------------------------------------- */

static void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile ("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(sub));
}

/* LV_* bits: what ring 3 may use, from CPUID and XCR0 (which the kernel chose). */
static unsigned detect_level(uint64_t *xcr0)
{
	uint32_t r[4], lo, hi;
	unsigned level = 0;

	*xcr0 = 0;
	cpuid(0, 0, r);
	uint32_t max = r[0];
	cpuid(1, 0, r);
	if (!(r[2] & (1u << 27)))                       /* OSXSAVE: no XGETBV */
		return 0;
	__asm__ volatile ("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	*xcr0 = (uint64_t)hi << 32 | lo;
	if ((r[2] & (1u << 28)) && (*xcr0 & 6) == 6)    /* AVX, with SSE and YMM state enabled */
		level |= LV_AVX;
	if (max >= 7 && (level & LV_AVX)) {
		cpuid(7, 0, r);
		if ((r[1] & (1u << 16)) && (*xcr0 & 0xe6) == 0xe6) {   /* AVX512F, opmask, ZMM */
			level |= LV_AVX512;
			if (r[1] & (1u << 30))
				level |= LV_BW;
		}
	}
	return level;
}

/* The private calls of CONFIG_KTEST kernels; -ENOSYS elsewhere. */
static long ktest_call(unsigned op, long a0)
{
#ifdef __x86_64__
	return syscall1(KTEST_SYSCALL_BASE + op, a0);
#else
	return int80_1(KTEST_SYSCALL_BASE + op, a0);
#endif
}

/* fs_handler for SIGUSR1 (rt frame) and SIGUSR2 (64-bit: rt; i386: the old frame). */
static bool install_handlers(void)
{
#ifdef __x86_64__
	struct { uint64_t handler, flags, restorer, mask; } sa = {
		(uint64_t)fs_handler, SA_SIGINFO | SA_RESTORER, (uint64_t)fs_restorer_rt, 0 };
	return syscall4(13, SIGUSR1, (long)&sa, 0, 8) == 0 && syscall4(13, SIGUSR2, (long)&sa, 0, 8) == 0;
#else
	struct { uint32_t handler, flags, restorer, mask[2]; } rt = {
		(uint32_t)fs_handler, SA_SIGINFO | SA_RESTORER, (uint32_t)fs_restorer_rt, { 0, 0 } };
	struct { uint32_t handler, mask, flags, restorer; } old = {
		(uint32_t)fs_handler, 0, SA_RESTORER, (uint32_t)fs_restorer_old };
	return int80_4(174, SIGUSR1, (long)&rt, 0, 8) == 0 && int80_3(67, SIGUSR2, (long)&old, 0) == 0;
#endif
}

/* ---- patterns and comparisons ----------------------------------------------------------------- */

static uint64_t rng_state;

static uint64_t rng(void) { return rand_next(&rng_state); }

static void fill(void *p, unsigned n)
{
	uint8_t *b = p;
	while (n >= 8) {
		uint64_t v = rng();
		memcpy(b, &v, 8);
		b += 8;
		n -= 8;
	}
}

/* A pattern FXRSTOR and the vector loads accept; different for every seed in every field. */
static void make_pattern(uint64_t seed, unsigned level, struct fs_regs *p)
{
	memset(p, 0, sizeof(*p));
	rng_state = rand_seed(seed);
	/* FCW: exceptions masked, precision 53 or 64 bits, any rounding. FSW: condition codes only
	 * (TOP 0, no exception flags). FTW: all eight registers valid. MXCSR: exceptions masked, any
	 * rounding, FTZ either way, sticky flags. */
	uint16_t fcw = (uint16_t)(0x007f | (rng() & 1 ? 0x300 : 0x200) | (rng() & 3) << 10);
	uint16_t fsw = (uint16_t)(rng() & 0x4700);
	uint32_t mxcsr = DEFAULT_MXCSR | (uint32_t)(rng() & 3) << 13 | (uint32_t)(rng() & 1) << 15 |
			 (uint32_t)(rng() & 0x3f);
	memcpy(p->fx + FX_FCW, &fcw, 2);
	memcpy(p->fx + FX_FSW, &fsw, 2);
	p->fx[FX_FTW] = 0xff;
	memcpy(p->fx + FX_MXCSR, &mxcsr, 4);
	for (unsigned i = 0; i < 8; i++) {
		uint64_t mant = rng() | (1ULL << 63);       /* a normal extended-precision number */
		uint16_t sexp = (uint16_t)((0x3fff - 32 + (rng() & 63)) | (rng() & 1) << 15);
		memcpy(p->fx + FX_ST(i), &mant, 8);
		memcpy(p->fx + FX_ST(i) + 8, &sexp, 2);
	}
	fill(p->fx + FX_XMM(0), 16 * 16);
	fill(p->ymmh, sizeof(p->ymmh));
	fill(p->zmmh, sizeof(p->zmmh));
	fill(p->zhi, sizeof(p->zhi));
	fill(p->k, sizeof(p->k));
	if (!(level & LV_BW))
		for (unsigned i = 0; i < 8; i++)
			p->k[i] &= 0xffff;
}

static void hex(char *out, const uint8_t *b, unsigned n)
{
	static const char digits[] = "0123456789abcdef";
	if (n > 16)
		n = 16;                 /* the low 16 bytes are enough to see what happened */
	while (n--) {
		*out++ = digits[b[n] >> 4];
		*out++ = digits[b[n] & 15];
	}
	*out = '\0';
}

/* Compare one field; on the first difference, describe it in why. Returns 1 if they differ. */
static unsigned field(const void *a, const void *b, unsigned len, const char *name, int idx,
		      char *why, unsigned whylen)
{
	char want[40], got[40], n[16];
	if (memcmp(a, b, len) == 0)
		return 0;
	if (!why[0]) {
		hex(want, a, len);
		hex(got, b, len);
		if (idx >= 0)
			snprintf(n, sizeof(n), "%s%d", name, idx);
		else
			snprintf(n, sizeof(n), "%s", name);
		snprintf(why, whylen, "%s: expected %s, found %s", n, want, got);
	}
	return 1;
}

/* How many registers differ between a and b (as far as level goes); the first is described. */
static unsigned compare(const struct fs_regs *a, const struct fs_regs *b, unsigned level,
			char *why, unsigned whylen)
{
	unsigned bad = 0, i;
	why[0] = '\0';
	bad += field(a->fx + FX_FCW, b->fx + FX_FCW, 2, "fcw", -1, why, whylen);
	bad += field(a->fx + FX_FSW, b->fx + FX_FSW, 2, "fsw", -1, why, whylen);
	bad += field(a->fx + FX_FTW, b->fx + FX_FTW, 1, "ftw", -1, why, whylen);
	bad += field(a->fx + FX_MXCSR, b->fx + FX_MXCSR, 4, "mxcsr", -1, why, whylen);
	for (i = 0; i < 8; i++)
		bad += field(a->fx + FX_ST(i), b->fx + FX_ST(i), 10, "st", (int)i, why, whylen);
	for (i = 0; i < FS_NVEC; i++)
		bad += field(a->fx + FX_XMM(i), b->fx + FX_XMM(i), 16, "xmm", (int)i, why, whylen);
	if (level & LV_AVX)
		for (i = 0; i < FS_NVEC; i++)
			bad += field(a->ymmh[i], b->ymmh[i], 16, "ymm_hi", (int)i, why, whylen);
	if (level & LV_AVX512) {
		for (i = 0; i < FS_NVEC; i++)
			bad += field(a->zmmh[i], b->zmmh[i], 32, "zmm_hi", (int)i, why, whylen);
		if (FS_NVEC == 16)
			for (i = 0; i < 16; i++)
				bad += field(a->zhi[i], b->zhi[i], 64, "zmm", (int)(16 + i), why, whylen);
		for (i = 0; i < 8; i++)
			bad += field(&a->k[i], &b->k[i], (level & LV_BW) ? 8 : 2, "k", (int)i, why, whylen);
	}
	return bad;
}

/* Did the handler start with the initial FPU state? */
static bool handler_state_initial(unsigned level)
{
	static const uint8_t zero[16];
	return fs_hrec.mxcsr == 0x1f80 && fs_hrec.fcw == 0x37f && !memcmp(fs_hrec.xmm0, zero, 16) &&
	       !memcmp(fs_hrec.xmmlast, zero, 16) && (!(level & LV_AVX) || !memcmp(fs_hrec.ymm0h, zero, 16));
}

/* ---- steps ------------------------------------------------------------------------------------ */

struct opstat {
	unsigned steps, notloaded, changed, badresult, badhandler;
	char first[160];            /* the first failure */
};

static struct fs_regs pat, ref, cur;

/* One step of operation kind with arg; records the outcome in st. */
static void step(const struct opdesc *d, uint64_t seed, unsigned level, long arg, unsigned long spin,
		 long pid, struct opstat *st)
{
	struct fs_op op = { (uint32_t)d->kind, level, arg, 0, spin, 0, pid };
	char why[120];
#ifndef __x86_64__
	op.vsyscall = sys32_vsyscall;
#endif
	make_pattern(seed, level, &pat);
	memset(&ref, 0, sizeof(ref));
	memset(&cur, 0, sizeof(cur));
	uint32_t hcount = fs_hrec.count;
	fs_step(&pat, &ref, &cur, &op);
	st->steps++;

	/* Otherwise the comparison below would pass vacuously. */
	if (compare(&pat, &ref, level, why, sizeof(why)) && !st->notloaded++ && !st->first[0])
		snprintf(st->first, sizeof(st->first), "the pattern was not loaded: %s", why);
	unsigned changed = compare(&ref, &cur, level, why, sizeof(why));
	if (changed && !st->changed++ && !st->first[0])
		snprintf(st->first, sizeof(st->first), "step seed %llu: %u register(s) changed, first %s",
			 (unsigned long long)seed, changed, why);
	bool ok;
	bool signal = d->kind == OP_KILL || d->kind == OP_KILL80 || d->kind == OP_KILLV;
	switch (d->kind) {
	case OP_GETPID: case OP_INT80: case OP_VSYS:
		ok = op.result == pid;
		break;
	case OP_KSPIN: case OP_KSPIN80: case OP_KSPINV: case OP_USPIN:
		ok = op.result >= arg;
		break;
	default:
		ok = op.result == 0;
	}
	if (signal && fs_hrec.count != hcount + 1)
		ok = false;
	if (!ok && !st->badresult++ && !st->first[0])
		snprintf(st->first, sizeof(st->first), "result %lld (arg %ld), handler runs %u",
			 (long long)op.result, arg, fs_hrec.count - hcount);
	if (fs_hrec.count != hcount && !handler_state_initial(level)) {
		if (!st->badhandler++ && !st->first[0])
			snprintf(st->first, sizeof(st->first), "the handler did not start from the initial "
				 "state: MXCSR %#x, FCW %#x (want 0x1f80, 0x37f), or a non-zero XMM/YMM",
				 fs_hrec.mxcsr, fs_hrec.fcw);
	}
}

static void report(const struct opdesc *d, const struct opstat *st)
{
	if (st->first[0])
		ktap_diag("%s: %s", d->name, st->first);
	bool signal = d->kind == OP_KILL || d->kind == OP_KILL80 || d->kind == OP_KILLV;
	ktap_ok(st->steps > 0 && !st->notloaded && !st->changed && !st->badresult && !st->badhandler,
		"%s: %u step(s), every register intact%s", d->name, st->steps,
		signal ? ", the handler started from the initial state" : "");
}

static const struct opdesc *find_op(int kind)
{
	for (unsigned i = 0; i < NOPS; i++)
		if (ops[i].kind == kind)
			return &ops[i];
	return NULL;
}

static bool available(const struct opdesc *d, bool have_ktest, const char **why)
{
	if ((d->needs & NEED_KTEST) && !have_ktest) {
		*why = "no CONFIG_KTEST calls";
		return false;
	}
#ifndef __x86_64__
	if ((d->needs & NEED_VSYS) && !sys32_vsyscall) {
		*why = "no AT_SYSINFO";
		return false;
	}
#endif
	return true;
}

int main(int argc, char **argv)
{
	uint64_t seed = 1, steps = 200, spin = 3000, n = 0, xcr0;
	bool window = argc > 1 && !strcmp(argv[1], "-window");

	if (window ? (argc != 3 || !parse_number(argv[2], &n) || !n) :
	    (argc > 4 || (argc > 1 && !parse_number(argv[1], &seed)) ||
	     (argc > 2 && !parse_number(argv[2], &steps)) || (argc > 3 && !parse_number(argv[3], &spin)))) {
		dprintf(2, "usage: %s SEED [STEPS [SPIN]] | %s -window N\n", PROG, PROG);
		return 2;
	}
#ifndef __x86_64__
	vdso_init();
#endif
	unsigned level = detect_level(&xcr0);
	fs_level = level;
	long pid = sys_getpid();
	bool have_ktest = ktest_call(KTEST_SYS_KFPU_HOOK, 1) > 0;
	bool handlers = install_handlers();

	ktap_plan(window ? ARRAY_SIZE(window_ops) : NOPS);
	ktap_diag(PROG " pid %ld: x87 SSE%s%s%s (xcr0 %#llx), %u vector registers, kernel hook: %s",
		  pid, (level & LV_AVX) ? " AVX" : "", (level & LV_AVX512) ? " AVX-512" : "",
		  (level & LV_BW) ? " BW" : "", (unsigned long long)xcr0,
		  (level & LV_AVX512) && FS_NVEC == 16 ? 32 : FS_NVEC, have_ktest ? "on" : "absent");
	if (!handlers)
		ktap_diag("rt_sigaction failed: the signal steps will fail");

	if (window) {
		for (unsigned i = 0; i < ARRAY_SIZE(window_ops); i++) {
			const struct opdesc *d = find_op(window_ops[i]);
			const char *why;
			if (!available(d, have_ktest, &why)) {
				ktap_skip(why, "%s", d->name);
				continue;
			}
			struct opstat st;
			memset(&st, 0, sizeof(st));
			step(d, seed * 1000003 + i, level, d->kind == OP_USPIN ? 3 : (long)n, spin, pid, &st);
			report(d, &st);
		}
	} else {
		static struct opstat st[NOPS];
		for (uint64_t s = 0; s < steps; s++) {
			const struct opdesc *d = &ops[s % NOPS];
			const char *why;
			if (available(d, have_ktest, &why))
				step(d, seed * 1000003 + s, level, d->kind == OP_USPIN ? 1 : 3, spin, pid,
				     &st[s % NOPS]);
		}
		for (unsigned i = 0; i < NOPS; i++) {
			const char *why;
			if (available(&ops[i], have_ktest, &why))
				report(&ops[i], &st[i]);
			else
				ktap_skip(why, "%s", ops[i].name);
		}
	}
	if (have_ktest)
		ktest_call(KTEST_SYS_KFPU_HOOK, 0);
	return ktap_done();
}
