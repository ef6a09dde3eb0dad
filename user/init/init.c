/*
 * init.c - Portcullis's first user process, an ordinary C program built with Debian's
 * `musl-gcc -static` (stdio, clock_gettime and getpid from musl), plus two NASM objects.
 *
 * Prints a banner and its arguments, then demonstrates every way ring 3 can enter the kernel by
 * timing N getpid round trips through each (RDTSC, cycles per round trip):
 *
 *   SYSCALL                      64-bit code, the native x86-64 path (musl's getpid)
 *   INT 0x80 from 64-bit code    the i386 table through the software-interrupt gate (getpid = 20)
 *   INT 0x80 from compat mode    the same from 32-bit code: a far call to a 32-bit stub
 *   vDSO from compat mode        __kernel_vsyscall at Portcullis's fixed VDSO32_BASE, which
 *                                uses SYSENTER on Intel, SYSCALL on AMD, INT 0x80 otherwise
 *
 * and finally spins in a pure compute loop for about 100 ms, counting the interruptions it sees
 * (gaps between consecutive RDTSC readings): the timer ticks that arrived, plus anything else
 * the kernel did meanwhile. Then it exits 0.
 *
 * Usage: init [-n N] [-V]
 *   -n N   round trips per path (default 10000)
 *   -V     skip the vDSO row. Linux maps no 32-bit vDSO into 64-bit processes, so this is what
 *          makes init runnable on a Linux host; on Portcullis leave it off.
 *
 * Nothing here may fault: on Portcullis an exception in ring 3 kills the process, and this one
 * is the first user process, whose exit ends the run. The compatibility-mode stubs are init/loops.asm, entered through compat_call()
 * (lib/compat64.asm), which works under musl as under the raw runtime: it touches neither FS nor
 * the thread pointer.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "compat.h"
#include "portcullis.h"

#define NSEC_PER_SEC        1000000000ULL
#define NSEC_PER_MSEC       1000000ULL
#define NR32_getpid         20      /* i386 getpid, for INT 0x80 from 64-bit code */
#define DEFAULT_TRIPS       10000
#define COMPUTE_NS          (100 * NSEC_PER_MSEC)
#define GAP_MIN_CYCLES      1000    /* a gap at least this long, and ... */
#define GAP_FACTOR          20      /* ... this many times the quickest iteration, is an interruption */
#define MAX_BATCHES         20000   /* of 4096 TSC reads: seconds, far more than 100 ms anywhere */

/* loops.asm: compatibility-mode loops, run through compat_call(). */
void int80_loop32(void);
void vdso_loop32(void);

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile ("lfence; rdtsc" : "=a"(lo), "=d"(hi) :: "memory");
	return (uint64_t)hi << 32 | lo;
}

