/* doc.c - YAML or JSON file -> struct pg_node tree with line numbers.
 *
 * We use libyaml's event API rather than its document loader because the
 * loader silently expands aliases (billion laughs) and keeps no per-node
 * duplicate-key check. Building the tree ourselves lets us refuse anchors,
 * aliases, merge keys, duplicate keys, unknown tags and deep nesting, each with
 * the line where it happens. */
#include "config.h"
#include "doc.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <yaml.h>

#define DOC_MAX_BYTES ((size_t)16 * 1024 * 1024)
#define DOC_MAX_DEPTH 64

#define TAG_STR "tag:yaml.org,2002:str"
#define TAG_SEQ "tag:yaml.org,2002:seq"
#define TAG_MAP "tag:yaml.org,2002:map"

/* One open collection while the tree is built. The node is already linked
 * into its parent (or is the root), so freeing the root frees everything. */
struct frame {
	struct pg_node *node;
	size_t cap;      /* allocated slots of node->items (and node->keys) */
	bool want_value; /* MAP: a key was read, its value comes next */
};

struct builder {
	const char *path;
	struct pg_diag *diag;
	struct pg_node *root; /* owned until handed to the pg_doc */
	struct frame stack[DOC_MAX_DEPTH];
	size_t depth;
	bool failed;
	bool seen_doc;
};

static void node_free(struct pg_node *n)
{
	size_t i;

	if (!n)
		return;
	for (i = 0; i < n->n; i++) {
		node_free(n->items[i]);
		if (n->keys)
			node_free(n->keys[i]);
	}
	free(n->items);
	free(n->keys);
	free(n->scalar);
	free(n);
}

static int mark_line(const yaml_mark_t *m)
{
	return (int)m->line + 1;
}

static void fail(struct builder *b, const yaml_mark_t *m, const char *msg, const char *arg)
{
	if (b->failed)
		return;
	b->failed = true;
	pg_diag_add(b->diag, b->path, mark_line(m), "%s%s%s%s", msg, arg ? " '" : "",
		    arg ? arg : "", arg ? "'" : "");
}

static bool is_null_text(const char *s)
{
	return !*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
	       !strcmp(s, "NULL");
}

static struct pg_node *node_new(enum pg_node_kind kind, const yaml_mark_t *m)
{
	struct pg_node *n = pg_xcalloc(1, sizeof(*n));

	n->kind = kind;
	n->line = mark_line(m);
	n->col = (int)m->column + 1;
	return n;
}

/* Link n (already allocated) under the innermost open collection. */
static void attach(struct builder *b, struct pg_node *n, const yaml_mark_t *m)
{
	struct frame *f;

	if (b->depth == 0) {
		if (b->root) { /* libyaml does not produce this; be safe anyway */
			node_free(n);
			fail(b, m, "more than one root value", NULL);
			return;
		}
		b->root = n;
		return;
	}
	f = &b->stack[b->depth - 1];
	if (f->node->kind == PG_NODE_MAP && f->want_value) {
		f->node->items[f->node->n - 1] = n;
		f->want_value = false;
		return;
	}
	if (f->node->kind == PG_NODE_MAP) {
		/* n is a key: keys and values share one slot index. */
		if (n->kind != PG_NODE_SCALAR) {
			node_free(n);
			fail(b, m, "map keys must be strings", NULL);
			return;
		}
		size_t old_cap = f->cap;

		pg_grow(&f->node->items, &f->cap, f->node->n + 1, sizeof(*f->node->items));
		if (f->cap != old_cap)
			f->node->keys = pg_xrealloc(f->node->keys, f->cap * sizeof(*f->node->keys));
		f->node->keys[f->node->n] = n;
		f->node->items[f->node->n] = NULL;
		f->node->n++;
		f->want_value = true;
		return;
	}
	pg_grow(&f->node->items, &f->cap, f->node->n + 1, sizeof(*f->node->items));
	f->node->items[f->node->n++] = n;
}

static bool in_key_position(const struct builder *b)
{
	const struct frame *f;

	if (b->depth == 0)
		return false;
	f = &b->stack[b->depth - 1];
	return f->node->kind == PG_NODE_MAP && !f->want_value;
}

