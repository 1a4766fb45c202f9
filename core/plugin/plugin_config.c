/* plugin_config.c - the plugin parts of portgate.yaml: each stage's own
 * settings (read by the stage, struct pg_plugin_stage) and the
 * enrichers/notifiers instance maps. */
#include "config.h"
#include "plugin_int.h"

#include <string.h>

/* ---- the stages' settings --------------------------------------------- */

void pg_plugin_read_stages(struct pg_plugin_host *h, const struct pg_config *cfg,
			   const struct pg_plugin_stage *const *stages, const char *file,
			   struct pg_diag *diag)
{
	for (size_t i = 0; stages && stages[i]; i++) {
		const struct pg_plugin_stage *st = stages[i];
		enum pg_plugin_kind k = st->kind;

		h->stages[k] = st;
		h->settings[k] = st->settings_new(cfg, file, &h->defaults[k], diag);
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

	if (!sec || !pg_plugin_section_is_map(sec, what, file, diag))
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
		if (!pg_plugin_section_is_map(conf, inst, file, diag))
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
	for (int k = PG_PLUGIN_ENRICHER; k <= PG_PLUGIN_NOTIFIER; k++)
		if (h->stages[k] && h->stages[k]->instances_done)
			h->stages[k]->instances_done(h, file, diag);
}
