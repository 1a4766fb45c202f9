/* test_doc.c - the YAML/JSON loader: tree shape, line numbers, refusals. */
#include "config.h"

#include "pg_check.h"
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "doc/doc.h"

static void setup(void)
{
	pg_check_tmpdir_make("doc");
}

static void teardown(void)
{
	pg_check_tmpdir_remove();
}

/* Load text as file name; expect failure whose first message contains
 * "name:LINE: " followed (anywhere later) by want. */
static void expect_error(const char *name, const char *text, int line, const char *want)
{
	struct pg_diag d = { 0 };
	char *path = write_tmp(name, text), prefix[256];
	struct pg_doc *doc = pg_doc_load(path, &d);

	ck_assert_msg(doc == NULL, "%s: loaded but should fail", name);
	ck_assert_uint_ge(d.n, 1);
	if (line > 0)
		snprintf(prefix, sizeof(prefix), "%s:%d: ", path, line);
	else
		snprintf(prefix, sizeof(prefix), "%s: ", path);
	ck_assert_msg(!strncmp(d.msgs[0], prefix, strlen(prefix)), "got '%s', want prefix '%s'",
		      d.msgs[0], prefix);
	ck_assert_msg(strstr(d.msgs[0], want), "got '%s', want '%s'", d.msgs[0], want);
	pg_diag_clear(&d);
	free(path);
}

static struct pg_doc *load_ok(const char *name, const char *text)
{
	struct pg_diag d = { 0 };
	char *path = write_tmp(name, text);
	struct pg_doc *doc = pg_doc_load(path, &d);

	ck_assert_msg(doc != NULL, "%s: %s", name, d.n ? d.msgs[0] : "?");
	ck_assert_uint_eq(d.n, 0);
	free(path);
	return doc;
}

/* The same document in YAML and JSON must give the same tree and lines. */
static const char yaml_text[] = "# comment\n"
				"name: app\n"
				"port: 443\n"
				"quoted: \"443\"\n"
				"flag: true\n"
				"nothing:\n"
				"list:\n"
				"  - a\n"
				"  - {k: v}\n";
static const char json_text[] = "{\n"
				"  \"name\": \"app\",\n"
				"  \"port\": 443,\n"
				"  \"quoted\": \"443\",\n"
				"  \"flag\": true,\n"
				"  \"nothing\": null,\n"
				"  \"list\": [\n"
				"    \"a\",\n"
				"    {\"k\": \"v\"}]\n"
				"}\n";

static void check_tree(const struct pg_doc *doc, int first_line, bool json)
{
	const struct pg_node *root = doc->root, *n, *list;
	const char *s;
	unsigned long u;
	bool b;

	ck_assert_ptr_nonnull(root);
	ck_assert_int_eq(root->kind, PG_NODE_MAP);
	ck_assert_uint_eq(root->n, 6);

	n = pg_node_get(root, "name");
	ck_assert(pg_node_str(n, &s));
	ck_assert_str_eq(s, "app");
	ck_assert_int_eq(n->line, first_line);
	ck_assert_int_eq(n->quoted, json);

	n = pg_node_get(root, "port");
	ck_assert(pg_node_uint(n, 65535, &u));
	ck_assert_uint_eq(u, 443);
	ck_assert(!pg_node_uint(n, 400, &u)); /* above max */
	ck_assert_int_eq(n->line, first_line + 1);
	ck_assert_str_eq(pg_node_type_name(n), "a number");

	n = pg_node_get(root, "quoted");
	ck_assert(n->quoted);
	ck_assert(!pg_node_uint(n, 65535, &u)); /* a quoted number is a string */
	ck_assert(pg_node_str(n, &s));
	ck_assert_str_eq(pg_node_type_name(n), "a string");

	n = pg_node_get(root, "flag");
	ck_assert(pg_node_bool(n, &b));
	ck_assert(b);
	ck_assert_str_eq(pg_node_type_name(n), "a boolean");

	n = pg_node_get(root, "nothing");
	ck_assert_ptr_nonnull(n);
	ck_assert_int_eq(n->kind, PG_NODE_NULL);
	ck_assert_int_eq(n->line, first_line + 4);

	list = pg_node_get(root, "list");
	ck_assert_int_eq(list->kind, PG_NODE_SEQ);
	ck_assert_uint_eq(list->n, 2);
	ck_assert_int_eq(list->items[0]->line, first_line + 6);
	ck_assert_int_eq(list->items[1]->kind, PG_NODE_MAP);
	ck_assert_int_eq(list->items[1]->line, first_line + 7);
	ck_assert(pg_node_str(pg_node_get(list->items[1], "k"), &s));
	ck_assert_str_eq(s, "v");
	ck_assert_ptr_null(pg_node_get(root, "absent"));
	ck_assert_ptr_null(pg_node_get(list, "k")); /* not a map */
}

