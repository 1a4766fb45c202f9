/* manifest_fields.c - the asset field schema and one typed reader per field
 * type. Each reader validates a node, stores the value in the asset and
 * mirrors it into the asset's evidence fields. */
#include "config.h"
#include "manifest_int.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static const struct field_def {
	const char *name;
	enum field_type type;
} field_defs[F_COUNT] = {
	[F_TARGET] = { "target", T_TARGET },
	[F_NAME] = { "name", T_STRING },
	[F_APPROVED] = { "approvedPorts", T_PORTS },
	[F_PORTS] = { "ports", T_PORTS },
	[F_TLS] = { "tlsPorts", T_PORTS },
	[F_OWNER] = { "owner", T_STRING },
	[F_DOMAIN_OWNER] = { "domainOwner", T_STRING },
	[F_ENV] = { "environment", T_STRING },
	[F_CRIT] = { "criticality", T_STRING },
	[F_DOMAIN] = { "domain", T_HOST },
	[F_RENEWAL] = { "renewalOwner", T_STRING },
	[F_BU] = { "businessUnit", T_STRING },
	[F_ESCALATION] = { "escalation", T_STRLIST },
	[F_TAGS] = { "tags", T_STRLIST },
	[F_NETWORK] = { "expectedNetwork", T_NETWORK },
	[F_RECORDS] = { "expectedRecords", T_RECORDS },
	[F_POLICY] = { "policy", T_POLICY },
	[F_SCAN_UNEXPECTED] = { "scanUnexpected", T_BOOL },
};

static const char *const asset_field_names[] = {
	"target",          "name",         "approvedPorts",  "ports",       "tlsPorts",
	"owner",           "domainOwner",  "environment",    "criticality", "domain",
	"renewalOwner",    "businessUnit", "escalation",     "tags",        "expectedNetwork",
	"expectedRecords", "policy",       "scanUnexpected", NULL
};

int pg_manifest_field_lookup(const char *name)
{
	int i;

	for (i = 0; i < F_COUNT; i++)
		if (!strcmp(field_defs[i].name, name))
			return i;
	return -1;
}

const char *pg_manifest_field_name(enum field_id f)
{
	return field_defs[f].name;
}

/* A scalar that must be a non-empty string (numbers are fine as text, a
 * boolean is almost always a mistake). */
static const char *want_string(struct ctx *c, const struct pg_node *n, const char *where)
{
	bool b;

	if (!n || n->kind != PG_NODE_SCALAR || pg_node_bool(n, &b)) {
		pg_manifest_wrong_type(c, n, where, "a string");
		return NULL;
	}
	if (!*n->scalar) {
		pg_manifest_err(c, n, where, "must not be empty");
		return NULL;
	}
	return n->scalar;
}

/* Calls fn for each scalar of a "string or list of strings" node. */
typedef bool (*item_fn)(struct ctx *c, const struct pg_node *it, const char *where, void *arg);

static bool for_each_item(struct ctx *c, const struct pg_node *n, const char *where,
			  const char *expected, item_fn fn, void *arg)
{
	bool ok = true;
	size_t i;

	if (n->kind == PG_NODE_SCALAR)
		return fn(c, n, where, arg);
	if (n->kind != PG_NODE_SEQ) {
		pg_manifest_wrong_type(c, n, where, expected);
		return false;
	}
	for (i = 0; i < n->n; i++)
		if (!fn(c, n->items[i], where, arg))
			ok = false;
	return ok;
}

static bool add_string_item(struct ctx *c, const struct pg_node *it, const char *where, void *arg)
{
	const char *s = want_string(c, it, where);

	if (!s)
		return false;
	json_array_append_new(arg, json_string(s));
	return true;
}

static void set_field(json_t *fields, const char *name, json_t *v)
{
	if (v)
		json_object_set_new(fields, name, v);
}

static bool apply_strlist(struct ctx *c, struct pg_asset *a, const struct field_def *fd,
			  const struct pg_node *n, const char *where)
{
	json_t *arr = json_array();

	if (!for_each_item(c, n, where, "a string or a list of strings", add_string_item, arr)) {
		json_decref(arr);
		return false;
	}
	set_field(a->fields, fd->name, arr);
	return true;
}

