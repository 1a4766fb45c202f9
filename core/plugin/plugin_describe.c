/* plugin_describe.c - what `portgate plugins` and `plugin-check` show of a
 * loaded module: read-only access for the CLI, and every descriptor field as
 * JSON (plugins --json). */
#include "config.h"
#include "plugin_int.h"

#define PG_STR2(x) #x
#define PG_STR(x)  PG_STR2(x)

size_t pg_plugin_host_nmodules(const struct pg_plugin_host *h)
{
	return h ? h->nmods : 0;
}

const struct pg_module *pg_plugin_host_module(const struct pg_plugin_host *h, size_t i)
{
	return h && i < h->nmods ? h->mods[i] : NULL;
}

const struct pg_plugin *pg_module_desc(const struct pg_module *m)
{
	return &m->desc;
}

const char *pg_module_path(const struct pg_module *m)
{
	return m->path;
}

size_t pg_module_declared_size(const struct pg_module *m)
{
	return m->orig_size;
}

bool pg_module_is_older(const struct pg_module *m)
{
	return m->orig_size < sizeof(struct pg_plugin);
}

static json_t *choices_json(const struct pg_option_spec *o)
{
	json_t *arr = json_array();

	for (size_t i = 0; o->choices && o->choices[i]; i++)
		json_array_append_new(arr, json_string(o->choices[i]));
	return arr;
}

static json_t *option_json(const struct pg_option_spec *o)
{
	json_t *j = json_pack("{s:s, s:s, s:s*, s:b, s:s*}", "name", o->name, "type",
			      pg_option_type_name(o->type), "default", o->def, "required",
			      o->required != 0, "help", o->help);

	if (o->min || o->max) {
		json_object_set_new(j, "min", json_integer((json_int_t)o->min));
		json_object_set_new(j, "max", json_integer((json_int_t)o->max));
	}
	if (o->type == PG_OPT_ENUM || o->type == PG_OPT_ENUM_LIST)
		json_object_set_new(j, "choices", choices_json(o));
	return j;
}

static json_t *options_json(const struct pg_module *m)
{
	json_t *opts = json_array();

	for (size_t i = 0; i < m->nopts; i++)
		json_array_append_new(opts, option_json(&m->opts[i]));
	return opts;
}

/* ABI 1.4: the rules it declares, as `portgate rules --json` lists them. */
static json_t *rules_json(const struct pg_module *m)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < m->nrules; i++) {
		const struct pg_rule_spec *r = &m->rules[i];
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s}", "id", r->id,
						     "defaultAction", r->default_action, "severity",
						     r->severity, "summary", r->summary));
	}
	return arr;
}

/* ABI 1.3: the judges bits by name, then the tag option when there is one. */
static json_t *judges_json(const struct pg_plugin *d)
{
	static const char *const names[] = { "tls-ports", "web-ports", "domain", "network-asn" };
	json_t *out = json_array();

	for (size_t i = 0; i < PG_ARRAY_LEN(names); i++)
		if (d->judges & (1u << i))
			json_array_append_new(out, json_string(names[i]));
	if (d->judges && d->judges_tag_option)
		json_array_append_new(out, json_sprintf("tag:%s", d->judges_tag_option));
	return out;
}

static const char *scope_name(enum pg_enrich_scope s)
{
	return s == PG_SCOPE_FINDING ? "finding" : s == PG_SCOPE_ASSET ? "asset" : "target";
}

json_t *pg_module_json(const struct pg_module *m)
{
	const struct pg_plugin *d = &m->desc;
	json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "name", d->name, "version",
			      d->version, "kind", pg_plugin_kind_name(d->kind), "description",
			      d->description, "path", m->path, "threadModel",
			      d->thread_model == PG_THREAD_PARALLEL ? "parallel" : "serialize");

	json_object_set_new(j, "abi", json_sprintf("%u.%u", d->abi_major, d->abi_minor));
	json_object_set_new(
		j, "hostAbi",
		json_string(PG_STR(PG_PLUGIN_ABI_MAJOR) "." PG_STR(PG_PLUGIN_ABI_MINOR)));
	json_object_set_new(j, "descriptorSize", json_integer((json_int_t)m->orig_size));
	json_object_set_new(j, "olderDescriptor", json_boolean(pg_module_is_older(m)));
	json_object_set_new(j, "hasCreate", json_boolean(d->create != NULL));
	json_object_set_new(j, "hasDestroy", json_boolean(d->destroy != NULL));
	json_object_set_new(j, "notifyMode",
			    json_string(d->notify_mode == PG_NOTIFY_PER_FINDING ? "per-finding"
										: "per-report"));
	json_object_set_new(j, "enrichScope", json_string(scope_name(d->enrich_scope)));
	json_object_set_new(j, "cacheTtlSeconds", json_integer((json_int_t)d->cache_ttl_s));
	json_object_set_new(j, "timeoutMs", json_integer((json_int_t)d->timeout_ms));
	json_object_set_new(j, "judges", judges_json(d));
	json_object_set_new(j, "options", options_json(m));
	json_object_set_new(j, "rules", rules_json(m));
	return j;
}

/* ---- plugins --describe ------------------------------------------------- */

/* The range or the allowed values of o, as the config writes them. */
static void limits_text(const struct pg_option_spec *o, char *buf, size_t len)
{
	size_t used = 0;

	if (o->type != PG_OPT_ENUM && o->type != PG_OPT_ENUM_LIST) {
		pg_option_range_text(o, buf, len);
		return;
	}
	buf[0] = '\0';
	for (size_t i = 0; o->choices[i] && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? "|" : "",
					 o->choices[i]);
}

void pg_module_describe(const struct pg_module *m, FILE *out)
{
	const struct pg_plugin *d = &m->desc;
	char lim[256];

	fprintf(out, "%s %s (%s, ABI %u.%u)\n  %s\n\n", d->name, d->version,
		pg_plugin_kind_name(d->kind), d->abi_major, d->abi_minor, d->description);
	if (!m->nopts) {
		fputs("options: none\n", out);
		return;
	}
	fprintf(out, "%-22s %-10s %-22s %-24s %s\n", "OPTION", "TYPE", "DEFAULT", "RANGE/VALUES",
		"DESCRIPTION");
	for (size_t i = 0; i < m->nopts; i++) {
		const struct pg_option_spec *o = &m->opts[i];
		limits_text(o, lim, sizeof(lim));
		fprintf(out, "%-22s %-10s %-22s %-24s %s\n", o->name, pg_option_type_name(o->type),
			o->required ? "(required)"
			: o->def    ? o->def
				    : "-",
			lim[0] ? lim : "-", o->help ? o->help : "");
	}
}
