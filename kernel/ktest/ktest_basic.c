/* Self-tests of the foundation: frames, page tables, user faults, per-task FPU state. */
#include "types.h"
#include "ktest.h"
#include "mm.h"
#include "paging.h"
#include "task.h"
#include "pti.h"
#include "printk.h"
#include "signal.h"
#include "time.h"
#include "sched.h"

KTEST_SUITE(pmm)
{
	u64 before = pmm_free_pages();
	phys_addr_t a = pmm_alloc(0), b = pmm_alloc(1), c = pmm_alloc(4);
	ktest_expect(ctx, a != PMM_FAIL && b != PMM_FAIL && c != PMM_FAIL, "allocations succeed");
	ktest_expect(ctx, (b & 0x1fff) == 0 && (c & 0xffff) == 0, "order-n blocks are naturally aligned");
	ktest_expect(ctx, pmm_free_pages() == before - 1 - 2 - 16, "free count drops by 19 pages");
	ktest_expect(ctx, *(u64 *)phys_to_virt(c + 0x8000) == 0, "frames come zeroed");
	pmm_free(a, 0);
	pmm_free(b, 1);
	pmm_free(c, 4);
	ktest_expect(ctx, pmm_free_pages() == before, "freeing restores the count");
}

KTEST_SUITE(paging)
{
	struct mm *mm = mm_create();
	ktest_expect(ctx, mm != NULL, "mm_create");
	if (!mm)
		return;
	phys_addr_t p = pmm_alloc(0);
	ktest_expect(ctx, pt_map(mm->pgd, 0x400000, p, PAGE_SIZE, PTE_U | PTE_NX) == 0, "map a user page");
	phys_addr_t got;
	u64 fl;
	ktest_expect(ctx, pt_walk(mm->pgd, 0x400123, &got, &fl) && got == p + 0x123, "walk finds it");
	ktest_expect(ctx, (fl & PTE_U) && (fl & PTE_NX) && !(fl & PTE_W), "flags as mapped");
	ktest_expect(ctx, pt_protect(mm->pgd, 0x400000, PAGE_SIZE, PTE_U | PTE_W) == 0 &&
		     pt_walk(mm->pgd, 0x400000, NULL, &fl) && (fl & PTE_W) && !(fl & PTE_NX), "protect");
	if (pgd_is_pair) {
		u64 *k = phys_to_virt(mm->pgd), *u = phys_to_virt(pgd_user(mm->pgd));
		ktest_expect(ctx, (k[0] & PTE_ADDR_MASK) == (u[0] & PTE_ADDR_MASK), "user PML4 mirrors the entry");
		ktest_expect(ctx, !!(k[0] & PTE_NX) == pti_enabled, "kernel copy has NX iff PTI is on");
	}
	ktest_expect(ctx, pt_unmap(mm->pgd, 0x400000, PAGE_SIZE, true) == 1 &&
		     !pt_walk(mm->pgd, 0x400000, NULL, NULL), "unmap");
	u64 before = pmm_free_pages();
	mm_destroy(mm);
	ktest_expect(ctx, pmm_free_pages() > before, "mm_destroy frees its tables");
}

KTEST_SUITE(pti)
{
	u64 before = pmm_free_pages();
	struct mm *mm = mm_create();
	u64 used = before - pmm_free_pages();
	/* The mm itself comes from the heap (possibly a fresh heap page); the PML4s are 1 or 2. */
	ktest_diag("mm_create took %lu frames (PML4%s)", (unsigned long)used, pgd_is_pair ? " pair" : "");
	ktest_expect(ctx, mm && mm->pt_pages == (pgd_is_pair ? 2u : 1u),
		     "an address space has %u top-level table page(s)", pgd_is_pair ? 2u : 1u);
	if (!mm)
		return;
	struct pti_audit a;
	int r = pti_audit(mm->pgd, &a, false);
	if (pti_enabled) {
		ktest_expect(ctx, r == 0 && a.unexpected_pages == 0, "audit: user PML4 maps only the entry area");
		ktest_expect(ctx, a.cea_pages == cea_pages_per_cpu() * CONFIG_NR_CPUS,
			     "audit: %lu entry-area pages (%lu per CPU)", (unsigned long)a.cea_pages,
			     (unsigned long)cea_pages_per_cpu());
		ktest_expect(ctx, a.entry_text_pages > 0, "audit: %lu entry-text pages",
			     (unsigned long)a.entry_text_pages);
	} else {
		ktest_expect(ctx, true, "PTI is off: the audit is informational (%lu kernel pages visible)",
			     (unsigned long)a.pages);
	}
	mm_destroy(mm);
}

static char *const no_args[] = { NULL };

static int run(const char *name)
{
	char *argv[] = { (char *)name, NULL };
	(void)no_args;
	return spawn_and_wait(name, 1, argv);
}

KTEST_SUITE(userfaults)
{
	static const struct { const char *prog; int status; } cases[] = {
		{ "fault_kwrite", 139 }, { "fault_ud2", 132 }, { "fault_div0", 136 },
		{ "fault_noncanon", 139 }, { "fault_int3", 133 }, { "fault_hlt", 139 }, { "hello", 42 },
	};
	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		int st = run(cases[i].prog);
		ktest_expect(ctx, st == cases[i].status, "%s exits with %d (got %d)", cases[i].prog,
			     cases[i].status, st);
	}
}

