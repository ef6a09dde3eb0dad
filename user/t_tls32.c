/*
 * t_tls32.c - i386 TLS descriptors: set_thread_area (243) and get_thread_area (244), and the
 * selectors that use them, as musl's i386 start-up does: set_thread_area(-1), then
 * %gs = (entry << 3) | 3.
 *
 * Prints one line per check, the same on Linux and on Portcullis (no addresses or pids, only
 * comparisons), and ends with status 0. Raw i386 system calls through INT 0x80.
 *
 * Checks: a free entry picked and its number written back (12, then 13); %gs:0 and %fs:0 read
 * through the bases; get_thread_area gives the descriptor back (the flag word, lm read as 0) and
 * the empty form for a free entry; Linux's validation (16-bit, code and not-present descriptors:
 * -EINVAL; lm ignored), -EINVAL for entries outside 12..14, -ESRCH when all three are used, -EFAULT
 * for bad pointers and for a read-only user_desc whose -1 must be written back (no entry taken);
 * clearing with LDT_empty and with an all-zero user_desc; a descriptor changed while %gs selects it
 * is seen at once, a cleared one makes %gs null; loading the selector of an empty entry raises
 * SIGSEGV; a forked child starts with them; the selectors and what they read kept across
 * sched_yield, nanosleep and timer preemption while the child uses other descriptors in the same
 * entries and other selectors; a signal handler sees them (and the frame records
 * them), and ia32 rt_sigreturn loads %gs/%fs from the frame (RPL forced to 3); execve (of itself,
 * `t_tls32 exec`, a relative path as the harness sets up on Linux) starts with no descriptors and
 * null %fs/%gs; clone with CLONE_SETTLS gives the child its own descriptor (Linux's errors).
 */
#include "ulib.h"
#include "sigframe32.h"

#define NR_fork             2
#define NR_execve           11
#define NR_clone            120
#define CLONE_SETTLS        0x00080000
#define SIGCHLD             17
#define NR_waitpid          7
#define NR_kill             37
#define NR_rt_sigaction     174
#define NR_set_thread_area  243
#define NR_get_thread_area  244

#define SA_SIGINFO 4

struct user_desc {
	uint32_t entry_number;
	uint32_t base_addr;
	uint32_t limit;
	union {
		struct {
			uint32_t seg_32bit:1, contents:2, read_exec_only:1, limit_in_pages:1,
				 seg_not_present:1, useable:1, lm:1;   /* lm: x86-64 kernels only */
		};
		uint32_t word;
	};
};

struct ksigaction { uint32_t handler, flags, restorer, mask[2]; };
struct siginfo32 { int signo, err, code; char pad[116]; };

static volatile uint32_t tls_a[4] = { 0xa11ce000 }, tls_b[4] = { 0xb0b0b0b0 };
static volatile uint32_t tls_c[4] = { 0xc0ffee00 }, tls_child[4] = { 0xc41d0001 };
static volatile uint32_t tls_child2[4] = { 0xc41d0002 };

static long set_ta(struct user_desc *u) { return int80_1(NR_set_thread_area, (long)u); }
static long get_ta(struct user_desc *u) { return int80_1(NR_get_thread_area, (long)u); }

/* A 4 GiB, 32-bit, page-granular data segment at base, as musl's i386 start-up asks for. */
static struct user_desc data_desc(uint32_t entry, const volatile void *base)
{
	struct user_desc u = { entry, (uint32_t)base, 0xfffff, { .word = 0 } };
	u.seg_32bit = 1;
	u.limit_in_pages = 1;
	u.useable = 1;
	return u;
}

static uint32_t gs_sel(void) { uint16_t v; __asm__ volatile ("movw %%gs, %0" : "=r"(v)); return v; }
static uint32_t fs_sel(void) { uint16_t v; __asm__ volatile ("movw %%fs, %0" : "=r"(v)); return v; }
static uint32_t gs0(void) { uint32_t v; __asm__ volatile ("movl %%gs:0, %0" : "=r"(v)); return v; }
static uint32_t fs0(void) { uint32_t v; __asm__ volatile ("movl %%fs:0, %0" : "=r"(v)); return v; }
static void set_gs(uint32_t s) { __asm__ volatile ("movl %0, %%gs" :: "r"(s) : "memory"); }
static void set_fs(uint32_t s) { __asm__ volatile ("movl %0, %%fs" :: "r"(s) : "memory"); }

static const char *yes(int c) { return c ? "yes" : "no"; }

