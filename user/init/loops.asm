; loops.asm - the compatibility-mode halves of init's round-trip benchmark.
;
; Both stubs run in 32-bit compatibility mode, entered through compat_call() (lib/compat64.asm)
; with eax = number of round trips and edx = address of __kernel_vsyscall, and return to 64-bit
; mode with a 32-bit far return. Each round trip is a getpid (i386 number 20).

BITS 32

%include "portcullis.inc"

section .text

; INT 0x80 from compatibility mode. eax = count.
global int80_loop32
int80_loop32:
	mov     ecx, eax                ; INT 0x80 preserves everything but eax
	test    ecx, ecx
	jz      .done
.loop:
	mov     eax, NR32_getpid
	int     0x80
	dec     ecx
	jnz     .loop
.done:
	retf

; __kernel_vsyscall from compatibility mode. eax = count, edx = __kernel_vsyscall.
global vdso_loop32
vdso_loop32:
	mov     esi, eax                ; __kernel_vsyscall preserves everything but eax
	mov     edi, edx
	test    esi, esi
	jz      .done
.loop:
	mov     eax, NR32_getpid
	call    edi
	dec     esi
	jnz     .loop
.done:
	retf

section .note.GNU-stack noalloc noexec nowrite progbits
