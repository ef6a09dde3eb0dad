/* Thin inline wrappers around x86-64 instructions, MSR numbers, and the CPU feature set. */
#ifndef PORTCULLIS_CPU_H
#define PORTCULLIS_CPU_H

#include "types.h"

/* MSRs. */
#define MSR_APIC_BASE        0x0000001b
#define MSR_IA32_SYSENTER_CS 0x00000174
#define MSR_IA32_SYSENTER_ESP 0x00000175
#define MSR_IA32_SYSENTER_EIP 0x00000176
#define MSR_IA32_PAT         0x00000277
#define MSR_X2APIC_BASE      0x00000800
#define MSR_EFER             0xc0000080
#define MSR_STAR             0xc0000081
#define MSR_LSTAR            0xc0000082
#define MSR_CSTAR            0xc0000083
#define MSR_SYSCALL_MASK     0xc0000084
#define MSR_FS_BASE          0xc0000100
#define MSR_GS_BASE          0xc0000101
#define MSR_KERNEL_GS_BASE   0xc0000102
#define MSR_TSC_AUX          0xc0000103

#define EFER_SCE  BIT(0)
#define EFER_LME  BIT(8)
#define EFER_LMA  BIT(10)
#define EFER_NXE  BIT(11)

#define X86_CR0_PE BIT(0)
#define X86_CR0_MP BIT(1)
#define X86_CR0_EM BIT(2)
#define X86_CR0_TS BIT(3)
#define X86_CR0_NE BIT(5)
#define X86_CR0_WP BIT(16)
#define X86_CR0_AM BIT(18)
#define X86_CR0_PG BIT(31)

#define X86_CR4_DE         BIT(3)
#define X86_CR4_PSE        BIT(4)
#define X86_CR4_PAE        BIT(5)
#define X86_CR4_PGE        BIT(7)
#define X86_CR4_OSFXSR     BIT(9)
#define X86_CR4_OSXMMEXCPT BIT(10)
#define X86_CR4_UMIP       BIT(11)
#define X86_CR4_FSGSBASE   BIT(16)
#define X86_CR4_PCIDE      BIT(17)
#define X86_CR4_OSXSAVE    BIT(18)
#define X86_CR4_SMEP       BIT(20)
#define X86_CR4_SMAP       BIT(21)

#define X86_RFLAGS_CF  BIT(0)
#define X86_RFLAGS_FIXED BIT(1)
#define X86_RFLAGS_TF  BIT(8)
#define X86_RFLAGS_IF  BIT(9)
#define X86_RFLAGS_DF  BIT(10)
#define X86_RFLAGS_IOPL (3ULL << 12)
#define X86_RFLAGS_NT  BIT(14)
#define X86_RFLAGS_RF  BIT(16)
#define X86_RFLAGS_VM  BIT(17)
#define X86_RFLAGS_AC  BIT(18)
#define X86_RFLAGS_ID  BIT(21)

static inline void cpuid_count(u32 leaf, u32 sub, u32 *a, u32 *b, u32 *c, u32 *d)
{
	__asm__ __volatile__("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(sub));
}
static inline void cpuid(u32 leaf, u32 *a, u32 *b, u32 *c, u32 *d) { cpuid_count(leaf, 0, a, b, c, d); }

static inline u64 rdmsr(u32 msr)
{
	u32 lo, hi;
	__asm__ __volatile__("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((u64)hi << 32) | lo;
}
static inline void wrmsr(u32 msr, u64 v)
{
	__asm__ __volatile__("wrmsr" :: "c"(msr), "a"((u32)v), "d"((u32)(v >> 32)) : "memory");
}

static inline u8  inb(u16 p)  { u8 v;  __asm__ __volatile__("inb %1, %0" : "=a"(v) : "Nd"(p)); return v; }
static inline u16 inw(u16 p)  { u16 v; __asm__ __volatile__("inw %1, %0" : "=a"(v) : "Nd"(p)); return v; }
static inline u32 inl(u16 p)  { u32 v; __asm__ __volatile__("inl %1, %0" : "=a"(v) : "Nd"(p)); return v; }
static inline void outb(u16 p, u8 v)  { __asm__ __volatile__("outb %0, %1" :: "a"(v), "Nd"(p)); }
static inline void outw(u16 p, u16 v) { __asm__ __volatile__("outw %0, %1" :: "a"(v), "Nd"(p)); }
static inline void outl(u16 p, u32 v) { __asm__ __volatile__("outl %0, %1" :: "a"(v), "Nd"(p)); }
static inline void io_wait(void) { outb(0x80, 0); }

#define DEFINE_CR(n) \
	static inline u64 read_cr##n(void) { u64 v; __asm__ __volatile__("mov %%cr" #n ", %0" : "=r"(v)); return v; } \
	static inline void write_cr##n(u64 v) { __asm__ __volatile__("mov %0, %%cr" #n :: "r"(v) : "memory"); }
DEFINE_CR(0)
DEFINE_CR(2)
DEFINE_CR(3)
DEFINE_CR(4)
#undef DEFINE_CR

static inline u64 rdtsc(void)
{
	u32 lo, hi;
	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return ((u64)hi << 32) | lo;
}
static inline u64 read_rflags(void) { u64 f; __asm__ __volatile__("pushfq; pop %0" : "=r"(f)); return f; }
static inline void cli(void) { __asm__ __volatile__("cli" ::: "memory"); }
static inline void sti(void) { __asm__ __volatile__("sti" ::: "memory"); }
static inline void hlt(void) { __asm__ __volatile__("hlt" ::: "memory"); }
static inline void cpu_relax(void) { __asm__ __volatile__("pause" ::: "memory"); }
static inline void invlpg(u64 va) { __asm__ __volatile__("invlpg (%0)" :: "r"(va) : "memory"); }
static inline bool irqs_enabled(void) { return read_rflags() & X86_RFLAGS_IF; }
#ifdef HOST_TEST
/* Host unit tests run in ring 3, where cli/sti fault (#GP): there are no interrupts to mask. */
static inline u64 irq_save(void) { return 0; }
static inline void irq_restore(u64 f) { (void)f; }
#else
static inline u64 irq_save(void) { u64 f = read_rflags(); cli(); return f; }
static inline void irq_restore(u64 f) { if (f & X86_RFLAGS_IF) sti(); }
#endif

/* SMAP: user accesses from the kernel happen only between stac() and clac(). */
void stac(void);
void clac(void);

/* CPU features, detected once from CPUID and filtered by no<feature> boot options. */
struct cpu_features {
	char vendor[13];
	bool intel, amd;
	u32  family, model, stepping;
	bool nx, pge, pse, pat, apic, x2apic, tsc, tsc_deadline, sysenter, syscall, lm, gbpages;
	bool fxsr, sse, sse2, xsave, xsaveopt, xsavec, xsaves, avx, avx512f;
	bool smep, smap, umip, fsgsbase, pcid, invpcid, rdtscp, invariant_tsc, la57;
	u32  xsave_size;      /* bytes of the XSAVE area for the features enabled in XCR0 */
	u64  xcr0;            /* the features enabled in XCR0 */
	u32  max_leaf, max_ext_leaf;
	u8   phys_bits, virt_bits;
	char brand[49];
};
extern struct cpu_features cpu;

static inline void xsetbv(u32 idx, u64 v)
{
	__asm__ __volatile__("xsetbv" :: "c"(idx), "a"((u32)v), "d"((u32)(v >> 32)));
}

#endif
