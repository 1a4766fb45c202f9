/* test_util.c - strict number parsing, atomic writes, redaction, ids. */
#include "config.h"

#include "pg_check.h"
#include <jansson.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config/settings_find.h"
#include "report/evidence.h"
#include "util/log.h"
#include "util/path.h"
#include "util/util.h"

START_TEST(parse_ulong_is_strict)
{
	unsigned long v;

	ck_assert(pg_parse_ulong("443", 65535, &v) && v == 443);
	ck_assert(!pg_parse_ulong("", 65535, &v));
	ck_assert(!pg_parse_ulong("-1", 65535, &v));
	ck_assert(!pg_parse_ulong("+1", 65535, &v));
	ck_assert(!pg_parse_ulong(" 1", 65535, &v));
	ck_assert(!pg_parse_ulong("1x", 65535, &v));
	ck_assert(!pg_parse_ulong("65536", 65535, &v));
	ck_assert(!pg_parse_ulong("99999999999999999999999", (unsigned long)-1, &v));
}
END_TEST

/* The one edit distance behind every "did you mean" (rule ids, options, fields). */
START_TEST(edit_distance_counts_edits)
{
	char longword[PG_EDIT_DISTANCE_MAX + 2];

	ck_assert_uint_eq(pg_edit_distance("kitten", "sitting", false), 3);
	ck_assert_uint_eq(pg_edit_distance("", "abc", false), 3);
	ck_assert_uint_eq(pg_edit_distance("abc", "abc", false), 0);
	/* a dropped letter, a swapped pair (two substitutions), case */
	ck_assert_uint_eq(
		pg_edit_distance("port-aproved-filtered", "port-approved-filtered", false), 1);
	ck_assert_uint_eq(pg_edit_distance("tls-not-offered", "tls-not-offerde", false), 2);
	ck_assert_uint_eq(pg_edit_distance("approvedPorts", "approvedports", false), 1);
	ck_assert_uint_eq(pg_edit_distance("approvedPorts", "approvedports", true), 0);
	memset(longword, 'a', sizeof(longword) - 1);
	longword[sizeof(longword) - 1] = '\0';
	ck_assert_uint_eq(pg_edit_distance(longword, "a", false), SIZE_MAX);
}
END_TEST

START_TEST(atomic_write_replaces_whole_file)
{
	char dir[] = "/tmp/pg-util-XXXXXX", *path, *back;
	size_t len;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	path = pg_xasprintf("%s/evidence.json", dir);
	ck_assert_int_eq(pg_write_file_atomic(path, "old", 3), 0);
	ck_assert_int_eq(pg_write_file_atomic(path, "new content", 11), 0);
	back = pg_read_file(path, 1024, &len);
	ck_assert_str_eq(back, "new content");
	ck_assert_uint_eq(len, 11);
	free(back);
	/* a directory that does not exist: error, nothing written */
	char *bad = pg_xasprintf("%s/missing/x.json", dir);
	ck_assert_int_lt(pg_write_file_atomic(bad, "x", 1), 0);
	ck_assert_int_ne(access(bad, F_OK), 0);
	free(bad);
	/* a too-large file is refused on read */
	ck_assert_ptr_null(pg_read_file(path, 4, &len));
	unlink(path);
	rmdir(dir);
	free(path);
}
END_TEST

/* A killed writer's temp file: hidden, outside "*.json*", removed by the next
 * write of the same name; a live writer's (flock held) and another name's stay. */
static int seen_tmp_name(FILE *f, void *ud)
{
	const char *dir = ud;
	DIR *dh = opendir(dir);
	struct dirent *de;
	int n = 0;

	while (dh && (de = readdir(dh)))
		n += !strncmp(de->d_name, ".portgate-tmp.evidence.json.", 28) &&
		     strlen(de->d_name) == 34 && strcmp(de->d_name + 28, "XyZ789");
	if (dh)
		closedir(dh);
	return fprintf(f, "tmp=%d", n) < 0 ? -1 : 0;
}

