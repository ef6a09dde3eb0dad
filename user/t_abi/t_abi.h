/*
 * t_abi.h - the register blocks t_abi.c shares with stubs.asm (their layout reaches NASM through
 * user/asm-offsets.c), and the stubs' globals.
 */
#ifndef USER_T_ABI_H
#define USER_T_ABI_H

#include <stdint.h>

/* Registers in encoding order. */
enum { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8, R9, R10, R11, R12, R13, R14, R15, NREGS };

struct regs64 {
	uint64_t r[NREGS];
	uint64_t rflags;
};

struct regs32 {
	uint32_t r[8];              /* eax ecx edx ebx esp ebp esi edi */
	uint32_t eflags;
};

extern struct regs64 abi_in64, abi_out64;
extern uint64_t abi_rsp64, abi_rip64;
extern struct regs32 abi_in32, abi_out32;
extern uint32_t abi_esp32;

#endif
