/* test_render.c - the renderers' output for hostile text (Markdown code
 * spans, HTML), the severity the CI formats export for an action, and the
 * HTML report's order and packet. */
#include "config.h"

#include "pg_check.h"
#include <jansson.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "notify/message.h"
#include "report/evidence.h"
#include "report/packet.h"
#include "report/render.h"
#include "report/render_int.h"
#include "util/util.h"

/* A renderer's output for report (caller frees). */
static char *rendered_new(const char *format, const json_t *report)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(pg_renderer_find(format)->render(f, report), 0);
	ck_assert_int_eq(fclose(f), 0);
	return buf;
}

static char *markdown_new(const json_t *report)
{
	return rendered_new("markdown", report);
}

/* Well-formed UTF-8 holding only characters XML 1.0 allows. */
static bool xml_chars_ok(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		unsigned long cp;
		size_t n = *p < 0x80   ? 1
			   : *p < 0xc2 ? 0
			   : *p < 0xe0 ? 2
			   : *p < 0xf0 ? 3
			   : *p < 0xf5 ? 4
				       : 0;
		if (!n)
			return false;
		cp = n == 1 ? *p : (unsigned long)(*p & (0x7f >> n));
		for (size_t i = 1; i < n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (p[i] & 0x3f);
		}
		if ((cp < 0x20 && cp != 9 && cp != 10 && cp != 13) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp == 0xfffe || cp == 0xffff)
			return false;
		p += n;
	}
	return true;
}

static json_t *report_new(const char *manifest, const char *rule)
{
	json_t *r = json_pack("{s:{s:s, s:s}, s:[{s:s, s:s, s:s, s:[{s:s, s:s, s:s, s:i, s:s}]}]}",
			      "run", "verdict", "fail", "manifest", manifest, "assets", "name",
			      "a*b", "target", "t.example", "verdict", "fail", "findings", "rule",
			      rule, "action", "fail", "asset", "a_b", "port", 22, "reason", "r*");

	ck_assert_ptr_nonnull(r);
	return r;
}

/* Registry text with U+FFFE and U+FFFF (valid UTF-8, not XML) in a failure, and an asset
 * name whose classname is cut where a two-byte character straddles the cut. */
START_TEST(junit_is_xml_whatever_the_text)
{
	char name[1200];
	json_t *r;
	char *xml;

	memset(name, 'x', 1);
	for (size_t i = 1; i + 2 < sizeof(name); i += 2)
		memcpy(name + i, "\xc3\xa9", 2); /* e-acute: 'x' first puts the cut mid-character */
	name[sizeof(name) - 1] = '\0';
	r = report_new("m.yaml", "domain-expiring-soon");
	json_object_set_new(json_array_get(json_object_get(r, "assets"), 0), "name",
			    json_string(name));
	json_object_set_new(
		json_array_get(json_object_get(json_array_get(json_object_get(r, "assets"), 0),
					       "findings"),
			       0),
		"reason", json_string("Registrar \xef\xbf\xbe Ltd \xef\xbf\xbf\x01 <b>"));
	xml = rendered_new("junit", r);
	ck_assert_msg(xml_chars_ok(xml), "not XML 1.0 characters:\n%s", xml);
	ck_assert_ptr_nonnull(strstr(xml, "Registrar ? Ltd ?? &lt;b&gt;"));
	ck_assert_msg(strstr(xml, "classname=\"portgate.x\xc3\xa9"), "%.300s", xml);
	free(xml);
	json_decref(r);
}
END_TEST

/* Inside a code span nothing is escaped (a backslash would show); the fence is
 * one backtick longer than the longest run inside, padded with a space when the
 * text starts or ends with a backtick, or starts and ends with a space (CommonMark
 * 6.1 strips one from each side). In a table cell '|'
 * still needs its backslash: GFM splits cells before it parses code spans. */