static struct user_desc got(uint32_t entry)
{
	struct user_desc u = { entry, 0x55555555, 0x55555555, { .word = 0x55555555 } };
	long r = get_ta(&u);
	if (r)
		printf("get_thread_area(%u) = %ld\n", entry, r);
	return u;
}

/* ---- faults ---------------------------------------------------------------------------------- */

static volatile uint32_t resume_at;
static volatile int seen_sig, seen_trapno;

static void on_fault(int sig, struct siginfo32 *si, struct ucontext32 *uc)
{
	(void)si;
	seen_sig = sig;
	seen_trapno = uc->mc.trapno;
	uc->mc.ip = resume_at;
}

static void sigaction_rt(int sig, void *handler)
{
	struct ksigaction a = { (uint32_t)handler, SA_SIGINFO, 0, { 0, 0 } };
	int80_4(NR_rt_sigaction, sig, (long)&a, 0, 8);
}

/* ---- the values under a busy program ------------------------------------------------------------ */

/* Yield, sleep and spin (long enough for timer preemption), checking %gs and %fs (selectors and
 * what they read) throughout. */
static int keeps(uint32_t gs, uint32_t fs, uint32_t want_gs0, uint32_t want_fs0)
{
	int ok = 1;
	for (int i = 0; i < 100; i++) {
		sys_sched_yield();
		ok &= gs_sel() == gs && fs_sel() == fs && gs0() == want_gs0 && fs0() == want_fs0;
		set_gs(gs);                      /* the descriptor again, from this CPU's GDT */
		set_fs(fs);
		ok &= gs0() == want_gs0 && fs0() == want_fs0;
	}
	struct timespec ts = { 0, 1000000 };
	for (int i = 0; i < 5; i++) {
		sys_nanosleep(&ts, 0);
		ok &= gs_sel() == gs && fs_sel() == fs && gs0() == want_gs0 && fs0() == want_fs0;
	}
	uint64_t end = monotonic_ns() + 40000000;
	while (monotonic_ns() < end)
		ok &= gs_sel() == gs && fs_sel() == fs && gs0() == want_gs0 && fs0() == want_fs0;
	return ok;
}

/* ---- a signal handler, and rt_sigreturn loading %gs and %fs from the frame ---------------------- */

static volatile uint32_t h_gs, h_gs0, h_frame_gs, h_frame_fs;
static volatile uint16_t new_gs, new_fs;

static void on_usr1(int sig, struct siginfo32 *si, struct ucontext32 *uc)
{
	(void)sig;
	(void)si;
	h_gs = gs_sel();
	h_gs0 = gs0();
	h_frame_gs = uc->mc.gs;
	h_frame_fs = uc->mc.fs;
	uc->mc.gs = new_gs;
	uc->mc.fs = new_fs;
}

volatile uint32_t probe_out[4];
extern void tls_probe(void);
/* tls_probe: kill(getpid(), SIGUSR1), then probe_out = %gs, %fs, %gs:0, %fs:0 as they came back. */
__asm__(
	".text\n"
	".globl tls_probe\n"
	"tls_probe:\n"
	"	pushl %ebx\n"
	"	movl $20, %eax\n	int $0x80\n"
	"	movl %eax, %ebx\n	movl $37, %eax\n	movl $10, %ecx\n	int $0x80\n"
	"	xorl %eax, %eax\n	movw %gs, %ax\n	movl %eax, probe_out\n"
	"	movw %fs, %ax\n	movl %eax, probe_out+4\n"
	"	movl %gs:0, %eax\n	movl %eax, probe_out+8\n"
	"	movl %fs:0, %eax\n	movl %eax, probe_out+12\n"
	"	popl %ebx\n"
	"	ret\n");

