/*
 * fault_ud2.c - ring 3 executes UD2, the architecturally undefined instruction.
 * Expected: #UD, killed by SIGILL, shell status 132 (128 + 4).
 */
#include "ulib.h"

int main(void)
{
	printf("fault_ud2: executing ud2 (expect SIGILL, status 132)\n");
	__asm__ volatile ("ud2");
	printf("fault_ud2: survived ud2!\n");
	return 1;
}
