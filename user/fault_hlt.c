/*
 * fault_hlt.c - ring 3 executes HLT, a privileged instruction.
 * Expected: #GP, killed by SIGSEGV, shell status 139 (128 + 11).
 */
#include "ulib.h"

int main(void)
{
	printf("fault_hlt: executing hlt (expect SIGSEGV, status 139)\n");
	__asm__ volatile ("hlt");
	printf("fault_hlt: survived hlt - ring 3 halted the CPU!\n");
	return 1;
}
