/* test_notify_message.c - the notification message (core/notify/message.c) and the
 * per-notifier route filters (core/notify/notify_route.c). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "pg_check.h"
#include "doc/doc.h"
#include "notify/notify_route.h"
#include "notify/message.h"

static void setup(void)
{
	pg_check_tmpdir_make("packet");
}

static void teardown(void)
{
	pg_check_tmpdir_remove();
}

/* ---- evidence URL template ------------------------------------------------ */

START_TEST(url_expands_environment)
{
	char *u;

	setenv("PGT_SERVER", "https://github.com", 1);
	setenv("PGT_REPO", "org/infra", 1);
	setenv("PGT_RUN", "42", 1);
	u = pg_message_url_new("${PGT_SERVER}/${PGT_REPO}/actions/runs/${PGT_RUN}");
	ck_assert_str_eq(u, "https://github.com/org/infra/actions/runs/42");
	free(u);
	u = pg_message_url_new("https://ci.example/$HOME/x"); /* only ${...} is expanded */
	ck_assert_str_eq(u, "https://ci.example/$HOME/x");
	free(u);
}
END_TEST

START_TEST(url_unset_or_malformed_is_null)
{
	unsetenv("PGT_UNSET");
	setenv("PGT_EMPTY", "", 1);
	ck_assert_ptr_null(pg_message_url_new("${PGT_UNSET}/x"));
	ck_assert_ptr_null(pg_message_url_new("https://x/${PGT_EMPTY}"));
	ck_assert_ptr_null(pg_message_url_new("https://x/${PGT_RUN"));
	ck_assert_ptr_null(pg_message_url_new("https://x/${}"));
	ck_assert_ptr_null(pg_message_url_new("https://x/${1ABC}"));
	ck_assert_ptr_null(pg_message_url_new(NULL));
}
END_TEST

/* ---- the message------------------------------------------------------------ */

static json_t *finding(void)
{
	json_t *f = json_loads(
		"{\"rule\": \"port-unapproved-open\", \"action\": \"fail\", \"severity\": \"high\","
		" \"asset\": \"pay\", \"target\": \"pay.example\", \"ip\": \"192.0.2.7\", \"port\": 22,"
		" \"protocol\": \"tcp\", \"fingerprint\": \"0123456789abcdef\","
		" \"reason\": \"port 22/tcp is open\\nbut `not` approved\","
		" \"evidence\": {\"service\": \"ssh\", \"banner\": \"SSH-2.0-x\\r\\n`id`\"},"
		" \"enrichment\": {\"net\": {\"asn\": 64500, \"asName\": \"Example\", \"prefix\": \"192.0.2.0/24\"},"
		"                  \"other\": {\"note\": 1}},"
		" \"assetContext\": {\"name\": \"pay\", \"target\": \"pay.example\", \"owner\": \"payments\","
		"  \"businessUnit\": \"fin\", \"environment\": \"production\", \"criticality\": \"high\","
		"  \"escalation\": [\"a@x\", \"b@x\"], \"expectedNetwork\": [\"AS64501\"], \"tags\": [\"pci\"]}}",
		0, NULL);
	ck_assert_ptr_nonnull(f);
	return f;
}

static const char *field(const json_t *p, const char *name)
{
	size_t i;
	json_t *fl;

	json_array_foreach(json_object_get(p, "fields"), i, fl) {
		if (!strcmp(json_string_value(json_object_get(fl, "name")), name))
			return json_string_value(json_object_get(fl, "value"));
	}
	return NULL;
}

