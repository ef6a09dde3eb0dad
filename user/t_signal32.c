/*
 * t_signal32.c - signals of a 32-bit program with Linux's ia32 frames.
 *
 * Prints one line per check, the same on Linux and on Portcullis (no addresses or pids appear,
 * only comparisons), and ends with an uncaught SIGILL (status 132). Raw i386 system calls through
 * INT 0x80 (and once through __kernel_vsyscall); handlers without SA_RESTORER return through the
 * vDSO's __kernel_rt_sigreturn / __kernel_sigreturn, as Linux's do.
 *
 * Checks: fault signals (SIGSEGV with si_addr and SEGV_MAPERR, SIGILL ILL_ILLOPN, SIGFPE
 * FPE_INTDIV, SIGTRAP from int3) with trapno/err in the sigcontext; kill/tgkill with SA_SIGINFO;
 * the blocked mask in a handler, a blocked signal staying pending, rt_sigsuspend; a handler editing
 * uc_mcontext (EIP past a ud2, EBX) and rt_sigreturn honouring it; the old frame (sigaction 67
 * without SA_SIGINFO, sigreturn 119) likewise; signal(48) resetting to SIG_DFL; a handler on a
 * sigaltstack; EBX ESI EDI EBP, XMM0 and st0 kept across a handler that clobbers them (INT 0x80
 * and vDSO entries); the FPU part of the frame (i387 header magic, aligned FXSAVE image, XSAVE
 * magics); nanosleep not interrupted by a blocked or an ignored signal; sigprocmask (126) on the
 * old 4-byte set (SIGKILL/SIGSTOP dropped, -EINVAL for a bad how only with a set, signals 33..64
 * left alone by SIG_SETMASK), sigpending (73) and rt_sigpending (176) reporting blocked pending
 * signals; rt_sigreturn and sigreturn loading GS/FS/DS/ES from the frame (RPL 3, null when the
 * selector cannot be loaded); rt_sigreturn reinstalling uc_stack, judged against the restored ESP
 * (a nested handler's edit is ignored) and with the flags the frame recorded.
 */
#include "ulib.h"
#include "sigframe32.h"

#define NR_kill            37
#define NR_signal          48
#define NR_sigaction       67
#define NR_rt_sigaction    174
#define NR_rt_sigprocmask  175
#define NR_rt_sigsuspend   179
#define NR_sigaltstack     186
#define NR_tgkill          270
#define NR_getpid          20
#define NR_sigpending      73
#define NR_sigprocmask     126
#define NR_rt_sigpending   176

#define SA_SIGINFO 4
#define SA_ONSTACK 0x08000000
#define SA_RESTORER 0x04000000
#define SIG_BLOCK 0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2
#define SS_ONSTACK 1
#define UC_FP_XSTATE 1

struct ksigaction { uint32_t handler, flags, restorer, mask[2]; };
struct old_sigaction { uint32_t handler, mask, flags, restorer; };
struct siginfo32 {
	int signo, err, code;
	union { struct { uint32_t addr; } f; struct { int pid; unsigned uid; } k; char pad[116]; };
};

static long sigaction_rt(int sig, void *handler, uint32_t flags)
{
	struct ksigaction a = { (uint32_t)handler, flags, 0, { 0, 0 } };
	return int80_4(NR_rt_sigaction, sig, (long)&a, 0, 8);
}

static uint64_t sigmask_change(int how, uint64_t set)
{
	uint64_t old = 0;
	int80_4(NR_rt_sigprocmask, how, (long)&set, (long)&old, 8);
	return old;
}

static const char *yes(int c) { return c ? "yes" : "no"; }

/* ---- faults ---------------------------------------------------------------------------------- */

extern char null_read_end[], ud2_at[], ud2_end[], div_at[], div_end[], int3_end[];
static volatile uint32_t resume_at;
static volatile uint32_t seen_addr, seen_fp;
static volatile int seen_sig, seen_code, seen_trapno, seen_err, seen_onstack, seen_fpok, seen_altq;
static volatile uint32_t seen_uc_flags;

static char altstack[65536] __attribute__((aligned(16)));

