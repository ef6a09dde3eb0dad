/*
 * fpu.h - interface between fpu.c and the register loops in loop64.asm / loop32.asm. The
 * layouts and numbers reach NASM through user/asm-offsets.c.
 */
#ifndef USER_FPU_H
#define USER_FPU_H

#include <stdint.h>

#include "fxsave.h"

#ifdef __x86_64__
#define FPU_NXMM    16
#else
#define FPU_NXMM    8
#endif

/* What fpu_loop() loads (its offsets reach NASM through user/asm-offsets.c). */
struct fpu_pattern {
	uint8_t  st[8][16];             /* 80-bit x87 values, in 16-byte slots; st[0] ends up in ST0 */
	uint8_t  xmm[16][16];           /* xmm0..xmm15 (i386 uses the first 8) */
	uint32_t mxcsr;                 /* offset 384 */
	uint16_t fcw;                   /* offset 388: x87 control word */
} __attribute__((aligned(16)));

/* An FXSAVE image: 512 bytes, 16-byte aligned. */
struct fxsave_area {
	uint8_t bytes[512];
} __attribute__((aligned(16)));


/*
 * Load the pattern into the x87 stack, the XMM registers, FCW and MXCSR; FXSAVE that state to
 * `ref`; then `iters` times: sched_yield, getpid, spin `spin` rounds, FXSAVE to `cur` and compare
 * with `ref`. Returns 0 if the state never changed, else the (1-based) iteration at which it did,
 * with `cur` holding the changed state. Resets the FPU to its default state before returning.
 */
unsigned long fpu_loop(const struct fpu_pattern *pat, struct fxsave_area *ref,
		       struct fxsave_area *cur, unsigned long iters, unsigned long spin);

#endif
