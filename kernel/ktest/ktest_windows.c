/*
 * ktest_windows.c - the entry_windows self-test: a #DB and an NMI on every instruction of the
 * entry/exit text, each checking the GS base, CR3 and stack the paranoid entry found against
 * what the code says they must be at that instruction.
 *
 * The paranoid entries (#DB, NMI) can interrupt any instruction, including the windows between
 * SWAPGS and the CR3 switch on entry and between the CR3 switch and SWAPGS/SYSRET/IRET on exit,
 * so they read GS and CR3 from the machine (kernel/entry/entry_64.asm, paranoid_entry). This test
 * makes them do it at every single instruction:
 *
 * 1. The instruction list comes from the build. scripts/genwindows disassembles .entry.text of
 *    the first kernel link and writes a table (linked into the second, `entry_windows_table`)
 *    with, for every instruction, its path, the contexts it can run in, and for each context the
 *    stack kind and the GS/CR3 state expected before it executes, derived by simulating the code
 *    (see that script for the rules). Nothing here knows an address by hand.
 *
 * 2. For each instruction a hardware execute breakpoint (DR0-DR2) is armed and a ring-3 driver
 *    (user/t_windows) makes the round trips that execute it: SYSCALL, compat SYSCALL or SYSENTER
 *    through the vDSO, INT 0x80 from both modes, every exception ring 3 can raise, the faulting
 *    IRETQ, interrupts arriving in ring 3 (self-IPIs on every vector, timer ticks), and the
 *    exceptions and interrupts the kernel takes itself. The breakpoints *chase* the code: when one
 *    hits, the #DB handler re-arms it on the next instruction of the queue, so one round trip
 *    usually walks a whole path. DR3 is a heartbeat on the last instruction of every round trip
 *    (SYSRETQ, SYSRETL or the IRETQ to ring 3): a breakpoint that has not been hit for several
 *    round trips is given up (that driver does not reach it; a later one may).
 *
 * 3. At a hit, do_paranoid() has recorded the CR3 and GS state paranoid_entry found
 *    (entry_page.ktest_last_cr3/_gs) and do_debug() calls ktest_windows_debug(). The state is
 *    compared with the table's expectation for the context the stack kind of RSP identifies.
 *    Then an NMI is made to arrive at the same instruction, before it executes: see "NMI at the
 *    breakpoint" below. The NMI handler (ktest_windows_nmi) compares its own findings the same way.
 *    Then RF is set in the saved RFLAGS (an instruction breakpoint is a fault: without RF the
 *    instruction would trap again) and the instruction runs.
 *
 * 4. Coverage: an instruction is covered when, in every context the table gives it for this
 *    configuration, a #DB and an NMI found the expected state. Printed per path and in total; the
 *    test passes when every instruction this cell can execute is covered and nothing mismatched.
 *
 * NMI at the breakpoint. An NMI sent from the #DB handler is delivered at once, inside the
 * handler: nothing blocks NMIs there. But a *blocked* NMI is delivered at the instruction boundary
 * right after the IRET that unblocks NMIs, and an NMI outranks a code breakpoint (SDM 6.9). So the
 * #DB handler first takes one NMI itself and never returns from it: the NMI handler longjmp()s back
 * into the #DB handler, leaving the CPU in the NMI-blocked state with nothing else changed (that
 * NMI found the kernel GS and CR3 and switched nothing; its IST frame is simply abandoned, and the
 * nested-NMI bookkeeping words at the top of the NMI stack are cleared). Then it sends a second
 * NMI, which stays latched until the #DB handler's own IRETQ: it lands exactly at the breakpoint's
 * instruction, with the interrupted context's registers, GS and CR3 - a real NMI, through the
 * real NMI entry, from the same point as the #DB.
 *
 * Not covered, by necessity (counted as excluded): the #DB and NMI paths themselves (and #MC,
 * #DF, and the paranoid_entry/exit they share) - a breakpoint there would re-enter #DB on its own
 * IST stack, and the NMI path is where this test's NMIs run; the CONFIG_DEBUG_ENTRY panic paths;
 * the stubs of vectors nothing can raise on this kernel (listed below); and two irq_stubs slots:
 * 0x80, which the IDT gives to asm_int80, and 0xff, the APIC's spurious vector (a self-IPI on it
 * stays in service on Bochs and blocks every interrupt after it). Per cell, what the
 * configuration cannot execute (CR3-switch bodies with PTI off, PCID code without PCID, the
 * compat SYSCALL path on Intel and SYSENTER on AMD, exceptions an emulator does not raise: QEMU
 * raises no #XM nor #AC, and #GP where #SS is due) is reported as "other cells".
 *
 * Two more things the test arranges itself: the flush branch of SWITCH_TO_USER_CR3 (PCID) runs
 * only when the user PCID is marked stale, so while a breakpoint waits there the test marks it
 * (an extra flush is harmless); and QEMU's IRETQ does not refuse a non-canonical RIP, so for the
 * faulting-IRET round trips the test also clears SS in the IRET frame (see bad_iret_frame()).
 *
 * Hooks (CONFIG_KTEST, kernel/arch/x86_64/traps.c): do_debug -> ktest_windows_debug, do_nmi ->
 * ktest_windows_nmi, do_irq -> ktest_windows_irq (the self-IPIs are acknowledged there and go no
 * further). All three do nothing unless this suite is running.
 */
#include "types.h"
#include "ktest.h"
#include "task.h"
#include "percpu.h"
#include "paging.h"
#include "apic.h"
#include "cpu.h"
#include "irq.h"
#include "entry.h"
#include "printk.h"
#include "string.h"
#include "time.h"
#include "symbols.h"

/* The hooks (called from kernel/arch/x86_64/traps.c). */

extern char _entry_text_start[], iret_to_user_insn[];

/* ---- the table (scripts/genwindows has the authoritative description) ------------------------- */

#define EW_MAGIC   0x4E495745          /* 'EWIN' */
#define EW_VERSION 1
#define EW_MAX_CTX 4

struct ew_ctx {
	u8 origins;        /* EW_ORIG_*: where the paths that run it in this context came from */
	u8 stack;          /* EW_STK_*: what RSP points at */
	u8 state;          /* bit 0: the GS base is the user's; bit 1: CR3 is the user PML4 */
	u8 configs;        /* EW_CFG_*: configurations in which this context exists */
};

struct ew_insn {
	u64 addr;
	u16 path;
	u8 len, nctx;
	u32 flags;
	struct ew_ctx ctx[EW_MAX_CTX];
};

struct ew_path {
	u64 start;
	const char *name;
};

struct ew_table {
	u32 magic, version, ninsns, npaths, padding_insns, padding_bytes;
	const struct ew_insn *insns;
	const struct ew_path *paths;
	const char *source;
};

