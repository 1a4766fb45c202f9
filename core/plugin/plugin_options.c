/* plugin_options.c - a plugin's option table as the host keeps it (one row
 * layout for the 1.0 table and the 1.3 typed table) and the typed checks of
 * a value: integer ranges, enums, durations, URLs. The host does them, so a
 * plugin reads values it can trust and the errors carry file:line. */
#include "config.h"
#include "plugin_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>

#define MAX_OPTIONS 64

/* ---- value checks ----------------------------------------------------- */

static bool parse_int(const char *s, long long *out)
{
	char *end;

	if (!s || !*s)
		return false;
	errno = 0;
	*out = strtoll(s, &end, 10);
	return errno == 0 && *end == '\0';
}

static bool parse_bool(const char *s, long long *out)
{
	if (s && (!strcmp(s, "true") || !strcmp(s, "yes")))
		*out = 1;
	else if (s && (!strcmp(s, "false") || !strcmp(s, "no")))
		*out = 0;
	else
		return false;
	return true;
}

/* "<digits><unit>", unit ms, s, m, h or d; a bare number other than 0 is
 * refused: "30" could mean seconds or minutes, and the reader of the config
 * cannot tell. */
bool pg_option_parse_duration(const char *s, long long *ms)
{
	static const struct {
		const char *unit;
		long long ms;
	} units[] = {
		{ "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 }, { "d", 86400000 }
	};
	char *end;
	long long n;

	if (!s || !isdigit((unsigned char)*s))
		return false;
	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno || end == s)
		return false;
	if (!*end && n == 0)
		return *ms = 0, true;
	for (size_t i = 0; i < PG_ARRAY_LEN(units); i++)
		if (!strcmp(end, units[i].unit)) {
			if (n > INT64_MAX / units[i].ms)
				return false;
			*ms = n * units[i].ms;
			return true;
		}
	return false;
}

static bool url_ok(const char *s)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL;
	bool ok = u && curl_url_set(u, CURLUPART_URL, s, 0) == CURLUE_OK &&
		  curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
		  curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
		  (!strcmp(scheme, "http") || !strcmp(scheme, "https")) && host[0];

	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return ok;
}

/* What separates the words of a PG_OPT_ENUM_LIST (as the plugins split them). */
#define LIST_SEPARATORS ", "

static bool has_choices(const struct pg_option_spec *o)
{
	return o->type == PG_OPT_ENUM || o->type == PG_OPT_ENUM_LIST;
}

static bool in_choices(const struct pg_option_spec *o, const char *s)
{
	for (size_t i = 0; o->choices && o->choices[i]; i++)
		if (!strcmp(o->choices[i], s))
			return true;
	return false;
}

/* "one of a, b, c" into buf. */
static void choices_text(const struct pg_option_spec *o, char *buf, size_t len)
{
	size_t used = (size_t)snprintf(buf, len, "one of ");

	for (size_t i = 0; o->choices && o->choices[i] && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : "",
					 o->choices[i]);
}

/* Whether the word p[0..n) is also among the words of s before p. */
static bool said_before(const char *s, const char *p, size_t n)
{
	for (size_t k; s < p; s += k) {
		s += strspn(s, LIST_SEPARATORS);
		k = strcspn(s, LIST_SEPARATORS);
		if (s < p && k == n && !strncmp(s, p, n))
			return true;
	}
	return false;
}

/* One word of a PG_OPT_ENUM_LIST: a choice, not given before; else why. */
static bool list_word_ok(const struct pg_option_spec *o, const char *s, const char *p, size_t n,
			 char *why, size_t len)
{
	char word[64];
	size_t used;

	snprintf(word, sizeof(word), "%.*s", (int)n, p);
	if (n < sizeof(word) && in_choices(o, word) && !said_before(s, p, n))
		return true;
	if (n < sizeof(word) && in_choices(o, word))
		return snprintf(why, len, "'%s' is listed twice", word), false;
	used = (size_t)snprintf(why, len, "'%s' is not ", word);
	if (used < len)
		choices_text(o, why + used, len - used);
	return false;
}

