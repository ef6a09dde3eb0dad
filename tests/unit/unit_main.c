/*
 * unit_main.c - main() of every unit test binary: run the file's suite with Check.
 *
 * Check's usual environment variables apply, e.g. CK_FORK=no to debug a test in gdb,
 * CK_RUN_CASE=name to run one test case, CK_VERBOSITY=verbose to list every test.
 */
#include <stdlib.h>

#include "unit.h"

int main(void)
{
	SRunner *sr = srunner_create(unit_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);   /* CK_VERBOSITY, default "normal": failures and the summary */
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
