/* render_junit.c - JUnit XML: a test suite per asset, a test case per asset and rule, so a
 * CI test tab lists what was checked as well as what failed. */
#include "config.h"
#include "render_int.h"
#include "evidence.h"

#include <stdlib.h>
#include <string.h>

#include "util/util.h"

/* The length of the well-formed UTF-8 sequence at s and its code point, or 0. */
static size_t utf8_char(const unsigned char *s, unsigned long *cp)
{
	size_t n = s[0] < 0xc2 ? 0 : s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : s[0] < 0xf5 ? 4 : 0;
	unsigned long v = n ? s[0] & (0x7f >> n) : 0;

	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (s[i] & 0x3f);
	}
	if (!n || (n == 3 && v < 0x800) || (n == 4 && (v < 0x10000 || v > 0x10ffff)))
		return 0;
	*cp = v;
	return n;
}

/* A string cut at a byte count ends on a whole character: drop a last sequence
 * the cut left incomplete. */
static void utf8_trim_cut(char *s)
{
	size_t len = strlen(s), i = len;
	unsigned long cp;

	while (i && ((unsigned char)s[i - 1] & 0xc0) == 0x80 && len - i < 3)
		i--;
	if (i && (unsigned char)s[i - 1] >= 0xc0 &&
	    !utf8_char((const unsigned char *)s + i - 1, &cp))
		s[i - 1] = '\0';
}

/* XML 1.0 text or attribute value: markup escaped, line breaks kept in text but escaped
 * in attributes; every byte or character XML 1.0 does not allow (control bytes,
 * surrogates, U+FFFE, U+FFFF, broken UTF-8) becomes '?', so registry or server text
 * can never make the file invalid. */
static void xml_put(FILE *out, const char *s, bool attr)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		unsigned long cp;
		size_t n;
		switch (*p) {
		case '&': fputs("&amp;", out); continue;
		case '<': fputs("&lt;", out); continue;
		case '>': fputs("&gt;", out); continue;
		case '"': fputs(attr ? "&quot;" : "\"", out); continue;
		case '\n': fputs(attr ? "&#10;" : "\n", out); continue;
		case '\t': fputs(attr ? "&#9;" : "\t", out); continue;
		case '\r': fputs("&#13;", out); continue;
		}
		if (*p < 0x80) {
			fputc(*p < 0x20 || *p == 0x7f ? '?' : *p, out);
			continue;
		}
		n = utf8_char(p, &cp);
		if (!n || (cp >= 0xd800 && cp <= 0xdfff) || cp == 0xfffe || cp == 0xffff) {
			fputc('?', out);
			p += n ? n - 1 : 0;
			continue;
		}
		fwrite(p, 1, n, out);
		p += n - 1;
	}
}

static void attr(FILE *out, const char *name, const char *value)
{
	fprintf(out, " %s=\"", name);
	xml_put(out, value, true);
	fputc('"', out);
}

/* What one asset's findings say about one rule. */
struct outcome {
	size_t fail, warn, error;
};

static bool is_unchecked_rule(const char *rule)
{
	return !strcmp(rule, "dns-unresolved") || !strcmp(rule, "scan-error");
}

static struct outcome tally(const json_t *asset, const char *rule)
{
	bool unchecked = json_is_true(json_object_get(asset, "couldNotCheck"));
	struct outcome o = { 0 };
	const json_t *f;
	size_t i;

	json_array_foreach(json_object_get(asset, "findings"), i, f)
	{
		const char *act = pg_json_get_str_or(f, "action", "warn");
		if (strcmp(pg_json_get_str_or(f, "rule", ""), rule))
			continue;
		if (!strcmp(act, "fail"))
			o.fail++;
		else if (unchecked && is_unchecked_rule(rule))
			o.error++;
		else
			o.warn++;
	}
	return o;
}

/* The findings of a rule, one "action: reason" line each. */
static void finding_lines(FILE *out, const json_t *asset, const char *rule)
{
	const json_t *f;
	size_t i;

	json_array_foreach(json_object_get(asset, "findings"), i, f)
	{
		if (strcmp(pg_json_get_str_or(f, "rule", ""), rule))
			continue;
		xml_put(out, pg_json_get_str_or(f, "action", "warn"), false);
		fputs(": ", out);
		xml_put(out, pg_json_get_str_or(f, "reason", rule), false);
		fputc('\n', out);
	}
}

/* Not scanned at all: only DNS rules were checked; the rest is skipped. */
static bool not_scanned(const json_t *asset)
{
	return !json_object_get(asset, "scan");
}

static bool skipped_case(const json_t *asset, const char *rule, const struct outcome *o);

