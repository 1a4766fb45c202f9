/* plugin_rules.c - a plugin's rule table (ABI 1.4) as the host keeps it:
 * checked at load (grammar, action, severity, one-line summary, no duplicate,
 * no core rule but network-unexpected), looked up by id for `portgate rules`
 * and the manifest's rule ids, and the once-per-run warning about a finding
 * whose rule the table does not list. */
#include "config.h"
#include "plugin_int.h"

#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"
#include "report/drift.h"
#include "util/log.h"

#define MAX_RULES 256

/* Row i in the host's layout: as many bytes as the plugin's build had. */
static void read_row(const struct pg_plugin *d, size_t i, struct pg_rule_spec *row)
{
	size_t stride = d->rule_spec_size, n = stride < sizeof(*row) ? stride : sizeof(*row);

	memset(row, 0, sizeof(*row));
	memcpy(row, (const char *)d->rule_table + i * stride, n);
}

static bool row_present(const struct pg_plugin *d, size_t i)
{
	return *(const char *const *)((const char *)d->rule_table + i * d->rule_spec_size) != NULL;
}

/* Why row r cannot be declared (static text), or NULL. */
static const char *row_refusal(const struct pg_rule_spec *r)
{
	enum pg_action a;

	if (!pg_rule_id_valid(r->id))
		return "is not a rule id (lowercase words joined by '-' or '.', at most 64 bytes)";
	if (pg_rule_reserved(r->id))
		return "is a core rule (only " PG_RULE_NETWORK_UNEXPECTED " may be declared)";
	if (pg_drift_rule_find(r->id))
		return "is a drift rule (portgate check --baseline decides it)";
	if (!pg_action_parse(r->default_action, &a))
		return "has no default_action pass, warn or fail";
	if (!pg_severity_valid(r->severity))
		return "has no severity info, low, medium, high or critical";
	if (!r->summary || !*r->summary || strpbrk(r->summary, "\r\n"))
		return "needs a summary of one line";
	return NULL;
}

static bool row_ok(const struct pg_module *m, size_t i, const char *path, struct pg_diag *diag)
{
	const struct pg_rule_spec *r = &m->rules[i];
	const char *why = row_refusal(r);

	for (size_t j = 0; !why && j < i; j++)
		if (!strcmp(m->rules[j].id, r->id))
			why = "is declared twice";
	if (why)
		pg_diag_add(diag, path, 0, "plugin %s: rule %zu '%.80s' %s", m->desc.name, i,
			    pg_rule_id_valid(r->id) ? r->id : "(bad id)", why);
	return !why;
}

static size_t count_rows(const struct pg_plugin *d)
{
	size_t n = 0;

	while (n <= MAX_RULES && row_present(d, n))
		n++;
	return n;
}

bool pg_plugin_rules_build(struct pg_module *m, const char *path, struct pg_diag *diag)
{
	const struct pg_plugin *d = &m->desc;
	size_t n;

	m->declares_rules = d->rule_spec_size != 0; /* a 1.4 build, table or not */
	if (!d->rule_table)
		return true;
	/* the id comes first in every row layout, so a stride covers at least it */
	if (d->rule_spec_size < offsetof(struct pg_rule_spec, summary) + sizeof(const char *)) {
		pg_diag_add(diag, path, 0, "plugin %s: rule_spec_size %zu is too small", d->name,
			    d->rule_spec_size);
		return false;
	}
	if ((n = count_rows(d)) > MAX_RULES) {
		pg_diag_add(diag, path, 0, "plugin %s: more than %d rules", d->name, MAX_RULES);
		return false;
	}
	m->rules = pg_xcalloc(n + 1, sizeof(*m->rules));
	for (size_t i = 0; i < n; i++) {
		read_row(d, i, &m->rules[i]);
		if (!row_ok(m, i, path, diag))
			return false;
	}
	m->nrules = n;
	return true;
}

const struct pg_rule_spec *pg_module_rule(const struct pg_module *m, size_t i)
{
	return m && i < m->nrules ? &m->rules[i] : NULL;
}

static const struct pg_rule_spec *module_rule_find(const struct pg_module *m, const char *id)
{
	for (size_t i = 0; i < m->nrules; i++)
		if (!strcmp(m->rules[i].id, id))
			return &m->rules[i];
	return NULL;
}

/* Does rule r of m conflict with what another plugin o declares for the same id: a
 * different default action or severity? (Builds of one plugin family may share a
 * rule, declared alike.) */
static bool conflicts(const struct pg_module *m, const struct pg_rule_spec *r,
		      const struct pg_module *o)
{
	const struct pg_rule_spec *x;

	if (!strcmp(o->desc.name, m->desc.name) || !(x = module_rule_find(o, r->id)))
		return false;
	return strcmp(x->default_action, r->default_action) || strcmp(x->severity, r->severity);
}

bool pg_plugin_rules_unique(const struct pg_plugin_host *h, const struct pg_module *m,
			    struct pg_diag *diag)
{
	for (size_t i = 0; h && i < m->nrules; i++)
		for (size_t j = 0; j < h->nmods; j++) {
			const struct pg_module *o = h->mods[j];
			const struct pg_rule_spec *r = &m->rules[i];

			if (!conflicts(m, r, o))
				continue;
			pg_diag_add(diag, m->path, 0,
				    "plugin %s: rule '%s' (%s, %s) is declared by plugin %s (%s) "
				    "with another default",
				    m->desc.name, r->id, r->default_action, r->severity,
				    o->desc.name, o->path);
			return false;
		}
	return true;
}

const struct pg_rule_spec *pg_plugin_host_rule_find(const struct pg_plugin_host *h, const char *id,
						    const struct pg_module **owner)
{
	const struct pg_rule_spec *r;

	for (size_t i = 0; h && i < h->nmods; i++)
		if ((r = module_rule_find(h->mods[i], id))) {
			if (owner)
				*owner = h->mods[i];
			return r;
		}
	return NULL;
}

/* Enrich calls come back on several threads: the warned set is shared. */
static pthread_mutex_t warned_lock = PTHREAD_MUTEX_INITIALIZER;

/* True the first time m is told about rule. */
static bool first_time(struct pg_module *m, const char *rule)
{
	bool first;

	pthread_mutex_lock(&warned_lock);
	if (!m->undeclared)
		m->undeclared = json_object();
	first = !json_object_get(m->undeclared, rule);
	if (first)
		json_object_set_new(m->undeclared, rule, json_true());
	pthread_mutex_unlock(&warned_lock);
	return first;
}

void pg_plugin_rule_emitted(const struct pg_plugin_ctx *c, const char *rule)
{
	struct pg_module *m = c->mod;

	/* an older plugin declares nothing: its findings are as they always were */
	if (!m->declares_rules || module_rule_find(m, rule) || !first_time(m, rule))
		return;
	pg_warn("[%s] plugin %s: added a finding of rule '%s', which its rule table does not "
		"declare (kept; the plugin should list it in rule_table)",
		c->name, m->desc.name, rule);
}
