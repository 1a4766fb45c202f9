/* pg_check.h - the one Check runner every unit test program ends with. */
#ifndef PG_CHECK_H
#define PG_CHECK_H

#include <check.h>
#include <stdlib.h>

/* Run every test of s, print Check's summary, return the process exit status. */
static inline int pg_check_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
