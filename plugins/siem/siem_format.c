/* siem_format.c - CEF, ECS and RFC 5424 renderings of a finding. */
#include "siem_format.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/json_get.h"

#define PEN_SD_ID "portgate@32473" /* 32473: the documentation enterprise number (RFC 5612) */

/* ---- escaping ------------------------------------------------------------ */

void cef_header_escape(struct pg_strbuf *b, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '\\' || *s == '|') {
			pg_strbuf_addn(b, "\\", 1);
			pg_strbuf_addn(b, s, 1);
		} else if ((unsigned char)*s < 0x20 || *s == 0x7f) {
			pg_strbuf_addn(b, " ", 1);
		} else {
			pg_strbuf_addn(b, s, 1);
		}
	}
}

void cef_ext_escape(struct pg_strbuf *b, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '\\' || *s == '=') {
			pg_strbuf_addn(b, "\\", 1);
			pg_strbuf_addn(b, s, 1);
		} else if (*s == '\n') {
			pg_strbuf_add(b, "\\n");
		} else if (*s == '\r') {
			pg_strbuf_add(b, "\\r");
		} else if ((unsigned char)*s < 0x20 || *s == 0x7f) {
			pg_strbuf_addn(b, " ", 1);
		} else {
			pg_strbuf_addn(b, s, 1);
		}
	}
}

void sdata_escape(struct pg_strbuf *b, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '"' || *s == '\\' || *s == ']') {
			pg_strbuf_addn(b, "\\", 1);
			pg_strbuf_addn(b, s, 1);
		} else if ((unsigned char)*s < 0x20 || *s == 0x7f) {
			pg_strbuf_addn(b, " ", 1); /* line-based collectors would split the event */
		} else {
			pg_strbuf_addn(b, s, 1);
		}
	}
}

/* ---- shared values ---------------------------------------------------------- */

static const char *msg_title(const json_t *f)
{
	return pg_json_get_str_or(json_object_get(f, "message"), "title",
				  pg_json_get_str_or(f, "reason", ""));
}

static const char *ctx_str(const json_t *f, const char *k)
{
	return pg_json_get_str(json_object_get(f, "assetContext"), k);
}

static const char *banner_of(const json_t *f)
{
	return pg_json_get_str(json_object_get(f, "evidence"), "banner");
}

/* The first enrichment reporting an AS number (the network enrichers' shape). */
static const json_t *as_info(const json_t *f)
{
	const char *k;
	json_t *e;

	json_object_foreach(json_object_get(f, "enrichment"), k, e)
	{
		if (json_is_integer(json_object_get(e, "asn")))
			return e;
	}
	return NULL;
}

/* The message lines (finding.message.fields) one label at a time: a label's
 * values joined with "; " (the ssl enricher writes one TLS line per port).
 * Fingerprint and Evidence are left out, each format has its own field. */
typedef void (*line_fn)(void *ud, const char *label, const char *text);

static void message_lines(const json_t *f, line_fn fn, void *ud)
{
	const json_t *fields = json_object_get(json_object_get(f, "message"), "fields"), *a, *b;
	size_t i, k;

	json_array_foreach(fields, i, a)
	{
		const char *label = pg_json_get_str(a, "name");
		struct pg_strbuf joined = { 0 };
		int first = 1;

		if (!label || !strcmp(label, "Fingerprint") || !strcmp(label, "Evidence"))
			continue;
		json_array_foreach(fields, k, b)
		{
			if (!pg_json_get_str(b, "name") ||
			    strcmp(pg_json_get_str(b, "name"), label))
				continue;
			if (k < i)
				break; /* this label was given at its first line */
			if (!first)
				pg_strbuf_add(&joined, "; ");
			pg_strbuf_add(&joined, pg_json_get_str_or(b, "value", ""));
			first = 0;
		}
		if (!first && !joined.oom)
			fn(ud, label, joined.data);
		pg_strbuf_free(&joined);
	}
}

