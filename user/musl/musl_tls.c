/*
 * musl_tls.c - thread-local storage and the FS/GS bases through arch_prctl, as a static musl
 * program sees them: musl sets FS with ARCH_SET_FS at start; __thread variables live there.
 * Prints the same on Linux and Portcullis.
 */
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

/* <asm/prctl.h> (musl-gcc has no kernel headers) */
#define ARCH_SET_GS 0x1001
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define ARCH_GET_GS 0x1004

static __thread int counter = 41;
static __thread char name[16] = "tls";

static long arch_prctl(int code, unsigned long addr)
{
	return syscall(SYS_arch_prctl, code, addr);
}

int main(void)
{
	unsigned long fs = 0, gs = 1;
	counter++;
	printf("__thread int: %d, __thread char[]: %s\n", counter, name);
	printf("ARCH_GET_FS: %ld\n", arch_prctl(ARCH_GET_FS, (unsigned long)&fs));
	unsigned long tp;
	__asm__ ("mov %%fs:0, %0" : "=r"(tp));
	printf("FS base is the thread pointer (fs:0 holds it): %s\n", fs == tp ? "yes" : "no");
	printf("&counter lies below the thread pointer: %s\n",
	       (unsigned long)&counter < fs && fs - (unsigned long)&counter < 4096 ? "yes" : "no");

	printf("ARCH_GET_GS: %ld, base %#lx\n", arch_prctl(ARCH_GET_GS, (unsigned long)&gs), gs);
	static unsigned long gs_area[4] = { 0x1111, 0x2222, 0x3333, 0x4444 };
	printf("ARCH_SET_GS: %ld\n", arch_prctl(ARCH_SET_GS, (unsigned long)gs_area));
	unsigned long v;
	__asm__ volatile ("mov %%gs:8, %0" : "=r"(v));
	printf("gs:8 reads %#lx\n", v);
	for (int i = 0; i < 100; i++)
		getppid();                       /* system calls keep both bases */
	__asm__ volatile ("mov %%gs:16, %0" : "=r"(v));
	printf("after 100 system calls gs:16 reads %#lx, counter %d\n", v, counter);
	arch_prctl(ARCH_GET_GS, (unsigned long)&gs);
	printf("ARCH_GET_GS gives the area back: %s\n", gs == (unsigned long)gs_area ? "yes" : "no");
	printf("ARCH_SET_FS to a kernel address: %ld\n", arch_prctl(ARCH_SET_FS, 0xffffffff80000000UL) < 0 ? -1L : 0L);
	printf("ARCH_SET_GS to a non-canonical address: %ld\n", arch_prctl(ARCH_SET_GS, 0x8000000000000000UL) < 0 ? -1L : 0L);
	printf("bad code: %ld\n", arch_prctl(0x1234, 0) < 0 ? -1L : 0L);
	return counter == 42 ? 0 : 1;
}
