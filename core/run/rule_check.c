/* rule_check.c - a manifest's rule ids against the rules a run knows (core,
 * drift, the loaded plugins' declared ones): warnings with file:line and, for
 * a near miss, "did you mean". */
#include "config.h"
#include "rule_check.h"

#include <stdint.h>
#include <string.h>

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

static void warn_one(const struct pg_manifest *m, const struct pg_rule_ref *r,
		     const struct pg_plugin_host *h, struct pg_diag *warnings)
{
	const char *near = pg_rule_suggest(r->rule, h);
	char names[256];

	if (near) {
		pg_diag_add(warnings, m->path, r->line,
			    "%s: unknown rule '%s': did you mean '%s'? (likely a typo: as written "
			    "it matches no finding, so it has no effect)",
			    r->where, r->rule, near);
		return;
	}
	plugin_names(h, names, sizeof(names));
	pg_diag_add(warnings, m->path, r->line,
		    "%s: unknown rule '%s': no core or drift rule, and no loaded plugin "
		    "declares it (plugins: %s); it has an effect only in runs with a plugin "
		    "that emits it",
		    r->where, r->rule, names);
}

size_t pg_rule_check_manifest(const struct pg_manifest *m, const struct pg_plugin_host *h,
			      struct pg_diag *warnings)
{
	size_t n = 0;

	for (size_t i = 0; m && i < m->nrule_refs; i++)
		if (!pg_rule_known(m->rule_refs[i].rule, h)) {
			warn_one(m, &m->rule_refs[i], h, warnings);
			n++;
		}
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