/* Record what the frame says and resume at resume_at. */
static void on_fault(int sig, struct siginfo32 *si, struct ucontext32 *uc)
{
	int local;
	seen_sig = sig;
	seen_code = si->code;
	seen_addr = si->f.addr;
	seen_trapno = uc->mc.trapno;
	seen_err = uc->mc.err;
	seen_uc_flags = uc->flags;
	seen_onstack = (uint32_t)&local >= (uint32_t)altstack && (uint32_t)&local < (uint32_t)altstack + sizeof(altstack);
	struct stack32 q;
	seen_altq = int80_2(NR_sigaltstack, 0, (long)&q) == 0 && q.flags == SS_ONSTACK;
	/* The FPU part: i387 header (magic 0 at 110), FXSAVE image 64-byte aligned after it. */
	uint8_t *fp = (uint8_t *)uc->mc.fpstate;
	seen_fp = uc->mc.fpstate;
	int ok = fp && *(uint16_t *)(fp + 110) == 0 && ((uint32_t)(fp + 112) & 63) == 0;
	if (ok && (uc->flags & UC_FP_XSTATE)) {
		uint32_t *sw = (uint32_t *)(fp + 112 + 464);
		ok = sw[0] == 0x46505853U && *(uint32_t *)(fp + 112 + sw[4]) == 0x46505845U &&
		     sw[1] == sw[4] + 4 + 112;
	}
	seen_fpok = ok;
	uc->mc.ip = resume_at;
}

static void __attribute__((noinline)) fault_tests(void)
{
	sigaction_rt(SIGSEGV, on_fault, SA_SIGINFO);
	sigaction_rt(SIGILL, on_fault, SA_SIGINFO);
	sigaction_rt(SIGFPE, on_fault, SA_SIGINFO);
	sigaction_rt(SIGTRAP, on_fault, SA_SIGINFO);

	resume_at = (uint32_t)null_read_end;
	__asm__ volatile (".globl null_read_end\nmovl 0, %%eax\nnull_read_end:"
			  ::: "eax", "memory");
	printf("null read: signal %d code %d si_addr %#x trapno %d err %d\n", seen_sig, seen_code,
	       seen_addr, seen_trapno, seen_err);
	printf("  fpstate: i387 header magic 0, aligned image, XSAVE magics if UC_FP_XSTATE: %s\n",
	       yes(seen_fpok));

	resume_at = (uint32_t)ud2_end;
	__asm__ volatile (".globl ud2_at, ud2_end\nud2_at: ud2\nud2_end:" ::: "memory");
	printf("ud2: signal %d code %d si_addr is the ud2: %s trapno %d\n", seen_sig, seen_code,
	       yes(seen_addr == (uint32_t)ud2_at), seen_trapno);

	resume_at = (uint32_t)div_end;
	__asm__ volatile (".globl div_at, div_end\nxor %%edx, %%edx\nmov $1, %%eax\nxor %%ecx, %%ecx\n"
			  "div_at: divl %%ecx\ndiv_end:" ::: "eax", "ecx", "edx", "memory");
	printf("divide by zero: signal %d code %d si_addr is the div: %s trapno %d\n", seen_sig,
	       seen_code, yes(seen_addr == (uint32_t)div_at), seen_trapno);

	resume_at = (uint32_t)int3_end;
	__asm__ volatile (".globl int3_end\nint3\nint3_end:" ::: "memory");
	printf("int3: signal %d code %d trapno %d\n", seen_sig, seen_code, seen_trapno);

	/* The same null read on the alternate stack. */
	struct stack32 ss = { (uint32_t)altstack, 0, sizeof(altstack) };
	long r = int80_2(NR_sigaltstack, (long)&ss, 0);
	sigaction_rt(SIGSEGV, on_fault, SA_SIGINFO | SA_ONSTACK);
	seen_sig = 0;
	__asm__ volatile ("movl $1f, resume_at\n\tmovl 0, %%eax\n1:" ::: "eax", "memory");
	printf("null read on the alternate stack (sigaltstack %ld): signal %d, handler on it: %s, "
	       "sigaltstack says SS_ONSTACK: %s\n", r, seen_sig, yes(seen_onstack), yes(seen_altq));
	struct stack32 q;
	int80_2(NR_sigaltstack, 0, (long)&q);
	printf("  after the handler: flags %d\n", q.flags);
}

