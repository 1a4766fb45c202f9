/* doc.h - YAML or JSON file -> a small node tree that remembers line numbers.
 *
 * Both the manifest and the config file go through this loader, so every error
 * can name file:line. YAML is parsed with libyaml; a *.json file is first
 * checked strictly with jansson (so JSON syntax errors are JSON errors) and then
 * read through the same tree. Anchors/aliases are refused (billion-laughs). */
#ifndef PG_DOC_H
#define PG_DOC_H

#include <stdbool.h>
#include <stddef.h>
#include "util/util.h"

enum pg_node_kind { PG_NODE_NULL, PG_NODE_SCALAR, PG_NODE_SEQ, PG_NODE_MAP };

struct pg_node {
	enum pg_node_kind kind;
	int line, col;          /* 1-based position in the source */
	char *scalar;           /* SCALAR: the text (owned) */
	bool quoted;            /* SCALAR: was quoted, so it is a string, never a number/bool */
	size_t n;               /* SEQ: item count; MAP: pair count */
	struct pg_node **items; /* SEQ items / MAP values (owned) */
	struct pg_node **keys;  /* MAP keys, always scalars (owned) */
};

struct pg_doc {
	char *path;           /* owned, as given */
	struct pg_node *root; /* owned; NULL for an empty document */
	char sha256[65];      /* of the bytes read: stdin ("-") cannot be read twice */
};

/* Load path (at most 16 MiB, nesting at most 64 deep). On error returns NULL
 * and adds "path:line: ..." to diag. Plain null, ~ and empty values become
 * PG_NODE_NULL nodes; an empty or blank file gives a doc with root NULL.
 * Refused: anchors, aliases, merge keys (<<), tags other than !!str (which
 * marks a scalar as quoted), duplicate keys, more than one document. */
struct pg_doc *pg_doc_load(const char *path, struct pg_diag *diag);
void pg_doc_free(struct pg_doc *doc);

/* Borrowed child of a MAP by key, NULL when absent or node is not a map. */
const struct pg_node *pg_node_get(const struct pg_node *map, const char *key);
const char *pg_node_kind_name(enum pg_node_kind k); /* "a string", "a list", ... */
/* Like pg_node_kind_name but tells unquoted scalars apart for messages:
 * "a number", "a boolean", "a string", "a list", "a map", "null". */
const char *pg_node_type_name(const struct pg_node *n);

/* Typed scalar reads; false when the node is not of that type.
 * str: any scalar (quoted or not). uint: unquoted decimal digits only, <= max.
 * bool: unquoted true or false only. */
bool pg_node_str(const struct pg_node *n, const char **out);
bool pg_node_uint(const struct pg_node *n, unsigned long max, unsigned long *out);
bool pg_node_bool(const struct pg_node *n, bool *out);

#endif
