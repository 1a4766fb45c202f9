/* plugin_context.c - the view of a finding a plugin gets (ABI 1.1): a copy of
 * the evidence finding with "assetContext", the asset's manifest fields after
 * defaults (evidence assets[].manifest) plus its manifest line and path
 * (report/packet.h builds it, for the HTML report too). Built here once, so
 * enrich() and every notify event see the same object. */
#include "config.h"
#include "plugin_int.h"

#include "report/packet.h"
#include "util/util.h"

json_t *pg_plugin_finding_new(const json_t *report, const json_t *asset, const json_t *finding)
{
	json_t *f = json_deep_copy(finding);

	json_object_set_new(f, "assetContext", pg_packet_asset_context_new(report, asset));
	return f;
}
