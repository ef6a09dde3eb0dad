/*
 * t_sigreturn32.c - the i386 rt_sigreturn (173) and sigreturn (119) with hostile frames must only
 * send this program a signal, never hurt the kernel. KTAP, one result per frame.
 *
 *   t_sigreturn32 [N [SEED]]      (default 100 frames, seed 1)
 *
 * Each round fills a frame with random values (seeded xorshift): EIP unmapped, in the vDSO's int3
 * filler or at a ud2, a random ESP, every EFLAGS bit but AC (IOPL, VM, NT, TF included), random or
 * 64-bit or user CS and random or user SS selectors, random DS/ES, and an FPU pointer that is 0,
 * unreadable or at garbage (reserved MXCSR bits, a bad XSAVE header); then calls sigreturn with
 * ESP where the restorer would have it. Whatever the kernel does (refuse the frame with SIGSEGV, or
 * load it and let the IRET or the first instruction fault), a signal must arrive: the handlers, on
 * a sigaltstack, rewrite their own context to resume the round loop. Runs on Linux the same way.
 */
#include "ulib.h"
#include "ktap.h"
#include "sigframe32.h"

#define NR_rt_sigaction 174
#define NR_sigaltstack  186
#define SA_SIGINFO 4
#define SA_ONSTACK 0x08000000
#define SA_NODEFER 0x40000000

struct ksigaction { uint32_t handler, flags, restorer, mask[2]; };

static uint32_t state;
static uint32_t rnd(void)
{
	state ^= state << 13;
	state ^= state >> 17;
	state ^= state << 5;
	return state;
}

static char altstack[65536] __attribute__((aligned(16)));
static uint8_t frame[4096] __attribute__((aligned(64)));
static uint8_t fpbuf[8192] __attribute__((aligned(64)));

volatile uint32_t saved_esp;
volatile int got_sig, got_trapno;
static uint16_t good_cs, good_ss, good_ds;
extern char fuzz_recover[], fuzz_ud2[];
extern void attempt(uint32_t esp, uint32_t nr);

/* attempt(esp, nr): save the callee-saved registers and ESP, then sigreturn with ESP = esp. The
 * handler resumes at fuzz_recover with ESP = saved_esp. */
__asm__(
	".text\n"
	".globl attempt, fuzz_recover, fuzz_ud2\n"
	"attempt:\n"
	"	pushl %ebp\n	pushl %ebx\n	pushl %esi\n	pushl %edi\n"
	"	movl 24(%esp), %eax\n"
	"	movl 20(%esp), %ecx\n"
	"	movl %esp, saved_esp\n"
	"	movl %ecx, %esp\n"
	"	int $0x80\n"
	"fuzz_ud2:\n"
	"	ud2\n"
	"fuzz_recover:\n"
	"	popl %edi\n	popl %esi\n	popl %ebx\n	popl %ebp\n"
	"	ret\n");

static void on_signal(int sig, void *si, struct ucontext32 *uc)
{
	(void)si;
	got_sig = sig;
	got_trapno = uc->mc.trapno;
	uc->mc.ip = (uint32_t)fuzz_recover;
	uc->mc.sp = saved_esp;
	uc->mc.cs = good_cs;
	uc->mc.ss = good_ss;
	uc->mc.ds = good_ds;
	uc->mc.es = good_ds;
	uc->mc.flags = 0x202;
}

int main(int argc, char **argv)
{
	uint64_t n = 100, seed = 1;
	if (argc > 1)
		parse_number(argv[1], &n);
	if (argc > 2)
		parse_number(argv[2], &seed);
	__asm__ volatile ("mov %%cs, %0\n\tmov %%ss, %1\n\tmov %%ds, %2"
			  : "=r"(good_cs), "=r"(good_ss), "=r"(good_ds));
	struct stack32 ss = { (uint32_t)altstack, 0, sizeof(altstack) };
	int80_2(NR_sigaltstack, (long)&ss, 0);
	static const int sigs[] = { 4, 5, 7, 8, 11 };
	for (unsigned i = 0; i < ARRAY_SIZE(sigs); i++) {
		struct ksigaction a = { (uint32_t)on_signal, SA_SIGINFO | SA_ONSTACK | SA_NODEFER, 0, { 0, 0 } };
		int80_4(NR_rt_sigaction, sigs[i], (long)&a, 0, 8);
	}
	ktap_plan((unsigned)n);
	state = 2463534242U ^ (uint32_t)(seed * 2654435761U);
	for (unsigned round = 0; round < n; round++) {
		for (unsigned i = 0; i < sizeof(frame) / 4; i++)
			((uint32_t *)frame)[i] = rnd();
		for (unsigned i = 0; i < sizeof(fpbuf) / 4; i++)
			((uint32_t *)fpbuf)[i] = rnd();
		bool rt = rnd() & 1;
		/* rt_sigframe_ia32: pretcode sig pinfo puc, siginfo (128), ucontext: flags link stack(12),
		 * then the sigcontext; sigframe_ia32: pretcode sig, then the sigcontext. */
		struct sigcontext32 *sc = (struct sigcontext32 *)(frame + (rt ? 16 + 128 + 20 : 8));
		static const uint32_t eips[] = { 0, 0x1000, 0xfffffff0U, 0x40000000U };
		unsigned k = rnd() % 6;
		sc->ip = k < 4 ? eips[k] : k == 4 ? (uint32_t)fuzz_ud2 : 0x40000000U | (rnd() & 0x3fffffff);
		sc->sp = rnd() % 3 ? rnd() : (uint32_t)(frame + 2048);
		sc->flags = rnd() & ~0x40000U;
		k = rnd() % 4;
		sc->cs = k == 0 ? (uint16_t)rnd() : k == 1 ? 0x33 : good_cs;
		sc->ss = rnd() % 2 ? (uint16_t)rnd() : good_ss;
		sc->ds = rnd() % 2 ? (uint16_t)rnd() : good_ds;
		sc->es = rnd() % 2 ? (uint16_t)rnd() : good_ds;
		uint16_t fs, gs;
		__asm__ volatile ("mov %%fs, %0\n\tmov %%gs, %1" : "=r"(fs), "=r"(gs));
		sc->fs = fs;
		sc->gs = gs;
		k = rnd() % 4;
		sc->fpstate = k == 0 ? 0 : k == 1 ? rnd() : (uint32_t)fpbuf;
		/* The mask a sigreturn installs is taken before the frame is judged: keep the fault
		 * signals unblocked (a blocked one is forced with the default action). And Linux's
		 * rt_sigreturn reinstalls uc_stack: keep the handlers' stack usable. */
		sc->oldmask = 0;
		if (rt) {
			*(struct stack32 *)(frame + 16 + 128 + 8) = ss;
			memset(frame + 16 + 128 + 108, 0, 8);              /* uc_sigmask */
		} else {
			memset(frame + 8 + 88 + 624, 0, 4);                /* extramask */
		}
		got_sig = 0;
		/* The restorer runs with ESP = frame + 4 (rt) or frame + 8 (old, after popl %eax). */
		attempt((uint32_t)frame + (rt ? 4 : 8), rt ? 173 : 119);
		ktap_ok(got_sig > 0, "%s frame %u: eip %#x cs %#x ss %#x eflags %#x: signal %d",
			rt ? "rt" : "old", round, sc->ip, sc->cs, sc->ss, sc->flags, got_sig);
	}
	return ktap_done();
}