START_TEST(yaml_tree)
{
	struct pg_doc *doc = load_ok("t.yaml", yaml_text);

	check_tree(doc, 2, false);
	ck_assert_int_eq(doc->root->keys[0]->col, 1);
	ck_assert_int_eq(pg_node_get(doc->root, "name")->col, 7);
	pg_doc_free(doc);
}
END_TEST

START_TEST(json_tree)
{
	struct pg_doc *doc = load_ok("t.json", json_text);

	check_tree(doc, 2, true);
	pg_doc_free(doc);
}
END_TEST

START_TEST(json_escapes)
{
	struct pg_doc *doc = load_ok("e.json", "{\"s\": \"a\\/b\\u00e9\\t\", \"n\": -1.5e3}\n");
	const char *s;
	unsigned long u;

	ck_assert(pg_node_str(pg_node_get(doc->root, "s"), &s));
	ck_assert_str_eq(s, "a/b\xc3\xa9\t");
	ck_assert(!pg_node_uint(pg_node_get(doc->root, "n"), ULONG_MAX, &u));
	ck_assert_str_eq(pg_node_type_name(pg_node_get(doc->root, "n")), "a number");
	pg_doc_free(doc);
}
END_TEST

START_TEST(json_bom)
{
	struct pg_doc *doc = load_ok("bom.json", "\xef\xbb\xbf{\"a\":\n 1}\n");

	ck_assert_int_eq(pg_node_get(doc->root, "a")->line, 2);
	pg_doc_free(doc);
	doc = load_ok("bom.yaml", "\xef\xbb\xbf" "a: 1\n");
	ck_assert_ptr_nonnull(pg_node_get(doc->root, "a"));
	pg_doc_free(doc);
}
END_TEST

START_TEST(scalar_reads)
{
	struct pg_doc *doc = load_ok("s.yaml", "a: -1\nb: +1\nc: 1x\nd: 99999999999999999999999\n"
					       "e: True\nf: 'true'\ng: false\nh: ~\ni: 0\n"
					       "j: !!str 80\nk: ''\n");
	const struct pg_node *r = doc->root;
	unsigned long u;
	bool b = true;
	const char *s;

	ck_assert(!pg_node_uint(pg_node_get(r, "a"), ULONG_MAX, &u));
	ck_assert(!pg_node_uint(pg_node_get(r, "b"), ULONG_MAX, &u));
	ck_assert(!pg_node_uint(pg_node_get(r, "c"), ULONG_MAX, &u));
	ck_assert(!pg_node_uint(pg_node_get(r, "d"), ULONG_MAX, &u));
	ck_assert(!pg_node_bool(pg_node_get(r, "e"), &b));
	ck_assert(!pg_node_bool(pg_node_get(r, "f"), &b));
	ck_assert(pg_node_bool(pg_node_get(r, "g"), &b));
	ck_assert(!b);
	ck_assert_int_eq(pg_node_get(r, "h")->kind, PG_NODE_NULL);
	ck_assert(!pg_node_str(pg_node_get(r, "h"), &s));
	ck_assert(pg_node_uint(pg_node_get(r, "i"), 10, &u));
	ck_assert_uint_eq(u, 0);
	/* !!str makes a number-looking scalar a string. */
	ck_assert(pg_node_get(r, "j")->quoted);
	ck_assert(!pg_node_uint(pg_node_get(r, "j"), ULONG_MAX, &u));
	/* '' is an empty string, not null. */
	ck_assert_int_eq(pg_node_get(r, "k")->kind, PG_NODE_SCALAR);
	ck_assert(!pg_node_uint(NULL, 1, &u));
	ck_assert(!pg_node_bool(NULL, &b));
	ck_assert(!pg_node_str(NULL, &s));
	pg_doc_free(doc);
}
END_TEST