/* ---- kill, masks, rt_sigsuspend ---------------------------------------------------------------- */

static volatile int usr1_count, usr1_code, usr1_pid_ok, usr1_blocked_inside, usr1_aligned;

static void on_usr1(int sig, struct siginfo32 *si, struct ucontext32 *uc)
{
	(void)uc;
	usr1_count++;
	usr1_aligned = ((uint32_t)&sig & 15) == 0;     /* (ESP + 4) at entry: the i386 ABI */
	usr1_code = si->code;
	usr1_pid_ok = si->signo == sig && si->k.pid == sys_getpid();
	uint64_t cur = sigmask_change(SIG_BLOCK, 0);
	usr1_blocked_inside = (cur >> (SIGUSR1 - 1)) & 1;
}

static void kill_tests(void)
{
	sigaction_rt(SIGUSR1, on_usr1, SA_SIGINFO);
	long r = int80_2(NR_kill, sys_getpid(), SIGUSR1);
	printf("kill(getpid(), SIGUSR1) = %ld: handler ran %d time(s), code %d, si_pid is ours: %s, "
	       "SIGUSR1 blocked in the handler: %s, ESP + 4 16-byte aligned at entry: %s\n", r, usr1_count,
	       usr1_code, yes(usr1_pid_ok), yes(usr1_blocked_inside), yes(usr1_aligned));
	uint64_t after = sigmask_change(SIG_BLOCK, 0);
	printf("  blocked after the handler: %s\n", yes((after >> (SIGUSR1 - 1)) & 1));

	r = int80_3(NR_tgkill, sys_getpid(), sys_gettid(), SIGUSR1);
	printf("tgkill = %ld: handler ran %d time(s), code %d\n", r, usr1_count, usr1_code);

	sigmask_change(SIG_BLOCK, 1ULL << (SIGUSR1 - 1));
	int80_2(NR_kill, sys_getpid(), SIGUSR1);
	printf("blocked SIGUSR1 stays pending: %s\n", yes(usr1_count == 2));
	struct timespec ts = { 0, 20000000 };
	r = sys_nanosleep(&ts, 0);
	printf("nanosleep with it pending and blocked: %ld\n", r);
	uint64_t none = 0;
	r = int80_2(NR_rt_sigsuspend, (long)&none, 8);
	printf("rt_sigsuspend with an empty mask: %ld, handler ran %d time(s)\n", r, usr1_count);
	after = sigmask_change(SIG_BLOCK, 0);
	printf("  mask restored (SIGUSR1 blocked again): %s\n", yes((after >> (SIGUSR1 - 1)) & 1));
	sigmask_change(SIG_UNBLOCK, 1ULL << (SIGUSR1 - 1));

	sigaction_rt(SIGUSR2, (void *)1, 0);     /* SIG_IGN */
	int80_2(NR_kill, sys_getpid(), SIGUSR2);
	r = sys_nanosleep(&ts, 0);
	printf("nanosleep after an ignored SIGUSR2: %ld\n", r);
}

/* ---- edited contexts: rt frame, old frame, signal(48) ------------------------------------------ */

extern char edit_ud2[], old_ud2[];

static void on_ill_edit(int sig, struct siginfo32 *si, struct ucontext32 *uc)
{
	(void)sig;
	(void)si;
	uc->mc.ip += 2;                          /* past the ud2 */
	uc->mc.bx = 0x1234;
}

/* Old frame: the sigcontext follows sig on the stack. */
static volatile int old_ok;
static void on_ill_old(int sig)
{
	uintptr_t p = (uintptr_t)&sig + 4;
	__asm__ ("" : "+r"(p));                  /* hide the provenance from -Warray-bounds */
	struct sigcontext32 *sc = (struct sigcontext32 *)p;
	old_ok = sig == SIGILL && sc->ip == (uint32_t)old_ud2 && sc->trapno == 6;
	sc->ip += 2;
	sc->bx = 0x5678;
}

static volatile int sig48_count;
static void on_usr2_once(int sig) { (void)sig; sig48_count++; }

