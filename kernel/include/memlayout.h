/*
 * memlayout.h - every virtual address Portcullis uses, in one place.
 *
 * Pure #defines: included by the kernel, by ring-3 programs (for the vDSO address), by host unit
 * tests, and turned into NASM %defines by the asm-offsets step. Nothing else defines an address.
 *
 *   Virtual address space (4-level paging, 48-bit)               PML4 slot
 *
 *   0x0000000000000000 +------------------------------------+ 0
 *                      | unmapped (NULL guard)               |
 *   0x0000000000400000 | static ELF images (ET_EXEC)         |
 *                      | brk heap, anonymous mappings        |
 *   0x00000000ffffa000 | 32-bit user stack top               |
 *   0x00000000ffffc000 | vDSO32 page (__kernel_vsyscall)     |
 *                      |                                     |
 *   0x00007fff00000000 | 64-bit user stack (grows down)      |
 *   0x00007ffffffff000 | last page below the hole: never     |
 *                      | mapped (a SYSCALL there would       |
 *                      | return to a non-canonical RIP)      |
 *   0x0000800000000000 +------------------------------------+ 256
 *                      | non-canonical hole                  |
 *   0xffff800000000000 +------------------------------------+ 256
 *                      | unused                              |
 *   0xffff888000000000 | direct map of all physical memory   | 273
 *                      | (kernel heap, page tables, stacks)  |
 *   0xffffc90000000000 | ioremap: MMIO (LAPIC, I/O APIC)     | 402
 *                      |                                     |
 *   0xfffffe0000000000 | entry area: one CEA_STRIDE slice    | 508  <- the only kernel range
 *                      | per CPU (see below)                 |       in the user PML4, together
 *   0xffffffff80000000 | kernel image: phys 0 maps here      | 511  <- with the .entry.text
 *   0xffffffff80100000 | kernel loaded at phys 1 MiB         |          pages of the image
 *                      +------------------------------------+
 *
 *   Per-CPU entry area slice (CEA_STRIDE bytes at CEA_BASE + cpu * CEA_STRIDE):
 *
 *   +0x00000  entry page (RW): GS base in the kernel points here; scratch slots, TSS
 *   +0x01000  GDT (read-only alias)
 *   +0x02000  IDT (read-only alias of the one IDT)
 *   +0x03000  guard (unmapped)
 *   +0x04000  trampoline stack (RW, CEA_TRAMP_STACK_SIZE), TSS.RSP0 and SYSENTER_ESP point at its top
 *   +0x05000  guard
 *   +0x06000  NMI IST stack      +0x08000 guard
 *   +0x09000  #DB IST stack      +0x0b000 guard
 *   +0x0c000  #MC IST stack      +0x0e000 guard
 *   +0x0f000  #DF IST stack      +0x11000 guard ... up to CEA_STRIDE
 */
#ifndef PORTCULLIS_MEMLAYOUT_H
#define PORTCULLIS_MEMLAYOUT_H

#define PAGE_SHIFT          12
#define PAGE_SIZE           0x1000UL
#define LARGE_PAGE_SIZE     0x200000UL

/* User space. */
#define USER_BASE           0x0000000000001000UL   /* lowest mappable user address */
#define USER_IMAGE_BASE     0x0000000000400000UL   /* where ET_DYN static images are placed */
#define USER_TOP            0x00007ffffffff000UL   /* first address ring 3 may never map */
#define USER_STACK_TOP64    0x00007fff00000000UL
#define USER_STACK_SIZE     0x0000000000800000UL   /* 8 MiB reserved, faulted in on demand */
#define USER_STACK_TOP32    0x00000000ffffa000UL
#define USER_TOP32          0x00000000ffffe000UL   /* compat tasks: TASK_SIZE as on Linux */
#define VDSO32_BASE         0x00000000ffffc000UL   /* fixed; __kernel_vsyscall at offset 0 */
#define USER_MMAP_BASE64    0x00007f0000000000UL
#define USER_MMAP_BASE32    0x00000000f0000000UL

/* Kernel half. */
#define KERNEL_HALF_BASE    0xffff800000000000UL
#define DIRECT_MAP_BASE     0xffff888000000000UL
#define DIRECT_MAP_SIZE     0x0000400000000000UL   /* 64 TiB */
#define IOREMAP_BASE        0xffffc90000000000UL
#define IOREMAP_SIZE        0x0000010000000000UL   /* 1 TiB */
#define CEA_BASE            0xfffffe0000000000UL
#define KERNEL_VIRT_BASE    0xffffffff80000000UL   /* physical 0 */
#define KERNEL_LOAD_PHYS    0x0000000000100000UL
#define KERNEL_LOAD_VIRT    (KERNEL_VIRT_BASE + KERNEL_LOAD_PHYS)

/* Entry area slice layout (offsets from the CPU's slice base). */
#define CEA_STRIDE              0x20000UL
#define CEA_ENTRY_PAGE_OFF      0x00000UL
#define CEA_GDT_OFF             0x01000UL
#define CEA_IDT_OFF             0x02000UL
#define CEA_TRAMP_STACK_OFF     0x04000UL
#define CEA_TRAMP_STACK_SIZE    0x01000UL
#define CEA_IST_STACK_SIZE      0x02000UL
#define CEA_NMI_STACK_OFF       0x06000UL
#define CEA_DB_STACK_OFF        0x09000UL
#define CEA_MC_STACK_OFF        0x0c000UL
#define CEA_DF_STACK_OFF        0x0f000UL
#define CEA_USED_SIZE           0x11000UL

/* PML4 slots used above; the PTI policy and the audit are written in terms of these. */
#define PML4_SHIFT          39
#define PML4_INDEX(va)      ((((unsigned long)(va)) >> PML4_SHIFT) & 511)
#define PML4_USER_SLOTS     256
#define PML4_SLOT_DIRECT    PML4_INDEX(DIRECT_MAP_BASE)
#define PML4_SLOT_IOREMAP   PML4_INDEX(IOREMAP_BASE)
#define PML4_SLOT_CEA       PML4_INDEX(CEA_BASE)
#define PML4_SLOT_KERNEL    PML4_INDEX(KERNEL_VIRT_BASE)

/* Kernel stacks (in the direct map; never in the user PML4). */
#define KSTACK_ORDER        2
#define KSTACK_SIZE         (PAGE_SIZE << KSTACK_ORDER)

/* CR3: the kernel PML4 and the user PML4 are an 8 KiB-aligned pair; bit 12 selects the user one. */
#define PTI_USER_PGTABLE_BIT    12
#define PTI_USER_PGTABLE_MASK   (1UL << PTI_USER_PGTABLE_BIT)
/* With PCID: CR3 bits 11:0 hold the PCID; the user PCID of an address space is its kernel PCID
 * with bit 11 set. PCID 0 is the master kernel table's (kernel threads). Bit 63 of a CR3 write
 * (NOFLUSH) keeps the new PCID's TLB entries; it may only be written while CR4.PCIDE is on. */
#define PTI_USER_PCID_BIT       11
#define PTI_USER_PCID_MASK      (1UL << PTI_USER_PCID_BIT)
#define CR3_PCID_MASK           0xfffUL
#define CR3_NOFLUSH_BIT         63
#define CR3_NOFLUSH             (1UL << CR3_NOFLUSH_BIT)

#endif
