/* packet.c - the lines of a finding's investigation packet (see packet.h). */
#include "config.h"
#include "packet.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/json_get.h"
#include "util/util.h"

#define ONE_LINE_MAX 160 /* bytes of a banner or reason shown inline */

json_t *pg_packet_asset_context_new(const json_t *report, const json_t *asset)
{
	const json_t *fields = json_object_get(asset, "manifest");
	const json_t *line = json_object_get(asset, "line");
	const char *path = json_string_value(
		json_object_get(json_object_get(report, "run"), "manifest"));
	json_t *ctx = json_is_object(fields) ? json_deep_copy(fields) : json_object();

	/* a report written by hand (tests, plugin-test) may lack the manifest block */
	if (!json_object_get(ctx, "name") && json_is_string(json_object_get(asset, "name")))
		json_object_set(ctx, "name", json_object_get(asset, "name"));
	if (!json_object_get(ctx, "target") && json_is_string(json_object_get(asset, "target")))
		json_object_set(ctx, "target", json_object_get(asset, "target"));
	if (json_is_integer(line))
		json_object_set(ctx, "line", (json_t *)line);
	if (path)
		json_object_set_new(ctx, "manifest", json_string(path));
	return ctx;
}

char *pg_packet_strbuf_take(struct pg_strbuf *b)
{
	char *s = pg_strbuf_take(b);

	if (!s)
		abort();
	return s;
}

/* A multi-byte sequence that ends a line (NEL, LINE/PARAGRAPH SEPARATOR) or a
 * bidi override that reorders what follows it; 0 when s is none of these. */
static size_t line_breaker(const unsigned char *s)
{
	if (s[0] == 0xc2 && s[1] == 0x85)
		return 2;
	if (s[0] == 0xe2 && s[1] == 0x80 &&
	    (s[2] == 0xa8 || s[2] == 0xa9 || (s[2] >= 0xaa && s[2] <= 0xae)))
		return 3;
	if (s[0] == 0xe2 && s[1] == 0x81 && s[2] >= 0xa6 && s[2] <= 0xa9)
		return 3;
	return 0;
}

char *pg_packet_line_new(const char *s, size_t max)
{
	struct pg_strbuf b = { 0 };
	size_t n = strlen(s), cut = n;

	if (n > max) {
		cut = max;
		while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
			cut--;
	}
	for (size_t i = 0; i < cut;) {
		size_t k = line_breaker((const unsigned char *)s + i);
		char c = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? ' ' : s[i];
		if (k && i + k <= cut) {
			pg_strbuf_add(&b, " ");
			i += k;
			continue;
		}
		pg_strbuf_addn(&b, &c, 1);
		i++;
	}
	if (cut < n)
		pg_strbuf_add(&b, "...");
	return pg_packet_strbuf_take(&b);
}

/* A list of strings joined with sep (new string, "" when empty). */
static char *join_new(const json_t *arr, const char *sep)
{
	struct pg_strbuf b = { 0 };
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v)
	{
		if (!json_is_string(v))
			continue;
		if (b.len)
			pg_strbuf_add(&b, sep);
		pg_strbuf_add(&b, json_string_value(v));
	}
	return pg_packet_strbuf_take(&b);
}

/* ---- the fields ------------------------------------------------------------ */

/* Every value is one line cut to PG_PACKET_TEXT_MAX, whoever wrote it: the
 * manifest's escalation list or a plugin's text could otherwise make a
 * message no chat or tracker accepts. Empty values are left out. */
static void add_field(json_t *fields, const char *name, char *value_owned)
{
	char *v = pg_packet_line_new(value_owned ? value_owned : "", PG_PACKET_TEXT_MAX);

	if (*v)
		json_array_append_new(fields, json_pack("{s:s, s:s}", "name", name, "value", v));
	free(v);
	free(value_owned);
}

