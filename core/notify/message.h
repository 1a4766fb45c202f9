/* message.h - the one message every notifier sends for a finding.
 *
 * From a finding (with assetContext and enrichment) the packet says which
 * asset changed, what was exposed, who owns it, which network served it,
 * what policy failed and where the full evidence is:
 *   {"title": "...", "text": "...", "markdown": "...",
 *    "fields": [{"name": "Asset", "value": "..."}, ...], "evidenceUrl": "..."}
 * The host adds it to each finding of a notify event as finding.message, so
 * chat, ticket and SIEM notifiers all say the same thing (docs/notify.md). */
#ifndef PG_PACKET_H
#define PG_PACKET_H

#include <jansson.h>

/* Expand ${NAME} references from the environment (names [A-Za-z_][A-Za-z0-9_]*).
 * Returns a new string, or NULL when a referenced variable is unset or empty
 * (a link with a hole in it would mislead) or the template is malformed. */
char *pg_message_url_new(const char *tmpl);

/* The packet for one finding (new object). evidence_url may be NULL; run_id
 * names the run when there is no URL. */
json_t *pg_message_new(const json_t *finding, const char *evidence_url, const char *run_id);

#endif