static int cef_severity(const char *sev)
{
	static const struct {
		const char *n;
		int v;
	} map[] = {
		{ "info", 1 }, { "low", 3 }, { "medium", 5 }, { "high", 8 }, { "critical", 10 }
	};

	for (size_t i = 0; sev && i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(map[i].n, sev))
			return map[i].v;
	return 5;
}

/* syslog severity: critical 2 crit, high 3 err, medium 4 warning, low 5 notice, info 6 */
static int syslog_severity(const char *sev)
{
	int c = cef_severity(sev);
	return c >= 10 ? 2 : c >= 8 ? 3 : c >= 5 ? 4 : c >= 3 ? 5 : 6;
}

static void iso_ms(long long ms, char out[32])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", (tm.tm_year + 1900) % 10000,
		 (tm.tm_mon + 1) % 100, tm.tm_mday % 100, tm.tm_hour % 100, tm.tm_min % 100,
		 tm.tm_sec % 100, (int)(ms % 1000));
}

/* ---- CEF -------------------------------------------------------------------- */

static void cef_kv(struct pg_strbuf *b, const char *k, const char *v)
{
	if (!v || !*v)
		return;
	pg_strbuf_add(b, " ");
	pg_strbuf_add(b, k);
	pg_strbuf_add(b, "=");
	cef_ext_escape(b, v);
}

static void cef_label(struct pg_strbuf *b, int n, const char *label, const char *v)
{
	char k[16];

	if (!v || !*v)
		return;
	snprintf(k, sizeof(k), "cs%dLabel", n);
	cef_kv(b, k, label);
	snprintf(k, sizeof(k), "cs%d", n);
	cef_kv(b, k, v);
}

/* A message line as a vendor extension key: "portgate" and the label's letters
 * and digits, each word capitalised ("On-call" -> portgateOnCall), as CEF's
 * custom dictionary extensions are named. */
static void cef_line(void *ud, const char *label, const char *text)
{
	char key[64] = "portgate";
	size_t n = strlen(key);
	int up = 1;

	for (; *label && n + 1 < sizeof(key); label++) {
		if (!isalnum((unsigned char)*label)) {
			up = 1;
			continue;
		}
		key[n++] = up ? (char)toupper((unsigned char)*label) : *label;
		up = 0;
	}
	key[n] = '\0';
	cef_kv(ud, key, text);
}

void siem_cef(struct pg_strbuf *b, const json_t *f, const struct siem_meta *m)
{
	char num[64];
	const char *ip = pg_json_get_str(f, "ip");
	json_int_t port = json_integer_value(json_object_get(f, "port"));
	const json_t *as;

	pg_strbuf_add(b, "CEF:0|portgate|portgate|");
	cef_header_escape(b, m->version);
	pg_strbuf_add(b, "|");
	cef_header_escape(b, pg_json_get_str_or(f, "rule", "unknown"));
	pg_strbuf_add(b, "|");
	cef_header_escape(b, msg_title(f));
	snprintf(num, sizeof(num), "|%d|", cef_severity(pg_json_get_str(f, "severity")));
	pg_strbuf_add(b, num);
	snprintf(num, sizeof(num), "rt=%lld", m->now_ms);
	pg_strbuf_add(b, num);
	cef_kv(b, "dhost", pg_json_get_str(f, "target"));
	cef_kv(b, ip && strchr(ip, ':') ? "c6a1" : "dst", ip);
	if (port > 0) {
		snprintf(num, sizeof(num), "%lld", (long long)port);
		cef_kv(b, "dpt", num);
		cef_kv(b, "proto",
		       !strcmp(pg_json_get_str_or(f, "protocol", "tcp"), "udp") ? "UDP" : "TCP");
	}
	cef_kv(b, "act", pg_json_get_str(f, "action"));
	cef_kv(b, "externalId", pg_json_get_str(f, "fingerprint"));
	cef_kv(b, "msg", pg_json_get_str(f, "reason"));
	cef_label(b, 1, "fingerprint", pg_json_get_str(f, "fingerprint"));
	cef_label(b, 2, "asset",
		  ctx_str(f, "name") ? ctx_str(f, "name") : pg_json_get_str(f, "asset"));
	cef_label(b, 3, "owner", ctx_str(f, "owner"));
	cef_label(b, 4, "environment", ctx_str(f, "environment"));
	cef_label(b, 5, "evidenceUrl",
		  pg_json_get_str(json_object_get(f, "message"), "evidenceUrl"));
	cef_label(b, 6, "banner", banner_of(f));
	as = as_info(f);
	if (as) {
		snprintf(num, sizeof(num), "%lld",
			 (long long)json_integer_value(json_object_get(as, "asn")));
		cef_kv(b, "cn1Label", "asn");
		cef_kv(b, "cn1", num);
	}
	message_lines(f, cef_line, b);
}

