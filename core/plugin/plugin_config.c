/* plugin_config.c - the plugin parts of portgate.yaml: the host's own
 * enrich/notify/outbox sections and the enrichers/notifiers instance maps. */
#include "config.h"
#include "plugin_int.h"

#include <string.h>

#include "notify/message.h"

/* ---- the host's sections ---------------------------------------------- */

bool pg_action_selected(const bool on[PG_ACTION_COUNT], const char *action)
{
	enum pg_action a;

	return pg_action_parse(action, &a) && on[a];
}

static void read_actions(const struct pg_node *n, bool on[PG_ACTION_COUNT], bool *all,
			 const char *what, const char *file, struct pg_diag *diag)
{
	const char *s;
	enum pg_action a;

	if (pg_node_str(n, &s) && all && !strcmp(s, "all")) {
		*all = true;
		for (a = 0; a < PG_ACTION_COUNT; a++)
			on[a] = true;
		return;
	}
	if (n->kind != PG_NODE_SEQ) {
		pg_diag_add(diag, file, n->line, "%s.on: expected a list of actions%s", what,
			    all ? " or 'all'" : "");
		return;
	}
	for (a = 0; a < PG_ACTION_COUNT; a++)
		on[a] = false;
	for (size_t i = 0; i < n->n; i++) {
		if (!pg_node_str(n->items[i], &s))
			s = "";
		if (pg_action_parse(s, &a))
			on[a] = true;
		else
			pg_diag_add(diag, file, n->items[i]->line,
				    "%s.on: '%s' is not pass, warn or fail", what, s);
	}
}

static void read_uint(const struct pg_node *map, const char *key, unsigned long min,
		      unsigned long max, unsigned *out, const char *what, const char *file,
		      struct pg_diag *diag)
{
	const struct pg_node *n = pg_node_get(map, key);
	unsigned long v;

	if (!n)
		return;
	if (!pg_node_uint(n, max, &v) || v < min)
		pg_diag_add(diag, file, n->line, "%s.%s: expected an integer %lu..%lu", what, key,
			    min, max);
	else
		*out = (unsigned)v;
}

static void check_keys(const struct pg_node *map, const char *const *keys, const char *what,
		       const char *file, struct pg_diag *diag)
{
	for (size_t i = 0; map && i < map->n; i++) {
		size_t k = 0;
		while (keys[k] && strcmp(keys[k], map->keys[i]->scalar))
			k++;
		if (!keys[k])
			pg_diag_add(diag, file, map->keys[i]->line, "%s: unknown key '%s'", what,
				    map->keys[i]->scalar);
	}
}

static bool is_map(const struct pg_node *n, const char *what, const char *file,
		   struct pg_diag *diag)
{
	if (!n || n->kind == PG_NODE_MAP)
		return true;
	pg_diag_add(diag, file, n->line, "%s: expected a map, got %s", what,
		    pg_node_kind_name(n->kind));
	return false;
}

/* notify.evidenceUrl: a template expanded once from the environment; a
 * variable unset here (a local run) leaves the messages without a link. */
static void read_evidence_url(struct pg_plugin_host *h, const struct pg_node *n, const char *file,
			      struct pg_diag *diag)
{
	const char *s;

	if (!n)
		return;
	if (n->kind != PG_NODE_SCALAR || !pg_node_str(n, &s) ||
	    (strncmp(s, "https://", 8) && strncmp(s, "http://", 7) && strncmp(s, "${", 2))) {
		pg_diag_add(diag, file, n->line,
			    "notify.evidenceUrl: expected an http(s) URL template such as "
			    "\"${CI_JOB_URL}/artifacts/browse\"");
		return;
	}
	free(h->evidence_url);
	h->evidence_url = pg_message_url_new(s);
	if (!h->evidence_url && strstr(s, "${") && !strstr(s, "}"))
		pg_diag_add(diag, file, n->line, "notify.evidenceUrl: unterminated ${");
}

