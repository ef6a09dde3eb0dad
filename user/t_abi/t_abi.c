/*
 * t_abi.c - what each kernel entry path does to the registers.
 *
 *   SYSCALL (64-bit)           rax = result, rcx = RIP after SYSCALL, r11 = RFLAGS at SYSCALL;
 *                              every other register and RFLAGS itself preserved
 *   INT 0x80 from 64-bit code  rax = result; all other 64-bit registers (r8-r15 included, and the
 *                              upper halves of rbx...rbp) and RFLAGS preserved
 *   INT 0x80, compat mode      eax = result; ebx ecx edx esi edi ebp esp and EFLAGS preserved
 *   __kernel_vsyscall, compat  eax = result; ebx ecx edx esi edi ebp esp preserved (a function
 *                              call: the i386 ABI promises nothing about the flags)
 *
 * and, for every path, no register comes back holding a kernel-half value (>= 0xffff800000000000)
 * when the call was a getpid, which produces none: a kernel stack or data pointer left in a
 * scratch register is an information leak (it defeats KASLR, and with Meltdown-style attacks it
 * names the memory to read).
 *
 * The stubs in stubs.asm load registers from distinct 64-bit patterns and dump them afterwards.
 * Each path runs several rounds with different patterns and flags (CF PF AF ZF SF DF OF all set,
 * then all clear).
 *
 * The 32-bit vDSO is not mapped into 64-bit processes on Linux, so the vDSO tests run only with
 *   -p   (Portcullis) call __kernel_vsyscall at the fixed VDSO32_BASE, or
 *   -f   call a stand-in vsyscall built on INT 0x80: checks the harness itself, on any kernel.
 * Without either they are reported as SKIP. Usage: t_abi [-p | -f]
 */
#include "compat.h"
#include "ktap.h"
#include "portcullis.h"
#include "ulib.h"
#include "t_abi.h"


void abi_syscall64(void);
void abi_int80_64(void);
void abi_int80_32(void);
void abi_vdso_32(void);
void abi_fake_vsyscall32(void);

static const char *const names64[NREGS] = {
	"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
	"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
};
static const char *const names32[8] = {
	"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi",
};

#define NR_GETPID_64    39
#define NR_GETPID_32    20

/* Flags for the rounds: bit 1 is always set, IF stays set (ring 3 cannot change it anyway). */
#define FLAGS_ARITH_DF  0x0ed7UL    /* CF PF AF ZF SF IF DF OF */
#define FLAGS_ARITH     0x0ad7UL    /* the same without DF: for calls into the vDSO */
#define FLAGS_CLEAR     0x0202UL
#define X86_EFLAGS_RF   0x10000UL   /* resume flag: may legitimately differ */

#define ROUNDS          4

/* Distinct, recognisable, all below the kernel half: top byte 0x10..0x5f. */
static uint64_t pattern(unsigned round, unsigned reg)
{
	return ((uint64_t)(0x10 + round * 0x10 + reg) << 56) |
	       (0x00a5c3e1f00f1e3cULL ^ (reg * 0x0001010101010101ULL));
}

static bool kernel_half(uint64_t v)
{
	return v >= KERNEL_HALF_BASE;
}

/* Per-path result accumulators: one KTAP line each, diagnostics for the first few problems. */
struct verdict {
	bool ok;
	unsigned diags;
};

