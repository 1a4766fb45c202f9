/* rule_check.c - a manifest's rule ids against the rules a run knows (core,
 * drift, the loaded plugins' declared ones): warnings with file:line and, for
 * a near miss, "did you mean". */
#include "config.h"
#include "rule_check.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "policy/policy.h"
#include "report/drift.h"
#include "util/log.h"
#include "util/text.h"

bool pg_rule_known(const char *id, const struct pg_plugin_host *h)
{
	return pg_rule_find(id) || pg_drift_rule_find(id) || pg_plugin_host_rule_find(h, id, NULL);
}

struct nearest {
	const char *id, *best;
	size_t dist;
};

static void consider(struct nearest *n, const char *known)
{
	size_t d = pg_edit_distance(n->id, known, false);

	if (d <= PG_RULE_SUGGEST_MAX && d < n->dist) {
		n->dist = d;
		n->best = known;
	}
}

const char *pg_rule_suggest(const char *id, const struct pg_plugin_host *h)
{
	struct nearest n = { id, NULL, SIZE_MAX };
	const struct pg_rule_spec *r;

	for (size_t i = 0; i < pg_rules_n; i++)
		consider(&n, pg_rules[i].id);
	for (size_t i = 0; i < pg_drift_rules_n; i++)
		consider(&n, pg_drift_rules[i].id);
	for (size_t i = 0; i < pg_plugin_host_nmodules(h); i++)
		for (size_t j = 0; (r = pg_module_rule(pg_plugin_host_module(h, i), j)); j++)
			consider(&n, r->id);
	return n.best;
}

/* "ssl, whois" into buf: the plugins whose rules were known, or "none". */
static void plugin_names(const struct pg_plugin_host *h, char *buf, size_t len)
{
	size_t n = pg_plugin_host_nmodules(h);

	snprintf(buf, len, "%s", n ? "" : "none");
	for (size_t i = 0; i < n; i++) {
		pg_str_append(buf, len, i ? ", " : "");
		pg_str_append(buf, len, pg_module_desc(pg_plugin_host_module(h, i))->name);
	}
}

#define MORE_LINES_SHOWN 3

/* " (also at lines 20, 26 and 3 more)" into buf: the other places of one id. */
static void more_places(const json_t *lines, char *buf, size_t len)
{
	size_t n = json_array_size(lines), i;
	char one[32];

	buf[0] = '\0';
	if (n < 2)
		return;
	snprintf(buf, len, " (also at line%s", n > 2 ? "s" : "");
	for (i = 1; i < n && i <= MORE_LINES_SHOWN; i++) {
		snprintf(one, sizeof(one), "%s %lld", i > 1 ? "," : "",
			 (long long)json_integer_value(json_array_get(lines, i)));
		pg_str_append(buf, len, one);
	}
	if (n > i) {
		snprintf(one, sizeof(one), " and %zu more", n - i);
		pg_str_append(buf, len, one);
	}
	pg_str_append(buf, len, ")");
}

static void warn_one(const struct pg_manifest *m, const struct pg_rule_ref *r,
		     const struct pg_plugin_host *h, const json_t *lines, struct pg_diag *warnings)
{
	const char *near = pg_rule_suggest(r->rule, h);
	char names[256], more[128];

	more_places(lines, more, sizeof(more));
	if (near) {
		pg_diag_add(warnings, m->path, r->line,
			    "%s: unknown rule '%s': did you mean '%s'? (likely a typo: as written "
			    "it matches no finding, so it has no effect)%s",
			    r->where, r->rule, near, more);
		return;
	}
	plugin_names(h, names, sizeof(names));
	pg_diag_add(warnings, m->path, r->line,
		    "%s: unknown rule '%s': no core or drift rule, and no loaded plugin "
		    "declares it (plugins: %s); it has an effect only in runs with a plugin "
		    "that emits it%s",
		    r->where, r->rule, names, more);
}

/* {unknown id: [line, ...]} in file order: one warning per id, not per asset. */
static json_t *unknown_ids(const struct pg_manifest *m, const struct pg_plugin_host *h)
{
	json_t *ids = json_object(), *lines;

	for (size_t i = 0; m && i < m->nrule_refs; i++) {
		const struct pg_rule_ref *r = &m->rule_refs[i];
		if (!(lines = json_object_get(ids, r->rule))) {
			if (pg_rule_known(r->rule, h))
				continue;
			json_object_set_new(ids, r->rule, lines = json_array());
		}
		json_array_append_new(lines, json_integer(r->line));
	}
	return ids;
}

/* Could some asset of m have a finding e matches: an asset it names, with e's port
 * (and protocol) among that asset's candidates when e names a port? */
static bool exception_can_match(const struct pg_manifest *m, const struct pg_exception *e)
{
	for (size_t i = 0; i < m->nassets; i++)
		if (pg_exception_names_asset(e, &m->assets[i]) &&
		    (!e->port ||
		     pg_ports_has_proto(&m->assets[i].candidates, e->udp, (uint16_t)e->port)))
			return true;
	return false;
}