START_TEST(message_fields_and_text)
{
	json_t *f = finding(), *p = pg_message_new(f, "https://ci.example/e", "run_1");

	ck_assert_str_eq(json_string_value(json_object_get(p, "title")),
			 "[FAIL] pay: port 22/tcp is open but `not` approved");
	ck_assert_str_eq(field(p, "Asset"), "pay (pay.example), production, criticality high");
	ck_assert_str_eq(field(p, "Exposed"), "22/tcp on 192.0.2.7, service ssh, banner \"SSH-2.0-x  `id`\"");
	ck_assert_str_eq(field(p, "Owner"), "payments (fin); escalation: a@x, b@x");
	ck_assert_str_eq(field(p, "Network"), "AS64500 Example 192.0.2.0/24; expected AS64501");
	ck_assert_str_eq(field(p, "Policy"),
			 "fail port-unapproved-open (high): port 22/tcp is open but `not` approved");
	ck_assert_str_eq(field(p, "Evidence"), "https://ci.example/e");
	ck_assert_str_eq(field(p, "Fingerprint"), "0123456789abcdef");
	ck_assert_str_eq(json_string_value(json_object_get(p, "evidenceUrl")), "https://ci.example/e");
	ck_assert(strstr(json_string_value(json_object_get(p, "text")),
			 "Owner: payments (fin); escalation: a@x, b@x\nNetwork: "));
	/* markdown: values in code spans, backticks turned into quotes, the URL a link */
	ck_assert(strstr(json_string_value(json_object_get(p, "markdown")),
			 "- **Exposed**: `22/tcp on 192.0.2.7, service ssh, banner \"SSH-2.0-x  'id'\"`\n"));
	ck_assert(strstr(json_string_value(json_object_get(p, "markdown")),
			 "- **Evidence**: <https://ci.example/e>\n"));
	json_decref(p);
	json_decref(f);
}
END_TEST

START_TEST(message_without_context)
{
	json_t *f = json_pack("{s:s, s:s, s:s}", "rule", "dns-dangling", "action", "warn", "target",
			      "old.example");
	json_t *p = pg_message_new(f, NULL, "run_9");

	ck_assert_str_eq(json_string_value(json_object_get(p, "title")), "[WARN] ?: dns-dangling");
	ck_assert_str_eq(field(p, "Exposed"), "old.example");
	ck_assert_str_eq(field(p, "Owner"), "unknown");
	ck_assert_str_eq(field(p, "Network"), "unknown (no network enrichment)");
	ck_assert_str_eq(field(p, "Evidence"), "evidence JSON of run run_9");
	ck_assert_ptr_null(json_object_get(p, "evidenceUrl"));
	json_decref(p);
	json_decref(f);
}
END_TEST

START_TEST(message_cuts_on_utf8_boundary)
{
	char reason[400];
	json_t *f, *p;
	const char *t;

	/* 'é' is two bytes: 79 of them put a character across the 160-byte cut */
	reason[0] = 'x';
	for (int i = 0; i < 100; i++)
		memcpy(reason + 1 + 2 * i, "\xc3\xa9", 3);
	f = json_pack("{s:s, s:s, s:s}", "rule", "r", "action", "fail", "reason", reason);
	p = pg_message_new(f, NULL, "r");
	t = json_string_value(json_object_get(p, "title"));
	ck_assert_ptr_nonnull(t); /* jansson refuses invalid UTF-8: a bad cut gives NULL */
	ck_assert_int_eq((int)strlen(t), (int)strlen("[FAIL] ?: ") + 1 + 158 + 3);
	ck_assert(!strcmp(t + strlen(t) - 3, "..."));
	json_decref(p);
	json_decref(f);
}
END_TEST

/* ---- routes ------------------------------------------------------------------- */

static struct pg_route *route_from(const char *yaml, struct pg_diag *d, struct pg_doc **doc)
{
	char *path = write_tmp("r.yaml", yaml);
	struct pg_route *r;

	*doc = pg_doc_load(path, d);
	ck_assert_ptr_nonnull(*doc);
	r = pg_route_parse(pg_node_get((*doc)->root, "route"), "chat", path, d);
	free(path);
	return r;
}

