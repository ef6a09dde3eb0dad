; start32.asm - process entry for i386 programs.
;
; The initial stack is the i386 flavour of the Linux layout (System V i386 ABI), 4-byte slots:
;
;   esp ->  argc
;           argv[0] ... argv[argc-1], NULL
;           envp[0] ... NULL
;           auxv: (type, value) pairs ... (AT_NULL, 0)   <- AT_SYSINFO = __kernel_vsyscall
;
; _start records environ and the auxiliary vector, calls main(argc, argv, envp) with the stack
; 16-byte aligned at the call (what gcc assumes) and passes the result to exit_group.

BITS 32

%include "portcullis.inc"

section .text
global _start
extern main
extern environ
extern __auxv

_start:
	xor     ebp, ebp                ; outermost frame
	mov     eax, [esp]              ; argc
	lea     ebx, [esp + 4]          ; argv
	lea     ecx, [ebx + eax*4 + 4]  ; envp = argv + argc + 1
	mov     [environ], ecx

	mov     edx, ecx                ; find the NULL that ends envp; auxv follows it
.skip_env:
	mov     esi, [edx]
	add     edx, 4
	test    esi, esi
	jnz     .skip_env
	mov     [__auxv], edx

	and     esp, -16
	sub     esp, 4                  ; 4 + 3 pushes = 16: aligned at the call
	push    ecx                     ; envp
	push    ebx                     ; argv
	push    eax                     ; argc
	call    main

	mov     ebx, eax                ; exit_group(main's return value)
	mov     eax, NR32_exit_group
	int     0x80
	ud2                             ; not reached

section .note.GNU-stack noalloc noexec nowrite progbits
