/* manifest.c - load and validate the asset manifest (schema in manifest.h).
 *
 * Validation reports every problem it finds (up to MAX_ERRORS) rather than
 * stopping at the first, each as "file:line: path.to.field: message", so one
 * `portgate validate` run is enough to fix a manifest.
 *
 * Defaults: the `defaults` block is validated once on its own (errors name
 * defaults.X), then each asset takes, field by field, its own value or the
 * default one. Lists and maps replace, never merge. A null value (`owner:` or
 * `owner: null`) means "not set", so an asset can drop a default. */
#include "config.h"
#include "manifest.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "doc.h"

#define MAX_ERRORS 50
#define MANIFEST_VERSION 1

struct ctx {
	const char *path;
	struct pg_diag *diag;
	size_t nerr;
	bool quiet; /* applying a default again: its errors were reported once */
};

PG_PRINTF(4, 5)
static void err(struct ctx *c, const struct pg_node *at, const char *where, const char *fmt, ...)
{
	va_list ap;
	char *msg = NULL;

	if (c->quiet)
		return;
	if (c->nerr++ >= MAX_ERRORS)
		return;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	pg_diag_add(c->diag, c->path, at ? at->line : 0, "%s%s%s", where ? where : "",
		    where ? ": " : "", msg ? msg : fmt);
	free(msg);
}

/* ---- small validators ------------------------------------------------- */

const char *pg_action_name(enum pg_action a)
{
	switch (a) {
	case PG_ACTION_PASS:
		return "pass";
	case PG_ACTION_WARN:
		return "warn";
	case PG_ACTION_FAIL:
		return "fail";
	}
	return "fail";
}

bool pg_action_parse(const char *s, enum pg_action *out)
{
	if (!s)
		return false;
	if (!strcmp(s, "pass"))
		*out = PG_ACTION_PASS;
	else if (!strcmp(s, "warn"))
		*out = PG_ACTION_WARN;
	else if (!strcmp(s, "fail"))
		*out = PG_ACTION_FAIL;
	else
		return false;
	return true;
}

/* ^[a-z0-9]+(-[a-z0-9]+)*$ : rule ids are stable kebab-case identifiers. */
static bool valid_rule_id(const char *s)
{
	bool prev_dash = true; /* no leading dash */

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s == '-') {
			if (prev_dash)
				return false;
			prev_dash = true;
		} else if ((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')) {
			prev_dash = false;
		} else {
			return false;
		}
	}
	return !prev_dash;
}

static bool all_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return n > 0;
}

/* RFC 1123 host name: LDH labels of 1-63 chars, no dash at either end, at
 * most 253 chars, one optional trailing dot. An all-numeric last label is
 * refused so that a mistyped address (10.0.0.300) is not taken for a name. */
static bool valid_hostname(const char *s)
{
	size_t len = strlen(s), start = 0, i;

	if (len && s[len - 1] == '.')
		len--;
	if (len == 0 || len > 253)
		return false;
	for (i = 0; i <= len; i++) {
		size_t llen;

		if (i < len && s[i] != '.') {
			if (!isalnum((unsigned char)s[i]) && s[i] != '-')
				return false;
			continue;
		}
		llen = i - start;
		if (llen == 0 || llen > 63 || s[start] == '-' || s[i - 1] == '-')
			return false;
		if (i == len && all_digits(s + start, llen))
			return false;
		start = i + 1;
	}
	return true;
}

static bool valid_target(const char *s)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1 ||
	       valid_hostname(s);
}

bool pg_cidr_parse(const char *s, struct pg_cidr *out)
{
	char addr[64];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	unsigned long prefix;
	unsigned maxp, i;

	if (alen == 0 || alen >= sizeof(addr))
		return false;
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, addr, out->addr) == 1) {
		out->family = AF_INET;
		maxp = 32;
	} else if (inet_pton(AF_INET6, addr, out->addr) == 1) {
		out->family = AF_INET6;
		maxp = 128;
	} else {
		return false;
	}
	prefix = maxp;
	if (slash && !pg_parse_ulong(slash + 1, maxp, &prefix))
		return false;
	out->prefix = (unsigned)prefix;
	/* Zero the host bits so contains() can compare whole bytes. */
	for (i = out->prefix; i < maxp; i++)
		out->addr[i / 8] &= (uint8_t)~(0x80u >> (i % 8));
	return true;
}

