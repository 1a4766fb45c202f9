/* ticket_body.c - ticket text from the host's message packet: Markdown
 * (GitHub), plain text (Jira Server, ServiceNow) and ADF (Jira Cloud). */
#include "ticket.h"

#include <stdio.h>
#include <stdlib.h>
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

char *ticket_text_new(const json_t *f, const char *intro, int markdown)
{
	const char *body = json_string_value(
		json_object_get(packet(f), markdown ? "markdown" : "text"));
	size_t n = strlen(intro) + (body ? strlen(body) : 0) + 64;
	char *s = malloc(n);

	if (s)
		snprintf(s, n, "%s\n\n%s", intro, body ? body : "");
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