static char *asset_value(const json_t *f, const json_t *ctx)
{
	const char *name = pg_json_get_str(ctx, "name") ? pg_json_get_str(ctx, "name")
							: pg_json_get_str(f, "asset");
	const char *target = pg_json_get_str(ctx, "target") ? pg_json_get_str(ctx, "target")
							    : pg_json_get_str(f, "target");
	const char *env = pg_json_get_str(ctx, "environment"),
		   *crit = pg_json_get_str(ctx, "criticality");
	struct pg_strbuf b = { 0 };

	pg_strbuf_add(&b, name ? name : "?");
	if (target && (!name || strcmp(target, name))) {
		pg_strbuf_add(&b, " (");
		pg_strbuf_add(&b, target);
		pg_strbuf_add(&b, ")");
	}
	if (env || crit) {
		char *x = pg_xasprintf(", %s%s%s%s", env ? env : "", env && crit ? ", " : "",
				       crit ? "criticality " : "", crit ? crit : "");
		pg_strbuf_add(&b, x);
		free(x);
	}
	return pg_packet_strbuf_take(&b);
}

static char *exposed_value(const json_t *f)
{
	const json_t *ev = json_object_get(f, "evidence");
	json_int_t port = json_integer_value(json_object_get(f, "port"));
	const char *proto = pg_json_get_str(f, "protocol"), *ip = pg_json_get_str(f, "ip"),
		   *target = pg_json_get_str(f, "target");
	const char *svc = pg_json_get_str(ev, "service"), *banner = pg_json_get_str(ev, "banner");
	struct pg_strbuf b = { 0 };
	char *x;

	if (port > 0)
		x = pg_xasprintf("%lld/%s on %s", (long long)port, proto ? proto : "tcp",
				 ip       ? ip
				 : target ? target
					  : "?");
	else
		x = pg_xasprintf("%s", ip ? ip : target ? target : "?");
	pg_strbuf_add(&b, x);
	free(x);
	if (svc && strcmp(svc, "unknown")) {
		pg_strbuf_add(&b, ", service ");
		pg_strbuf_add(&b, svc);
	}
	if (banner && *banner) {
		char *line = pg_packet_line_new(banner, ONE_LINE_MAX);
		pg_strbuf_add(&b, ", banner \"");
		pg_strbuf_add(&b, line);
		pg_strbuf_add(&b, "\"");
		free(line);
	}
	return pg_packet_strbuf_take(&b);
}

static char *owner_value(const json_t *ctx)
{
	const char *owner = pg_json_get_str(ctx, "owner"),
		   *bu = pg_json_get_str(ctx, "businessUnit");
	char *esc = join_new(json_object_get(ctx, "escalation"), ", ");
	char *v = NULL;

	if (owner || bu || *esc)
		v = pg_xasprintf("%s%s%s%s%s%s", owner ? owner : "unknown", bu ? " (" : "",
				 bu ? bu : "", bu ? ")" : "", *esc ? "; escalation: " : "", esc);
	free(esc);
	return v;
}

/* The DNS chain name -> CNAMEs -> addresses: the host's own resolution of the
 * asset when it has one, else what a dns enrichment recorded (CNAME, A, AAAA). */
static char *dns_value(const json_t *f, const json_t *resolution)
{
	const char *target = pg_json_get_str(f, "target"), *inst;
	const json_t *cn = json_object_get(resolution, "cnames");
	const json_t *addrs = json_object_get(resolution, "addresses"), *e;
	char *c, *a, *v;

	if (!target || json_is_true(json_object_get(resolution, "literal")))
		return NULL;
	if (!json_array_size(addrs)) {
		json_object_foreach(json_object_get(f, "enrichment"), inst, e)
		{
			if (json_is_array(json_object_get(e, "CNAME")) &&
			    (json_array_size(json_object_get(e, "A")) ||
			     json_array_size(json_object_get(e, "AAAA")))) {
				json_t *both = json_deep_copy(json_object_get(e, "A"));
				json_array_extend(both, json_object_get(e, "AAAA"));
				c = join_new(json_object_get(e, "CNAME"), " -> ");
				a = join_new(both, ", ");
				json_decref(both);
				goto out;
			}
		}
		return NULL;
	}
	c = join_new(cn, " -> ");
	a = join_new(addrs, ", ");
out:
	v = pg_xasprintf("%s -> %s%s%s", target, c, *c ? " -> " : "", a);
	free(c);
	free(a);
	return v;
}

