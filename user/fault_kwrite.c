/*
 * fault_kwrite.c - ring 3 writes to the kernel image.
 *
 * 0xffffffff80100000 is where Portcullis's kernel is loaded (KERNEL_LOAD_VIRT); on Linux it is
 * kernel text as well. The page is either absent from the user page tables or present without
 * the U/S bit, so the store raises #PF with the user bit set in the error code.
 * Expected: killed by SIGSEGV, shell status 139 (128 + 11).
 */
#include "ulib.h"

int main(void)
{
	volatile unsigned long *p = (volatile unsigned long *)0xffffffff80100000UL;

	printf("fault_kwrite: writing to kernel address %p (expect SIGSEGV, status 139)\n",
	       (void *)p);
	*p = 0x5a5a5a5a5a5a5a5aUL;
	printf("fault_kwrite: the write succeeded - the kernel image is writable from ring 3!\n");
	return 1;
}
