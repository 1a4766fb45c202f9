/* manifest.c - load and validate the asset manifest (schema in manifest.h).
 *
 * Validation reports every problem it finds (up to MAX_ERRORS) rather than
 * stopping at the first, each as "file:line: path.to.field: message", so one
 * `portgate validate` run is enough to fix a manifest.
 *
 * This file drives the load: the top level, each asset, the defaults merge
 * and duplicate assets. Field readers, ports, policy, value checks and error
 * reporting live in the other core/manifest_*.c (map in manifest_int.h).
 *
 * Defaults: the `defaults` block is validated once on its own (errors name
 * defaults.X), then each asset takes, field by field, its own value or the
 * default one. Lists and maps replace, never merge. A null value (`owner:` or
 * `owner: null`) means "not set", so an asset can drop a default. */
#include "config.h"
#include "manifest_int.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doc/doc.h"
#include "util/text.h"

#define MANIFEST_VERSION 1

static void asset_clear(struct pg_asset *a)
{
	free(a->name);
	free(a->target);
	pg_ports_clear(&a->approved);
	pg_ports_clear(&a->candidates);
	pg_ports_clear(&a->tls_ports);
	free(a->environment);
	free(a->networks);
	free(a->asns);
	pg_manifest_free_strv(a->exp_a);
	pg_manifest_free_strv(a->exp_aaaa);
	pg_manifest_free_strv(a->exp_cname);
	pg_manifest_overrides_clear(&a->overrides);
	json_decref(a->fields);
	memset(a, 0, sizeof(*a));
}

/* Apply the fields of map in the order they are written (so errors come in
 * line order), then the defaults the map does not override, quietly. */
static void apply_fields(struct ctx *c, struct pg_asset *a, const struct pg_node *map,
			 const char *where, const struct field_set *fs, struct port_fields *pf)
{
	char fwhere[128];
	size_t i;
	int f;

	for (i = 0; i < map->n; i++) {
		f = pg_manifest_field_lookup(map->keys[i]->scalar);
		if (f < 0 || !fs->own[f] || fs->node[f] != map->items[i] || is_null(fs->node[f]))
			continue;
		snprintf(fwhere, sizeof(fwhere), "%s.%s", where, pg_manifest_field_name(f));
		pg_manifest_apply_field(c, a, f, fs->node[f], fwhere, pf);
	}
	c->quiet = true;
	for (f = 0; f < F_COUNT; f++) {
		if (fs->own[f] || is_null(fs->node[f]))
			continue;
		pg_manifest_apply_field(c, a, f, fs->node[f], "defaults", pf);
	}
	c->quiet = false;
}

/* Candidates = ports (asset or default), else the built-in list; plus approved. */
static void finish_ports(struct pg_asset *a, struct port_fields *pf)
{
	a->approved = pf->approved;
	a->tls_ports = pf->tls;
	if (pf->has_ports)
		a->candidates = pf->ports;
	else
		pg_ports_from_array(&a->candidates, pg_default_candidate_ports,
				    pg_default_candidate_ports_n);
	pg_ports_merge(&a->candidates, &a->approved);
	memset(pf, 0, sizeof(*pf));
}

/* Evidence readers see fields in schema order, whatever order the manifest
 * (or the defaulting of name) produced. */
static void order_fields(struct pg_asset *a)
{
	json_t *ordered = json_object();
	int f;

	for (f = 0; f < F_COUNT; f++) {
		json_t *v = json_object_get(a->fields, pg_manifest_field_name(f));
		if (v)
			json_object_set(ordered, pg_manifest_field_name(f), v);
	}
	json_decref(a->fields);
	a->fields = ordered;
}

static bool load_asset(struct ctx *c, const struct pg_node *n, size_t idx,
		       const struct field_set *defaults, struct pg_asset *a)
{
	struct field_set fs = *defaults;
	struct port_fields pf = { 0 };
	size_t before = c->nerr;
	char where[64];

	snprintf(where, sizeof(where), "assets[%zu]", idx);
	memset(a, 0, sizeof(*a));
	a->line = n->line;
	a->scan_unexpected = -1;
	if (n->kind != PG_NODE_MAP) {
		pg_manifest_wrong_type(c, n, where, "a map with at least 'target'");
		return false;
	}
	memset(fs.own, 0, sizeof(fs.own));
	pg_manifest_collect_fields(c, n, where, false, &fs);
	a->fields = json_object();
	apply_fields(c, a, n, where, &fs, &pf);
	if (!a->target && is_null(fs.node[F_TARGET]))
		pg_manifest_err(c, n, where, "missing required field 'target'");
	if (!a->name && a->target) {
		a->name = pg_xstrdup(a->target);
		json_object_set_new(a->fields, "name", json_string(a->name));
	}
	order_fields(a);
	finish_ports(a, &pf);
	return c->nerr == before;
}

