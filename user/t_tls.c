/*
 * t_tls.c - the i386 TLS descriptors from a 64-bit program: set_thread_area/get_thread_area
 * through INT 0x80 (the i386 table, as on Linux; the x86-64 numbers 205/211 are -ENOSYS), %gs
 * loaded with the selector in 64-bit mode (the base comes from the descriptor) and kept across
 * sched_yield, nanosleep and a spin long enough for timer preemption; ARCH_SET_GS/ARCH_SET_FS make
 * the selector 0, as Linux's arch_prctl does.
 *
 * Prints one line per check, the same on Linux and on Portcullis; status 0. The user_desc and the
 * TLS block are static (below 4 GiB: INT 0x80 passes 32-bit pointers).
 */
#include "ulib.h"

#define NR32_set_thread_area 243
#define NR32_get_thread_area 244
#define NR_set_thread_area   205
#define NR_get_thread_area   211
#define NR_arch_prctl        158
#define ARCH_SET_GS 0x1001
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003

struct user_desc { uint32_t entry_number, base_addr, limit, flags; };

static volatile uint32_t blk[4] = { 0x7115e7 }, other[4] = { 0x0e7e };
static struct user_desc ud;

static uint32_t gs_sel(void) { uint16_t v; __asm__ volatile ("movw %%gs, %0" : "=r"(v)); return v; }
static uint32_t fs_sel(void) { uint16_t v; __asm__ volatile ("movw %%fs, %0" : "=r"(v)); return v; }
static uint32_t gs0(void) { uint32_t v; __asm__ volatile ("movl %%gs:0, %0" : "=r"(v)); return v; }
static const char *yes(int c) { return c ? "yes" : "no"; }

int main(void)
{
	printf("x86-64 set_thread_area (205): %ld, get_thread_area (211): %ld\n",
	       syscall1(NR_set_thread_area, (long)&ud), syscall1(NR_get_thread_area, (long)&ud));
	ud = (struct user_desc){ -1, (uint32_t)(uintptr_t)blk, 0xfffff, 0x51 };
	long r = int80_3(NR32_set_thread_area, (long)&ud, 0, 0);
	printf("set_thread_area through int $0x80: %ld, entry %u\n", r, ud.entry_number);
	__asm__ volatile ("movl %0, %%gs" :: "r"(ud.entry_number << 3 | 3) : "memory");
	printf("%%gs = %#x, %%gs:0 reads through the base: %s\n", gs_sel(), yes(gs0() == blk[0]));
	static struct user_desc g;
	g = (struct user_desc){ ud.entry_number, 0, 0, 0 };
	r = int80_3(NR32_get_thread_area, (long)&g, 0, 0);
	struct user_desc on_stack = g;       /* above 4 GiB: the i386 call sees a truncated pointer */
	long r2 = int80_3(NR32_get_thread_area, (long)&on_stack, 0, 0);
	printf("get_thread_area through int $0x80 with a user_desc on the stack: %ld\n", r2);
	printf("get_thread_area through int $0x80: %ld, base is ours: %s, limit %#x, flags %#x\n", r,
	       yes(g.base_addr == (uint32_t)(uintptr_t)blk), g.limit, g.flags);

	int ok = 1;
	struct timespec ts = { 0, 1000000 };
	for (int i = 0; i < 50; i++) {
		sys_sched_yield();
		if (i % 10 == 0)
			sys_nanosleep(&ts, 0);
		ok &= gs_sel() == 0x63 && gs0() == blk[0];
	}
	uint64_t end = monotonic_ns() + 30000000;
	while (monotonic_ns() < end)
		ok &= gs_sel() == 0x63 && gs0() == blk[0];
	printf("kept across sched_yield, nanosleep and a spin: %s\n", yes(ok));

	r = syscall2(NR_arch_prctl, ARCH_SET_GS, (long)other);
	printf("ARCH_SET_GS: %ld, %%gs now %#x, %%gs:0 reads the new base: %s\n", r, gs_sel(),
	       yes(gs0() == other[0]));
	unsigned long fs = 0;
	syscall2(NR_arch_prctl, ARCH_GET_FS, (long)&fs);
	__asm__ volatile ("movl %0, %%fs" :: "r"(0x63) : "memory");
	uint32_t fs_loaded = fs_sel();
	r = syscall2(NR_arch_prctl, ARCH_SET_FS, fs);
	printf("%%fs = %#x, then ARCH_SET_FS: %ld, %%fs now %#x\n", fs_loaded, r, fs_sel());
	return 0;
}
