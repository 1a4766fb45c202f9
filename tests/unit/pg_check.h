/* pg_check.h - the one Check runner every unit test program ends with. */
#ifndef PG_CHECK_H
#define PG_CHECK_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "util.h"

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

/* A private temporary directory per test (Check forks each test): make it in
 * the setup fixture, remove it in the teardown. */
static char tmpdir[64];

static inline void pg_check_tmpdir_make(const char *tag)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/pg-test-%s.XXXXXX", tag);
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static inline void pg_check_tmpdir_remove(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

/* Write text to tmpdir/name; returns the path (caller frees). */
static inline char *write_tmp(const char *name, const char *text)
{
	char *path = pg_xasprintf("%s/%s", tmpdir, name);
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
	return path;
}

#endif
