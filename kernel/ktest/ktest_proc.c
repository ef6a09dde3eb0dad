/* Self-tests of processes: the fork/exec/wait/pipe programs pass, and leave no memory behind. */
#include "types.h"
#include "ktest.h"
#include "mm.h"
#include "task.h"
#include "time.h"

/* Frames in use, counting the heap's size-class pages as free (the heap keeps them for reuse). */
static u64 frames_free(void) { return pmm_free_pages() + heap_class_pages; }

KTEST_SUITE(processes)
{
	static const char *const progs[] = { "musl_fork", "musl_exec", "musl_pipe", "t_proc32" };
	u64 free_before = frames_free(), live_before = heap_live_blocks;
	for (unsigned i = 0; i < ARRAY_SIZE(progs); i++) {
		char *argv[] = { (char *)progs[i], NULL };
		int st = spawn_and_wait(progs[i], 1, argv);
		ktest_expect(ctx, st == 0, "%s exits with 0 (got %d)", progs[i], st);
	}
	/* Orphans are freed after their last switch: give them a few ticks. */
	sched_sleep_until(ktime_ns() + NSEC_PER_SEC / 50);
	u64 free_after = frames_free(), live_after = heap_live_blocks;
	ktest_expect(ctx, free_after == free_before, "every frame comes back (%ld pages missing)",
		     (long)(free_before - free_after));
	ktest_expect(ctx, live_after == live_before, "every heap block comes back (%ld missing)",
		     (long)(live_after - live_before));
}