static void on_scalar(struct builder *b, const yaml_event_t *ev)
{
	const char *text = (const char *)ev->data.scalar.value;
	const char *tag = (const char *)ev->data.scalar.tag;
	bool quoted = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
	bool key = in_key_position(b);
	struct pg_node *n;

	if (ev->data.scalar.anchor) {
		fail(b, &ev->start_mark,
		     "YAML anchors are not allowed:", (const char *)ev->data.scalar.anchor);
		return;
	}
	if (tag && strcmp(tag, TAG_STR)) {
		fail(b, &ev->start_mark, "YAML tags are not supported:", tag);
		return;
	}
	if (tag)
		quoted = true; /* !!str: a string even when it looks like a number */
	if (strlen(text) != ev->data.scalar.length) {
		fail(b, &ev->start_mark, "NUL character in a string", NULL);
		return;
	}
	if (key && !quoted && !strcmp(text, "<<")) {
		fail(b, &ev->start_mark, "YAML merge keys (<<) are not allowed", NULL);
		return;
	}
	if (!key && !quoted && is_null_text(text)) {
		n = node_new(PG_NODE_NULL, &ev->start_mark);
	} else {
		n = node_new(PG_NODE_SCALAR, &ev->start_mark);
		n->scalar = pg_xstrndup(text, ev->data.scalar.length);
		n->quoted = quoted;
	}
	attach(b, n, &ev->start_mark);
}

static void on_start(struct builder *b, const yaml_event_t *ev, enum pg_node_kind kind)
{
	const yaml_char_t *anchor = kind == PG_NODE_MAP ? ev->data.mapping_start.anchor
							: ev->data.sequence_start.anchor;
	const char *tag = (const char *)(kind == PG_NODE_MAP ? ev->data.mapping_start.tag
							     : ev->data.sequence_start.tag);
	struct pg_node *n;

	if (anchor) {
		fail(b, &ev->start_mark, "YAML anchors are not allowed:", (const char *)anchor);
		return;
	}
	if (tag && strcmp(tag, kind == PG_NODE_MAP ? TAG_MAP : TAG_SEQ)) {
		fail(b, &ev->start_mark, "YAML tags are not supported:", tag);
		return;
	}
	if (b->depth == DOC_MAX_DEPTH) {
		pg_diag_add(b->diag, b->path, mark_line(&ev->start_mark),
			    "nesting is deeper than %d levels", DOC_MAX_DEPTH);
		b->failed = true;
		return;
	}
	n = node_new(kind, &ev->start_mark);
	attach(b, n, &ev->start_mark);
	if (b->failed)
		return;
	b->stack[b->depth].node = n;
	b->stack[b->depth].cap = 0;
	b->stack[b->depth].want_value = false;
	b->depth++;
}

/* Duplicate keys: sort (key, index) pairs so a map with many keys costs
 * O(n log n); the tie-break on index makes the later copy the one reported. */
struct key_ref {
	const struct pg_node *key;
	size_t idx;
};

static int cmp_key_ref(const void *a, const void *b)
{
	const struct key_ref *x = a, *y = b;
	int c = strcmp(x->key->scalar, y->key->scalar);

	if (c)
		return c;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static void check_duplicates(struct builder *b, const struct pg_node *map)
{
	struct key_ref *refs;
	size_t i;

	if (map->n < 2)
		return;
	refs = pg_xmalloc(map->n * sizeof(*refs)); /* freed below */
	for (i = 0; i < map->n; i++) {
		refs[i].key = map->keys[i];
		refs[i].idx = i;
	}
	qsort(refs, map->n, sizeof(*refs), cmp_key_ref);
	for (i = 1; i < map->n; i++) {
		const struct pg_node *first = refs[i - 1].key, *dup = refs[i].key;

		if (strcmp(first->scalar, dup->scalar))
			continue;
		pg_diag_add(b->diag, b->path, dup->line, "duplicate key '%s' (first at line %d)",
			    dup->scalar, first->line);
		b->failed = true;
		/* A third copy is reported against the first one too. */
		refs[i].key = first;
	}
	free(refs);
}

static void on_end(struct builder *b)
{
	struct pg_node *n;

	if (b->depth == 0)
		return;
	n = b->stack[--b->depth].node;
	if (n->kind == PG_NODE_MAP)
		check_duplicates(b, n);
}

static void on_event(struct builder *b, const yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		if (b->seen_doc)
			fail(b, &ev->start_mark, "more than one YAML document in the file", NULL);
		b->seen_doc = true;
		break;
	case YAML_ALIAS_EVENT:
		fail(b, &ev->start_mark,
		     "YAML aliases are not allowed:", (const char *)ev->data.alias.anchor);
		break;
	case YAML_SCALAR_EVENT: on_scalar(b, ev); break;
	case YAML_SEQUENCE_START_EVENT: on_start(b, ev, PG_NODE_SEQ); break;
	case YAML_MAPPING_START_EVENT: on_start(b, ev, PG_NODE_MAP); break;
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT: on_end(b); break;
	default: break;
	}
}

