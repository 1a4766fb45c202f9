/* test_notify_message.c - the notification message (core/notify/message.c) and the
 * per-notifier route filters (core/notify/notify_route.c). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "pg_check.h"
#include "doc/doc.h"
#include "notify/notify_route.h"
#include "notify/message.h"
#include "report/packet.h"

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
		" \"asset\": \"pay\", \"target\": \"pay.example\", \"ip\": \"192.0.2.7\", "
		"\"port\": 22,"
		" \"protocol\": \"tcp\", \"fingerprint\": \"0123456789abcdef\","
		" \"reason\": \"port 22/tcp is open\\nbut `not` approved\","
		" \"evidence\": {\"service\": \"ssh\", \"banner\": \"SSH-2.0-x\\r\\n`id`\"},"
		" \"enrichment\": {\"net\": {\"asn\": 64500, \"asName\": \"Example\", \"prefix\": "
		"\"192.0.2.0/24\"},"
		"                  \"other\": {\"note\": 1}},"
		" \"assetContext\": {\"name\": \"pay\", \"target\": \"pay.example\", \"owner\": "
		"\"payments\","
		"  \"businessUnit\": \"fin\", \"environment\": \"production\", \"criticality\": "
		"\"high\","
		"  \"escalation\": [\"a@x\", \"b@x\"], \"expectedNetwork\": [\"AS64501\"], "
		"\"tags\": [\"pci\"]}}",
		0, NULL);
	ck_assert_ptr_nonnull(f);
	return f;
}

static const char *field(const json_t *p, const char *name)
{
	size_t i;
	json_t *fl;

	json_array_foreach(json_object_get(p, "fields"), i, fl)
	{
		if (!strcmp(json_string_value(json_object_get(fl, "name")), name))
			return json_string_value(json_object_get(fl, "value"));
	}
	return NULL;
}

START_TEST(message_fields_and_text)
{
	json_t *f = finding(), *p = pg_message_new(f, NULL, "https://ci.example/e", "run_1");

	ck_assert_str_eq(json_string_value(json_object_get(p, "title")),
			 "[FAIL] pay: port 22/tcp is open but `not` approved");
	ck_assert_str_eq(field(p, "Asset"), "pay (pay.example), production, criticality high");
	ck_assert_str_eq(field(p, "Exposed"),
			 "22/tcp on 192.0.2.7, service ssh, banner \"SSH-2.0-x  `id`\"");
	ck_assert_str_eq(field(p, "Owner"), "payments (fin); escalation: a@x, b@x");
	ck_assert_str_eq(field(p, "Network"), "AS64500 Example 192.0.2.0/24; expected AS64501");
	ck_assert_str_eq(
		field(p, "Policy"),
		"fail port-unapproved-open (high): port 22/tcp is open but `not` approved");
	ck_assert_str_eq(field(p, "Evidence"), "https://ci.example/e");
	ck_assert_str_eq(field(p, "Fingerprint"), "0123456789abcdef");
	ck_assert_str_eq(json_string_value(json_object_get(p, "evidenceUrl")),
			 "https://ci.example/e");
	ck_assert(strstr(json_string_value(json_object_get(p, "text")),
			 "Owner: payments (fin); escalation: a@x, b@x\nNetwork: "));
	/* markdown: values in code spans, backticks turned into quotes, the URL a link */
	ck_assert(strstr(
		json_string_value(json_object_get(p, "markdown")),
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
	json_t *p = pg_message_new(f, NULL, NULL, "run_9");

	ck_assert_str_eq(json_string_value(json_object_get(p, "title")), "[WARN] ?: dns-dangling");
	ck_assert_str_eq(field(p, "Exposed"), "old.example");
	/* nothing is said about what is not known */
	ck_assert_ptr_null(field(p, "Owner"));
	ck_assert_ptr_null(field(p, "Network"));
	ck_assert_ptr_null(field(p, "DNS"));
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
	p = pg_message_new(f, NULL, NULL, "r");
	t = json_string_value(json_object_get(p, "title"));
	ck_assert_ptr_nonnull(t); /* jansson refuses invalid UTF-8: a bad cut gives NULL */
	ck_assert_int_eq((int)strlen(t), (int)strlen("[FAIL] ?: ") + 1 + 158 + 3);
	ck_assert(!strcmp(t + strlen(t) - 3, "..."));
	json_decref(p);
	json_decref(f);
}
END_TEST

/* A finding with every aspect: the asset's context, its resolution, and the
 * five built-in enrichments as the plugins write them (whois, ssl and headers
 * with their own message lines) plus a CMDB enricher's on-call line. */
static json_t *full_finding(json_t **resolution)
{
	json_t *f = json_loads(
		"{\"rule\": \"port-unapproved-open\", \"action\": \"fail\", \"severity\": \"high\","
		" \"asset\": \"shop\", \"target\": \"shop.example\", \"ip\": \"192.0.2.7\", "
		"\"port\": 443,"
		" \"protocol\": \"tcp\", \"fingerprint\": \"f00d\", \"reason\": \"port 443/tcp is "
		"open\","
		" \"evidence\": {\"service\": \"https\", \"banner\": \"nginx\"},"
		" \"assetContext\": {\"name\": \"shop\", \"target\": \"shop.example\","
		"  \"owner\": \"payments\", \"environment\": \"production\", \"criticality\": "
		"\"high\","
		"  \"escalation\": [\"pay-oncall\"], \"expectedNetwork\": [\"AS64500\"]},"
		" \"enrichment\": {"
		"  \"cmdb\": {\"ci\": \"CI042\", \"message\": [{\"label\": \"On-call\", \"text\": "
		"\"Ann (+1 555 0100)\"}]},"
		"  \"dns\": {\"name\": \"shop.example\", \"CNAME\": [\"edge.example\"], \"A\": "
		"[\"192.0.2.7\"], \"AAAA\": []},"
		"  \"ip\": {\"asn\": 64501, \"asName\": \"OTHER-NET\", \"prefix\": "
		"\"192.0.2.0/24\", \"country\": \"NL\"},"
		"  \"whois\": {\"registrar\": \"Reg Inc\", \"message\": [{\"label\": "
		"\"Registration\","
		"   \"text\": \"Reg Inc; registrant Shop Ltd; expires 2026-12-17 (11 days "
		"left)\"}]},"
		"  \"ssl\": {\"ports\": [], \"message\": [{\"label\": \"TLS\", \"text\": "
		"\"443/tcp: untrusted"
		" (self-signed certificate), 20 days left, hostname does not match, accepts "
		"legacy TLSv1.0\"}]},"
		"  \"headers\": {\"sites\": [], \"message\": [{\"label\": \"Headers\", \"text\": "
		"\"443/tcp:"
		" grade F (score 0), failing: content-security-policy, x-frame-options\"}]}}}",
		0, NULL);

	*resolution = json_loads("{\"literal\": false, \"addresses\": [\"192.0.2.7\"],"
				 " \"cnames\": [\"shop-lb.example\", \"edge.example\"]}",
				 0, NULL);
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(*resolution);
	return f;
}

static size_t count_named(const json_t *p, const char *name)
{
	size_t i, n = 0;
	json_t *fl;

	json_array_foreach(json_object_get(p, "fields"), i, fl)
		n += !strcmp(json_string_value(json_object_get(fl, "name")), name);
	return n;
}

START_TEST(message_every_aspect_in_order)
{
	json_t *res, *f = full_finding(&res), *p = pg_message_new(f, res, NULL, "run_1"), *fl;
	const char *want[][2] = {
		{ "Asset", "shop (shop.example), production, criticality high" },
		{ "Exposed", "443/tcp on 192.0.2.7, service https, banner \"nginx\"" },
		{ "Owner", "payments; escalation: pay-oncall" },
		{ "On-call", "Ann (+1 555 0100)" },
		{ "DNS", "shop.example -> shop-lb.example -> edge.example -> 192.0.2.7" },
		{ "Registration",
		  "Reg Inc; registrant Shop Ltd; expires 2026-12-17 (11 days left)" },
		{ "Network", "AS64501 OTHER-NET 192.0.2.0/24, NL; expected AS64500" },
		{ "TLS",
		  "443/tcp: untrusted (self-signed certificate), 20 days left, hostname does "
		  "not match, accepts legacy TLSv1.0" },
		{ "Headers", "443/tcp: grade F (score 0), failing: content-security-policy, "
			     "x-frame-options" },
		{ "Policy", "fail port-unapproved-open (high): port 443/tcp is open" },
		{ "Evidence", "evidence JSON of run run_1" },
		{ "Fingerprint", "f00d" },
	};
	size_t i;

	ck_assert_int_eq((int)json_array_size(json_object_get(p, "fields")), 12);
	json_array_foreach(json_object_get(p, "fields"), i, fl)
	{
		ck_assert_str_eq(json_string_value(json_object_get(fl, "name")), want[i][0]);
		ck_assert_str_eq(json_string_value(json_object_get(fl, "value")), want[i][1]);
	}
	ck_assert(strstr(json_string_value(json_object_get(p, "markdown")),
			 "- **On-call**: `Ann (+1 555 0100)`\n"));
	json_decref(p);
	/* without the resolution (a folded asset) the dns enrichment gives the chain */
	p = pg_message_new(f, NULL, NULL, "run_1");
	ck_assert_str_eq(field(p, "DNS"), "shop.example -> edge.example -> 192.0.2.7");
	json_decref(p);
	/* an enricher's own Network (or DNS) line replaces the host's */
	json_object_set_new(json_object_get(json_object_get(f, "enrichment"), "ip"), "message",
			    json_pack("[{s:s, s:s}]", "label", "Network", "text", "AS1 Mine"));
	p = pg_message_new(f, res, NULL, "r");
	ck_assert_str_eq(field(p, "Network"), "AS1 Mine");
	ck_assert_int_eq((int)count_named(p, "Network"), 1);
	json_decref(p);
	json_decref(f);
	json_decref(res);
}
END_TEST

/* Lines a plugin gives are checked: a core label, markup in a label, a long
 * label, a text that is not a string are dropped; 4 per enricher, 12 in all. */
START_TEST(message_plugin_lines_validated)
{
	json_t *f = json_pack("{s:s, s:s, s:{}}", "rule", "r", "action", "fail", "enrichment");
	json_t *enr = json_object_get(f, "enrichment"), *p, *lines = json_array();
	char name[16];

	json_array_append_new(lines, json_pack("{s:s, s:s}", "label", "Policy", "text", "pass"));
	json_array_append_new(lines, json_pack("{s:s, s:s}", "label", "Evidence", "text", "x"));
	json_array_append_new(lines, json_pack("{s:s, s:s}", "label", "# big", "text", "x"));
	json_array_append_new(lines, json_pack("{s:s, s:s}", "label", "[a](b)", "text", "x"));
	json_array_append_new(
		lines, json_pack("{s:s, s:s}", "label", "A label far over 24 bytes", "text", "x"));
	json_array_append_new(lines, json_pack("{s:s, s:i}", "label", "Num", "text", 3));
	json_array_append_new(lines, json_pack("{s:s, s:s}", "label", "Empty", "text", ""));
	json_object_set_new(enr, "bad", json_pack("{s:o}", "message", lines));
	for (int i = 0; i < 5; i++) {
		lines = json_array();
		for (int k = 0; k < 6; k++)
			json_array_append_new(
				lines, json_pack("{s:s, s:s}", "label", "Extra", "text", "e"));
		snprintf(name, sizeof(name), "e%d", i);
		json_object_set_new(enr, name, json_pack("{s:o}", "message", lines));
	}
	p = pg_message_new(f, NULL, NULL, "r");
	ck_assert_int_eq((int)count_named(p, "Policy"), 1);
	ck_assert_str_eq(field(p, "Policy"), "fail r (?): ");
	ck_assert_int_eq((int)count_named(p, "Evidence"), 1);
	ck_assert_ptr_null(field(p, "# big"));
	ck_assert_ptr_null(field(p, "[a](b)"));
	ck_assert_ptr_null(field(p, "Num"));
	ck_assert_ptr_null(field(p, "Empty"));
	ck_assert_int_eq((int)count_named(p, "Extra"), 12); /* 4 + 4 + 4, then the cap */
	json_decref(p);
	json_decref(f);
}
END_TEST

/* A registry name with newlines, a heading, a link, an image, a mention and
 * 200 KB: one line, cut to the bound, inert in the Markdown. */
START_TEST(message_hostile_registry_text)
{
	const char *head = "Evil\n# Heading\r\n[click](https://evil.example) "
			   "![img](https://evil.example/x.png) @org/team `x`\xe2\x80\xa8next ";
	size_t n = strlen(head) + 200 * 1024, i;
	char *text = malloc(n + 1);
	json_t *f, *p, *fl;
	const char *v, *md;

	memcpy(text, head, strlen(head));
	for (i = strlen(head); i < n; i++)
		text[i] = "\xc3\xa9"[i % 2]; /* 'é' pairs, so a cut can fall inside one */
	text[n - (n - strlen(head)) % 2] = '\0';
	f = json_pack("{s:s, s:s, s:{s:{s:[{s:s, s:s}]}}}", "rule", "r", "action", "fail",
		      "enrichment", "whois", "message", "label", "Registration", "text", text);
	ck_assert_ptr_nonnull(f);
	p = pg_message_new(f, NULL, NULL, "r");
	v = field(p, "Registration");
	ck_assert_ptr_nonnull(v);
	ck_assert(!strchr(v, '\n') && !strchr(v, '\r') && !strstr(v, "\xe2\x80\xa8"));
	ck_assert(strlen(v) <= PG_PACKET_TEXT_MAX + 3);
	ck_assert(!strncmp(v, "Evil # Heading  [click](https://evil.example)", 45));
	md = json_string_value(json_object_get(p, "markdown"));
	ck_assert(strlen(md) < 8192);
	/* the whole value is one code span: the backticks inside became quotes */
	ck_assert(strstr(md, "- **Registration**: `Evil # Heading  [click](https://evil.example) "
			     "![img](https://evil.example/x.png) @org/team 'x' next "));
	json_array_foreach(json_object_get(p, "fields"), i, fl) ck_assert(
		strlen(json_string_value(json_object_get(fl, "value"))) <= PG_PACKET_TEXT_MAX + 3);
	json_decref(p);
	json_decref(f);
	free(text);
}
END_TEST

/* ---- routes ------------------------------------------------------------------- */

static struct pg_route *route_from(const char *yaml, struct pg_diag *d, struct pg_doc **doc)
{
	char *path = write_tmp("r.yaml", yaml);
	struct pg_route *r = NULL;

	*doc = pg_doc_load(path, d);
	ck_assert_ptr_nonnull(*doc);
	pg_route_parse(&r, pg_node_get((*doc)->root, "route"), "notifiers", "chat", path, d);
	free(path);
	return r;
}

START_TEST(route_matches)
{
	static const bool on_fail[3] = { false, false, true };
	struct pg_diag d = { 0 };
	struct pg_doc *doc;
	struct pg_route *r = route_from(
		"route: { owner: [payments, web], environment: production,\n"
		"  tags: [pci], rule: port-unapproved-open }\n",
		&d, &doc);
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
	struct pg_route *r = route_from(
		"route:\n  team: [a]\n  action: [fail, maybe]\n  owner: []\n", &d, &doc);

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
	json_t *report = json_loads("{\"run\": {\"id\": \"run_5\", \"manifest\": \"m.yaml\"}, "
				    "\"assets\": [{\"name\": \"a\","
				    " \"target\": \"a.example\", \"line\": 4, \"manifest\": "
				    "{\"owner\": \"o\"}, \"findings\": ["
				    " {\"rule\": \"r\", \"action\": \"fail\", \"fingerprint\": "
				    "\"f1\"}, {\"rule\": \"x\"}]}]}",
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
	tcase_add_test(tc, message_every_aspect_in_order);
	tcase_add_test(tc, message_plugin_lines_validated);
	tcase_add_test(tc, message_hostile_registry_text);
	tcase_add_test(tc, route_matches);
	tcase_add_test(tc, route_action_replaces_notify_on);
	tcase_add_test(tc, route_errors_name_the_line);
	tcase_add_test(tc, candidates_carry_context_and_message);
	suite_add_tcase(s, tc);
	return pg_check_run(s);
}
