/*
 * gdt.c - per-CPU GDT and TSS, the IDT, and the MSRs of the fast system-call instructions.
 *
 * Each CPU's GDT and TSS live in its entry-area slice (include/pti.h): the GDT is mapped read-only
 * there, the IDT (one for all CPUs) too. LTR must write the busy bit into the TSS descriptor, so the
 * CPU first loads its GDT through the writable kernel alias, runs LTR, then switches to the
 * read-only alias.
 */
#include "types.h"
#include "arch.h"
#include "cpu.h"
#include "segment.h"
#include "percpu.h"
#include "pti.h"
#include "irq.h"
#include "string.h"
#include "memlayout.h"

struct desc_ptr {
	u16 limit;
	u64 base;
} __packed;

struct idt_gate {
	u16 off0, sel;
	u8 ist, type;
	u16 off1;
	u32 off2, zero;
} __packed;

#define GATE_INTERRUPT 0x8e
#define GATE_DPL3      0x60

/* Code/data descriptors: access byte and flags (L, D/B, G). */
static u64 seg_desc(u8 access, u8 flags)
{
	return 0xffffULL | (0xfULL << 48) | ((u64)access << 40) | ((u64)flags << 52);
}

extern char asm_divide_error[], asm_debug[], asm_nmi[], asm_int3[], asm_overflow[], asm_bounds[],
	asm_invalid_op[], asm_device_not_available[], asm_double_fault[], asm_coproc_overrun[],
	asm_invalid_tss[], asm_segment_not_present[], asm_stack_segment[], asm_general_protection[],
	asm_page_fault[], asm_spurious_exc[], asm_coprocessor_error[], asm_alignment_check[],
	asm_machine_check[], asm_simd_error[], asm_virtualization[], asm_control_protection[],
	asm_int80[], irq_stubs[], entry_SYSCALL_64[], entry_SYSCALL_compat[], entry_SYSENTER_compat[];

static void set_gate(unsigned v, void *handler, unsigned ist, bool user)
{
	struct idt_gate *g = (struct idt_gate *)idt_page + v;
	u64 a = (u64)handler;
	g->off0 = a & 0xffff;
	g->off1 = (a >> 16) & 0xffff;
	g->off2 = a >> 32;
	g->sel = KERNEL_CS;
	g->ist = ist;
	g->type = GATE_INTERRUPT | (user ? GATE_DPL3 : 0);
	g->zero = 0;
}

void idt_init(void)
{
	memset(idt_page, 0, PAGE_SIZE);
	set_gate(0, asm_divide_error, 0, false);
	set_gate(1, asm_debug, IST_DB, false);
	set_gate(2, asm_nmi, IST_NMI, false);
	set_gate(3, asm_int3, 0, true);          /* int3 from ring 3 -> SIGTRAP */
	set_gate(4, asm_overflow, 0, true);      /* into from ring 3 */
	set_gate(5, asm_bounds, 0, false);
	set_gate(6, asm_invalid_op, 0, false);
	set_gate(7, asm_device_not_available, 0, false);
	set_gate(8, asm_double_fault, IST_DF, false);
	set_gate(9, asm_coproc_overrun, 0, false);
	set_gate(10, asm_invalid_tss, 0, false);
	set_gate(11, asm_segment_not_present, 0, false);
	set_gate(12, asm_stack_segment, 0, false);
	set_gate(13, asm_general_protection, 0, false);
	set_gate(14, asm_page_fault, 0, false);
	set_gate(15, asm_spurious_exc, 0, false);
	set_gate(16, asm_coprocessor_error, 0, false);
	set_gate(17, asm_alignment_check, 0, false);
	set_gate(18, asm_machine_check, IST_MC, false);
	set_gate(19, asm_simd_error, 0, false);
	set_gate(20, asm_virtualization, 0, false);
	set_gate(21, asm_control_protection, 0, false);
	for (unsigned v = IRQ_VECTOR_BASE; v < 256; v++)
		set_gate(v, irq_stubs + (v - IRQ_VECTOR_BASE) * 16, 0, false);
	set_gate(VECTOR_SYSCALL_INT80, asm_int80, 0, true);
}