static void edit_tests(void)
{
	uint32_t bx = 1;
	sigaction_rt(SIGILL, on_ill_edit, SA_SIGINFO);
	__asm__ volatile (".globl edit_ud2\nedit_ud2: ud2" : "+b"(bx) :: "memory");
	printf("rt_sigreturn to an edited context: ebx=%#x, continued after the ud2\n", bx);

	struct old_sigaction oa = { (uint32_t)on_ill_old, 0, 0, 0 };
	long r = int80_3(NR_sigaction, SIGILL, (long)&oa, 0);
	bx = 2;
	__asm__ volatile (".globl old_ud2\nold_ud2: ud2" : "+b"(bx) :: "memory");
	printf("sigaction(67) without SA_SIGINFO = %ld: old frame right: %s, sigreturn(119) to an "
	       "edited context: ebx=%#x\n", r, yes(old_ok), bx);

	long prev = int80_2(NR_signal, SIGUSR2, (long)on_usr2_once);
	int80_2(NR_kill, sys_getpid(), SIGUSR2);
	struct old_sigaction q;
	int80_3(NR_sigaction, SIGUSR2, 0, (long)&q);
	printf("signal(48): previous handler was SIG_IGN: %s, ran %d time(s), reset to SIG_DFL: %s\n",
	       yes(prev == 1), sig48_count, yes(q.handler == 0));
}

/* ---- registers kept across a handler ------------------------------------------------------------ */

volatile uint32_t reg_out[8];
volatile int clobber_ran;
static const uint32_t xmm_pattern[4] __attribute__((aligned(16))) = { 0x01234567, 0x89abcdef, 0xfeedface, 0x0badf00d };
volatile uint32_t xmm_out[4] __attribute__((aligned(16)));
volatile double st0_out;
extern void clobber_handler(int);
extern void regs_int80(uint32_t pid, uint32_t vsyscall);

/*
 * clobber_handler: changes every register a handler may (EBX ESI EDI EBP, XMM0, the x87 stack).
 * regs_int80(pid, vsyscall): sets EBX=pid ESI EDI EBP XMM0 st0 to known values, sends itself
 * SIGUSR2 with kill through INT 0x80 (vsyscall 0) or __kernel_vsyscall, then stores EAX EBX ECX
 * ESI EDI EBP, XMM0 and st0 into reg_out/xmm_out/st0_out.
 */
__asm__(
	".text\n"
	".globl clobber_handler\n"
	"clobber_handler:\n"
	"	movl $0xdeadbeef, %ebx\n	movl %ebx, %esi\n	movl %ebx, %edi\n	movl %ebx, %ebp\n"
	"	pcmpeqd %xmm0, %xmm0\n	fldz\n	fldz\n	fldz\n"
	"	incl clobber_ran\n"
	"	ret\n"
	".globl regs_int80\n"
	"regs_int80:\n"
	"	pushl %ebp\n	pushl %ebx\n	pushl %esi\n	pushl %edi\n"
	"	movl 20(%esp), %ebx\n"            /* pid */
	"	movl 24(%esp), %edx\n"            /* vsyscall */
	"	movl $0x11111111, %esi\n	movl $0x22222222, %edi\n	movl $0x33333333, %ebp\n"
	"	movdqa xmm_pattern, %xmm0\n"
	"	fninit\n	fld1\n"
	"	movl $37, %eax\n	movl $12, %ecx\n"
	"	testl %edx, %edx\n	jz 1f\n"
	"	call *%edx\n	jmp 2f\n"
	"1:	int $0x80\n"
	"2:	movl %eax, reg_out\n	movl %ebx, reg_out+4\n	movl %ecx, reg_out+8\n"
	"	movl %esi, reg_out+12\n	movl %edi, reg_out+16\n	movl %ebp, reg_out+20\n"
	"	movdqa %xmm0, xmm_out\n	fstpl st0_out\n"
	"	popl %edi\n	popl %esi\n	popl %ebx\n	popl %ebp\n"
	"	ret\n");