static void syntax_error(struct builder *b, const yaml_parser_t *p)
{
	const yaml_mark_t *m = p->problem ? &p->problem_mark : &p->mark;

	b->failed = true;
	if (p->context)
		pg_diag_add(b->diag, b->path, mark_line(m),
			    "syntax error: %s (column %d, %s at line %d)",
			    p->problem ? p->problem : "invalid input", (int)m->column + 1,
			    p->context, mark_line(&p->context_mark));
	else
		pg_diag_add(b->diag, b->path, mark_line(m), "syntax error: %s (column %d)",
			    p->problem ? p->problem : "invalid input", (int)m->column + 1);
}

static bool parse_yaml(struct builder *b, const char *buf, size_t len)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	bool done = false;

	if (!yaml_parser_initialize(&parser)) {
		pg_diag_add(b->diag, b->path, 0, "cannot initialise the YAML parser");
		return false;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	while (!done && !b->failed) {
		if (!yaml_parser_parse(&parser, &ev)) {
			syntax_error(b, &parser);
			break;
		}
		on_event(b, &ev);
		done = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	return !b->failed;
}

/* JSON gets JSON's rules first (no comments, no trailing commas, strict
 * duplicates), so a .json file never accepts YAML-only syntax. */
static bool check_json(const char *path, const char *buf, size_t len, struct pg_diag *diag)
{
	json_error_t err;
	json_t *j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &err);

	if (j) {
		json_decref(j);
		return true;
	}
	pg_diag_add(diag, path, err.line > 0 ? err.line : 0, "JSON syntax error: %s (column %d)",
		    err.text, err.column);
	return false;
}

/* Length of the valid UTF-8 sequence at s (1-4), or 0 when it is not one
 * (stray continuation, overlong form, surrogate, above U+10FFFF, cut short). */
static size_t utf8_len(const unsigned char *s, size_t left)
{
	size_t n, i;
	unsigned long cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (left < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/* A raw NUL or a byte that is not UTF-8 is refused before parsing, at its own
 * line: libyaml's reader reports such bytes without a line (so at line 1), and
 * a NUL would end the text early. */
static bool check_bytes(const char *path, const char *buf, size_t len, struct pg_diag *diag)
{
	const unsigned char *u = (const unsigned char *)buf;
	size_t i = 0, line_start = 0;
	int line = 1;

	while (i < len) {
		size_t n = u[i] ? utf8_len(u + i, len - i) : 0;

		if (!n && !u[i]) {
			pg_diag_add(diag, path, line, "NUL byte (column %zu)", i - line_start + 1);
			return false;
		}
		if (!n) {
			pg_diag_add(diag, path, line, "invalid UTF-8 byte 0x%02x (column %zu)",
				    (unsigned)u[i], i - line_start + 1);
			return false;
		}
		if (u[i] == '\n')
			line++, line_start = i + 1;
		i += n;
	}
	return true;
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcasecmp(s + n - m, suffix);
}

static bool only_blanks(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!strchr(" \t\r\n", s[i]))
			return false;
	return true;
}

/* Read the file with a size cap; NULL with a message in diag on error. */
static char *read_doc(const char *path, size_t *len, struct pg_diag *diag)
{
	struct stat st;
	char *buf;

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		pg_diag_add(diag, path, 0, "is a directory, not a file");
		return NULL;
	}
	/* "-" is standard input (`-m -`), named "-" in messages */
	buf = pg_read_file(strcmp(path, "-") ? path : "/dev/stdin", DOC_MAX_BYTES, len);
	if (!buf && errno == EFBIG)
		pg_diag_add(diag, path, 0, "file is larger than %zu MiB", DOC_MAX_BYTES >> 20);
	else if (!buf)
		pg_diag_add(diag, path, 0, "cannot read: %s", strerror(errno));
	return buf;
}

