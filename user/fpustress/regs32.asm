; regs32.asm - fs_step() and the signal handlers' code for i386 programs (see fpustress.h).
;
; void fs_step(const struct fs_regs *pat, struct fs_regs *ref, struct fs_regs *cur,
;              struct fs_op *op)                       cdecl; ebx, esi, edi, ebp callee-saved
;
; As regs64.asm with XMM/YMM/ZMM0-7 and the i386 entries: INT 0x80 and __kernel_vsyscall (SYSENTER
; on Intel, SYSCALL on AMD). EDI holds op and EBP the level throughout: both entries preserve every
; register but EAX.

BITS 32

%include "fpustress.inc"

ARG_PAT         equ 20              ; above the 4 saved registers and the return address
ARG_REF         equ 24
ARG_CUR         equ 28
ARG_OP          equ 32

section .text
global fs_step, fs_handler, fs_restorer_rt, fs_restorer_old

fs_step:
	SAVE_CALLEE_REGS
	mov	edi, [esp + ARG_OP]
	mov	ebp, [edi + OPF_LEVEL]
	mov	esi, [esp + ARG_PAT]
	FS_LOAD	esi, 8, ebp
	mov	esi, [esp + ARG_REF]
	FS_STORE esi, 8, ebp

	mov	eax, [edi + OPF_KIND]
	cmp	eax, OP_YIELD
	je	.yield
	cmp	eax, OP_GETPID
	je	.getpid
	cmp	eax, OP_VSYS
	je	.vsys
	cmp	eax, OP_KILL
	je	.kill
	cmp	eax, OP_KILLV
	je	.killv
	cmp	eax, OP_KSPIN80
	je	.kspin80
	cmp	eax, OP_KSPINV
	je	.kspinv
	cmp	eax, OP_KTASK
	je	.ktask
	cmp	eax, OP_USPIN
	je	.uspin
	cmp	eax, OP_SLEEP
	je	.sleep
	xor	eax, eax                ; OP_SPIN, or one this ABI does not have
	jmp	.result

.yield:
	mov	eax, NR32_sched_yield
	int	0x80
	jmp	.result
.getpid:
	mov	eax, NR32_getpid
	int	0x80
	jmp	.result
.vsys:
	mov	eax, NR32_getpid
	call	[edi + OPF_VSYS]
	jmp	.result
.kill:
	mov	ebx, [edi + OPF_PID]
	mov	ecx, SIGUSR1
	mov	eax, NR32_kill
	int	0x80
	jmp	.result
.killv:
	mov	ebx, [edi + OPF_PID]
	mov	ecx, SIGUSR2
	mov	eax, NR32_kill
	call	[edi + OPF_VSYS]
	jmp	.result
.kspin80:
	mov	ebx, [edi + OPF_ARG]
	mov	eax, KTEST_SYSCALL_BASE + KTEST_SYS_KFPU_SPIN
	int	0x80
	jmp	.result
.kspinv:
	mov	ebx, [edi + OPF_ARG]
	mov	eax, KTEST_SYSCALL_BASE + KTEST_SYS_KFPU_SPIN
	call	[edi + OPF_VSYS]
	jmp	.result
.ktask:
	mov	eax, KTEST_SYSCALL_BASE + KTEST_SYS_KFPU_TASK
	int	0x80
	jmp	.result
.uspin:
	; Spin in ring 3 until the kernel's interrupt hook ran arg more times in our ring 3.
	mov	eax, KTEST_SYSCALL_BASE + KTEST_SYS_KFPU_HITS
	int	0x80
	mov	esi, eax                ; the count at the start
	mov	ebx, USPIN_ROUNDS
.us_round:
	mov	ecx, 2000
.us_pause:
	pause
	dec	ecx
	jnz	.us_pause
	mov	eax, KTEST_SYSCALL_BASE + KTEST_SYS_KFPU_HITS
	int	0x80
	sub	eax, esi
	cmp	eax, [edi + OPF_ARG]
	jge	.result
	dec	ebx
	jnz	.us_round
	jmp	.result
.sleep:
	mov	ebx, fs_ts
	xor	ecx, ecx
	mov	eax, NR32_nanosleep
	int	0x80

.result:
	cdq
	mov	[edi + OPF_RESULT], eax
	mov	[edi + OPF_RESULT + 4], edx
	mov	ecx, [edi + OPF_SPIN]   ; timer interrupts (and the kernel's hook) land in here
	test	ecx, ecx
	jz	.store
.spin:
	pause
	dec	ecx
	jnz	.spin
.store:
	mov	esi, [esp + ARG_CUR]
	FS_STORE esi, 8, ebp
	; Back to what compiled C expects.
	fninit
	push	DEFAULT_MXCSR
	ldmxcsr	[esp]
	add	esp, 4
	test	ebp, LV_AVX
	jz	.out
	vzeroupper
.out:
	cld
	RESTORE_CALLEE_REGS
	ret

; The handler (rt or old frame): records what it found, then clobbers; cdecl, arguments ignored.
fs_handler:
	inc	dword [fs_hrec + H_COUNT]
	stmxcsr	[fs_hrec + H_MXCSR]
	fnstcw	[fs_hrec + H_FCW]
	movdqu	[fs_hrec + H_XMM0], xmm0
	movdqu	[fs_hrec + H_XLAST], xmm7
	mov	eax, [fs_level]
	test	eax, LV_AVX
	jz	.clobber
	vextractf128 [fs_hrec + H_YMM0H], ymm0, 1
.clobber:
	FS_CLOBBER 8, eax
	ret

fs_restorer_rt:                         ; ESP at the rt frame's sig argument
	mov	eax, NR32_rt_sigreturn
	int	0x80
	ud2

fs_restorer_old:                        ; as the vDSO's __kernel_sigreturn: pop sig first
	pop	eax
	mov	eax, NR32_sigreturn
	int	0x80
	ud2

section .data
global fs_level, fs_hrec
align 16
fs_level:	dd 0
align 16
fs_hrec:	times 64 db 0
fs_ts:		dd 0, 2000000          ; 2 ms (old_timespec32)
fs_odd_fcw:	dw 0x0c7f              ; round toward zero, single precision
align 4
fs_odd_mxcsr:	dd 0x7f80              ; round toward zero
fs_odd_float:	dd 0x5a5a5a5a

section .note.GNU-stack noalloc noexec nowrite progbits
