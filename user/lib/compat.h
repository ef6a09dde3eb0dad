/*
 * compat.h - run a piece of 32-bit code from a 64-bit program (lib/compat64.asm).
 *
 * x86-64 lets a 64-bit process switch the CPU to 32-bit compatibility mode simply by loading the
 * 32-bit code selector USER32_CS (0x23) into CS with a far jump, call or return; a far return to
 * USER_CS (0x33) switches back. Both kernels allow it: Linux and Portcullis use the same GDT.
 * In compatibility mode the CPU uses only the low 32 bits of rip and rsp, so the code must lie
 * below 4 GiB (true for our ET_EXEC images at 0x400000) and compat_call() moves onto a static
 * stack in .bss before switching.
 *
 * The stub is NASM code assembled under `BITS 32` (in a 64-bit object file). It starts with
 * eax and edx as passed, may clobber every register except esp, leaves its result in eax and must
 * end with a 32-bit far return (`retf`). Memory references in it must use 32-bit addresses.
 */
#ifndef USER_COMPAT_H
#define USER_COMPAT_H

#include <stdint.h>

/* The 16 general-purpose registers, in encoding order. */
struct compat_regs {
	uint64_t rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
};

/*
 * All 64-bit registers as they were the instant the stub's far return landed back in 64-bit
 * mode. compat_call() zeroes every register except eax and edx before it switches, so anything
 * non-zero here (beyond what the stub wrote) came from the kernel.
 */
extern struct compat_regs compat_regs_after;

/* Run stub32 in compatibility mode with eax = a, edx = d; returns the stub's eax. Not reentrant. */
uint32_t compat_call(void (*stub32)(void), uint32_t a, uint32_t d);

#endif