bool pg_cidr_contains(const struct pg_cidr *c, int family, const void *addr)
{
	const uint8_t *a = addr;
	unsigned full, rest;

	if (!c || !addr || family != c->family)
		return false;
	full = c->prefix / 8;
	rest = c->prefix % 8;
	if (memcmp(a, c->addr, full))
		return false;
	if (rest == 0)
		return true;
	return ((a[full] ^ c->addr[full]) & (uint8_t)(0xffu << (8 - rest))) == 0;
}

/* "AS64500", "as64500" or "64500" -> ASN (1 .. 2^32-1). */
static bool parse_asn(const char *s, uint32_t *out)
{
	unsigned long v;

	if ((s[0] == 'A' || s[0] == 'a') && (s[1] == 'S' || s[1] == 's'))
		s += 2;
	if (!pg_parse_ulong(s, UINT32_MAX, &v) || v == 0)
		return false;
	*out = (uint32_t)v;
	return true;
}

/* Case-insensitive edit distance, for "did you mean" hints. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	size_t row[65];

	if (la > 64 || lb > 64)
		return SIZE_MAX;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
			size_t best = diag + cost;

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

/* The closest of names (NULL-terminated) to key, or NULL when none is close. */
static const char *closest(const char *key, const char *const *names)
{
	const char *best = NULL;
	size_t len = strlen(key), best_d = SIZE_MAX, limit = len / 3;

	/* Short keys only tolerate one typo, or "MX" would suggest "A". */
	if (limit < 2)
		limit = len <= 3 ? 1 : 2;
	for (; *names; names++) {
		size_t d = edit_distance(key, *names);
		if (d < best_d) {
			best_d = d;
			best = *names;
		}
	}
	return best_d <= limit ? best : NULL;
}

static void unknown_field(struct ctx *c, const struct pg_node *key, const char *where,
			  const char *const *names)
{
	/* The hint costs an edit distance per known name: skip it once messages
	 * are no longer shown (a map of a million unknown keys took 1.8 s). */
	const char *hint = c->quiet || c->nerr >= MAX_ERRORS ? NULL : closest(key->scalar, names);

	if (hint)
		err(c, key, where, "unknown field '%s' (did you mean '%s'?)", key->scalar, hint);
	else
		err(c, key, where, "unknown field '%s'", key->scalar);
}

static void wrong_type(struct ctx *c, const struct pg_node *n, const char *where,
		       const char *expected)
{
	err(c, n, where, "expected %s, got %s", expected, pg_node_type_name(n));
}

static bool is_null(const struct pg_node *n)
{
	return !n || n->kind == PG_NODE_NULL;
}

/* ---- asset fields ----------------------------------------------------- */

enum field_type {
	T_TARGET,  /* hostname or IP literal */
	T_STRING,  /* free text */
	T_HOST,    /* hostname */
	T_PORTS,   /* port list */
	T_STRLIST, /* string or list of strings */
	T_NETWORK, /* CIDRs and ASNs */
	T_RECORDS, /* { A, AAAA, CNAME } */
	T_POLICY,  /* { rule: action } */
};

enum field_id {
	F_TARGET, F_NAME, F_APPROVED, F_PORTS, F_TLS, F_OWNER, F_DOMAIN_OWNER, F_ENV,
	F_CRIT, F_DOMAIN, F_RENEWAL, F_BU, F_ESCALATION, F_TAGS, F_NETWORK, F_RECORDS,
	F_POLICY, F_COUNT
};

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
};