void cpu_tables_init(unsigned cpunr)
{
	struct cea_backing *b = &cea_backing[cpunr];
	u64 slice = cea_slice(cpunr);
	struct entry_page *ep = (struct entry_page *)(slice + CEA_ENTRY_PAGE_OFF);
	u64 *gdt = (u64 *)b->gdt;

	/* TSS: RSP0 and SYSENTER_ESP are the trampoline stack; the IST stacks; no I/O bitmap. */
	memset(&ep->tss, 0, sizeof(ep->tss));
	ep->tss.rsp0 = slice + CEA_TRAMP_STACK_OFF + CEA_TRAMP_STACK_SIZE;
	ep->tss.ist[IST_NMI - 1] = slice + CEA_NMI_STACK_OFF + CEA_IST_STACK_SIZE;
	ep->tss.ist[IST_DB - 1] = slice + CEA_DB_STACK_OFF + CEA_IST_STACK_SIZE;
	ep->tss.ist[IST_MC - 1] = slice + CEA_MC_STACK_OFF + CEA_IST_STACK_SIZE;
	ep->tss.ist[IST_DF - 1] = slice + CEA_DF_STACK_OFF + CEA_IST_STACK_SIZE;
	ep->tss.iomap_base = sizeof(struct tss);

	memset(gdt, 0, PAGE_SIZE);
	gdt[GDT_ENTRY_KERNEL32_CS] = seg_desc(0x9b, 0xc);   /* 32-bit ring-0 code (unused) */
	gdt[GDT_ENTRY_KERNEL_CS] = seg_desc(0x9b, 0xa);     /* 64-bit ring-0 code */
	gdt[GDT_ENTRY_KERNEL_DS] = seg_desc(0x93, 0xc);
	gdt[GDT_ENTRY_USER32_CS] = seg_desc(0xfb, 0xc);     /* 32-bit ring-3 code (compat) */
	gdt[GDT_ENTRY_USER_DS] = seg_desc(0xf3, 0xc);
	gdt[GDT_ENTRY_USER_CS] = seg_desc(0xfb, 0xa);       /* 64-bit ring-3 code */
	u64 t = (u64)&ep->tss, lim = sizeof(struct tss) - 1;
	gdt[GDT_ENTRY_TSS] = (lim & 0xffff) | ((t & 0xffffff) << 16) | (0x89ULL << 40) |
			     (((lim >> 16) & 0xf) << 48) | (((t >> 24) & 0xff) << 56);
	gdt[GDT_ENTRY_TSS + 1] = t >> 32;

	struct desc_ptr rw = { GDT_ENTRIES * 8 - 1, (u64)gdt };
	struct desc_ptr ro = { GDT_ENTRIES * 8 - 1, slice + CEA_GDT_OFF };
	struct desc_ptr idt = { 256 * 16 - 1, slice + CEA_IDT_OFF };
	__asm__ __volatile__(
		"lgdt %0\n\t"
		"pushq %[cs]\n\t"
		"leaq 1f(%%rip), %%rax\n\t"
		"pushq %%rax\n\t"
		"lretq\n"
		"1:\n\t"
		"movl %[ds], %%eax\n\t"
		"movl %%eax, %%ss\n\t"
		"movl %[uds], %%eax\n\t"
		"movl %%eax, %%ds\n\t"
		"movl %%eax, %%es\n\t"
		"xorl %%eax, %%eax\n\t"
		"movl %%eax, %%fs\n\t"
		"movl %%eax, %%gs\n\t"
		"ltr %w[tss]\n\t"
		"lgdt %1\n\t"
		"lidt %2\n\t"
		:: "m"(rw), "m"(ro), "m"(idt), [cs] "i"(KERNEL_CS), [ds] "i"(KERNEL_DS), [uds] "i"(USER_DS),
		   [tss] "r"(TSS_SEL)
		: "rax", "memory");

	/*
	 * DS and ES hold the user data selector for good, as on Linux: 64-bit code ignores them, and
	 * 32-bit code needs a usable DS/ES (a null one faults on every access; QEMU's TCG does not
	 * check, Bochs and real CPUs do). From the first user task on they are per task (tls.c).
	 */

	/* Kernel GS base: this CPU's entry page. The user's (0 for now) is the inactive one. */
	wrmsr(MSR_GS_BASE, (u64)ep);
	wrmsr(MSR_KERNEL_GS_BASE, 0);
	wrmsr(MSR_FS_BASE, 0);

	/* SYSCALL/SYSRET. SFMASK clears IF, TF, DF, AC, NT and the arithmetic flags on entry. */
	wrmsr(MSR_STAR, ((u64)(USER32_CS & ~3) << 48) | ((u64)KERNEL_CS << 32));
	wrmsr(MSR_LSTAR, (u64)entry_SYSCALL_64);
	wrmsr(MSR_CSTAR, (u64)entry_SYSCALL_compat);
	wrmsr(MSR_SYSCALL_MASK, X86_RFLAGS_CF | BIT(2) | BIT(4) | BIT(6) | BIT(7) | X86_RFLAGS_TF |
	      X86_RFLAGS_IF | X86_RFLAGS_DF | BIT(11) | X86_RFLAGS_IOPL | X86_RFLAGS_NT | X86_RFLAGS_RF |
	      X86_RFLAGS_AC | X86_RFLAGS_ID);
	/* SYSENTER: lands on the trampoline stack, like an interrupt from ring 3. */
	if (cpu.sysenter) {
		wrmsr(MSR_IA32_SYSENTER_CS, KERNEL_CS);
		wrmsr(MSR_IA32_SYSENTER_ESP, ep->tss.rsp0);
		wrmsr(MSR_IA32_SYSENTER_EIP, (u64)entry_SYSENTER_compat);
	}
}
