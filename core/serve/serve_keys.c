/* serve_keys.c - API keys: SHA-256 digests only, compared in constant time.
 *
 * Keys come from $PORTGATE_API_KEYS (comma-separated, every asset) and from the
 * keys file the settings name (YAML, see docs/serve.md):
 *   keys:
 *     - name: ci-web
 *       sha256: <64 hex digits of sha256(key)>
 *       assets: [web]           # optional: only these assets (by name)
 *       owners: [platform-web]  # optional: only assets with these owners
 * The plain key never reaches a log; the file never holds it. */
#include "config.h"
#include "serve_int.h"

#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "doc/doc.h"

static struct pg_api_key *key_add(struct pg_keyring *k)
{
	k->v = pg_xrealloc(k->v, (k->n + 1) * sizeof(*k->v));
	memset(&k->v[k->n], 0, sizeof(k->v[0]));
	return &k->v[k->n++];
}

/* Plain keys shorter than this are refused: a guessable key defeats the digest. */
#define PG_KEY_MIN_BYTES 16

/* The earlier key with the same digest, or NULL. */
static const struct pg_api_key *same_hash(const struct pg_keyring *k, const unsigned char h[32])
{
	for (size_t i = 0; i < k->n; i++)
		if (!memcmp(k->v[i].hash, h, 32))
			return &k->v[i];
	return NULL;
}

static void env_key(struct pg_keyring *k, const char *s, size_t len, unsigned idx,
		    struct pg_diag *d)
{
	unsigned char h[32];
	const struct pg_api_key *dup;
	struct pg_api_key *key;

	if (len < PG_KEY_MIN_BYTES) {
		pg_diag_add(d, NULL, 0,
			    "PORTGATE_API_KEYS: key #%u is %zu bytes, shorter than %d "
			    "(make one with: openssl rand -hex 24)",
			    idx, len, PG_KEY_MIN_BYTES);
		return;
	}
	SHA256((const unsigned char *)s, len, h);
	if ((dup = same_hash(k, h))) {
		pg_diag_add(d, NULL, 0, "PORTGATE_API_KEYS: key #%u is the same as %s", idx,
			    dup->name);
		return;
	}
	key = key_add(k);
	key->name = pg_xasprintf("env#%u", idx);
	memcpy(key->hash, h, sizeof(h));
}

static void load_env(struct pg_keyring *k, const char *env, struct pg_diag *d)
{
	const char *p = env;
	unsigned idx = 0;

	while (p && *p) {
		size_t len = strcspn(p, ",");
		const char *s = p, *e = p + len;

		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (e > s)
			env_key(k, s, (size_t)(e - s), ++idx, d);
		p += len + (p[len] == ',');
	}
}

static bool parse_hex32(const char *s, unsigned char out[32])
{
	if (strlen(s) != 64)
		return false;
	for (size_t i = 0; i < 32; i++) {
		char b[3] = { s[2 * i], s[2 * i + 1], 0 };
		char *end;
		if (!strchr("0123456789abcdefABCDEF", b[0]) ||
		    !strchr("0123456789abcdefABCDEF", b[1]))
			return false;
		out[i] = (unsigned char)strtoul(b, &end, 16);
	}
	return true;
}

static bool is_asset(const struct pg_manifest *m, const char *s)
{
	for (size_t i = 0; i < m->nassets; i++)
		if (!strcmp(m->assets[i].name, s))
			return true;
	return false;
}

static bool is_owner(const struct pg_manifest *m, const char *s)
{
	for (size_t i = 0; i < m->nassets; i++) {
		const char *o = pg_asset_owner(&m->assets[i]);
		if (o && !strcmp(o, s))
			return true;
	}
	return false;
}

/* A list of non-empty strings, NULL-terminated and owned; NULL on error. Each
 * must name something of the manifest: a restriction that matches nothing is a
 * typo, and would be read as a scope it is not. */
static char **read_list(const char *file, const struct pg_node *n, const char *what,
			const struct pg_manifest *m, struct pg_diag *d)
{
	bool owners = !strcmp(what, "owners");
	char **v;
	const char *s;

	if (n->kind != PG_NODE_SEQ || !n->n) {
		pg_diag_add(d, file, n->line, "keys[].%s: expected a non-empty list of strings",
			    what);
		return NULL;
	}
	v = pg_xcalloc(n->n + 1, sizeof(char *));
	for (size_t i = 0, j = 0; i < n->n; i++) {
		if (!pg_node_str(n->items[i], &s) || n->items[i]->kind != PG_NODE_SCALAR || !*s)
			pg_diag_add(d, file, n->items[i]->line,
				    "keys[].%s[]: expected a non-empty string", what);
		else if (!(owners ? is_owner(m, s) : is_asset(m, s)))
			pg_diag_add(
				d, file, n->items[i]->line,
				owners ? "keys[].owners: no asset of the manifest has owner '%s'"
				       : "keys[].assets: the manifest has no asset named '%s'",
				s);
		else
			v[j++] = pg_xstrdup(s);
	}
	return v;
}

/* One key, one scope: a digest or a name given twice is refused, else the
 * second entry would silently widen (or rename) the first. */
