/* webhook_format.c - Slack Block Kit and Teams adaptive card bodies. */
#include "webhook_format.h"
#include "common/json_get.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Slack: at most 50 blocks per message, 10 fields per section, 3000 chars per
 * text and 150 per header (api.slack.com/reference/block-kit/blocks). */
#define SLACK_MAX_FINDINGS 20 /* header + 2 blocks each + "more": 42 of 50 */
#define SLACK_TEXT_MAX     3000
#define SLACK_LINE_MAX     2000 /* one escaped line (a packet value is <= 360 bytes) */
#define SLACK_HEADER_MAX   150
#define SLACK_MORE         "\n_more in the evidence_"
/* Teams refuses a card over about 28 KB: findings are added while the
 * serialised body stays under this. */
#define TEAMS_MAX_FINDINGS 25
#define TEAMS_CARD_BUDGET  24000

/* Text in a caller's fixed array: appends that do not fit are refused whole,
 * so a Slack text never passes its limit. */
struct wh_text {
	char *d;
	size_t len, cap; /* cap counts the NUL */
};

static int wh_add(struct wh_text *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap)
		return -1;
	memcpy(b->d + b->len, s, n);
	b->len += n;
	b->d[b->len] = '\0';
	return 0;
}

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

/* Slack mrkdwn needs &, < and > escaped (they start entities, links and
 * mentions). With code set the text goes in an inline code span (a backtick
 * becomes a quote), where Slack neither formats nor links it. Appended to b,
 * cut on a UTF-8 boundary where b is full. */
static void slack_escape(struct wh_text *b, const char *s, int code)
{
	size_t keep = b->cap;

	if (code && b->cap - b->len > 2) {
		b->cap--; /* room for the closing backtick */
		wh_add(b, "`", 1);
	}
	for (; *s; s++) {
		const char *rep = *s == '&'           ? "&amp;"
				  : *s == '<'         ? "&lt;"
				  : *s == '>'         ? "&gt;"
				  : code && *s == '`' ? "'"
						      : NULL;
		if (wh_add(b, rep ? rep : s, rep ? strlen(rep) : 1) < 0)
			break;
	}
	/* cut inside a character: back off to its first byte (bytes map 1:1 there) */
	while (b->len > 0 && *s && ((unsigned char)*s & 0xC0) == 0x80) {
		b->len--;
		s--;
	}
	b->d[b->len] = '\0';
	if (b->cap != keep) {
		b->cap = keep;
		wh_add(b, "`", 1);
	}
}

static char *slack_escape_new(const char *s, size_t max)
{
	struct wh_text b = { malloc(max + 1), 0, max + 1 };

	if (b.d) {
		b.d[0] = '\0';
		slack_escape(&b, s, 0);
	}
	return b.d;
}

static json_t *mrkdwn(const char *text)
{
	return json_pack("{s:s, s:s}", "type", "mrkdwn", "text", text);
}

/* The evidence link, when it is a URL Slack's <...> can hold as is. */
static int slack_link(const char *name, const char *value)
{
	return name && value && !strcmp(name, "Evidence") &&
	       (!strncmp(value, "https://", 8) || !strncmp(value, "http://", 7)) &&
	       strlen(value) < 1000 && !strpbrk(value, "<>| `");
}

/* One section per finding: the title in bold, then "*Label*: `value`" per
 * line while the section stays within Slack's 3000 characters (counted here
 * in bytes, which is stricter); what does not fit is in the evidence. */