/* The network that served the address, from any enrichment that says it
 * (asn/asName/prefix/country as the network enrichers write them), and what
 * the manifest expected. Nothing when no enrichment knows. */
static char *network_value(const json_t *f, const json_t *ctx)
{
	const json_t *enr = json_object_get(f, "enrichment"), *e;
	const char *inst;
	char *expected;
	struct pg_strbuf b = { 0 };

	json_object_foreach((json_t *)enr, inst, e)
	{
		const json_t *asn = json_object_get(e, "asn");
		/* org: the holder (the ip enricher's "org"; its asName may carry ", CC") */
		const char *org = pg_json_get_str(e, "org") ? pg_json_get_str(e, "org")
				  : pg_json_get_str(e, "asName")
					  ? pg_json_get_str(e, "asName")
					  : pg_json_get_str(e, "asOrganization");
		const char *pfx = pg_json_get_str(e, "prefix") ? pg_json_get_str(e, "prefix")
							       : pg_json_get_str(e, "network");
		const char *cc = pg_json_get_str(e, "country");
		char num[32];

		if (!json_is_integer(asn) && !org && !pfx)
			continue;
		if (b.len)
			pg_strbuf_add(&b, "; ");
		if (json_is_integer(asn)) {
			snprintf(num, sizeof(num), "AS%lld ", (long long)json_integer_value(asn));
			pg_strbuf_add(&b, num);
		}
		if (org) {
			pg_strbuf_add(&b, org);
			pg_strbuf_add(&b, " ");
		}
		if (pfx)
			pg_strbuf_add(&b, pfx);
		else if (b.len && b.data[b.len - 1] == ' ')
			b.data[--b.len] = '\0';
		if (cc) {
			pg_strbuf_add(&b, ", ");
			pg_strbuf_add(&b, cc);
		}
	}
	if (!b.len)
		return NULL;
	expected = join_new(json_object_get(ctx, "expectedNetwork"), ", ");
	if (*expected) {
		pg_strbuf_add(&b, "; expected ");
		pg_strbuf_add(&b, expected);
	}
	free(expected);
	return pg_packet_strbuf_take(&b);
}

static char *policy_value(const json_t *f)
{
	const char *reason = pg_json_get_str(f, "reason");
	char *line = pg_packet_line_new(reason ? reason : "", ONE_LINE_MAX * 2);
	char *v = pg_xasprintf(
		"%s %s (%s): %s", pg_json_get_str(f, "action") ? pg_json_get_str(f, "action") : "?",
		pg_json_get_str(f, "rule") ? pg_json_get_str(f, "rule") : "?",
		pg_json_get_str(f, "severity") ? pg_json_get_str(f, "severity") : "?", line);

	free(line);
	return v;
}

/* ---- lines enrichers contribute ------------------------------------------------ */

/* The core's own labels: an enricher cannot write them (a plugin must not be
 * able to forge the policy or the evidence link). */
static const char *const core_labels[] = { "Asset",    "Exposed",     "Owner", "Policy",
					   "Evidence", "Fingerprint", NULL };

/* Labels placed among the core's aspects; any other label goes after Owner
 * (a CMDB's on-call belongs with the owner). */
static const char *const placed_labels[] = { "DNS", "Registration", "Network",
					     "TLS", "Headers",      NULL };

static bool in_list(const char *const *list, const char *s)
{
	for (size_t i = 0; list[i]; i++)
		if (!strcmp(list[i], s))
			return true;
	return false;
}

/* A label is 1..PG_PACKET_LABEL_MAX of [A-Za-z0-9 -/], starting with a letter or
 * digit: it then needs no escaping in any format, and cannot look like markup. */
static bool label_ok(const char *l)
{
	size_t n = l ? strlen(l) : 0;

	if (n == 0 || n > PG_PACKET_LABEL_MAX || !isalnum((unsigned char)l[0]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)l[i]) && !strchr(" -/", l[i]))
			return false;
	return !in_list(core_labels, l);
}