START_TEST(route_matches)
{
	static const bool on_fail[3] = { false, false, true };
	struct pg_diag d = { 0 };
	struct pg_doc *doc;
	struct pg_route *r = route_from("route: { owner: [payments, web], environment: production,\n"
					"  tags: [pci], rule: port-unapproved-open }\n", &d, &doc);
	json_t *f = finding();
	json_t *ctx = json_object_get(f, "assetContext");

	ck_assert_int_eq((int)d.n, 0);
	ck_assert(pg_route_match(r, on_fail, f));
	ck_assert(pg_route_match(NULL, on_fail, f));
	json_object_set_new(ctx, "environment", json_string("staging"));
	ck_assert(!pg_route_match(r, on_fail, f));
	json_object_set_new(ctx, "environment", json_string("production"));
	json_object_set_new(ctx, "tags", json_pack("[s]", "edge"));
	ck_assert(!pg_route_match(r, on_fail, f));
	json_object_set_new(ctx, "tags", json_pack("[s, s]", "edge", "pci"));
	ck_assert(pg_route_match(r, on_fail, f));
	json_object_set_new(f, "action", json_string("warn")); /* notify.on: [fail] */
	ck_assert(!pg_route_match(r, on_fail, f));
	ck_assert(!pg_route_match(NULL, on_fail, f));
	pg_route_free(r);
	pg_doc_free(doc);
	json_decref(f);
}
END_TEST

START_TEST(route_action_replaces_notify_on)
{
	static const bool on_fail[3] = { false, false, true };
	struct pg_diag d = { 0 };
	struct pg_doc *doc;
	struct pg_route *r = route_from("route: { action: warn, criticality: [high] }\n", &d, &doc);
	json_t *f = finding();

	ck_assert_int_eq((int)d.n, 0);
	ck_assert(!pg_route_match(r, on_fail, f)); /* fail is not in route.action */
	json_object_set_new(f, "action", json_string("warn"));
	ck_assert(pg_route_match(r, on_fail, f));
	pg_route_free(r);
	pg_doc_free(doc);
	json_decref(f);
}
END_TEST

START_TEST(route_errors_name_the_line)
{
	struct pg_diag d = { 0 };
	struct pg_doc *doc;
	struct pg_route *r = route_from("route:\n  team: [a]\n  action: [fail, maybe]\n  owner: []\n",
					&d, &doc);

	ck_assert_ptr_null(r);
	ck_assert_int_eq((int)d.n, 3);
	ck_assert(strstr(d.msgs[0], "r.yaml:2: notifiers.chat.route: unknown key 'team'"));
	ck_assert(strstr(d.msgs[1], "r.yaml:3: notifiers.chat.route.action: 'maybe' is not pass"));
	ck_assert(strstr(d.msgs[2], "r.yaml:4: notifiers.chat.route.owner: expected a non-empty"));
	pg_diag_clear(&d);
	pg_doc_free(doc);
}
END_TEST

START_TEST(candidates_carry_context_and_message)
{
	json_t *report = json_loads(
		"{\"run\": {\"id\": \"run_5\", \"manifest\": \"m.yaml\"}, \"assets\": [{\"name\": \"a\","
		" \"target\": \"a.example\", \"line\": 4, \"manifest\": {\"owner\": \"o\"}, \"findings\": ["
		" {\"rule\": \"r\", \"action\": \"fail\", \"fingerprint\": \"f1\"}, {\"rule\": \"x\"}]}]}",
		0, NULL);
	json_t *all = pg_route_candidates_new(report, NULL), *f = json_array_get(all, 0);
	const json_t *ctx = json_object_get(f, "assetContext");

	ck_assert_int_eq((int)json_array_size(all), 1); /* no action: not a candidate */
	ck_assert_str_eq(json_string_value(json_object_get(ctx, "owner")), "o");
	ck_assert_int_eq((int)json_integer_value(json_object_get(ctx, "line")), 4);
	ck_assert_str_eq(json_string_value(json_object_get(ctx, "manifest")), "m.yaml");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(f, "message"), "title")),
			 "[FAIL] a: r");
	json_decref(all);
	json_decref(report);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("notify_message");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, url_expands_environment);
	tcase_add_test(tc, url_unset_or_malformed_is_null);
	tcase_add_test(tc, message_fields_and_text);
	tcase_add_test(tc, message_without_context);
	tcase_add_test(tc, message_cuts_on_utf8_boundary);
	tcase_add_test(tc, route_matches);
	tcase_add_test(tc, route_action_replaces_notify_on);
	tcase_add_test(tc, route_errors_name_the_line);
	tcase_add_test(tc, candidates_carry_context_and_message);
	suite_add_tcase(s, tc);
	return pg_check_run(s);
}