KTEST_SUITE(fpu)
{
	/* Several tasks keep different register patterns across preemption and yields. */
	struct task *t[4];
	for (unsigned i = 0; i < 4; i++) {
		char seed[4] = { (char)('1' + i), 0 };
		char *argv[] = { "fpu", seed, "300", NULL };
		const char *why = NULL;
		t[i] = spawn_program("fpu", 3, argv, &why);
		if (!t[i])
			ktest_diag("spawn fpu: %s", why);
	}
	for (unsigned i = 0; i < 4; i++) {
		int st = t[i] ? task_wait(t[i]) : -1;
		ktest_expect(ctx, st == 0, "fpu task %u keeps its registers (status %d)", i, st);
	}
}

/* rt_sigreturn with random hostile frames: each program dies of a signal, the kernel goes on. */
KTEST_SUITE(sigreturn_fuzz)
{
	unsigned dead = 0, n = 40;
	for (unsigned i = 0; i < n; i++) {
		char seed[12];
		snprintf(seed, sizeof(seed), "%u", i * 7919 + 13);
		char *argv[] = { "t_sigreturn", seed, NULL };
		int st = spawn_and_wait("t_sigreturn", 2, argv);
		if (st > 128 && st <= 128 + 64)
			dead++;
		else
			ktest_diag("seed %s: status %d", seed, st);
	}
	ktest_expect(ctx, dead == n, "%u of %u hostile sigreturn frames ended only their program", dead, n);
}

/* Wait (up to 2 s) until t sleeps with a deadline, i.e. is inside its nanosleep. */
static bool wait_for_timed_sleep(struct task *t)
{
	u64 end = ktime_ns() + 2000000000ULL;
	while (!(t->state == TASK_SLEEPING && t->wake_at_ns) && !t->exited && ktime_ns() < end)
		sched_sleep_until(ktime_ns() + 1000000);
	return t->state == TASK_SLEEPING && t->wake_at_ns;
}

/* nanosleep and clock_nanosleep, 64-bit and i386: an ignored signal leaves the sleep alone, a
 * handled one ends it with -EINTR and the time left (t_nanosleep checks both and exits 0). The
 * signals are sent once the program is inside its 3 s sleep, however slow the machine. */
KTEST_SUITE(nanosleep_eintr)
{
	static const struct { const char *prog, *arg; } cases[] = {
		{ "t_nanosleep", NULL }, { "t_nanosleep", "clock" },
		{ "t_nanosleep32", NULL }, { "t_nanosleep32", "clock" },
	};
	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		char *argv[] = { (char *)cases[i].prog, (char *)cases[i].arg, NULL };
		const char *why = NULL;
		struct task *t = spawn_program(cases[i].prog, cases[i].arg ? 2 : 1, argv, &why);
		if (!t) {
			ktest_expect(ctx, false, "spawn %s: %s", cases[i].prog, why);
			continue;
		}
		bool asleep = wait_for_timed_sleep(t);
		signal_send(t, &(struct ksiginfo){ .signo = SIGUSR2, .code = SI_USER });
		sched_sleep_until(ktime_ns() + 20000000ULL);           /* time to go wrong */
		bool still = wait_for_timed_sleep(t);
		signal_send(t, &(struct ksiginfo){ .signo = SIGUSR1, .code = SI_USER });
		int st = task_wait(t);
		ktest_expect(ctx, asleep && still && st == 0, "%s %s: in its sleep: %s; SIGUSR2 (ignored) "
			     "left it asleep: %s; SIGUSR1 ended it with -EINTR and rem (status %d)",
			     cases[i].prog, cases[i].arg ? cases[i].arg : "", asleep ? "yes" : "no",
			     still ? "yes" : "no", st);
	}
}

/* The run queue with a sleep that is over before the sleeper has left the CPU: sched_sleep_until
 * with a time already past (what a 1 ms nanosleep becomes when the machine is slow) must leave
 * every other runnable task on the queue. It once put the sleeper on the ring a second time,
 * which cut the other tasks off it for good: a forked child never ran again and its parent hung
 * in wait4. Here a kernel thread counts its turns while this task sleeps into the past. */
static volatile u64 spinner_turns;
static volatile bool spinner_stop;

static void spinner(void *arg)
{
	(void)arg;
	while (!spinner_stop) {
		spinner_turns++;
		sched_yield();
	}
	task_exit(0);
}

KTEST_SUITE(sched_past_sleep)
{
	spinner_turns = 0;
	spinner_stop = false;
	struct task *t = task_create_kernel("spinner", spinner, NULL);
	ktest_expect(ctx, t != NULL, "a second kernel thread");
	if (!t)
		return;
	unsigned lost_at = 0;
	for (unsigned i = 1; i <= 50 && !lost_at; i++) {
		sched_sleep_until(i & 1 ? 1 : ktime_ns());      /* both already past */
		u64 before = spinner_turns;
		for (unsigned y = 0; y < 10 && spinner_turns == before; y++)
			sched_yield();
		if (spinner_turns == before)
			lost_at = i;
	}
	ktest_expect(ctx, !lost_at, "the other thread kept its turns across 50 sleeps into the past "
		     "(lost after sleep %u)", lost_at);
	if (lost_at)
		return;                        /* it is off the queue: waiting for it would hang */
	spinner_stop = true;
	ktest_expect(ctx, task_wait(t) == 0, "it exits when told");
}