static_assert(sizeof(struct ew_insn) == 32, "struct ew_insn matches scripts/genwindows");
static_assert(sizeof(struct ew_path) == 16, "struct ew_path matches scripts/genwindows");
static_assert(sizeof(struct ew_table) == 48, "struct ew_table matches scripts/genwindows");

extern const struct ew_table entry_windows_table;

enum { EW_CFG_NOPTI = 1, EW_CFG_PTI_PCID = 2, EW_CFG_PTI_NOPCID = 4 };
enum { EW_ORIG_U = 1, EW_ORIG_K = 2, EW_ORIG_B = 4 };
enum { EW_STK_LOW, EW_STK_TRAMP, EW_STK_KSTACK, EW_STK_CEA };
enum { EW_EXCL_NONE, EW_EXCL_PARANOID, EW_EXCL_FAILPATH, EW_EXCL_DEAD };
enum { EW_GRP_SYSCALL64 = 1, EW_GRP_SYSCALL32 = 2, EW_GRP_SYSENTER = 4, EW_GRP_IDT = 8, EW_GRP_IRQ = 16 };
enum { EW_KIND_SYSRETQ = 1, EW_KIND_SYSRETD, EW_KIND_IRETQ, EW_KIND_FLUSH_TEST, EW_KIND_FLUSH_BRANCH };

#define EW_CONFIGS(f) ((f) & 7)
#define EW_EXCL(f)    (((f) >> 4) & 0xf)
#define EW_GROUPS(f)  (((f) >> 8) & 0x1f)
#define EW_KIND(f)    (((f) >> 16) & 0xf)

static const char *const stack_names[] = { "LOW", "TRAMP", "KSTACK", "CEA" };

/* ---- what this cell can execute ------------------------------------------------------------- */

/* Why an instruction is not expected to be covered here. */
enum skip {
	SKIP_NONE,
	/* excluded (in every cell) */
	SKIP_PARANOID, SKIP_FAILPATH, SKIP_DEAD, SKIP_VECTOR, SKIP_IRQ_STUB,
	/* other cells */
	SKIP_CONFIG, SKIP_VENDOR, SKIP_CPU,
};
#define SKIP_IS_EXCLUDED(s) ((s) >= SKIP_PARANOID && (s) <= SKIP_IRQ_STUB)

static const char *const skip_names[] = {
	[SKIP_PARANOID] = "paranoid paths (#DB, NMI, #MC, #DF)",
	[SKIP_FAILPATH] = "CONFIG_DEBUG_ENTRY panic paths",
	[SKIP_DEAD] = "unreachable code",
	[SKIP_VECTOR] = "stubs of vectors nothing raises",
	[SKIP_IRQ_STUB] = "irq stubs of 0x80 (the IDT gives it to asm_int80) and 0xff (spurious: only "
			  "the APIC raises it; a self-IPI there is left in service by Bochs)",
	[SKIP_CONFIG] = "not executed in this configuration (PTI/PCID)",
	[SKIP_VENDOR] = "the other vendor's compat fast path",
	[SKIP_CPU] = "exceptions this CPU does not raise",
};

/* The IDT stubs of vectors that nothing can raise on this kernel, and why. */
static const struct { const char *path, *why; } unraisable[] = {
	{ "asm_device_not_available", "#NM: CR0.TS and CR0.EM are never set" },
	{ "asm_coproc_overrun", "vector 9: no x86-64 CPU raises it" },
	{ "asm_invalid_tss", "#TS: no task switch exists in long mode" },
	{ "asm_segment_not_present", "#NP: every descriptor ring 3 can load is present" },
	{ "asm_spurious_exc", "vector 15: reserved" },
	{ "asm_virtualization", "#VE: raised only to a guest, by EPT violations" },
	{ "asm_control_protection", "#CP: CET is not enabled" },
};

#define EW_MAX_INSNS 4096
#define EW_SLOTS 3                    /* DR0-DR2 chase targets; DR3 is the heartbeat */
#define EW_MISS_LIMIT 4               /* heartbeats without a hit before a target is given up */
#define EW_MAX_BAD 12                 /* mismatches kept for the report */

/* Per instruction: its cell status and, per context (bit c), what was found. */
struct ew_result {
	u8 skip;                      /* enum skip */
	u8 need;                      /* contexts that exist in this cell */
	u8 db_ok, nmi_ok;             /* a #DB / an NMI there found the expected state */
	u8 nmi_sent;                  /* an NMI is on its way there (lands right after the IRET) */
	u8 db_bad, nmi_bad;           /* ... or did not */
	u8 no_ctx;                    /* a hit on a kind of stack the table has no context for */
	u8 hits;                      /* breakpoint hits (saturating), for the report */
};

/* A mismatch, for the report. */
struct ew_bad {
	u64 addr, cr3, rsp;
	u8 what, stack, gs_kernel, expect;   /* what: 0 #DB, 1 NMI, 2 NMI elsewhere (addr = where) */
};

enum { NMI_IDLE, NMI_BLOCKING, NMI_EXPECT };

enum mode_kind { MODE_DRIVER, MODE_KERNEL_IPI, MODE_KERNEL_TIMER };
enum heartbeat { HB_NONE, HB_SYSRETQ, HB_SYSRETD, HB_IRET };

/* Mode flags. */
#define EWM_IPI       BIT(0)  /* at each heartbeat, self-IPI the vector of an armed irq stub */
#define EWM_SET_AM    BIT(1)  /* run the driver with CR0.AM set (#AC) */
#define EWM_MAYBE     BIT(2)  /* the CPU may not raise this exception (driver exit status 3) */
#define EWM_BAD_IRET  BIT(3)  /* make the IRETQ to a non-canonical RIP fault on every CPU */

#define EW_MODE_PATHS 6
struct ew_mode {
	const char *name;             /* also the driver's mode argument */
	enum mode_kind kind;
	u8 origins;                   /* EW_ORIG_*: the contexts its round trips produce */
	enum heartbeat hb;
	const char *paths[EW_MODE_PATHS];
	int vector;                   /* irq_stubs: -1 every vector but the timer's, else only this */
	unsigned flags;               /* EWM_* */
};

#define COMMON "error_entry", "error_return", "return_to_user_iret_work", "return_to_user_iret"
#define EXC(n, p, f) { n, MODE_DRIVER, EW_ORIG_U, HB_IRET, { p, COMMON }, -1, f }

/*
 * The round trips, cheapest first: the common paths (error_entry & co.) are covered by the
 * INT 0x80 modes, so every exception mode after them only walks its own stub.
 */
