/*
 * t_entry.c - round trips through every exception entry from ring 3, with every register checked.
 *
 * Portcullis only, CONFIG_KTEST kernels: exceptions from ring 3 kill a program until signals exist,
 * so the test asks the kernel (a private system call, kernel/include/ktest_abi.h) to resume it at
 * the instruction after the fault instead. Each round trip loads distinct patterns into every
 * general register and the flags, takes the exception, and checks that everything came back and
 * that no register holds a kernel address. The kernel's record of the fault (vector, error code,
 * address) is checked too.
 *
 *   t_entry [ROUNDS]            fault round trips (#UD #GP #BP #DB(ICEBP) #DB(TF) #DE #PF) and
 *                               timer interrupts arriving in ring 3
 *   t_entry -probe on|off       isolation probe: reads of kernel text, data, heap and direct map
 *                               must fault not-present (P = 0) with PTI on, and as protection
 *                               violations (P = 1) with PTI off
 */
#include "ktap.h"
#include "ulib.h"
#include "../../kernel/include/ktest_abi.h"

#define NREGS 16
#define RSP   4
struct regs { uint64_t r[NREGS]; uint64_t rflags; };
extern struct regs entry_in, entry_out;
extern uint64_t entry_rsp;

void entry_ud(void), entry_gp(void), entry_bp(void), entry_icebp(void), entry_de(void),
	entry_pf(void), entry_probe(void), entry_tf(void);
void entry_spin(uint64_t iterations);

static const char *const names[NREGS] = {
	"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
	"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
};

static long ktest_sys(int op, unsigned long a0)
{
	return syscall1(KTEST_SYSCALL_BASE + op, (long)a0);
}

static uint64_t pattern(unsigned round, unsigned reg)
{
	return ((uint64_t)(0x10 + reg) << 56) | ((uint64_t)round << 32) | (0x5a5a0000u + reg * 0x111);
}

/* Fill the patterns; flags: arithmetic flags on odd rounds, DF on some (the kernel must cope). */
static void fill(unsigned round)
{
	for (unsigned i = 0; i < NREGS; i++)
		entry_in.r[i] = pattern(round, i);
	entry_in.rflags = (round & 1) ? 0x0ad7 : (round & 2) ? 0x0602 : 0x0202;
}

/* Compare entry_out with entry_in; report the first difference. */
static bool check_regs(const char *what, unsigned round, unsigned skip_reg, uint64_t flags_mask)
{
	for (unsigned i = 0; i < NREGS; i++) {
		uint64_t want = i == RSP ? entry_rsp : entry_in.r[i];
		if (i == skip_reg)
			continue;
		if (entry_out.r[i] != want) {
			ktap_diag("%s round %u: %s = %#lx, expected %#lx", what, round, names[i],
				  (unsigned long)entry_out.r[i], (unsigned long)want);
			return false;
		}
		/* No kernel-half value, unless the program put it there itself (the probe address). */
		if (entry_out.r[i] >= 0xffff800000000000UL && want < 0xffff800000000000UL) {
			ktap_diag("%s round %u: %s holds a kernel-half value", what, round, names[i]);
			return false;
		}
	}
	if ((entry_out.rflags & flags_mask) != (entry_in.rflags & flags_mask)) {
		ktap_diag("%s round %u: rflags = %#lx, expected %#lx", what, round,
			  (unsigned long)entry_out.rflags, (unsigned long)entry_in.rflags);
		return false;
	}
	return true;
}

/* After a fault round trip every flag must be back, but RF and TF (the kernel clears TF). */
static bool regs_ok(const char *what, unsigned round, unsigned skip_reg)
{
	return check_regs(what, round, skip_reg, ~0x10100UL);
}

struct fault_case {
	const char *name;
	void (*stub)(void);
	unsigned vector;
	long error;        /* expected error code, -1: do not check */
};