static bool add_network_item(struct ctx *c, const struct pg_node *it, const char *where, void *arg)
{
	struct pg_asset *a = arg;
	struct pg_cidr cidr;
	uint32_t asn;
	char buf[32];

	if (it->kind != PG_NODE_SCALAR || !*it->scalar) {
		pg_manifest_wrong_type(c, it, where, "a CIDR or an ASN");
		return false;
	}
	if (pg_manifest_parse_asn(it->scalar, &asn)) {
		a->asns = pg_xrealloc(a->asns, (a->nasns + 1) * sizeof(*a->asns));
		a->asns[a->nasns++] = asn;
		snprintf(buf, sizeof(buf), "AS%" PRIu32, asn);
		json_array_append_new(json_object_get(a->fields, "expectedNetwork"),
				      json_string(buf));
		return true;
	}
	if (!pg_cidr_parse(it->scalar, &cidr)) {
		pg_manifest_err(c, it, where,
				"'%s' is not a CIDR (203.0.113.0/24) or an ASN (AS64500)",
				it->scalar);
		return false;
	}
	/* pg_cidr_parse zeroes host bits; a manifest saying 10.0.0.5/8 is
	 * probably a typo, so refuse it instead of guessing. */
	if (!pg_manifest_cidr_is_exact(it->scalar, &cidr)) {
		char net[INET6_ADDRSTRLEN];

		inet_ntop(cidr.family, cidr.addr, net, sizeof(net));
		pg_manifest_err(c, it, where, "'%s' has host bits set (did you mean %s/%u?)",
				it->scalar, net, cidr.prefix);
		return false;
	}
	a->networks = pg_xrealloc(a->networks, (a->nnetworks + 1) * sizeof(*a->networks));
	a->networks[a->nnetworks++] = cidr;
	json_array_append_new(json_object_get(a->fields, "expectedNetwork"),
			      json_string(it->scalar));
	return true;
}

static bool apply_network(struct ctx *c, struct pg_asset *a, const struct pg_node *n,
			  const char *where)
{
	json_object_set_new(a->fields, "expectedNetwork", json_array());
	if (for_each_item(c, n, where, "a list of CIDRs and ASNs", add_network_item, a))
		return true;
	json_object_del(a->fields, "expectedNetwork");
	return false;
}

/* expectedRecords: values are normalised (canonical addresses, lowercase
 * names without the trailing dot) so the resolver can compare strings. */
struct records_arg {
	int type; /* AF_INET, AF_INET6 or 0 for CNAME */
	char **v; /* NULL-terminated, owned */
	size_t n;
	json_t *json;
};

static bool add_record_item(struct ctx *c, const struct pg_node *it, const char *where, void *arg)
{
	struct records_arg *r = arg;
	unsigned char raw[16];
	char canon[INET6_ADDRSTRLEN];
	const char *s = want_string(c, it, where);
	char *val;

	if (!s)
		return false;
	if (r->type && inet_pton(r->type, s, raw) == 1) {
		inet_ntop(r->type, raw, canon, sizeof(canon));
		val = pg_xstrdup(canon);
	} else if (r->type) {
		pg_manifest_err(c, it, where, "'%s' is not an %s address", s,
				r->type == AF_INET ? "IPv4" : "IPv6");
		return false;
	} else if (pg_manifest_valid_hostname(s)) {
		size_t i, len = strlen(s);

		if (s[len - 1] == '.')
			len--;
		val = pg_xstrndup(s, len);
		for (i = 0; i < len; i++)
			val[i] = (char)tolower((unsigned char)val[i]);
	} else {
		pg_manifest_err(c, it, where, "'%s' is not a valid host name", s);
		return false;
	}
	r->v = pg_xrealloc(r->v, (r->n + 2) * sizeof(*r->v));
	r->v[r->n++] = val;
	r->v[r->n] = NULL;
	json_array_append_new(r->json, json_string(val));
	return true;
}

void pg_manifest_free_strv(char **v)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; v[i]; i++)
		free(v[i]);
	free(v);
}

static bool apply_records(struct ctx *c, struct pg_asset *a, const struct pg_node *n,
			  const char *where)
{
	static const char *const names[] = { "A", "AAAA", "CNAME", NULL };
	static const int types[] = { AF_INET, AF_INET6, 0 };
	char ***slots[] = { &a->exp_a, &a->exp_aaaa, &a->exp_cname };
	json_t *obj;
	bool ok = true;
	size_t i;

	if (n->kind != PG_NODE_MAP) {
		pg_manifest_wrong_type(c, n, where, "a map with A, AAAA and/or CNAME");
		return false;
	}
	obj = json_object();
	for (i = 0; i < n->n; i++) {
		char sub[160];
		struct records_arg r = { 0 };
		int k;

		for (k = 0; names[k] && strcmp(names[k], n->keys[i]->scalar); k++)
			;
		if (!names[k]) {
			pg_manifest_unknown_field(c, n->keys[i], where, names);
			ok = false;
			continue;
		}
		if (is_null(n->items[i]))
			continue;
		snprintf(sub, sizeof(sub), "%s.%s", where, names[k]);
		r.type = types[k];
		r.json = json_array();
		r.v = pg_xcalloc(1, sizeof(*r.v)); /* an empty list means "expect none" */
		if (!for_each_item(c, n->items[i], sub, "a string or a list of strings",
				   add_record_item, &r)) {
			pg_manifest_free_strv(r.v);
			json_decref(r.json);
			ok = false;
			continue;
		}
		*slots[k] = r.v;
		json_object_set_new(obj, names[k], r.json);
	}
	set_field(a->fields, "expectedRecords", obj);
	return ok;
}

