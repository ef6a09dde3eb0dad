/*
 * t_gsbase.c - a kernel-looking user GS base, set with WRGSBASE, through every kind of kernel entry.
 *
 * With FSGSBASE on, ring 3 may load any value into its GS base, including one that looks like a
 * kernel address. A paranoid entry (NMI, #DB, #MC) that guessed "kernel GS is live" from the sign
 * of MSR_GS_BASE would then run the kernel on the user's GS: Portcullis's paranoid entry uses
 * RDGSBASE/WRGSBASE whenever CR4.FSGSBASE is on. This program sets such a base, then goes through
 * system calls, timer interrupts, #DB (ICEBP, resumed with the CONFIG_KTEST private system call),
 * #BP and yields, and checks after each that RDGSBASE returns the same value. The kernel's gsbase
 * self-test runs it under an NMI storm (`t_gsbase -spin MS`). Skips when the kernel does not
 * advertise FSGSBASE (AT_HWCAP2 bit 1, as Linux).
 */
#include "ktap.h"
#include "ulib.h"
#include "../kernel/include/ktest_abi.h"

#define AT_HWCAP2 26
#define HWCAP2_FSGSBASE 2
#define KERNELISH 0xffff888000123000UL

static inline unsigned long rdgsbase(void)
{
	unsigned long v;
	__asm__ volatile ("rdgsbase %0" : "=r"(v));
	return v;
}
static inline void wrgsbase(unsigned long v) { __asm__ volatile ("wrgsbase %0" :: "r"(v) : "memory"); }

static unsigned long now_ms(void)
{
	struct timespec ts;
	sys_clock_gettime(1, &ts);
	return ts.tv_sec * 1000UL + ts.tv_nsec / 1000000UL;
}

/* A fault resumed at the next instruction by the kernel (CONFIG_KTEST private system call). */
static bool resumed_fault(bool icebp)
{
	if (syscall1(KTEST_SYSCALL_BASE + KTEST_SYS_FAULT_RESUME, 0) < 0)
		return false;
	__asm__ volatile (
		"lea 1f(%%rip), %%rdi\n\t"
		"mov %[nr], %%eax\n\t"
		"syscall\n\t"
		"test %[icebp], %[icebp]\n\t"
		"jz 2f\n\t"
		".byte 0xf1\n\t"             /* ICEBP: #DB */
		"jmp 1f\n"
		"2:\tint3\n"                  /* #BP */
		"1:\n"
		:: [nr] "i"(KTEST_SYSCALL_BASE + KTEST_SYS_FAULT_RESUME), [icebp] "r"((long)icebp)
		: "rax", "rcx", "rdi", "r11", "memory", "cc");
	return true;
}

int main(int argc, char **argv)
{
	bool spin = argc >= 3 && !strcmp(argv[1], "-spin");
	if (!(getauxval(AT_HWCAP2) & HWCAP2_FSGSBASE)) {
		if (spin)
			return 0;
		ktap_plan(1);
		ktap_skip("the kernel does not offer FSGSBASE (no CPU support or nofsgsbase)",
			  "kernel-looking user GS base survives every entry");
		return ktap_done();
	}
	unsigned long saved = rdgsbase();
	wrgsbase(KERNELISH);

	if (spin) {
		/* Under the kernel's NMI storm: spin, checking the base as often as possible. */
		unsigned long ms = 0, end, bad = 0;
		for (const char *p = argv[2]; *p >= '0' && *p <= '9'; p++)
			ms = ms * 10 + (unsigned long)(*p - '0');
		end = now_ms() + ms;
		while (now_ms() < end)
			for (int i = 0; i < 10000; i++)
				bad += rdgsbase() != KERNELISH;
		wrgsbase(saved);
		return bad ? 1 : 0;
	}

	ktap_plan(5);
	bool ok = true;
	for (int i = 0; i < 1000 && ok; i++) {
		sys_getpid();
		ok = rdgsbase() == KERNELISH;
	}
	ktap_ok(ok, "1000 system calls keep the GS base %#lx", KERNELISH);

	unsigned long end = now_ms() + 100, n = 0;
	ok = true;
	while (now_ms() < end && ok)
		for (int i = 0; i < 10000 && ok; i++, n++)
			ok = rdgsbase() == KERNELISH;
	ktap_ok(ok, "timer interrupts (100 ms of spinning) keep it");

	bool can = true;
	ok = true;
	for (int i = 0; i < 50 && ok && can; i++) {
		can = resumed_fault(true);
		ok = rdgsbase() == KERNELISH;
	}
	if (can)
		ktap_ok(ok, "#DB from ring 3 (ICEBP) keeps it");
	else
		ktap_skip("needs a CONFIG_KTEST kernel", "#DB from ring 3 (ICEBP) keeps it");
	ok = true;
	for (int i = 0; i < 50 && ok && can; i++) {
		can = resumed_fault(false);
		ok = rdgsbase() == KERNELISH;
	}
	if (can)
		ktap_ok(ok, "#BP from ring 3 keeps it");
	else
		ktap_skip("needs a CONFIG_KTEST kernel", "#BP from ring 3 keeps it");
	ok = true;
	for (int i = 0; i < 100 && ok; i++) {
		sys_sched_yield();
		ok = rdgsbase() == KERNELISH;
	}
	ktap_ok(ok, "yields keep it");
	wrgsbase(saved);
	return ktap_done();
}