static const struct ew_mode modes[] = {
	{ "syscall", MODE_DRIVER, EW_ORIG_U, HB_SYSRETQ, { "entry_SYSCALL_64" }, -1, 0 },
	{ "syscall-iret", MODE_DRIVER, EW_ORIG_U, HB_IRET, { "entry_SYSCALL_64", "return_to_user_iret" },
	  -1, 0 },
	{ "int80", MODE_DRIVER, EW_ORIG_U, HB_IRET, { "asm_int80", COMMON }, -1, 0 },
	{ "int80-compat", MODE_DRIVER, EW_ORIG_U, HB_IRET, { "asm_int80", COMMON }, -1, 0 },
	{ "vdso", MODE_DRIVER, EW_ORIG_U, HB_SYSRETD,
	  { "entry_SYSCALL_compat", "entry_SYSENTER_compat", "sysretl_to_user" }, -1, 0 },
	{ "vdso-iret", MODE_DRIVER, EW_ORIG_U, HB_IRET,
	  { "entry_SYSCALL_compat", "entry_SYSENTER_compat", "return_to_user_iret" }, -1, 0 },
	EXC("de", "asm_divide_error", 0),
	EXC("bp", "asm_int3", 0),
	EXC("of", "asm_overflow", 0),
	EXC("br", "asm_bounds", 0),
	EXC("ud", "asm_invalid_op", 0),
	EXC("ss", "asm_stack_segment", EWM_MAYBE),
	EXC("gp", "asm_general_protection", 0),
	EXC("pf", "asm_page_fault", 0),
	EXC("mf", "asm_coprocessor_error", EWM_MAYBE),
	EXC("xm", "asm_simd_error", EWM_MAYBE),
	EXC("ac", "asm_alignment_check", EWM_MAYBE | EWM_SET_AM),
	{ "badiret", MODE_DRIVER, EW_ORIG_U | EW_ORIG_B, HB_IRET, { "asm_general_protection", COMMON },
	  -1, EWM_BAD_IRET },
	{ "kfault", MODE_DRIVER, EW_ORIG_K, HB_SYSRETQ, { "asm_page_fault", "error_entry", "error_return" },
	  -1, 0 },
	{ "irq", MODE_DRIVER, EW_ORIG_U, HB_IRET, { "irq_stubs", "irq_common", COMMON }, -1, EWM_IPI },
	{ "spin", MODE_DRIVER, EW_ORIG_U, HB_NONE, { "irq_stubs", "irq_common", COMMON }, VECTOR_TIMER, 0 },
	{ "kernel-irq", MODE_KERNEL_IPI, EW_ORIG_K, HB_NONE,
	  { "irq_stubs", "irq_common", "error_entry", "error_return" }, -1, 0 },
	{ "kernel-timer", MODE_KERNEL_TIMER, EW_ORIG_K, HB_NONE,
	  { "irq_stubs", "irq_common", "error_entry", "error_return" }, VECTOR_TIMER, 0 },
};

/* Everything the hooks share with the suite. IRQs are off wherever the suite changes it. */
static struct {
	volatile bool active;                 /* the hooks act only while this is set */
	const struct ew_table *t;
	u8 cfg;                               /* EW_CFG_* of this cell */
	u8 groups;                            /* EW_GRP_* this CPU can enter */
	u64 irq_stubs, irq_stubs_end;         /* the irq_stubs path, for vector numbers */

	/* The mode running. */
	const struct ew_mode *mode;
	u16 queue[EW_MAX_INSNS];
	unsigned qlen, qpos;
	int slot[EW_SLOTS];                   /* armed target (index into the table) or -1 */
	u8 miss[EW_SLOTS];
	u64 hb_addr;
	u64 dr7;
	u64 saved_ss;                         /* EWM_BAD_IRET: the SS cleared in the faulting frame */
	unsigned hits, heartbeats, gaveup;
	volatile u8 ipi_outstanding[256];
	volatile unsigned ipis_outstanding;
	unsigned ipi_late, nmi_block_failed;

	/* NMI at the breakpoint. */
	volatile int nmi_state;
	int nmi_idx, nmi_ctx;                 /* what the expected NMI measures (-1: the probe) */
	u64 nmi_addr;
	unsigned nmi_elsewhere, nmi_lost;

	/* The probe (do hardware breakpoints and the NMI trick work on this CPU at all?). */
	volatile unsigned probe_hits, probe_nmis;
	u64 probe_addr;

	/* Results. */
	struct ew_result r[EW_MAX_INSNS];
	struct ew_bad bad[EW_MAX_BAD];
	unsigned nbad, db_checks, db_mismatches, nmi_checks, nmi_mismatches, no_ctx;
} ew;

/* ---- small helpers -------------------------------------------------------------------------- */

static void set_dr(unsigned n, u64 v)
{
	switch (n) {
	case 0: __asm__ __volatile__("mov %0, %%db0" :: "r"(v)); break;
	case 1: __asm__ __volatile__("mov %0, %%db1" :: "r"(v)); break;
	case 2: __asm__ __volatile__("mov %0, %%db2" :: "r"(v)); break;
	default: __asm__ __volatile__("mov %0, %%db3" :: "r"(v)); break;
	}
}

/* DR7: Ln (bit 2n) enables breakpoint n; R/Wn = 00 (instruction) and LENn = 00, as required. */
static void set_dr7(u64 v)
{
	ew.dr7 = v;
	__asm__ __volatile__("mov %0, %%db7" :: "r"(v));
}

static void arm(unsigned n, u64 addr)
{
	set_dr(n, addr);
	set_dr7(ew.dr7 | BIT(2 * n) | BIT(8));
}

static void disarm(unsigned n)
{
	set_dr7(ew.dr7 & ~BIT(2 * n));
}

static const char *path_name(unsigned idx)
{
	return ew.t->paths[ew.t->insns[idx].path].name;
}

static int path_index(const char *name)
{
	for (unsigned p = 0; p < ew.t->npaths; p++)
		if (!strcmp(ew.t->paths[p].name, name))
			return (int)p;
	return -1;
}

/* The vector of an irq_stubs instruction (16 bytes per vector from 0x20), or -1. */
static int stub_vector(u64 addr)
{
	if (addr < ew.irq_stubs || addr >= ew.irq_stubs_end)
		return -1;
	return IRQ_VECTOR_BASE + (int)((addr - ew.irq_stubs) / 16);
}

/* What kind of stack RSP points at (as the table classifies them). */
static u8 stack_kind(u64 rsp)
{
	if (rsp < KERNEL_HALF_BASE)
		return EW_STK_LOW;
	u64 tramp = cea_slice(this_entry_page()->cpu) + CEA_TRAMP_STACK_OFF;
	if (rsp >= tramp && rsp <= tramp + CEA_TRAMP_STACK_SIZE)
		return EW_STK_TRAMP;
	if (rsp >= CEA_BASE && rsp < CEA_BASE + CONFIG_NR_CPUS * CEA_STRIDE)
		return EW_STK_CEA;
	return EW_STK_KSTACK;
}

