/*
 * t_sigreturn.c - rt_sigreturn with a hostile frame must kill only this program.
 *
 *   t_sigreturn SEED
 *
 * Builds a signal frame on its own stack from random values (seeded): a non-canonical or kernel
 * RIP, a random RSP, every RFLAGS bit, random CS/SS selectors, and an FPU image with reserved MXCSR
 * bits or a bad XSAVE header; then calls rt_sigreturn (15) with RSP at the frame, as the restorer
 * would. The kernel may refuse the frame (SIGSEGV), or accept it and then fault on the IRET or in
 * ring 3: whatever happens, the program ends with a signal's status (128 + sig), never the kernel.
 * The kernel's sigreturn_fuzz self-test runs it with many seeds and checks the kernel keeps going.
 */
#include "ulib.h"

static unsigned long long state;
static unsigned long long rnd(void)
{
	state ^= state << 13;
	state ^= state >> 7;
	state ^= state << 17;
	return state;
}

static unsigned char frame[8192] __attribute__((aligned(64)));

int main(int argc, char **argv)
{
	state = 88172645463325252ULL;
	if (argc > 1)
		for (const char *p = argv[1]; *p; p++)
			state = state * 31 + (unsigned char)*p;
	for (int i = 0; i < 8; i++)
		rnd();
	/* struct rt_sigframe: pretcode, then ucontext: flags, link, stack (24), sigcontext (256), mask */
	unsigned long long *f = (unsigned long long *)frame;
	for (unsigned i = 0; i < sizeof(frame) / 8; i++)
		f[i] = rnd();
	unsigned long long *sc = f + 1 + 1 + 1 + 3;     /* pretcode, uc_flags, uc_link, uc_stack */
	static const unsigned long long rips[] = {
		0x8000000000000000ULL, 0x0000800000000000ULL, 0xffffffff80100000ULL, 0x7ffffffff000ULL, 0,
	};
	unsigned kind = rnd() % 6;
	sc[16] = kind < 5 ? rips[kind] : rnd();          /* rip */
	sc[15] = rnd() % 3 ? rnd() : (unsigned long long)(frame + 4096);   /* rsp */
	sc[17] = rnd();                                  /* eflags: everything */
	unsigned short *sel = (unsigned short *)&sc[18];
	sel[0] = rnd() % 2 ? (unsigned short)rnd() : 0x33;   /* cs */
	sel[3] = rnd() % 2 ? (unsigned short)rnd() : 0x2b;   /* ss */
	/* fpstate: this frame's second half, with garbage (reserved MXCSR bits, XSAVE header). */
	sc[23] = rnd() % 4 ? (unsigned long long)(frame + 4096) : rnd();
	f[1] = rnd() & 7;                                /* uc_flags */
	printf("t_sigreturn %s: rip %#llx cs %#x ss %#x\n", argc > 1 ? argv[1] : "-", sc[16], sel[0], sel[3]);
	__asm__ volatile ("mov %0, %%rsp\n\tmov $15, %%eax\n\tsyscall\n\tud2"
			  :: "r"(frame + 8) : "memory");
	return 0;
}
