/* The 32-bit vDSO page (kernel/vdso/vdso32.asm, kernel/vdso/vdso.c). */
#ifndef PORTCULLIS_VDSO_H
#define PORTCULLIS_VDSO_H

#include "types.h"

extern phys_addr_t vdso_page_phys;
extern u64 vdso_landing_pad;       /* user address the fast 32-bit entries return to */

/* The default ia32 restorers (Linux's __kernel_sigreturn, __kernel_rt_sigreturn). */
#define VDSO32_SIGRETURN_OFFSET   0x40
#define VDSO32_SIGRETURN          (VDSO32_BASE + VDSO32_SIGRETURN_OFFSET)
#define VDSO32_RT_SIGRETURN       (VDSO32_BASE + VDSO32_SIGRETURN_OFFSET + 8)
void vdso_init(void);

#endif
