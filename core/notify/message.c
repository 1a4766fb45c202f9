/* message.c - render the notification message of a finding (see message.h). */
#include "config.h"
#include "message.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/json_get.h"
#include "common/strbuf.h"
#include "report/packet.h"
#include "util/util.h"

/* ---- the evidence URL template ------------------------------------------ */

static bool env_name_char(int c, bool first)
{
	return isalpha(c) || c == '_' || (!first && isdigit(c));
}

char *pg_message_url_new(const char *tmpl)
{
	size_t cap = 0, len = 0;
	char *out = NULL;

	if (!tmpl)
		return NULL;
	pg_grow(&out, &cap, 1, 1);
	for (const char *p = tmpl; *p;) {
		const char *add = p, *v;
		size_t alen = 1;

		if (p[0] == '$' && p[1] == '{') {
			const char *e = p + 2;
			char *name;
			while (env_name_char((unsigned char)*e, e == p + 2))
				e++;
			if (*e != '}' || e == p + 2)
				goto bad;
			name = pg_xstrndup(p + 2, (size_t)(e - p - 2));
			v = getenv(name);
			free(name);
			if (!v || !*v)
				goto bad;
			add = v;
			alen = strlen(v);
			p = e + 1;
		} else {
			p++;
		}
		pg_grow(&out, &cap, len + alen + 1, 1);
		memcpy(out + len, add, alen);
		len += alen;
	}
	out[len] = '\0';
	return out;
bad:
	free(out);
	return NULL;
}

/* ---- text and markdown ------------------------------------------------------ */

/* Markdown: values are untrusted, so each goes in a code span (backticks in it
 * become quotes); a URL stays a link. */
static void md_code(struct pg_strbuf *b, const char *v)
{
	pg_strbuf_add(b, "`");
	for (const char *p = v; *p; p++)
		pg_strbuf_addn(b, *p == '`' ? "'" : p, 1);
	pg_strbuf_add(b, "`");
}

static void render(const json_t *fields, const char *title, json_t *packet)
{
	struct pg_strbuf t = { 0 }, m = { 0 };
	char *text, *md;
	size_t i;
	json_t *fl;

	pg_strbuf_add(&m, "**");
	md_code(&m, title);
	pg_strbuf_add(&m, "**\n\n");
	json_array_foreach(fields, i, fl)
	{
		const char *name = pg_json_get_str(fl, "name"),
			   *value = pg_json_get_str(fl, "value");
		bool link = !strcmp(name, "Evidence") &&
			    (!strncmp(value, "https://", 8) || !strncmp(value, "http://", 7));
		pg_strbuf_add(&t, name);
		pg_strbuf_add(&t, ": ");
		pg_strbuf_add(&t, value);
		pg_strbuf_add(&t, "\n");
		pg_strbuf_add(&m, "- **");
		pg_strbuf_add(&m, name);
		pg_strbuf_add(&m, "**: ");
		if (link) {
			pg_strbuf_add(&m, "<");
			pg_strbuf_add(&m, value);
			pg_strbuf_add(&m, ">");
		} else {
			md_code(&m, value);
		}
		pg_strbuf_add(&m, "\n");
	}
	text = pg_packet_strbuf_take(&t);
	md = pg_packet_strbuf_take(&m);
	json_object_set_new(packet, "text", json_string(text));
	json_object_set_new(packet, "markdown", json_string(md));
	free(text);
	free(md);
}

json_t *pg_message_new(const json_t *f, const json_t *resolution, const char *evidence_url,
		       const char *run_id)
{
	const json_t *ctx = json_object_get(f, "assetContext");
	char *title = pg_packet_title_new(f, ctx);
	json_t *fields = pg_packet_fields_new(f, ctx, resolution, evidence_url, run_id);
	json_t *packet = json_pack("{s:s, s:o}", "title", title, "fields", fields);

	render(fields, title, packet);
	if (evidence_url)
		json_object_set_new(packet, "evidenceUrl", json_string(evidence_url));
	free(title);
	return packet;
}