/* After execve: nothing of the old program's descriptors and selectors. */
static int after_exec(void)
{
	struct user_desc e12 = got(12), e13 = got(13);
	printf("after execve: %%gs %#x %%fs %#x, entries 12 and 13 free: %s\n", gs_sel(), fs_sel(),
	       yes(e12.word == 0x28 && e13.word == 0x28 && !e12.base_addr && !e13.base_addr));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "exec"))
		return after_exec();
	/* Two entries picked by set_thread_area(-1), used through %gs and %fs. */
	struct user_desc a = data_desc(-1, tls_a), b = data_desc(-1, tls_b);
	long r = set_ta(&a);
	printf("set_thread_area(-1) = %ld, entry written back: %u\n", r, a.entry_number);
	set_gs(a.entry_number << 3 | 3);
	printf("%%gs = %#x, %%gs:0 reads through the base: %s\n", gs_sel(), yes(gs0() == tls_a[0]));
	r = set_ta(&b);
	printf("set_thread_area(-1) again = %ld, entry %u\n", r, b.entry_number);
	set_fs(b.entry_number << 3 | 3);
	printf("%%fs = %#x, %%fs:0 reads through the base: %s\n", fs_sel(), yes(fs0() == tls_b[0]));

	struct user_desc g = got(12);
	printf("get_thread_area(12): entry %u, base is tls_a: %s, limit %#x, flags %#x\n",
	       g.entry_number, yes(g.base_addr == (uint32_t)tls_a), g.limit, g.word);
	g = got(14);
	printf("get_thread_area(14), a free entry: base %#x, limit %#x, flags %#x\n", g.base_addr,
	       g.limit, g.word);

	/* Linux's validation and errors. */
	struct user_desc u = data_desc(14, tls_c);
	u.seg_32bit = 0;
	printf("a 16-bit segment: %ld\n", set_ta(&u));
	u = data_desc(14, tls_c);
	u.contents = 2;
	printf("a code segment: %ld\n", set_ta(&u));
	u.contents = 3;
	printf("a conforming code segment: %ld\n", set_ta(&u));
	u = data_desc(14, tls_c);
	u.seg_not_present = 1;
	printf("a segment not present: %ld\n", set_ta(&u));
	static const uint32_t entries[] = { 0, 11, 15, 0x7fffffff };
	for (unsigned i = 0; i < ARRAY_SIZE(entries); i++) {
		u = data_desc(entries[i], tls_c);
		struct user_desc q = { entries[i], 0, 0, { .word = 0 } };
		printf("entry %u: set %ld, get %ld\n", entries[i], set_ta(&u), get_ta(&q));
	}
	struct user_desc q = { -1, 0, 0, { .word = 0 } };
	printf("get_thread_area(-1): %ld\n", get_ta(&q));
	printf("NULL user_desc: set %ld, get %ld\n", set_ta(0), get_ta(0));
	printf("unmapped user_desc: set %ld, get %ld\n", set_ta((void *)0x1000), get_ta((void *)0x1000));
	static const struct user_desc ro = { -1, 0, 0xfffff, { .word = 0x51 } };
	printf("read-only user_desc with entry -1: %ld, ", set_ta((struct user_desc *)&ro));
	printf("entry 14 still free: %s\n", yes(got(14).word == 0x28));
	u = data_desc(14, tls_c);
	u.lm = 1;
	r = set_ta(&u);
	g = got(14);
	printf("lm set: %ld, read back: flags %#x\n", r, g.word);
	u = data_desc(-1, tls_c);
	printf("set_thread_area(-1) with all three used: %ld\n", set_ta(&u));
	u = (struct user_desc){ 14, 0, 0, { .word = 0 } };
	u.read_exec_only = 1;
	u.seg_not_present = 1;
	printf("clear 14 with the empty descriptor: %ld, ", set_ta(&u));
	printf("flags now %#x\n", got(14).word);
	u = data_desc(14, tls_c);
	set_ta(&u);
	u = (struct user_desc){ 14, 0, 0, { .word = 0 } };
	printf("clear 14 with an all-zero user_desc: %ld, ", set_ta(&u));
	printf("flags now %#x\n", got(14).word);

	/* A descriptor changed while %gs selects it: seen at once; cleared: %gs becomes null. */
	u = data_desc(12, tls_c);
	r = set_ta(&u);
	printf("entry 12 moved to tls_c while %%gs selects it: %ld, %%gs:0 reads tls_c: %s\n", r,
	       yes(gs0() == tls_c[0]));
	u = data_desc(12, tls_a);
	set_ta(&u);
	u = data_desc(14, tls_c);
	set_ta(&u);
	set_gs(0x73);
	uint32_t before = gs0();
	u = (struct user_desc){ 14, 0, 0, { .word = 0x28 } };
	r = set_ta(&u);
	printf("entry 14 cleared while %%gs selects it: %ld, %%gs read tls_c before: %s, %%gs now %#x\n",
	       r, yes(before == tls_c[0]), gs_sel());

	/* The selector of an empty entry cannot be loaded. */
	sigaction_rt(SIGSEGV, on_fault);
	__asm__ volatile ("movl $1f, resume_at\n\tmovl $0x73, %%eax\n\tmovl %%eax, %%gs\n1:" ::: "eax", "memory");
	printf("loading %%gs with the selector of the free entry 14: signal %d trapno %d, %%gs %#x\n",
	       seen_sig, seen_trapno, gs_sel());
	set_gs(0x63);

	/* A child (it starts with our descriptors and selectors) with its own descriptors in entries 12
	 * and 13 and the selectors swapped, both of us yielding, sleeping and being preempted. */
	long pid = int80_0(NR_fork);
	if (pid == 0) {
		int ok = gs_sel() == 0x63 && fs_sel() == 0x6b && gs0() == tls_a[0] && fs0() == tls_b[0];
		struct user_desc c1 = data_desc(12, tls_child), c2 = data_desc(13, tls_child2);
		set_ta(&c1);
		set_ta(&c2);
		ok &= gs0() == tls_child[0] && fs0() == tls_child2[0];
		set_gs(0x6b);
		set_fs(0x63);
		ok &= keeps(0x6b, 0x63, tls_child2[0], tls_child[0]);
		sys_exit_group(ok ? 0 : 1);
	}
	int ok = keeps(0x63, 0x6b, tls_a[0], tls_b[0]);
	int status = -1;
	long w = int80_3(NR_waitpid, pid, (long)&status, 0);
	printf("fork: child with its own entries 12 and 13 exited %s (status %#x), ours kept across "
	       "sched_yield, nanosleep and preemption: %s\n", w == pid ? "reaped" : "not reaped",
	       status, yes(ok));
	g = got(12);
	printf("  get_thread_area(12) still ours: %s\n", yes(g.base_addr == (uint32_t)tls_a && g.word == 0x51));

	/* clone with CLONE_SETTLS: a user_desc for the child's entry (no picking: -1 is -EINVAL). */
	struct user_desc ct = data_desc(12, tls_c);
	pid = int80_5(NR_clone, SIGCHLD | CLONE_SETTLS, 0, 0, (long)&ct, 0);
	if (pid == 0)
		sys_exit_group(gs_sel() == 0x63 && gs0() == tls_c[0] && fs0() == tls_b[0] &&
			       got(12).base_addr == (uint32_t)tls_c ? 0 : 1);
	status = -1;
	w = int80_3(NR_waitpid, pid, (long)&status, 0);
	printf("clone(CLONE_SETTLS, entry 12 at tls_c): child %s with status %#x, %%gs:0 still ours: %s\n",
	       w == pid ? "reaped" : "not reaped", status, yes(gs0() == tls_a[0]));
	ct = data_desc(-1, tls_c);
	long e1 = int80_5(NR_clone, SIGCHLD | CLONE_SETTLS, 0, 0, (long)&ct, 0);
	ct = data_desc(14, tls_c);
	ct.contents = 2;
	long e2 = int80_5(NR_clone, SIGCHLD | CLONE_SETTLS, 0, 0, (long)&ct, 0);
	long e3 = int80_5(NR_clone, SIGCHLD | CLONE_SETTLS, 0, 0, 0x1000, 0);
	printf("  with entry -1: %ld, a code segment: %ld, an unmapped user_desc: %ld\n", e1, e2, e3);

	/* A handler sees %gs as it was; rt_sigreturn loads %gs and %fs from the frame. */
	sigaction_rt(SIGUSR1, on_usr1);
	new_gs = 0x63;
	new_fs = 0x6b;
	tls_probe();
	printf("in a handler: %%gs %#x, %%gs:0 ours: %s; the frame says gs %#x fs %#x\n", h_gs,
	       yes(h_gs0 == tls_a[0]), h_frame_gs, h_frame_fs);
	printf("  after it: %%gs %#x %%fs %#x, reading ours: %s\n", probe_out[0], probe_out[1],
	       yes(probe_out[2] == tls_a[0] && probe_out[3] == tls_b[0]));
	new_gs = 0x68;          /* RPL 0: sigreturn makes it 3 */
	new_fs = 0x60;
	tls_probe();
	printf("frame edited to gs 0x68 fs 0x60: %%gs %#x %%fs %#x, %%gs:0 reads tls_b and %%fs:0 "
	       "tls_a: %s\n", probe_out[0], probe_out[1],
	       yes(probe_out[2] == tls_b[0] && probe_out[3] == tls_a[0]));
	set_gs(0x63);
	set_fs(0x6b);
	static char *const args[] = { "t_tls32", "exec", 0 };
	r = int80_3(NR_execve, (long)"t_tls32", (long)args, (long)environ);
	printf("execve failed: %ld\n", r);
	return 1;
}
