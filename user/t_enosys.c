/*
 * t_enosys.c - unknown system call numbers fail with -ENOSYS, exactly where Linux's fail.
 *
 * Portcullis implements the Linux 6.1 system call tables. A number with no entry must return
 * -ENOSYS (-38) and do nothing else. What counts as "no entry" follows Linux precisely:
 *
 *   x86-64 (SYSCALL)
 *     - holes inside the table that Linux fills with sys_ni_syscall (create_module, tuxcall, ...)
 *     - the gap 335..423 (424 pidfd_send_signal starts the numbering shared by all arches)
 *     - 451..511, beyond the 6.1 table, and 548 and up
 *     - 512..547: the x32 compat entries; without the x32 bit they are not x86-64 syscalls
 *     - any number with the x32 bit (0x40000000): Portcullis has no x32 ABI
 *     - rax is read as a 32-bit signed int: the upper half is ignored (rax = 0xdead000000000027
 *       is getpid), and 0xffffffff is -1, which is -ENOSYS like any other unknown number
 *   i386 (INT 0x80, here issued from 64-bit code)
 *     - holes (break, stty, gtty, ftime, prof, ...), 451 and up, and the same 32-bit truncation
 *
 * Newer Linux kernels have since filled some of these numbers: 451..469 on both ABIs (cachestat,
 * ..., file_setattr) and on x86-64 335 (uretprobe, 6.11) and 336 (uprobe, 6.18), which send
 * SIGILL when called from anywhere but their trampolines. By default this test leaves those out
 * so that it passes on a current Linux host too; `t_enosys -p` (Portcullis) checks them as well.
 *
 * Every probe passes zero in all argument registers, so even a number that unexpectedly does
 * exist can do no harm.
 */
#include "ktap.h"
#include "ulib.h"

/* SYSCALL with the full 64-bit rax as given and all six arguments zero. */
static long raw_syscall(unsigned long rax)
{
	register long r10 __asm__("r10") = 0;
	register long r8 __asm__("r8") = 0;
	register long r9 __asm__("r9") = 0;
	long ret;

	__asm__ volatile ("syscall"
			  : "=a"(ret)
			  : "a"(rax), "D"(0L), "S"(0L), "d"(0L), "r"(r10), "r"(r8), "r"(r9)
			  : "rcx", "r11", "memory");
	return ret;
}

/* INT 0x80 (the i386 table) from 64-bit code, with the full rax as given and zero arguments. */
static long raw_int80(unsigned long rax)
{
	long ret;

	__asm__ volatile ("int $0x80"
			  : "=a"(ret)
			  : "a"(rax), "b"(0L), "c"(0L), "d"(0L), "S"(0L), "D"(0L)
			  : "memory");
	return ret;
}

typedef long (*entry_fn)(unsigned long);

/*
 * Call every number in `nrs` (or in [lo, hi] if nrs is NULL) and expect -ENOSYS. Reports one KTAP
 * test; on failure prints the first few offenders.
 */
static void expect_enosys(entry_fn entry, const unsigned long *nrs, size_t n,
			  unsigned long lo, unsigned long hi, const char *what)
{
	unsigned bad = 0, total = 0;
	size_t i;
	unsigned long nr;

	for (i = 0, nr = lo; nrs ? i < n : nr <= hi; i++, nr++) {
		unsigned long x = nrs ? nrs[i] : nr;
		long ret = entry(x);

		total++;
		if (ret != -ENOSYS && bad++ < 5)
			ktap_diag("%s: nr %#lx returned %ld, expected %d", what, x, ret, -ENOSYS);
	}
	if (bad > 5)
		ktap_diag("%s: ... %u numbers in all returned something else", what, bad);
	ktap_ok(bad == 0, "%s: -ENOSYS (%u number%s)", what, total, total == 1 ? "" : "s");
}

/* A number whose low 32 bits name getpid must behave as getpid, whatever the upper half holds. */
static void expect_getpid(entry_fn entry, const unsigned long *nrs, size_t n, const char *what)
{
	long pid = sys_getpid();
	bool ok = pid > 0;
	size_t i;

	for (i = 0; i < n; i++) {
		long ret = entry(nrs[i]);

		if (ret != pid) {
			ktap_diag("%s: nr %#lx returned %ld, expected the pid %ld", what, nrs[i], ret,
				  pid);
			ok = false;
		}
	}
	ktap_ok(ok, "%s", what);
}

/* x86-64 table entries that Linux 6.1 leaves to sys_ni_syscall. */
static const unsigned long holes64[] = {
	174,    /* create_module */
	177,    /* get_kernel_syms */
	178,    /* query_module */
	180,    /* nfsservctl */
	181,    /* getpmsg */
	182,    /* putpmsg */
	183,    /* afs_syscall */
	184,    /* tuxcall */
	185,    /* security */
	205,    /* set_thread_area: i386 only */
	211,    /* get_thread_area: i386 only */
	214,    /* epoll_ctl_old */
	215,    /* epoll_wait_old */
	236,    /* vserver */
};

