/*
 * t_badiret.c - the kernel's own IRET to ring 3 faults; the program dies, the kernel does not.
 *
 * Portcullis only, CONFIG_KTEST kernels (the private system call of kernel/include/ktest_abi.h
 * stands in for a bad sigreturn frame until signals exist). The program asks the kernel to return
 * to a non-canonical RIP. SYSRET is refused for such an address, so the kernel returns with IRETQ,
 * which raises #GP in ring 0 with the user GS and the user CR3 already loaded. The entry code must
 * recognise that case and turn it into a fault of the program: exit status 139 (SIGSEGV).
 *   t_badiret            non-canonical RIP 0x8000000000000000
 *   t_badiret -top       RIP at the never-mapped last page below the hole (canonical: IRET works,
 *                        the instruction fetch faults in ring 3)
 */
#include "ulib.h"
#include "../kernel/include/ktest_abi.h"

int main(int argc, char **argv)
{
	unsigned long rip = 0x8000000000000000UL;
	if (argc > 1 && !strcmp(argv[1], "-top"))
		rip = 0x00007ffffffff000UL;
	printf("t_badiret: returning to %#lx (expect SIGSEGV, status 139)\n", rip);
	long r = syscall1(KTEST_SYSCALL_BASE + KTEST_SYS_SET_RIP, (long)rip);
	printf("t_badiret: still running (set_rip returned %ld): the kernel did not take the bad IRET\n", r);
	return 1;
}