/* The context of instruction idx that a hit with RSP on this kind of stack is in, or -1. */
static int find_ctx(unsigned idx, u8 stack)
{
	const struct ew_insn *in = &ew.t->insns[idx];
	for (unsigned c = 0; c < in->nctx; c++)
		if ((in->ctx[c].configs & ew.cfg) && in->ctx[c].stack == stack)
			return (int)c;
	return -1;
}

/*
 * Whether the CR3 and GS state a paranoid entry found is what context c expects. With PTI the CR3
 * of the user PML4 has bit 12 set (and, with PCID, the user PCID: bit 11). Without PTI there is
 * one root, the one loaded now (the handler switched nothing); with PTI compiled in but off the
 * roots are still 8 KiB-aligned pairs, so bit 12 must be clear as well.
 */
static bool state_ok(const struct ew_ctx *c, u64 cr3, bool gs_kernel)
{
	bool user_gs = c->state & 1, user_cr3 = c->state & 2;
	bool user_pml4 = cr3 & PTI_USER_PGTABLE_MASK, user_pcid = cr3 & PTI_USER_PCID_MASK;
	if (gs_kernel == user_gs)
		return false;
	if (!pti_enabled)
		return cr3 == read_cr3() && !(pgd_is_pair && (user_pml4 || user_pcid));
	if (user_pml4 != user_cr3)
		return false;
	return !pcid_enabled || user_pcid == user_pml4;   /* the user PML4 runs on the user PCID */
}

static void record_bad(u8 what, u64 addr, u8 stack, u64 cr3, bool gs_kernel, u8 expect, u64 rsp)
{
	if (ew.nbad < EW_MAX_BAD)
		ew.bad[ew.nbad++] = (struct ew_bad){ addr, cr3, rsp, what, stack, gs_kernel, expect };
}

/* Contexts of idx that the running mode is after (required here, and produced by the mode). */
static u8 wanted_ctx(unsigned idx)
{
	const struct ew_insn *in = &ew.t->insns[idx];
	u8 m = 0;
	for (unsigned c = 0; c < in->nctx; c++)
		if ((ew.r[idx].need & BIT(c)) && (in->ctx[c].origins & ew.mode->origins))
			m |= BIT(c);
	return m;
}

/*
 * Whether the running mode has nothing left to do at idx: every context it can produce had its
 * #DB, and its NMI too or one on its way (that NMI lands at the very instruction right after the
 * #DB handler's IRET, so the breakpoint may move on at once), or a mismatch was recorded.
 */
static bool resolved(unsigned idx)
{
	const struct ew_result *r = &ew.r[idx];
	u8 done = (r->db_ok & (r->nmi_ok | r->nmi_sent)) | r->db_bad | r->nmi_bad;
	return (wanted_ctx(idx) & ~done) == 0;
}

static bool covered(unsigned idx)
{
	const struct ew_result *r = &ew.r[idx];
	return r->skip == SKIP_NONE && !r->db_bad && !r->nmi_bad && !r->no_ctx &&
	       (r->need & r->db_ok & r->nmi_ok) == r->need;
}

/* Arm slot s on the next queued target that still needs something, or leave it empty. */
static void arm_next(unsigned s)
{
	while (ew.qpos < ew.qlen) {
		unsigned idx = ew.queue[ew.qpos++];
		if (resolved(idx))
			continue;
		ew.slot[s] = (int)idx;
		ew.miss[s] = 0;
		arm(s, ew.t->insns[idx].addr);
		return;
	}
	ew.slot[s] = -1;
	disarm(s);
}

static bool slots_empty(void)
{
	for (unsigned s = 0; s < EW_SLOTS; s++)
		if (ew.slot[s] >= 0)
			return false;
	return true;
}

/* ---- NMI at the breakpoint ------------------------------------------------------------------ */

/* setjmp/longjmp for one purpose: leave the NMI handler without IRET (see the top comment). */
struct ew_jmp { u64 rbx, rbp, r12, r13, r14, r15, rsp, rip; };
int ktest_ew_setjmp(struct ew_jmp *b) __attribute__((returns_twice));
void ktest_ew_longjmp(struct ew_jmp *b) __noreturn;
__asm__(".pushsection .text\n"
	".globl ktest_ew_setjmp\n"
	"ktest_ew_setjmp:\n"
	"	mov %rbx, 0(%rdi)\n"
	"	mov %rbp, 8(%rdi)\n"
	"	mov %r12, 16(%rdi)\n"
	"	mov %r13, 24(%rdi)\n"
	"	mov %r14, 32(%rdi)\n"
	"	mov %r15, 40(%rdi)\n"
	"	lea 8(%rsp), %rdx\n"
	"	mov %rdx, 48(%rdi)\n"
	"	mov (%rsp), %rdx\n"
	"	mov %rdx, 56(%rdi)\n"
	"	xor %eax, %eax\n"
	"	ret\n"
	".globl ktest_ew_longjmp\n"
	"ktest_ew_longjmp:\n"
	"	mov 0(%rdi), %rbx\n"
	"	mov 8(%rdi), %rbp\n"
	"	mov 16(%rdi), %r12\n"
	"	mov 24(%rdi), %r13\n"
	"	mov 32(%rdi), %r14\n"
	"	mov 40(%rdi), %r15\n"
	"	mov 48(%rdi), %rsp\n"
	"	mov $1, %eax\n"
	"	jmp *56(%rdi)\n"
	".popsection\n");

static struct ew_jmp nmi_jmp;

/*
 * Put the CPU in the NMI-blocked state from the #DB handler: take an NMI and come back here
 * without its IRET. The NMI may arrive anywhere after the ICR write (inside apic_send_ipi(),
 * which then never restores its saved IRQ state: IRQs are off in the #DB handler anyway).
 */
static __attribute__((noinline)) bool block_nmis(void)
{
	static u32 paranoid_depth;
	if (ktest_ew_setjmp(&nmi_jmp)) {
		/* Back from the abandoned NMI: clear the nested-NMI words at the top of the NMI stack
		 * (`executing` and `pending`, W + 40 and W + 48 with W = top - 120, entry_64.asm), or the
		 * next NMI would take itself for a nested one; and undo its do_paranoid()'s count, or
		 * kernel_fpu_usable() would say no for good. */
		u64 top = cea_slice(this_entry_page()->cpu) + CEA_NMI_STACK_OFF + CEA_IST_STACK_SIZE;
		volatile u64 *w = (volatile u64 *)(top - 120);
		w[40 / 8] = 0;
		w[48 / 8] = 0;
		this_cpu()->in_paranoid = paranoid_depth;
		return true;
	}
	paranoid_depth = this_cpu()->in_paranoid;
	ew.nmi_state = NMI_BLOCKING;
	apic_send_nmi_to_self();
	for (unsigned i = 0; i < 10000000 && ew.nmi_state == NMI_BLOCKING; i++)
		cpu_relax();
	ew.nmi_state = NMI_IDLE;
	ew.nmi_block_failed++;
	return false;                         /* the NMI never came */
}