START_TEST(markdown_code_spans_fence_not_escape)
{
	static const struct {
		const char *manifest, *rule, *head, *row;
	} cases[] = {
		{ "infra/x_y*z.yaml", "a_b*c", "manifest `infra/x_y*z.yaml`\n",
		  "| :x: fail | `a_b*c` | a\\_b | 22 | r\\* |\n" },
		{ "infra/`odd`.yaml", "x`y``z|w", "manifest ``infra/`odd`.yaml``\n",
		  "| :x: fail | ```x`y``z\\|w``` | a\\_b | 22 | r\\* |\n" },
		{ "`m`", "``r", "manifest `` `m` ``\n", "| :x: fail | ``` ``r ``` |" },
		{ " sp ", "", "manifest `  sp  `\n", "| :x: fail | ` ` |" },
		{ "a\\b", "<b>&amp;</b>", "manifest `a\\x5cb`\n", "| :x: fail | `<b>&amp;</b>` |" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *r = report_new(cases[i].manifest, cases[i].rule);
		char *md = markdown_new(r);
		ck_assert_msg(strstr(md, cases[i].head), "case %zu head:\n%s", i, md);
		ck_assert_msg(strstr(md, cases[i].row), "case %zu row:\n%s", i, md);
		ck_assert_msg(strstr(md, "| a\\*b | t.example |"), "asset cell escaped:\n%s", md);
		free(md);
		json_decref(r);
	}
}
END_TEST

#define ZWJ "\xe2\x80\x8d" /* U+200D */

/* GitHub makes "@org/team" a mention and a bare URL a link in any text that is not code:
 * an asset name, a reason and the banner a reason quotes keep neither live. */
START_TEST(markdown_no_live_mentions_or_links)
{
	json_t *r = report_new("m.yaml", "port-unexpected-open");
	json_t *a = json_array_get(json_object_get(r, "assets"), 0);
	char *md;

	json_object_set_new(a, "name", json_string("web @org/team https://evil.example/x"));
	json_object_set_new(
		json_array_get(json_object_get(a, "findings"), 0), "reason",
		json_string("port 22 open (ssh: SSH-2.0 ping @admin at "
			    "www.evil.example or (http://x.example/a|b) mail a@b.example)"));
	md = markdown_new(r);
	ck_assert_msg(strstr(md, "| web @" ZWJ "org/team `https://evil.example/x` |"), "%s", md);
	ck_assert_msg(strstr(md, "ping @" ZWJ "admin at `www.evil.example` or "
				 "`(http://x.example/a\\|b)` mail a@" ZWJ "b.example) |"),
		      "%s", md);
	ck_assert_ptr_null(strstr(md, " @org"));
	free(md);
	json_decref(r);
}
END_TEST

/* The one mapping: fail keeps the severity, warn caps it at medium, pass is info. */
START_TEST(export_severity_follows_action)
{
	static const char *const cases[][3] = {
		{ "fail", "critical", "critical" }, { "fail", "high", "high" },
		{ "fail", "low", "low" },           { "warn", "critical", "medium" },
		{ "warn", "high", "medium" },       { "warn", "medium", "medium" },
		{ "warn", "low", "low" },           { "warn", "info", "info" },
		{ "pass", "critical", "info" },     { "fail", "bogus", "medium" },
		{ "warn", NULL, "medium" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_msg(
			!strcmp(pg_render_export_severity(cases[i][0], cases[i][1]), cases[i][2]),
			"case %zu: %s %s -> %s", i, cases[i][0],
			cases[i][1] ? cases[i][1] : "(null)",
			pg_render_export_severity(cases[i][0], cases[i][1]));
	ck_assert_str_eq(pg_render_export_severity(NULL, "high"), "info");
}
END_TEST

/* A warn dns-unresolved (severity high) is neither critical in GitLab Code
 * Quality nor security-severity >= 7 in SARIF; a fail of the same severity is. */
START_TEST(ci_formats_warn_not_critical)
{
	json_t *r = json_pack("{s:{s:s, s:s}, s:[{s:s, s:s, s:i, s:[{s:s, s:s, s:s, s:s, s:s}, "
			      "{s:s, s:s, s:s, s:s, s:s, s:i}]}]}",
			      "run", "verdict", "fail", "manifest", "m.yaml", "assets", "name", "a",
			      "target", "t.example", "line", 3, "findings", "rule",
			      "dns-unresolved", "action", "warn", "severity", "high", "asset", "a",
			      "fingerprint", "aa", "rule", "port-unapproved-open", "action", "fail",
			      "severity", "high", "asset", "a", "fingerprint", "bb", "port", 22);
	char *gl = rendered_new("gitlab", r), *sarif = rendered_new("sarif", r);
	json_t *g = json_loads(gl, 0, NULL), *s = json_loads(sarif, 0, NULL), *rule;
	size_t i;
	int seen = 0;

	ck_assert_ptr_nonnull(g);
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(g, 0), "severity")),
			 "major");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(g, 1), "severity")),
			 "critical");
	json_array_foreach(
		json_object_get(
			json_object_get(
				json_object_get(json_array_get(json_object_get(s, "runs"), 0),
						"tool"),
				"driver"),
			"rules"),
		i, rule)
	{
		const char *id = json_string_value(json_object_get(rule, "id"));
		const char *ss = json_string_value(
			json_object_get(json_object_get(rule, "properties"), "security-severity"));
		if (!strcmp(id, "dns-unresolved")) {
			ck_assert_str_eq(ss, "5.5");
			seen++;
		}
		if (!strcmp(id, "port-unapproved-open")) {
			ck_assert_str_eq(ss, "8.0");
			seen++;
		}
	}
	ck_assert_int_eq(seen, 2);
	json_decref(g);
	json_decref(s);
	free(gl);
	free(sarif);
	json_decref(r);
}
END_TEST

