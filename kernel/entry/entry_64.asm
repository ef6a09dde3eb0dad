; entry_64.asm - every way into and out of the kernel.
;
; All of this file is in .entry.text: page aligned, and the only kernel text the user page tables map.
; Until a path has switched to the kernel CR3 it may touch only the entry area: its own text, the
; per-CPU entry page through %gs (after SWAPGS), the trampoline stack and the IST stacks.
;
; Order (KAISER): on entry SWAPGS, then the CR3 switch; on exit the CR3 switch, then SWAPGS. The
; paranoid paths (NMI, #DB, #MC, #DF) can interrupt any instruction, including the windows between
; those two steps, so they never infer GS or CR3 from the saved CS: they read CR3 and the GS base.
;
; Every path builds struct pt_regs on the current task's kernel stack (paranoid paths: on their IST
; stack) with PUSH_REGS, and C code sees a pointer to it in RDI.

%include "calling.inc"

bits 64
default rel

MSR_GS_BASE equ 0xc0000101
X86_RFLAGS_IF equ 1 << 9
X86_RFLAGS_TF equ 1 << 8
X86_RFLAGS_NT equ 1 << 14
X86_RFLAGS_AC equ 1 << 18
X86_RFLAGS_DF equ 1 << 10
X86_RFLAGS_RF equ 1 << 16

extern do_syscall_64, do_int80, do_fast_syscall_32, do_exception, do_irq, do_paranoid
extern exit_to_user_mode, debug_entry_check_kernel, debug_entry_failed, entry_use_fsgsbase

section .entry.text progbits alloc exec nowrite align=4096

; DEBUG_ENTRY_CHECK_KERNEL name: CONFIG_DEBUG_ENTRY only; C checks CR3 and the GS base, panics with
; the entry point's name. Registers: only after PUSH_REGS (everything caller-saved is in pt_regs).
%macro DEBUG_ENTRY_CHECK_KERNEL 1
%ifdef CONFIG_DEBUG_ENTRY
	[section .rodata]
%%name:	db %1, 0
	__?SECT?__
	lea	rdi, [%%name]
	call	debug_entry_check_kernel
%endif
%endmacro

; DEBUG_EXIT_CHECK_USER name, scratch: CONFIG_DEBUG_ENTRY only; used after SWITCH_TO_USER_CR3 and
; before SWAPGS. Checks that CR3 is the user PML4 (when PTI is active) and that the live GS base is
; still this CPU's entry page (so the SWAPGS that follows installs the user's). scratch is free.
%macro DEBUG_EXIT_CHECK_USER 2
%ifdef CONFIG_DEBUG_ENTRY
	cmp	qword [gs:EP_PTI_ACTIVE], 0
	je	%%cr3_ok
	mov	%2, cr3
	test	%2, PTI_USER_PGTABLE_MASK
	jz	%%fail
%%cr3_ok:
	mov	%2, [gs:EP_SELF]
	shr	%2, PML4_SHIFT
	cmp	%2, CEA_BASE >> PML4_SHIFT     ; the live GS base is in the entry area
	je	%%ok
%%fail:
	[section .rodata]
%%name:	db %1, 0
	__?SECT?__
	lea	rdi, [%%name]
	jmp	entry_exit_check_failed
%%ok:
%endif
%endmacro

; SYSRET_EXIT name, instruction: the end of both SYSRET exits.
;   In:  RSP = pt_regs->rdi (POP_REGS 1 done: every other register is the user's already, RCX and
;        R11 included), IRQs off, kernel GS and CR3.
;   Out: SYSRET (64-bit or to compat mode, the instruction given) with the user's RSP and RDI.
; Like the entry, the exit has no free register once the user's are back: the user RSP goes to
; the entry page, and RSP itself is the scratch of the CR3 switch.
%macro SYSRET_EXIT 2
	mov	rdi, [rsp + PT_RSP - PT_RDI]
	mov	[gs:EP_SCRATCH_RSP], rdi        ; user RSP
	pop	rdi                             ; user RDI
	SWITCH_TO_USER_CR3 rsp
	; Hazard window: user CR3 with kernel CS and a meaningless RSP (only IST paths can interrupt).
	DEBUG_EXIT_CHECK_USER %1, rsp
	mov	rsp, [gs:EP_SCRATCH_RSP]
	; Hazard window: user CR3 and user RSP in ring 0, kernel GS until the next instruction.
	swapgs
	%2