/* From the #DB handler at addr: make an NMI arrive at addr, right after the handler's IRET. */
static bool nmi_at(u64 addr, int idx, int ctx)
{
	if (ew.nmi_state == NMI_EXPECT) {
		/* The NMI sent from the previous #DB never arrived. */
		ew.nmi_lost++;
		if (ew.nmi_idx >= 0) {
			ew.r[ew.nmi_idx].nmi_sent &= ~BIT(ew.nmi_ctx);
			ew.r[ew.nmi_idx].nmi_bad |= BIT(ew.nmi_ctx);
		}
		ew.nmi_state = NMI_IDLE;
	}
	if (!block_nmis())
		return false;
	ew.nmi_addr = addr;
	ew.nmi_idx = idx;
	ew.nmi_ctx = ctx;
	ew.nmi_state = NMI_EXPECT;
	apic_send_nmi_to_self();              /* latched until the IRET */
	return true;
}

/* ---- self-IPIs ------------------------------------------------------------------------------ */

/* A fixed interrupt to this CPU; ktest_windows_irq() claims it when it arrives. */
static void self_ipi(int v)
{
	ew.ipi_outstanding[v] = 1;
	ew.ipis_outstanding++;
	apic_send_ipi(apic_id(), (u8)v, APIC_DM_FIXED);
}

/* The vector of the armed irq stub that has waited longest, or -1. */
static int oldest_stub_vector(void)
{
	int v = -1, best = -1;
	for (unsigned s = 0; s < EW_SLOTS; s++) {
		int sv = ew.slot[s] >= 0 ? stub_vector(ew.t->insns[ew.slot[s]].addr) : -1;
		if (sv >= 0 && ew.miss[s] > best) {
			v = sv;
			best = ew.miss[s];
		}
	}
	return v;
}

/* ---- the hooks ------------------------------------------------------------------------------ */

/*
 * SWITCH_TO_USER_CR3's deferred user-PCID flush: its flush branch runs only when the kernel has
 * marked the user PCID stale (entry_page.user_flush, kernel/mm/tlb.c). While a breakpoint waits
 * on that branch, mark it before every exit (an extra flush of the user PCID is harmless).
 */
static void mark_user_pcid_stale(void)
{
	for (unsigned s = 0; s < EW_SLOTS; s++)
		if (ew.slot[s] >= 0 && EW_KIND(ew.t->insns[ew.slot[s]].flags) == EW_KIND_FLUSH_BRANCH)
			this_entry_page()->user_flush |= 1;
}

/*
 * One round trip ended (the heartbeat): give up stale targets, send the next self-IPIs. A round
 * trip that could not reach the targets (could_hit false: in the badiret mode, the returns that
 * do not fault, among them those of timer interrupts) counts no miss, so that only the chances a
 * target really had can use up its EW_MISS_LIMIT.
 */
static void round_end(bool could_hit)
{
	ew.heartbeats++;
	for (unsigned s = 0; could_hit && s < EW_SLOTS; s++) {
		if (ew.slot[s] >= 0 && ++ew.miss[s] >= EW_MISS_LIMIT) {
			ew.gaveup++;
			arm_next(s);
		}
	}
	mark_user_pcid_stale();
	if (slots_empty() && !(ew.mode->flags & EWM_BAD_IRET))
		disarm(3);                    /* all done: the rest of the round trips run at full speed */
	if ((ew.mode->flags & EWM_IPI) && !ew.ipis_outstanding) {
		/* One interrupt at a time, for the stub waiting longest: pending now, it arrives in
		 * ring 3 right after the IRET this heartbeat sits on (several at once would be taken
		 * by priority, and the lowest vectors could starve). */
		int v = oldest_stub_vector();
		if (v >= 0)
			self_ipi(v);
	}
}

/*
 * The faulting IRET. t_windows asks the kernel to return to a non-canonical RIP; a CPU refuses
 * that IRETQ with #GP in ring 0, with the user GS and CR3 already loaded (error_entry's .bad_iret).
 * QEMU's IRETQ does not check RIP, so at the IRETQ (the heartbeat) the test also clears the
 * frame's SS: an IRET to ring 3 with a null SS raises #GP(0) on every CPU. .bad_iret copies that
 * frame into pt_regs and the program is resumed (KTEST_SYS_FAULT_RESUME) through another IRETQ,
 * whose frame gets the saved SS back here.
 */
static bool bad_iret_frame(struct pt_regs *regs)     /* true: this IRETQ will fault */
{
	u64 *frame = (u64 *)regs->rsp;       /* RIP, CS, RFLAGS, RSP, SS on the trampoline stack */
	bool canonical = frame[0] < 0x0000800000000000ULL || frame[0] >= KERNEL_HALF_BASE;
	if (!canonical && frame[4]) {
		ew.saved_ss = frame[4];
		frame[4] = 0;
	} else if (canonical && !frame[4] && ew.saved_ss) {
		frame[4] = ew.saved_ss;
		ew.saved_ss = 0;
	}
	return !frame[4];
}

/* A target slot hit at the instruction it is armed on. */
static void hit(unsigned s, struct pt_regs *regs, u64 cr3, bool gs_kernel)
{
	unsigned idx = (unsigned)ew.slot[s];
	struct ew_result *r = &ew.r[idx];
	u8 stk = stack_kind(regs->rsp);
	int c = find_ctx(idx, stk);
	ew.hits++;
	if (r->hits < 255)
		r->hits++;
	if (c < 0) {
		r->no_ctx = 1;
		ew.no_ctx++;
		record_bad(0, regs->rip, stk, cr3, gs_kernel, 0xff, regs->rsp);
	} else {
		const struct ew_ctx *x = &ew.t->insns[idx].ctx[c];
		ew.db_checks++;
		if (state_ok(x, cr3, gs_kernel)) {
			r->db_ok |= BIT(c);
		} else {
			r->db_bad |= BIT(c);
			ew.db_mismatches++;
			record_bad(0, regs->rip, stk, cr3, gs_kernel, x->state, regs->rsp);
		}
		if (!(r->nmi_ok & BIT(c)) && nmi_at(regs->rip, (int)idx, c))
			r->nmi_sent |= BIT(c);
	}
	if (resolved(idx))
		arm_next(s);
	mark_user_pcid_stale();
}