/* PG_OPT_ENUM_LIST: choices separated by commas (or spaces), each once, at least one. */
static bool list_ok(const struct pg_option_spec *o, const char *s, char *why, size_t len)
{
	size_t words = 0, n;

	for (const char *p = s + strspn(s, LIST_SEPARATORS); *p;
	     p += n, p += strspn(p, LIST_SEPARATORS), words++) {
		n = strcspn(p, LIST_SEPARATORS);
		if (!list_word_ok(o, s, p, n, why, len))
			return false;
	}
	if (words)
		return true;
	snprintf(why, len, "an empty list: expected words separated by commas, each ");
	choices_text(o, why + strlen(why), len - strlen(why));
	return false;
}

static bool has_range(const struct pg_option_spec *o)
{
	return o->min != 0 || o->max != 0;
}

/* ms in the largest unit that is exact: 90000 -> "90s", 86400000 -> "1d". */
static void duration_text(long long ms, char *buf, size_t len)
{
	static const struct {
		const char *unit;
		long long ms;
	} units[] = { { "d", 86400000 }, { "h", 3600000 }, { "m", 60000 }, { "s", 1000 } };

	for (size_t i = 0; i < PG_ARRAY_LEN(units); i++)
		if (ms && ms % units[i].ms == 0) {
			snprintf(buf, len, "%lld%s", ms / units[i].ms, units[i].unit);
			return;
		}
	snprintf(buf, len, ms ? "%lldms" : "%lld", ms);
}

/* "1..10", ">= 1", "1s..5m" (durations as the config writes them). */
void pg_option_range_text(const struct pg_option_spec *o, char *buf, size_t len)
{
	char lo[32], hi[32];

	if (!has_range(o)) {
		buf[0] = '\0';
		return;
	}
	if (o->type == PG_OPT_DURATION) {
		duration_text(o->min, lo, sizeof(lo));
		duration_text(o->max, hi, sizeof(hi));
		snprintf(buf, len, o->max == INT64_MAX ? ">= %s" : "%s..%s", lo, hi);
	} else if (o->max == INT64_MAX)
		snprintf(buf, len, ">= %lld", (long long)o->min);
	else
		snprintf(buf, len, "%lld..%lld", (long long)o->min, (long long)o->max);
}

static bool out_of_range(const struct pg_option_spec *o, long long v, char *why, size_t len)
{
	char r[64];

	if (!has_range(o) || (v >= o->min && v <= o->max))
		return false;
	pg_option_range_text(o, r, sizeof(r));
	snprintf(why, len, "%s out of range (%s)",
		 o->type == PG_OPT_DURATION ? "duration" : "value", r);
	return true;
}

bool pg_option_check_value(const struct pg_option_spec *o, const char *s, long long *num, char *why,
			   size_t len)
{
	*num = 0;
	switch (o->type) {
	case PG_OPT_INT:
		if (!parse_int(s, num))
			return snprintf(why, len, "expected int, got '%s'", s), false;
		return !out_of_range(o, *num, why, len);
	case PG_OPT_BOOL:
		if (!parse_bool(s, num))
			return snprintf(why, len, "expected bool, got '%s'", s), false;
		return true;
	case PG_OPT_DURATION:
		if (!pg_option_parse_duration(s, num))
			return snprintf(why, len,
					"expected a duration like 90s, 30m or 24h "
					"(units ms, s, m, h, d), got '%s'",
					s),
			       false;
		return !out_of_range(o, *num, why, len);
	case PG_OPT_ENUM:
		if (in_choices(o, s))
			return true;
		choices_text(o, why, len);
		snprintf(why + strlen(why), len - strlen(why), ", got '%s'", s);
		return false;
	case PG_OPT_ENUM_LIST: return list_ok(o, s, why, len);
	case PG_OPT_URL:
		if (url_ok(s))
			return true;
		snprintf(why, len, "expected an http:// or https:// URL");
		return false;
	default: return true;
	}
}

/* ---- the table -------------------------------------------------------- */

/* Keys every instance section takes for the host: a plugin option of the same
 * name could never be set, so the option table may not use them. */
