/*
 * portcullis.h - Portcullis-specific facts a ring-3 program may rely on.
 *
 * Portcullis uses Linux's GDT layout, so the selectors below are also right on Linux. The one
 * address that exists only on Portcullis is VDSO32_BASE: the kernel maps its 32-bit vDSO page at
 * that fixed address in every process, 64-bit ones included, with __kernel_vsyscall at offset 0.
 * Linux maps no 32-bit vDSO into 64-bit processes, so code that calls VDSO32_BASE must only run on
 * Portcullis (init does; t_abi does with -p). 32-bit programs find __kernel_vsyscall through
 * AT_SYSINFO instead, which works on both kernels.
 *
 * The address comes from the kernel's own layout header, kernel/include/memlayout.h (pure
 * #defines). It is included by a path relative to this file rather than by adding kernel/include
 * to the include path, so that kernel headers such as time.h or errno.h never shadow anything.
 */
#ifndef USER_PORTCULLIS_H
#define USER_PORTCULLIS_H

#if defined(__has_include)
# if __has_include("../../kernel/include/memlayout.h")
#  include "../../kernel/include/memlayout.h"
# endif
#endif

#ifndef VDSO32_BASE
#define VDSO32_BASE         0xffffc000UL    /* fallback, must match kernel/include/memlayout.h */
#endif

#ifndef KERNEL_HALF_BASE
#define KERNEL_HALF_BASE    0xffff800000000000UL
#endif

/* GDT selectors, as on Linux (also in portcullis.inc for NASM). */
#define USER32_CS   0x23    /* 32-bit compatibility-mode code, RPL 3 */
#define USER_DS     0x2b    /* data/stack, RPL 3 */
#define USER_CS     0x33    /* 64-bit code, RPL 3 */

#endif
