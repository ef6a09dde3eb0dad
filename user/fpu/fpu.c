/*
 * fpu.c - per-task FPU/SSE state survives system calls and preemption.
 *
 *   fpu SEED ITER [SPIN]        (64-bit: x87 ST0-ST7, XMM0-XMM15, FCW, MXCSR)
 *   fpu32 SEED ITER [SPIN]      (i386:   x87 ST0-ST7, XMM0-XMM7,  FCW, MXCSR)
 *
 * Derives register contents from SEED, loads them, then ITER times makes two system calls
 * (sched_yield, getpid) and spins SPIN rounds (default 10000) so that timer interrupts and task
 * switches land in the middle, checking after each round that every register is unchanged.
 * The kernel test runs several copies at once with different seeds: if it saved or restored
 * the state of the wrong task, or not at all, one of them sees another's values.
 *
 * The register work is in loop64.asm / loop32.asm: compiled C may use XMM registers itself, so
 * between loading the pattern and the last comparison no C code runs. One KTAP test; exit 0 on
 * success.
 */
#include "fpu.h"
#include "ktap.h"
#include "ulib.h"

#ifdef __x86_64__
#define PROG "fpu"
#else
#define PROG "fpu32"
#endif

static uint64_t rng_state;

static uint64_t rng(void) { return rand_next(&rng_state); }

static void make_pattern(uint64_t seed, struct fpu_pattern *p)
{
	unsigned i;

	rng_state = rand_seed(seed);
	for (i = 0; i < 8; i++) {
		/* A normal extended-precision number: explicit integer bit set, a moderate
		 * exponent, random sign and fraction. Loading it raises no exception. */
		uint64_t mant = rng() | (1ULL << 63);
		uint16_t exp = (uint16_t)(0x3fff - 32 + (rng() & 63));
		uint16_t sexp = (uint16_t)(exp | ((rng() & 1) << 15));

		memset(p->st[i], 0, sizeof(p->st[i]));
		memcpy(&p->st[i][0], &mant, 8);
		memcpy(&p->st[i][8], &sexp, 2);
	}
	for (i = 0; i < 16; i++) {
		uint64_t lo = rng(), hi = rng();

		memcpy(&p->xmm[i][0], &lo, 8);
		memcpy(&p->xmm[i][8], &hi, 8);
	}
	/* Non-default rounding modes (and flush-to-zero) catch a kernel that reinitialises the
	 * control registers instead of restoring them. All exceptions stay masked. */
	p->mxcsr = DEFAULT_MXCSR | (uint32_t)(rng() & 3) << 13 | (uint32_t)(rng() & 1) << 15;
	p->fcw = (uint16_t)(0x007f | (rng() & 1 ? 0x300 : 0x200) | (rng() & 3) << 10);
}

static void hex(char *out, const uint8_t *b, unsigned n)
{
	static const char digits[] = "0123456789abcdef";

	/* most significant byte first, as the value reads */
	while (n--) {
		*out++ = digits[b[n] >> 4];
		*out++ = digits[b[n] & 15];
	}
	*out = '\0';
}

static void report_field(const struct fxsave_area *ref, const struct fxsave_area *cur,
			 const char *name, unsigned off, unsigned len)
{
	char want[40], got[40];

	if (memcmp(ref->bytes + off, cur->bytes + off, len) == 0)
		return;
	hex(want, ref->bytes + off, len);
	hex(got, cur->bytes + off, len);
	ktap_diag("%s: expected %s, found %s", name, want, got);
}

static void report(const struct fxsave_area *ref, const struct fxsave_area *cur)
{
	char name[8];
	unsigned i;

	report_field(ref, cur, "fcw", FX_FCW, 2);
	report_field(ref, cur, "fsw", FX_FSW, 2);
	report_field(ref, cur, "ftw", FX_FTW, 1);
	report_field(ref, cur, "mxcsr", FX_MXCSR, 4);
	for (i = 0; i < 8; i++) {
		snprintf(name, sizeof(name), "st%u", i);
		report_field(ref, cur, name, FX_ST(i), 10);
	}
	for (i = 0; i < FPU_NXMM; i++) {
		snprintf(name, sizeof(name), "xmm%u", i);
		report_field(ref, cur, name, FX_XMM(i), 16);
	}
}

/* Did fpu_loop() load what we asked for? (Otherwise the test would pass vacuously.) */
static bool loaded(const struct fpu_pattern *p, const struct fxsave_area *ref)
{
	uint16_t fcw;
	uint32_t mxcsr;
	unsigned i;

	memcpy(&fcw, ref->bytes + FX_FCW, 2);
	memcpy(&mxcsr, ref->bytes + FX_MXCSR, 4);
	if (fcw != p->fcw || mxcsr != p->mxcsr)
		return false;
	for (i = 0; i < 8; i++)
		if (memcmp(ref->bytes + FX_ST(i), p->st[i], 10) != 0)
			return false;
	for (i = 0; i < FPU_NXMM; i++)
		if (memcmp(ref->bytes + FX_XMM(i), p->xmm[i], 16) != 0)
			return false;
	return true;
}

int main(int argc, char **argv)
{
	static struct fpu_pattern pat;
	static struct fxsave_area ref, cur;
	uint64_t seed = 1, iters = 1000, spin = 10000;
	unsigned long bad;

	if (argc > 4 || (argc > 1 && !parse_number(argv[1], &seed)) ||
	    (argc > 2 && !parse_number(argv[2], &iters)) ||
	    (argc > 3 && !parse_number(argv[3], &spin))) {
		dprintf(2, "usage: %s [SEED [ITER [SPIN]]]\n", PROG);
		return 2;
	}

	make_pattern(seed, &pat);
	ktap_plan(1);
	ktap_diag(PROG " seed=%llu iter=%llu spin=%llu pid=%ld", (unsigned long long)seed,
		  (unsigned long long)iters, (unsigned long long)spin, sys_getpid());

	bad = fpu_loop(&pat, &ref, &cur, (unsigned long)iters, (unsigned long)spin);
	if (!loaded(&pat, &ref))
		ktap_diag("the registers never held the pattern: FXSAVE image differs from it");
	if (bad) {
		ktap_diag("state changed at iteration %lu", bad);
		report(&ref, &cur);
	}
	ktap_ok(bad == 0 && loaded(&pat, &ref), PROG " seed=%llu: x87 st0-7, xmm0-%u, fcw, mxcsr intact over %llu "
		"iterations", (unsigned long long)seed, FPU_NXMM - 1, (unsigned long long)iters);
	return ktap_done();
}