static const char *const asset_field_names[] = {
	"target", "name", "approvedPorts", "ports", "tlsPorts", "owner", "domainOwner",
	"environment", "criticality", "domain", "renewalOwner", "businessUnit", "escalation",
	"tags", "expectedNetwork", "expectedRecords", "policy", NULL
};

static int field_lookup(const char *name)
{
	int i;

	for (i = 0; i < F_COUNT; i++)
		if (!strcmp(field_defs[i].name, name))
			return i;
	return -1;
}

/* A scalar that must be a non-empty string (numbers are fine as text, a
 * boolean is almost always a mistake). */
static const char *want_string(struct ctx *c, const struct pg_node *n, const char *where)
{
	bool b;

	if (!n || n->kind != PG_NODE_SCALAR || pg_node_bool(n, &b)) {
		wrong_type(c, n, where, "a string");
		return NULL;
	}
	if (!*n->scalar) {
		err(c, n, where, "must not be empty");
		return NULL;
	}
	return n->scalar;
}

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
static bool parse_ports_node(struct ctx *c, const struct pg_node *n, const char *where,
			     struct pg_portlist *out)
{
	char reason[128];
	struct pg_portlist one;
	bool bad_item = false;
	char *spec;
	size_t i;

	out->v = NULL;
	out->n = 0;
	if (n->kind == PG_NODE_SCALAR) {
		if (pg_ports_parse(n->scalar, out, reason, sizeof(reason)))
			return true;
		err(c, n, where, "%s", reason);
		return false;
	}
	if (n->kind != PG_NODE_SEQ) {
		wrong_type(c, n, where, "a list of ports or a \"80,443\" string");
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
			wrong_type(c, it, where, "a port or a \"8000-8010\" range");
			bad_item = true;
		} else if (!pg_ports_parse(it->scalar, &one, reason, sizeof(reason))) {
			err(c, it, where, "%s", reason);
			bad_item = true;
		} else {
			pg_ports_clear(&one);
		}
	}
	if (!bad_item) /* cannot happen (see join_port_items); never pass silently */
		err(c, n, where, "invalid port list");
	return false;
}

/* Sorted ports as JSON: single ports as numbers, runs of 3+ as "LOW-HIGH",
 * which the manifest itself accepts, so evidence stays small and readable. */
static json_t *ports_json(const struct pg_portlist *pl)
{
	json_t *arr = json_array();
	size_t i = 0;

	while (i < pl->n) {
		size_t j = i;

		while (j + 1 < pl->n && pl->v[j + 1] == pl->v[j] + 1)
			j++;
		if (j - i >= 2) {
			char buf[16];
			snprintf(buf, sizeof(buf), "%u-%u", pl->v[i], pl->v[j]);
			json_array_append_new(arr, json_string(buf));
		} else {
			for (; i <= j; i++)
				json_array_append_new(arr, json_integer(pl->v[i]));
		}
		i = j + 1;
	}
	return arr;
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
		wrong_type(c, n, where, expected);
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

/* True when the address part of CIDR text s is its network address. */
static bool cidr_is_exact(const char *s, const struct pg_cidr *cidr)
{
	unsigned char raw[16];
	char addr[64];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);

	if (alen >= sizeof(addr))
		return false;
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	return inet_pton(cidr->family, addr, raw) == 1 &&
	       !memcmp(raw, cidr->addr, cidr->family == AF_INET ? 4 : 16);
}

