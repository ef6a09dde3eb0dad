/*
 * hello.c - the smallest possible x86-64 program: no runtime, no libc, two raw system calls.
 *
 *   write(1, "hello\n", 6);   exit(42);
 *
 * Linked without user/lib: _start below is the ELF entry point. The kernel enters it with the
 * argument block on the stack (unused here); nothing is called, so stack alignment is moot.
 * Expected: prints "hello", exit status 42, identically on Linux and Portcullis.
 */

#define NR_write    1
#define NR_exit     60

static const char msg[] = "hello\n";

__attribute__((noreturn)) void _start(void)
{
	long ret;

	/* SYSCALL: rax = number, rdi/rsi/rdx = arguments; the CPU clobbers rcx and r11. */
	__asm__ volatile ("syscall"
			  : "=a"(ret)
			  : "a"(NR_write), "D"(1), "S"(msg), "d"(sizeof(msg) - 1)
			  : "rcx", "r11", "memory");
	(void)ret;

	__asm__ volatile ("syscall" : : "a"(NR_exit), "D"(42) : "rcx", "r11", "memory");
	__builtin_unreachable();
}