static bool apply_policy(struct ctx *c, struct pg_asset *a, const struct pg_node *n,
			 const char *where)
{
	json_t *obj = json_object();

	if (!pg_manifest_parse_overrides(c, n, where, &a->overrides, obj)) {
		json_decref(obj);
		return false;
	}
	set_field(a->fields, "policy", obj);
	return true;
}

static bool apply_bool(struct ctx *c, struct pg_asset *a, const struct pg_node *n,
		       const char *where)
{
	bool b;

	if (!pg_node_bool(n, &b)) {
		pg_manifest_wrong_type(c, n, where, "true or false");
		return false;
	}
	a->scan_unexpected = b ? 1 : 0;
	set_field(a->fields, "scanUnexpected", json_boolean(b));
	return true;
}

/* target / domain: valid, in ACE form, and for domain registrable. New string or NULL. */
static char *check_host(struct ctx *c, const struct pg_node *n, const char *where, enum field_id f,
			const char *s)
{
	char *host = pg_host_normalize_new(s), parent[256] = "";
	const char *why;

	if (!host || (field_defs[f].type == T_HOST && !pg_manifest_valid_hostname(host))) {
		pg_manifest_err(c, n, where,
				field_defs[f].type == T_TARGET
					? "'%s' is not a valid host name, IPv4 or IPv6 address"
					: "'%s' is not a valid domain name",
				s);
		free(host);
		return NULL;
	}
	if (field_defs[f].type == T_HOST &&
	    (why = pg_domain_registrable_err(host, parent, sizeof(parent))) != NULL) {
		if (*parent)
			pg_manifest_err(c, n, where, "'%s' %s (use '%s')", s, why, parent);
		else
			pg_manifest_err(c, n, where, "'%s' %s", s, why);
		free(host);
		return NULL;
	}
	return host;
}

static bool apply_scalar(struct ctx *c, struct pg_asset *a, enum field_id f,
			 const struct pg_node *n, const char *where)
{
	const char *s = want_string(c, n, where);
	char *host = NULL;

	if (!s)
		return false;
	if (field_defs[f].type == T_TARGET || field_defs[f].type == T_HOST) {
		host = check_host(c, n, where, f, s);
		if (!host)
			return false;
		s = host;
	}
	if (f == F_TARGET)
		a->target = pg_xstrdup(s);
	else if (f == F_NAME)
		a->name = pg_xstrdup(s);
	else if (f == F_ENV)
		a->environment = pg_xstrdup(s);
	set_field(a->fields, field_defs[f].name, json_string(s));
	free(host);
	return true;
}

static bool apply_ports(struct ctx *c, struct pg_asset *a, enum field_id f, const struct pg_node *n,
			const char *where, struct port_fields *pf)
{
	struct pg_portlist *dst = f == F_APPROVED ? &pf->approved
				  : f == F_PORTS  ? &pf->ports
						  : &pf->tls;

	if (!pg_manifest_parse_ports(c, n, where, dst))
		return false;
	if (f == F_TLS && dst->udp.n) { /* the TLS check is a TCP handshake */
		pg_manifest_err(c, n, where, "TLS is checked on TCP ports only (no '/udp')");
		pg_ports_clear(dst);
		return false;
	}
	if (f == F_PORTS)
		pf->has_ports = true;
	set_field(a->fields, field_defs[f].name, pg_manifest_ports_json(dst));
	return true;
}

bool pg_manifest_apply_field(struct ctx *c, struct pg_asset *a, enum field_id f,
			     const struct pg_node *n, const char *where, struct port_fields *pf)
{
	switch (field_defs[f].type) {
	case T_TARGET:
	case T_STRING:
	case T_HOST: return apply_scalar(c, a, f, n, where);
	case T_PORTS: return apply_ports(c, a, f, n, where, pf);
	case T_STRLIST: return apply_strlist(c, a, &field_defs[f], n, where);
	case T_NETWORK: return apply_network(c, a, n, where);
	case T_RECORDS: return apply_records(c, a, n, where);
	case T_POLICY: return apply_policy(c, a, n, where);
	case T_BOOL: return apply_bool(c, a, n, where);
	}
	return false;
}

/* Collect the fields of a map; unknown keys are errors, and so are target
 * and name in defaults (they identify one asset). */
void pg_manifest_collect_fields(struct ctx *c, const struct pg_node *map, const char *where,
				bool is_defaults, struct field_set *fs)
{
	size_t i;

	for (i = 0; i < map->n; i++) {
		int f = pg_manifest_field_lookup(map->keys[i]->scalar);

		if (f < 0) {
			pg_manifest_unknown_field(c, map->keys[i], where, asset_field_names);
			continue;
		}
		if (is_defaults && (f == F_TARGET || f == F_NAME)) {
			pg_manifest_err(c, map->keys[i], where,
					"'%s' cannot have a default (it names one asset)",
					field_defs[f].name);
			continue;
		}
		fs->node[f] = map->items[i];
		fs->own[f] = true;
	}
}
