/* manifest_int.h - internals of the manifest loader, shared by core/manifest/manifest*.c.
 * Not a contract for other modules: use manifest.h.
 *
 *   manifest.c         loading: top level, assets, defaults merge, duplicates
 *   manifest_fields.c  the asset field schema and one typed reader per type
 *   manifest_ports.c   port list fields (manifest in, evidence out)
 *   manifest_policy.c  actions, rule overrides, the policy block
 *   manifest_rollout.c policy.enforce and policy.exceptions (gradual rollout)
 *   manifest_values.c  context-free value checks: host names, CIDRs, ASNs
 *   manifest_diag.c    errors, the error budget, "did you mean" hints */
#ifndef PG_MANIFEST_INT_H
#define PG_MANIFEST_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "doc/doc.h"
#include "manifest.h"

#define MAX_ERRORS 50

/* One load: where errors go and how many there were. */
struct ctx {
	const char *path;
	struct pg_diag *diag;
	size_t nerr;
	bool quiet;            /* applying a default again: its errors were reported once */
	struct pg_manifest *m; /* the manifest being loaded (its rule_refs) */
};

enum field_type {
	T_TARGET,  /* hostname or IP literal */
	T_STRING,  /* free text */
	T_HOST,    /* hostname */
	T_PORTS,   /* port list */
	T_STRLIST, /* string or list of strings */
	T_NETWORK, /* CIDRs and ASNs */
	T_RECORDS, /* { A, AAAA, CNAME } */
	T_POLICY,  /* { rule: action } */
	T_BOOL,    /* true | false */
};

/* Schema order: evidence lists an asset's fields in this order. */
enum field_id {
	F_TARGET,
	F_NAME,
	F_APPROVED,
	F_PORTS,
	F_TLS,
	F_OWNER,
	F_DOMAIN_OWNER,
	F_ENV,
	F_CRIT,
	F_DOMAIN,
	F_RENEWAL,
	F_BU,
	F_ESCALATION,
	F_TAGS,
	F_NETWORK,
	F_RECORDS,
	F_POLICY,
	F_SCAN_UNEXPECTED,
	F_COUNT
};

/* Ports given explicitly for one of the three port fields. */
struct port_fields {
	struct pg_portlist approved, ports, tls;
	bool has_ports;
};

/* Per-field value of an asset map: own value if the key is present (even
 * null), else the default. */
struct field_set {
	const struct pg_node *node[F_COUNT];
	bool own[F_COUNT];
};

static inline bool is_null(const struct pg_node *n)
{
	return !n || n->kind == PG_NODE_NULL;
}

/* manifest_diag.c: every error goes through pg_manifest_err ("where: message",
 * at the node's line; quiet while re-applying defaults; at most MAX_ERRORS
 * are kept, the rest only counted). names is NULL-terminated. */
PG_PRINTF(4, 5)
void pg_manifest_err(struct ctx *c, const struct pg_node *at, const char *where, const char *fmt,
		     ...);
void pg_manifest_unknown_field(struct ctx *c, const struct pg_node *key, const char *where,
			       const char *const *names);
void pg_manifest_wrong_type(struct ctx *c, const struct pg_node *n, const char *where,
			    const char *expected);

/* manifest_rollout.c: policy.enforce and policy.exceptions */
void pg_manifest_load_enforce(struct ctx *c, const struct pg_node *n, struct pg_manifest *m);
void pg_manifest_load_exceptions(struct ctx *c, const struct pg_node *n, struct pg_manifest *m);
void pg_manifest_rollout_clear(struct pg_manifest *m);

/* manifest_values.c */
bool pg_manifest_valid_hostname(const char *s);
bool pg_manifest_valid_target(const char *s);
bool pg_manifest_parse_asn(const char *s, uint32_t *out);
bool pg_manifest_cidr_is_exact(const char *s, const struct pg_cidr *cidr);

/* manifest_ports.c: out is owned by the caller (empty on failure); the
 * JSON is a new reference. */
bool pg_manifest_parse_ports(struct ctx *c, const struct pg_node *n, const char *where,
			     struct pg_portlist *out);
json_t *pg_manifest_ports_json(const struct pg_portlist *pl);

/* manifest_policy.c */
void pg_manifest_overrides_clear(struct pg_overrides *o);
/* manifest_diag.c: rule named at n's line in field where, kept in m->rule_refs
 * (not while defaults are applied again: they were noted once). */
void pg_manifest_note_rule(struct ctx *c, const struct pg_node *n, const char *where,
			   const char *rule);
bool pg_manifest_parse_overrides(struct ctx *c, const struct pg_node *n, const char *where,
				 struct pg_overrides *out, json_t *json);
void pg_manifest_load_policy(struct ctx *c, const struct pg_node *n, struct pg_manifest *m);

/* manifest_fields.c: the schema table and the readers. field_lookup gives
 * -1 for an unknown name. */
int pg_manifest_field_lookup(const char *name);
const char *pg_manifest_field_name(enum field_id f);
bool pg_manifest_apply_field(struct ctx *c, struct pg_asset *a, enum field_id f,
			     const struct pg_node *n, const char *where, struct port_fields *pf);
void pg_manifest_collect_fields(struct ctx *c, const struct pg_node *map, const char *where,
				bool is_defaults, struct field_set *fs);
void pg_manifest_free_strv(char **v);

#endif