static char *old_file(const char *dir, const char *name)
{
	char *p = pg_xasprintf("%s/%s", dir, name);
	struct timespec t[2] = { { time(NULL) - 600, 0 }, { time(NULL) - 600, 0 } };

	FILE *f = fopen(p, "w");

	ck_assert_ptr_nonnull(f);
	fputs("{\"partial\": ", f);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(utimensat(AT_FDCWD, p, t, 0), 0);
	return p;
}

START_TEST(atomic_write_cleans_orphan_temps)
{
	char dir[] = "/tmp/pg-util-XXXXXX", *path, *back, *dead, *live, *other;
	int fd;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	path = pg_xasprintf("%s/evidence.json", dir);
	dead = old_file(dir, ".portgate-tmp.evidence.json.AbC123");
	live = old_file(dir, ".portgate-tmp.evidence.json.XyZ789");
	other = old_file(dir, ".portgate-tmp.other.json.QwE456");
	fd = open(live, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(flock(fd, LOCK_EX), 0); /* a writer still at work */
	ck_assert_int_eq(pg_write_atomic_with(path, seen_tmp_name, dir), 0);
	back = pg_read_file(path, 1024, NULL);
	ck_assert_str_eq(back, "tmp=1"); /* our own temp, named as documented */
	/* the first write into the directory sweeps every dead writer's temp */
	ck_assert_int_ne(access(dead, F_OK), 0);
	ck_assert_int_eq(access(live, F_OK), 0);
	ck_assert_int_ne(access(other, F_OK), 0);
	/* later writes into it do not list it again (n cache entries: n listings) */
	unlink(other);
	free(other);
	other = old_file(dir, ".portgate-tmp.other.json.QwE456");
	ck_assert_int_eq(pg_write_atomic_with(path, seen_tmp_name, dir), 0);
	ck_assert_int_eq(access(other, F_OK), 0);
	close(fd);
	/* the live writer died: a sweep of every name removes both */
	ck_assert_int_eq(pg_atomic_clean_stale(dir, NULL), 2);
	ck_assert_int_ne(access(live, F_OK), 0);
	ck_assert_int_ne(access(other, F_OK), 0);
	unlink(path);
	rmdir(dir);
	free(back);
	free(path);
	free(dead);
	free(live);
	free(other);
}
END_TEST

/* A raw '/', '?' or '#' in userinfo (RFC 3986 forbids it, yet such URLs get pasted)
 * made the authority end early and the password's head print as the host. Where a
 * delimiter stands before an '@' nothing tells password from path: only the scheme is
 * printed. No case may print a character of a password or query (s3cret, PW, QQ). */
START_TEST(redact_url_hides_tokens)
{
	static const char *const cases[][2] = {
		{ "https://user:s3cret@hooks.example/services/T000/B000?token=abc#x",
		  "https://***@hooks.example/***" },
		{ "https://hooks.slack.example/services/T1/B2/s3cret",
		  "https://hooks.slack.example/***" },
		{ "https://u:p@ss@hooks.example:8443/x", "https://***@hooks.example:8443/***" },
		{ "http://127.0.0.1:8080/hook", "http://127.0.0.1:8080/***" },
		{ "http://127.0.0.1:8080/", "http://127.0.0.1:8080" },
		{ "http://127.0.0.1:8080", "http://127.0.0.1:8080" },
		{ "https://example.test#s3cret", "https://example.test/***" },
		{ "https://user:PW#PW@hooks.example/x", "https://***" },
		{ "https://user:PW/PW@hooks.example/x", "https://***" },
		{ "https://user:PW?PW@hooks.example", "https://***" },
		{ "https://user:PW@PW#PW/PW@hooks.example/", "https://***" },
		{ "https://user:12/34@hooks.example/", "https://***" },
		{ "https://PW/PW@github.example/org/repo.git", "https://***" },
		{ "https://hooks.example/T0?QQ=QQ@QQ", "https://***" },
		{ "https://user:PW@PW@hooks.example:8443", "https://***@hooks.example:8443" },
		{ "https://:PW@[::1]:8443/x", "https://***@[::1]:8443/***" },
		{ "user:PW@hooks.example/x", "***@hooks.example/***" },
		{ "https://user:PW@", "https://***@" },
		{ "https://user:PW\\PW@hooks.example/", "https://***@hooks.example" },
		{ "hooks.example/p?u=https://QQ", "hooks.example/***" },
		{ "hooks.example/p?u=https://QQ@QQ", "***" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *r = pg_redact_url(cases[i][0]);
		ck_assert_msg(!strcmp(r, cases[i][1]), "%s -> %s, want %s", cases[i][0], r,
			      cases[i][1]);
		ck_assert_ptr_null(strstr(r, "s3cret"));
		ck_assert_ptr_null(strstr(r, "PW"));
		ck_assert_ptr_null(strstr(r, "QQ"));
		free(r);
	}
}
END_TEST

START_TEST(ids_and_times)
{
	char id[64], ts[32];

	pg_evidence_id("scan", 1795773300123ull, id, sizeof(id));
	ck_assert(!strncmp(id, "scan_20261127T095500Z_", 22));
	ck_assert_uint_eq(strlen(id), strlen("scan_20261127T095500Z_") + 8);
	pg_iso8601_ms(1795773300123ull, ts);
	ck_assert_str_eq(ts, "2026-11-27T09:55:00.123Z");
}
END_TEST

START_TEST(sha256_vector)
{
	char hex[65];

	pg_sha256_hex("abc", 3, hex);
	ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}
END_TEST

/* RFC 4231 test case 2 */
START_TEST(hmac_vector)
{
	char hex[65];

	pg_hmac_sha256_hex("Jefe", 4, "what do ya want for nothing?", 28, hex);
	ck_assert_str_eq(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}
END_TEST

START_TEST(str_append_cuts_and_says_so)
{
	char buf[8] = "ab";
	unsigned char raw[] = { 0x00, 0x0f, 0xa5, 0xff };
	char hex[9];

	ck_assert(pg_str_append(buf, sizeof(buf), "cd"));
	ck_assert_str_eq(buf, "abcd");
	ck_assert(!pg_str_append(buf, sizeof(buf), "efghij"));
	ck_assert_str_eq(buf, "abcdefg");
	ck_assert(!pg_str_append(buf, sizeof(buf), "x"));
	ck_assert_str_eq(buf, "abcdefg");
	pg_hex_encode(raw, sizeof(raw), hex);
	ck_assert_str_eq(hex, "000fa5ff");
}
END_TEST

START_TEST(utf8_fix_keeps_only_valid_utf8)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "plain ascii", "plain ascii" },
		{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x92",
		  "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x92" },
		{ "cut at the end \xc3", "cut at the end ?" },
		{ "cut \xe2\x82", "cut ??" },
		{ "latin1 caf\xe9!", "latin1 caf?!" },
		{ "\xc0\xaf overlong", "?? overlong" },
		{ "\xed\xa0\x80 surrogate", "??? surrogate" },
		{ "\xf4\x90\x80\x80 too big", "???? too big" },
		{ "\xff\xfe", "??" },
		{ "", "" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char buf[64];
		pg_strlcpy(buf, cases[i].in, sizeof(buf));
		pg_utf8_fix(buf);
		ck_assert_str_eq(buf, cases[i].out);
		json_t *j = json_string(buf);
		ck_assert_ptr_nonnull(j); /* jansson takes it */
		json_decref(j);
	}
}
END_TEST

START_TEST(path_under_names_from_the_root)
{
	char *r;

	ck_assert_str_eq(r = pg_path_under("/repo", "/repo/infra/exposure.yaml"),
			 "infra/exposure.yaml");
	free(r);
	ck_assert_str_eq(r = pg_path_under("/repo/", "/repo/m.yaml"), "m.yaml");
	free(r);
	ck_assert_str_eq(r = pg_path_under("/", "/etc/m.yaml"), "etc/m.yaml");
	free(r);
	ck_assert_ptr_null(pg_path_under("/repo", "/repo2/m.yaml")); /* a prefix, not a parent */
	ck_assert_ptr_null(pg_path_under("/repo", "/repo"));
	ck_assert_ptr_null(pg_path_under("/repo", "/other/m.yaml"));
}
END_TEST

/* A dangling symlink (relative, through a second link) is written through: its target is
 * created, the link stays a link. */
START_TEST(atomic_write_through_dangling_link)
{
	char dir[] = "/tmp/pg-util-XXXXXX";
	char *sub, *link1, *link2, *target, *got, *back;
	struct stat st;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	sub = pg_xasprintf("%s/sub", dir);
	link1 = pg_xasprintf("%s/a.json", dir);
	link2 = pg_xasprintf("%s/b.json", sub);
	target = pg_xasprintf("%s/../real.json", sub);
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	ck_assert_int_eq(symlink("sub/b.json", link1), 0);
	ck_assert_int_eq(symlink("../real.json", link2), 0);
	ck_assert_str_eq(got = pg_path_link_target(link1), target);
	free(got);
	ck_assert_ptr_null(pg_path_link_target(sub)); /* no link */
	ck_assert_int_eq(pg_write_file_atomic(link1, "new", 3), 0);
	ck_assert_int_eq(lstat(link1, &st), 0);
	ck_assert(S_ISLNK(st.st_mode));
	ck_assert_str_eq(back = pg_read_file(target, 64, NULL), "new");
	free(back);
	unlink(target);
	unlink(link2);
	unlink(link1);
	rmdir(sub);
	rmdir(dir);
	free(sub);
	free(link1);
	free(link2);
	free(target);
}
END_TEST

/* pg_git_root of sub/dir below base, compared with base/want (NULL: none found). */
static void git_root_is(const char *base, const char *sub, const char *want)
{
	char *from = pg_xasprintf("%s/%s", base, sub), *w = pg_xasprintf("%s/%s", base, want);
	char *got = pg_path_git_root(from);

	ck_assert_str_eq(got, w);
	free(got);
	free(from);
	free(w);
}

START_TEST(git_root_is_the_nearest_dot_git_above)
{
	char tmpl[] = "/tmp/pg-gitroot.XXXXXX", *dir = mkdtemp(tmpl), *cmd;

	ck_assert_ptr_nonnull(dir);
	/* .git a directory at a/, a file (a worktree's) at a/b/ */
	cmd = pg_xasprintf("cd %s && mkdir -p a/.git a/b/c && touch a/b/.git", dir);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
	git_root_is(dir, "a/b/c", "a/b");
	git_root_is(dir, "a/b", "a/b");
	git_root_is(dir, "a", "a");
	cmd = pg_xasprintf("rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
}
END_TEST

/* A fake environment for pg_config_find: one table instead of the process's. */
static const char *fake_env[][2] = { { "PORTGATE_CONFIG", NULL },
				     { "XDG_CONFIG_HOME", NULL },
				     { "HOME", NULL } };

static char *fake_getenv(const char *name)
{
	for (size_t i = 0; i < PG_ARRAY_LEN(fake_env); i++)
		if (!strcmp(fake_env[i][0], name))
			return (char *)fake_env[i][1];
	return NULL;
}

static void put_file(const char *path)
{
	char *cmd = pg_xasprintf("mkdir -p \"$(dirname '%s')\" && echo '{}' >'%s'", path, path);

	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
}

/* pg_config_find (no --config) finds want (owned, freed here) from source src. */
static void finds(const char *sys, char *want, enum pg_config_source src)
{
	enum pg_config_source got_src;
	char *got = pg_config_find(NULL, fake_getenv, sys, &got_src);

	ck_assert_str_eq(got, want);
	ck_assert_int_eq(got_src, src);
	free(got);
	free(want);
}

/* Each layer in turn, lowest first: the system's, the user's (~/.config, then
 * $XDG_CONFIG_HOME), the working directory's, $PORTGATE_CONFIG, --config. */
START_TEST(config_find_takes_the_first_layer_that_has_a_file)
{
	char tmpl[] = "/tmp/pg-cfgfind.XXXXXX", *dir = mkdtemp(tmpl), old[4096], *p;
	char *home, *xdg, *sys;
	enum pg_config_source src;

	ck_assert_ptr_nonnull(dir);
	ck_assert_ptr_nonnull(getcwd(old, sizeof(old)));
	home = pg_xasprintf("%s/home", dir);
	xdg = pg_xasprintf("%s/xdg", dir);
	sys = pg_xasprintf("%s/etc", dir);
	ck_assert_int_eq(chdir(dir), 0);
	fake_env[2][1] = home;
	ck_assert_ptr_null(pg_config_find(NULL, fake_getenv, sys, &src));
	ck_assert_int_eq(src, PG_CONFIG_BUILTIN);
	put_file(p = pg_xasprintf("%s/portgate/portgate.yaml", sys));
	finds(sys, p, PG_CONFIG_SYSTEM);
	put_file(p = pg_xasprintf("%s/.config/portgate/portgate.yaml", home));
	finds(sys, p, PG_CONFIG_USER);
	fake_env[1][1] = xdg; /* set: ~/.config is no longer looked at */
	finds(sys, pg_xasprintf("%s/portgate/portgate.yaml", sys), PG_CONFIG_SYSTEM);
	put_file(p = pg_xasprintf("%s/portgate/portgate.yaml", xdg));
	finds(sys, p, PG_CONFIG_USER);
	put_file(".portgate.yaml");
	finds(sys, pg_xstrdup(".portgate.yaml"), PG_CONFIG_CWD);
	fake_env[0][1] = "named.yaml"; /* named: used even though it does not exist */
	finds(sys, pg_xstrdup("named.yaml"), PG_CONFIG_ENV);
	ck_assert_str_eq(p = pg_config_find("flag.yaml", fake_getenv, sys, &src), "flag.yaml");
	ck_assert_int_eq(src, PG_CONFIG_FLAG);
	ck_assert_str_eq(pg_config_source_name(src), "--config");
	free(p);
	fake_env[0][1] = fake_env[1][1] = fake_env[2][1] = NULL;
	ck_assert_int_eq(chdir(old), 0);
	p = pg_xasprintf("rm -rf %s", dir);
	ck_assert_int_eq(system(p), 0);
	free(p);
	free(home);
	free(xdg);
	free(sys);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("util");
	TCase *tc = tcase_create("util");

	tcase_add_test(tc, parse_ulong_is_strict);
	tcase_add_test(tc, edit_distance_counts_edits);
	tcase_add_test(tc, hmac_vector);
	tcase_add_test(tc, str_append_cuts_and_says_so);
	tcase_add_test(tc, atomic_write_replaces_whole_file);
	tcase_add_test(tc, atomic_write_through_dangling_link);
	tcase_add_test(tc, atomic_write_cleans_orphan_temps);
	tcase_add_test(tc, redact_url_hides_tokens);
	tcase_add_test(tc, ids_and_times);
	tcase_add_test(tc, sha256_vector);
	tcase_add_test(tc, utf8_fix_keeps_only_valid_utf8);
	tcase_add_test(tc, path_under_names_from_the_root);
	tcase_add_test(tc, git_root_is_the_nearest_dot_git_above);
	tcase_add_test(tc, config_find_takes_the_first_layer_that_has_a_file);
	suite_add_tcase(s, tc);
	return pg_check_run(s);
}