/* Every string of the evidence is hostile in the HTML report: a banner, a reason, names,
 * the manifest path and a verdict that is no verdict. None becomes markup. */
START_TEST(html_escapes_every_string)
{
	const char *img = "\"><img src=x onerror=alert(2)>";
	json_t *r = json_pack(
		"{s:{s:s, s:s, s:s}, s:[{s:s, s:s, s:s, s:{s:s}, s:[{s:s, s:s, s:s, s:s, s:i, "
		"s:s, s:{s:s}}]}]}",
		"run", "verdict", "fail\"><script>alert(0)</script>", "manifest",
		"</title><script>alert(3)</script>", "id", "<svg onload=alert(4)>", "assets",
		"name", "<b>shop</b>", "target", img, "verdict", "<i>x</i>", "manifest", "owner",
		"<u>team</u>", "findings", "rule", "<s>rule</s>", "action", "fail", "asset",
		"<b>shop</b>", "reason", "<script>alert(1)</script>", "port", 22, "fingerprint",
		"'><x>", "evidence", "banner", "</dd><script>alert(5)</script>");
	char *html = rendered_new("html", r);

	/* markup the evidence's text would make, and the text it must show instead */
	static const char *const never[] = { "<script", "<img", "<svg onload",
					     "<b>shop", "<x>",  "<u>" };
	static const char *const shown[] = { "&lt;script&gt;alert(1)&lt;/script&gt;",
					     "&quot;&gt;&lt;img src=x onerror=alert(2)&gt;",
					     "banner &quot;&lt;/dd&gt;&lt;script&gt;alert(5)",
					     "&#39;&gt;&lt;x&gt;" };

	for (size_t i = 0; i < PG_ARRAY_LEN(never); i++)
		ck_assert_msg(!strstr(html, never[i]), "'%s' in the report", never[i]);
	for (size_t i = 0; i < PG_ARRAY_LEN(shown); i++)
		ck_assert_msg(strstr(html, shown[i]) != NULL, "'%s' not in the report", shown[i]);
	/* a verdict that is no verdict gets the neutral class, its text escaped */
	ck_assert_ptr_nonnull(strstr(html, "<span class=\"v unknown\">fail&quot;&gt;&lt;script"));
	ck_assert_ptr_nonnull(strstr(html, "</html>\n"));
	free(html);
	json_decref(r);
}
END_TEST

static json_t *finding_of(const char *action, const char *severity, const char *reason)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s}", "rule", "port-unapproved-open", "action",
			 action, "severity", severity, "reason", reason, "asset", "x");
}

static json_t *asset_of(const char *name, const char *crit, json_t *findings)
{
	json_t *a = json_pack("{s:s, s:s, s:s, s:{}, s:o}", "name", name, "target", "t.example",
			      "verdict", "fail", "manifest", "findings", findings);

	if (crit)
		json_object_set_new(json_object_get(a, "manifest"), "criticality",
				    json_string(crit));
	return a;
}

static const char *at(const char *html, const char *s)
{
	const char *p = strstr(html, s);

	ck_assert_msg(p != NULL, "'%s' not in the report", s);
	return p;
}

/* Findings by action (fail, warn, pass), then the asset's criticality (critical, high,
 * medium, low, other text, none), then severity, then evidence order. */
