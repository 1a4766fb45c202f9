/* pg_check.h - the one Check runner every unit test program ends with. */
#ifndef PG_CHECK_H
#define PG_CHECK_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "util/util.h"

/* The runner's pid, in every temp dir name: a failed assertion ends the
 * forked test before its teardown, so the runner sweeps what is left. */
static pid_t pg_check_runner;

/* A private temporary directory per test (Check forks each test): make it in
 * the setup fixture, remove it in the teardown. */
static char tmpdir[64];

static inline void pg_check_tmpdir_make(const char *tag)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/pg-test-%s-%ld.XXXXXX", tag,
		 (long)(pg_check_runner ? pg_check_runner : getpid()));
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

/* Run every test of s, print Check's summary, sweep temp dirs of tests that
 * failed, return the process exit status. */
static inline int pg_check_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	char cmd[96];
	int failed;

	pg_check_runner = getpid();
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	snprintf(cmd, sizeof(cmd), "rm -rf /tmp/pg-test-*-%ld.*", (long)pg_check_runner);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove temporary directories: %s\n", cmd);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