/* ---- ECS -------------------------------------------------------------------- */

static void set_str(json_t *o, const char *k, const char *v)
{
	if (v && *v)
		json_object_set_new(o, k, json_string(v));
}

static json_t *ecs_destination(const json_t *f)
{
	json_t *d = json_object();
	const json_t *as = as_info(f);
	json_int_t port = json_integer_value(json_object_get(f, "port"));

	set_str(d, "domain", pg_json_get_str(f, "target"));
	set_str(d, "ip", pg_json_get_str(f, "ip"));
	if (port > 0)
		json_object_set_new(d, "port", json_integer(port));
	if (as) {
		json_t *a = json_pack("{s:O}", "number", json_object_get(as, "asn"));
		const char *org = pg_json_get_str(as, "asName")
					  ? pg_json_get_str(as, "asName")
					  : pg_json_get_str(as, "asOrganization");
		if (org)
			json_object_set_new(a, "organization", json_pack("{s:s}", "name", org));
		json_object_set_new(d, "as", a);
		if (pg_json_get_str(as, "country"))
			json_object_set_new(d, "geo",
					    json_pack("{s:s}", "country_iso_code",
						      pg_json_get_str(as, "country")));
	}
	return d;
}

static void ecs_line(void *ud, const char *label, const char *text)
{
	json_object_set_new(ud, label, json_string(text));
}

json_t *siem_ecs_new(const json_t *f, const struct siem_meta *m)
{
	char ts[32], id[128];
	const char *rule = pg_json_get_str_or(f, "rule", "unknown");
	int vuln = !strncmp(rule, "tls", 3) || !strncmp(rule, "cert", 4);
	json_t *o, *labels = json_object(), *event, *lines;
	const json_t *msg = json_object_get(f, "message");

	iso_ms(m->now_ms, ts);
	snprintf(id, sizeof(id), "%s-%s", m->key, pg_json_get_str_or(f, "fingerprint", "?"));
	event = json_pack("{s:s, s:[s], s:[s], s:s, s:s, s:i}", "kind", "alert", "category",
			  vuln ? "vulnerability" : "network", "type", "info", "id", id, "action",
			  pg_json_get_str_or(f, "action", "?"), "severity",
			  cef_severity(pg_json_get_str(f, "severity")));
	set_str(event, "reason", pg_json_get_str(f, "reason"));
	set_str(event, "url", pg_json_get_str(msg, "evidenceUrl"));
	set_str(labels, "fingerprint", pg_json_get_str(f, "fingerprint"));
	set_str(labels, "asset",
		ctx_str(f, "name") ? ctx_str(f, "name") : pg_json_get_str(f, "asset"));
	set_str(labels, "owner", ctx_str(f, "owner"));
	set_str(labels, "environment", ctx_str(f, "environment"));
	set_str(labels, "criticality", ctx_str(f, "criticality"));
	set_str(labels, "banner", banner_of(f));
	o = json_pack("{s:s, s:o, s:s, s:{s:s, s:s, s:s}, s:o, s:{s:s, s:s, s:s}, s:o}",
		      "@timestamp", ts, "event", event, "message",
		      pg_json_get_str_or(msg, "text", msg_title(f)), "rule", "id", rule, "name",
		      rule, "ruleset", "portgate", "destination", ecs_destination(f), "observer",
		      "product", "portgate", "vendor", "portgate", "version", m->version, "labels",
		      labels);
	if (json_integer_value(json_object_get(f, "port")) > 0)
		json_object_set_new(
			o, "network",
			json_pack("{s:s}", "transport", pg_json_get_str_or(f, "protocol", "tcp")));
	/* the message's lines by label, under portgate's own field set (ECS custom fields) */
	lines = json_object();
	message_lines(f, ecs_line, lines);
	json_object_set_new(o, "portgate", json_pack("{s:o}", "message", lines));
	return o;
}