bool ktest_windows_debug(struct pt_regs *regs, u64 dr6)
{
	if (!ew.active && !ew.probe_addr)
		return false;
	/* What paranoid_entry found, recorded by do_paranoid() (before any NMI overwrites it). */
	struct entry_page *ep = this_entry_page();
	u64 cr3 = ep->ktest_last_cr3;
	bool gs_kernel = ep->ktest_last_gs;

	if (ew.probe_addr && regs->rip == ew.probe_addr) {
		ew.probe_hits++;
		disarm(0);
		(void)nmi_at(regs->rip, -1, -1);
	} else if (ew.active) {
		for (unsigned s = 0; s < EW_SLOTS; s++)
			if ((dr6 & BIT(s)) && ew.slot[s] >= 0 && ew.t->insns[ew.slot[s]].addr == regs->rip)
				hit(s, regs, cr3, gs_kernel);
		if ((dr6 & BIT(3)) && regs->rip == ew.hb_addr)
			round_end(!(ew.mode->flags & EWM_BAD_IRET) || bad_iret_frame(regs));
	} else {
		return false;
	}
	regs->rflags |= X86_RFLAGS_RF;        /* run the instruction without trapping again */
	/* Bochs 2.7 does not always honour RF: returning to an instruction whose breakpoint is still
	 * armed (the heartbeat) raised #DB there again, forever, unless DR7 had been written in the
	 * handler. Rewriting the same value makes it re-evaluate; elsewhere it costs nothing. */
	set_dr7(ew.dr7);
	return true;
}

void ktest_windows_nmi(struct pt_regs *regs)
{
	if (ew.nmi_state == NMI_BLOCKING) {
		ew.nmi_state = NMI_IDLE;
		ktest_ew_longjmp(&nmi_jmp);   /* back into block_nmis(), NMIs still blocked */
	}
	if (ew.nmi_state != NMI_EXPECT)
		return;
	ew.nmi_state = NMI_IDLE;
	struct entry_page *ep = this_entry_page();
	u64 cr3 = ep->ktest_last_cr3;
	bool gs_kernel = ep->ktest_last_gs;
	int idx = ew.nmi_idx;
	if (idx >= 0)
		ew.r[idx].nmi_sent &= ~BIT(ew.nmi_ctx);
	if (regs->rip != ew.nmi_addr) {
		ew.nmi_elsewhere++;
		if (idx >= 0)
			ew.r[idx].nmi_bad |= BIT(ew.nmi_ctx);
		record_bad(2, regs->rip, stack_kind(regs->rsp), cr3, gs_kernel, 0xff, regs->rsp);
		return;
	}
	if (idx < 0) {
		ew.probe_nmis++;
		return;
	}
	const struct ew_ctx *x = &ew.t->insns[idx].ctx[ew.nmi_ctx];
	u8 stk = stack_kind(regs->rsp);
	ew.nmi_checks++;
	if (stk == x->stack && state_ok(x, cr3, gs_kernel)) {
		ew.r[idx].nmi_ok |= BIT(ew.nmi_ctx);
	} else {
		ew.r[idx].nmi_bad |= BIT(ew.nmi_ctx);
		ew.nmi_mismatches++;
		record_bad(1, regs->rip, stk, cr3, gs_kernel, x->state, regs->rsp);
	}
}

bool ktest_windows_irq(unsigned vector)
{
	if (vector > 0xff || !ew.ipi_outstanding[vector])
		return false;
	ew.ipi_outstanding[vector] = 0;
	ew.ipis_outstanding--;
	return true;
}

/* ---- setting up ----------------------------------------------------------------------------- */

static u64 find_kind(unsigned kind)
{
	for (unsigned i = 0; i < ew.t->ninsns; i++)
		if (EW_KIND(ew.t->insns[i].flags) == kind)
			return ew.t->insns[i].addr;
	return 0;
}

/* Decide, once, what this cell can execute and which contexts it needs. */
static void classify(void)
{
	int vec_paths[ARRAY_SIZE(unraisable)];
	for (unsigned v = 0; v < ARRAY_SIZE(unraisable); v++)
		vec_paths[v] = path_index(unraisable[v].path);
	for (unsigned i = 0; i < ew.t->ninsns; i++) {
		const struct ew_insn *in = &ew.t->insns[i];
		struct ew_result *r = &ew.r[i];
		memset(r, 0, sizeof(*r));
		static const u8 excl[] = { SKIP_NONE, SKIP_PARANOID, SKIP_FAILPATH, SKIP_DEAD };
		r->skip = EW_EXCL(in->flags) < ARRAY_SIZE(excl) ? excl[EW_EXCL(in->flags)] : SKIP_DEAD;
		for (unsigned v = 0; v < ARRAY_SIZE(unraisable) && !r->skip; v++)
			if ((int)in->path == vec_paths[v])
				r->skip = SKIP_VECTOR;
		int v = stub_vector(in->addr);
		if (!r->skip && (v == VECTOR_SYSCALL_INT80 || v == VECTOR_SPURIOUS))
			r->skip = SKIP_IRQ_STUB;
		if (!r->skip && !(EW_CONFIGS(in->flags) & ew.cfg))
			r->skip = SKIP_CONFIG;
		if (!r->skip && !(EW_GROUPS(in->flags) & ew.groups))
			r->skip = SKIP_VENDOR;
		for (unsigned c = 0; c < in->nctx && !r->skip; c++)
			if (in->ctx[c].configs & ew.cfg)
				r->need |= BIT(c);
	}
}

/* Queue the mode's targets, in address order (the order most paths execute in). */
static void build_queue(const struct ew_mode *m)
{
	int paths[EW_MODE_PATHS];
	for (unsigned p = 0; p < EW_MODE_PATHS; p++)
		paths[p] = m->paths[p] ? path_index(m->paths[p]) : -1;
	ew.qlen = ew.qpos = 0;
	for (unsigned i = 0; i < ew.t->ninsns; i++) {
		const struct ew_insn *in = &ew.t->insns[i];
		bool in_mode = false;
		for (unsigned p = 0; p < EW_MODE_PATHS; p++)
			in_mode |= paths[p] >= 0 && (int)in->path == paths[p];
		if (!in_mode || ew.r[i].skip != SKIP_NONE || resolved(i))
			continue;
		int v = stub_vector(in->addr);
		if (v >= 0 && (m->vector >= 0 ? v != m->vector : v == VECTOR_TIMER))
			continue;
		ew.queue[ew.qlen++] = (u16)i;
	}
}

/* Arm the first targets of ew.mode's queue and the heartbeat. IRQs off. */
static void start_mode(void)
{
	ew.hits = ew.heartbeats = ew.gaveup = 0;
	ew.dr7 = 0;
	set_dr7(0);
	for (unsigned s = 0; s < EW_SLOTS; s++)
		arm_next(s);
	ew.hb_addr = 0;
	switch (ew.mode->hb) {
	case HB_SYSRETQ: ew.hb_addr = find_kind(EW_KIND_SYSRETQ); break;
	case HB_SYSRETD: ew.hb_addr = find_kind(EW_KIND_SYSRETD); break;
	case HB_IRET: ew.hb_addr = (u64)iret_to_user_insn; break;
	case HB_NONE: break;
	}
	if (ew.hb_addr)
		arm(3, ew.hb_addr);
	ew.active = true;
}