static void regs_test(const char *how, uint32_t vsyscall, uint32_t flags)
{
	uint32_t pid = sys_getpid();
	sigaction_rt(SIGUSR2, clobber_handler, flags);
	clobber_ran = 0;
	regs_int80(pid, vsyscall);
	int ok = reg_out[0] == 0 && reg_out[1] == pid && reg_out[2] == 12 && reg_out[3] == 0x11111111 &&
		 reg_out[4] == 0x22222222 && reg_out[5] == 0x33333333;
	int xok = !memcmp((const void *)xmm_out, xmm_pattern, 16) && st0_out == 1.0;
	printf("kill via %s, %s frame, handler clobbering registers ran %d time(s): eax ebx ecx esi "
	       "edi ebp kept: %s, xmm0 and st0 kept: %s\n", how, flags ? "rt" : "old", clobber_ran,
	       yes(ok), yes(xok));
	if (!ok)
		printf("  %#x %#x %#x %#x %#x %#x\n", reg_out[0], reg_out[1], reg_out[2], reg_out[3],
		       reg_out[4], reg_out[5]);
}

/* ---- sigprocmask (126), sigpending (73), rt_sigpending (176) ------------------------------------ */

static void sigmask_tests(void)
{
	uint32_t set = 1u << (SIGUSR1 - 1) | 1u << (9 - 1) | 1u << (19 - 1), old = 0xdead, now = 0xdead;
	long r = int80_3(NR_sigprocmask, SIG_BLOCK, (long)&set, (long)&old);
	int80_3(NR_sigprocmask, SIG_BLOCK, 0, (long)&now);
	printf("sigprocmask(126) SIG_BLOCK SIGUSR1 SIGKILL SIGSTOP = %ld: old %#x, now %#x\n", r, old, now);
	long r1 = int80_3(NR_sigprocmask, 3, (long)&set, 0), r2 = int80_3(NR_sigprocmask, 99, 0, (long)&now);
	long r3 = int80_3(NR_sigprocmask, 99, 0x1000, 0), r4 = int80_3(NR_sigprocmask, SIG_BLOCK, 0, 0x1000);
	printf("  how 3 with a set: %ld; how 99 without: %ld; a bad set: %ld; a bad old set: %ld\n",
	       r1, r2, r3, r4);
	sigmask_change(SIG_BLOCK, 1ULL << 33);                   /* signal 34 */
	set = 0;
	r = int80_3(NR_sigprocmask, SIG_SETMASK, (long)&set, 0);
	printf("  SIG_SETMASK 0 = %ld: the 64-bit mask is now %#llx\n", r,
	       (unsigned long long)sigmask_change(SIG_BLOCK, 0));
	sigmask_change(SIG_UNBLOCK, ~0ULL);

	set = 1u << (SIGUSR1 - 1);
	int80_3(NR_sigprocmask, SIG_BLOCK, (long)&set, 0);
	int runs = usr1_count;
	int80_2(NR_kill, sys_getpid(), SIGUSR1);
	uint32_t p32 = 0xdead;
	uint64_t p64 = 0xdeadULL;
	r = int80_1(NR_sigpending, (long)&p32);
	r1 = int80_2(NR_rt_sigpending, (long)&p64, 8);
	printf("SIGUSR1 blocked and sent: sigpending(73) = %ld: %#x, rt_sigpending(176, 8) = %ld: %#llx\n",
	       r, p32, r1, (unsigned long long)p64);
	p64 = 0;
	r = int80_2(NR_rt_sigpending, (long)&p64, 4);
	r1 = int80_2(NR_rt_sigpending, (long)&p64, 9);
	r2 = int80_2(NR_rt_sigpending, 0x1000, 8);
	r3 = int80_1(NR_sigpending, 0x1000);
	printf("  rt_sigpending size 4 = %ld: %#llx, size 9: %ld, bad pointer: %ld; sigpending bad pointer: %ld\n",
	       r, (unsigned long long)p64, r1, r2, r3);
	r = int80_3(NR_sigprocmask, SIG_UNBLOCK, (long)&set, (long)&old);
	int80_1(NR_sigpending, (long)&p32);
	printf("  SIG_UNBLOCK = %ld (old %#x): handler ran %d time(s), sigpending now %#x\n", r, old,
	       usr1_count - runs, p32);
}

/* ---- sigreturn loading GS/FS/DS/ES from the frame ------------------------------------------------- */

static volatile uint16_t seg_new[4];                     /* gs fs ds es written into the frame */
static volatile uint16_t seg_frame[4];                   /* and what the frame said */