struct pg_doc *pg_doc_load(const char *path, struct pg_diag *diag)
{
	struct builder b = { .path = path, .diag = diag };
	struct pg_doc *doc;
	size_t len;
	char *buf = read_doc(path, &len, diag); /* freed below */

	if (!buf)
		return NULL;
	if (!only_blanks(buf, len)) {
		/* Editors on Windows write a UTF-8 BOM; libyaml skips it, jansson not. */
		size_t bom = len >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3) ? 3 : 0;

		if (!check_bytes(path, buf, len, diag) ||
		    (has_suffix(path, ".json") && !check_json(path, buf + bom, len - bom, diag))) {
			free(buf);
			return NULL;
		}
		if (!parse_yaml(&b, buf, len)) {
			node_free(b.root);
			free(buf);
			return NULL;
		}
	}
	doc = pg_xcalloc(1, sizeof(*doc));
	pg_sha256_hex(buf, len, doc->sha256);
	free(buf);
	doc->path = pg_xstrdup(path);
	doc->root = b.root;
	return doc;
}

void pg_doc_free(struct pg_doc *doc)
{
	if (!doc)
		return;
	node_free(doc->root);
	free(doc->path);
	free(doc);
}

const struct pg_node *pg_node_get(const struct pg_node *map, const char *key)
{
	size_t i;

	if (!map || map->kind != PG_NODE_MAP)
		return NULL;
	for (i = 0; i < map->n; i++)
		if (!strcmp(map->keys[i]->scalar, key))
			return map->items[i];
	return NULL;
}

const char *pg_node_kind_name(enum pg_node_kind k)
{
	switch (k) {
	case PG_NODE_NULL: return "null";
	case PG_NODE_SCALAR: return "a string";
	case PG_NODE_SEQ: return "a list";
	case PG_NODE_MAP: return "a map";
	}
	return "unknown";
}

/* Only for messages ("expected a list, got a number"), so a rough test. */
static bool looks_numeric(const char *s)
{
	char *end;

	if (*s == '-' || *s == '+')
		s++;
	if (*s == '.')
		s++;
	if (*s < '0' || *s > '9')
		return false;
	(void)strtod(s, &end);
	return !*end;
}

const char *pg_node_type_name(const struct pg_node *n)
{
	if (!n)
		return "nothing";
	if (n->kind != PG_NODE_SCALAR || n->quoted)
		return pg_node_kind_name(n->kind);
	if (!strcmp(n->scalar, "true") || !strcmp(n->scalar, "false"))
		return "a boolean";
	if (looks_numeric(n->scalar))
		return "a number";
	return "a string";
}

bool pg_node_str(const struct pg_node *n, const char **out)
{
	if (!n || n->kind != PG_NODE_SCALAR)
		return false;
	*out = n->scalar;
	return true;
}

bool pg_node_uint(const struct pg_node *n, unsigned long max, unsigned long *out)
{
	if (!n || n->kind != PG_NODE_SCALAR || n->quoted)
		return false;
	return pg_parse_ulong(n->scalar, max, out);
}

bool pg_node_bool(const struct pg_node *n, bool *out)
{
	if (!n || n->kind != PG_NODE_SCALAR || n->quoted)
		return false;
	if (!strcmp(n->scalar, "true"))
		*out = true;
	else if (!strcmp(n->scalar, "false"))
		*out = false;
	else
		return false;
	return true;
}
