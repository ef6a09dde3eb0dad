; compat64.asm - compat_call(): run 32-bit code from a 64-bit program (see compat.h).
;
; The switch is a far call through a 16:32 pointer whose selector is USER32_CS. With a 32-bit
; operand size the far call pushes the return CS and EIP as 4-byte values, which is exactly the
; frame the 32-bit stub's `retf` pops, and the saved CS is USER_CS, so that far return lands back
; here in 64-bit mode. Everything on the way runs on compat_stack, which lies below 4 GiB.
;
; Data segments: a 64-bit process may run with DS = ES = 0 (Linux starts it that way). A null
; selector is harmless in 64-bit mode but, on Intel CPUs, any memory access through it in
; compatibility mode raises #GP. We load USER_DS for the duration of the call and restore the
; old selectors afterwards.

BITS 64
DEFAULT REL

%include "portcullis.inc"

COMPAT_STACK_SIZE equ 16384

section .text
global compat_call
global compat_regs_after

; uint32_t compat_call(void (*stub32)(void) [rdi], uint32_t a [esi], uint32_t d [edx])
compat_call:
	SAVE_CALLEE_REGS
	mov     [saved_rsp], rsp

	mov     ax, ds
	mov     [saved_ds], ax
	mov     ax, es
	mov     [saved_es], ax
	mov     eax, USER_DS
	mov     ds, eax
	mov     es, eax

	mov     [far_target], edi       ; offset part of the 16:32 pointer (stub is below 4 GiB)
	mov     eax, esi                ; the stub's eax; edx already holds its edx

	; Zero every other register so that whatever the kernel leaves in them is visible in
	; compat_regs_after (and no 64-bit value leaks into the 32-bit code by accident).
	xor     ebx, ebx
	xor     ecx, ecx
	xor     esi, esi
	xor     edi, edi
	xor     ebp, ebp
	xor     r8d, r8d
	xor     r9d, r9d
	xor     r10d, r10d
	xor     r11d, r11d
	xor     r12d, r12d
	xor     r13d, r13d
	xor     r14d, r14d
	xor     r15d, r15d

	lea     rsp, [compat_stack_top]
	call    far dword [far_target]  ; -> USER32_CS:stub32, 32-bit mode

	; Back in 64-bit mode (CS = USER_CS). Record the registers before touching any.
	mov     [compat_regs_after + 0*8], rax
	mov     [compat_regs_after + 1*8], rcx
	mov     [compat_regs_after + 2*8], rdx
	mov     [compat_regs_after + 3*8], rbx
	mov     [compat_regs_after + 4*8], rsp
	mov     [compat_regs_after + 5*8], rbp
	mov     [compat_regs_after + 6*8], rsi
	mov     [compat_regs_after + 7*8], rdi
	mov     [compat_regs_after + 8*8], r8
	mov     [compat_regs_after + 9*8], r9
	mov     [compat_regs_after + 10*8], r10
	mov     [compat_regs_after + 11*8], r11
	mov     [compat_regs_after + 12*8], r12
	mov     [compat_regs_after + 13*8], r13
	mov     [compat_regs_after + 14*8], r14
	mov     [compat_regs_after + 15*8], r15

	mov     rsp, [saved_rsp]
	mov     cx, [saved_ds]
	mov     ds, ecx
	mov     cx, [saved_es]
	mov     es, ecx
	cld                             ; the stub may have left DF set; the C ABI wants it clear

	RESTORE_CALLEE_REGS
	ret                             ; eax = the stub's result

section .data
align 8
far_target:
	dd      0                       ; offset, filled in per call
	dw      USER32_CS               ; selector: 32-bit user code

section .bss
alignb 16
compat_regs_after:
	resq    16
saved_rsp:
	resq    1
saved_ds:
	resw    1
saved_es:
	resw    1
alignb 16
compat_stack:
	resb    COMPAT_STACK_SIZE
compat_stack_top:

section .note.GNU-stack noalloc noexec nowrite progbits