/* ---- RFC 5424 --------------------------------------------------------------- */

static void sdata_param(struct pg_strbuf *b, const char *name, const char *v)
{
	if (!v)
		return;
	pg_strbuf_add(b, " ");
	pg_strbuf_add(b, name);
	pg_strbuf_add(b, "=\"");
	sdata_escape(b, v);
	pg_strbuf_add(b, "\"");
}

/* MSGID: the rule id, printable ASCII, at most 32 characters (RFC 5424 6.2.7). */
static void msgid(struct pg_strbuf *b, const char *rule)
{
	size_t n = 0;

	for (; rule && *rule && n < 32; rule++, n++)
		pg_strbuf_addn(b, *rule > 32 && *rule < 127 ? rule : "_", 1);
	if (n == 0)
		pg_strbuf_add(b, "-");
}

void siem_syslog(struct pg_strbuf *b, enum siem_format fmt, const json_t *f,
		 const struct siem_meta *m)
{
	char head[128], ts[32], port[24];
	json_int_t p = json_integer_value(json_object_get(f, "port"));

	iso_ms(m->now_ms, ts);
	snprintf(head, sizeof(head), "<%d>1 %s %s %s %d ",
		 m->facility * 8 + syslog_severity(pg_json_get_str(f, "severity")), ts, m->hostname,
		 m->app, (int)getpid());
	pg_strbuf_add(b, head);
	msgid(b, pg_json_get_str(f, "rule"));
	pg_strbuf_add(b, " [" PEN_SD_ID);
	sdata_param(b, "fingerprint", pg_json_get_str(f, "fingerprint"));
	sdata_param(b, "key", m->key);
	sdata_param(b, "action", pg_json_get_str(f, "action"));
	sdata_param(b, "severity", pg_json_get_str(f, "severity"));
	sdata_param(b, "asset",
		    ctx_str(f, "name") ? ctx_str(f, "name") : pg_json_get_str(f, "asset"));
	sdata_param(b, "target", pg_json_get_str(f, "target"));
	sdata_param(b, "ip", pg_json_get_str(f, "ip"));
	if (p > 0) {
		snprintf(port, sizeof(port), "%lld", (long long)p);
		sdata_param(b, "port", port);
	}
	if (fmt == SF_RFC5424) {
		sdata_param(b, "owner", ctx_str(f, "owner"));
		sdata_param(b, "environment", ctx_str(f, "environment"));
		sdata_param(b, "banner", banner_of(f));
		sdata_param(b, "evidenceUrl",
			    pg_json_get_str(json_object_get(f, "message"), "evidenceUrl"));
	}
	pg_strbuf_add(b, "] ");
	if (fmt == SF_CEF) {
		siem_cef(b, f, m);
	} else if (fmt == SF_ECS) {
		json_t *o = siem_ecs_new(f, m);
		char *s = json_dumps(o, JSON_COMPACT | PG_JSON_REAL);
		if (s)
			pg_strbuf_add(b, s);
		free(s);
		json_decref(o);
	} else {
		for (const char *t = msg_title(f); *t; t++) /* one line */
			pg_strbuf_addn(b, (unsigned char)*t < 0x20 || *t == 0x7f ? " " : t, 1);
	}
}
