/* message.h - the one message every notifier sends for a finding.
 *
 * From a finding (with assetContext and enrichment) and its asset's resolution
 * the packet answers, one line per aspect and nothing for an unknown one: which
 * asset changed, what was exposed, who owns it (plus lines enrichers add, e.g.
 * a CMDB's on-call), the DNS chain, the registration, the network, the TLS and
 * header posture, what policy failed and where the full evidence is:
 *   {"title": "...", "text": "...", "markdown": "...",
 *    "fields": [{"name": "Asset", "value": "..."}, ...], "evidenceUrl": "..."}
 * fields are the structured lines: each value one line of raw (unescaped) text,
 * bounded, so each notifier escapes it for its own format. The host adds the
 * packet to each finding of a notify event as finding.message, so chat, ticket
 * and SIEM notifiers all say the same thing (docs/notify.md). */
#ifndef PG_PACKET_H
#define PG_PACKET_H

#include <jansson.h>

/* Bounds of the packet (docs/notify.md): every value and the title are cut to
 * them on a UTF-8 boundary, so a message fits every platform's limits. */
#define PG_MESSAGE_TITLE_MAX          240 /* bytes of the title */
#define PG_MESSAGE_TEXT_MAX           360 /* bytes of one line's value */
#define PG_MESSAGE_LABEL_MAX          24  /* bytes of an enricher's label */
#define PG_MESSAGE_LINES_PER_ENRICHER 4
#define PG_MESSAGE_PLUGIN_LINES       12 /* enricher lines in one message */

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