static const struct fault_case cases[] = {
	{ "#UD (ud2)", entry_ud, 6, -1 },
	{ "#GP (hlt in ring 3)", entry_gp, 13, 0 },
	{ "#BP (int3)", entry_bp, 3, -1 },
	{ "#DB (icebp)", entry_icebp, 1, -1 },
	{ "#DB (single step, TF)", entry_tf, 1, -1 },
	{ "#DE (divide by zero)", entry_de, 0, -1 },
	{ "#PF (not present, user read)", entry_pf, 14, 0x4 },
};

static void fault_round_trips(unsigned rounds)
{
	for (unsigned c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		bool ok = true;
		struct ktest_fault_record rec;
		for (unsigned round = 0; round < rounds && ok; round++) {
			fill(round);
			cases[c].stub();
			ok = regs_ok(cases[c].name, round, NREGS);
			if (ok && ktest_sys(KTEST_SYS_LAST_FAULT, (unsigned long)&rec) == 0) {
				if (rec.vector != cases[c].vector ||
				    (cases[c].error >= 0 && (long)rec.error != cases[c].error)) {
					ktap_diag("%s: kernel saw vector %llu error %#llx", cases[c].name,
						  rec.vector, rec.error);
					ok = false;
				}
			}
		}
		ktap_ok(ok, "%s from ring 3: %u round trips keep every register and the flags",
			cases[c].name, rounds);
	}
}

static void timer_round_trips(void)
{
	/* Spin long enough for several timer ticks to interrupt ring 3 mid-loop. */
	bool ok = true;
	for (unsigned round = 0; round < 8 && ok; round++) {
		fill(round);
		entry_in.rflags = 0x202;
		entry_spin(20000000);
		/* The spin loop itself changes the arithmetic flags: compare the rest (IF, DF, ...). */
		ok = check_regs("timer interrupt", round, NREGS, ~0x108d5UL);
	}
	ktap_ok(ok, "timer interrupts arriving in ring 3 keep every register");
}

static int probe(bool pti_on)
{
	struct ktest_probe_addrs a;
	long state = ktest_sys(KTEST_SYS_PTI_STATE, 0);
	ktap_plan(6);
	ktap_ok(state == (pti_on ? 1 : 0), "the kernel reports PTI %s (got %ld)", pti_on ? "on" : "off", state);
	ktap_ok(ktest_sys(KTEST_SYS_PROBE_ADDRS, (unsigned long)&a) == 0, "probe addresses");
	const struct { const char *what; uint64_t addr; } targets[] = {
		{ "kernel text", a.text }, { "kernel data", a.data }, { "kernel heap", a.heap },
		{ "direct map", a.direct_map },
	};
	for (unsigned i = 0; i < 4; i++) {
		struct ktest_fault_record rec = { 0 };
		fill(i);
		entry_in.r[3] = targets[i].addr;      /* rbx: the address to read */
		entry_probe();
		bool regs = regs_ok(targets[i].what, i, NREGS);
		ktest_sys(KTEST_SYS_LAST_FAULT, (unsigned long)&rec);
		bool p = rec.error & 1;
		ktap_ok(regs && rec.vector == 14 && rec.addr == targets[i].addr && p == !pti_on,
			"read of %s at %#llx faults %s (error code %#llx)", targets[i].what,
			(unsigned long long)targets[i].addr,
			pti_on ? "not-present (P = 0): it is not mapped" : "with a protection violation (P = 1)",
			rec.error);
	}
	return ktap_done();
}

int main(int argc, char **argv)
{
	unsigned rounds = 64;
	if (argc >= 3 && !strcmp(argv[1], "-probe"))
		return probe(!strcmp(argv[2], "on"));
	if (argc >= 2) {
		rounds = 0;
		for (const char *p = argv[1]; *p >= '0' && *p <= '9'; p++)
			rounds = rounds * 10 + (unsigned)(*p - '0');
	}
	if (ktest_sys(KTEST_SYS_PTI_STATE, 0) < 0) {
		ktap_plan(1);
		ktap_skip("needs a CONFIG_KTEST kernel", "fault round trips");
		return ktap_done();
	}
	ktap_plan(sizeof(cases) / sizeof(cases[0]) + 1);
	fault_round_trips(rounds);
	timer_round_trips();
	return ktap_done();
}