static bool add_network_item(struct ctx *c, const struct pg_node *it, const char *where, void *arg)
{
	struct pg_asset *a = arg;
	struct pg_cidr cidr;
	uint32_t asn;
	char buf[32];

	if (it->kind != PG_NODE_SCALAR || !*it->scalar) {
		wrong_type(c, it, where, "a CIDR or an ASN");
		return false;
	}
	if (parse_asn(it->scalar, &asn)) {
		a->asns = pg_xrealloc(a->asns, (a->nasns + 1) * sizeof(*a->asns));
		a->asns[a->nasns++] = asn;
		snprintf(buf, sizeof(buf), "AS%" PRIu32, asn);
		json_array_append_new(json_object_get(a->fields, "expectedNetwork"), json_string(buf));
		return true;
	}
	if (!pg_cidr_parse(it->scalar, &cidr)) {
		err(c, it, where, "'%s' is not a CIDR (203.0.113.0/24) or an ASN (AS64500)",
		    it->scalar);
		return false;
	}
	/* pg_cidr_parse zeroes host bits; a manifest saying 10.0.0.5/8 is
	 * probably a typo, so refuse it instead of guessing. */
	if (!cidr_is_exact(it->scalar, &cidr)) {
		char net[INET6_ADDRSTRLEN];

		inet_ntop(cidr.family, cidr.addr, net, sizeof(net));
		err(c, it, where, "'%s' has host bits set (did you mean %s/%u?)", it->scalar, net,
		    cidr.prefix);
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
		err(c, it, where, "'%s' is not an %s address", s, r->type == AF_INET ? "IPv4" : "IPv6");
		return false;
	} else if (valid_hostname(s)) {
		size_t i, len = strlen(s);

		if (s[len - 1] == '.')
			len--;
		val = pg_xstrndup(s, len);
		for (i = 0; i < len; i++)
			val[i] = (char)tolower((unsigned char)val[i]);
	} else {
		err(c, it, where, "'%s' is not a valid host name", s);
		return false;
	}
	r->v = pg_xrealloc(r->v, (r->n + 2) * sizeof(*r->v));
	r->v[r->n++] = val;
	r->v[r->n] = NULL;
	json_array_append_new(r->json, json_string(val));
	return true;
}

static void free_strv(char **v)
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
		wrong_type(c, n, where, "a map with A, AAAA and/or CNAME");
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
			unknown_field(c, n->keys[i], where, names);
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
			free_strv(r.v);
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

static void overrides_clear(struct pg_overrides *o)
{
	size_t i;

	for (i = 0; i < o->n; i++)
		free(o->v[i].rule);
	free(o->v);
	o->v = NULL;
	o->n = 0;
}

/* { rule-id: pass|warn|fail } into out; json (may be NULL) mirrors it. */
static bool parse_overrides(struct ctx *c, const struct pg_node *n, const char *where,
			    struct pg_overrides *out, json_t *json)
{
	bool ok = true;
	size_t i;

	if (n->kind != PG_NODE_MAP) {
		wrong_type(c, n, where, "a map of rule: pass|warn|fail");
		return false;
	}
	out->v = pg_xcalloc(n->n ? n->n : 1, sizeof(*out->v));
	for (i = 0; i < n->n; i++) {
		const char *rule = n->keys[i]->scalar, *val;
		enum pg_action act;
		char sub[200];

		snprintf(sub, sizeof(sub), "%s.%.100s", where, rule);
		if (!valid_rule_id(rule)) {
			err(c, n->keys[i], where,
			    "'%s' is not a rule id (lowercase words joined by '-', like port-approved-filtered)",
			    rule);
			ok = false;
			continue;
		}
		if (!pg_node_str(n->items[i], &val) || !pg_action_parse(val, &act)) {
			if (n->items[i]->kind == PG_NODE_SCALAR)
				err(c, n->items[i], sub, "invalid action '%s' (use pass, warn or fail)",
				    n->items[i]->scalar);
			else
				wrong_type(c, n->items[i], sub, "pass, warn or fail");
			ok = false;
			continue;
		}
		out->v[out->n].rule = pg_xstrdup(rule);
		out->v[out->n++].action = act;
		if (json)
			json_object_set_new(json, rule, json_string(pg_action_name(act)));
	}
	return ok;
}

static bool apply_policy(struct ctx *c, struct pg_asset *a, const struct pg_node *n,
			 const char *where)
{
	json_t *obj = json_object();

	if (!parse_overrides(c, n, where, &a->overrides, obj)) {
		json_decref(obj);
		return false;
	}
	set_field(a->fields, "policy", obj);
	return true;
}