START_TEST(html_sorts_by_action_then_criticality)
{
	json_t *r = json_pack(
		"{s:{s:s}, s:[o, o, o, o]}", "run", "verdict", "fail", "assets",
		asset_of("a1", "critical",
			 json_pack("[o]", finding_of("warn", "high", "R-warn-crit"))),
		asset_of("a2", NULL, json_pack("[o]", finding_of("fail", "low", "R-fail-none"))),
		asset_of("a3", "low",
			 json_pack("[o, o]", finding_of("fail", "low", "R-fail-low-low"),
				   finding_of("fail", "critical", "R-fail-low-crit"))),
		asset_of("a4", "critical",
			 json_pack("[o]", finding_of("fail", "low", "R-fail-crit"))));
	char *html = rendered_new("html", r);
	const char *order[] = { "R-fail-crit", "R-fail-low-crit", "R-fail-low-low", "R-fail-none",
				"R-warn-crit" };

	for (size_t i = 1; i < sizeof(order) / sizeof(order[0]); i++)
		ck_assert_msg(at(html, order[i - 1]) < at(html, order[i]), "%s before %s",
			      order[i - 1], order[i]);
	/* a failure is open, a warning folded */
	ck_assert_ptr_nonnull(strstr(html, "<details open>\n<summary><span class=\"v fail\">"));
	ck_assert_ptr_nonnull(strstr(html, "<details>\n<summary><span class=\"v warn\">"));
	free(html);
	json_decref(r);
}
END_TEST

/* s as HTML text: the five characters HTML gives meaning escaped (new string). */
static char *html_text_new(const char *s)
{
	static const char *const entity[][2] = { { "&", "&amp;" },
						 { "<", "&lt;" },
						 { ">", "&gt;" },
						 { "\"", "&quot;" },
						 { "'", "&#39;" } };
	char *out = pg_xmalloc(6 * strlen(s) + 1), *o = out;

	*o = '\0';
	for (; *s; s++) {
		size_t k = 0;
		while (k < PG_ARRAY_LEN(entity) && *s != entity[k][0][0])
			k++;
		o += k < PG_ARRAY_LEN(entity) ? (size_t)snprintf(o, 7, "%s", entity[k][1])
					      : (size_t)snprintf(o, 2, "%c", *s);
	}
	return out;
}

/* The report shows a finding's packet as the notification message has it: one
 * implementation (report/packet.c) for both. */
START_TEST(html_packet_is_the_message_fields)
{
	json_t *r = json_pack("{s:{s:s, s:s, s:s}, s:[{s:s, s:s, s:i, s:{s:s, s:s, s:s, s:[s]}, "
			      "s:{s:[s], s:[s]}, "
			      "s:[{s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:s}]}]}",
			      "run", "verdict", "fail", "manifest", "infra/m.yaml", "id", "run_1",
			      "assets", "name", "shop", "target", "shop.example", "line", 7,
			      "manifest", "owner", "team-shop", "environment", "production",
			      "criticality", "high", "escalation", "oncall", "resolution", "cnames",
			      "lb.example.net", "addresses", "192.0.2.7", "findings", "rule",
			      "port-unapproved-open", "action", "fail", "severity", "high", "asset",
			      "shop", "target", "shop.example", "ip", "192.0.2.7", "port", 8080,
			      "fingerprint", "3b1f0c9a2e5d7788");
	json_t *a = json_array_get(json_object_get(r, "assets"), 0), *f, *msg, *fl;
	char *html;
	size_t i, n = 0;

	ck_assert_ptr_nonnull(r);
	html = rendered_new("html", r);

	f = json_deep_copy(json_array_get(json_object_get(a, "findings"), 0));
	json_object_set_new(f, "assetContext", pg_packet_asset_context_new(r, a));
	msg = pg_message_new(f, json_object_get(a, "resolution"), NULL, "run_1");
	json_array_foreach(json_object_get(msg, "fields"), i, fl)
	{
		char *v = html_text_new(json_string_value(json_object_get(fl, "value")));
		char *line = pg_xasprintf("<dt>%s</dt><dd>%s</dd>",
					  json_string_value(json_object_get(fl, "name")), v);
		ck_assert_msg(strstr(html, line) != NULL, "'%s' not in the report", line);
		free(line);
		free(v);
		n++;
	}
	ck_assert_uint_eq(n, 7); /* Asset, Exposed, Owner, DNS, Policy, Evidence, Fingerprint */
	free(html);
	json_decref(msg);
	json_decref(f);
	json_decref(r);
}
END_TEST

/* A scan target on 127.0.0.1 with these ports and result slots. */
static void loopback_target(struct pg_scan_target *t, const uint16_t *tcp, size_t ntcp,
			    const uint16_t *udp, size_t nudp, struct pg_port_result *res)
{
	ck_assert(pg_addr_parse_literal("127.0.0.1", 0, &t->addr));
	t->ports = tcp;
	t->nports = ntcp;
	t->udp_ports = udp;
	t->nudp_ports = nudp;
	t->results = res;
}

/* A scan with TCP and UDP results: every result is a port object (TCP first), UDP ones say
 * "protocol": "udp", are named from /etc/services' udp entries when the probe names nothing,
 * keep the probe's "udp" byte counts, and count in the summary; the streamed writer agrees. */