/* i386 table entries that Linux 6.1 leaves to sys_ni_syscall. */
static const unsigned long holes32[] = {
	17,     /* break */
	31,     /* stty */
	32,     /* gtty */
	35,     /* ftime */
	44,     /* prof */
	53,     /* lock */
	56,     /* mpx */
	58,     /* ulimit */
	98,     /* profil */
	112,    /* idle */
	127,    /* create_module */
	130,    /* get_kernel_syms */
	137,    /* afs_syscall */
	167,    /* query_module */
	188,    /* getpmsg */
	189,    /* putpmsg */
	222,    /* unused */
	223,    /* unused */
	251,    /* unused (was set_zone_reclaim) */
	273,    /* vserver */
	285,    /* unused */
};

/* Numbers whose 32-bit value is negative or huge. */
static const unsigned long huge64[] = {
	1024, 0x7fffffffUL, 0x80000000UL, 0xfffffffeUL,
};

/* With the x32 bit: harmless numbers even on a kernel that does have x32 (getpid, sched_yield,
 * x32 rt_sigaction with NULL pointers, x32 pwritev2 on fd 0 with no iovecs). */
static const unsigned long x32bit[] = {
	0x40000000UL + 39, 0x40000000UL + 24, 0x40000000UL + 512, 0x40000000UL + 547,
	0x40000000UL + 1023, 0x7fffffffUL,
};

static const unsigned long getpid64[] = {
	0xdead000000000027UL, 0x0000000100000027UL, 0xffffffff00000027UL,
};

static const unsigned long huge32[] = {
	0x7fffffffUL, 0x80000000UL, 0xfffffffeUL, 0x40000000UL + 20,
};

static const unsigned long getpid32[] = {
	0xdead000000000014UL, 0x0000000100000014UL, 0xffffffff00000014UL,
};

static const unsigned long minus1[] = { 0xffffffffUL };
static const unsigned long minus1_64[] = { 0xffffffffffffffffUL };
static const unsigned long minus1_both[] = { 0xffffffffUL, 0xffffffffffffffffUL };
static const unsigned long new_x86_64[] = { 335, 336 };

int main(int argc, char **argv)
{
	bool portcullis = argc > 1 && strcmp(argv[1], "-p") == 0;
	/* First number past the table that every kernel we run on leaves empty (see the top). */
	unsigned long past_table = portcullis ? 451 : 470;

	ktap_plan(16);
	if (!portcullis)
		ktap_diag("without -p: leaving out 335, 336 and 451..469, assigned after Linux "
			  "6.1, so that this also passes on newer Linux (-p checks them)");

	/* x86-64 */
	expect_enosys(raw_syscall, holes64, ARRAY_SIZE(holes64), 0, 0,
		      "x86-64 sys_ni_syscall holes");
	if (portcullis)
		expect_enosys(raw_syscall, new_x86_64, ARRAY_SIZE(new_x86_64), 0, 0,
			      "x86-64 335 uretprobe, 336 uprobe (not in 6.1)");
	else
		ktap_skip("assigned since Linux 6.11; SIGILL there", "x86-64 335, 336");
	expect_enosys(raw_syscall, NULL, 0, 337, 423, "x86-64 337..423");
	expect_enosys(raw_syscall, NULL, 0, past_table, 511,
		      portcullis ? "x86-64 451..511" : "x86-64 470..511");
	expect_enosys(raw_syscall, NULL, 0, 512, 547, "x86-64 512..547 (x32 range, no x32 bit)");
	expect_enosys(raw_syscall, NULL, 0, 548, 1023, "x86-64 548..1023");
	expect_enosys(raw_syscall, huge64, ARRAY_SIZE(huge64), 0, 0,
		      "x86-64 1024, 0x7fffffff, 0x80000000, 0xfffffffe");
	expect_enosys(raw_syscall, minus1, 1, 0, 0, "x86-64 rax=0xffffffff (-1 as int)");
	expect_enosys(raw_syscall, minus1_64, 1, 0, 0, "x86-64 rax=-1");
	expect_enosys(raw_syscall, x32bit, ARRAY_SIZE(x32bit), 0, 0, "x86-64 x32 bit set");
	expect_getpid(raw_syscall, getpid64, ARRAY_SIZE(getpid64),
		      "x86-64 rax=0xdead000000000027 etc. is getpid (nr is a 32-bit int)");

	/* i386, through INT 0x80 from this 64-bit process */
	expect_enosys(raw_int80, holes32, ARRAY_SIZE(holes32), 0, 0,
		      "i386 sys_ni_syscall holes");
	expect_enosys(raw_int80, NULL, 0, past_table, 1023,
		      portcullis ? "i386 451..1023" : "i386 470..1023");
	expect_enosys(raw_int80, huge32, ARRAY_SIZE(huge32), 0, 0,
		      "i386 0x7fffffff, 0x80000000, 0xfffffffe, x32 bit|20");
	expect_enosys(raw_int80, minus1_both, ARRAY_SIZE(minus1_both), 0, 0,
		      "i386 rax=0xffffffff and rax=-1");
	expect_getpid(raw_int80, getpid32, ARRAY_SIZE(getpid32),
		      "i386 rax=0xdead000000000014 etc. is getpid (eax only)");

	return ktap_done();
}
