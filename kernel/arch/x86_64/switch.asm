; switch.asm - kernel context switch and the first return of a new task.

%include "generated/asm-offsets.inc"

bits 64
default rel
section .text

extern ret_from_fork_c, return_to_user_iret, exit_to_user_mode

; switch_to(prev = RDI, next = RSI)
;   Saves the callee-saved registers of prev on its kernel stack, stores its RSP in prev->ksp, and
;   resumes next from next->ksp with SS = KERNEL_DS. Called with IRQs off; returns (in next's
;   context) with IRQs off. Clobbers the caller-saved registers, as any call.
global switch_to
switch_to:
	push	rbp
	push	rbx
	push	r12
	push	r13
	push	r14
	push	r15
	mov	[rdi + TASK_RSP], rsp
	mov	rsp, [rsi + TASK_RSP]

	; SS must hold a real descriptor before next can leave through SYSRET. An interrupt or
	; exception from ring 3 loads a null SS (every privilege change in long mode does), and prev
	; may have entered that way; SYSRET writes SS's selector but, on AMD CPUs (and in Bochs on
	; every model), keeps its hidden attributes, so next's ring 3 would get a null SS's B = 0
	; under USER_DS: harmless in 64-bit code, a 16-bit stack (or #SS) in compatibility mode
	; (t_sysret_ss). Intel's SYSRET sets fixed attributes; the load costs a few cycles per switch
	; and only when SS is not KERNEL_DS already, so it is done on every CPU.
	mov	eax, ss
	cmp	eax, KERNEL_DS
	je	.ss_ok
	mov	eax, KERNEL_DS
	mov	ss, eax
.ss_ok:
	pop	r15
	pop	r14
	pop	r13
	pop	r12
	pop	rbx
	pop	rbp
	ret

; ret_from_fork: where a new task's first switch_to returns.
;   RBX = kernel-thread function (0 for a user task), R12 = its argument. For a user task RSP points
;   at the pt_regs prepared by exec, and the task leaves through the common return to ring 3.
global ret_from_fork
ret_from_fork:
	call	ret_from_fork_c                 ; finish the switch (IRQs on)
	test	rbx, rbx
	jz	.user
	mov	rdi, r12
	call	rbx
	ud2                                     ; kernel threads end with task_exit()
.user:
	cli
	mov	rdi, rsp
	call	exit_to_user_mode               ; pending work first (signals, FPU load), IRQs off
	jmp	return_to_user_iret
