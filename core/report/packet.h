/* packet.h - the investigation packet of a finding: its lines, built once.
 *
 * From a finding, its asset's context (the manifest fields after defaults, as
 * plugins get them in assetContext) and its asset's resolution, one line per
 * known aspect and nothing for an unknown one: which asset, what was exposed,
 * who owns it (plus lines enrichers add, e.g. a CMDB's on-call), the DNS chain,
 * the registration, the network, the TLS and header posture, what policy failed
 * and where the full evidence is:
 *   [{"name": "Asset", "value": "..."}, {"name": "Exposed", ...}, ...]
 * Each value is one line of raw (unescaped) text, bounded, so each writer
 * escapes it for its own format. The notification message (notify/message.h)
 * and the HTML report (render_html.c) both show these lines, so a chat
 * message and the report say the same thing (docs/notify.md). It sits in
 * report/ because the renderers sit below notify/. */
#ifndef PG_PACKET_H
#define PG_PACKET_H

#include <jansson.h>
#include <stddef.h>

#include "common/strbuf.h"

/* Bounds of the packet (docs/notify.md): every value and the title are cut to
 * them on a UTF-8 boundary, so a message fits every platform's limits. */
#define PG_PACKET_TITLE_MAX          240 /* bytes of the title */
#define PG_PACKET_TEXT_MAX           360 /* bytes of one line's value */
#define PG_PACKET_LABEL_MAX          24  /* bytes of an enricher's label */
#define PG_PACKET_LINES_PER_ENRICHER 4
#define PG_PACKET_PLUGIN_LINES       12 /* enricher lines in one packet */

/* The context of a report's asset (new object): its evidence "manifest" block,
 * name and target when that block lacks them (a report written by hand), its
 * manifest line and the run's manifest path. Plugins get it as a finding's
 * assetContext (ABI 1.1). */
json_t *pg_packet_asset_context_new(const json_t *report, const json_t *asset);

/* One line of untrusted text (new string): control characters, Unicode line
 * breaks and bidi overrides become spaces; cut at max bytes on a UTF-8
 * boundary with "..." appended. */
char *pg_packet_line_new(const char *s, size_t max);

/* b's string (new); a failed allocation aborts, as every core allocation does. */
char *pg_packet_strbuf_take(struct pg_strbuf *b);

/* "[FAIL] asset: reason", one line of at most PG_PACKET_TITLE_MAX bytes (new).
 * ctx may be NULL. */
char *pg_packet_title_new(const json_t *finding, const json_t *ctx);

/* The lines (new array of {"name", "value"}). ctx and resolution (the asset's
 * evidence "resolution") may be NULL; evidence_url may be NULL, run_id names
 * the run then. Enrichers contribute lines through
 * finding.enrichment.<instance>.message (include/portgate/plugin.h). */
json_t *pg_packet_fields_new(const json_t *finding, const json_t *ctx, const json_t *resolution,
			     const char *evidence_url, const char *run_id);

#endif
