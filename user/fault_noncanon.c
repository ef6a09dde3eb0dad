/*
 * fault_noncanon.c - ring 3 reads a non-canonical address.
 *
 * Bits 63:47 of 0x8000000000000000 are not all equal, so the address is outside both canonical
 * halves. The CPU raises #GP (not #PF) before any page walk.
 * Expected: killed by SIGSEGV, shell status 139 (128 + 11).
 */
#include "ulib.h"

int main(void)
{
	unsigned long val;
	unsigned long addr = 0x8000000000000000UL;

	printf("fault_noncanon: reading non-canonical address %p (expect SIGSEGV, status 139)\n",
	       (void *)addr);
	__asm__ volatile ("movq (%1), %0" : "=r"(val) : "r"(addr) : "memory");
	printf("fault_noncanon: read %#lx from a non-canonical address!\n", val);
	return 1;
}
