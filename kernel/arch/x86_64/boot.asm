; boot.asm - multiboot2 header and the 32-bit to 64-bit transition.
;
; GRUB loads the image at its physical addresses (1 MiB up) and jumps to boot_entry in 32-bit
; protected mode with paging off. This file builds just enough page tables to run the higher-half
; kernel (kernel/mm/paging.c replaces them with the real ones), enables long mode and NX, and calls
; kmain(magic, info_phys) on the boot stack.
;
; Everything in .boot runs at its physical address (VMA == LMA); everything else is linked in the
; top 2 GiB (KERNEL_VIRT_BASE) and reached only after the jump to the higher half.

%include "generated/asm-offsets.inc"

MB2_MAGIC       equ 0xe85250d6
MB2_ARCH_I386   equ 0
MB2_BOOT_MAGIC  equ 0x36d76289

PTE_P   equ 1 << 0
PTE_W   equ 1 << 1
PTE_PS  equ 1 << 7

%define V2P(x) ((x) - KERNEL_VIRT_BASE)

section .multiboot2 progbits alloc noexec nowrite align=8
mb2_header:
	dd MB2_MAGIC
	dd MB2_ARCH_I386
	dd mb2_header_end - mb2_header
	dd -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	; Information request: command line, modules, memory map, ACPI RSDP.
	align 8
	dw 1, 0
	dd 8 + 4 * 6
	dd 1, 3, 6, 14, 15, 2
	align 8
	; Module alignment: page-align modules so they can be mapped directly.
	dw 6, 0
	dd 8
	align 8
	dw 0, 0                         ; end tag
	dd 8
mb2_header_end:

section .boot progbits alloc exec nowrite align=16
bits 32
global boot_entry
boot_entry:
	; eax = multiboot2 magic, ebx = physical address of the boot information. Interrupts are off.
	cld
	mov esp, boot_stack_top32
	mov edi, eax
	mov esi, ebx
	cmp eax, MB2_BOOT_MAGIC
	jne .no_multiboot

	; Long mode needs CPUID leaf 0x80000001 with LM (bit 29).
	mov eax, 0x80000000
	cpuid
	cmp eax, 0x80000001
	jb .no_long_mode
	mov eax, 0x80000001
	cpuid
	test edx, 1 << 29
	jz .no_long_mode
	mov ebp, edx                    ; keep NX (bit 20) for EFER below

	; Page tables: PML4[0] and PML4[273] (direct map) -> PDPT_low (4 x 1 GiB of 2 MiB pages),
	; PML4[511] -> PDPT_high, whose entry 510 maps the first GiB at KERNEL_VIRT_BASE.
	mov eax, boot_pdpt_low + (PTE_P | PTE_W)
	mov [boot_pml4], eax
	mov [boot_pml4 + PML4_SLOT_DIRECT * 8], eax
	mov eax, boot_pdpt_high + (PTE_P | PTE_W)
	mov [boot_pml4 + 511 * 8], eax
	; PDPT_low[0..3] -> boot_pd + i * 4 KiB
	mov ecx, 0
.fill_pdpt:
	mov eax, ecx
	shl eax, 12
	add eax, boot_pd + (PTE_P | PTE_W)
	mov [boot_pdpt_low + ecx * 8], eax
	inc ecx
	cmp ecx, 4
	jb .fill_pdpt
	mov eax, boot_pd + (PTE_P | PTE_W)
	mov [boot_pdpt_high + 510 * 8], eax
	; boot_pd: 2048 entries of 2 MiB covering physical 0..4 GiB.
	xor ecx, ecx
.fill_pd:
	mov eax, ecx
	shl eax, 21
	or eax, PTE_P | PTE_W | PTE_PS
	mov [boot_pd + ecx * 8], eax
	mov eax, ecx
	shr eax, 11                     ; high dword of the physical address
	mov [boot_pd + ecx * 8 + 4], eax
	inc ecx
	cmp ecx, 2048
	jb .fill_pd

	mov eax, boot_pml4
	mov cr3, eax
	mov eax, cr4
	or eax, 1 << 5                  ; PAE
	mov cr4, eax
	mov ecx, 0xc0000080             ; EFER
	rdmsr
	or eax, 1 << 8                  ; LME
	test ebp, 1 << 20
	jz .no_nx
	or eax, 1 << 11                 ; NXE: the kernel's page tables use NX from the start
.no_nx:
	wrmsr
	mov eax, cr0
	or eax, (1 << 31) | (1 << 16) | 1   ; PG, WP, PE
	mov cr0, eax
	lgdt [boot_gdt_ptr]
	jmp 0x08:.long_mode

.no_multiboot:
	mov esi, msg_no_mb2
	jmp .die
.no_long_mode:
	mov esi, msg_no_lm
.die:
	; Print on COM1 and stop. Polled, no init needed beyond what firmware left.
	mov dx, 0x3f8
.putc:
	lodsb
	test al, al
	jz .halt
	out dx, al
	jmp .putc
.halt:
	cli
	hlt
	jmp .halt

bits 64
.long_mode:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	xor ax, ax
	mov fs, ax
	mov gs, ax
	mov rax, boot_higher_half
	jmp rax

msg_no_mb2: db "portcullis: not booted by a multiboot2 loader", 13, 10, 0
msg_no_lm:  db "portcullis: this CPU has no long mode (x86-64)", 13, 10, 0

align 8
boot_gdt:
	dq 0
	dq 0x00af9a000000ffff           ; 0x08: 64-bit code
	dq 0x00cf92000000ffff           ; 0x10: data
boot_gdt_end:
boot_gdt_ptr:
	dw boot_gdt_end - boot_gdt - 1
	dd boot_gdt

section .text
bits 64
extern kmain
boot_higher_half:
	mov rsp, boot_stack_top
	xor ebp, ebp                    ; terminates the backtrace
	mov edi, edi                    ; arg0: multiboot2 magic (checked above)
	mov esi, esi                    ; arg1: physical address of the boot information
	call kmain
.hang:
	cli
	hlt
	jmp .hang

section .boot.bss nobits alloc write align=4096
boot_pml4:      resb 4096
boot_pdpt_low:  resb 4096
boot_pdpt_high: resb 4096
boot_pd:        resb 4096 * 4
	resb 1024
boot_stack_top32:

section .bss nobits alloc write align=16
global boot_stack_top
boot_stack:     resb KSTACK_SIZE
boot_stack_top:
