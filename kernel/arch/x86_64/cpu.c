/*
 * cpu.c - CPU feature detection and control-register set-up.
 *
 * Rule: a CR4 bit is set only when CPUID advertises the feature, and every optional feature can be
 * refused with a Linux-style boot option (nosmep, nosmap, noumip, nofsgsbase, noxsave, nopcid,
 * noinvpcid). QEMU 7.2 even hangs when a CR4 bit is set that CPUID does not advertise.
 */
#include "types.h"
#include "arch.h"
#include "cpu.h"
#include "printk.h"
#include "string.h"
#include "bootparams.h"
#include "kernel.h"

struct cpu_features cpu;
bool opt_nox2apic;
u8 entry_use_fsgsbase;     /* read by the paranoid entry code: use RDGSBASE/WRGSBASE */

void cpu_detect(void)
{
	u32 a, b, c, d;
	cpuid(0, &a, &b, &c, &d);
	cpu.max_leaf = a;
	memcpy(cpu.vendor + 0, &b, 4);
	memcpy(cpu.vendor + 4, &d, 4);
	memcpy(cpu.vendor + 8, &c, 4);
	cpu.vendor[12] = 0;
	cpu.intel = !strcmp(cpu.vendor, "GenuineIntel");
	cpu.amd = !strcmp(cpu.vendor, "AuthenticAMD") || !strcmp(cpu.vendor, "HygonGenuine");

	cpuid(1, &a, &b, &c, &d);
	cpu.stepping = a & 0xf;
	cpu.model = ((a >> 4) & 0xf) | (((a >> 16) & 0xf) << 4);
	cpu.family = ((a >> 8) & 0xf) + (((a >> 8) & 0xf) == 0xf ? ((a >> 20) & 0xff) : 0);
	cpu.fxsr = d & BIT(24);
	cpu.sse = d & BIT(25);
	cpu.sse2 = d & BIT(26);
	cpu.pse = d & BIT(3);
	cpu.tsc = d & BIT(4);
	cpu.apic = d & BIT(9);
	cpu.sysenter = d & BIT(11);
	cpu.pge = d & BIT(13);
	cpu.pat = d & BIT(16);
	cpu.pcid = c & BIT(17);
	cpu.x2apic = c & BIT(21);
	cpu.tsc_deadline = c & BIT(24);
	cpu.xsave = c & BIT(26);
	cpu.avx = c & BIT(28);

	if (cpu.max_leaf >= 7) {
		cpuid_count(7, 0, &a, &b, &c, &d);
		cpu.fsgsbase = b & BIT(0);
		cpu.smep = b & BIT(7);
		cpu.invpcid = b & BIT(10);
		cpu.avx512f = b & BIT(16);
		cpu.smap = b & BIT(20);
		cpu.umip = c & BIT(2);
		cpu.la57 = c & BIT(16);
	}
	if (cpu.xsave && cpu.max_leaf >= 0xd) {
		cpuid_count(0xd, 1, &a, &b, &c, &d);
		cpu.xsaveopt = a & BIT(0);
		cpu.xsavec = a & BIT(1);
		cpu.xsaves = a & BIT(3);
	}

	cpuid(0x80000000, &a, &b, &c, &d);
	cpu.max_ext_leaf = a;
	if (a >= 0x80000001) {
		cpuid(0x80000001, &a, &b, &c, &d);
		cpu.syscall = d & BIT(11);
		cpu.nx = d & BIT(20);
		cpu.gbpages = d & BIT(26);
		cpu.rdtscp = d & BIT(27);
		cpu.lm = d & BIT(29);
	}
	if (cpu.max_ext_leaf >= 0x80000004) {
		u32 *w = (u32 *)cpu.brand;
		for (u32 i = 0; i < 3; i++)
			cpuid(0x80000002 + i, &w[i * 4], &w[i * 4 + 1], &w[i * 4 + 2], &w[i * 4 + 3]);
		cpu.brand[48] = 0;
	}
	if (cpu.max_ext_leaf >= 0x80000007) {
		cpuid(0x80000007, &a, &b, &c, &d);
		cpu.invariant_tsc = d & BIT(8);
	}
	if (cpu.max_ext_leaf >= 0x80000008) {
		cpuid(0x80000008, &a, &b, &c, &d);
		cpu.phys_bits = a & 0xff;
		cpu.virt_bits = (a >> 8) & 0xff;
	}
}