static void on_seg(int sig, struct siginfo32 *si, struct ucontext32 *uc)
{
	(void)sig;
	(void)si;
	struct sigcontext32 *sc = &uc->mc;
	seg_frame[0] = sc->gs; seg_frame[1] = sc->fs; seg_frame[2] = sc->ds; seg_frame[3] = sc->es;
	sc->gs = seg_new[0]; sc->fs = seg_new[1]; sc->ds = seg_new[2]; sc->es = seg_new[3];
}

static void on_seg_old(int sig)
{
	uintptr_t p = (uintptr_t)&sig + 4;
	__asm__ ("" : "+r"(p));
	struct sigcontext32 *sc = (struct sigcontext32 *)p;
	seg_frame[0] = sc->gs; seg_frame[1] = sc->fs; seg_frame[2] = sc->ds; seg_frame[3] = sc->es;
	sc->gs = seg_new[0]; sc->fs = seg_new[1]; sc->ds = seg_new[2]; sc->es = seg_new[3];
}

volatile uint32_t seg_out[4];
extern void seg_probe(void);
/* seg_probe: kill(getpid(), SIGUSR2), then seg_out = GS FS DS ES as they came back; DS and ES are
 * set back to USER_DS before anything goes through them, FS and GS to 0. */
__asm__(
	".text\n"
	".globl seg_probe\n"
	"seg_probe:\n"
	"	pushl %ebx\n	pushl %esi\n	pushl %edi\n"
	"	movl $20, %eax\n	int $0x80\n"
	"	movl %eax, %ebx\n	movl $37, %eax\n	movl $12, %ecx\n	int $0x80\n"
	"	xorl %esi, %esi\n	movw %gs, %si\n	xorl %edi, %edi\n	movw %fs, %di\n"
	"	xorl %ecx, %ecx\n	movw %ds, %cx\n	xorl %edx, %edx\n	movw %es, %dx\n"
	"	movl $0x2b, %eax\n	movl %eax, %ds\n	movl %eax, %es\n"
	"	movl %esi, seg_out\n	movl %edi, seg_out+4\n	movl %ecx, seg_out+8\n	movl %edx, seg_out+12\n"
	"	xorl %eax, %eax\n	movl %eax, %fs\n	movl %eax, %gs\n"
	"	popl %edi\n	popl %esi\n	popl %ebx\n"
	"	ret\n");

static void seg_case(uint16_t gs, uint16_t fs, uint16_t ds, uint16_t es)
{
	seg_new[0] = gs; seg_new[1] = fs; seg_new[2] = ds; seg_new[3] = es;
	seg_probe();
	printf("  frame edited to gs %#x fs %#x ds %#x es %#x: back with %#x %#x %#x %#x\n", gs, fs, ds,
	       es, seg_out[0], seg_out[1], seg_out[2], seg_out[3]);
}

static void seg_tests(void)
{
	sigaction_rt(SIGUSR2, on_seg, SA_SIGINFO);
	seg_new[0] = 0; seg_new[1] = 0; seg_new[2] = 0x2b; seg_new[3] = 0x2b;
	seg_probe();
	printf("rt_sigreturn and the selectors: the frame had gs %#x fs %#x ds %#x es %#x\n", seg_frame[0],
	       seg_frame[1], seg_frame[2], seg_frame[3]);
	seg_case(0x28, 0x1003, 0x28, 0x2b);      /* RPL 0 becomes 3; beyond the GDT: null */
	seg_case(0x2b, 0x2b, 0x23, 0x2b);        /* a readable code segment loads into DS */
	seg_case(0x67, 0x43, 0x2b, 0x2b);        /* an LDT selector; the TSS: null */
	seg_case(0x13, 0x1b, 0x2b, 0x2b);        /* kernel code and data: DPL 0, null */
	struct old_sigaction oa = { (uint32_t)on_seg_old, 0, 0, 0 };
	int80_3(NR_sigaction, SIGUSR2, (long)&oa, 0);
	seg_new[0] = 0x28; seg_new[1] = 0x1003; seg_new[2] = 0x28; seg_new[3] = 0x2b;
	seg_probe();
	printf("sigreturn(119), frame edited to gs 0x28 fs 0x1003 ds 0x28: back with %#x %#x %#x %#x\n",
	       seg_out[0], seg_out[1], seg_out[2], seg_out[3]);
}