static void stop_mode(void)
{
	u64 f = irq_save();
	ew.active = false;
	set_dr7(0);
	irq_restore(f);
	/* A self-IPI still pending is taken as soon as IRQs are on (ring 0): before forgetting them,
	 * let them arrive so that none reaches do_irq unclaimed. */
	for (unsigned i = 0; i < 1000000 && ew.ipis_outstanding; i++)
		cpu_relax();
	memset((void *)ew.ipi_outstanding, 0, sizeof(ew.ipi_outstanding));
	ew.ipis_outstanding = 0;
}

/* ---- running the modes ---------------------------------------------------------------------- */

struct mode_result {
	int status;                           /* driver exit status (0 for in-kernel modes) */
	unsigned queued, hits, rounds, gaveup;
	bool absent;                          /* the CPU does not raise the mode's exception */
};

static int run_driver(const struct ew_mode *m, unsigned count)
{
	char n[16];
	snprintf(n, sizeof(n), "%u", count);
	char *argv[] = { "t_windows", (char *)m->name, n, NULL };
	const char *why = NULL;
	u64 cr0 = read_cr0();
	if (m->flags & EWM_SET_AM)
		write_cr0(cr0 | X86_CR0_AM);  /* alignment checks for ring 3 (#AC); none in ring 0 */
	u64 f = irq_save();
	struct task *t = spawn_program("t_windows", 3, argv, &why);
	if (t)
		start_mode();
	irq_restore(f);
	int st = t ? task_wait(t) : -1;
	stop_mode();
	if (m->flags & EWM_SET_AM)
		write_cr0(cr0);
	if (!t)
		ktest_diag("spawn t_windows %s: %s", m->name, why ? why : "failed");
	return st;
}

static void run_kernel_ipis(const struct ew_mode *m)
{
	cli();
	start_mode();
	for (unsigned guard = 0; guard < 4 * EW_MAX_INSNS && !slots_empty(); guard++) {
		/* The vector of the armed stub waiting longest, else any free one (that drives
		 * irq_common and what follows). */
		int v = oldest_stub_vector();
		if (v < 0)
			v = VECTOR_KTEST;
		self_ipi(v);
		sti();                        /* taken here, from ring 0 */
		for (unsigned i = 0; i < 100000 && ew.ipi_outstanding[v]; i++)
			cpu_relax();
		if (ew.ipi_outstanding[v])
			ew.ipi_late++;
		cli();
		round_end(true);
	}
	sti();
	stop_mode();
}

static void run_kernel_timer(const struct ew_mode *m)
{
	u64 f = irq_save();
	start_mode();
	irq_restore(f);
	for (unsigned tick = 0; tick < 40 && !slots_empty(); tick++) {
		sched_sleep_until(ktime_ns() + 1000000000ULL / CONFIG_HZ);   /* ticks hit the idle task */
		f = irq_save();
		round_end(true);
		irq_restore(f);
	}
	stop_mode();
}

static void run_mode(const struct ew_mode *m, struct mode_result *res)
{
	ew.mode = m;
	build_queue(m);
	res->queued += ew.qlen;
	if (!ew.qlen)
		return;
	u64 t0 = ktime_ns();
	ew.ipi_late = ew.nmi_block_failed = 0;
	switch (m->kind) {
	case MODE_DRIVER: {
		/* Enough round trips for the breakpoints to walk and give up everything queued. */
		unsigned count = !strcmp(m->name, "spin") ? 60 : 16 + EW_MISS_LIMIT * ew.qlen;
		if (count > 3000)
			count = 3000;
		res->status = run_driver(m, count);
		break;
	}
	case MODE_KERNEL_IPI:
		run_kernel_ipis(m);
		break;
	case MODE_KERNEL_TIMER:
		run_kernel_timer(m);
		break;
	}
	res->hits += ew.hits;
	res->rounds += ew.heartbeats;
	res->gaveup += ew.gaveup;
	ktest_diag("%s: %u queued, %u hits, %u round trips, %u given up, %lu ms%s%s", m->name, ew.qlen,
		   ew.hits, ew.heartbeats, ew.gaveup, (unsigned long)((ktime_ns() - t0) / 1000000),
		   ew.ipi_late ? " (late self-IPIs)" : "", ew.nmi_block_failed ? " (NMIs not blocked)" : "");
	if ((m->flags & EWM_MAYBE) && res->status == 3) {
		/* The driver's first fault did not happen: this CPU (emulator) does not raise it. */
		res->absent = true;
		res->status = 0;
		int p = path_index(m->paths[0]);
		for (unsigned i = 0; i < ew.t->ninsns; i++)
			if ((int)ew.t->insns[i].path == p && ew.r[i].skip == SKIP_NONE)
				ew.r[i].skip = SKIP_CPU;
	}
}

/* ---- the probe ------------------------------------------------------------------------------ */

static __attribute__((noinline)) void probe_target(void)
{
	__asm__ __volatile__("" ::: "memory");
}

/* Does an instruction breakpoint in kernel text fire, and does the NMI trick land on it? */
static void probe(void)
{
	ew.probe_hits = ew.probe_nmis = 0;
	ew.nmi_elsewhere = 0;
	u64 f = irq_save();
	ew.probe_addr = (u64)probe_target;
	arm(0, ew.probe_addr);
	probe_target();
	set_dr7(0);
	ew.probe_addr = 0;
	irq_restore(f);
}

/* ---- reporting ------------------------------------------------------------------------------ */

static void describe_cell(void)
{
	const char *vdso = (ew.groups & EW_GRP_SYSENTER) ? "SYSENTER" :
			   (ew.groups & EW_GRP_SYSCALL32) ? "compat SYSCALL" : "INT 0x80";
	ktest_diag("cell: PTI %s, PCID %s, %s (vDSO: %s), %s, SMAP %s, table from %s",
		   pti_enabled ? "on" : "off", pcid_enabled ? "on" : "off", cpu.vendor, vdso,
		   entry_use_fsgsbase ? "FSGSBASE" : "GS base through the MSR", cpu.smap ? "on" : "off",
		   ew.t->source);
}

static void report_bad(void)
{
	static const char *const what[] = { "#DB", "NMI", "NMI landed elsewhere" };
	for (unsigned i = 0; i < ew.nbad; i++) {
		const struct ew_bad *b = &ew.bad[i];
		u64 off = 0;
		const char *s = sym_lookup(b->addr, &off);
		char expect[24] = "no context";
		if (b->expect != 0xff)
			snprintf(expect, sizeof(expect), "GS %s CR3 %s", b->expect & 1 ? "user" : "kernel",
				 b->expect & 2 ? "user" : "kernel");
		ktest_diag("%s at %lx (%s+%#lx): found GS %s, CR3 %#lx, RSP %#lx (%s); expected %s",
			   what[b->what], (unsigned long)b->addr, s ? s : "?", (unsigned long)off,
			   b->gs_kernel ? "kernel" : "user", (unsigned long)b->cr3, (unsigned long)b->rsp,
			   stack_names[b->stack & 3], expect);
	}
}