static bool apply_scalar(struct ctx *c, struct pg_asset *a, enum field_id f,
			 const struct pg_node *n, const char *where)
{
	const char *s = want_string(c, n, where);

	if (!s)
		return false;
	if (field_defs[f].type == T_TARGET && !valid_target(s)) {
		err(c, n, where, "'%s' is not a valid host name, IPv4 or IPv6 address", s);
		return false;
	}
	if (field_defs[f].type == T_HOST && !valid_hostname(s)) {
		err(c, n, where, "'%s' is not a valid domain name", s);
		return false;
	}
	if (f == F_TARGET)
		a->target = pg_xstrdup(s);
	else if (f == F_NAME)
		a->name = pg_xstrdup(s);
	else if (f == F_ENV)
		a->environment = pg_xstrdup(s);
	set_field(a->fields, field_defs[f].name, json_string(s));
	return true;
}

/* Ports given explicitly for one of the three port fields. */
struct port_fields {
	struct pg_portlist approved, ports, tls;
	bool has_ports;
};

static bool apply_ports(struct ctx *c, struct pg_asset *a, enum field_id f,
			const struct pg_node *n, const char *where, struct port_fields *pf)
{
	struct pg_portlist *dst = f == F_APPROVED ? &pf->approved : f == F_PORTS ? &pf->ports
										 : &pf->tls;

	if (!parse_ports_node(c, n, where, dst))
		return false;
	if (f == F_PORTS)
		pf->has_ports = true;
	set_field(a->fields, field_defs[f].name, ports_json(dst));
	return true;
}

static bool apply_field(struct ctx *c, struct pg_asset *a, enum field_id f,
			const struct pg_node *n, const char *where, struct port_fields *pf)
{
	switch (field_defs[f].type) {
	case T_TARGET:
	case T_STRING:
	case T_HOST:
		return apply_scalar(c, a, f, n, where);
	case T_PORTS:
		return apply_ports(c, a, f, n, where, pf);
	case T_STRLIST:
		return apply_strlist(c, a, &field_defs[f], n, where);
	case T_NETWORK:
		return apply_network(c, a, n, where);
	case T_RECORDS:
		return apply_records(c, a, n, where);
	case T_POLICY:
		return apply_policy(c, a, n, where);
	}
	return false;
}

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
	free_strv(a->exp_a);
	free_strv(a->exp_aaaa);
	free_strv(a->exp_cname);
	overrides_clear(&a->overrides);
	json_decref(a->fields);
	memset(a, 0, sizeof(*a));
}

/* Per-field value of an asset map: own value if the key is present (even
 * null), else the default. */
struct field_set {
	const struct pg_node *node[F_COUNT];
	bool own[F_COUNT];
};

/* Collect the fields of a map; unknown keys are errors, and so are target
 * and name in defaults (they identify one asset). */
static void collect_fields(struct ctx *c, const struct pg_node *map, const char *where,
			   bool is_defaults, struct field_set *fs)
{
	size_t i;

	for (i = 0; i < map->n; i++) {
		int f = field_lookup(map->keys[i]->scalar);

		if (f < 0) {
			unknown_field(c, map->keys[i], where, asset_field_names);
			continue;
		}
		if (is_defaults && (f == F_TARGET || f == F_NAME)) {
			err(c, map->keys[i], where, "'%s' cannot have a default (it names one asset)",
			    field_defs[f].name);
			continue;
		}
		fs->node[f] = map->items[i];
		fs->own[f] = true;
	}
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
		f = field_lookup(map->keys[i]->scalar);
		if (f < 0 || !fs->own[f] || fs->node[f] != map->items[i] || is_null(fs->node[f]))
			continue;
		snprintf(fwhere, sizeof(fwhere), "%s.%s", where, field_defs[f].name);
		apply_field(c, a, f, fs->node[f], fwhere, pf);
	}
	c->quiet = true;
	for (f = 0; f < F_COUNT; f++) {
		if (fs->own[f] || is_null(fs->node[f]))
			continue;
		apply_field(c, a, f, fs->node[f], "defaults", pf);
	}
	c->quiet = false;
}

