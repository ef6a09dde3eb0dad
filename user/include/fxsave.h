/*
 * fxsave.h - the FXSAVE image, as the ring-3 FPU tests read it (Intel SDM vol. 1, table 10-2),
 * and the default MXCSR. Shared by fpu and fpustress, in C and (through user/asm-offsets.c) NASM.
 */
#ifndef USER_FXSAVE_H
#define USER_FXSAVE_H

#define FX_FCW      0
#define FX_FSW      2
#define FX_FTW      4               /* abridged tag word, 1 byte */
#define FX_MXCSR    24
#define FX_ST(i)    (32 + 16 * (i)) /* 10 significant bytes each */
#define FX_XMM(i)   (160 + 16 * (i))

#define DEFAULT_MXCSR 0x1f80        /* all exceptions masked, round to nearest */

#endif