/* Per path and in total: covered / instructions this cell executes, and the rest. */
static bool report_coverage(void)
{
	unsigned tot_cov = 0, tot_reach = 0, tot_excl = 0, tot_other = 0, listed = 0;
	unsigned skipped[SKIP_CPU + 1] = { 0 };
	for (unsigned p = 0; p < ew.t->npaths; p++) {
		unsigned cov = 0, reach = 0, excl = 0, other = 0;
		for (unsigned i = 0; i < ew.t->ninsns; i++) {
			if (ew.t->insns[i].path != p)
				continue;
			u8 sk = ew.r[i].skip;
			if (sk == SKIP_NONE) {
				reach++;
				cov += covered(i);
			} else if (SKIP_IS_EXCLUDED(sk)) {
				excl++;
			} else {
				other++;
			}
			skipped[sk]++;
		}
		ktest_diag("coverage: path=%s covered=%u/%u (excluded %u, other cells %u)",
			   ew.t->paths[p].name, cov, reach, excl, other);
		tot_cov += cov;
		tot_reach += reach;
		tot_excl += excl;
		tot_other += other;
	}
	ktest_diag("coverage total: %u/%u (%u instructions: %u excluded, %u only in other cells; "
		   "%u padding instructions not counted)", tot_cov, tot_reach, ew.t->ninsns, tot_excl,
		   tot_other, ew.t->padding_insns);
	for (unsigned s = SKIP_PARANOID; s <= SKIP_CPU; s++)
		if (skipped[s])
			ktest_diag("  %s %u: %s", SKIP_IS_EXCLUDED(s) ? "excluded" : "other cells", skipped[s],
				   skip_names[s]);
	for (unsigned v = 0; v < ARRAY_SIZE(unraisable); v++)
		ktest_diag("  excluded %s: %s", unraisable[v].path, unraisable[v].why);
	for (unsigned i = 0; i < ew.t->ninsns && listed < 40; i++) {
		if (ew.r[i].skip != SKIP_NONE || covered(i))
			continue;
		const struct ew_result *r = &ew.r[i];
		ktest_diag("not covered: %lx %s (contexts %#x: #DB ok %#x, NMI ok %#x; %u hits)",
			   (unsigned long)ew.t->insns[i].addr, path_name(i), r->need, r->db_ok, r->nmi_ok,
			   r->hits);
		listed++;
	}
	return tot_cov == tot_reach && tot_reach > 0;
}

/* ---- the suite ------------------------------------------------------------------------------ */

KTEST_SUITE(entry_windows)
{
	u64 t0 = ktime_ns();
	memset(&ew, 0, sizeof(ew));
	ew.t = &entry_windows_table;
	for (unsigned s = 0; s < EW_SLOTS; s++)
		ew.slot[s] = -1;
	bool table = ew.t->magic == EW_MAGIC && ew.t->version == EW_VERSION && ew.t->ninsns > 0 &&
		     ew.t->ninsns <= EW_MAX_INSNS && ew.t->insns[0].addr == (u64)_entry_text_start;
	if (!ktest_expect(ctx, table, "the entry-window table: %u instructions in %u paths, from %s",
			  ew.t->ninsns, ew.t->npaths, ew.t->ninsns ? ew.t->source : "(empty)"))
		return;

	ew.cfg = !pti_enabled ? EW_CFG_NOPTI : pcid_enabled ? EW_CFG_PTI_PCID : EW_CFG_PTI_NOPCID;
	/* Which compat fast path the vDSO uses (kernel/vdso/vdso.c makes the same choice). */
	ew.groups = EW_GRP_SYSCALL64 | EW_GRP_IDT | EW_GRP_IRQ;
	if (cpu.intel && cpu.sysenter)
		ew.groups |= EW_GRP_SYSENTER;
	else if (cpu.amd && cpu.syscall)
		ew.groups |= EW_GRP_SYSCALL32;
	int irq_path = path_index("irq_stubs");
	if (irq_path >= 0 && (unsigned)irq_path + 1 < ew.t->npaths) {
		ew.irq_stubs = ew.t->paths[irq_path].start;
		ew.irq_stubs_end = ew.t->paths[irq_path + 1].start;   /* paths are in address order */
	}
	describe_cell();
	classify();

	probe();
	if (!ktest_expect(ctx, ew.probe_hits == 1, "a hardware instruction breakpoint fires (%u hits)",
			  ew.probe_hits))
		return;
	ktest_expect(ctx, ew.probe_nmis == 1 && ew.nmi_elsewhere == 0,
		     "an NMI sent from the #DB handler lands on the breakpoint's instruction");
	ew.nmi_elsewhere = ew.nmi_lost = ew.nbad = 0;

	/* Twice over the modes: a target a round trip happened to miss gets a second chance. */
	struct mode_result res[ARRAY_SIZE(modes)];
	memset(res, 0, sizeof(res));
	for (unsigned pass = 0; pass < 2; pass++)
		for (unsigned m = 0; m < ARRAY_SIZE(modes); m++)
			if (res[m].status == 0)
				run_mode(&modes[m], &res[m]);
	for (unsigned m = 0; m < ARRAY_SIZE(modes); m++) {
		const struct mode_result *r = &res[m];
		if (r->absent)
			ktest_expect(ctx, true, "%s: this CPU does not raise the exception # SKIP",
				     modes[m].name);
		else if (!r->queued)
			ktest_expect(ctx, true, "%s: nothing to cover in this cell # SKIP", modes[m].name);
		else
			ktest_expect(ctx, r->status == 0, "%s: %u breakpoints queued, %u hits, %u round trips, "
				     "%u given up (status %d)", modes[m].name, r->queued, r->hits, r->rounds,
				     r->gaveup, r->status);
	}

	report_bad();
	ktest_expect(ctx, ew.db_mismatches == 0 && ew.no_ctx == 0,
		     "#DB: %u checks found the GS, CR3 and stack the table expects (%u mismatches, %u on "
		     "an unexpected stack)", ew.db_checks, ew.db_mismatches, ew.no_ctx);
	ktest_expect(ctx, ew.nmi_mismatches == 0 && ew.nmi_elsewhere == 0 && ew.nmi_lost == 0,
		     "NMI: %u checks at the breakpoint's instruction found the same (%u mismatches, %u "
		     "landed elsewhere, %u lost)", ew.nmi_checks, ew.nmi_mismatches, ew.nmi_elsewhere,
		     ew.nmi_lost);
	bool all = report_coverage();
	ktest_expect(ctx, all, "every instruction this cell executes was covered by a #DB and an NMI");
	ktest_diag("time: %lu ms", (unsigned long)((ktime_ns() - t0) / 1000000));
}
