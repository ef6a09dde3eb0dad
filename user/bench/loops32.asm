; loops32.asm - the 32-bit timed loops of the bench program (bench.c). One source, two uses:
;
;   * assembled as elf32, for bench32 (an i386 process): cdecl functions that time themselves,
;       uint64_t name(uint32_t n, uint32_t nr, uint32_t vsyscall)
;     returning the TSC ticks of n round trips (LFENCE; RDTSC on both sides, as in loops64.asm);
;   * assembled as elf64, for bench (a 64-bit process): compatibility-mode stubs for compat_call()
;     (user/lib/compat64.asm), entered with EAX = n and EDX = nr and left with a 32-bit far
;     return. They do not time themselves: bench.c times the whole compat_call() and subtracts the
;     baseline stub's compat_call(), so the mode switches cancel out along with the loop.
;
; Every loop body is the one of loops64.asm, in 32-bit registers:
;
;       mov  eax, <nr>        ; the system call number
;       <entry instruction>   ; int 0x80 | call __kernel_vsyscall | nothing (the baseline)
;       dec  <count>
;       jnz  .loop
;
; INT 0x80 and __kernel_vsyscall preserve every register but EAX, on Linux and Portcullis alike.

BITS 32

%include "portcullis.inc"

section .text

%ifidn __?OUTPUT_FORMAT?__, elf64

; Compatibility-mode stubs (64-bit program). EAX = n, EDX = nr.
%macro COMPAT_LOOP 2
global %1
%1:
	mov     esi, eax
	mov     ebx, edx
	test    esi, esi
	jz      %%done
align 16
%%loop:
	mov     eax, ebx
	%2
	dec     esi
	jnz     %%loop
%%done:
	retf
%endmacro

COMPAT_LOOP bench_compat_base,  {}
COMPAT_LOOP bench_compat_int80, {int 0x80}

%else

; i386 functions (bench32). Arguments at [esp + 20 ...] after the four pushes.
%macro TIMED_LOOP32 2
global %1
%1:
	SAVE_CALLEE_REGS
	mov     esi, [esp + 20]         ; n
	mov     ebx, [esp + 24]         ; nr
	mov     edi, [esp + 28]         ; __kernel_vsyscall (vDSO loop only)
	lfence
	rdtsc
	push    edx                     ; start, high
	push    eax                     ; start, low
	test    esi, esi
	jz      %%done
align 16
%%loop:
	mov     eax, ebx
	%2
	dec     esi
	jnz     %%loop
%%done:
	lfence
	rdtsc
	sub     eax, [esp]
	sbb     edx, [esp + 4]
	add     esp, 8
	RESTORE_CALLEE_REGS
	ret
%endmacro

TIMED_LOOP32 bench_loop32_base,  {}
TIMED_LOOP32 bench_loop32_int80, {int 0x80}
TIMED_LOOP32 bench_loop32_vdso,  {call edi}

; void bench_mark32(uint32_t id): the marker of loops64.asm's bench_mark64, for i386.
global bench_mark32
bench_mark32:
	mov     eax, [esp + 4]
	int     0x80
	ret

%endif

section .note.GNU-stack noalloc noexec nowrite progbits
