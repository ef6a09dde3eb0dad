; regs64.asm - fs_step() and the signal handler for 64-bit programs (see fpustress.h).
;
; void fs_step(const struct fs_regs *pat [rdi], struct fs_regs *ref [rsi],
;              struct fs_regs *cur [rdx], struct fs_op *op [rcx])
;
; Between FS_LOAD and the last FS_STORE only integer instructions and system calls run; the state
; lives in callee-saved registers because SYSCALL clobbers RCX and R11.

BITS 64
DEFAULT REL

%include "fpustress.inc"

section .text
global fs_step, fs_handler, fs_restorer_rt, fs_restorer_old

fs_step:
	SAVE_CALLEE_REGS
	mov	r12, rdi                ; pat
	mov	r13, rsi                ; ref
	mov	r14, rdx                ; cur
	mov	r15, rcx                ; op
	mov	ebp, [r15 + OPF_LEVEL]
	FS_LOAD	r12, 16, ebp
	FS_STORE r13, 16, ebp

	mov	eax, [r15 + OPF_KIND]
	cmp	eax, OP_YIELD
	je	.yield
	cmp	eax, OP_GETPID
	je	.getpid
	cmp	eax, OP_INT80
	je	.int80
	cmp	eax, OP_KILL
	je	.kill
	cmp	eax, OP_KILL80
	je	.kill80
	cmp	eax, OP_KSPIN
	je	.kspin
	cmp	eax, OP_KSPIN80
	je	.kspin80
	cmp	eax, OP_KTASK
	je	.ktask
	cmp	eax, OP_USPIN
	je	.uspin
	cmp	eax, OP_SLEEP
	je	.sleep
	xor	eax, eax                ; OP_SPIN, or one this ABI does not have
	jmp	.result

.yield:
	mov	eax, NR_sched_yield
	syscall
	jmp	.result
.getpid:
	mov	eax, NR_getpid
	syscall
	jmp	.result
.int80:
	mov	eax, NR32_getpid
	int	0x80
	jmp	.result
.kill:
	mov	rdi, [r15 + OPF_PID]
	mov	esi, SIGUSR1
	mov	eax, NR_kill
	syscall
	jmp	.result
.kill80:
	mov	ebx, [r15 + OPF_PID]
	mov	ecx, SIGUSR2
	mov	eax, NR32_kill
	int	0x80
	movsxd	rax, eax
	jmp	.result
.kspin:
	mov	rdi, [r15 + OPF_ARG]
	mov	eax, KTEST_SYSCALL_BASE + KTEST_SYS_KFPU_SPIN
	syscall
	jmp	.result
.kspin80:
	mov	ebx, [r15 + OPF_ARG]
	mov	eax, KTEST_SYSCALL_BASE + KTEST_SYS_KFPU_SPIN
	int	0x80
	movsxd	rax, eax
	jmp	.result
.ktask:
	mov	eax, KTEST_SYSCALL_BASE + KTEST_SYS_KFPU_TASK
	syscall
	jmp	.result
.uspin:
	; Spin in ring 3 until the kernel's interrupt hook ran arg more times in our ring 3.
	mov	eax, KTEST_SYSCALL_BASE + KTEST_SYS_KFPU_HITS
	syscall
	mov	rbx, rax                ; the count at the start
	mov	r12d, USPIN_ROUNDS
.us_round:
	mov	ecx, 2000
.us_pause:
	pause
	dec	ecx
	jnz	.us_pause
	mov	eax, KTEST_SYSCALL_BASE + KTEST_SYS_KFPU_HITS
	syscall
	sub	rax, rbx
	cmp	rax, [r15 + OPF_ARG]
	jge	.result
	dec	r12d
	jnz	.us_round
	jmp	.result
.sleep:
	lea	rdi, [fs_ts]
	xor	esi, esi
	mov	eax, NR_nanosleep
	syscall

.result:
	mov	[r15 + OPF_RESULT], rax
	mov	rcx, [r15 + OPF_SPIN]   ; timer interrupts (and the kernel's hook) land in here
	test	rcx, rcx
	jz	.store
.spin:
	pause
	dec	rcx
	jnz	.spin
.store:
	FS_STORE r14, 16, ebp
	; Back to what compiled C expects.
	fninit
	mov	dword [rsp - 4], DEFAULT_MXCSR
	ldmxcsr	[rsp - 4]               ; (the red zone below rsp is ours)
	test	ebp, LV_AVX
	jz	.out
	vzeroupper
.out:
	cld
	RESTORE_CALLEE_REGS
	ret

; The handler: any frame, any of its arguments ignored. Only vector registers and fs_hrec change.
fs_handler:
	inc	dword [fs_hrec + H_COUNT]
	stmxcsr	[fs_hrec + H_MXCSR]
	fnstcw	[fs_hrec + H_FCW]
	movdqu	[fs_hrec + H_XMM0], xmm0
	movdqu	[fs_hrec + H_XLAST], xmm15
	mov	eax, [fs_level]
	test	eax, LV_AVX
	jz	.clobber
	vextractf128 [fs_hrec + H_YMM0H], ymm0, 1
.clobber:
	FS_CLOBBER 16, eax
	ret

fs_restorer_rt:
	mov	eax, NR_rt_sigreturn
	syscall
	ud2

fs_restorer_old:                        ; (64-bit programs have only rt frames)
	ud2

section .data
global fs_level, fs_hrec
align 16
fs_level:	dd 0
align 16
fs_hrec:	times 64 db 0
fs_ts:		dq 0, 2000000          ; 2 ms
fs_odd_fcw:	dw 0x0c7f              ; round toward zero, single precision
align 4
fs_odd_mxcsr:	dd 0x7f80              ; round toward zero
fs_odd_float:	dd 0x5a5a5a5a

section .note.GNU-stack noalloc noexec nowrite progbits