/* Candidates = ports (asset or default), else the built-in list; plus approved. */
static void finish_ports(struct pg_asset *a, struct port_fields *pf)
{
	struct pg_portlist builtin = { (uint16_t *)pg_default_candidate_ports,
				       pg_default_candidate_ports_n };

	a->approved = pf->approved;
	a->tls_ports = pf->tls;
	if (pf->has_ports)
		a->candidates = pf->ports;
	else
		pg_ports_copy(&a->candidates, &builtin);
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
		json_t *v = json_object_get(a->fields, field_defs[f].name);
		if (v)
			json_object_set(ordered, field_defs[f].name, v);
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
	if (n->kind != PG_NODE_MAP) {
		wrong_type(c, n, where, "a map with at least 'target'");
		return false;
	}
	memset(fs.own, 0, sizeof(fs.own));
	collect_fields(c, n, where, false, &fs);
	a->fields = json_object();
	apply_fields(c, a, n, where, &fs, &pf);
	if (!a->target && is_null(fs.node[F_TARGET]))
		err(c, n, where, "missing required field 'target'");
	if (!a->name && a->target) {
		a->name = pg_xstrdup(a->target);
		json_object_set_new(a->fields, "name", json_string(a->name));
	}
	order_fields(a);
	finish_ports(a, &pf);
	return c->nerr == before;
}

/* Duplicate assets (same target, case-insensitive, and same name) found by
 * sorting, so 10,000 assets cost n log n comparisons. */
struct asset_ref {
	const struct pg_asset *a;
	size_t idx;
};

static int cmp_asset_ref(const void *x, const void *y)
{
	const struct asset_ref *p = x, *q = y;
	int r = strcasecmp(p->a->target, q->a->target);

	if (!r)
		r = strcmp(p->a->name, q->a->name);
	if (!r)
		r = p->idx < q->idx ? -1 : p->idx > q->idx;
	return r;
}

