/*
 * fault_div0.c - ring 3 divides by zero.
 *
 * Done with an explicit DIV instruction: a C division by zero is undefined behaviour the compiler
 * may fold away. Expected: #DE, killed by SIGFPE, shell status 136 (128 + 8).
 */
#include "ulib.h"

int main(void)
{
	unsigned long quotient, rem, divisor = 0;

	printf("fault_div0: dividing by zero (expect SIGFPE, status 136)\n");
	/* "+r"(divisor) hides the zero from the optimiser. */
	__asm__ volatile ("divq %[d]"
			  : "=a"(quotient), "=d"(rem), [d] "+r"(divisor)
			  : "a"(1UL), "d"(0UL));
	printf("fault_div0: survived, quotient %lu remainder %lu!\n", quotient, rem);
	return 1;
}