/* ---- rt_sigreturn and uc_stack ------------------------------------------------------------------- */

static char alt_b[65536] __attribute__((aligned(16)));
static volatile int ucs_edit, ucs_flags, ucs_inner_flags, ucs_inner_ran;

static void on_inner(int sig, struct siginfo32 *si, struct ucontext32 *uc)
{
	(void)sig;
	(void)si;
	ucs_inner_ran++;
	ucs_inner_flags = uc->stack.flags;
	uc->stack = (struct stack32){ (uint32_t)alt_b, 0, sizeof(alt_b) };
}

static void on_ucs(int sig, struct siginfo32 *si, struct ucontext32 *uc)
{
	(void)sig;
	(void)si;
	ucs_flags = uc->stack.flags;
	if (ucs_edit == 1)
		uc->stack = (struct stack32){ (uint32_t)alt_b, 0, sizeof(alt_b) };
	else if (ucs_edit == 2)
		uc->stack = (struct stack32){ (uint32_t)alt_b, 5, sizeof(alt_b) };
	else if (ucs_edit == 3)
		uc->stack.flags = 2;                            /* SS_DISABLE */
	else if (ucs_edit == 4)
		int80_2(NR_kill, sys_getpid(), SIGUSR1);       /* on_inner, on this stack too */
}

static const char *which_stack(void)
{
	struct stack32 q;
	int80_2(NR_sigaltstack, 0, (long)&q);
	if (q.sp == (uint32_t)altstack && q.size == sizeof(altstack))
		return q.flags == 0 ? "A" : "A with flags";
	if (q.sp == (uint32_t)alt_b && q.size == sizeof(alt_b))
		return q.flags == 0 ? "B" : "B with flags";
	return q.flags == 2 && !q.sp && !q.size ? "none" : "other";
}

static void ucs_case(int edit, const char *what)
{
	struct stack32 ss = { (uint32_t)altstack, 0, sizeof(altstack) };
	int80_2(NR_sigaltstack, (long)&ss, 0);
	ucs_edit = edit;
	int80_2(NR_kill, sys_getpid(), SIGUSR2);
	printf("  %s: %s\n", what, which_stack());
}

static void uc_stack_tests(void)
{
	sigaction_rt(SIGUSR2, on_ucs, SA_SIGINFO | SA_ONSTACK);
	sigaction_rt(SIGUSR1, on_inner, SA_SIGINFO | SA_ONSTACK);
	ucs_case(0, "rt_sigreturn, uc_stack as the frame had it (flags 0)");
	printf("  the handler on A found uc_stack flags %d\n", ucs_flags);
	ucs_case(1, "the handler on A wrote B into uc_stack (judged against the restored ESP)");
	ucs_case(2, "it wrote flags 5 (sigaltstack would say -EINVAL)");
	ucs_case(3, "it wrote SS_DISABLE");
	ucs_case(4, "a nested handler, interrupted on A, wrote B");
	printf("  the nested handler ran %d time(s) and found uc_stack flags %d\n", ucs_inner_ran,
	       ucs_inner_flags);
	struct stack32 ss = { (uint32_t)altstack, 0, sizeof(altstack) };
	int80_2(NR_sigaltstack, (long)&ss, 0);
}

int main(void)
{
	fault_tests();
	kill_tests();
	sigmask_tests();
	edit_tests();
	regs_test("int $0x80", 0, SA_SIGINFO);
	regs_test("int $0x80", 0, 0);
	vdso_init();
	if (sys32_vsyscall) {
		regs_test("__kernel_vsyscall", sys32_vsyscall, SA_SIGINFO);
		regs_test("__kernel_vsyscall", sys32_vsyscall, 0);
	} else {
		printf("kill via __kernel_vsyscall: no AT_SYSINFO\n");
	}
	seg_tests();
	uc_stack_tests();
	printf("now an uncaught SIGILL\n");
	sigaction_rt(SIGILL, 0, 0);
	__asm__ volatile ("ud2");
	return 0;
}
