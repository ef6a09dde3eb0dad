/*
 * hello32_vdso.c - hello32, but every system call goes through the vDSO.
 *
 * The kernel tells an i386 process where __kernel_vsyscall is with the AT_SYSINFO entry of the
 * auxiliary vector; calling it (eax = number, ebx... = arguments) enters the kernel by the
 * fastest route the CPU has: SYSENTER on Intel, SYSCALL on AMD, INT 0x80 otherwise.
 * Expected: prints "hello", exit status 42. Without AT_SYSINFO it says so and exits 1 (through
 * INT 0x80, the only way left).
 */
#include "ulib.h"

static const char msg[] = "hello\n";

int main(void)
{
	if (!vdso_init()) {
		static const char err[] = "hello32_vdso: no AT_SYSINFO in the auxiliary vector\n";

		sys_write(2, err, sizeof(err) - 1);
		return 1;
	}
	vdso_3(NR32_write, 1, (long)msg, sizeof(msg) - 1);
	vdso_1(NR32_exit, 42);
	return 1;   /* not reached */
}
