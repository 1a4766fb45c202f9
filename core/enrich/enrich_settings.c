/* enrich_settings.c - the enrich stage's `enrich:` section of portgate.yaml
 * ({on, timeoutMs, concurrency}) and the stage as the plugin host builds it. */
#include "config.h"
#include "enrich.h"

#include <stdlib.h>

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

const struct pg_plugin_stage pg_enrich_stage = {
	.kind = PG_PLUGIN_ENRICHER,
	.settings_new = settings_new,
	.settings_free = free,
};

const struct pg_enrich_settings *pg_enrich_settings(const struct pg_plugin_host *h)
{
	const struct pg_enrich_settings *s = pg_plugin_host_stage(h, PG_PLUGIN_ENRICHER);

	return s ? s : &defaults;
}
