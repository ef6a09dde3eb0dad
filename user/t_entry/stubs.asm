; stubs.asm - fault round trips for t_entry (Portcullis with CONFIG_KTEST only).
;
; Each stub arms the kernel's "resume after the next fatal fault" (a private system call of
; CONFIG_KTEST kernels, kernel/include/ktest_abi.h), loads every general register and the flags
; from entry_in, executes one faulting instruction, and, resumed by the kernel at the label after
; it, stores every register and the flags to entry_out. The C side compares: a round trip through
; an exception must give back exactly the registers the program had.

BITS 64
DEFAULT REL

%include "portcullis.inc"

section .bss
alignb 16
global entry_in, entry_out, entry_rsp
entry_in:         resq 17          ; rax rcx rdx rbx rsp(unused) rbp rsi rdi r8..r15, rflags
entry_out:        resq 17
entry_rsp:        resq 1           ; rsp at the faulting instruction
zero:             resq 1           ; the #DE divisor
spin_count:       resq 1           ; entry_spin's iterations

section .text

; LOAD_PATTERN_REGS: every general register from entry_in but RAX, RCX and RSP (which each stub
; loads at its own moment).
%macro LOAD_PATTERN_REGS 0
	mov	rdx, [entry_in + 2*8]
	mov	rbx, [entry_in + 3*8]
	mov	rbp, [entry_in + 5*8]
	mov	rsi, [entry_in + 6*8]
	mov	rdi, [entry_in + 7*8]
	mov	r8,  [entry_in + 8*8]
	mov	r9,  [entry_in + 9*8]
	mov	r10, [entry_in + 10*8]
	mov	r11, [entry_in + 11*8]
	mov	r12, [entry_in + 12*8]
	mov	r13, [entry_in + 13*8]
	mov	r14, [entry_in + 14*8]
	mov	r15, [entry_in + 15*8]
%endmacro

; FAULT_STUB name, instruction [, instruction ...] (up to four; brace one that has a comma)
%macro FAULT_STUB 2-5
global %1
%1:
	SAVE_CALLEE_REGS
	mov	eax, KTEST_SYSCALL_BASE + KTEST_SYS_FAULT_RESUME
	lea	rdi, [%%resume]
	syscall
	mov	[entry_rsp], rsp
	push	qword [entry_in + 16*8]
	popfq
	mov	rcx, [entry_in + 1*8]
	LOAD_PATTERN_REGS
	mov	rax, [entry_in + 0*8]
	%2
%if %0 >= 3
	%3
%endif
%if %0 >= 4
	%4
%endif
%if %0 >= 5
	%5
%endif
%%resume:
	jmp	entry_store_common              ; (a JMP changes no register and no flag)
%endmacro

FAULT_STUB entry_ud,    ud2                                   ; #UD
FAULT_STUB entry_gp,    hlt                                   ; #GP(0): privileged instruction
FAULT_STUB entry_bp,    int3                                  ; #BP (a trap)
FAULT_STUB entry_icebp, db 0xf1                               ; #DB from ICEBP (INT1)
FAULT_STUB entry_de,    {div qword [zero]}                    ; #DE
FAULT_STUB entry_pf,    {mov r8, [abs 0x1000]}                ; #PF, not present (NULL page)
FAULT_STUB entry_probe, {mov r8, [rbx]}                    ; #PF on the address in rbx
FAULT_STUB entry_tf,    pushfq, {or qword [rsp], 0x100}, popfq, nop   ; #DB single step

; entry_spin: load the patterns, spin about rcx iterations (timer interrupts arrive in ring 3),
; store the registers. No fault, no system call.
global entry_spin
entry_spin:
	SAVE_CALLEE_REGS
	mov	[entry_rsp], rsp
	mov	[spin_count], rdi               ; iterations
	LOAD_PATTERN_REGS
	mov	rcx, [spin_count]
.loop:
	dec	rcx
	jnz	.loop
	mov	rcx, [entry_in + 1*8]
	mov	rax, [entry_in + 0*8]
	jmp	entry_store_common

; entry_store_common: store every register and the flags to entry_out, then return from the stub
; (the callee-saved registers the stub pushed are popped here).
entry_store_common:
	mov	[entry_out + 0*8], rax
	mov	[entry_out + 1*8], rcx
	mov	[entry_out + 2*8], rdx
	mov	[entry_out + 3*8], rbx
	mov	[entry_out + 4*8], rsp
	mov	[entry_out + 5*8], rbp
	mov	[entry_out + 6*8], rsi
	mov	[entry_out + 7*8], rdi
	mov	[entry_out + 8*8], r8
	mov	[entry_out + 9*8], r9
	mov	[entry_out + 10*8], r10
	mov	[entry_out + 11*8], r11
	mov	[entry_out + 12*8], r12
	mov	[entry_out + 13*8], r13
	mov	[entry_out + 14*8], r14
	mov	[entry_out + 15*8], r15
	pushfq
	pop	qword [entry_out + 16*8]
	cld                                     ; DF may be set by the test pattern
	RESTORE_CALLEE_REGS
	ret
section .note.GNU-stack noalloc noexec nowrite progbits
