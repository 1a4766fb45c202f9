/* ticket_body.c - ticket text from the host's message packet: Markdown
 * (GitHub), plain text (Jira Server, ServiceNow) and ADF (Jira Cloud). */
#include "ticket.h"

#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <string.h>

static const json_t *packet(const json_t *f)
{
	return json_object_get(f, "message");
}

const char *ticket_title(const json_t *f)
{
	const char *s = json_string_value(json_object_get(packet(f), "title"));
	return s && *s ? s : "portgate finding";
}

/* GitHub refuses an issue body or comment over 65,536 characters; the packet
 * is bounded far below (docs/notify.md), this is the last guard. */
#define GITHUB_BODY_MAX 65000

static void cut_utf8(char *s, size_t max)
{
	size_t n = strlen(s);

	if (n <= max)
		return;
	while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
		max--;
	s[max] = '\0';
}

/* Jira Server renders wiki markup, where a registry name could start a link,
 * a mention or a macro: the lines go in a {noformat} block, the one construct
 * that shows text as is. Only "{noformat" itself could end it early: its brace
 * becomes a parenthesis. */
static const char *fstr(const json_t *fl, const char *k)
{
	const char *v = json_string_value(json_object_get(fl, k));
	return v ? v : "";
}

static char *jira_wiki_new(const json_t *p, const char *intro)
{
	const json_t *fl;
	size_t i, n = strlen(intro) + 64, len;
	char *s, *q;

	json_array_foreach(json_object_get(p, "fields"), i, fl)
	{
		n += strlen(fstr(fl, "name")) + strlen(fstr(fl, "value")) + 4;
	}
	if (!(s = malloc(n)))
		return NULL;
	len = (size_t)snprintf(s, n, "%s\n\n{noformat}\n", intro);
	q = s + len; /* what follows the opening is the packet's */
	json_array_foreach(json_object_get(p, "fields"), i, fl)
	{
		len += (size_t)snprintf(s + len, n - len, "%s: %s\n", fstr(fl, "name"),
					fstr(fl, "value"));
	}
	for (q = strstr(q, "{noformat"); q; q = strstr(q + 1, "{noformat"))
		*q = '(';
	snprintf(s + len, n - len, "{noformat}");
	return s;
}

/* A grouped ticket's reason: one line (control characters as spaces), cut at
 * GROUP_REASON_MAX bytes on a UTF-8 boundary; on GitHub a backtick becomes a
 * quote (the reason is a code span there). Written to out; returns the length. */
#define GROUP_REASON_MAX 360

static size_t put_reason(char *out, const char *s, enum ticket_system sys)
{
	size_t n = strlen(s), cut = n > GROUP_REASON_MAX ? GROUP_REASON_MAX : n, o = 0;

	while (cut < n && cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
		cut--;
	for (size_t i = 0; i < cut; i++) {
		char c = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? ' ' : s[i];
		out[o++] = sys == TS_GITHUB && c == '`' ? '\'' : c;
	}
	if (cut < n) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	return o;
}

static size_t put(char *out, const char *s)
{
	size_t n = strlen(s);

	memcpy(out, s, n);
	return n;
}

char *ticket_group_lines_new(const json_t *findings, enum ticket_system sys)
{
	int gh = sys == TS_GITHUB, wiki = sys == TS_JIRA_SERVER;
	size_t i, len = 32, o = 0;
	const json_t *f;
	char *out, *q;

	json_array_foreach(findings, i, f)
	{
		len += strlen(fstr(f, "rule")) + GROUP_REASON_MAX + 16;
	}
	if (!(out = malloc(len)))
		return NULL;
	o += put(out + o, wiki ? "{noformat}\n" : "");
	json_array_foreach(findings, i, f)
	{
		o += put(out + o, gh ? "- `" : "- ");
		o += put(out + o, fstr(f, "rule")); /* the rule-id grammar: nothing to escape */
		o += put(out + o, gh ? "`: `" : ": ");
		o += put_reason(out + o, fstr(f, "reason"), sys);
		o += put(out + o, gh ? "`\n" : "\n");
	}
	o += put(out + o, wiki ? "{noformat}" : "");
	out[o] = '\0';
	for (q = wiki ? strstr(out + 1, "{noformat") : NULL; q && q < out + o - 10;
	     q = strstr(q + 1, "{noformat"))
		*q = '('; /* only the closing one stays */
	return out;
}

/* ServiceNow journal fields (work_notes) render "[code]...[/code]" as HTML:
 * the bracket of every "[code" / "[/code" becomes a parenthesis. */
static void defuse_code_tag(char *s)
{
	for (char *p = strchr(s, '['); p; p = strchr(p + 1, '[')) {
		const char *t = p[1] == '/' ? p + 2 : p + 1;
		if (!strncasecmp(t, "code", 4))
			*p = '(';
	}
}

char *ticket_text_new(const json_t *f, const char *intro, enum ticket_system sys)
{
	const char *body;
	size_t n;
	char *s;

	if (sys == TS_JIRA_SERVER)
		return jira_wiki_new(packet(f), intro);
	/* GitHub: the packet's Markdown (every value in a code span, so no heading,
	 * link, image or @mention comes alive); ServiceNow and Jira Cloud comments:
	 * plain text, which they show as is */
	body = json_string_value(
		json_object_get(packet(f), sys == TS_GITHUB ? "markdown" : "text"));
	n = strlen(intro) + (body ? strlen(body) : 0) + 64;
	if ((s = malloc(n))) {
		snprintf(s, n, "%s\n\n%s", intro, body ? body : "");
		cut_utf8(s, GITHUB_BODY_MAX);
		if (sys == TS_SERVICENOW)
			defuse_code_tag(s);
	}
	return s;
}

static json_t *text_node(const char *s, int strong, const char *href)
{
	json_t *n = json_pack("{s:s, s:s}", "type", "text", "text", s && *s ? s : "-");

	if (strong)
		json_object_set_new(n, "marks", json_pack("[{s:s}]", "type", "strong"));
	else if (href)
		json_object_set_new(
			n, "marks",
			json_pack("[{s:s, s:{s:s}}]", "type", "link", "attrs", "href", href));
	return n;
}

json_t *ticket_adf_text_new(const char *text)
{
	return json_pack("{s:s, s:i, s:[{s:s, s:[o]}]}", "type", "doc", "version", 1, "content",
			 "type", "paragraph", "content", text_node(text, 0, NULL));
}

/* doc: intro paragraph, then a bullet list "Name: value" of the packet fields. */
json_t *ticket_adf_new(const json_t *f, const char *intro)
{
	json_t *items = json_array(), *fl;
	size_t i;

	json_array_foreach(json_object_get(packet(f), "fields"), i, fl)
	{
		const char *name = json_string_value(json_object_get(fl, "name"));
		const char *value = json_string_value(json_object_get(fl, "value"));
		int link = name && !strcmp(name, "Evidence") && value &&
			   (!strncmp(value, "https://", 8) || !strncmp(value, "http://", 7));
		char label[64];

		snprintf(label, sizeof(label), "%s: ", name ? name : "?");
		json_array_append_new(items, json_pack("{s:s, s:[{s:s, s:[o, o]}]}", "type",
						       "listItem", "content", "type", "paragraph",
						       "content", text_node(label, 1, NULL),
						       text_node(value, 0, link ? value : NULL)));
	}
	return json_pack("{s:s, s:i, s:[{s:s, s:[o]}, {s:s, s:o}]}", "type", "doc", "version", 1,
			 "content", "type", "paragraph", "content", text_node(intro, 0, NULL),
			 "type", "bulletList", "content", items);
}
