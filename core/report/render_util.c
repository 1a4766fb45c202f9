/* render_util.c - what the renderers read from the evidence, in one place. */
#include "config.h"
#include "render_int.h"

#include <string.h>

#include "drift.h"
#include "policy/policy.h"
#include "util/util.h"

json_int_t pg_render_int(const json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

int pg_render_each_finding(const json_t *report,
			   int (*fn)(const json_t *asset, const json_t *finding, void *ud),
			   void *ud)
{
	const json_t *a, *f;
	size_t i, k;
	int r;

	json_array_foreach(json_object_get(report, "assets"), i, a) json_array_foreach(
		json_object_get(a, "findings"), k, f) if ((r = fn(a, f, ud)) != 0) return r;
	return 0;
}

long pg_render_index_of(const json_t *strings, const char *s)
{
	const json_t *v;
	size_t i;

	json_array_foreach(strings, i, v) if (!strcmp(json_string_value(v), s)) return (long)i;
	return -1;
}

const char *pg_render_lookup(const char *const map[][2], size_t n, const char *key,
			     const char *dflt)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(map[i][0], key))
			return map[i][1];
	return dflt;
}

static int add_rule(const json_t *asset, const json_t *f, void *ud)
{
	const char *rule = pg_json_get_str_or(f, "rule", NULL);

	(void)asset;
	if (rule && pg_render_index_of(ud, rule) < 0)
		json_array_append_new(ud, json_string(rule));
	return 0;
}

json_t *pg_render_rule_ids(const json_t *report)
{
	json_t *ids = json_array();

	for (size_t i = 0; i < pg_rules_n; i++)
		json_array_append_new(ids, json_string(pg_rules[i].id));
	/* drift rules were checked only when the run had a baseline */
	for (size_t i = 0;
	     json_object_get(json_object_get(report, "run"), "drift") && i < pg_drift_rules_n; i++)
		json_array_append_new(ids, json_string(pg_drift_rules[i].id));
	pg_render_each_finding(report, add_rule, ids);
	return ids;
}

const char *pg_render_rule_summary(const char *rule)
{
	const struct pg_rule_info *ri = pg_rule_find(rule);
	const struct pg_drift_rule *dr = pg_drift_rule_find(rule);

	return ri ? ri->summary : dr ? dr->summary : NULL;
}

const char *pg_render_rule_default(const char *rule)
{
	const struct pg_rule_info *ri = pg_rule_find(rule);
	const struct pg_drift_rule *dr = pg_drift_rule_find(rule);

	return ri ? pg_action_name(ri->default_action) : dr ? dr->default_action : "warn";
}

struct sev_find {
	const char *rule, *severity;
};

static int find_severity(const json_t *asset, const json_t *f, void *ud)
{
	struct sev_find *s = ud;

	(void)asset;
	if (strcmp(pg_json_get_str_or(f, "rule", ""), s->rule))
		return 0;
	s->severity = pg_json_get_str_or(f, "severity", NULL);
	return s->severity != NULL;
}

const char *pg_render_rule_severity(const json_t *report, const char *rule)
{
	const struct pg_rule_info *ri = pg_rule_find(rule);
	const struct pg_drift_rule *dr = pg_drift_rule_find(rule);
	struct sev_find s = { rule, NULL };

	if (ri || dr)
		return ri ? ri->severity : dr->severity;
	pg_render_each_finding(report, find_severity, &s);
	return s.severity ? s.severity : "medium";
}

const char *pg_render_export_severity(const char *action, const char *severity)
{
	static const char *const order[] = { "info", "low", "medium", "high", "critical" };
	size_t k = 0;

	if (!action || !strcmp(action, "pass"))
		return "info"; /* accepted (an exception) or not news */
	while (k < PG_ARRAY_LEN(order) && !(severity && !strcmp(order[k], severity)))
		k++;
	if (k == PG_ARRAY_LEN(order))
		k = 2; /* unknown: medium, as the renderers always assumed */
	if (strcmp(action, "fail") && k > 2)
		k = 2; /* warn: reported, never blocking, never above medium */
	return order[k];
}

struct act_find {
	const char *rule, *action;
};

static int worst_action(const json_t *asset, const json_t *f, void *ud)
{
	struct act_find *s = ud;
	const char *a = pg_json_get_str_or(f, "action", "warn");

	(void)asset;
	if (!strcmp(pg_json_get_str_or(f, "rule", ""), s->rule) &&
	    (!s->action || !strcmp(a, "fail") ||
	     (!strcmp(a, "warn") && !strcmp(s->action, "pass"))))
		s->action = a;
	return 0;
}

const char *pg_render_rule_action(const json_t *report, const char *rule)
{
	struct act_find s = { rule, NULL };

	pg_render_each_finding(report, worst_action, &s);
	return s.action ? s.action : pg_render_rule_default(rule);
}

/* RFC 3986 unreserved characters and the path separator stay as they are. */
static bool uri_plain(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       strchr("-._~/", c) != NULL;
}

const char *pg_render_manifest_path(const json_t *report)
{
	const json_t *run = json_object_get(report, "run");
	const char *path = pg_json_get_str_or(json_object_get(run, "source"), "manifest", NULL);

	if (!path)
		path = pg_json_get_str_or(run, "manifest", "manifest");
	return strcmp(path, "-") ? path : "stdin";
}

char *pg_render_manifest_uri(const json_t *report)
{
	const char *path = pg_render_manifest_path(report);
	char *enc = pg_render_uri_encode(path), *uri;

	if (path[0] != '/')
		return enc;
	uri = pg_xasprintf("file://%s", enc);
	free(enc);
	return uri;
}

char *pg_render_uri_encode(const char *path)
{
	size_t n = strlen(path), o = 0;
	char *out = pg_xmalloc(3 * n + 1);

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)path[i];
		if (uri_plain(c) && c)
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, 4, "%%%02X", c);
	}
	out[o] = '\0';
	return out;
}

void pg_render_seconds(json_int_t ms, char out[32])
{
	if (ms < 0)
		ms = 0;
	snprintf(out, 32, "%lld.%03lld", (long long)(ms / 1000), (long long)(ms % 1000));
}
