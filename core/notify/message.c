/* message.c - render the notification message of a finding (see message.h). */
#include "config.h"
#include "message.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/json_get.h"
#include "common/strbuf.h"
#include "util/util.h"

#define ONE_LINE_MAX 160 /* bytes of a banner or reason shown inline */

/* ---- the evidence URL template ------------------------------------------ */

static bool env_name_char(int c, bool first)
{
	return isalpha(c) || c == '_' || (!first && isdigit(c));
}

char *pg_message_url_new(const char *tmpl)
{
	size_t cap = 0, len = 0;
	char *out = NULL;

	if (!tmpl)
		return NULL;
	pg_grow(&out, &cap, 1, 1);
	for (const char *p = tmpl; *p;) {
		const char *add = p, *v;
		size_t alen = 1;

		if (p[0] == '$' && p[1] == '{') {
			const char *e = p + 2;
			char *name;
			while (env_name_char((unsigned char)*e, e == p + 2))
				e++;
			if (*e != '}' || e == p + 2)
				goto bad;
			name = pg_xstrndup(p + 2, (size_t)(e - p - 2));
			v = getenv(name);
			free(name);
			if (!v || !*v)
				goto bad;
			add = v;
			alen = strlen(v);
			p = e + 1;
		} else {
			p++;
		}
		pg_grow(&out, &cap, len + alen + 1, 1);
		memcpy(out + len, add, alen);
		len += alen;
	}
	out[len] = '\0';
	return out;
bad:
	free(out);
	return NULL;
}

/* ---- text helpers --------------------------------------------------------- */

/* b's string (owned): a failed allocation aborts, as every core allocation does. */
static char *built_new(struct pg_strbuf *b)
{
	char *s = pg_strbuf_take(b);

	if (!s)
		abort();
	return s;
}

/* One line of untrusted text: control characters become spaces, cut at max
 * bytes on a UTF-8 boundary with an ellipsis. New string. */
static char *one_line_new(const char *s, size_t max)
{
	struct pg_strbuf b = { 0 };
	size_t n = strlen(s), cut = n;

	if (n > max) {
		cut = max;
		while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
			cut--;
	}
	for (size_t i = 0; i < cut; i++) {
		char c = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? ' ' : s[i];
		pg_strbuf_addn(&b, &c, 1);
	}
	if (cut < n)
		pg_strbuf_add(&b, "...");
	return built_new(&b);
}

/* A list of strings joined with ", " (new string, "" when empty). */
static char *join_new(const json_t *arr)
{
	struct pg_strbuf b = { 0 };
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v)
	{
		if (!json_is_string(v))
			continue;
		if (b.len)
			pg_strbuf_add(&b, ", ");
		pg_strbuf_add(&b, json_string_value(v));
	}
	return built_new(&b);
}

/* ---- the fields ------------------------------------------------------------ */

static void add_field(json_t *fields, const char *name, char *value_owned)
{
	json_array_append_new(fields, json_pack("{s:s, s:s}", "name", name, "value", value_owned));
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
	return built_new(&b);
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
		char *line = one_line_new(banner, ONE_LINE_MAX);
		pg_strbuf_add(&b, ", banner \"");
		pg_strbuf_add(&b, line);
		pg_strbuf_add(&b, "\"");
		free(line);
	}
	return built_new(&b);
}

static char *owner_value(const json_t *ctx)
{
	const char *owner = pg_json_get_str(ctx, "owner"),
		   *bu = pg_json_get_str(ctx, "businessUnit");
	char *esc = join_new(json_object_get(ctx, "escalation"));
	char *v = pg_xasprintf("%s%s%s%s%s%s", owner ? owner : "unknown", bu ? " (" : "",
			       bu ? bu : "", bu ? ")" : "", *esc ? "; escalation: " : "", esc);

	free(esc);
	return v;
}

/* The network that served the address, from any enrichment that says it
 * (asn/asName/prefix as the network enrichers write them), and what the
 * manifest expected. */
static char *network_value(const json_t *f, const json_t *ctx)
{
	const json_t *enr = json_object_get(f, "enrichment"), *e;
	const char *inst;
	char *expected = join_new(json_object_get(ctx, "expectedNetwork"));
	struct pg_strbuf b = { 0 };

	json_object_foreach((json_t *)enr, inst, e)
	{
		const json_t *asn = json_object_get(e, "asn");
		const char *org = pg_json_get_str(e, "asName")
					  ? pg_json_get_str(e, "asName")
					  : pg_json_get_str(e, "asOrganization");
		const char *pfx = pg_json_get_str(e, "prefix") ? pg_json_get_str(e, "prefix")
							       : pg_json_get_str(e, "network");
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
	}
	if (!b.len)
		pg_strbuf_add(&b, "unknown (no network enrichment)");
	if (*expected) {
		pg_strbuf_add(&b, "; expected ");
		pg_strbuf_add(&b, expected);
	}
	free(expected);
	return built_new(&b);
}