%endmacro

; ===============================================================================================
; SYSCALL from 64-bit mode.
;   In:  RAX = number, RDI RSI RDX R10 R8 R9 = arguments, RCX = user RIP, R11 = user RFLAGS,
;        RSP = user stack, GS = user's, CR3 = user PML4. IRQs off (SFMASK clears IF, TF, DF, AC, NT).
;   Out: RAX = result; RCX and R11 are defined by SYSRET (RIP, RFLAGS); every other register is the
;        user's own value. IRQs off until SYSRET/IRET restores RFLAGS.
global entry_SYSCALL_64
entry_SYSCALL_64:
	swapgs
	; Hazard window: kernel GS, user CR3, user RSP. Only the entry page is usable.
	mov	[gs:EP_SCRATCH_RSP], rsp
	SWITCH_TO_KERNEL_CR3 rsp
	mov	rsp, [gs:EP_TOP_OF_STACK]
	push	qword USER_DS                   ; pt_regs->ss
	push	qword [gs:EP_SCRATCH_RSP]       ; pt_regs->rsp
	push	r11                             ; pt_regs->rflags
	push	qword USER_CS                   ; pt_regs->cs
	push	rcx                             ; pt_regs->rip
	push	rax                             ; pt_regs->orig_rax
	PUSH_REGS -38                           ; pt_regs->rax = -ENOSYS ... r15
	DEBUG_ENTRY_CHECK_KERNEL "entry_SYSCALL_64"
	mov	rdi, rsp
	call	do_syscall_64                   ; returns with IRQs off
	; SYSRET only when it restores exactly what IRET would (a system call may have changed
	; pt_regs): RCX is the return RIP and R11 the RFLAGS, neither TF nor RF is set (SYSRET cannot
	; restore RF, and TF would trap on the first user instruction), CS and SS are the standard
	; selectors, and RIP is below USER_TOP: canonical, and not in the last page below the hole
	; (Intel's SYSRET raises #GP for a non-canonical RCX in ring 0, on the user's stack).
	; POP_REGS loads RCX and R11 anyway, so the checks use them; RDI is still free.
	POP_REGS 1
	cmp	rcx, [rsp + PT_RIP - PT_RDI]
	jne	.iret
	cmp	r11, [rsp + PT_RFLAGS - PT_RDI]
	jne	.iret
	test	r11d, X86_RFLAGS_TF | X86_RFLAGS_RF
	jnz	.iret
	cmp	qword [rsp + PT_CS - PT_RDI], USER_CS
	jne	.iret
	cmp	qword [rsp + PT_SS - PT_RDI], USER_DS
	jne	.iret
	mov	rdi, USER_TOP
	cmp	rcx, rdi
	jae	.iret
	SYSRET_EXIT "entry_SYSCALL_64 exit", o64 sysret
.iret:
	sub	rsp, PT_RDI                     ; back to the start of pt_regs
	jmp	return_to_user_iret

