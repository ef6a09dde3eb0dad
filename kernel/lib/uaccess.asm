; uaccess.asm - copying to and from user memory.
;
; Each routine may fault on a user address; the faulting instruction is listed in .ex_table with a
; fixup, and the page-fault handler (after trying to demand-map the page) resumes at the fixup,
; which returns how many bytes were not copied. The callers (kernel/mm/uaccess.c) validate the range
; first and bracket the call with STAC/CLAC for SMAP.

bits 64
default rel
section .text

%macro EX_ENTRY 2
	[section .ex_table]
	dq %1, %2
	__?SECT?__
%endmacro

; u64 __copy_user(void *dst = RDI, const void *src = RSI, u64 len = RDX): bytes not copied.
global __copy_user
__copy_user:
	mov	rcx, rdx
.copy:
	rep movsb
	xor	eax, eax
	ret
.fault:
	mov	rax, rcx
	ret
EX_ENTRY .copy, .fault

; long __strncpy_user(char *dst = RDI, const char *src = RSI, long max = RDX)
;   Copies up to max bytes including the NUL. Returns the length (without the NUL), max if no NUL
;   was found within max bytes, or -1 on a fault.
global __strncpy_user
__strncpy_user:
	xor	eax, eax
.loop:
	cmp	rax, rdx
	jae	.done
.load:
	mov	cl, [rsi + rax]
	mov	[rdi + rax], cl
	test	cl, cl
	jz	.done
	inc	rax
	jmp	.loop
.done:
	ret
.fault:
	mov	rax, -1
	ret
EX_ENTRY .load, .fault