static json_t *slack_section(const json_t *finding)
{
	const json_t *msg = json_object_get(finding, "message"), *fl;
	char text[SLACK_TEXT_MAX + 1], one[SLACK_LINE_MAX];
	/* room kept for SLACK_MORE until a line does not fit */
	struct wh_text b = { text, 0, sizeof(text) - (sizeof(SLACK_MORE) - 1) };
	struct wh_text title = { one, 0, 600 };
	size_t i;

	text[0] = one[0] = '\0';
	slack_escape(&title, msg_str(finding, "title"), 0);
	wh_add(&b, "*", 1);
	wh_add(&b, one, title.len);
	wh_add(&b, "*", 1);
	json_array_foreach(json_object_get(msg, "fields"), i, fl)
	{
		const char *name = json_string_value(json_object_get(fl, "name"));
		const char *value = json_string_value(json_object_get(fl, "value"));
		struct wh_text line = { one, 0, sizeof(one) };
		wh_add(&line, "\n*", 2);
		slack_escape(&line, name ? name : "?", 0); /* labels are plain already */
		wh_add(&line, "*: ", 3);
		if (slack_link(name, value)) { /* the host's URL (notify.evidenceUrl) */
			wh_add(&line, "<", 1);
			wh_add(&line, value, strlen(value));
			wh_add(&line, ">", 1);
		} else {
			slack_escape(&line, value ? value : "", 1);
		}
		if (wh_add(&b, one, line.len) < 0) {
			b.cap = sizeof(text);
			wh_add(&b, SLACK_MORE, sizeof(SLACK_MORE) - 1);
			break;
		}
	}
	/* verbatim: no auto-linking of bare URLs or names in the title either */
	return json_pack("{s:s, s:{s:s, s:s, s:b}}", "type", "section", "text", "type", "mrkdwn",
			 "text", text, "verbatim", 1);
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
								"elements", mrkdwn(more)));
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

/* Teams renders a Markdown subset in TextBlocks and facts (emphasis, lists,
 * links; CommonMark backslash escapes): each character that could start one
 * gets a backslash, and so does a list marker at the start (values are one
 * line), so a name cannot become a link, a list or emphasis. New string. */
static char *teams_escape_new(const char *s)
{
	char *out = malloc(strlen(s) * 2 + 1), *o = out;
	const char *p = s;

	if (!out)
		return NULL;
	while (*p >= '0' && *p <= '9')
		p++;
	for (const char *c = s; *c; c++) {
		if (strchr("\\*_[]~`#<>", *c) || (c == s && (*c == '-' || *c == '+')) ||
		    (c == p && p > s && *c == '.'))
			*o++ = '\\';
		*o++ = *c;
	}
	*o = '\0';
	return out;
}

static json_t *teams_text(const char *s, int title)
{
	char *e = teams_escape_new(s);
	json_t *o = json_pack("{s:s, s:s, s:b}", "type", "TextBlock", "text", e ? e : "", "wrap",
			      1);

	if (title) {
		json_object_set_new(o, "weight", json_string("Bolder"));
		json_object_set_new(o, "separator", json_true());
	}
	free(e);
	return o;
}

static json_t *teams_facts(const json_t *finding)
{
	json_t *facts = json_array(), *fl;
	size_t i;

	json_array_foreach(json_object_get(json_object_get(finding, "message"), "fields"), i, fl)
	{
		const char *v = json_string_value(json_object_get(fl, "value"));
		char *e = teams_escape_new(v ? v : "");
		json_array_append_new(facts,
				      json_pack("{s:O, s:s}", "title", json_object_get(fl, "name"),
						"value", e ? e : ""));
		free(e);
	}
	return json_pack("{s:s, s:o}", "type", "FactSet", "facts", facts);
}

/* Bytes a block adds to the serialised card. */
static size_t json_size(const json_t *o)
{
	return json_dumpb(o, NULL, 0, JSON_COMPACT) + 1;
}

static json_t *teams_body(const json_t *event, const json_t *findings)
{
	size_t n = json_array_size(findings), i, used = 1024;
	json_t *body = json_array(), *actions = json_array(), *f, *card;
	char *head = summary_new(event, n);
	const char *url = NULL;

	json_array_append_new(body,
			      json_pack("{s:s, s:s, s:s, s:s, s:b}", "type", "TextBlock", "text",
					head, "weight", "Bolder", "size", "Medium", "wrap", 1));
	json_array_foreach(findings, i, f)
	{
		json_t *t = teams_text(msg_str(f, "title"), 1), *facts = teams_facts(f);
		used += json_size(t) + json_size(facts);
		if (i == TEAMS_MAX_FINDINGS || used > TEAMS_CARD_BUDGET) {
			char more[64];
			json_decref(t);
			json_decref(facts);
			snprintf(more, sizeof(more), "and %zu more in the evidence", n - i);
			json_array_append_new(body, teams_text(more, 0));
			break;
		}
		json_array_append_new(body, t);
		json_array_append_new(body, facts);
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
	s = body ? json_dumps(body, JSON_COMPACT | PG_JSON_REAL) : NULL;
	json_decref(body);
	return s;
}