START_TEST(empty_files)
{
	struct pg_doc *doc = load_ok("empty.yaml", "");

	ck_assert_ptr_null(doc->root);
	pg_doc_free(doc);
	doc = load_ok("comments.yaml", "# only a comment\n\n");
	ck_assert_ptr_null(doc->root);
	pg_doc_free(doc);
	doc = load_ok("blank.json", " \n\t\n");
	ck_assert_ptr_null(doc->root);
	pg_doc_free(doc);
}
END_TEST

START_TEST(refusals)
{
	expect_error("anchor.yaml", "a: 1\nb: &x\n  c: 1\nd: *x\n", 2, "anchors are not allowed: 'x'");
	expect_error("anchor2.yaml", "a: 1\nb: &x 5\n", 2, "anchors are not allowed");
	expect_error("merge.yaml", "a:\n  b: 1\n  <<: {c: 2}\n", 3, "merge keys (<<) are not allowed");
	expect_error("dup.yaml", "a: 1\nb:\n  c: 1\n  d: 2\n  c: 3\n", 5,
		     "duplicate key 'c' (first at line 3)");
	expect_error("dup-top.yaml", "a: 1\nb: 2\n\"a\": 3\n", 3, "duplicate key 'a' (first at line 1)");
	expect_error("dup.json", "{\n\"a\": 1,\n\"a\": 2\n}\n", 3, "duplicate object key");
	expect_error("tag.yaml", "a: !custom 1\n", 1, "tags are not supported");
	expect_error("twodocs.yaml", "a: 1\n---\nb: 2\n", 2, "more than one YAML document");
	expect_error("complexkey.yaml", "? [a, b]\n: 1\n", 1, "map keys must be strings");
}
END_TEST

START_TEST(syntax_errors)
{
	expect_error("bad.yaml", "a: 1\nb: [1, 2\nc: 3\n", 3, "syntax error");
	expect_error("bad2.yaml", "a: 1\n  b: 2\n", 2, "syntax error");
	expect_error("tab.yaml", "a:\n\t- 1\n", 2, "syntax error");
	expect_error("bad.json", "{\n  \"a\": 1,\n  \"b\": 2,\n}\n", 4, "JSON syntax error");
	expect_error("col.json", "{\"a\": tru}\n", 1, "(column ");
	/* YAML-only syntax is not JSON. */
	expect_error("comment.json", "{\"a\": 1} # c\n", 1, "JSON syntax error");
	expect_error("yamlish.json", "a: 1\n", 1, "JSON syntax error");
	expect_error("nul.json", "{\"a\": \"x\\u0000y\"}\n", 1, "JSON syntax error");
	expect_error("nul.yaml", "a: \"x\\0y\"\n", 1, "NUL character");
}
END_TEST

/* A file of 63 good lines, then bad at line 64 (column 13), written as bytes. */
static void expect_bad_byte(const char *name, const char *bad, size_t badlen, const char *want)
{
	struct pg_diag d = { 0 };
	char *path = pg_xasprintf("%s/%s", tmpdir, name), prefix[300];
	FILE *f = fopen(path, "wb");

	ck_assert_ptr_nonnull(f);
	fputs(strstr(name, ".json") ? "{\"a\": [\n" : "a:\n", f);
	for (int i = 2; i < 64; i++)
		fprintf(f, strstr(name, ".json") ? "\"x%d\",\n" : "  - x%d\n", i);
	fputs(strstr(name, ".json") ? "\"s\", \"abcdef" : "  - abcdefgh", f);
	ck_assert_uint_eq(fwrite(bad, 1, badlen, f), badlen);
	fputs(strstr(name, ".json") ? "\"]}\n" : "\n", f);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_ptr_null(pg_doc_load(path, &d));
	ck_assert_uint_eq(d.n, 1);
	snprintf(prefix, sizeof(prefix), "%s:64: %s (column 13)", path, want);
	ck_assert_str_eq(d.msgs[0], prefix);
	pg_diag_clear(&d);
	free(path);
}

