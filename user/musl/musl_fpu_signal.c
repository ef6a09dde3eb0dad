/*
 * musl_fpu_signal.c - the FPU/SSE state survives a signal whose handler clobbers it: the kernel
 * saves it in the signal frame and rt_sigreturn restores it. Same output on Linux and Portcullis.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile int handled;

static void clobber(int sig)
{
	(void)sig;
	__asm__ volatile(
		"pcmpeqd %%xmm0, %%xmm0\n\tpcmpeqd %%xmm1, %%xmm1\n\tpcmpeqd %%xmm7, %%xmm7\n\t"
		"pcmpeqd %%xmm8, %%xmm8\n\tpcmpeqd %%xmm15, %%xmm15\n\tfninit\n\tfldpi\n\tfldpi"
		::: "xmm0", "xmm1", "xmm7", "xmm8", "xmm15", "memory");
	handled++;
}

int main(void)
{
	signal(SIGUSR1, clobber);
	static const unsigned char pat[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
	unsigned char out[5][16];
	double x = 2.5, y = 0;
	__asm__ volatile(
		"movdqu %[p], %%xmm0\n\tmovdqu %[p], %%xmm1\n\tmovdqu %[p], %%xmm7\n\t"
		"movdqu %[p], %%xmm8\n\tmovdqu %[p], %%xmm15\n\t"
		"fldl %[x]\n\t"
		"mov $62, %%eax\n\tmov %[pid], %%edi\n\tmov $10, %%esi\n\tsyscall\n\t"   /* kill(self, SIGUSR1) */
		"movdqu %%xmm0, 0(%[o])\n\tmovdqu %%xmm1, 16(%[o])\n\tmovdqu %%xmm7, 32(%[o])\n\t"
		"movdqu %%xmm8, 48(%[o])\n\tmovdqu %%xmm15, 64(%[o])\n\t"
		"fstpl %[y]"
		: [y] "=m"(y)
		: [p] "m"(pat), [x] "m"(x), [o] "r"(out), [pid] "r"(getpid())
		: "rax", "rcx", "rdi", "rsi", "r11", "xmm0", "xmm1", "xmm7", "xmm8", "xmm15", "memory");
	int ok = handled == 1 && y == 2.5;
	for (int i = 0; i < 5; i++)
		ok &= !memcmp(out[i], pat, 16);
	printf("handler ran %d time(s); xmm0/1/7/8/15 and st0 after sigreturn: %s\n", handled, ok ? "intact" : "CLOBBERED");
	return ok ? 0 : 1;
}
