; stubs.asm - one kernel round trip per call, for t_windows (Portcullis, CONFIG_KTEST kernels).
;
; Every stub makes exactly one trip through the kernel by a chosen path and returns 0 in eax when
; the trip went as intended (1 when an expected fault did not happen). The fault stubs first ask
; the kernel to resume them at a label after the fault instead of killing the program (the private
; system call KTEST_SYS_FAULT_RESUME of kernel/include/ktest_abi.h); the 32-bit stubs run in
; compatibility mode through compat_call() (lib/compat64.asm) and end with a far return.

BITS 64
DEFAULT REL

%include "portcullis.inc"

X86_EFLAGS_AC          equ 1 << 18
NONCANONICAL           equ 0x8000000000000000

section .data
align 16
one:            dd 1.0
mxcsr_zm:       dd 0x1f80 & ~0x200      ; all SSE exceptions masked but divide-by-zero
x87_cw_zm:      dw 0x037f & ~0x4        ; the same for the x87
bounds32:       dd 0, 1                 ; BOUND's [lower, upper]

section .text

; int win_syscall_iret(void): a SYSCALL that must return through IRET. KTEST_SYS_SET_RIP makes
; the kernel return to .back, which is not the address SYSCALL saved in RCX (the ud2), so the
; SYSRET checks fail and the exit takes the IRET fallback.
global win_syscall_iret
win_syscall_iret:
	lea     rdi, [.back]
	mov     eax, KTEST_SYSCALL_BASE + KTEST_SYS_SET_RIP
	syscall
	ud2                             ; SYSRET would land here
.back:
	ret                             ; eax = 0 (set_rip's result)

; int win_badiret(void): the kernel's own IRETQ to ring 3 faults (a non-canonical RIP, through
; KTEST_SYS_SET_RIP); error_entry's .bad_iret turns the #GP into a fault of this program, which
; the kernel then resumes at .resume.
global win_badiret
win_badiret:
	lea     rdi, [.resume]
	mov     eax, KTEST_SYSCALL_BASE + KTEST_SYS_FAULT_RESUME
	syscall
	mov     rdi, NONCANONICAL
	mov     eax, KTEST_SYSCALL_BASE + KTEST_SYS_SET_RIP
	syscall
	mov     eax, 1                  ; the kernel came back here: it did not take the bad IRET
	ret
.resume:
	xor     eax, eax
	ret

; FAULT_BEGIN name ... FAULT_CLEANUP ... FAULT_END: int name(void). The code between FAULT_BEGIN
; and FAULT_CLEANUP raises the exception; the cleanup runs whether it happened or not (and undoes
; whatever the fault code changed). Returns 0 when the kernel resumed the stub after the fault.
%macro FAULT_BEGIN 1
global %1
%1:
	push    rbx
	push    rbp
	lea     rdi, [%1.resume]
	mov     eax, KTEST_SYSCALL_BASE + KTEST_SYS_FAULT_RESUME
	syscall
%endmacro
%macro FAULT_CLEANUP 1
	mov     ebx, 1                  ; no fault
	jmp     %1.clean
%1.resume:
	xor     ebx, ebx
%1.clean:
%endmacro
%macro FAULT_END 0
	mov     eax, ebx
	pop     rbp
	pop     rbx
	ret
%endmacro

FAULT_BEGIN win_de                      ; #DE
	xor     edx, edx
	xor     ecx, ecx
	div     ecx
FAULT_CLEANUP win_de
FAULT_END

FAULT_BEGIN win_bp                      ; #BP (a trap)
	int3
FAULT_CLEANUP win_bp
FAULT_END

FAULT_BEGIN win_ud                      ; #UD
	ud2
FAULT_CLEANUP win_ud
FAULT_END

FAULT_BEGIN win_ss                      ; #SS(0): a non-canonical address through RBP
	mov     rbp, NONCANONICAL
	mov     rax, [rbp]
FAULT_CLEANUP win_ss
FAULT_END

FAULT_BEGIN win_gp                      ; #GP(0): a privileged instruction
	hlt
FAULT_CLEANUP win_gp
FAULT_END

FAULT_BEGIN win_pf                      ; #PF: the never-mapped first pages
	mov     rax, [abs 0x1000]
FAULT_CLEANUP win_pf
FAULT_END

FAULT_BEGIN win_mf                      ; #MF: x87 1/0 with ZE unmasked, raised at the FWAIT
	fninit
	fldcw   [x87_cw_zm]
	fld1
	fldz
	fdivp   st1, st0
	fwait
FAULT_CLEANUP win_mf
	fnclex
	fninit
FAULT_END

FAULT_BEGIN win_xm                      ; #XM: SSE 1/0 with ZE unmasked
	sub     rsp, 8
	stmxcsr [rsp]
	ldmxcsr [mxcsr_zm]
	movss   xmm0, [one]
	xorps   xmm1, xmm1
	divss   xmm0, xmm1
FAULT_CLEANUP win_xm
	ldmxcsr [rsp]
	add     rsp, 8
FAULT_END

FAULT_BEGIN win_ac                      ; #AC: a misaligned load with EFLAGS.AC (needs CR0.AM)
	pushfq
	or      qword [rsp], X86_EFLAGS_AC
	popfq
	mov     eax, [rsp + 1]
FAULT_CLEANUP win_ac
	pushfq
	and     qword [rsp], ~X86_EFLAGS_AC
	popfq
FAULT_END

; ---- compatibility mode (through compat_call: eax and edx as passed) ----------------------------
BITS 32

; INT 0x80 from compatibility mode; eax = the system call number.
global c32_int80
c32_int80:
	int     0x80
	retf

; __kernel_vsyscall (SYSENTER on Intel, compat SYSCALL on AMD); eax = number, edx = its address.
global c32_vdso
c32_vdso:
	call    edx
	retf

; The same with EFLAGS.AC set: the fast return cannot restore AC, so the exit takes IRET.
global c32_vdso_ac
c32_vdso_ac:
	pushfd
	or      dword [esp], X86_EFLAGS_AC
	popfd
	call    edx
	pushfd
	and     dword [esp], ~X86_EFLAGS_AC
	popfd
	retf

; #OF: INTO with OF set (INTO exists only outside 64-bit mode). The kernel resumes at the
; _resume label (registered by the C side before the call).
global c32_into, c32_into_resume
c32_into:
	mov     al, 0x7f
	add     al, 1                   ; OF = 1
	into
	mov     eax, 1
	retf
c32_into_resume:
	xor     eax, eax
	retf

; #BR: BOUND with an index outside [0, 1] (BOUND exists only outside 64-bit mode).
global c32_bound, c32_bound_resume
c32_bound:
	mov     eax, 5
	bound   eax, [bounds32]
	mov     eax, 1
	retf
c32_bound_resume:
	xor     eax, eax
	retf

section .note.GNU-stack noalloc noexec nowrite progbits