START_TEST(bad_bytes_at_their_line)
{
	expect_bad_byte("nul.yaml", "\0", 1, "NUL byte");
	expect_bad_byte("nul.json", "\0", 1, "NUL byte");
	expect_bad_byte("ff.yaml", "\xff", 1, "invalid UTF-8 byte 0xff");
	expect_bad_byte("ff.json", "\xff", 1, "invalid UTF-8 byte 0xff");
	expect_bad_byte("overlong.yaml", "\xc0\xaf", 2, "invalid UTF-8 byte 0xc0");
	expect_bad_byte("surrogate.yaml", "\xed\xa0\x80", 3, "invalid UTF-8 byte 0xed");
	expect_bad_byte("cut.yaml", "\xe2\x82", 2, "invalid UTF-8 byte 0xe2");
}
END_TEST

START_TEST(utf8_text_loads)
{
	struct pg_doc *doc = load_ok("utf8.yaml", "a: \"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x92\"\n");

	ck_assert_str_eq(pg_node_get(doc->root, "a")->scalar, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x92");
	pg_doc_free(doc);
}
END_TEST

START_TEST(depth_limit)
{
	char deep[400], ok[400];
	size_t i, n = 0;

	for (i = 0; i < 70; i++)
		deep[n++] = '[';
	for (i = 0; i < 70; i++)
		deep[n++] = ']';
	deep[n++] = '\n';
	deep[n] = '\0';
	expect_error("deep.yaml", deep, 1, "deeper than 64 levels");
	expect_error("deep.json", deep, 1, "deeper than 64 levels");

	n = 0;
	for (i = 0; i < 64; i++)
		ok[n++] = '[';
	for (i = 0; i < 64; i++)
		ok[n++] = ']';
	ok[n] = '\0';
	pg_doc_free(load_ok("ok64.yaml", ok));
}
END_TEST

START_TEST(file_errors)
{
	struct pg_diag d = { 0 };
	char *path = pg_xasprintf("%s/missing.yaml", tmpdir), *big;
	int fd;

	ck_assert_ptr_null(pg_doc_load(path, &d));
	ck_assert_uint_eq(d.n, 1);
	ck_assert_msg(strstr(d.msgs[0], "missing.yaml: cannot read: No such file"), "%s", d.msgs[0]);
	pg_diag_clear(&d);
	free(path);

	ck_assert_ptr_null(pg_doc_load(tmpdir, &d));
	ck_assert_msg(strstr(d.msgs[0], "is a directory"), "%s", d.msgs[0]);
	pg_diag_clear(&d);

	big = pg_xasprintf("%s/big.yaml", tmpdir);
	fd = open(big, O_CREAT | O_WRONLY, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, 17 << 20), 0);
	close(fd);
	ck_assert_ptr_null(pg_doc_load(big, &d));
	ck_assert_msg(strstr(d.msgs[0], "larger than 16 MiB"), "%s", d.msgs[0]);
	pg_diag_clear(&d);
	free(big);
}
END_TEST

START_TEST(many_keys_duplicate)
{
	/* 20,000 keys with one duplicate at the end: found, at the right line. */
	size_t i, cap = 20001 * 16, n = 0;
	char *text = pg_xmalloc(cap);

	for (i = 0; i < 20000; i++)
		n += (size_t)snprintf(text + n, cap - n, "k%zu: %zu\n", i, i);
	snprintf(text + n, cap - n, "k123: x\n");
	expect_error("many.yaml", text, 20001, "duplicate key 'k123' (first at line 124)");
	free(text);
}
END_TEST

static Suite *doc_suite(void)
{
	Suite *s = suite_create("doc");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, bad_bytes_at_their_line);
	tcase_add_test(tc, utf8_text_loads);
	tcase_add_test(tc, yaml_tree);
	tcase_add_test(tc, json_tree);
	tcase_add_test(tc, json_escapes);
	tcase_add_test(tc, json_bom);
	tcase_add_test(tc, scalar_reads);
	tcase_add_test(tc, empty_files);
	tcase_add_test(tc, refusals);
	tcase_add_test(tc, syntax_errors);
	tcase_add_test(tc, depth_limit);
	tcase_add_test(tc, file_errors);
	tcase_add_test(tc, many_keys_duplicate);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return pg_check_run(doc_suite());
}
