/*
 * bench.c - null system call round trips, per kernel entry path, for `make bench`.
 *
 * One source, two static programs, both using only the Linux ABI so that the very same binaries
 * run as init on Portcullis and on Linux (tests/bench/run boots both):
 *
 *   bench    (x86-64)  syscall64    SYSCALL from 64-bit code
 *                      int80_64     INT 0x80 from 64-bit code (the i386 table)
 *                      int80_compat INT 0x80 from compatibility mode: a far call to a 32-bit stub
 *                                   inside this 64-bit process (user/lib/compat64.asm)
 *   bench32  (i386)    int80_32     INT 0x80 from a real 32-bit process
 *                      vdso32       __kernel_vsyscall, found through AT_SYSINFO (SYSCALL on AMD,
 *                                   SYSENTER on Intel, on both kernels)
 *
 * The vDSO row needs the 32-bit program: Linux maps no 32-bit vDSO into a 64-bit process, and
 * Portcullis's fixed VDSO32_BASE exists only on Portcullis, so the fair method is a real i386
 * process on both kernels. (int80_compat and int80_32 take the same kernel path; both are
 * reported as a cross-check.)
 *
 * The "null" system call is an out-of-range number (0x7fff on both tables; Linux has fewer than
 * 500 entries in each, Portcullis 512): both kernels go all the way in, find no handler and return
 * -ENOSYS, so what is measured is the entry and exit code, not a system call's work. The *_getpid
 * rows add the cheapest real system call for reference.
 *
 * Method, per path: warm up (round trips for -w milliseconds: QEMU's software TLB resizes itself
 * over 100 ms windows, and the first round trips also translate the code), then -r repetitions,
 * each timing n round trips and n iterations of the same loop without the entry instruction (the
 * baseline; loops64.asm, loops32.asm) with RDTSC, and print per round trip: cycles= the median
 * of the repetitions' differences, min= the quickest loop less the quickest baseline (what an
 * undisturbed repetition costs: interruptions only ever add), max= the largest difference.
 * Under QEMU with -icount shift=0,sleep=off the guest TSC advances exactly once per instruction,
 * so the same figures are instruction counts: the entry instruction, the kernel, the return
 * instruction.
 *
 * Usage: bench [-n N] [-t MS] [-r R] [-w MS] [-c MS] [-m K] [-p PATH[,PATH...]] [-x FILE]
 *   -n N    round trips per repetition (default: what -t milliseconds hold, measured in warm-up)
 *   -t MS   target duration of one repetition's timed loop when -n is not given (default 50)
 *   -r R    repetitions (default 5)
 *   -w MS   warm-up per path by CLOCK_MONOTONIC (default 300; 0 = only 256 round trips)
 *   -c MS   after the repetitions, one long baseline loop and one long round-trip loop of about
 *           MS milliseconds each (at the warm-up's pace), each announced by a line
 *           "bench: cpu path=P phase=base|path|end n=N" as it starts: tests/bench/run reads QEMU's
 *           own CPU time when each line arrives, which, unlike the guest's TSC, does not count the
 *           time the host spent running something else (default 0: none)
 *   -m K    marker mode, for counting in QEMU's log: no timing; per path a window of K baseline
 *           iterations and a window of K round trips, each between two INT 0x80 markers whose
 *           EAX is the window's id (tests/bench/run counts the CR3 writes QEMU logged in between)
 *   -p ...  only these paths
 *   -x FILE when done, execve(FILE) with the same arguments (less -x) instead of stopping: on
 *           Linux, bench runs bench32 this way and one boot measures both (Portcullis has no
 *           execve yet: there each program gets a boot of its own)
 *
 * Output, one fact per line, all starting with "bench: " (tests/bench/run parses them):
 *   bench: info kernel=Linux release=6.1.0-56-amd64 abi=64 vendor=AuthenticAMD pcid=0 ...
 *   bench: path=syscall64 nr=0x7fff n=20000 reps=5 cycles=1234.5 min=1200.0 max=1300.2 base=3.0
 *   bench: cpu path=syscall64 phase=base|path|end n=40000
 *   bench: window path=syscall64 kind=base|path id=0x7ff00010 n=1000
 *   bench: done
 * Then, on Linux and without -x, reboot(LINUX_REBOOT_CMD_POWER_OFF) so that QEMU exits (there is
 * nothing else for init to do, and init must not exit); on Portcullis it exits 0 and the kernel
 * stops QEMU.
 */
#include "ulib.h"
#ifdef __x86_64__
#include "compat.h"
#endif

