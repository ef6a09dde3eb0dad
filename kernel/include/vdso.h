/* The 32-bit vDSO page (kernel/vdso/vdso32.asm, kernel/vdso/vdso.c). */
#ifndef PORTCULLIS_VDSO_H
#define PORTCULLIS_VDSO_H

#include "types.h"

extern phys_addr_t vdso_page_phys;
extern u64 vdso_landing_pad;       /* user address the fast 32-bit entries return to */
void vdso_init(void);

#endif