; ===============================================================================================
; SYSCALL from 32-bit compatibility mode (AMD; Intel raises #UD). Reached via __kernel_vsyscall.
;   In:  EAX = number, EBX EBP(arg 2, ECX is taken by SYSCALL) EDX ESI EDI = arguments, arg 6 at
;        [ESP], ECX = user EIP, R11 = RFLAGS, GS/CR3 user's, IRQs off.
;   Out: EAX = result; returns to the vDSO landing pad (SYSRETL loads EIP from ECX) with every
;        other register the user's, ECX and R11 excepted as on Linux.
global entry_SYSCALL_compat
entry_SYSCALL_compat:
	swapgs
	; Hazard window: kernel GS, user CR3, user RSP.
	mov	[gs:EP_SCRATCH_RSP], rsp
	SWITCH_TO_KERNEL_CR3 rsp
	mov	rsp, [gs:EP_TOP_OF_STACK]
	push	qword USER_DS                   ; pt_regs->ss
	push	qword [gs:EP_SCRATCH_RSP]       ; pt_regs->rsp
	push	r11                             ; pt_regs->rflags
	push	qword USER32_CS                 ; pt_regs->cs
	push	rcx                             ; pt_regs->rip
	mov	eax, eax
	push	rax                             ; pt_regs->orig_rax
	push	rdi                             ; pt_regs->rdi
	push	rsi                             ; pt_regs->rsi
	push	rdx                             ; pt_regs->rdx
	push	rbp                             ; pt_regs->rcx: arg 2 arrives in EBP
	push	qword -38                       ; pt_regs->rax = -ENOSYS
	push	r8                              ; pt_regs->r8
	push	r9                              ; pt_regs->r9
	push	r10                             ; pt_regs->r10
	push	r11                             ; pt_regs->r11
	push	rbx                             ; pt_regs->rbx
	push	rbp                             ; pt_regs->rbp (arg 6 is read from the user stack in C)
	push	r12                             ; pt_regs->r12
	push	r13                             ; pt_regs->r13
	push	r14                             ; pt_regs->r14
	push	r15                             ; pt_regs->r15
	CLEAR_REGS
	DEBUG_ENTRY_CHECK_KERNEL "entry_SYSCALL_compat"
	mov	rdi, rsp
	call	do_fast_syscall_32              ; AL = 1: SYSRETL is safe
	test	al, al
	jz	return_to_user_iret
	jmp	sysretl_to_user

; ===============================================================================================
; SYSENTER from 32-bit compatibility mode (Intel). Reached via __kernel_vsyscall.
;   In:  EAX = number, EBX ECX EDX ESI EDI = arguments, EBP = user ESP (arg 6 at [EBP]); the CPU
;        loaded RSP = SYSENTER_ESP (this CPU's trampoline stack), RIP = here, cleared IF and RF but
;        NOT TF, NT or AC. GS and CR3 are the user's.
;   Out: as SYSCALL compat: EAX = result, back at the vDSO landing pad.
; If the user set TF, a #DB arrives after each instruction up to .sysenter_flags_fixed; the #DB
; handler recognises this range and ignores those traps (the user's TF is in pt_regs->rflags and
; comes back on return).
global entry_SYSENTER_compat, entry_SYSENTER_compat_flags_fixed
entry_SYSENTER_compat:
	swapgs
	; Hazard window: kernel GS, user CR3, on the trampoline stack.
	SWITCH_TO_KERNEL_CR3 rsp
	mov	rsp, [gs:EP_TOP_OF_STACK]
	push	qword USER_DS                   ; pt_regs->ss
	mov	ebp, ebp
	push	rbp                             ; pt_regs->rsp (the vDSO passes ESP in EBP)
	pushfq                                  ; pt_regs->rflags: the user's TF, NT, AC are kept
	push	qword 2
	popfq                                   ; clear NT (IRET faults with it), AC (SMAP), TF, DF
entry_SYSENTER_compat_flags_fixed:
	or	qword [rsp], X86_RFLAGS_IF      ; the user ran with IF set; SYSENTER cleared it
	push	qword USER32_CS                 ; pt_regs->cs
	push	qword 0                         ; pt_regs->rip: the vDSO landing pad, set in C
	mov	eax, eax
	push	rax                             ; pt_regs->orig_rax
	PUSH_REGS -38                           ; pt_regs->rdi .. r15, rax = -ENOSYS
	DEBUG_ENTRY_CHECK_KERNEL "entry_SYSENTER_compat"
	mov	rdi, rsp
	call	do_fast_syscall_32
	test	al, al
	jz	return_to_user_iret
	; fall through
; SYSRETL to compat mode. do_fast_syscall_32 checked: CS is USER32_CS, RIP == RCX (the landing pad),
; R11 == RFLAGS without TF/RF/NT/AC. Registers: every one comes from pt_regs.
sysretl_to_user:
	POP_REGS 1
	SYSRET_EXIT "sysretl exit", sysret

; ===============================================================================================
; Exceptions and interrupts through the common error path.
;
; IDTENTRY vector, name, has_error_code, handler
;   In:  the CPU pushed SS, RSP, RFLAGS, CS, RIP (and an error code) on the trampoline stack (from
;        ring 3, TSS.RSP0) or on the current kernel stack (from ring 0). IRQs off (interrupt gate).
;   Out: through error_return; every register as it was (a user fault may kill the task instead).
%macro IDTENTRY 4
global asm_%2
asm_%2:
%if %3 == 0
	push	qword -1                        ; pt_regs->orig_rax: no error code
%endif
	PUSH_REGS                               ; pt_regs->rdi .. r15 (error code is orig_rax)
	FIX_ENTRY_FLAGS
	call	error_entry
	DEBUG_ENTRY_CHECK_KERNEL %str(asm_%2)
	mov	rdi, rsp
	mov	esi, %1
	call	%4
	jmp	error_return
%endmacro

IDTENTRY 0,  divide_error,        0, do_exception
IDTENTRY 3,  int3,                0, do_exception
IDTENTRY 4,  overflow,            0, do_exception
IDTENTRY 5,  bounds,              0, do_exception
IDTENTRY 6,  invalid_op,          0, do_exception
IDTENTRY 7,  device_not_available,0, do_exception
IDTENTRY 9,  coproc_overrun,      0, do_exception
IDTENTRY 10, invalid_tss,         1, do_exception
IDTENTRY 11, segment_not_present, 1, do_exception
IDTENTRY 12, stack_segment,       1, do_exception
IDTENTRY 13, general_protection,  1, do_exception
IDTENTRY 14, page_fault,          1, do_exception
IDTENTRY 15, spurious_exc,        0, do_exception
IDTENTRY 16, coprocessor_error,   0, do_exception
IDTENTRY 17, alignment_check,     1, do_exception
IDTENTRY 19, simd_error,          0, do_exception
IDTENTRY 20, virtualization,      0, do_exception
IDTENTRY 21, control_protection,  1, do_exception
IDTENTRY 0x80, int80,             0, do_int80

; INT 0x80 stores the syscall number: orig_rax must be RAX, not -1. The IDTENTRY above pushed -1;
; do_int80 reads the number from pt_regs->rax and puts it in orig_rax itself.

; Device interrupt stubs, one per vector from 0x20 to 0xff, 16 bytes each: push ~vector, jump.
global irq_stubs
align 16
irq_stubs:
%assign v 0x20
%rep 0x100 - 0x20
	align 16
	push	qword ~v                        ; pt_regs->orig_rax = ~vector
	jmp	irq_common
%assign v v + 1
%endrep

; irq_common: as IDTENTRY, with the vector in orig_rax.
irq_common:
	PUSH_REGS                               ; pt_regs->rdi .. r15
	FIX_ENTRY_FLAGS
	call	error_entry
	DEBUG_ENTRY_CHECK_KERNEL "irq_common"
	mov	rdi, rsp
	call	do_irq
	jmp	error_return

; -----------------------------------------------------------------------------------------------
; error_entry: called by the stubs above with pt_regs just above the return address.
;   From ring 3: SWAPGS, switch to the kernel CR3, and move pt_regs from the trampoline stack to the
;   task's kernel stack. From ring 0: nothing, except when the fault hit the kernel's own return to
;   ring 3 (IRETQ in return_to_user_iret faults on a bad RIP or selector): then the CPU is in ring 0
;   with the user GS and the user CR3, on the trampoline stack, and the fault must become a fault
;   of the user program (see .bad_iret).
;   Clobbers: RAX, RCX, RSI, RDI (all saved in pt_regs). Returns on the stack that holds pt_regs.
error_entry:
	test	byte [rsp + 8 + PT_CS], 3
	jz	.from_kernel
	swapgs
	FENCE_SWAPGS_USER
	; Hazard window: kernel GS, user CR3, on the trampoline stack.
	SWITCH_TO_KERNEL_CR3 rax
.move_to_task_stack:
	; Copy return address + pt_regs to the top of the task stack and continue there.
	mov	rsi, rsp
	mov	rsp, [gs:EP_TOP_OF_STACK]
	sub	rsp, PT_REGS_SIZE + 8
	mov	rdi, rsp
	mov	ecx, (PT_REGS_SIZE + 8) / 8
	rep movsq
	ret

.from_kernel:
	lea	rax, [iret_to_user_insn]
	cmp	[rsp + 8 + PT_RIP], rax
	je	.bad_iret
	FENCE_SWAPGS_KERNEL
	ret

.bad_iret:
	; The IRETQ of return_to_user_iret faulted. The user GS is live (SWAPGS ran) and so is the user
	; CR3. pt_regs holds the user's general registers (restored before the IRETQ); its hardware
	; frame describes the kernel at the IRETQ; the frame the IRETQ was trying to use sits where
	; pt_regs->rsp points. Rebuild pt_regs as if the user program itself had faulted there.
	swapgs
	SWITCH_TO_KERNEL_CR3 rax
	mov	rsi, [rsp + 8 + PT_RSP]         ; the failed IRET frame: RIP CS RFLAGS RSP SS
	mov	rax, [rsi]
	mov	[rsp + 8 + PT_RIP], rax
	mov	rax, [rsi + 8]
	mov	[rsp + 8 + PT_CS], rax
	mov	rax, [rsi + 16]
	mov	[rsp + 8 + PT_RFLAGS], rax
	mov	rax, [rsi + 24]
	mov	[rsp + 8 + PT_RSP], rax
	mov	rax, [rsi + 32]
	mov	[rsp + 8 + PT_SS], rax
	; The IRET frame's CS may be anything the user arranged; mark the frame as a user one so C
	; treats it as a fault of the program. The selector it tried is kept in the error code.
	or	qword [rsp + 8 + PT_CS], 3
	jmp	.move_to_task_stack

; -----------------------------------------------------------------------------------------------
; error_return: pt_regs at RSP on a kernel stack, IRQs off.
error_return:
	test	byte [rsp + PT_CS], 3
	jnz	return_to_user_iret_work
	POP_REGS
	add	rsp, 8                          ; orig_rax
	iretq

; -----------------------------------------------------------------------------------------------
; return_to_user_iret_work / return_to_user_iret: the general return to ring 3.
;   In:  RSP = pt_regs on the task's kernel stack, IRQs off, kernel GS and CR3.
;   Out: every register from pt_regs; IRETQ from the trampoline stack.
global return_to_user_iret, iret_to_user_insn
return_to_user_iret_work:
	mov	rdi, rsp
	call	exit_to_user_mode               ; reschedule, kill on a pending fatal fault; IRQs off
return_to_user_iret:
	POP_REGS 1
	mov	rdi, rsp
	mov	rsp, [gs:EP_TSS_RSP0]           ; trampoline stack
	push	qword [rdi + PT_SS - PT_RDI]    ; SS
	push	qword [rdi + PT_RSP - PT_RDI]   ; RSP
	push	qword [rdi + PT_RFLAGS - PT_RDI]; RFLAGS
	push	qword [rdi + PT_CS - PT_RDI]    ; CS
	push	qword [rdi + PT_RIP - PT_RDI]   ; RIP
	push	qword [rdi]                     ; user RDI
	KTEST_SKIP_ONCE KTEST_FLAG_SKIP_USER_CR3, .user_cr3_done
	SWITCH_TO_USER_CR3 rdi
	; Hazard window: user CR3 with kernel CS, on the trampoline stack.
	DEBUG_EXIT_CHECK_USER "return_to_user_iret", rdi
.user_cr3_done:
	pop	rdi
	swapgs
	; Hazard window: user GS in ring 0. If the IRETQ faults, error_entry's .bad_iret takes over.
iret_to_user_insn:
	iretq

; entry_exit_check_failed: a DEBUG_EXIT_CHECK_USER found a broken invariant. RDI = name. The state
; is unknown: take the kernel CR3 unconditionally, keep the kernel GS (not swapped yet), panic.
entry_exit_check_failed:
	mov	rax, cr3
	and	rax, ~(PTI_USER_PGTABLE_MASK | PTI_USER_PCID_MASK)
	mov	cr3, rax
	mov	rsp, [gs:EP_TOP_OF_STACK]
	and	rsp, -16
	call	debug_entry_failed

; ===============================================================================================
; Paranoid entries: NMI, #DB, #MC, #DF, each on its own IST stack.
;   In:  anywhere: ring 3, ring 0, or any instruction of the windows above (so GS and CR3 may be
;        the user's even with a kernel CS). IRQs off.
;   Out: GS base and CR3 exactly as found; every register as found.
;
; paranoid_entry (called after PUSH_REGS):
;   R14 := CR3 as found, and the kernel CR3 is loaded if it was the user one.
;   With FSGSBASE: RBX := the GS base as found (RDGSBASE), the kernel's is loaded with WRGSBASE.
;   Without:       EBX := 1 if SWAPGS was needed (MSR_GS_BASE was not a kernel address), else 0.
;   Clobbers RAX, RCX, RDX.
; The kernel GS base of this CPU is found from the machine too: SGDT gives this CPU's GDT, which
; lives at a fixed offset in its entry-area slice, and the entry page starts that slice.
; #DB and #MC from ring 3 (user_is_normal = 1): CS says ring 3, so the CPU really was in ring 3 with
; the user GS and CR3; treat it as an ordinary exception on the task stack, where C may schedule.
%macro PARANOIDENTRY 5 ; vector, name, has_error_code, handler, user_is_normal
global asm_%2
asm_%2:
%if %3 == 0
	push	qword -1                        ; pt_regs->orig_rax
%endif
	PUSH_REGS                               ; pt_regs->rdi .. r15
	FIX_ENTRY_FLAGS
%if %5
	test	byte [rsp + PT_CS], 3
	jz	%%paranoid
	call	error_entry
	mov	rdi, rsp
	mov	esi, %1
	call	do_exception
	jmp	error_return
%%paranoid:
%endif
	call	paranoid_entry
	mov	rdi, rsp
	mov	esi, %1
	mov	rdx, r14                        ; CR3 as found
	mov	rcx, rbx                        ; GS as found (see paranoid_entry)
	call	%4
	jmp	paranoid_exit
%endmacro

paranoid_entry:
	mov	r14, cr3                        ; as found, for the C handler (the macro reads it again)
	SAVE_AND_SWITCH_TO_KERNEL_CR3 rax, r14
	sub	rsp, 16
	sgdt	[rsp]
	mov	rax, [rsp + 2]                  ; this CPU's GDT in its entry-area slice
	add	rsp, 16
	sub	rax, CEA_GDT_OFF                ; = its entry page = the kernel GS base
	cmp	byte [entry_use_fsgsbase], 0
	je	.msr
	rdgsbase rbx
	wrgsbase rax
	ret
.msr:
	mov	ecx, MSR_GS_BASE
	rdmsr
	xor	ebx, ebx
	test	edx, edx
	js	.kernel_gs                      ; negative: a kernel address, already the kernel's
	swapgs
	mov	ebx, 1
.kernel_gs:
	FENCE_SWAPGS_KERNEL
	ret

; paranoid_exit: undo paranoid_entry, CR3 first, then GS. entry_use_fsgsbase is kernel data, so it
; is read while the kernel CR3 is still live.
paranoid_exit:
	cmp	byte [entry_use_fsgsbase], 0
	je	.msr
	RESTORE_CR3 r14
	; Hazard window (from a user-CR3 window): user CR3, kernel GS base, until WRGSBASE.
	wrgsbase rbx
	jmp	.done
.msr:
	RESTORE_CR3 r14
	test	ebx, ebx
	jz	.done
	swapgs
.done:
	POP_REGS
	add	rsp, 8                          ; orig_rax
	iretq

PARANOIDENTRY 1,  debug,         0, do_paranoid, 1
PARANOIDENTRY 8,  double_fault,  1, do_paranoid, 0
PARANOIDENTRY 18, machine_check, 0, do_paranoid, 1

; ===============================================================================================
; NMI, with nesting.
;
; The CPU blocks further NMIs from an NMI's delivery until the next IRET, but any IRET counts: a #DB,
; #BP or #PF taken inside the NMI handler returns with IRET and unblocks NMIs while the handler is
; still running. The next NMI then enters at the top of the NMI IST stack again, where the outer
; NMI's hardware frame is. Layout of the top of the NMI IST stack (W = IST top - 120):
;
;   W + 80 .. W + 120   landing zone: where the CPU pushes RIP CS RFLAGS RSP SS of every NMI
;   W + 48              pending:   a nested NMI arrived while the handler ran
;   W + 40              executing: an outermost NMI is between its entry and its final IRET
;   W + 0  .. W + 40    working frame: the outermost NMI's copy of its hardware frame
;   below W             pt_regs and the C handler's stack
;
; Invariants:
;   1. The outermost NMI copies its frame from the landing zone to the working frame before any
;      IRET can happen (NMIs are still blocked then), and returns with IRETQ from the working frame.
;      So a nested NMI may overwrite the landing zone freely.
;   2. A nested NMI (executing = 1) touches nothing but `pending` and returns at once. The outer
;      handler runs the C handler again for it before it leaves (NMIs are latched, not counted).
;   3. The final window [nmi_window_start, nmi_window_end] clears `executing`, checks `pending`
;      and IRETs with RSP = W. An NMI inside that window would be taken for an outermost one and
;      would copy its frame over W: instead, it discards its own frame and restarts the outer path
;      on the frame at W (which describes the same interrupted context), i.e. it "repeats" the
;      outer NMI. Registers, GS and CR3 in the window are those of the interrupted context already,
;      so the restart is exactly a fresh NMI from there.
; Everything is addressed relative to RSP: no register is free before PUSH_REGS.
NMI_W_EXECUTING equ 40
NMI_W_PENDING   equ 48
NMI_W_LANDING   equ 80

global asm_nmi
asm_nmi:
	cmp	qword [rsp], nmi_window_start   ; interrupted RIP (landing zone)
	jb	.not_window
	cmp	qword [rsp], nmi_window_end
	ja	.not_window
	mov	rsp, [rsp + 24]                 ; the interrupted RSP is W: repeat on its frame
	mov	qword [rsp + NMI_W_EXECUTING], 1
	jmp	nmi_on_working_frame
.not_window:
	cmp	qword [rsp - NMI_W_LANDING + NMI_W_EXECUTING], 0
	je	.outermost
	mov	qword [rsp - NMI_W_LANDING + NMI_W_PENDING], 1
	iretq                                   ; nested: leave it to the outer handler
.outermost:
	mov	qword [rsp - NMI_W_LANDING + NMI_W_EXECUTING], 1
	mov	qword [rsp - NMI_W_LANDING + NMI_W_PENDING], 0
	sub	rsp, NMI_W_LANDING - 40         ; RSP = W + 40
%rep 5
	push	qword [rsp + NMI_W_LANDING - 40 + 32]  ; SS, RSP, RFLAGS, CS, RIP into the working frame
%endrep
nmi_on_working_frame:
	push	qword -1                        ; pt_regs->orig_rax
	PUSH_REGS                               ; pt_regs->rdi .. r15
	FIX_ENTRY_FLAGS
	call	paranoid_entry
	mov	rdi, rsp
	mov	esi, 2
	mov	rdx, r14                        ; CR3 as found
	mov	rcx, rbx                        ; GS as found (see paranoid_entry)
	call	do_paranoid
	cmp	byte [entry_use_fsgsbase], 0
	je	.msr
	RESTORE_CR3 r14
	wrgsbase rbx
	jmp	.restored
.msr:
	RESTORE_CR3 r14
	test	ebx, ebx
	jz	.restored
	swapgs
.restored:
	POP_REGS
	add	rsp, 8                          ; orig_rax; RSP = W
nmi_window_start:
	mov	qword [rsp + NMI_W_EXECUTING], 0
	cmp	qword [rsp + NMI_W_PENDING], 0
	jne	.again
	iretq
.again:
	mov	qword [rsp + NMI_W_PENDING], 0
nmi_window_end:
	mov	qword [rsp + NMI_W_EXECUTING], 1
	jmp	nmi_on_working_frame