/* "name 'web', target app.test and candidate port 8080/tcp": what e names. */
static void describe(const struct pg_exception *e, char *buf, size_t len)
{
	char one[128];

	buf[0] = '\0';
	if (e->asset) {
		snprintf(one, sizeof(one), "name '%.80s'", e->asset);
		pg_str_append(buf, len, one);
	}
	if (e->target) {
		snprintf(one, sizeof(one), "%starget %.80s", buf[0] ? ", " : "", e->target);
		pg_str_append(buf, len, one);
	}
	if (e->port) {
		snprintf(one, sizeof(one), "%scandidate port %u/%s", buf[0] ? " and " : "", e->port,
			 e->udp ? "udp" : "tcp");
		pg_str_append(buf, len, one);
	}
}

/* The asset name closest to name, at most PG_RULE_SUGGEST_MAX edits away, or NULL
 * (also when an asset has exactly that name: the exception failed on something else). */
static const char *nearest_asset(const struct pg_manifest *m, const char *name)
{
	const char *best = NULL;
	size_t dist = SIZE_MAX;

	for (size_t i = 0; i < m->nassets; i++) {
		size_t d = pg_edit_distance(name, m->assets[i].name, false);

		if (d == 0)
			return NULL;
		if (d <= PG_RULE_SUGGEST_MAX && d < dist) {
			dist = d;
			best = m->assets[i].name;
		}
	}
	return best;
}

/* An exception that can match nothing is a typo (asset name, target, port) that
 * leaves the finding it was written for failing, or excepts nothing later. */
static size_t check_exceptions(const struct pg_manifest *m, struct pg_diag *warnings)
{
	size_t n = 0;

	for (size_t i = 0; m && i < m->nexceptions; i++) {
		const struct pg_exception *e = &m->exceptions[i];
		char what[320];

		if (exception_can_match(m, e))
			continue;
		const char *near = e->asset ? nearest_asset(m, e->asset) : NULL;

		describe(e, what, sizeof(what));
		pg_diag_add(
			warnings, m->path, e->line,
			"policy.exceptions[%zu]: no asset of the manifest has %s: as written it "
			"excepts nothing%s%.80s%s",
			i, what, near ? " (did you mean asset '" : "", near ? near : "",
			near ? "'?)" : "");
		n++;
	}
	return n;
}

/* Linux answers about one closed UDP port per second per host (icmp_ratelimit) once
 * its burst is spent, so an exact UDP scan of N closed ports takes about N seconds
 * (docs/scan-engine.md, "UDP"): a range like "1-65535/udp" is 18 hours, which a
 * manifest writer rarely means. Above this many UDP ports per asset, say so. */
#define UDP_PORTS_HINT  1024
#define UDP_HINTS_SHOWN 3

static size_t check_udp_spans(const struct pg_manifest *m, struct pg_diag *warnings)
{
	size_t n = 0;
	char took[32];

	for (size_t i = 0; m && i < m->nassets; i++) {
		size_t u = m->assets[i].candidates.udp.n;

		if (u <= UDP_PORTS_HINT || ++n > UDP_HINTS_SHOWN)
			continue;
		if (u >= 3600)
			snprintf(took, sizeof(took), "%zu h %zu min", u / 3600, u % 3600 / 60);
		else
			snprintf(took, sizeof(took), "%zu min", u / 60);
		pg_diag_add(warnings, m->path, m->assets[i].line,
			    "assets[%zu] (%.80s): %zu UDP ports: a host answers about one closed "
			    "UDP port per second (its ICMP rate limit), so an exact scan can take "
			    "about %s; list the UDP services you expect instead",
			    i, m->assets[i].name, u, took);
	}
	if (n > UDP_HINTS_SHOWN) /* a defaults.ports range: not one line per asset */
		pg_diag_add(warnings, m->path, 0,
			    "%zu more assets with more than %d UDP ports (the same hint)",
			    n - UDP_HINTS_SHOWN, UDP_PORTS_HINT);
	return n > UDP_HINTS_SHOWN ? UDP_HINTS_SHOWN + 1 : n;
}

size_t pg_rule_check_manifest(const struct pg_manifest *m, const struct pg_plugin_host *h,
			      struct pg_diag *warnings)
{
	json_t *ids = unknown_ids(m, h), *lines;
	size_t n = check_exceptions(m, warnings) + check_udp_spans(m, warnings);

	for (size_t i = 0; m && i < m->nrule_refs; i++) {
		const struct pg_rule_ref *r = &m->rule_refs[i];
		lines = json_object_get(ids, r->rule);
		if (lines && json_integer_value(json_array_get(lines, 0)) == r->line) {
			warn_one(m, r, h, lines, warnings);
			json_object_del(ids, r->rule); /* said once */
			n++;
		}
	}
	json_decref(ids);
	return n;
}

void pg_rule_check_warn(const struct pg_manifest *m, const struct pg_plugin_host *h)
{
	struct pg_diag w = { 0 };

	pg_rule_check_manifest(m, h, &w);
	for (size_t i = 0; i < w.n; i++)
		pg_warn("%s", w.msgs[i]);
	pg_diag_clear(&w);
}
