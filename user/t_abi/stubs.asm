; stubs.asm - register-level probes for t_abi.
;
; Each stub loads every general-purpose register and the flags from an input block, executes one
; kernel entry instruction, and stores every register and the flags, as the instruction left
; them, to an output block. The C side (t_abi.c) fills the input with distinct patterns and
; compares. Input and output are globals so that no register is needed to address them: the
; 64-bit stubs use RIP-relative addressing, the 32-bit ones absolute 32-bit addresses (fine, the
; program is a static image below 4 GiB).
;
; Register blocks are in encoding order: rax rcx rdx rbx rsp rbp rsi rdi r8..r15, then flags.

BITS 64
DEFAULT REL

%include "portcullis.inc"

section .bss
alignb 16
global abi_in64, abi_out64, abi_rsp64, abi_rip64
abi_in64:       resb R64_SIZE       ; values to load
abi_out64:      resb R64_SIZE       ; values found after the entry instruction
abi_rsp64:      resq 1              ; rsp at the entry instruction
abi_rip64:      resq 1              ; address of the instruction after it

global abi_in32, abi_out32, abi_esp32, abi_vsyscall32
abi_in32:       resb R32_SIZE
abi_out32:      resb R32_SIZE
abi_esp32:      resd 1              ; esp at the entry instruction
abi_vsyscall32: resd 1              ; __kernel_vsyscall for the vDSO stub

section .text

; ---- 64-bit ------------------------------------------------------------------------------------
;
; ABI_STUB64 name, instruction: void name(void)
%macro ABI_STUB64 2
global %1
%1:
	SAVE_CALLEE_REGS
	mov     [abi_rsp64], rsp
	lea     rax, [%%after]
	mov     [abi_rip64], rax

	push    qword [abi_in64 + R64_FLAGS]
	popfq                           ; from here on only MOVs, which leave the flags alone
	mov     rcx, [abi_in64 + 1*8]
	mov     rdx, [abi_in64 + 2*8]
	mov     rbx, [abi_in64 + 3*8]
	mov     rbp, [abi_in64 + 5*8]
	mov     rsi, [abi_in64 + 6*8]
	mov     rdi, [abi_in64 + 7*8]
	mov     r8,  [abi_in64 + 8*8]
	mov     r9,  [abi_in64 + 9*8]
	mov     r10, [abi_in64 + 10*8]
	mov     r11, [abi_in64 + 11*8]
	mov     r12, [abi_in64 + 12*8]
	mov     r13, [abi_in64 + 13*8]
	mov     r14, [abi_in64 + 14*8]
	mov     r15, [abi_in64 + 15*8]
	mov     rax, [abi_in64 + 0*8]   ; the syscall number

	%2
%%after:
	mov     [abi_out64 + 0*8], rax
	mov     [abi_out64 + 1*8], rcx
	mov     [abi_out64 + 2*8], rdx
	mov     [abi_out64 + 3*8], rbx
	mov     [abi_out64 + 4*8], rsp
	mov     [abi_out64 + 5*8], rbp
	mov     [abi_out64 + 6*8], rsi
	mov     [abi_out64 + 7*8], rdi
	mov     [abi_out64 + 8*8], r8
	mov     [abi_out64 + 9*8], r9
	mov     [abi_out64 + 10*8], r10
	mov     [abi_out64 + 11*8], r11
	mov     [abi_out64 + 12*8], r12
	mov     [abi_out64 + 13*8], r13
	mov     [abi_out64 + 14*8], r14
	mov     [abi_out64 + 15*8], r15
	pushfq
	pop     qword [abi_out64 + R64_FLAGS]
	cld                             ; DF may be set by the test pattern

	RESTORE_CALLEE_REGS
	ret
%endmacro

ABI_STUB64 abi_syscall64, syscall
ABI_STUB64 abi_int80_64, int 0x80

; ---- 32-bit (compatibility mode) ----------------------------------------------------------------
;
; Run through compat_call() (lib/compat64.asm); edx = __kernel_vsyscall for the vDSO stub.
; ABI_STUB32 name, instruction
%macro ABI_STUB32 2
global %1
%1:
	mov     [abi_vsyscall32], edx
	mov     [abi_esp32], esp

	push    dword [abi_in32 + R32_FLAGS]
	popfd
	mov     ecx, [abi_in32 + 1*4]
	mov     edx, [abi_in32 + 2*4]
	mov     ebx, [abi_in32 + 3*4]
	mov     ebp, [abi_in32 + 5*4]
	mov     esi, [abi_in32 + 6*4]
	mov     edi, [abi_in32 + 7*4]
	mov     eax, [abi_in32 + 0*4]

	%2

	mov     [abi_out32 + 0*4], eax
	mov     [abi_out32 + 1*4], ecx
	mov     [abi_out32 + 2*4], edx
	mov     [abi_out32 + 3*4], ebx
	mov     [abi_out32 + 4*4], esp
	mov     [abi_out32 + 5*4], ebp
	mov     [abi_out32 + 6*4], esi
	mov     [abi_out32 + 7*4], edi
	pushfd
	pop     dword [abi_out32 + R32_FLAGS]
	cld
	retf                            ; 32-bit far return to USER_CS: back to 64-bit mode
%endmacro

BITS 32
ABI_STUB32 abi_int80_32, int 0x80
ABI_STUB32 abi_vdso_32, call [abi_vsyscall32]

; A stand-in for __kernel_vsyscall for `t_abi -f`: the same contract as the real one (eax and
; ebx..ebp in, everything but eax preserved) implemented with INT 0x80, so that the vDSO half of
; the test harness can be exercised on Linux, which maps no 32-bit vDSO into 64-bit processes.
global abi_fake_vsyscall32
abi_fake_vsyscall32:
	int     0x80
	ret

section .note.GNU-stack noalloc noexec nowrite progbits
