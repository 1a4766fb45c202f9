/* plugin_context.c - the view of a finding a plugin gets (ABI 1.1): a copy of
 * the evidence finding with "assetContext", the asset's manifest fields after
 * defaults (evidence assets[].manifest) plus its manifest line and path. Built
 * here once, so enrich() and every notify event see the same object. */
#include "config.h"
#include "plugin_int.h"

#include "util/util.h"

json_t *pg_asset_context_new(const json_t *report, const json_t *asset)
{
	const json_t *fields = json_object_get(asset, "manifest");
	const json_t *line = json_object_get(asset, "line");
	const char *path = json_string_value(
		json_object_get(json_object_get(report, "run"), "manifest"));
	json_t *ctx = json_is_object(fields) ? json_deep_copy(fields) : json_object();

	/* a report written by hand (tests, plugin-test) may lack the manifest block */
	if (!json_object_get(ctx, "name") && json_is_string(json_object_get(asset, "name")))
		json_object_set(ctx, "name", json_object_get(asset, "name"));
	if (!json_object_get(ctx, "target") && json_is_string(json_object_get(asset, "target")))
		json_object_set(ctx, "target", json_object_get(asset, "target"));
	if (json_is_integer(line))
		json_object_set(ctx, "line", (json_t *)line);
	if (path)
		json_object_set_new(ctx, "manifest", json_string(path));
	return ctx;
}

json_t *pg_plugin_finding_new(const json_t *report, const json_t *asset, const json_t *finding)
{
	json_t *f = json_deep_copy(finding);

	json_object_set_new(f, "assetContext", pg_asset_context_new(report, asset));
	return f;
}