/* Duplicate assets: the same target (an address however written) and the same name,
 * both as DNS compares names (ASCII case and one trailing dot aside: a name left to
 * default to its target is that target's spelling, and "Web" beside "web" on one
 * target is one asset written twice),
 * found by sorting, so 10,000 assets cost n log n comparisons. */
struct asset_ref {
	const struct pg_asset *a;
	size_t idx;
	struct pg_cidr ip; /* the target as an address (family 0: a host name), parsed once */
	const char *name;  /* the name as identity: "" when it is its target's */
};

/* Targets in one order: addresses first (by family, then bytes: "::1" and "0:0::1"
 * are one), then names as DNS compares them. */
static int cmp_target(const struct asset_ref *p, const struct asset_ref *q)
{
	if (p->ip.family != q->ip.family)
		return p->ip.family > q->ip.family ? -1 : 1; /* AF_INET6 > AF_INET > 0 */
	return p->ip.family ? memcmp(p->ip.addr, q->ip.addr, sizeof(p->ip.addr))
			    : pg_dns_name_cmp(p->a->target, q->a->target);
}

/* The order of the identity (target, name): 0 for the same asset. */
static int cmp_identity(const struct asset_ref *p, const struct asset_ref *q)
{
	int r = cmp_target(p, q);

	return r ? r : pg_dns_name_cmp(p->name, q->name);
}

static int cmp_asset_ref(const void *x, const void *y)
{
	const struct asset_ref *p = x, *q = y;
	int r = cmp_identity(p, q);

	return r ? r : (p->idx > q->idx) - (p->idx < q->idx);
}

static struct asset_ref asset_ref_of(const struct pg_asset *a, size_t idx)
{
	struct asset_ref r = { .a = a, .idx = idx };

	if (!pg_cidr_parse(a->target, &r.ip) || strchr(a->target, '/'))
		memset(&r.ip, 0, sizeof(r.ip));
	/* a name left to default (or written as its target) is the target's */
	r.name = pg_dns_name_eq(a->name, a->target) ? "" : a->name;
	return r;
}

static void check_duplicate_assets(struct ctx *c, const struct pg_asset *assets, size_t n)
{
	struct asset_ref *refs = pg_xmalloc((n ? n : 1) * sizeof(*refs)); /* freed below */
	size_t i, m = 0;

	for (i = 0; i < n; i++)
		if (assets[i].target && assets[i].name)
			refs[m++] = asset_ref_of(&assets[i], i);
	qsort(refs, m, sizeof(*refs), cmp_asset_ref);
	for (i = 1; i < m; i++) {
		struct asset_ref *first = &refs[i - 1], *dup = &refs[i];
		char where[64];
		struct pg_node at = { .line = dup->a->line };

		if (cmp_identity(first, dup))
			continue;
		snprintf(where, sizeof(where), "assets[%zu]", dup->idx);
		pg_manifest_err(
			c, &at, where,
			"duplicate asset '%s' (target %s), first defined at line %d (assets[%zu])",
			dup->a->name, dup->a->target, first->a->line, first->idx);
		*dup = *first; /* a third copy also points at the first one */
	}
	free(refs);
}

/* ---- top level -------------------------------------------------------- */

static void load_defaults(struct ctx *c, const struct pg_node *n, struct field_set *fs)
{
	struct pg_asset scratch = { 0 };
	struct port_fields pf = { 0 };

	if (n->kind != PG_NODE_MAP) {
		pg_manifest_wrong_type(c, n, "defaults", "a map of asset fields");
		return;
	}
	/* Validate each default once, into a scratch asset, with errors naming
	 * defaults.X; assets then re-apply them quietly. */
	pg_manifest_collect_fields(c, n, "defaults", true, fs);
	scratch.fields = json_object();
	apply_fields(c, &scratch, n, "defaults", fs, &pf);
	finish_ports(&scratch, &pf);
	asset_clear(&scratch);
}

static void load_version(struct ctx *c, const struct pg_node *n)
{
	unsigned long v;

	if (!pg_node_uint(n, ULONG_MAX, &v))
		pg_manifest_wrong_type(c, n, "version", "the number 1");
	else if (v != MANIFEST_VERSION)
		pg_manifest_err(c, n, "version",
				"unsupported version %lu (this portgate reads version %d)", v,
				MANIFEST_VERSION);
}

