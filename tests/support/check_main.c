/* check_main.c -- the one main of every Check suite.
 *
 * A suite file defines test_suite() and no main; this runs it and exits
 * with the number of failed checks folded into a status (0: all passed).
 * It sits in the support archive, so the linker takes it only for a suite
 * that has no main of its own. */
#include <check.h>
#include <stdlib.h>

Suite *test_suite(void);

int main(void)
{
	SRunner *sr = srunner_create(test_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
