/* webhook_format.c - Slack Block Kit and Teams adaptive card bodies. */
#include "webhook_format.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Slack: at most 50 blocks per message, 10 fields per section, 3000 chars per
 * text and 150 per header (api.slack.com/reference/block-kit/blocks). */
#define SLACK_MAX_FINDINGS 20
#define SLACK_TEXT_MAX     2900
#define SLACK_HEADER_MAX   150
#define TEAMS_MAX_FINDINGS 25

int webhook_format_parse(const char *name)
{
	if (!name || !strcmp(name, "json"))
		return WH_JSON;
	if (!strcmp(name, "slack"))
		return WH_SLACK;
	if (!strcmp(name, "teams"))
		return WH_TEAMS;
	return -1;
}

json_t *webhook_event_findings(const json_t *event)
{
	json_t *one = json_object_get(event, "finding");

	if (json_is_object(one))
		return json_pack("[O]", one);
	return json_deep_copy(json_object_get(event, "findings"));
}

static const char *msg_str(const json_t *finding, const char *key)
{
	const char *s = json_string_value(
		json_object_get(json_object_get(finding, "message"), key));
	return s ? s : "";
}

/* Slack mrkdwn needs &, < and > escaped (they start entities and links);
 * the result is cut at max bytes on a UTF-8 boundary. New string. */
static char *slack_escape_new(const char *s, size_t max)
{
	size_t cap = strlen(s) * 5 + 1, n = 0;
	char *out = malloc(cap);

	if (!out)
		return NULL;
	for (; *s; s++) {
		const char *rep = *s == '&'   ? "&amp;"
				  : *s == '<' ? "&lt;"
				  : *s == '>' ? "&gt;"
					      : NULL;
		size_t rl = rep ? strlen(rep) : 1;
		if (n + rl > max)
			break;
		memcpy(out + n, rep ? rep : s, rl);
		n += rl;
	}
	/* cut inside a character: back off to its first byte (bytes map 1:1 there) */
	while (n > 0 && *s && ((unsigned char)*s & 0xC0) == 0x80) {
		n--;
		s--;
	}
	out[n] = '\0';
	return out;
}

static json_t *mrkdwn(const char *label, const char *value)
{
	char *v = slack_escape_new(value, SLACK_TEXT_MAX);
	char *l = slack_escape_new(label, 100);
	size_t len = strlen(v) + strlen(l) + 8;
	char *text = malloc(len);
	json_t *o;

	snprintf(text, len, label[0] ? "*%s*\n%s" : "%s%s", l, v);
	o = json_pack("{s:s, s:s}", "type", "mrkdwn", "text", text);
	free(text);
	free(v);
	free(l);
	return o;
}

static json_t *slack_section(const json_t *finding)
{
	json_t *fields = json_array(), *fl;
	const json_t *msg = json_object_get(finding, "message");
	size_t i;

	json_array_foreach(json_object_get(msg, "fields"), i, fl)
	{
		if (json_array_size(fields) == 10)
			break;
		json_array_append_new(fields,
				      mrkdwn(json_string_value(json_object_get(fl, "name")),
					     json_string_value(json_object_get(fl, "value"))));
	}
	return json_pack("{s:s, s:o, s:o}", "type", "section", "text",
			 mrkdwn("", msg_str(finding, "title")), "fields", fields);
}

static char *summary_new(const json_t *event, size_t n)
{
	const char *run = json_string_value(json_object_get(json_object_get(event, "run"), "id"));
	char *s = malloc(SLACK_HEADER_MAX + 1);

	if (s)
		snprintf(s, SLACK_HEADER_MAX + 1, "portgate: %zu finding%s to act on (run %s)", n,
			 n == 1 ? "" : "s", run ? run : "?");
	return s;
}

static json_t *slack_body(const json_t *event, const json_t *findings)
{
	size_t n = json_array_size(findings), i;
	json_t *blocks = json_array(), *f;
	char *head = summary_new(event, n), *fallback;

	json_array_append_new(blocks, json_pack("{s:s, s:{s:s, s:s}}", "type", "header", "text",
						"type", "plain_text", "text", head));
	json_array_foreach(findings, i, f)
	{
		if (i == SLACK_MAX_FINDINGS) {
			char more[64];
			snprintf(more, sizeof(more), "and %zu more in the evidence", n - i);
			json_array_append_new(blocks, json_pack("{s:s, s:[o]}", "type", "context",
								"elements", mrkdwn("", more)));
			break;
		}
		json_array_append_new(blocks, json_pack("{s:s}", "type", "divider"));
		json_array_append_new(blocks, slack_section(f));
	}
	/* "text" is what notifications and screen readers show */
	fallback = n == 1 ? slack_escape_new(msg_str(json_array_get(findings, 0), "title"),
					     SLACK_TEXT_MAX)
			  : slack_escape_new(head, SLACK_TEXT_MAX);
	f = json_pack("{s:s, s:o}", "text", fallback, "blocks", blocks);
	free(fallback);
	free(head);
	return f;
}

static json_t *teams_facts(const json_t *finding)
{
	json_t *facts = json_array(), *fl;
	size_t i;

	json_array_foreach(json_object_get(json_object_get(finding, "message"), "fields"), i, fl)
	{
		json_array_append_new(facts,
				      json_pack("{s:O, s:O}", "title", json_object_get(fl, "name"),
						"value", json_object_get(fl, "value")));
	}
	return json_pack("{s:s, s:o}", "type", "FactSet", "facts", facts);
}

static json_t *teams_body(const json_t *event, const json_t *findings)
{
	size_t n = json_array_size(findings), i;
	json_t *body = json_array(), *actions = json_array(), *f, *card;
	char *head = summary_new(event, n);
	const char *url = NULL;

	json_array_append_new(body,
			      json_pack("{s:s, s:s, s:s, s:s, s:b}", "type", "TextBlock", "text",
					head, "weight", "Bolder", "size", "Medium", "wrap", 1));
	json_array_foreach(findings, i, f)
	{
		if (i == TEAMS_MAX_FINDINGS)
			break;
		json_array_append_new(body,
				      json_pack("{s:s, s:s, s:s, s:b, s:b}", "type", "TextBlock",
						"text", msg_str(f, "title"), "weight", "Bolder",
						"wrap", 1, "separator", 1));
		json_array_append_new(body, teams_facts(f));
		if (!url && *msg_str(f, "evidenceUrl"))
			url = msg_str(f, "evidenceUrl");
	}
	if (url)
		json_array_append_new(actions,
				      json_pack("{s:s, s:s, s:s}", "type", "Action.OpenUrl",
						"title", "Open the evidence", "url", url));
	card = json_pack("{s:s, s:s, s:s, s:o, s:o}", "$schema",
			 "http://adaptivecards.io/schemas/adaptive-card.json", "type",
			 "AdaptiveCard", "version", "1.4", "body", body, "actions", actions);
	free(head);
	return json_pack("{s:s, s:[{s:s, s:n, s:o}]}", "type", "message", "attachments",
			 "contentType", "application/vnd.microsoft.card.adaptive", "contentUrl",
			 "content", card);
}

char *webhook_body_new(enum webhook_format fmt, const json_t *event)
{
	json_t *findings, *body;
	char *s;

	if (fmt == WH_JSON)
		return json_dumps(event, JSON_COMPACT | JSON_SORT_KEYS);
	findings = webhook_event_findings(event);
	body = fmt == WH_SLACK ? slack_body(event, findings) : teams_body(event, findings);
	json_decref(findings);
	s = body ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	return s;
}
