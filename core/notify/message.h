/* message.h - the one message every notifier sends for a finding.
 *
 * From a finding (with assetContext and enrichment) and its asset's resolution,
 * the packet's lines (report/packet.h, the one implementation the HTML report
 * shares) as a title, text, Markdown and fields:
 *   {"title": "...", "text": "...", "markdown": "...",
 *    "fields": [{"name": "Asset", "value": "..."}, ...], "evidenceUrl": "..."}
 * fields are the structured lines: each value one line of raw (unescaped) text,
 * bounded, so each notifier escapes it for its own format. The host adds the
 * packet to each finding of a notify event as finding.message, so chat, ticket
 * and SIEM notifiers all say the same thing (docs/notify.md). */
#ifndef PG_MESSAGE_H
#define PG_MESSAGE_H

#include <jansson.h>

/* The packet's bounds (docs/notify.md) are report/packet.h's PG_PACKET_*. */

/* Expand ${NAME} references from the environment (names [A-Za-z_][A-Za-z0-9_]*).
 * Returns a new string, or NULL when a referenced variable is unset or empty
 * (a link with a hole in it would mislead) or the template is malformed. */
char *pg_message_url_new(const char *tmpl);

/* The packet for one finding (new object). resolution is the asset's
 * (evidence "resolution": cnames, addresses) or NULL; evidence_url may be
 * NULL; run_id names the run when there is no URL. Enrichers contribute lines
 * through finding.enrichment.<instance>.message (include/portgate/plugin.h). */
json_t *pg_message_new(const json_t *finding, const json_t *resolution, const char *evidence_url,
		       const char *run_id);

#endif