static void check_unique(const struct pg_keyring *k, const char *file, const struct pg_node *e,
			 const struct pg_api_key *key, struct pg_diag *d)
{
	const struct pg_api_key *dup = same_hash(k, key->hash);

	if (dup && dup->line)
		pg_diag_add(d, file, pg_node_get(e, "sha256")->line,
			    "keys[].sha256: the same digest as key '%s' at %s:%d", dup->name, file,
			    dup->line);
	else if (dup)
		pg_diag_add(d, file, pg_node_get(e, "sha256")->line,
			    "keys[].sha256: the same key as PORTGATE_API_KEYS %s", dup->name);
	for (size_t i = 0; i < k->n; i++)
		if (k->v[i].line && !strcmp(k->v[i].name, key->name))
			pg_diag_add(d, file, pg_node_get(e, "name")->line,
				    "keys[].name: '%s' is already used at %s:%d", key->name, file,
				    k->v[i].line);
}

static void check_keys(const char *file, const struct pg_node *e, struct pg_diag *d)
{
	for (size_t i = 0; i < e->n; i++) {
		const char *kk = e->keys[i]->scalar;
		if (strcmp(kk, "name") && strcmp(kk, "sha256") && strcmp(kk, "assets") &&
		    strcmp(kk, "owners"))
			pg_diag_add(d, file, e->keys[i]->line, "keys[]: unknown key '%s'", kk);
	}
}

static void read_entry(struct pg_keyring *k, const char *file, const struct pg_node *e,
		       const struct pg_manifest *m, struct pg_diag *d)
{
	const struct pg_node *name = pg_node_get(e, "name"), *hash = pg_node_get(e, "sha256");
	struct pg_api_key key = { .line = e->line };
	const char *s;

	if (e->kind != PG_NODE_MAP) {
		pg_diag_add(d, file, e->line, "keys[]: expected a map with name and sha256");
		return;
	}
	check_keys(file, e, d);
	if (!name || !pg_node_str(name, &s) || !*s || name->kind != PG_NODE_SCALAR) {
		pg_diag_add(d, file, e->line, "keys[].name: expected a non-empty string");
		return;
	}
	if (!hash || !pg_node_str(hash, &s) || !parse_hex32(s, key.hash)) {
		pg_diag_add(d, file, hash ? hash->line : e->line,
			    "keys[].sha256: expected 64 hex digits (sha256 of the key)");
		return;
	}
	pg_node_str(name, &s);
	key.name = pg_xstrdup(s);
	check_unique(k, file, e, &key, d); /* kept even when not: the load fails as a whole */
	if (pg_node_get(e, "assets"))
		key.assets = read_list(file, pg_node_get(e, "assets"), "assets", m, d);
	if (pg_node_get(e, "owners"))
		key.owners = read_list(file, pg_node_get(e, "owners"), "owners", m, d);
	*key_add(k) = key;
}

static void load_file(struct pg_keyring *k, const char *file, const struct pg_manifest *m,
		      struct pg_diag *d)
{
	struct pg_doc *doc = pg_doc_load(file, d);
	const struct pg_node *r, *list;

	if (!doc)
		return;
	r = doc->root;
	list = pg_node_get(r, "keys");
	if (!r || r->kind != PG_NODE_MAP || r->n != 1 || !list || list->kind != PG_NODE_SEQ)
		pg_diag_add(d, file, r ? r->line : 1,
			    "expected a map with one key, 'keys', a list");
	else
		for (size_t i = 0; i < list->n; i++)
			read_entry(k, file, list->items[i], m, d);
	pg_doc_free(doc);
}

bool pg_keyring_load(struct pg_keyring *k, const char *env, const char *file,
		     const struct pg_manifest *m, struct pg_diag *d)
{
	size_t before = d->n;

	load_env(k, env, d);
	if (file)
		load_file(k, file, m, d);
	if (d->n == before && !k->n)
		pg_diag_add(d, file, 0, "no API keys: set PORTGATE_API_KEYS or serve.keysFile");
	return d->n == before;
}

static void free_list(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

void pg_keyring_clear(struct pg_keyring *k)
{
	for (size_t i = 0; i < k->n; i++) {
		free(k->v[i].name);
		free_list(k->v[i].assets);
		free_list(k->v[i].owners);
	}
	free(k->v);
	k->v = NULL;
	k->n = 0;
}

const struct pg_api_key *pg_keyring_match(const struct pg_keyring *k, const char *presented)
{
	unsigned char h[32];
	const struct pg_api_key *hit = NULL;

	if (!presented || !*presented)
		return NULL;
	SHA256((const unsigned char *)presented, strlen(presented), h);
	for (size_t i = 0; i < k->n; i++) /* no early exit */
		if (CRYPTO_memcmp(h, k->v[i].hash, sizeof(h)) == 0)
			hit = &k->v[i];
	OPENSSL_cleanse(h, sizeof(h));
	return hit;
}

static bool in_list(char *const *v, const char *s)
{
	for (size_t i = 0; s && v && v[i]; i++)
		if (!strcmp(v[i], s))
			return true;
	return false;
}

const char *pg_asset_owner(const struct pg_asset *as)
{
	return json_string_value(json_object_get(as->fields, "owner"));
}

bool pg_key_allows(const struct pg_api_key *key, const struct pg_asset *as)
{
	if (!key->assets && !key->owners)
		return true;
	return in_list(key->assets, as->name) || in_list(key->owners, pg_asset_owner(as));
}
