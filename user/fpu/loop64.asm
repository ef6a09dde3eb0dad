; loop64.asm - fpu_loop() for 64-bit programs (see fpu.h for the contract).
;
; unsigned long fpu_loop(const struct fpu_pattern *pat [rdi], struct fxsave_area *ref [rsi],
;                        struct fxsave_area *cur [rdx], unsigned long iters [rcx],
;                        unsigned long spin [r8])
;
; The loop state lives in callee-saved registers because SYSCALL clobbers rcx and r11. Between
; the loads and the final comparison only integer instructions run (FXSAVE writes memory and
; leaves the registers as they are), so any change to the x87/SSE state is the kernel's doing.

BITS 64
DEFAULT REL

%include "portcullis.inc"

section .text
global fpu_loop

; Compare %2 bytes at offset %1 of ref (r13) and cur (r14); jump to .changed if they differ.
%macro SAME 2
	lea     rsi, [r13 + %1]
	lea     rdi, [r14 + %1]
	mov     ecx, %2
	repe    cmpsb
	jne     .changed
%endmacro

fpu_loop:
	SAVE_CALLEE_REGS
	mov     r12, rdi                ; pat
	mov     r13, rsi                ; ref
	mov     r14, rdx                ; cur
	mov     r15, rcx                ; iterations left
	mov     rbp, r8                 ; spin count
	xor     ebx, ebx                ; iterations done

	; Load the pattern. FNINIT empties the x87 stack; each FLD pushes, so loading st[7]
	; first leaves st[0] in ST0.
	fninit
	fldcw   [r12 + PAT_FCW]
%assign i 7
%rep 8
	fld     tword [r12 + PAT_ST + 16*i]
%assign i i-1
%endrep
%assign i 0
%rep FPU_NXMM
	movdqa  xmm %+ i, [r12 + PAT_XMM + 16*i]
%assign i i+1
%endrep
	ldmxcsr [r12 + PAT_MXCSR]
	fxsave  [r13]                   ; the reference image

.iteration:
	test    r15, r15
	jz      .done
	inc     rbx

	mov     eax, NR_sched_yield     ; offer the CPU to the other copies
	syscall
	mov     eax, NR_getpid          ; a plain kernel round trip
	syscall
	mov     rcx, rbp                ; and a busy spin for the timer to land in
	test    rcx, rcx
	jz      .check
.spin:
	pause
	dec     rcx
	jnz     .spin

.check:
	fxsave  [r14]
	SAME    FX_FCW, 5               ; FCW, FSW, FTW
	SAME    FX_MXCSR, 4
%assign i 0
%rep 8
	SAME    FX_ST0 + 16*i, 10       ; 80 significant bits of each ST register
%assign i i+1
%endrep
	SAME    FX_XMM0, 16*FPU_NXMM
	dec     r15
	jmp     .iteration

.done:
	xor     ebx, ebx                ; success
.changed:
	mov     rax, rbx                ; 0, or the iteration that found a change
	; Back to the state the C ABI expects: empty x87 stack, default control words.
	fninit
	mov     dword [rsp - 4], DEFAULT_MXCSR
	ldmxcsr [rsp - 4]               ; (the red zone below rsp is ours)
	cld
	RESTORE_CALLEE_REGS
	ret

section .note.GNU-stack noalloc noexec nowrite progbits
