/*
 * backtrace.c - stack traces by walking the frame-pointer chain.
 *
 * The kernel is built with -fno-omit-frame-pointer, so every C function starts with
 *     push %rbp; mov %rsp, %rbp
 * and a frame looks like this, RBP pointing at its first word:
 *     [rbp + 8]  return address into the caller
 *     [rbp + 0]  the caller's RBP: the next frame
 * The chain ends at a zero RBP (boot.asm and new tasks start with RBP = 0).
 *
 * This runs in the panic path, on possibly corrupt stacks, so a frame is read only if all 16 bytes
 * lie in memory known to be mapped: RAM in the direct map (per the boot memory map), the kernel
 * image, or a stack in this CPU's entry-area slice (the trampoline and IST stacks; the guard pages
 * between them are not mapped). No lock is taken and nothing is written.
 */
#include "generated/autoconf.h"
#include "types.h"
#include "cpu.h"
#include "memlayout.h"
#include "boot.h"
#include "printk.h"
#include "symbols.h"

#define BACKTRACE_MAX_FRAMES   32
#define BACKTRACE_MAX_SWITCHES 3        /* stack changes allowed (IST -> task stack, ...) */
#define FRAME_SIZE             16       /* saved RBP + return address */
#define LOW_4G                 0x100000000ULL

extern char _text[], _end[];            /* kernel/arch/x86_64/kernel.ld */

/* [a, a + len) inside [lo, hi), without overflow. */
static bool range_in(u64 a, u64 len, u64 lo, u64 hi)
{
	return a >= lo && a <= hi && hi - a >= len;
}

/* Physical [p, p + len) inside one usable-RAM entry of the boot memory map. */
static bool phys_is_ram(u64 p, u64 len)
{
	unsigned n = MIN(boot_info.nmmap, (unsigned)BOOT_MAX_MMAP);
	for (unsigned i = 0; i < n; i++) {
		const struct boot_mmap_entry *e = &boot_info.mmap[i];
		if (e->type == 1 && e->len && range_in(p, len, e->base, e->base + e->len))
			return true;
	}
	return false;
}

/*
 * The entry-area slice of the CPU we run on, or 0. The kernel's GS base points at it; if we came
 * from ring 3 without SWAPGS, KERNEL_GS_BASE holds it instead. Reading the MSRs cannot fault,
 * unlike reading through %gs.
 */
static u64 this_cea_slice(void)
{
	const u64 msrs[2] = { rdmsr(MSR_GS_BASE), rdmsr(MSR_KERNEL_GS_BASE) };
	for (int i = 0; i < 2; i++) {
		u64 v = msrs[i];
		if (v >= CEA_BASE && (v - CEA_BASE) % CEA_STRIDE == 0 &&
		    (v - CEA_BASE) / CEA_STRIDE < CONFIG_NR_CPUS)
			return v;
	}
	return 0;
}

/* A stack in an entry-area slice: the trampoline stack or one of the IST stacks. */
static bool in_cea_stack(u64 a, u64 len, u64 slice)
{
	static const struct { u64 off, size; } stacks[] = {
		{ CEA_TRAMP_STACK_OFF, CEA_TRAMP_STACK_SIZE },
		{ CEA_NMI_STACK_OFF, CEA_IST_STACK_SIZE },
		{ CEA_DB_STACK_OFF, CEA_IST_STACK_SIZE },
		{ CEA_MC_STACK_OFF, CEA_IST_STACK_SIZE },
		{ CEA_DF_STACK_OFF, CEA_IST_STACK_SIZE },
	};
	if (!slice)
		return false;
	for (unsigned i = 0; i < ARRAY_SIZE(stacks); i++) {
		u64 lo = slice + stacks[i].off;
		if (range_in(a, len, lo, lo + stacks[i].size))
			return true;
	}
	return false;
}

/* May the frame at fp (16 bytes) be read without faulting? */
static bool frame_ok(u64 fp, u64 cea_slice)
{
	if (!IS_ALIGNED(fp, 8))
		return false;
	if (fp < KERNEL_HALF_BASE)              /* user half, or non-canonical */
		return false;
	if (range_in(fp, FRAME_SIZE, (u64)_text, (u64)_end))
		return true;
	if (range_in(fp, FRAME_SIZE, DIRECT_MAP_BASE, DIRECT_MAP_BASE + DIRECT_MAP_SIZE))
		return phys_is_ram(fp - DIRECT_MAP_BASE, FRAME_SIZE);
	return in_cea_stack(fp, FRAME_SIZE, cea_slice);
}

/*
 * One line. For a return address the symbol is looked up at addr - 1, so that a call that is the
 * last instruction of a function (to a noreturn function) is attributed to that function.
 */
static void print_frame(u64 addr, bool is_return)
{
	u64 off, size;
	const char *name = sym_lookup_size(is_return ? addr - 1 : addr, &off, &size);

	if (name)
		printk(KERN_ERR "  [<%016lx>] %s+0x%lx/0x%lx\n", addr, name,
		       is_return ? off + 1 : off, size);
	else
		printk(KERN_ERR "  [<%016lx>] ?\n", addr);
}

void backtrace_print(u64 rip, u64 rbp)
{
	u64 slice = this_cea_slice();
	unsigned frames = 1, switches = 0;
	u64 fp = rbp;

	print_frame(rip, false);

	while (fp) {
		if (frames == BACKTRACE_MAX_FRAMES) {
			printk(KERN_ERR "  ... (more than %u frames)\n", BACKTRACE_MAX_FRAMES);
			return;
		}
		if (!frame_ok(fp, slice)) {
			printk(KERN_ERR "  (bad frame pointer %016lx)\n", fp);
			return;
		}
		const u64 *frame = (const u64 *)fp;
		u64 next = frame[0], ret = frame[1];
		if (!ret)
			return;
		print_frame(ret, true);
		frames++;
		if (!sym_in_kernel_text(ret))
			return;                 /* not a kernel return address: the rest is noise */

		/*
		 * Callers' frames lie at higher addresses on the same stack. Going down means a
		 * different stack (an IST or trampoline stack back to the interrupted one); allow a
		 * few such changes, never a loop.
		 */
		if (next <= fp && (next == fp || ++switches > BACKTRACE_MAX_SWITCHES))
			return;
		fp = next;
	}
}

void dump_stack(void)
{
	u64 rip;
	__asm__ __volatile__("lea 0(%%rip), %0" : "=r"(rip));
	backtrace_print(rip, (u64)__builtin_frame_address(0));
}