void pg_plugin_read_sections(struct pg_plugin_host *h, const struct pg_config *cfg,
			     const char *file, struct pg_diag *diag)
{
	static const char *const ek[] = { "on", "timeoutMs", "concurrency", NULL };
	static const char *const nk[] = { "on",           "retries",     "backoffMs",
					  "backoffMaxMs", "evidenceUrl", NULL };
	static const char *const ok[] = { "maxAgeHours", "backlogBudgetMs", "backoffMs",
					  "backoffMaxMs", NULL };
	const struct pg_node *n;

	if (is_map(cfg->enrich, "enrich", file, diag) && cfg->enrich) {
		check_keys(cfg->enrich, ek, "enrich", file, diag);
		if ((n = pg_node_get(cfg->enrich, "on")))
			read_actions(n, h->enrich_on, &h->enrich_all, "enrich", file, diag);
		read_uint(cfg->enrich, "timeoutMs", 1, 3600000, &h->enrich_timeout_ms, "enrich",
			  file, diag);
		read_uint(cfg->enrich, "concurrency", 1, 64, &h->enrich_concurrency, "enrich", file,
			  diag);
		if (h->enrich_concurrency == 0)
			h->enrich_concurrency = 1;
	}
	if (is_map(cfg->notify, "notify", file, diag) && cfg->notify) {
		check_keys(cfg->notify, nk, "notify", file, diag);
		if ((n = pg_node_get(cfg->notify, "on")))
			read_actions(n, h->notify_on, NULL, "notify", file, diag);
		read_uint(cfg->notify, "retries", 0, 20, &h->notify_retries, "notify", file, diag);
		read_uint(cfg->notify, "backoffMs", 0, 600000, &h->notify_backoff_ms, "notify",
			  file, diag);
		read_uint(cfg->notify, "backoffMaxMs", 0, 3600000, &h->notify_backoff_max_ms,
			  "notify", file, diag);
		read_evidence_url(h, pg_node_get(cfg->notify, "evidenceUrl"), file, diag);
	}
	if (is_map(cfg->outbox, "outbox", file, diag) && cfg->outbox) {
		check_keys(cfg->outbox, ok, "outbox", file, diag);
		read_uint(cfg->outbox, "maxAgeHours", 0, 24 * 365, &h->outbox_max_age_h, "outbox",
			  file, diag);
		read_uint(cfg->outbox, "backlogBudgetMs", 0, 3600000, &h->outbox_budget_ms,
			  "outbox", file, diag);
		read_uint(cfg->outbox, "backoffMs", 0, 86400000, &h->outbox_backoff_ms, "outbox",
			  file, diag);
		read_uint(cfg->outbox, "backoffMaxMs", 0, 7 * 86400000u, &h->outbox_backoff_max_ms,
			  "outbox", file, diag);
	}
}

/* ---- the enrichers / notifiers maps ----------------------------------- */

static void add_instance(struct pg_plugin_host *h, struct pg_plugin_ctx *c)
{
	size_t *n = c->mod->desc.kind == PG_PLUGIN_ENRICHER ? &h->nenrichers : &h->nnotifiers;
	struct pg_plugin_ctx ***arr = c->mod->desc.kind == PG_PLUGIN_ENRICHER ? &h->enrichers
									      : &h->notifiers;

	*arr = pg_xrealloc(*arr, (*n + 1) * sizeof(**arr));
	(*arr)[(*n)++] = c;
}

static void read_instances(struct pg_plugin_host *h, const struct pg_node *sec, int kind,
			   const char *file, struct pg_diag *diag)
{
	const char *what = kind == PG_PLUGIN_ENRICHER ? "enrichers" : "notifiers";
	const char *pname;
	struct pg_module *m;
	struct pg_plugin_ctx *c;

	if (!sec || !is_map(sec, what, file, diag))
		return;
	for (size_t i = 0; i < sec->n; i++) {
		const char *inst = sec->keys[i]->scalar;
		const struct pg_node *conf = sec->items[i];
		int line = sec->keys[i]->line;

		if (!pg_plugin_valid_ident(inst, true) || inst[0] == '.') {
			pg_diag_add(diag, file, line,
				    "%s: instance name '%s' must be [A-Za-z0-9._-]+", what, inst);
			continue;
		}
		if (!is_map(conf, inst, file, diag))
			continue;
		if (!pg_node_str(pg_node_get(conf, "plugin"), &pname)) {
			pg_diag_add(diag, file, line, "%s.%s: 'plugin: NAME' is required", what,
				    inst);
			continue;
		}
		m = pg_plugin_find(h, pname);
		if (!m) {
			pg_diag_add(diag, file, pg_node_get(conf, "plugin")->line,
				    "%s.%s: no plugin named '%s' in the plugin directories", what,
				    inst, pname);
			continue;
		}
		if ((int)m->desc.kind != kind) {
			pg_diag_add(diag, file, line, "%s.%s: plugin %s is a %s", what, inst, pname,
				    pg_plugin_kind_name(m->desc.kind));
			continue;
		}
		c = pg_plugin_instance_new(h, inst, m, conf, file, diag);
		if (c)
			add_instance(h, c);
	}
}

void pg_plugin_read_instances(struct pg_plugin_host *h, const struct pg_config *cfg,
			      const char *file, struct pg_diag *diag)
{
	read_instances(h, cfg->enrichers, PG_PLUGIN_ENRICHER, file, diag);
	read_instances(h, cfg->notifiers, PG_PLUGIN_NOTIFIER, file, diag);
}