/* Apply no<feature> boot options: a refused feature is treated as absent from then on. */
void cpu_apply_boot_options(void)
{
	if (boot_params.nosmep) cpu.smep = false;
	if (boot_params.nosmap) cpu.smap = false;
	if (boot_params.noumip) cpu.umip = false;
	if (boot_params.nofsgsbase) cpu.fsgsbase = false;
	if (boot_params.noxsave) cpu.xsave = cpu.xsaveopt = cpu.xsavec = cpu.xsaves = cpu.avx = cpu.avx512f = false;
	if (boot_params.nopcid) cpu.pcid = false;
	if (boot_params.noinvpcid) cpu.invpcid = false;
	if (boot_params.nox2apic) cpu.x2apic = false;
	opt_nox2apic = boot_params.nox2apic;
}

/* SMAP: user memory is accessible from ring 0 only between stac() and clac(). */
static bool smap_on;
void stac(void) { if (smap_on) __asm__ __volatile__("stac" ::: "memory"); }
void clac(void) { if (smap_on) __asm__ __volatile__("clac" ::: "memory"); }

void cpu_setup_control_regs(void)
{
	u64 cr0 = read_cr0();
	cr0 |= X86_CR0_MP | X86_CR0_NE | X86_CR0_WP;
	cr0 &= ~(X86_CR0_EM | X86_CR0_TS | X86_CR0_AM);
	write_cr0(cr0);

	u64 cr4 = read_cr4();
	if (cpu.fxsr) cr4 |= X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;
	if (cpu.xsave) cr4 |= X86_CR4_OSXSAVE;
	if (cpu.smep) cr4 |= X86_CR4_SMEP;
	if (cpu.umip) cr4 |= X86_CR4_UMIP;
	if (cpu.fsgsbase) cr4 |= X86_CR4_FSGSBASE;
	if (cpu.pcid) cr4 |= X86_CR4_PCIDE;          /* CR3's PCID is 0 here, as PCIDE requires */
	write_cr4(cr4);
	/* SMAP last: from here on, a kernel access to user memory outside stac/clac faults. */
	if (cpu.smap) {
		write_cr4(read_cr4() | X86_CR4_SMAP);
		smap_on = true;
	}
	entry_use_fsgsbase = cpu.fsgsbase;
	u64 efer = rdmsr(MSR_EFER);
	if (cpu.nx)
		efer |= EFER_NXE;
	wrmsr(MSR_EFER, efer | EFER_SCE);
}

void cpu_print(void)
{
	pr_info("cpu: %s family %u model %u stepping %u \"%s\"\n", cpu.vendor, cpu.family, cpu.model,
		cpu.stepping, cpu.brand);
	pr_info("cpu: nx=%d smep=%d smap=%d umip=%d fsgsbase=%d pcid=%d invpcid=%d xsave=%d avx=%d "
		"avx512f=%d x2apic=%d sysenter=%d\n", cpu.nx, cpu.smep, cpu.smap, cpu.umip, cpu.fsgsbase,
		cpu.pcid, cpu.invpcid, cpu.xsave, cpu.avx, cpu.avx512f, cpu.x2apic, cpu.sysenter);
	pr_info("cpu: CR0=%#lx CR4=%#lx EFER=%#lx\n", (unsigned long)read_cr0(),
		(unsigned long)read_cr4(), (unsigned long)rdmsr(MSR_EFER));
}
