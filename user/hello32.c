/*
 * hello32.c - the smallest possible i386 program: no runtime, two raw INT 0x80 system calls.
 *
 *   write(1, "hello\n", 6);   exit(42);      (i386 numbers: write = 4, exit = 1)
 *
 * Linked without user/lib: _start below is the ELF entry point.
 * Expected: prints "hello", exit status 42, identically on Linux and Portcullis.
 */

#define NR32_write  4
#define NR32_exit   1

static const char msg[] = "hello\n";

__attribute__((noreturn)) void _start(void)
{
	long ret;

	/* INT 0x80: eax = number, ebx/ecx/edx = arguments; only eax changes. */
	__asm__ volatile ("int $0x80"
			  : "=a"(ret)
			  : "a"(NR32_write), "b"(1), "c"(msg), "d"(sizeof(msg) - 1)
			  : "memory");
	(void)ret;

	__asm__ volatile ("int $0x80" : : "a"(NR32_exit), "b"(42) : "memory");
	__builtin_unreachable();
}