static void load_assets(struct ctx *c, const struct pg_node *n, const struct field_set *defaults,
			struct pg_manifest *m)
{
	size_t i;

	if (n->kind != PG_NODE_SEQ) {
		pg_manifest_wrong_type(c, n, "assets", "a list of assets");
		return;
	}
	if (n->n == 0) {
		pg_manifest_err(c, n, "assets",
				"the list is empty; a manifest needs at least one asset");
		return;
	}
	m->assets = pg_xcalloc(n->n, sizeof(*m->assets));
	for (i = 0; i < n->n; i++) {
		struct pg_asset *a = &m->assets[m->nassets++];

		load_asset(c, n->items[i], i, defaults, a);
		if (a->scan_unexpected < 0) /* the policy block is read before the assets */
			a->scan_unexpected = m->scan_unexpected;
	}
	check_duplicate_assets(c, m->assets, m->nassets);
}

static void load_root(struct ctx *c, const struct pg_node *root, struct pg_manifest *m)
{
	static const char *const names[] = { "version", "defaults", "policy", "assets", NULL };
	const struct pg_node *assets = NULL, *defaults = NULL, *policy = NULL, *version = NULL;
	struct field_set fs = { 0 };
	size_t i;

	if (root->kind != PG_NODE_MAP) {
		pg_manifest_wrong_type(c, root, NULL,
				       "a map with 'assets' at the top of the manifest");
		return;
	}
	for (i = 0; i < root->n; i++) {
		const char *key = root->keys[i]->scalar;

		if (!strcmp(key, "version"))
			version = root->items[i];
		else if (!strcmp(key, "defaults"))
			defaults = root->items[i];
		else if (!strcmp(key, "policy"))
			policy = root->items[i];
		else if (!strcmp(key, "assets"))
			assets = root->items[i];
		else
			pg_manifest_unknown_field(c, root->keys[i], NULL, names);
	}
	if (version && !is_null(version))
		load_version(c, version);
	if (defaults && !is_null(defaults))
		load_defaults(c, defaults, &fs);
	if (policy && !is_null(policy))
		pg_manifest_load_policy(c, policy, m);
	if (!assets || is_null(assets))
		pg_manifest_err(
			c, assets ? assets : root, NULL,
			assets ? "assets: the list is empty; a manifest needs at least one asset"
			       : "missing required field 'assets'");
	else
		load_assets(c, assets, &fs, m);
}

struct pg_manifest *pg_manifest_load(const char *path, struct pg_diag *diag)
{
	struct ctx c = { .path = path, .diag = diag };
	struct pg_doc *doc = pg_doc_load(path, diag); /* freed below */
	struct pg_manifest *m;

	if (!doc)
		return NULL;
	if (!doc->root) {
		pg_diag_add(diag, path, 0, "the manifest is empty (it needs at least 'assets')");
		pg_doc_free(doc);
		return NULL;
	}
	m = pg_xcalloc(1, sizeof(*m));
	m->path = pg_xstrdup(path);
	memcpy(m->sha256, doc->sha256, sizeof(m->sha256));
	c.m = m;
	load_root(&c, doc->root, m);
	pg_doc_free(doc);
	if (c.nerr > MAX_ERRORS)
		pg_diag_add(diag, path, 0, "... and %zu more errors", c.nerr - MAX_ERRORS);
	if (c.nerr) {
		pg_manifest_free(m);
		return NULL;
	}
	return m;
}

void pg_manifest_free(struct pg_manifest *m)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i < m->nassets; i++)
		asset_clear(&m->assets[i]);
	free(m->assets);
	pg_manifest_overrides_clear(&m->rules);
	for (i = 0; i < m->nenvs; i++) {
		free(m->envs[i].env);
		pg_manifest_overrides_clear(&m->envs[i].rules);
	}
	free(m->envs);
	pg_manifest_rollout_clear(m);
	for (i = 0; i < m->nrule_refs; i++) {
		free(m->rule_refs[i].rule);
		free(m->rule_refs[i].where);
	}
	free(m->rule_refs);
	free(m->path);
	free(m);
}

unsigned pg_manifest_shard_of(const char *name, const char *target, unsigned n)
{
	char hex[65];
	char *id = pg_xasprintf("%s\n%s", name, target);

	pg_sha256_hex(id, strlen(id), hex);
	free(id);
	hex[8] = '\0';
	return n ? (unsigned)(strtoul(hex, NULL, 16) % n) + 1 : 1;
}