static char *policy_value(const json_t *f)
{
	const char *reason = pg_json_get_str(f, "reason");
	char *line = one_line_new(reason ? reason : "", ONE_LINE_MAX * 2);
	char *v = pg_xasprintf(
		"%s %s (%s): %s", pg_json_get_str(f, "action") ? pg_json_get_str(f, "action") : "?",
		pg_json_get_str(f, "rule") ? pg_json_get_str(f, "rule") : "?",
		pg_json_get_str(f, "severity") ? pg_json_get_str(f, "severity") : "?", line);

	free(line);
	return v;
}

static json_t *fields_new(const json_t *f, const char *url, const char *run_id)
{
	const json_t *ctx = json_object_get(f, "assetContext");
	json_t *fields = json_array();

	add_field(fields, "Asset", asset_value(f, ctx));
	add_field(fields, "Exposed", exposed_value(f));
	add_field(fields, "Owner", owner_value(ctx));
	add_field(fields, "Network", network_value(f, ctx));
	add_field(fields, "Policy", policy_value(f));
	add_field(fields, "Evidence",
		  url ? pg_xstrdup(url)
		      : pg_xasprintf("evidence JSON of run %s", run_id ? run_id : "?"));
	add_field(fields, "Fingerprint",
		  pg_xstrdup(pg_json_get_str(f, "fingerprint") ? pg_json_get_str(f, "fingerprint")
							       : "?"));
	return fields;
}

/* ---- text and markdown ------------------------------------------------------ */

/* Markdown: values are untrusted, so each goes in a code span (backticks in it
 * become quotes); a URL stays a link. */
static void md_code(struct pg_strbuf *b, const char *v)
{
	pg_strbuf_add(b, "`");
	for (const char *p = v; *p; p++)
		pg_strbuf_addn(b, *p == '`' ? "'" : p, 1);
	pg_strbuf_add(b, "`");
}

static void render(const json_t *fields, const char *title, json_t *packet)
{
	struct pg_strbuf t = { 0 }, m = { 0 };
	char *text, *md;
	size_t i;
	json_t *fl;

	pg_strbuf_add(&m, "**");
	md_code(&m, title);
	pg_strbuf_add(&m, "**\n\n");
	json_array_foreach(fields, i, fl)
	{
		const char *name = pg_json_get_str(fl, "name"),
			   *value = pg_json_get_str(fl, "value");
		bool link = !strcmp(name, "Evidence") &&
			    (!strncmp(value, "https://", 8) || !strncmp(value, "http://", 7));
		pg_strbuf_add(&t, name);
		pg_strbuf_add(&t, ": ");
		pg_strbuf_add(&t, value);
		pg_strbuf_add(&t, "\n");
		pg_strbuf_add(&m, "- **");
		pg_strbuf_add(&m, name);
		pg_strbuf_add(&m, "**: ");
		if (link) {
			pg_strbuf_add(&m, "<");
			pg_strbuf_add(&m, value);
			pg_strbuf_add(&m, ">");
		} else {
			md_code(&m, value);
		}
		pg_strbuf_add(&m, "\n");
	}
	text = built_new(&t);
	md = built_new(&m);
	json_object_set_new(packet, "text", json_string(text));
	json_object_set_new(packet, "markdown", json_string(md));
	free(text);
	free(md);
}

json_t *pg_message_new(const json_t *f, const char *evidence_url, const char *run_id)
{
	const json_t *ctx = json_object_get(f, "assetContext");
	const char *asset = pg_json_get_str(ctx, "name") ? pg_json_get_str(ctx, "name")
							 : pg_json_get_str(f, "asset");
	const char *action = pg_json_get_str(f, "action") ? pg_json_get_str(f, "action") : "?";
	const char *why = pg_json_get_str(f, "reason") ? pg_json_get_str(f, "reason")
						       : pg_json_get_str(f, "rule");
	char *reason = one_line_new(why ? why : "", ONE_LINE_MAX);
	char up[8] = "";
	char *title;
	json_t *packet, *fields;

	for (size_t i = 0; action[i] && i + 1 < sizeof(up); i++)
		up[i] = (char)toupper((unsigned char)action[i]);
	title = pg_xasprintf("[%s] %s: %s", up, asset ? asset : "?", reason);
	fields = fields_new(f, evidence_url, run_id);
	packet = json_pack("{s:s, s:o}", "title", title, "fields", fields);
	render(fields, title, packet);
	if (evidence_url)
		json_object_set_new(packet, "evidenceUrl", json_string(evidence_url));
	free(title);
	free(reason);
	return packet;
}