#define NULL_NR         0x7fff          /* out of range in both tables: -ENOSYS */
#define MARK_BASE       0x7ff00000u     /* window ids: MARK_BASE + MARK_ABI + 16 * path + ... */
#define MAX_REPS        31
#define WARMUP_CHUNK    256

#define LINUX_REBOOT_MAGIC1         0xfee1deadUL
#define LINUX_REBOOT_MAGIC2         672274793UL
#define LINUX_REBOOT_CMD_POWER_OFF  0x4321fedcUL

#ifdef __x86_64__
#define NR_reboot   169
#define NR_execve   59
#define ABI_BITS    64
#define MARK_ABI    0
uint64_t bench_loop64_base(uint64_t n, uint64_t nr);
uint64_t bench_loop64_syscall(uint64_t n, uint64_t nr);
uint64_t bench_loop64_int80(uint64_t n, uint64_t nr);
void bench_mark64(uint32_t id);
void bench_compat_base(void);
void bench_compat_int80(void);
#define bench_mark(id) bench_mark64(id)
#else
#define NR_reboot   88
#define NR_execve   11
#define ABI_BITS    32
#define MARK_ABI    0x800
uint64_t bench_loop32_base(uint32_t n, uint32_t nr, uint32_t vsyscall);
uint64_t bench_loop32_int80(uint32_t n, uint32_t nr, uint32_t vsyscall);
uint64_t bench_loop32_vdso(uint32_t n, uint32_t nr, uint32_t vsyscall);
void bench_mark32(uint32_t id);
#define bench_mark(id) bench_mark32(id)
#endif

enum kind {
	K_SYSCALL64, K_INT80_64, K_COMPAT_INT80,    /* 64-bit program */
	K_INT80_32, K_VDSO32,                       /* i386 program */
};

struct path {
	const char *name;
	enum kind kind;
	long nr;
};

static const struct path paths[] = {
#ifdef __x86_64__
	{ "syscall64",        K_SYSCALL64,    NULL_NR },
	{ "int80_64",         K_INT80_64,     NULL_NR },
	{ "int80_compat",     K_COMPAT_INT80, NULL_NR },
	{ "syscall64_getpid", K_SYSCALL64,    NR_getpid },
	{ "int80_64_getpid",  K_INT80_64,     NR32_getpid },
#else
	{ "int80_32",         K_INT80_32,     NULL_NR },
	{ "vdso32",           K_VDSO32,       NULL_NR },
	{ "int80_32_getpid",  K_INT80_32,     NR32_getpid },
	{ "vdso32_getpid",    K_VDSO32,       NR32_getpid },
#endif
};

/* TSC ticks of n iterations: of the path's loop, or with base, of the same loop without the
 * entry instruction. */
static uint64_t run_loop(const struct path *p, unsigned long n, bool base)
{
	switch (p->kind) {
#ifdef __x86_64__
	case K_SYSCALL64:
		return base ? bench_loop64_base(n, p->nr) : bench_loop64_syscall(n, p->nr);
	case K_INT80_64:
		return base ? bench_loop64_base(n, p->nr) : bench_loop64_int80(n, p->nr);
	case K_COMPAT_INT80: {
		/* The far calls in and out are in both measurements and cancel out. */
		uint64_t t0 = rdtsc();

		compat_call(base ? bench_compat_base : bench_compat_int80, (uint32_t)n,
			    (uint32_t)p->nr);
		return rdtsc() - t0;
	}
#else
	case K_INT80_32:
		return base ? bench_loop32_base(n, p->nr, 0) : bench_loop32_int80(n, p->nr, 0);
	case K_VDSO32:
		return base ? bench_loop32_base(n, p->nr, sys32_vsyscall)
			    : bench_loop32_vdso(n, p->nr, sys32_vsyscall);
#endif
	default:
		return 0;
	}
}

static void sort_i64(int64_t *v, int n)
{
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
			int64_t t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
}

/* v / n with one decimal, as "[-]I.F" (integer arithmetic only: no FPU in this runtime). */
static const char *per_trip(char *buf, size_t size, int64_t v, unsigned long n)
{
	bool neg = v < 0;
	uint64_t a = neg ? (uint64_t)-v : (uint64_t)v;
	uint64_t tenths = (a * 10 + n / 2) / n;

	snprintf(buf, size, "%s%llu.%llu", neg ? "-" : "", (unsigned long long)(tenths / 10),
		 (unsigned long long)(tenths % 10));
	return buf;
}

