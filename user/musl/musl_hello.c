/*
 * musl_hello.c - an ordinary C program, built with Debian's `musl-gcc -static`: stdio, malloc,
 * floating point. It runs unmodified on Linux and on Portcullis, and prints the same.
 * Needs from the kernel: arch_prctl(ARCH_SET_FS) for musl's thread pointer, set_tid_address,
 * ioctl(TIOCGWINSZ) on stdout, writev, brk and mmap/munmap for malloc, exit_group.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	printf("hello from musl: argc=%d\n", argc);
	for (int i = 1; i < argc; i++)
		printf("argv[%d]=%s\n", i, argv[i]);
	char *small = malloc(100), *big = malloc(1 << 20);     /* brk, then mmap */
	if (!small || !big)
		return 1;
	strcpy(small, "small block");
	memset(big, 0x5a, 1 << 20);
	printf("%s, big block %s\n", small, big[(1 << 20) - 1] == 0x5a ? "ok" : "BAD");
	free(big);
	free(small);
	double x = 0.1 * argc;
	printf("float: %.3f %.3e\n", x * 3, x / 7);
	return 0;
}
