; vdso32.asm - __kernel_vsyscall for 32-bit programs, in three variants; vdso.c copies the one that
; suits this CPU to offset 0 of the vDSO page (VDSO32_BASE), which AT_SYSINFO points at.
;
; Linux's convention: EAX = number, EBX ECX EDX ESI EDI EBP = arguments; the vDSO saves ECX, EDX
; and EBP on the user stack, so after the three pushes [ESP] holds arg 6 (the caller's EBP):
;   SYSENTER (Intel): EBP := ESP, so the kernel finds the user stack (and arg 6) through EBP.
;   SYSCALL  (AMD):   SYSCALL overwrites ECX with the return EIP, so arg 2 travels in EBP.
;   INT 0x80 (either, or when neither is usable): no fast entry.
; The fast entries always return to the landing pad (the kernel sets EIP), never to the next
; instruction: every variant has the same length and the landing pad at the same offset.
;
; vdso32_sigreturn is copied to VDSO32_SIGRETURN_OFFSET: Linux's __kernel_sigreturn and
; __kernel_rt_sigreturn, the restorers signal delivery uses for handlers installed without
; SA_RESTORER (kernel/proc/signal.c). The handler returns into them with ESP just above the
; frame's pretcode.

bits 32
section .rodata

global vdso32_sysenter, vdso32_syscall, vdso32_int80, vdso32_landing_offset, vdso32_size
global vdso32_sigreturn, vdso32_sigreturn_size

%macro VDSO_VARIANT 2
	push	ecx
	push	edx
	push	ebp
	%1
	%2
	int	0x80
%%landing:
	pop	ebp
	pop	edx
	pop	ecx
	ret
%endmacro

align 16
vdso32_sysenter:
	VDSO_VARIANT {mov ebp, esp}, sysenter
vdso32_sysenter_end:
align 16
vdso32_syscall:
	VDSO_VARIANT {mov ebp, ecx}, syscall
align 16
vdso32_int80:
	VDSO_VARIANT {db 0x66, 0x90}, {db 0x66, 0x90}   ; 2-byte NOPs: same length as the others
align 4
vdso32_landing_offset: dd 3 + 2 + 2 + 2
vdso32_size:           dd vdso32_sysenter_end - vdso32_sysenter

align 16
vdso32_sigreturn:                       ; __kernel_sigreturn, at VDSO32_SIGRETURN_OFFSET
	pop	eax                     ; the frame's sig: ESP is then frame + 8
	mov	eax, 119                ; sigreturn
	int	0x80
align 8
vdso32_rt_sigreturn:                    ; __kernel_rt_sigreturn, 8 bytes further
	mov	eax, 173                ; rt_sigreturn; ESP is frame + 4
	int	0x80
vdso32_sigreturn_end:
align 4
vdso32_sigreturn_size: dd vdso32_sigreturn_end - vdso32_sigreturn