struct opts {
	unsigned long n;        /* 0: from -t */
	unsigned long target_ms;
	int reps;
	unsigned long warmup_ms;
	unsigned long mark_k;   /* 0: timing mode */
	unsigned long cpu_ms;   /* -c */
	const char *only;
	const char *exec;
};

static bool selected(const struct opts *o, const char *name)
{
	const char *s = o->only;
	size_t len = strlen(name);

	if (!s)
		return true;
	while (*s) {
		const char *e = s;

		while (*e && *e != ',')
			e++;
		if ((size_t)(e - s) == len && strncmp(s, name, len) == 0)
			return true;
		s = *e ? e + 1 : e;
	}
	return false;
}

/* Round trips that take about ms milliseconds, at the pace of `trips` in `ns` nanoseconds. */
static unsigned long trips_for(unsigned long trips, uint64_t ns, unsigned long ms)
{
	uint64_t n = (uint64_t)trips * ms * NSEC_PER_MSEC / ns;

	return n < 100 ? 100 : n > 10000000 ? 10000000 : (unsigned long)n;
}

static void measure(const struct opts *o, const struct path *p)
{
	int64_t d[MAX_REPS], t[MAX_REPS], b[MAX_REPS];
	unsigned long n = o->n, trips = 0;
	char s1[32], s2[32], s3[32], s4[32];

	/* Warm-up: translate the code, fault everything in, let QEMU's TLB sizing settle. */
	uint64_t t0 = monotonic_ns(), t1 = t0;

	run_loop(p, WARMUP_CHUNK, true);
	do {
		run_loop(p, WARMUP_CHUNK, false);
		trips += WARMUP_CHUNK;
		t1 = monotonic_ns();
	} while (t0 && t1 - t0 < o->warmup_ms * NSEC_PER_MSEC);

	uint64_t warm_ns = t1 - t0 ? t1 - t0 : 1;

	if (n == 0)
		n = trips_for(trips, warm_ns, o->target_ms);

	for (int r = 0; r < o->reps; r++) {
		b[r] = (int64_t)run_loop(p, n, true);
		t[r] = (int64_t)run_loop(p, n, false);
		d[r] = t[r] - b[r];
	}
	sort_i64(d, o->reps);
	sort_i64(t, o->reps);
	sort_i64(b, o->reps);
	/*
	 * cycles: the median of the per-repetition differences (robust against a disturbed
	 * repetition). min: the quickest timed loop less the quickest baseline; interruptions only
	 * ever add, so under -icount this is the exact count of an undisturbed round trip.
	 */
	printf("bench: path=%s nr=%#lx n=%lu reps=%d cycles=%s min=%s max=%s base=%s\n",
	       p->name, (unsigned long)p->nr, n, o->reps,
	       per_trip(s1, sizeof(s1), d[o->reps / 2], n),
	       per_trip(s2, sizeof(s2), t[0] - b[0], n),
	       per_trip(s3, sizeof(s3), d[o->reps - 1], n), per_trip(s4, sizeof(s4), b[0], n));

	if (o->cpu_ms) {
		unsigned long nc = trips_for(trips, warm_ns, o->cpu_ms);

		printf("bench: cpu path=%s phase=base n=%lu\n", p->name, nc);
		run_loop(p, nc, true);
		printf("bench: cpu path=%s phase=path n=%lu\n", p->name, nc);
		run_loop(p, nc, false);
		printf("bench: cpu path=%s phase=end n=%lu\n", p->name, nc);
	}
}

/*
 * Marker mode: [mark] K baseline iterations [mark] [mark] K round trips [mark]. The log line
 * QEMU writes for each marker (-d int) carries its EAX; the CR3 writes logged between a window's
 * two markers, less those of the baseline window, are the round trips' own. A short run first
 * translates the code and faults in every page, so that nothing else happens in the windows.
 */
static void mark_windows(const struct opts *o, const struct path *p, unsigned idx)
{
	unsigned long k = o->mark_k;

	run_loop(p, 64, true);
	run_loop(p, 64, false);
	for (unsigned kind = 0; kind < 2; kind++) {
		uint32_t id = MARK_BASE + MARK_ABI + 16 * idx + 2 * kind;

		printf("bench: window path=%s kind=%s id=%#x n=%lu\n", p->name,
		       kind ? "path" : "base", id, k);
		bench_mark(id);
		run_loop(p, k, kind == 0);
		bench_mark(id + 1);
	}
}

