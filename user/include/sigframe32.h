/*
 * sigframe32.h - Linux's i386 signal-frame layouts as a 32-bit handler sees them (stack_t,
 * struct sigcontext, struct ucontext), for the ia32 signal tests (t_signal32, t_sigreturn32).
 * Written from Linux's ABI, deliberately not shared with kernel/include/signal.h: the tests check
 * the kernel's layout against this one.
 */
#ifndef USER_SIGFRAME32_H
#define USER_SIGFRAME32_H

#include <stdint.h>

struct stack32 { uint32_t sp; int flags; uint32_t size; };
struct sigcontext32 {
	uint16_t gs, gsh, fs, fsh, es, esh, ds, dsh;
	uint32_t di, si, bp, sp, bx, dx, cx, ax, trapno, err, ip;
	uint16_t cs, csh;
	uint32_t flags, sp_at_signal;
	uint16_t ss, ssh;
	uint32_t fpstate, oldmask, cr2;
};
struct ucontext32 {
	uint32_t flags, link;
	struct stack32 stack;
	struct sigcontext32 mc;
	uint32_t mask[2];
};

#endif
