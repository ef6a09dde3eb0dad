; simd.asm - SIMD routines of the kernel (see kernel/include/fpu.h).
;
; The kernel's C code is built -mgeneral-regs-only; these routines are its only users of the x87,
; SSE, AVX and AVX-512 registers, and run only between kernel_fpu_begin() and kernel_fpu_end(),
; which save the running task's registers first. They may change every FPU/vector register and
; both control words; everything else follows the SysV ABI.

bits 64
default rel
section .text

KSIMD_AVX       equ 1
KSIMD_AVX512    equ 2

; void simd_xor(void *dst = RDI, const void *src = RSI, u64 len = RDX)
;   dst[i] ^= src[i] for i < len: 16 bytes at a time with SSE2 (unaligned loads and stores), then
;   byte by byte. Clobbers XMM0, XMM1.
global simd_xor
simd_xor:
.vec:
	cmp	rdx, 16
	jb	.tail
	movdqu	xmm0, [rdi]
	movdqu	xmm1, [rsi]
	pxor	xmm0, xmm1
	movdqu	[rdi], xmm0
	add	rdi, 16
	add	rsi, 16
	sub	rdx, 16
	jmp	.vec
.tail:
	test	rdx, rdx
	jz	.done
	mov	al, [rsi]
	xor	[rdi], al
	inc	rdi
	inc	rsi
	dec	rdx
	jmp	.tail
.done:
	ret

; void simd_clobber(unsigned features = EDI, u64 seed = RSI)
;   Overwrites, with values derived from seed: ST0-ST7 (a full x87 stack), FCW (round toward zero,
;   64-bit precision, exceptions masked), MXCSR (round toward zero, flush to zero, exceptions
;   masked), XMM0-15; with KSIMD_AVX the upper halves of YMM0-15; with KSIMD_AVX512 the upper
;   halves of ZMM0-15, ZMM16-31 and k0-k7. The caller checked the features against XCR0
;   (kernel_simd_features()): an instruction of a disabled component raises #UD.
global simd_clobber
simd_clobber:
	push	rbp
	mov	rbp, rsp
	sub	rsp, 16
	and	rsp, -16
	; x87: eight pushes of seed, seed + 1, ...; then the odd control word.
	fninit
	mov	[rsp], rsi
%rep 8
	fild	qword [rsp]
	inc	qword [rsp]
%endrep
	mov	word [rsp + 8], 0x0f7f
	fldcw	[rsp + 8]
	mov	dword [rsp + 8], 0xff80
	ldmxcsr	[rsp + 8]
	; XMM0 = { seed + 1, seed + 2 }, each next one = the previous + { 1, 2 }.
	movq	xmm0, rsi
	pshufd	xmm0, xmm0, 0x44
	paddq	xmm0, [xmm_step]
%assign i 1
%rep 15
%assign j i - 1
	movdqa	xmm %+ i, xmm %+ j
	paddq	xmm %+ i, [xmm_step]
%assign i i + 1
%endrep
	test	edi, KSIMD_AVX
	jz	.done
	; YMMn upper half = XMM(15 - n), so upper and lower halves differ.
%assign i 0
%rep 16
%assign j 15 - i
	vinsertf128 ymm %+ i, ymm %+ i, xmm %+ j, 1
%assign i i + 1
%endrep
	test	edi, KSIMD_AVX512
	jz	.done
	; ZMMn upper half = YMM(15 - n); ZMM(16 + n) = ZMMn + ZMM(15 - n); k0-k7 from the seed.
%assign i 0
%rep 16
%assign j 15 - i
	vinserti64x4 zmm %+ i, zmm %+ i, ymm %+ j, 1
%assign i i + 1
%endrep
%assign i 0
%rep 16
%assign j 15 - i
%assign m 16 + i
	vpaddq	zmm %+ m, zmm %+ i, zmm %+ j
%assign i i + 1
%endrep
	mov	eax, esi
%assign i 0
%rep 8
	kmovw	k %+ i, eax
	add	eax, 0x1111
%assign i i + 1
%endrep
.done:
	leave
	ret

section .rodata
align 16
xmm_step:	dq 1, 2