static void cpu_info(char vendor[13], bool *pcid, bool *invpcid)
{
	uint32_t a = 0, b, c, d;

	__asm__ volatile ("cpuid" : "+a"(a), "=b"(b), "=c"(c), "=d"(d));
	memcpy(vendor + 0, &b, 4);
	memcpy(vendor + 4, &d, 4);
	memcpy(vendor + 8, &c, 4);
	vendor[12] = '\0';
	uint32_t max = a;

	a = 1;
	__asm__ volatile ("cpuid" : "+a"(a), "=b"(b), "=c"(c), "=d"(d));
	*pcid = c & (1u << 17);
	*invpcid = false;
	if (max >= 7) {
		a = 7;
		c = 0;
		__asm__ volatile ("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
		*invpcid = b & (1u << 10);
	}
}

static bool parse_ul(const char *s, unsigned long *out)
{
	uint64_t v;

	if (!parse_number(s, &v) || v > 0xffffffffUL)
		return false;
	*out = (unsigned long)v;
	return true;
}

int main(int argc, char **argv)
{
	struct opts o = { .n = 0, .target_ms = 50, .reps = 5, .warmup_ms = 300, .mark_k = 0 };
	struct utsname u;
	char vendor[13];
	bool pcid, invpcid, linux_kernel;
	unsigned long v;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *arg = i + 1 < argc ? argv[i + 1] : NULL;

		if (arg && strcmp(a, "-n") == 0 && parse_ul(arg, &v) && v > 0)
			o.n = v;
		else if (arg && strcmp(a, "-t") == 0 && parse_ul(arg, &v) && v > 0)
			o.target_ms = v;
		else if (arg && strcmp(a, "-r") == 0 && parse_ul(arg, &v) && v > 0 && v <= MAX_REPS)
			o.reps = (int)v;
		else if (arg && strcmp(a, "-w") == 0 && parse_ul(arg, &v))
			o.warmup_ms = v;
		else if (arg && strcmp(a, "-c") == 0 && parse_ul(arg, &v))
			o.cpu_ms = v;
		else if (arg && strcmp(a, "-m") == 0 && parse_ul(arg, &v) && v > 0)
			o.mark_k = v;
		else if (arg && strcmp(a, "-p") == 0)
			o.only = arg;
		else if (arg && strcmp(a, "-x") == 0)
			o.exec = arg;
		else {
			printf("bench: error unknown or malformed argument \"%s\" (usage: bench [-n N] "
			       "[-t MS] [-r R] [-w MS] [-c MS] [-m K] [-p PATHS] [-x FILE])\n", a);
			continue;
		}
		i++;
	}

	if (sys_uname(&u) != 0)
		memcpy(u.sysname, "unknown", 8);
	linux_kernel = strcmp(u.sysname, "Linux") == 0;
	cpu_info(vendor, &pcid, &invpcid);
#ifdef __i386__
	if (!vdso_init())
		printf("bench: error no AT_SYSINFO in the auxiliary vector\n");
#endif
	printf("bench: info kernel=%s release=%s abi=%d vendor=%s pcid=%d invpcid=%d pid=%ld\n",
	       u.sysname, u.release, ABI_BITS, vendor, pcid, invpcid, sys_getpid());

	for (unsigned i = 0; i < ARRAY_SIZE(paths); i++) {
		const struct path *p = &paths[i];

		if (!selected(&o, p->name))
			continue;
#ifdef __i386__
		if (p->kind == K_VDSO32 && !sys32_vsyscall)
			continue;
#endif
		if (o.mark_k)
			mark_windows(&o, p, i);
		else
			measure(&o, p);
	}
	printf("bench: done\n");

	if (o.exec) {
		static char *xargv[64];
		int k = 0;

		xargv[k++] = (char *)o.exec;
		for (int i = 1; i < argc && k < (int)ARRAY_SIZE(xargv) - 1; i++) {
			if (strcmp(argv[i], "-x") == 0 && i + 1 < argc) {
				i++;
				continue;
			}
			xargv[k++] = argv[i];
		}
		xargv[k] = NULL;
#ifdef __x86_64__
		long err = syscall3(NR_execve, (long)o.exec, (long)xargv, (long)environ);
#else
		long err = int80_3(NR_execve, (long)o.exec, (long)xargv, (long)environ);
#endif
		printf("bench: error execve(%s) failed: %ld\n", o.exec, err);
	}

	if (linux_kernel) {
		/* init must not exit on Linux (that panics); power off instead: QEMU exits. */
#ifdef __x86_64__
		syscall4(NR_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2,
			 LINUX_REBOOT_CMD_POWER_OFF, 0);
#else
		int80_4(NR_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2,
			LINUX_REBOOT_CMD_POWER_OFF, 0);
#endif
		printf("bench: error reboot(POWER_OFF) returned\n");
	}
	return 0;
}
