/* manifest_ports.c - port list fields: read from the manifest, written to
 * evidence. */
#include "config.h"
#include "manifest_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The scalar items of a list joined with ',' (caller frees), NULL when an
 * item is not a scalar. Parsing the joined text accepts exactly when every
 * item parses on its own, since the comma only separates items. */
static char *join_port_items(const struct pg_node *n)
{
	size_t i, len = 0, o = 0;
	char *spec;

	for (i = 0; i < n->n; i++) {
		if (n->items[i]->kind != PG_NODE_SCALAR)
			return NULL;
		len += strlen(n->items[i]->scalar) + 1;
	}
	spec = pg_xmalloc(len + 1);
	for (i = 0; i < n->n; i++) {
		size_t l = strlen(n->items[i]->scalar);

		if (i)
			spec[o++] = ',';
		memcpy(spec + o, n->items[i]->scalar, l);
		o += l;
	}
	spec[o] = '\0';
	return spec;
}

/* Ports: a list of numbers / "LOW-HIGH" strings, or one "80,443" string.
 * A list is parsed in one go (merging item by item was O(n^2): a list of
 * the 65,535 ports took 1.7 s); only when that fails are the items parsed
 * one by one, for messages that name the bad item and its line. */
bool pg_manifest_parse_ports(struct ctx *c, const struct pg_node *n, const char *where,
			     struct pg_portlist *out)
{
	char reason[128];
	struct pg_portlist one;
	bool bad_item = false;
	char *spec;
	size_t i;

	memset(out, 0, sizeof(*out));
	if (n->kind == PG_NODE_SCALAR) {
		if (pg_ports_parse(n->scalar, out, reason, sizeof(reason)))
			return true;
		pg_manifest_err(c, n, where, "%s", reason);
		return false;
	}
	if (n->kind != PG_NODE_SEQ) {
		pg_manifest_wrong_type(c, n, where, "a list of ports or a \"80,443\" string");
		return false;
	}
	if (n->n == 0)
		return true;
	spec = join_port_items(n); /* freed below */
	if (spec && pg_ports_parse(spec, out, reason, sizeof(reason))) {
		free(spec);
		return true;
	}
	free(spec);
	for (i = 0; i < n->n; i++) {
		const struct pg_node *it = n->items[i];

		if (it->kind != PG_NODE_SCALAR) {
			pg_manifest_wrong_type(c, it, where, "a port or a \"8000-8010\" range");
			bad_item = true;
		} else if (!pg_ports_parse(it->scalar, &one, reason, sizeof(reason))) {
			pg_manifest_err(c, it, where, "%s", reason);
			bad_item = true;
		} else {
			pg_ports_clear(&one);
		}
	}
	if (!bad_item) /* cannot happen (see join_port_items); never pass silently */
		pg_manifest_err(c, n, where, "invalid port list");
	return false;
}

/* One transport's ranges appended to arr: TCP single ports as numbers, runs of 3+
 * as "LOW-HIGH"; UDP ones as strings with "/udp" ("53/udp", "1000-1010/udp"). */
static void append_ranges(json_t *arr, const struct pg_port_range *r, size_t nr, bool udp)
{
	char buf[24];

	for (size_t i = 0; i < nr; i++) {
		unsigned lo = r[i].lo, hi = r[i].hi;

		if (hi - lo >= 2) {
			snprintf(buf, sizeof(buf), "%u-%u%s", lo, hi, udp ? "/udp" : "");
			json_array_append_new(arr, json_string(buf));
			continue;
		}
		for (unsigned p = lo; p <= hi; p++) {
			snprintf(buf, sizeof(buf), "%u/udp", p);
			json_array_append_new(arr, udp ? json_string(buf) : json_integer(p));
		}
	}
}

/* Sorted ports as JSON in the manifest's own syntax (TCP first, then UDP), so
 * evidence stays small and readable and reads back as the same set. */
json_t *pg_manifest_ports_json(const struct pg_portlist *pl)
{
	json_t *arr = json_array();

	append_ranges(arr, pl->r, pl->nr, false);
	append_ranges(arr, pl->udp.r, pl->udp.nr, true);
	return arr;
}
