/*
 * t_windows.c - the ring-3 driver of the entry_windows self-test (kernel/ktest/ktest_windows.c).
 *
 * Portcullis only, CONFIG_KTEST kernels. The kernel arms hardware breakpoints on the instructions
 * of its entry/exit text and starts this program to make the round trips that execute them:
 *
 *   t_windows MODE COUNT
 *
 *   syscall        SYSCALL getpid: entry_SYSCALL_64 and the SYSRET exit
 *   syscall-iret   SYSCALL that the kernel must leave through IRET (KTEST_SYS_SET_RIP)
 *   int80          INT 0x80 getpid from 64-bit code
 *   int80-compat   INT 0x80 getpid from compatibility mode
 *   vdso           __kernel_vsyscall getpid at VDSO32_BASE, compatibility mode (SYSENTER on Intel,
 *                  compat SYSCALL on AMD), SYSRETL exit
 *   vdso-iret      the same with EFLAGS.AC set, which sends the exit through IRET
 *   de bp of br ud ss gp pf mf xm ac
 *                  one exception from ring 3 each: #DE, #BP (int3), #OF (INTO, compat), #BR
 *                  (BOUND, compat), #UD, #SS, #GP, #PF, #MF (x87), #XM (SSE), #AC (needs CR0.AM,
 *                  which the test sets for that run); the kernel resumes the program after it
 *   badiret        the kernel's IRETQ to ring 3 faults on a non-canonical RIP (.bad_iret); resumed
 *   kfault         clock_gettime into untouched stack pages: the kernel's own copy to user memory
 *                  page-faults (an exception from ring 0)
 *   irq            INT 0x80 round trips, during which the kernel sends itself interrupts that
 *                  arrive in ring 3 (at the first user instruction after each IRET)
 *   spin           COUNT milliseconds of ring-3 spinning: timer interrupts arrive in ring 3
 *
 * Exit status 0 when every round trip went as intended, 1 otherwise (with a line on stdout), 3
 * when the first exception of an exception mode did not happen, or was another one (an emulator
 * that does not raise #XM, say: the kernel side then counts that stub as not reachable on this
 * CPU).
 */
#include "compat.h"
#include "portcullis.h"
#include "ulib.h"
#include "../../kernel/include/ktest_abi.h"

int win_syscall_iret(void), win_badiret(void), win_de(void), win_bp(void), win_ud(void),
	win_ss(void), win_gp(void), win_pf(void), win_mf(void), win_xm(void), win_ac(void);
void c32_int80(void), c32_vdso(void), c32_vdso_ac(void), c32_into(void), c32_into_resume(void),
	c32_bound(void), c32_bound_resume(void);

#define NR32_GETPID 20

static long ktest_sys(int op, unsigned long a0)
{
	return syscall1(KTEST_SYSCALL_BASE + op, (long)a0);
}

/* A compatibility-mode fault round trip: the kernel resumes the stub at `resume`. */
static int compat_fault(void (*stub)(void), void (*resume)(void))
{
	ktest_sys(KTEST_SYS_FAULT_RESUME, (unsigned long)(uintptr_t)resume);
	return (int)compat_call(stub, 0, 0);
}

/* The exception modes: the stub and the vector the kernel must have seen. */
static const struct { const char *name; int (*fn)(void); unsigned vector; } faults[] = {
	{ "de", win_de, 0 }, { "bp", win_bp, 3 }, { "of", NULL, 4 }, { "br", NULL, 5 },
	{ "ud", win_ud, 6 }, { "ss", win_ss, 12 }, { "gp", win_gp, 13 }, { "pf", win_pf, 14 },
	{ "mf", win_mf, 16 }, { "xm", win_xm, 19 }, { "ac", win_ac, 17 },
};

/* One round trip of `mode` (the i-th). Returns 0 if it went as intended, 1 if not, -1 for an
 * unknown mode. */
