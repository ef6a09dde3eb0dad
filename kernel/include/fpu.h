/*
 * SIMD in the kernel (kernel/arch/x86_64/fpu.c, kernel/lib/simd.asm).
 *
 * The kernel is built -mgeneral-regs-only: C code never touches the FPU/SSE/AVX registers. Code
 * that wants them (written in NASM) brackets its use:
 *
 *	if (kernel_fpu_usable()) {
 *		kernel_fpu_begin();
 *		simd_xor(dst, src, len);
 *		kernel_fpu_end();
 *	} else {
 *		... a general-register fallback ...
 *	}
 *
 * Allowed in task context and in interrupt handlers (whatever they interrupted), not in NMI/#DB/
 * #MC/#DF handlers, not nested, and without sleeping in between. The user state of the running
 * task is saved by kernel_fpu_begin and reloaded on the way back to ring 3 (see fpu.c); between
 * begin and end the registers are the kernel's, with MXCSR 0x1f80 and FCW 0x37f at the start.
 * Per-task state and its lazy restore: task.h (fpu_*).
 */
#ifndef PORTCULLIS_FPU_H
#define PORTCULLIS_FPU_H

#include "types.h"

bool kernel_fpu_usable(void);
void kernel_fpu_begin(void);
void kernel_fpu_end(void);

/* What kernel SIMD code may use on this CPU (XCR0): SSE2 and x87 always, and these. */
#define KSIMD_AVX    BIT(0)       /* YMM0-15 */
#define KSIMD_AVX512 BIT(1)       /* ZMM0-31, k0-k7 */
unsigned kernel_simd_features(void);

/*
 * kernel/lib/simd.asm; only between kernel_fpu_begin() and kernel_fpu_end().
 *
 * simd_xor: dst[i] ^= src[i] for len bytes, 16 at a time with SSE2 (any alignment).
 * simd_clobber: overwrite every register the features allow with values derived from seed: x87
 *   ST0-7 (a full stack), FCW and MXCSR (round toward zero, FTZ/DAZ; exceptions stay masked),
 *   XMM0-15, and with KSIMD_AVX the YMM upper halves, with KSIMD_AVX512 ZMM0-31 and k0-k7. For
 *   self-tests: whatever the kernel SIMD code may do, the user state must survive it.
 */
void simd_xor(void *dst, const void *src, u64 len);
void simd_clobber(unsigned features, u64 seed);

#endif