static void check_duplicate_assets(struct ctx *c, const struct pg_asset *assets, size_t n)
{
	struct asset_ref *refs = pg_xmalloc((n ? n : 1) * sizeof(*refs)); /* freed below */
	size_t i, m = 0;

	for (i = 0; i < n; i++)
		if (assets[i].target && assets[i].name)
			refs[m++] = (struct asset_ref){ &assets[i], i };
	qsort(refs, m, sizeof(*refs), cmp_asset_ref);
	for (i = 1; i < m; i++) {
		struct asset_ref *first = &refs[i - 1], *dup = &refs[i];
		char where[64];
		struct pg_node at = { .line = dup->a->line };

		if (strcasecmp(first->a->target, dup->a->target) || strcmp(first->a->name, dup->a->name))
			continue;
		snprintf(where, sizeof(where), "assets[%zu]", dup->idx);
		err(c, &at, where,
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
		wrong_type(c, n, "defaults", "a map of asset fields");
		return;
	}
	/* Validate each default once, into a scratch asset, with errors naming
	 * defaults.X; assets then re-apply them quietly. */
	collect_fields(c, n, "defaults", true, fs);
	scratch.fields = json_object();
	apply_fields(c, &scratch, n, "defaults", fs, &pf);
	finish_ports(&scratch, &pf);
	asset_clear(&scratch);
}

static void load_env_policies(struct ctx *c, const struct pg_node *n, struct pg_manifest *m)
{
	size_t i;

	if (n->kind != PG_NODE_MAP) {
		wrong_type(c, n, "policy.environments", "a map of environment: { rule: action }");
		return;
	}
	m->envs = pg_xcalloc(n->n ? n->n : 1, sizeof(*m->envs));
	for (i = 0; i < n->n; i++) {
		char where[160];

		snprintf(where, sizeof(where), "policy.environments.%.100s", n->keys[i]->scalar);
		if (!*n->keys[i]->scalar) {
			err(c, n->keys[i], "policy.environments", "environment name must not be empty");
			continue;
		}
		if (is_null(n->items[i]))
			continue;
		m->envs[m->nenvs].env = pg_xstrdup(n->keys[i]->scalar);
		parse_overrides(c, n->items[i], where, &m->envs[m->nenvs].rules, NULL);
		m->nenvs++;
	}
}

static void load_policy(struct ctx *c, const struct pg_node *n, struct pg_manifest *m)
{
	static const char *const names[] = { "mode", "rules", "environments", NULL };
	size_t i;

	if (n->kind != PG_NODE_MAP) {
		wrong_type(c, n, "policy", "a map with mode, rules and/or environments");
		return;
	}
	for (i = 0; i < n->n; i++) {
		const char *key = n->keys[i]->scalar;
		const struct pg_node *v = n->items[i];
		const char *s;

		if (is_null(v) && (!strcmp(key, "mode") || !strcmp(key, "rules") ||
				   !strcmp(key, "environments")))
			continue;
		if (!strcmp(key, "mode")) {
			if (!pg_node_str(v, &s))
				wrong_type(c, v, "policy.mode", "enforce or monitor");
			else if (!strcmp(s, "enforce"))
				m->mode = PG_MODE_ENFORCE;
			else if (!strcmp(s, "monitor"))
				m->mode = PG_MODE_MONITOR;
			else
				err(c, v, "policy.mode", "invalid mode '%s' (use enforce or monitor)", s);
		} else if (!strcmp(key, "rules")) {
			parse_overrides(c, v, "policy.rules", &m->rules, NULL);
		} else if (!strcmp(key, "environments")) {
			load_env_policies(c, v, m);
		} else {
			unknown_field(c, n->keys[i], "policy", names);
		}
	}
}

static void load_version(struct ctx *c, const struct pg_node *n)
{
	unsigned long v;

	if (!pg_node_uint(n, ULONG_MAX, &v))
		wrong_type(c, n, "version", "the number 1");
	else if (v != MANIFEST_VERSION)
		err(c, n, "version", "unsupported version %lu (this portgate reads version %d)", v,
		    MANIFEST_VERSION);
}

static void load_assets(struct ctx *c, const struct pg_node *n, const struct field_set *defaults,
			struct pg_manifest *m)
{
	size_t i;

	if (n->kind != PG_NODE_SEQ) {
		wrong_type(c, n, "assets", "a list of assets");
		return;
	}
	if (n->n == 0) {
		err(c, n, "assets", "the list is empty; a manifest needs at least one asset");
		return;
	}
	m->assets = pg_xcalloc(n->n, sizeof(*m->assets));
	for (i = 0; i < n->n; i++)
		load_asset(c, n->items[i], i, defaults, &m->assets[m->nassets++]);
	check_duplicate_assets(c, m->assets, m->nassets);
}

static void load_root(struct ctx *c, const struct pg_node *root, struct pg_manifest *m)
{
	static const char *const names[] = { "version", "defaults", "policy", "assets", NULL };
	const struct pg_node *assets = NULL, *defaults = NULL, *policy = NULL, *version = NULL;
	struct field_set fs = { 0 };
	size_t i;

	if (root->kind != PG_NODE_MAP) {
		wrong_type(c, root, NULL, "a map with 'assets' at the top of the manifest");
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
			unknown_field(c, root->keys[i], NULL, names);
	}
	if (version && !is_null(version))
		load_version(c, version);
	if (defaults && !is_null(defaults))
		load_defaults(c, defaults, &fs);
	if (policy && !is_null(policy))
		load_policy(c, policy, m);
	if (!assets || is_null(assets))
		err(c, assets ? assets : root, NULL,
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
	overrides_clear(&m->rules);
	for (i = 0; i < m->nenvs; i++) {
		free(m->envs[i].env);
		overrides_clear(&m->envs[i].rules);
	}
	free(m->envs);
	free(m->path);
	free(m);
}