static bool is_host_key(const char *name)
{
	static const char *const keys[] = { "plugin", "cacheTtlSeconds", "timeoutMs",
					    "route",  "events",          "on",
					    "after" };

	for (size_t i = 0; i < PG_ARRAY_LEN(keys); i++)
		if (!strcmp(name, keys[i]))
			return true;
	return false;
}

static bool spec_ok(const struct pg_plugin *d, const struct pg_option_spec *o, size_t i,
		    const char *path, struct pg_diag *diag)
{
	char why[256];
	long long n;

	if (pg_plugin_valid_ident(o->name, true) && o->type > PG_OPT_ENUM_LIST) {
		pg_diag_add(diag, path, 0,
			    "plugin %s: option %s has type %d, unknown to this portgate (plugin "
			    "ABI %d.%d): the plugin needs a newer portgate",
			    d->name, o->name, (int)o->type, PG_PLUGIN_ABI_MAJOR,
			    PG_PLUGIN_ABI_MINOR);
		return false;
	}
	if (!pg_plugin_valid_ident(o->name, true) || o->type < PG_OPT_STRING ||
	    o->type > PG_OPT_ENUM_LIST || (has_choices(o) && (!o->choices || !o->choices[0]))) {
		pg_diag_add(diag, path, 0, "plugin %s: option %zu has a bad name or type", d->name,
			    i);
		return false;
	}
	if (is_host_key(o->name)) {
		pg_diag_add(diag, path, 0,
			    "plugin %s: option %s is reserved for the host "
			    "(every instance accepts plugin, cacheTtlSeconds, timeoutMs, "
			    "route, events, on, after)",
			    d->name, o->name);
		return false;
	}
	if (o->min > o->max) {
		pg_diag_add(diag, path, 0, "plugin %s: option %s has min > max", d->name, o->name);
		return false;
	}
	if (o->def && !pg_option_check_value(o, o->def, &n, why, sizeof(why))) {
		pg_diag_add(diag, path, 0, "plugin %s: option %s has a bad default '%s': %s",
			    d->name, o->name, o->def, why);
		return false;
	}
	return true;
}

/* Row i of the plugin's table in the host's layout: a 1.0 row has the first
 * five fields, a typed row as many bytes as the plugin's build had. */
static void read_row(const struct pg_plugin *d, size_t i, struct pg_option_spec *row)
{
	size_t stride = d->option_spec_size, n = stride < sizeof(*row) ? stride : sizeof(*row);

	memset(row, 0, sizeof(*row));
	if (d->option_table) {
		memcpy(row, (const char *)d->option_table + i * stride, n);
		return;
	}
	row->name = d->options[i].name;
	row->type = d->options[i].type;
	row->def = d->options[i].def;
	row->required = d->options[i].required;
	row->help = d->options[i].help;
}

static bool row_present(const struct pg_plugin *d, size_t i)
{
	if (d->option_table)
		return *(const char *const *)((const char *)d->option_table +
					      i * d->option_spec_size) != NULL;
	return d->options && d->options[i].name;
}

bool pg_plugin_options_build(struct pg_module *m, const char *path, struct pg_diag *diag)
{
	const struct pg_plugin *d = &m->desc;
	size_t n = 0;

	/* the name comes first in every row layout, so a stride covers at least it */
	if (d->option_table &&
	    d->option_spec_size < offsetof(struct pg_option_spec, help) + sizeof(const char *)) {
		pg_diag_add(diag, path, 0, "plugin %s: option_spec_size %zu is too small", d->name,
			    d->option_spec_size);
		return false;
	}
	while (row_present(d, n) && n <= MAX_OPTIONS)
		n++;
	if (n > MAX_OPTIONS) {
		pg_diag_add(diag, path, 0, "plugin %s: more than %d options", d->name, MAX_OPTIONS);
		return false;
	}
	m->opts = pg_xcalloc(n + 1, sizeof(*m->opts));
	for (size_t i = 0; i < n; i++) {
		read_row(d, i, &m->opts[i]);
		if (!spec_ok(d, &m->opts[i], i, path, diag))
			return false;
	}
	m->nopts = n;
	return true;
}

const struct pg_option_spec *pg_module_option(const struct pg_module *m, size_t i)
{
	return m && i < m->nopts ? &m->opts[i] : NULL;
}
