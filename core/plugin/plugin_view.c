/* plugin_view.c - the instances and the stages' data as the stages see them
 * (plugin_instance.h): read-only accessors over plugin_int.h's structures,
 * so core/enrich and core/notify never reach into them. */
#include "config.h"
#include "plugin_int.h"

#include <string.h>

size_t pg_plugin_count(const struct pg_plugin_host *h, enum pg_plugin_kind kind)
{
	return kind == PG_PLUGIN_ENRICHER ? h->nenrichers : h->nnotifiers;
}

struct pg_plugin_ctx *pg_plugin_at(const struct pg_plugin_host *h, enum pg_plugin_kind kind,
				   size_t i)
{
	return kind == PG_PLUGIN_ENRICHER ? h->enrichers[i] : h->notifiers[i];
}

struct pg_plugin_ctx *pg_plugin_named(const struct pg_plugin_host *h, enum pg_plugin_kind kind,
				      const char *name)
{
	for (size_t i = 0; name && i < pg_plugin_count(h, kind); i++)
		if (!strcmp(pg_plugin_at(h, kind, i)->name, name))
			return pg_plugin_at(h, kind, i);
	return NULL;
}

/* An option's value by name (plugin_api.c's opt_* and plugin_instance.c). */
struct pg_optval *pg_plugin_find_opt(struct pg_plugin_ctx *c, const char *name)
{
	for (size_t i = 0; i < c->nopts; i++)
		if (!strcmp(c->opts[i].opt->name, name))
			return &c->opts[i];
	return NULL;
}

const char *pg_plugin_name(const struct pg_plugin_ctx *c)
{
	return c->name;
}

const char *pg_plugin_module_name(const struct pg_plugin_ctx *c)
{
	return c->mod->desc.name;
}

const char *pg_plugin_start_error(const struct pg_plugin_ctx *c)
{
	return c->start_err;
}

unsigned pg_plugin_timeout_ms(const struct pg_plugin_ctx *c)
{
	return c->timeout_ms;
}

unsigned pg_plugin_cache_ttl_s(const struct pg_plugin_ctx *c)
{
	return c->cache_ttl_s;
}

bool pg_plugin_serialized(const struct pg_plugin_ctx *c)
{
	return c->mod->desc.thread_model != PG_THREAD_PARALLEL;
}

bool pg_plugin_same_module(const struct pg_plugin_ctx *a, const struct pg_plugin_ctx *b)
{
	return a->mod == b->mod;
}

enum pg_enrich_scope pg_plugin_enrich_scope(const struct pg_plugin_ctx *c)
{
	return c->mod->desc.enrich_scope;
}

unsigned pg_plugin_judges(const struct pg_plugin_ctx *c)
{
	return c->mod->desc.judges;
}

const char *pg_plugin_judges_tag(const struct pg_plugin_ctx *c)
{
	const char *opt = c->mod->desc.judges_tag_option;
	struct pg_optval *v;

	if (!opt)
		return NULL;
	v = pg_plugin_find_opt((struct pg_plugin_ctx *)c, opt);
	return v && v->text ? v->text : "";
}

enum pg_notify_mode pg_plugin_notify_mode(const struct pg_plugin_ctx *c)
{
	return c->notify_mode;
}

void *pg_plugin_host_stage(const struct pg_plugin_host *h, enum pg_plugin_kind kind)
{
	return h->settings[kind];
}

void *pg_plugin_stage_data(const struct pg_plugin_ctx *c)
{
	return c->stage_data;
}

const char *pg_plugin_host_state_dir(const struct pg_plugin_host *h)
{
	return h->state_dir;
}
