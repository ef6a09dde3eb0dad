; stub.asm - the compatibility-mode half of t_sysret_ss (run through compat_call, lib/compat.h).
;
; ss_probe32: push eax, read it back through ESP, pop it and return it, then return ESP's
; distance from where it started (0 when SS behaves as a flat 32-bit stack) in edx. With an
; SS whose hidden B bit is 0 the push goes to SP, i.e. below 64 KiB, and faults.

BITS 32
section .text
global ss_probe32
ss_probe32:
	mov     edx, esp
	push    eax                     ; a 32-bit push through SS:ESP
	mov     eax, [esp]              ; read back through DS (flat) at the same ESP
	pop     ecx
	sub     edx, esp                ; 0 if ESP came back where it started
	cmp     eax, ecx
	je      .same
	xor     eax, eax                ; what the push stored is not where ESP points
.same:
	retf

section .note.GNU-stack noalloc noexec nowrite progbits
