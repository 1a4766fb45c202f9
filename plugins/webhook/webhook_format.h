/* webhook_format.h - request bodies of the webhook notifier's formats.
 *
 *   json   the portgate event as is (docs/plugins/webhook.md, event version 1)
 *   slack  Slack incoming webhook: {"text": fallback, "blocks": [Block Kit]}
 *   teams  Microsoft Teams Workflows: a message with one adaptive card attachment
 * Each finding carries the host's message packet (finding.message); the chat
 * formats render only that, so every notifier says the same thing. */
#ifndef WEBHOOK_FORMAT_H
#define WEBHOOK_FORMAT_H

#include <jansson.h>

enum webhook_format { WH_JSON = 0, WH_SLACK = 1, WH_TEAMS = 2 };

/* -1 for an unknown name. */
int webhook_format_parse(const char *name);

/* The findings of an event (per report: event.findings; per finding: [finding]). New array. */
json_t *webhook_event_findings(const json_t *event);

/* Serialised body for the format (malloc'ed, NUL-terminated); NULL on failure. */
char *webhook_body_new(enum webhook_format fmt, const json_t *event);

#endif