START_TEST(evidence_udp_ports)
{
	struct pg_port_result res[3] = { 0 };
	struct pg_scan_target t = { 0 };
	static const uint16_t tcp[] = { 69 }, udp[] = { 69, 123 };
	json_t *s, *p, *w;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	loopback_target(&t, tcp, 1, udp, 2, res);
	res[0] = (struct pg_port_result){ .port = 69,
					  .state = PG_PORT_CLOSED,
					  .reason = "conn-refused" };
	res[1] = (struct pg_port_result){ .port = 69,
					  .proto = PG_PROTO_UDP,
					  .state = PG_PORT_FILTERED,
					  .reason = "no-response" };
	res[2] = (struct pg_port_result){
		.port = 123, .proto = PG_PROTO_UDP, .state = PG_PORT_OPEN, .reason = "udp-response"
	};
	res[2].probe = json_pack("{s:{s:i, s:i, s:i}}", "udp", "sent", 48, "received", 48,
				 "datagrams", 1);
	s = pg_evidence_scan(&t, "app.test", 0);
	p = json_object_get(s, "ports");
	ck_assert_uint_eq(json_array_size(p), 3);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(p, 0), "protocol")),
			 "tcp");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(p, 0), "service")),
			 "unknown"); /* 69 has no TCP name */
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(p, 1), "protocol")),
			 "udp");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(p, 1), "service")),
			 "tftp");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(p, 1), "reason")),
			 "no-response");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(p, 2), "service")),
			 "ntp");
	ck_assert_int_eq(json_integer_value(json_object_get(
				 json_object_get(json_array_get(p, 2), "udp"), "received")),
			 48);
	ck_assert_int_eq(
		json_integer_value(json_object_get(json_object_get(s, "summary"), "totalScanned")),
		3);
	ck_assert_int_eq(
		json_integer_value(json_object_get(json_object_get(s, "summary"), "filtered")), 1);
	f = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(pg_evidence_scan_write(f, &t, "app.test", 0, true), 0);
	ck_assert_int_eq(fclose(f), 0);
	w = json_loads(buf, 0, NULL);
	ck_assert_ptr_nonnull(w);
	json_object_del(w, "scanId");
	json_object_del(s, "scanId");
	ck_assert(json_equal(w, s));
	json_decref(w);
	json_decref(s);
	json_decref(res[2].probe);
	free(buf);
}
END_TEST

/* Real numbers are written as people read them: an RTT of 6002 us is "6.002", not the
 * binary noise "6.0019999999999998" jansson's default precision writes. */
START_TEST(evidence_reals_without_noise)
{
	struct pg_port_result res[2] = { 0 };
	struct pg_scan_target t = { 0 };
	static const uint16_t tcp[] = { 80, 443 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	loopback_target(&t, tcp, 2, NULL, 0, res);
	res[0] = (struct pg_port_result){
		.port = 80, .state = PG_PORT_OPEN, .reason = "syn-ack", .rtt_us = 6002
	};
	res[1] = (struct pg_port_result){
		.port = 443, .state = PG_PORT_OPEN, .reason = "syn-ack", .rtt_us = 1021
	};
	for (int compact = 0; compact < 2; compact++) {
		f = open_memstream(&buf, &len);
		ck_assert_ptr_nonnull(f);
		ck_assert_int_eq(pg_evidence_scan_write(f, &t, "app.test", 0, compact), 0);
		ck_assert_int_eq(fclose(f), 0);
		ck_assert_msg(strstr(buf, "6.002") && strstr(buf, "1.021"), "%s", buf);
		ck_assert_msg(!strstr(buf, "6.00199") && !strstr(buf, "1.02099"), "%s", buf);
		free(buf);
		buf = NULL;
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("render");
	TCase *tc = tcase_create("render");

	tcase_add_test(tc, markdown_code_spans_fence_not_escape);
	tcase_add_test(tc, markdown_no_live_mentions_or_links);
	tcase_add_test(tc, junit_is_xml_whatever_the_text);
	tcase_add_test(tc, export_severity_follows_action);
	tcase_add_test(tc, ci_formats_warn_not_critical);
	tcase_add_test(tc, html_escapes_every_string);
	tcase_add_test(tc, html_sorts_by_action_then_criticality);
	tcase_add_test(tc, html_packet_is_the_message_fields);
	tcase_add_test(tc, evidence_udp_ports);
	tcase_add_test(tc, evidence_reals_without_noise);
	suite_add_tcase(s, tc);
	return pg_check_run(s);
}