static int round_trip(const char *mode, unsigned i, long pid)
{
	if (!strcmp(mode, "syscall"))
		return sys_getpid() != pid;
	if (!strcmp(mode, "syscall-iret"))
		return win_syscall_iret() != 0;
	if (!strcmp(mode, "int80") || !strcmp(mode, "irq"))
		return int80_0(NR32_GETPID) != pid;
	if (!strcmp(mode, "int80-compat"))
		return compat_call(c32_int80, NR32_GETPID, 0) != (uint32_t)pid;
	if (!strcmp(mode, "vdso"))
		return compat_call(c32_vdso, NR32_GETPID, (uint32_t)VDSO32_BASE) != (uint32_t)pid;
	if (!strcmp(mode, "vdso-iret"))
		return compat_call(c32_vdso_ac, NR32_GETPID, (uint32_t)VDSO32_BASE) != (uint32_t)pid;
	if (!strcmp(mode, "of"))
		return compat_fault(c32_into, c32_into_resume);
	if (!strcmp(mode, "br"))
		return compat_fault(c32_bound, c32_bound_resume);
	if (!strcmp(mode, "badiret"))
		return win_badiret();
	if (!strcmp(mode, "kfault")) {
		/* Page i of a stretch of the stack region well below anything used so far: each call
		 * makes the kernel's copy_to_user() fault a new page in. */
		uintptr_t base = ((uintptr_t)__builtin_frame_address(0) & ~0xfffUL) - 0x10000;
		struct timespec *ts = (struct timespec *)(base - (uintptr_t)i * 4096);
		return sys_clock_gettime(CLOCK_MONOTONIC, ts) != 0;
	}
	for (unsigned f = 0; f < ARRAY_SIZE(faults); f++)
		if (!strcmp(mode, faults[f].name))
			return faults[f].fn();
	return -1;
}

/* For an exception mode: whether the kernel saw exactly that exception last. */
static bool saw_vector(const char *mode)
{
	struct ktest_fault_record rec;
	for (unsigned f = 0; f < ARRAY_SIZE(faults); f++)
		if (!strcmp(mode, faults[f].name))
			return ktest_sys(KTEST_SYS_LAST_FAULT, (unsigned long)&rec) == 0 &&
			       rec.vector == faults[f].vector;
	return true;
}

static bool is_exception_mode(const char *mode)
{
	for (unsigned f = 0; f < ARRAY_SIZE(faults); f++)
		if (!strcmp(mode, faults[f].name))
			return true;
	return false;
}

static void spin(uint64_t ms)
{
	uint64_t end = monotonic_ns() + ms * 1000000;
	while (monotonic_ns() < end)
		for (volatile unsigned i = 0; i < 20000; i++)
			;
}

int main(int argc, char **argv)
{
	uint64_t count;
	if (argc != 3 || !parse_number(argv[2], &count)) {
		printf("usage: t_windows MODE COUNT\n");
		return 2;
	}
	const char *mode = argv[1];
	if (!strcmp(mode, "spin")) {
		spin(count);
		return 0;
	}
	if (!strcmp(mode, "kfault") && count > 1500)
		count = 1500;                   /* 6 MiB of the 8 MiB stack region */
	long pid = sys_getpid();
	for (uint64_t i = 0; i < count; i++) {
		int r = round_trip(mode, (unsigned)i, pid);
		if (r < 0) {
			printf("t_windows: unknown mode %s\n", mode);
			return 2;
		}
		/* The first exception tells whether this CPU raises it at all (QEMU raises no #XM
		 * and no #AC, and #GP where #SS is due). */
		if (i == 0 && is_exception_mode(mode) && (r || !saw_vector(mode))) {
			printf("t_windows: %s: this CPU does not raise the exception\n", mode);
			return 3;
		}
		if (r) {
			printf("t_windows: %s: round trip %lu did not go as intended\n", mode,
			       (unsigned long)i);
			return 1;
		}
	}
	return 0;
}
