/* enrich_input.c - what an enricher is called with, built once for both a run
 * (enrich.c) and `portgate plugin-test enrich` (enrich_test.c), so the test
 * kit hands a plugin exactly the object a real check would. */
#include "config.h"
#include "enrich.h"

#include <string.h>

#include "common/json_get.h"
#include "plugin/plugin_instance.h"

/* The open port objects of the asset's scan of the finding's address (the
 * first scan when the finding has no address): the web enrichers (ssl,
 * headers) visit every open TLS/HTTP port of the asset, not only the one that
 * triggered the finding. A new array; empty when the asset was not scanned. */
static json_t *open_ports(const json_t *asset, const json_t *f)
{
	const char *ip = json_string_value(json_object_get(f, "ip"));
	const json_t *scan = json_object_get(asset, "scan"), *more, *s, *p;
	json_t *out = json_array();
	size_t i;

	more = json_object_get(asset, "additionalScans");
	if (ip && strcmp(pg_json_get_str_or(scan, "ip", ""), ip)) {
		scan = NULL;
		json_array_foreach(more, i, s) if (!strcmp(pg_json_get_str_or(s, "ip", ""), ip))
			scan = s;
	}
	json_array_foreach(json_object_get(scan, "ports"), i,
			   p) if (!strcmp(pg_json_get_str_or(p, "state", ""), "open"))
		json_array_append(out, (json_t *)p);
	return out;
}

json_t *pg_enrich_input_new(const json_t *report, const json_t *asset, const json_t *f)
{
	json_t *in = pg_plugin_finding_new(report, asset, f);

	/* A run calls every enricher before any result is merged: a finding
	 * replayed from evidence must not show the plugin what it answered then. */
	json_object_del(in, "enrichment");
	json_object_set_new(in, "openPorts", open_ports(asset, f));
	return in;
}