/* CLOCK_MONOTONIC in nanoseconds; 0 if it fails. */
static uint64_t monotonic_ns(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

/* The CPU vendor string from CPUID leaf 0: "GenuineIntel", "AuthenticAMD", ... */
static void cpu_vendor(char out[13])
{
	uint32_t eax = 0, ebx, ecx, edx;

	__asm__ volatile ("cpuid" : "+a"(eax), "=b"(ebx), "=c"(ecx), "=d"(edx));
	memcpy(out + 0, &ebx, 4);
	memcpy(out + 4, &edx, 4);
	memcpy(out + 8, &ecx, 4);
	out[12] = '\0';
}

/* Which instruction Portcullis's __kernel_vsyscall uses on this vendor's CPUs. */
static const char *vdso_entry(const char *vendor)
{
	if (strcmp(vendor, "GenuineIntel") == 0)
		return "SYSENTER";
	if (strcmp(vendor, "AuthenticAMD") == 0 || strcmp(vendor, "HygonGenuine") == 0)
		return "SYSCALL";
	return "INT 0x80";
}

static void print_row(const char *path, unsigned long trips, uint64_t cycles)
{
	/* cycles per trip with one decimal, in integer arithmetic */
	uint64_t tenths = trips ? cycles * 10 / trips : 0;

	printf("  %-48s %8lu %10lu.%lu\n", path, trips, tenths / 10, tenths % 10);
}

static uint64_t time_syscall(unsigned long n)
{
	uint64_t t0 = rdtsc();

	for (unsigned long i = 0; i < n; i++)
		getpid();
	return rdtsc() - t0;
}

static uint64_t time_int80_64(unsigned long n)
{
	uint64_t t0 = rdtsc();

	for (unsigned long i = 0; i < n; i++) {
		long ret;
		__asm__ volatile ("int $0x80" : "=a"(ret) : "a"((long)NR32_getpid) : "memory");
	}
	return rdtsc() - t0;
}

static uint64_t time_compat(void (*stub)(void), unsigned long n, uint32_t vsyscall)
{
	uint64_t t0 = rdtsc();

	compat_call(stub, (uint32_t)n, vsyscall);
	return rdtsc() - t0;
}

/*
 * Spin for COMPUTE_NS by CLOCK_MONOTONIC, reading the TSC in a tight loop. An iteration that
 * takes far longer than the quickest one means the CPU was taken away: an interrupt (the timer,
 * above all) or a switch to another task. Only the clock_gettime calls that end each batch are
 * left out of the measurement.
 */
static void compute_loop(void)
{
	uint64_t start = monotonic_ns(), now = start, quickest = ~0ULL;
	uint64_t gaps = 0, lost = 0, spun = 0, t_prev, t, d;
	unsigned i;

	/* The quickest iteration, to scale the threshold. */
	t_prev = rdtsc();
	for (i = 0; i < 1000; i++) {
		t = rdtsc();
		if (t - t_prev < quickest)
			quickest = t - t_prev;
		t_prev = t;
	}
	uint64_t threshold = quickest * GAP_FACTOR;

	if (threshold < GAP_MIN_CYCLES)
		threshold = GAP_MIN_CYCLES;

	/* The batch cap only matters if the clock does not advance: init must never hang. */
	for (unsigned batch = 0; now && now - start < COMPUTE_NS; batch++) {
		if (batch == MAX_BATCHES) {
			printf("compute loop: CLOCK_MONOTONIC advanced only %lu ns in %u batches, "
			       "giving up\n", now - start, batch);
			return;
		}
		t_prev = rdtsc();
		for (i = 0; i < 4096; i++) {
			t = rdtsc();
			d = t - t_prev;
			if (d > threshold) {
				gaps++;
				lost += d;
			}
			spun += d;
			t_prev = t;
		}
		now = monotonic_ns();
	}
	if (!now) {
		printf("compute loop: clock_gettime(CLOCK_MONOTONIC) failed\n");
		return;
	}

	uint64_t ms = (now - start) / NSEC_PER_MSEC;

	printf("compute loop: %lu ms by CLOCK_MONOTONIC, %lu interruptions seen "
	       "(TSC gaps > %lu cycles, %lu.%lu%% of %lu cycles)",
	       ms, gaps, threshold, spun ? lost * 100 / spun : 0,
	       spun ? lost * 1000 / spun % 10 : 0, spun);
	if (ms)
		printf(", ~%lu per second", gaps * 1000 / ms);
	printf("\n");
}

/* A decimal count of round trips, 1 to 2^32 - 1 (the compat stubs count in 32 bits). */
static bool parse_trips(const char *s, unsigned long *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || v == 0 || v > 0xffffffffULL)
		return false;
	*out = (unsigned long)v;
	return true;
}

int main(int argc, char **argv)
{
	unsigned long trips = DEFAULT_TRIPS;
	bool skip_vdso = false;
	char vendor[13], label[64];
	unsigned long n;
	int i;

	printf("Portcullis init\n");
	for (i = 0; i < argc; i++)
		printf("  argv[%d] = \"%s\"\n", i, argv[i]);

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-n") == 0 && i + 1 < argc && parse_trips(argv[i + 1], &n)) {
			trips = n;
			i++;
		} else if (strcmp(argv[i], "-V") == 0) {
			skip_vdso = true;
		} else {
			printf("init: ignoring unknown argument \"%s\" (usage: init [-n N] [-V])\n",
			       argv[i]);
		}
	}

	cpu_vendor(vendor);
	printf("cpu vendor: %s, pid %ld\n", vendor, (long)getpid());
	printf("kernel entry round trips (getpid), TSC cycles per round trip:\n");
	printf("  %-48s %8s %12s\n", "path", "trips", "cycles/trip");

	print_row("SYSCALL (64-bit)", trips, time_syscall(trips));
	print_row("INT 0x80 from 64-bit code", trips, time_int80_64(trips));
	print_row("INT 0x80 from compat mode", trips, time_compat(int80_loop32, trips, 0));
	snprintf(label, sizeof(label), "vDSO from compat mode (%s, %s)", vdso_entry(vendor),
		 vendor);
	if (skip_vdso)
		printf("  %-48s skipped (-V)\n", label);
	else
		print_row(label, trips,
			  time_compat(vdso_loop32, trips, (uint32_t)VDSO32_BASE));

	compute_loop();
	printf("init: done\n");
	return 0;
}
