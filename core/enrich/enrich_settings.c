/* enrich_settings.c - the enrich stage's `enrich:` section of portgate.yaml
 * ({on, timeoutMs, concurrency}), an enricher instance's own keys (on:,
 * route:, after:) and the stage as the plugin host builds it. */
#include "config.h"
#include "enrich_int.h"

#include <stdlib.h>
#include <string.h>

#include "plugin/plugin_instance.h"

static const struct pg_enrich_settings defaults = {
	.on = { [PG_ACTION_WARN] = true, [PG_ACTION_FAIL] = true },
	.timeout_ms = 10000,
	.concurrency = 8,
};

static void *settings_new(const struct pg_config *cfg, const char *file,
			  struct pg_plugin_defaults *def, struct pg_diag *diag)
{
	static const char *const keys[] = { "on", "timeoutMs", "concurrency", NULL };
	struct pg_enrich_settings *s = pg_xcalloc(1, sizeof(*s));
	const struct pg_node *sec = cfg->enrich, *n;

	*s = defaults;
	if (pg_plugin_section_is_map(sec, "enrich", file, diag) && sec) {
		pg_plugin_section_keys(sec, keys, "enrich", file, diag);
		if ((n = pg_node_get(sec, "on")))
			pg_plugin_section_actions(n, s->on, &s->all, "enrich", file, diag);
		pg_plugin_section_uint(sec, "timeoutMs", 1, 3600000, &s->timeout_ms, "enrich", file,
				       diag);
		pg_plugin_section_uint(sec, "concurrency", 1, 64, &s->concurrency, "enrich", file,
				       diag);
		if (s->concurrency == 0)
			s->concurrency = 1;
	}
	def->timeout_ms = s->timeout_ms;
	def->workers = s->concurrency;
	return s;
}

/* after: [dns, ip] - names only; enrich_order.c checks them once all are read. */
static void read_after(struct pg_enrich_inst *d, const struct pg_node *n, const char *inst,
		       const char *file, struct pg_diag *diag)
{
	size_t cnt = n->kind == PG_NODE_SEQ ? n->n : 1;
	const char *s;

	for (size_t i = 0; i < cnt; i++) {
		const struct pg_node *it = n->kind == PG_NODE_SEQ ? n->items[i] : n;
		if (it->kind != PG_NODE_SCALAR || !pg_node_str(it, &s) || !*s) {
			pg_diag_add(diag, file, it->line,
				    "enrichers.%s.after: expected an instance name or a list of "
				    "them",
				    inst);
			return;
		}
		d->after = pg_xrealloc(d->after, (d->nafter + 1) * sizeof(*d->after));
		d->after_lines = pg_xrealloc(d->after_lines,
					     (d->nafter + 1) * sizeof(*d->after_lines));
		d->after[d->nafter] = pg_xstrdup(s);
		d->after_lines[d->nafter++] = it->line;
	}
}

static bool instance_key(const char *inst, const char *key, const struct pg_node *n, void **data,
			 const char *file, struct pg_diag *diag)
{
	struct pg_enrich_inst *d = *data;

	if (strcmp(key, "on") && strcmp(key, "route") && strcmp(key, "after"))
		return false;
	if (!d)
		*data = d = pg_xcalloc(1, sizeof(*d));
	if (!strcmp(key, "route"))
		pg_route_parse(&d->route, n, "enrichers", inst, file, diag);
	else if (!strcmp(key, "on"))
		pg_route_parse_on(&d->route, n, "enrichers", inst, file, diag);
	else
		read_after(d, n, inst, file, diag);
	return true;
}

static void inst_free(void *data)
{
	struct pg_enrich_inst *d = data;

	pg_route_free(d->route);
	for (size_t i = 0; i < d->nafter; i++)
		free(d->after[i]);
	free(d->after);
	free(d->after_lines);
	free(d);
}

const struct pg_plugin_stage pg_enrich_stage = {
	.kind = PG_PLUGIN_ENRICHER,
	.settings_new = settings_new,
	.settings_free = free,
	.instance_key = instance_key,
	.data_free = inst_free,
	.keys_help = "on, route, after",
	.instances_done = pg_enrich_order,
};

const struct pg_enrich_settings *pg_enrich_settings(const struct pg_plugin_host *h)
{
	const struct pg_enrich_settings *s = pg_plugin_host_stage(h, PG_PLUGIN_ENRICHER);

	return s ? s : &defaults;
}