static void testcase(FILE *out, const json_t *asset, const char *rule, struct outcome *o)
{
	const char *name = pg_json_get_str_or(asset, "name", "?");
	char cls[512];

	if ((size_t)snprintf(cls, sizeof(cls), "portgate.%s", name) >= sizeof(cls))
		utf8_trim_cut(cls);
	fputs("    <testcase", out);
	attr(out, "name", rule);
	attr(out, "classname", cls);
	fputs(" time=\"0\">\n", out);
	if (o->fail || o->error) {
		fprintf(out, "      <%s", o->fail ? "failure" : "error");
		attr(out, "type", rule);
		attr(out, "message", pg_json_get_str_or(asset, "target", "?"));
		fputs(">", out);
		finding_lines(out, asset, rule);
		fprintf(out, "</%s>\n", o->fail ? "failure" : "error");
	} else if (skipped_case(asset, rule, o)) {
		fputs("      <skipped", out);
		attr(out, "message",
		     pg_json_get_str_or(json_object_get(asset, "resolution"), "error",
					"not scanned"));
		fputs("/>\n", out);
	} else if (o->warn) {
		fputs("      <system-out>", out);
		finding_lines(out, asset, rule);
		fputs("</system-out>\n", out);
	}
	fputs("    </testcase>\n", out);
}

struct counts {
	size_t tests, fails, errors, skipped;
};

static bool skipped_case(const json_t *asset, const char *rule, const struct outcome *o)
{
	return !o->fail && !o->error && not_scanned(asset) && strncmp(rule, "dns-", 4);
}

/* Outcomes of every rule on one asset (a new array) and their counts. */
static struct outcome *count(const json_t *asset, const json_t *ids, struct counts *c)
{
	struct outcome *os = pg_xcalloc(json_array_size(ids), sizeof(*os));
	const json_t *v;
	size_t i;

	json_array_foreach(ids, i, v)
	{
		os[i] = tally(asset, json_string_value(v));
		c->tests++;
		c->fails += os[i].fail ? 1 : 0;
		c->errors += !os[i].fail && os[i].error ? 1 : 0;
		c->skipped += skipped_case(asset, json_string_value(v), &os[i]);
	}
	return os;
}

static void property(FILE *out, const char *name, const char *value)
{
	fputs("      <property", out);
	attr(out, "name", name);
	attr(out, "value", value);
	fputs("/>\n", out);
}

static void suite(FILE *out, const json_t *report, const json_t *asset, const json_t *ids)
{
	const json_t *scan = json_object_get(asset, "scan"), *run = json_object_get(report, "run");
	const json_t *v;
	struct counts c = { 0 };
	struct outcome *os = count(asset, ids, &c);
	char secs[32], line[24];
	size_t i;

	pg_render_seconds(pg_render_int(scan, "scanDurationMs"), secs);
	fputs("  <testsuite", out);
	attr(out, "name", pg_json_get_str_or(asset, "name", "?"));
	fprintf(out, " tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\" time=\"%s\"",
		c.tests, c.fails, c.errors, c.skipped, secs);
	attr(out, "timestamp",
	     pg_json_get_str_or(scan, "timestamp", pg_json_get_str_or(run, "startedAt", "")));
	attr(out, "file", pg_render_manifest_path(report));
	fputs(">\n    <properties>\n", out);
	snprintf(line, sizeof(line), "%lld", (long long)pg_render_int(asset, "line"));
	property(out, "target", pg_json_get_str_or(asset, "target", "?"));
	property(out, "verdict", pg_json_get_str_or(asset, "verdict", "?"));
	property(out, "line", line);
	fputs("    </properties>\n", out);
	json_array_foreach(ids, i, v) testcase(out, asset, json_string_value(v), &os[i]);
	fputs("  </testsuite>\n", out);
	free(os);
}

int pg_render_junit(FILE *out, const json_t *report)
{
	struct pg_evidence_walk w = PG_EVIDENCE_WALK(report);
	json_t *ids = pg_render_rule_ids(report), *a;
	struct counts c = { 0 };
	char secs[32];

	/* the root carries totals: count first (a pipe cannot be rewound) */
	while ((a = pg_evidence_walk_next(&w))) /* "not scanned" reads the scan */
		free(count(a, ids, &c));
	pg_render_seconds(pg_render_int(json_object_get(report, "run"), "durationMs"), secs);
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"portgate\"", out);
	fprintf(out, " tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" time=\"%s\">\n", c.tests,
		c.fails, c.errors, secs);
	w = (struct pg_evidence_walk)PG_EVIDENCE_WALK(report);
	while ((a = pg_evidence_walk_next(&w)))
		suite(out, report, a, ids);
	json_decref(ids);
	return fputs("</testsuites>\n", out) == EOF || ferror(out) ? -1 : 0;
}
