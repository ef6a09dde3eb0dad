/*
 * t_flags32.c - the fast 32-bit entries (SYSENTER on Intel, compat SYSCALL on AMD, through
 * __kernel_vsyscall) with the flags SYSENTER does not clear: NT, AC and TF.
 *
 * SYSENTER leaves NT, AC and TF as ring 3 had them. The kernel must clear NT (an IRET with NT set
 * faults in long mode) and AC (it would switch SMAP off) before anything can fault, give the user
 * its own values back on return, and survive the single-step traps that TF causes inside its entry
 * stub before the stub clears it. On Linux and Portcullis alike:
 *   - NT and AC set around a vDSO call come back set, and the call works;
 *   - with TF set by the POPF right before SYSENTER (Intel) or SYSCALL (AMD) itself, the write of
 *     "tf\n" completes: on Intel the trap arrives on the first instruction of the kernel's entry
 *     stub, on the kernel stack pointer SYSENTER loaded, and the kernel must ignore it (and the
 *     ones after it) until the stub has cleared TF, keeping the user's TF for the return. Back in
 *     ring 3, at the vDSO landing pad, TF traps again and kills the program with SIGTRAP: exit
 *     status 133, after "tf" was written.
 * The entry sequence is __kernel_vsyscall's own (the kernel returns to its landing pad, which
 * pops EBP, EDX, ECX and returns here), with the POPF inserted just before the entry instruction.
 * Output: "nt ok\nac ok\ntf\n", status 133.
 */
#include "ulib.h"

#define X86_EFLAGS_TF 0x100
#define X86_EFLAGS_NT 0x4000
#define X86_EFLAGS_AC 0x40000

/* __kernel_vsyscall's SYSENTER and SYSCALL sequences, with TF switched on by the POPF before the
 * entry instruction. */
void tf_sysenter(void), tf_syscall(void);
__asm__ (
	".globl tf_sysenter\n"
	"tf_sysenter:\n\t"
	"push %ecx\n\tpush %edx\n\tpush %ebp\n\tmov %esp, %ebp\n\t"
	"pushfl\n\torl $0x100, (%esp)\n\tpopfl\n\t"
	"sysenter\n\t"
	"ud2\n"
	".globl tf_syscall\n"
	"tf_syscall:\n\t"
	"push %ecx\n\tpush %edx\n\tpush %ebp\n\tmov %ecx, %ebp\n\t"
	"pushfl\n\torl $0x100, (%esp)\n\tpopfl\n\t"
	"syscall\n\t"
	"ud2\n");

static unsigned long get_flags(void)
{
	unsigned long f;
	__asm__ volatile ("pushfl; popl %0" : "=r"(f));
	return f;
}

/* getpid through the vDSO with `flag` set in EFLAGS; returns the flags seen right after. */
static unsigned long call_with_flag(unsigned long flag, long *pid)
{
	unsigned long after;
	__asm__ volatile (
		"pushfl\n\t"
		"orl %[flag], (%%esp)\n\t"
		"popfl\n\t"
		"call *%[vs]\n\t"
		"pushfl\n\t"
		"popl %[after]\n\t"
		"pushfl\n\t"
		"andl %[clear], (%%esp)\n\t"
		"popfl"
		: "=a"(*pid), [after] "=&r"(after)
		: "a"(20L), [flag] "ri"(flag), [clear] "ri"(~flag), [vs] "m"(sys32_vsyscall)
		: "memory", "cc");
	return after;
}

int main(void)
{
	long pid = 0, want;
	if (!vdso_init()) {
		printf("no AT_SYSINFO\n");
		return 1;
	}
	want = sys_getpid();

	unsigned long f = call_with_flag(X86_EFLAGS_NT, &pid);
	printf(pid == want && (f & X86_EFLAGS_NT) ? "nt ok\n" : "nt FAILED (pid %ld, flags %#lx)\n", pid, f);
	f = call_with_flag(X86_EFLAGS_AC, &pid);
	printf(pid == want && (f & X86_EFLAGS_AC) ? "ac ok\n" : "ac FAILED (pid %ld, flags %#lx)\n", pid, f);
	(void)get_flags;

	/* TF set for exactly the entry instruction; then the trap at the landing pad ends us. */
	static const char msg[] = "tf\n";
	unsigned int a, b, c, d;
	__asm__ volatile ("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0));
	bool intel = b == 0x756e6547;   /* "Genu" */
	__asm__ volatile ("call *%[entry]"
			  : : "a"(4L), "b"(1L), "c"(msg), "d"(3L),
			      [entry] "r"(intel ? tf_sysenter : tf_syscall)
			  : "memory", "cc");
	printf("tf: no SIGTRAP\n");
	return 1;
}