/* Every valid line of every enrichment's "message" member, in enrichment order,
 * at most PG_PACKET_LINES_PER_ENRICHER per enricher and PG_PACKET_PLUGIN_LINES
 * in all. Each {"name", "value"}, value one line and bounded. New array. */
static json_t *plugin_lines_new(const json_t *f)
{
	json_t *out = json_array(), *e, *l;
	const char *inst;
	size_t i;

	json_object_foreach(json_object_get(f, "enrichment"), inst, e)
	{
		size_t taken = 0;
		json_array_foreach(json_object_get(e, "message"), i, l)
		{
			const char *label = pg_json_get_str(l, "label"),
				   *text = pg_json_get_str(l, "text");
			char *v;
			if (taken == PG_PACKET_LINES_PER_ENRICHER ||
			    json_array_size(out) == PG_PACKET_PLUGIN_LINES)
				break;
			if (!label_ok(label) || !text)
				continue;
			v = pg_packet_line_new(text, PG_PACKET_TEXT_MAX);
			if (*v) {
				json_array_append_new(
					out, json_pack("{s:s, s:s}", "name", label, "value", v));
				taken++;
			}
			free(v);
		}
	}
	return out;
}

/* Append the lines labelled label (or, label NULL, every line whose label is
 * not a placed one); true when any was. */
static bool take_lines(json_t *fields, const json_t *lines, const char *label)
{
	bool any = false;
	size_t i;
	json_t *l;

	json_array_foreach(lines, i, l)
	{
		const char *name = pg_json_get_str(l, "name");
		if (label ? strcmp(name, label) != 0 : in_list(placed_labels, name))
			continue;
		json_array_append(fields, l);
		any = true;
	}
	return any;
}

json_t *pg_packet_fields_new(const json_t *f, const json_t *ctx, const json_t *resolution,
			     const char *url, const char *run_id)
{
	json_t *fields = json_array(), *lines = plugin_lines_new(f);

	add_field(fields, "Asset", asset_value(f, ctx));
	add_field(fields, "Exposed", exposed_value(f));
	add_field(fields, "Owner", owner_value(ctx));
	take_lines(fields, lines, NULL);
	if (!take_lines(fields, lines, "DNS"))
		add_field(fields, "DNS", dns_value(f, resolution));
	take_lines(fields, lines, "Registration");
	if (!take_lines(fields, lines, "Network"))
		add_field(fields, "Network", network_value(f, ctx));
	take_lines(fields, lines, "TLS");
	take_lines(fields, lines, "Headers");
	add_field(fields, "Policy", policy_value(f));
	add_field(fields, "Evidence",
		  url ? pg_xstrdup(url)
		      : pg_xasprintf("evidence JSON of run %s", run_id ? run_id : "?"));
	add_field(fields, "Fingerprint",
		  pg_xstrdup(pg_json_get_str(f, "fingerprint") ? pg_json_get_str(f, "fingerprint")
							       : "?"));
	json_decref(lines);
	return fields;
}

char *pg_packet_title_new(const json_t *f, const json_t *ctx)
{
	const char *asset = pg_json_get_str(ctx, "name") ? pg_json_get_str(ctx, "name")
							 : pg_json_get_str(f, "asset");
	const char *action = pg_json_get_str(f, "action") ? pg_json_get_str(f, "action") : "?";
	const char *why = pg_json_get_str(f, "reason") ? pg_json_get_str(f, "reason")
						       : pg_json_get_str(f, "rule");
	char *reason = pg_packet_line_new(why ? why : "", ONE_LINE_MAX);
	char up[8] = "";
	char *title, *head;

	for (size_t i = 0; action[i] && i + 1 < sizeof(up); i++)
		up[i] = (char)toupper((unsigned char)action[i]);
	head = pg_xasprintf("[%s] %s: %s", up, asset ? asset : "?", reason);
	title = pg_packet_line_new(head, PG_PACKET_TITLE_MAX);
	free(head);
	free(reason);
	return title;
}