static void fail(struct verdict *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(struct verdict *v, const char *fmt, ...)
{
	char line[200];
	va_list ap;

	v->ok = false;
	if (v->diags++ >= 6)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	ktap_diag("%s", line);
}

#define VERDICT_INIT { .ok = true }

/* ---- 64-bit paths -------------------------------------------------------------------------- */

struct verdict64 {
	struct verdict result, gprs, rcx, r11, flags, leak;
};

/*
 * Load the patterns, run `stub`, check. `syscall_insn` selects the SYSCALL rules (rcx, r11
 * clobbered with RIP and RFLAGS) over the INT 0x80 ones (only rax changes).
 */
static void run64(void (*stub)(void), bool syscall_insn, unsigned round, long pid,
		  struct verdict64 *v)
{
	const char *path = syscall_insn ? "SYSCALL" : "INT 0x80/64";
	unsigned i;

	for (i = 0; i < NREGS; i++)
		abi_in64.r[i] = pattern(round, i);
	abi_in64.r[RAX] = syscall_insn ? NR_GETPID_64 : NR_GETPID_32;
	abi_in64.rflags = (round & 1) ? FLAGS_CLEAR : FLAGS_ARITH_DF;

	stub();

	if ((long)abi_out64.r[RAX] != pid)
		fail(&v->result, "%s round %u: rax = %#lx, expected the pid %ld", path, round,
		     abi_out64.r[RAX], pid);

	for (i = 0; i < NREGS; i++) {
		uint64_t want = i == RSP ? abi_rsp64 : abi_in64.r[i];

		if (i == RAX || (syscall_insn && (i == RCX || i == R11)))
			continue;
		if (abi_out64.r[i] != want)
			fail(&v->gprs, "%s round %u: %s = %#lx, expected %#lx", path, round,
			     names64[i], abi_out64.r[i], want);
	}

	if (syscall_insn) {
		if (abi_out64.r[RCX] != abi_rip64)
			fail(&v->rcx, "SYSCALL round %u: rcx = %#lx, expected RIP %#lx", round,
			     abi_out64.r[RCX], abi_rip64);
		if ((abi_out64.r[R11] & ~X86_EFLAGS_RF) != abi_in64.rflags)
			fail(&v->r11, "SYSCALL round %u: r11 = %#lx, expected RFLAGS %#lx", round,
			     abi_out64.r[R11], abi_in64.rflags);
	}

	if ((abi_out64.rflags & ~X86_EFLAGS_RF) != abi_in64.rflags)
		fail(&v->flags, "%s round %u: RFLAGS = %#lx, expected %#lx", path, round,
		     abi_out64.rflags, abi_in64.rflags);

	for (i = 0; i < NREGS; i++)
		if (kernel_half(abi_out64.r[i]))
			fail(&v->leak, "%s round %u: %s = %#lx is a kernel-half value", path, round,
			     names64[i], abi_out64.r[i]);
}

static void test_syscall64(long pid)
{
	struct verdict64 v = { VERDICT_INIT, VERDICT_INIT, VERDICT_INIT, VERDICT_INIT,
			       VERDICT_INIT, VERDICT_INIT };
	unsigned round;

	for (round = 0; round < ROUNDS; round++)
		run64(abi_syscall64, true, round, pid, &v);
	ktap_ok(v.result.ok, "SYSCALL getpid returns the pid in rax");
	ktap_ok(v.gprs.ok, "SYSCALL preserves every GPR but rax, rcx, r11");
	ktap_ok(v.rcx.ok, "SYSCALL returns rcx = address of the next instruction");
	ktap_ok(v.r11.ok, "SYSCALL returns r11 = RFLAGS at entry (0xed7, 0x202)");
	ktap_ok(v.flags.ok, "SYSCALL preserves RFLAGS (0xed7, 0x202)");
	ktap_ok(v.leak.ok, "SYSCALL leaves no kernel-half value in any register");
}

static void test_int80_64(long pid)
{
	struct verdict64 v = { VERDICT_INIT, VERDICT_INIT, VERDICT_INIT, VERDICT_INIT,
			       VERDICT_INIT, VERDICT_INIT };
	unsigned round;

	for (round = 0; round < ROUNDS; round++)
		run64(abi_int80_64, false, round, pid, &v);
	ktap_ok(v.result.ok, "INT 0x80 from 64-bit code: getpid (20) returns the pid in rax");
	ktap_ok(v.gprs.ok, "INT 0x80 from 64-bit code preserves every GPR but rax (all 64 bits)");
	ktap_ok(v.flags.ok, "INT 0x80 from 64-bit code preserves RFLAGS (0xed7, 0x202)");
	ktap_ok(v.leak.ok, "INT 0x80 from 64-bit code leaves no kernel-half value");
}

/* ---- compatibility-mode paths ---------------------------------------------------------------- */

struct verdict32 {
	struct verdict result, gprs, flags, leak;
};

static void run32(void (*stub)(void), uint32_t vsyscall, bool check_flags, const char *path,
		  unsigned round, long pid, struct verdict32 *v)
{
	uint64_t after[NREGS];
	unsigned i;

	for (i = 0; i < 8; i++)
		abi_in32.r[i] = (uint32_t)(pattern(round, i) >> 32);    /* distinct top bytes */
	abi_in32.r[0] = NR_GETPID_32;
	abi_in32.eflags = !check_flags ? FLAGS_ARITH : (round & 1) ? FLAGS_CLEAR : FLAGS_ARITH_DF;

	compat_call(stub, 0, vsyscall);
	_Static_assert(sizeof(after) == sizeof(compat_regs_after), "compat_regs layout");
	memcpy(after, &compat_regs_after, sizeof(after));

	if ((long)abi_out32.r[0] != pid)
		fail(&v->result, "%s round %u: eax = %#x, expected the pid %ld", path, round,
		     abi_out32.r[0], pid);

	for (i = 1; i < 8; i++) {
		uint32_t want = i == RSP ? abi_esp32 : abi_in32.r[i];

		if (abi_out32.r[i] != want)
			fail(&v->gprs, "%s round %u: %s = %#x, expected %#x", path, round, names32[i],
			     abi_out32.r[i], want);
	}

	if (check_flags && (abi_out32.eflags & ~X86_EFLAGS_RF) != abi_in32.eflags)
		fail(&v->flags, "%s round %u: EFLAGS = %#x, expected %#x", path, round,
		     abi_out32.eflags, abi_in32.eflags);

	/* All 16 registers as they were on arrival back in 64-bit mode (see compat.h). */
	for (i = 0; i < NREGS; i++)
		if (kernel_half(after[i]))
			fail(&v->leak, "%s round %u: %s = %#lx after return to 64-bit mode is a "
			     "kernel-half value", path, round, names64[i], after[i]);
}

static void test_int80_compat(long pid)
{
	struct verdict32 v = { VERDICT_INIT, VERDICT_INIT, VERDICT_INIT, VERDICT_INIT };
	unsigned round;

	for (round = 0; round < ROUNDS; round++)
		run32(abi_int80_32, 0, true, "INT 0x80/compat", round, pid, &v);
	ktap_ok(v.result.ok, "INT 0x80 in compat mode: getpid returns the pid in eax");
	ktap_ok(v.gprs.ok, "INT 0x80 in compat mode preserves ebx ecx edx esi edi ebp esp");
	ktap_ok(v.flags.ok, "INT 0x80 in compat mode preserves EFLAGS (0xed7, 0x202)");
	ktap_ok(v.leak.ok, "INT 0x80 in compat mode leaves no kernel-half value in r0-r15");
}

static void test_vdso_compat(long pid, uint32_t vsyscall, const char *which)
{
	struct verdict32 v = { VERDICT_INIT, VERDICT_INIT, VERDICT_INIT, VERDICT_INIT };
	unsigned round;

	if (!vsyscall) {
		const char *why = "no 32-bit vDSO in 64-bit processes on Linux (-p on Portcullis)";

		ktap_skip(why, "vDSO in compat mode: getpid returns the pid in eax");
		ktap_skip(why, "vDSO in compat mode preserves ebx ecx edx esi edi ebp esp");
		ktap_skip(why, "vDSO in compat mode leaves no kernel-half value in r0-r15");
		return;
	}

	ktap_diag("vDSO tests call %s at %#x", which, vsyscall);
	for (round = 0; round < ROUNDS; round++)
		run32(abi_vdso_32, vsyscall, false, "vDSO/compat", round, pid, &v);
	ktap_ok(v.result.ok, "vDSO in compat mode: getpid returns the pid in eax");
	ktap_ok(v.gprs.ok, "vDSO in compat mode preserves ebx ecx edx esi edi ebp esp");
	ktap_ok(v.leak.ok, "vDSO in compat mode leaves no kernel-half value in r0-r15");
}

int main(int argc, char **argv)
{
	uint32_t vsyscall = 0;
	const char *which = "";
	long pid;

	if (argc > 1 && strcmp(argv[1], "-p") == 0) {
		vsyscall = (uint32_t)VDSO32_BASE;
		which = "__kernel_vsyscall (VDSO32_BASE)";
	} else if (argc > 1 && strcmp(argv[1], "-f") == 0) {
		vsyscall = (uint32_t)(uintptr_t)abi_fake_vsyscall32;
		which = "the INT 0x80 stand-in (-f)";
	} else if (argc > 1) {
		dprintf(2, "usage: %s [-p | -f]\n", argv[0]);
		return 2;
	}

	ktap_plan(6 + 4 + 4 + 3);
	pid = sys_getpid();
	test_syscall64(pid);
	test_int80_64(pid);
	test_int80_compat(pid);
	test_vdso_compat(pid, vsyscall, which);
	return ktap_done();
}
