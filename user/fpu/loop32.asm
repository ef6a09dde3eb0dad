; loop32.asm - fpu_loop() for i386 programs (see fpu.h for the contract).
;
; unsigned long fpu_loop(const struct fpu_pattern *pat, struct fxsave_area *ref,
;                        struct fxsave_area *cur, unsigned long iters, unsigned long spin)
; cdecl: arguments on the stack; ebx, esi, edi, ebp are callee-saved.
;
; Same as loop64.asm with INT 0x80 and XMM0-XMM7. Between the loads and the final comparison
; only integer instructions run, so any change to the x87/SSE state is the kernel's doing.

BITS 32

%include "portcullis.inc"

; Arguments, above the 4 saved registers and the return address.
ARG_PAT         equ 20
ARG_REF         equ 24
ARG_CUR         equ 28
ARG_ITERS       equ 32
ARG_SPIN        equ 36

section .text
global fpu_loop

; Compare %2 bytes at offset %1 of the ref and cur images; jump to .changed if they differ.
%macro SAME 2
	mov     esi, [esp + ARG_REF]
	mov     edi, [esp + ARG_CUR]
	add     esi, %1
	add     edi, %1
	mov     ecx, %2
	repe    cmpsb
	jne     .changed
%endmacro

fpu_loop:
	SAVE_CALLEE_REGS
	mov     ebp, [esp + ARG_ITERS]  ; iterations left
	mov     edx, [esp + ARG_PAT]

	fninit
	fldcw   [edx + PAT_FCW]
%assign i 7
%rep 8
	fld     tword [edx + PAT_ST + 16*i]
%assign i i-1
%endrep
%assign i 0
%rep FPU_NXMM
	movdqa  xmm %+ i, [edx + PAT_XMM + 16*i]
%assign i i+1
%endrep
	ldmxcsr [edx + PAT_MXCSR]
	mov     eax, [esp + ARG_REF]
	fxsave  [eax]                   ; the reference image
	xor     ebx, ebx                ; iterations done

.iteration:
	test    ebp, ebp
	jz      .done
	inc     ebx

	mov     eax, NR32_sched_yield
	int     0x80
	mov     eax, NR32_getpid
	int     0x80
	mov     ecx, [esp + ARG_SPIN]
	test    ecx, ecx
	jz      .check
.spin:
	pause
	dec     ecx
	jnz     .spin

.check:
	mov     eax, [esp + ARG_CUR]
	fxsave  [eax]
	SAME    FX_FCW, 5               ; FCW, FSW, FTW
	SAME    FX_MXCSR, 4
%assign i 0
%rep 8
	SAME    FX_ST0 + 16*i, 10
%assign i i+1
%endrep
	SAME    FX_XMM0, 16*FPU_NXMM
	dec     ebp
	jmp     .iteration

.done:
	xor     ebx, ebx
.changed:
	mov     eax, ebx
	fninit
	push    DEFAULT_MXCSR
	ldmxcsr [esp]
	add     esp, 4
	cld
	RESTORE_CALLEE_REGS
	ret

section .note.GNU-stack noalloc noexec nowrite progbits
