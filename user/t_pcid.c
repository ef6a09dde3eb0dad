/*
 * t_pcid.c - PCID with NOFLUSH and the deferred user-PCID flush, seen from ring 3.
 *
 * Portcullis only, CONFIG_KTEST kernels (private system calls, kernel/include/ktest_abi.h).
 * With PCID the exit path writes the user CR3 with NOFLUSH, so a system call flushes no TLB; when
 * the kernel changes a user mapping of the running address space without INVPCID, it marks the
 * user PCID stale and the next exit writes the user CR3 once without NOFLUSH. The kernel counts
 * those flushing writes; this program checks the count. Without PCID the tests are skipped.
 *   t_pcid          the checks (KTAP)
 *   t_pcid -spin MS spin in ring 3 for MS milliseconds (the kernel's pcid self-test sends NMIs)
 */
#include "ktap.h"
#include "ulib.h"
#include "../kernel/include/ktest_abi.h"

static long ktest_sys(int op, unsigned long a0)
{
	return syscall1(KTEST_SYSCALL_BASE + op, (long)a0);
}

static unsigned long now_ms(void)
{
	struct timespec ts;
	sys_clock_gettime(1, &ts);
	return ts.tv_sec * 1000UL + ts.tv_nsec / 1000000UL;
}

static char page[4096] __attribute__((aligned(4096)));

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "-spin")) {
		unsigned long ms = 0, end;
		for (const char *p = argv[2]; *p >= '0' && *p <= '9'; p++)
			ms = ms * 10 + (unsigned long)(*p - '0');
		end = now_ms() + ms;
		while (now_ms() < end)
			for (volatile int i = 0; i < 100000; i++)
				;
		return 0;
	}

	long state = ktest_sys(KTEST_SYS_PCID_STATE, 0);
	ktap_plan(4);
	if (state < 0 || !(state & 1)) {
		const char *why = state < 0 ? "not a CONFIG_KTEST kernel" : "no PCID on this CPU (or nopcid)";
		ktap_skip(why, "null system calls write no flushing CR3");
		ktap_skip(why, "a user-mapping change flushes the user PCID once");
		ktap_skip(why, "memory reads back after the flushes");
		ktap_skip(why, "INVPCID state reported");
		return ktap_done();
	}
	bool invpcid = state & 2;
	bool pti = ktest_sys(KTEST_SYS_PTI_STATE, 0) == 1;

	long f0 = ktest_sys(KTEST_SYS_USER_FLUSHES, 0);
	for (int i = 0; i < 1000; i++)
		sys_getpid();
	long f1 = ktest_sys(KTEST_SYS_USER_FLUSHES, 0);
	ktap_ok(f1 == f0, "1000 null system calls: %ld flushing CR3 writes on exit (NOFLUSH)", f1 - f0);

	for (int i = 0; i < 3; i++) {
		page[i * 64] = (char)(0x40 + i);
		ktest_sys(KTEST_SYS_FLUSH_USER, (unsigned long)page);
	}
	long f2 = ktest_sys(KTEST_SYS_USER_FLUSHES, 0);
	long want = (invpcid || !pti) ? 0 : 3;
	ktap_ok(f2 - f1 == want, "3 user-mapping changes: %ld deferred flushes on exit (expected %ld: %s)",
		f2 - f1, want, !pti ? "PTI off: ring 3 uses the kernel PCID, INVLPG suffices" :
		invpcid ? "INVPCID flushes at once" : "one each, on the next exit");
	ktap_ok(page[0] == 0x40 && page[64] == 0x41 && page[128] == 0x42, "memory reads back after the flushes");
	ktap_ok(true, "INVPCID %s", invpcid ? "in use" : "not in use (noinvpcid or not in CPUID)");
	return ktap_done();
}
