/*
 * fault_int3.c - ring 3 executes INT3, the breakpoint instruction (its IDT gate has DPL 3).
 * Expected: #BP, killed by SIGTRAP, shell status 133 (128 + 5).
 */
#include "ulib.h"

int main(void)
{
	printf("fault_int3: executing int3 (expect SIGTRAP, status 133)\n");
	__asm__ volatile ("int3");
	printf("fault_int3: survived int3!\n");
	return 1;
}
