/* fuzz_manifest.c - pg_doc_load + pg_manifest_load on the input written to a
 * file, once as .yaml and once as .json (the loader picks the syntax by name). */
#include "config.h"

#include "doc/doc.h"
#include "manifest/manifest.h"
#include "fuzz_common.h"

/* Walk the tree and use every accessor, so a malformed node (NULL key, NULL
 * scalar, item count beyond the array) shows up as an ASan report here. */
static void walk(const struct pg_node *n)
{
	const char *s;
	unsigned long u;
	bool b;

	if (!n)
		return;
	(void)pg_node_type_name(n);
	(void)pg_node_str(n, &s);
	(void)pg_node_uint(n, 65535, &u);
	(void)pg_node_bool(n, &b);
	if (n->kind == PG_NODE_SCALAR && !n->scalar)
		abort();
	for (size_t i = 0; i < n->n; i++) {
		if (n->kind == PG_NODE_MAP) {
			if (!n->keys[i] || n->keys[i]->kind != PG_NODE_SCALAR)
				abort();
			(void)pg_node_get(n, n->keys[i]->scalar);
		}
		walk(n->items[i]);
	}
}

static void run(const uint8_t *data, size_t size, const char *suffix)
{
	struct pg_diag diag = { 0 };
	const char *path = fuzz_write_file(data, size, suffix);
	struct pg_doc *doc = pg_doc_load(path, &diag);
	struct pg_manifest *m;

	if (doc) {
		walk(doc->root);
		pg_doc_free(doc);
	}
	pg_diag_clear(&diag);
	m = pg_manifest_load(path, &diag);
	/* Success and failure are exclusive: a manifest without diagnostics. */
	if (m && diag.n)
		abort();
	if (!m && !diag.n)
		abort();
	pg_manifest_free(m);
	pg_diag_clear(&diag);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	run(data, size, ".yaml");
	run(data, size, ".json");
	return 0;
}
