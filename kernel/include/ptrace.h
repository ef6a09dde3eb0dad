/*
 * struct pt_regs: the register frame every entry point builds on the task's kernel stack.
 * Same order as Linux (lowest address first). The layout is exported to NASM by asm-offsets;
 * the entry macros push in exactly the reverse order of this struct.
 */
#ifndef PORTCULLIS_PTRACE_H
#define PORTCULLIS_PTRACE_H

#include "types.h"

struct pt_regs {
	u64 r15, r14, r13, r12, rbp, rbx;   /* callee-saved: pushed by entry code, restored on exit */
	u64 r11, r10, r9, r8, rax, rcx, rdx, rsi, rdi;
	u64 orig_rax;   /* syscall: the number; exception: the error code (0 if none); IRQ: ~vector */
	/* Hardware frame (IRET layout). */
	u64 rip, cs, rflags, rsp, ss;
};

static inline bool user_mode(const struct pt_regs *r) { return (r->cs & 3) == 3; }

#endif
