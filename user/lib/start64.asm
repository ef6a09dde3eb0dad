; start64.asm - process entry for 64-bit programs.
;
; The kernel enters _start with the initial stack laid out as on Linux (System V x86-64 ABI,
; section 3.4.1), rsp 16-byte aligned:
;
;   rsp ->  argc
;           argv[0] ... argv[argc-1], NULL
;           envp[0] ... NULL
;           auxv: (type, value) pairs ... (AT_NULL, 0)
;           ... strings, random bytes ...
;
; _start records environ and the auxiliary vector, calls main(argc, argv, envp) and passes its
; return value to exit_group. Registers other than rsp carry nothing we rely on (rdx may hold an
; atexit function from a dynamic loader; there is none here).

BITS 64
DEFAULT REL

%include "portcullis.inc"

section .text
global _start
extern main
extern environ
extern __auxv

_start:
	xor     ebp, ebp                ; outermost frame: end of the frame-pointer chain
	mov     rdi, [rsp]              ; argc
	lea     rsi, [rsp + 8]          ; argv
	lea     rdx, [rsi + rdi*8 + 8]  ; envp = argv + argc + 1 (skips argv's NULL)
	mov     [environ], rdx

	mov     rcx, rdx                ; find the NULL that ends envp; auxv follows it
.skip_env:
	mov     rax, [rcx]
	add     rcx, 8
	test    rax, rax
	jnz     .skip_env
	mov     [__auxv], rcx

	and     rsp, -16                ; already aligned by the ABI; make sure of it anyway
	call    main

	mov     edi, eax                ; exit_group(main's return value)
	mov     eax, NR_exit_group
	syscall
	ud2                             ; not reached

section .note.GNU-stack noalloc noexec nowrite progbits
