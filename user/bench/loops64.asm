; loops64.asm - the timed loops of the 64-bit bench program (bench.c), x86-64 System V ABI.
;
; Each loop runs n round trips and returns the TSC ticks they took (LFENCE; RDTSC on both sides,
; inside the function, so no C code is timed). Every loop body is the same three instructions plus
; the entry instruction under test:
;
;       mov  eax, <nr>        ; the system call number
;       <entry instruction>   ; syscall | int 0x80 | nothing (the baseline)
;       dec  r8
;       jnz  .loop
;
; bench.c subtracts the baseline (the same loop without the entry instruction), so what is left is
; the entry instruction itself, everything the kernel executes, and its return instruction. Under
; QEMU's -icount shift=0 the TSC advances exactly once per guest instruction, so the difference is
; an exact instruction count.
;
; The loop counter lives in r8: the kernel preserves it on every path (SYSCALL clobbers only rcx and
; r11, INT 0x80 only rax, on Linux and Portcullis alike), and no register carries a user value the
; kernel could be slower or faster for.

BITS 64
DEFAULT REL

section .text

; uint64_t name(uint64_t n [rdi], uint64_t nr [rsi])
%macro TIMED_LOOP64 2
global %1
%1:
	mov     r8, rdi
	lfence
	rdtsc
	shl     rdx, 32
	or      rax, rdx
	mov     r9, rax                 ; start
	test    r8, r8
	jz      %%done
align 16
%%loop:
	mov     eax, esi
	%2
	dec     r8
	jnz     %%loop
%%done:
	lfence
	rdtsc
	shl     rdx, 32
	or      rax, rdx
	sub     rax, r9
	ret
%endmacro

TIMED_LOOP64 bench_loop64_base,    {}
TIMED_LOOP64 bench_loop64_syscall, syscall
TIMED_LOOP64 bench_loop64_int80,   {int 0x80}

; void bench_mark64(uint32_t id [edi]): a marker for the QEMU log (-d int): one INT 0x80 with
; EAX = id, an out-of-range number (-ENOSYS on both kernels). tests/bench/qemu-count finds the
; markers by their EAX value and counts what QEMU logged between them.
global bench_mark64
bench_mark64:
	mov     eax, edi
	int     0x80
	ret

section .note.GNU-stack noalloc noexec nowrite progbits
