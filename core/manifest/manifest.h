/* manifest.h - the asset manifest: which targets may be checked, and what is approved.
 *
 * Schema (YAML or JSON, one schema; see docs/manifest.md):
 *   version: 1
 *   defaults: { any asset field except target/name }      # merged under each asset
 *   policy:
 *     mode: enforce | monitor
 *     rules: { <rule-id>: pass|warn|fail }               # global overrides
 *     environments: { <env>: { <rule-id>: pass|warn|fail } }
 *     scanUnexpected: false                              # default of the asset field
 *   assets:
 *     - target: app.example.com          # hostname, IPv4 or IPv6 (required)
 *       name: app                        # optional label, default = target
 *       approvedPorts: [80, 443]
 *       ports: [80, 443, 8443]           # candidates; default approved + defaults.ports
 *                                        #   (or the built-in common list)
 *       tlsPorts: [443]                  # must speak TLS (default: well-known TLS ports)
 *       owner, domainOwner, environment, criticality, domain, renewalOwner,
 *       businessUnit: strings
 *       escalation: [strings], tags: [strings]
 *       expectedNetwork: ["203.0.113.0/24", "AS64500"]
 *       expectedRecords: { A: [...], AAAA: [...], CNAME: [...] }
 *       policy: { <rule-id>: pass|warn|fail }            # per-asset overrides
 *       scanUnexpected: false            # also connect to addresses outside the expected
 *                                        #   network/records (default: policy.scanUnexpected)
 */
#ifndef PG_MANIFEST_H
#define PG_MANIFEST_H

#include <jansson.h>
#include <stdint.h>
#include "port_set.h"
#include "util/util.h"

enum pg_action { PG_ACTION_PASS = 0, PG_ACTION_WARN = 1, PG_ACTION_FAIL = 2, PG_ACTION_COUNT };
enum pg_mode { PG_MODE_UNSET = 0, PG_MODE_ENFORCE, PG_MODE_MONITOR };

const char *pg_action_name(enum pg_action a); /* "pass" | "warn" | "fail" */
bool pg_action_parse(const char *s, enum pg_action *out);
/* Rule ids (core and plugin rules, manifest overrides): ^[a-z0-9]+([.-][a-z0-9]+)*$ */
#define PG_RULE_ID_MAX 64
bool pg_rule_id_valid(const char *s);

struct pg_rule_override {
	char *rule; /* owned rule id, e.g. "port-approved-filtered" */
	enum pg_action action;
};

struct pg_overrides {
	struct pg_rule_override *v; /* owned */
	size_t n;
};

struct pg_cidr {
	int family;       /* AF_INET or AF_INET6 */
	uint8_t addr[16]; /* network address, host bits zeroed */
	unsigned prefix;
};

struct pg_asset {
	int line;                      /* manifest line where the asset starts */
	char *name;                    /* owned; defaults to target */
	char *target;                  /* owned hostname or IP literal */
	struct pg_portlist approved;   /* approvedPorts */
	struct pg_portlist candidates; /* ports to scan; always includes approved */
	struct pg_portlist tls_ports;  /* ports expected to speak TLS */
	char *environment;             /* owned, may be NULL */
	struct pg_cidr *networks;
	size_t nnetworks; /* expectedNetwork CIDRs (owned) */
	uint32_t *asns;
	size_t nasns; /* expectedNetwork ASNs (owned) */
	char **exp_a, **exp_aaaa,
		**exp_cname;           /* expectedRecords (owned, NULL-terminated or NULL) */
	struct pg_overrides overrides; /* asset policy block */
	int scan_unexpected; /* 1: connect to out-of-scope addresses too; 0 (default): never.
				(-1 only while loading: unset, policy.scanUnexpected decides) */
	json_t *fields; /* owned: every manifest field of the asset after defaults, for evidence */
};

/* policy.exceptions[]: a finding that matches (rule, and asset/target/port when
 * given) is accepted until expires (inclusive, UTC), then fails again. */
struct pg_exception {
	int line;             /* manifest line of the entry */
	char *rule;           /* owned */
	char *asset, *target; /* owned, NULL = any */
	unsigned port;        /* 0 = any */
	bool udp;             /* port is "N/udp" (a bare number is TCP) */
	char *reason, *owner; /* owned, required */
	char expires[11];     /* YYYY-MM-DD */
};

/* A rule id the manifest names (a policy map's key, a policy.enforce item, an
 * exception's rule), once per place in the file: the defaults' policy counts
 * once, not once per asset. `validate` and `check` check them against the
 * rules they know (run/rule_check.h); the manifest accepts any id of the
 * grammar, because plugins add rules. */
struct pg_rule_ref {
	char *rule;  /* owned */
	char *where; /* owned: the field, "policy.enforce", "assets[2].policy", ... */
	int line;
};

struct pg_manifest {
	char *path;                /* owned */
	char sha256[65];           /* of the bytes loaded, also from stdin ("-") */
	enum pg_mode mode;         /* policy.mode, PG_MODE_UNSET if absent */
	struct pg_overrides rules; /* policy.rules */
	struct {
		char *env; /* owned */
		struct pg_overrides rules;
	} * envs; /* policy.environments (owned) */
	size_t nenvs;
	bool scan_unexpected; /* policy.scanUnexpected (default false) */
	char **enforce;       /* policy.enforce rule ids (owned); NULL = all */
	size_t nenforce;
	struct pg_exception *exceptions; /* policy.exceptions (owned) */
	size_t nexceptions;
	struct pg_asset *assets; /* owned */
	size_t nassets;
	struct pg_rule_ref *rule_refs; /* owned, in file order */
	size_t nrule_refs, caprule_refs;
};

/* Load and validate. NULL on any error, with every problem in diag as
 * "file:line: field: message". An empty asset list is an error. */
struct pg_manifest *pg_manifest_load(const char *path, struct pg_diag *diag);
void pg_manifest_free(struct pg_manifest *m);

/* True when ip (AF_INET/AF_INET6 bytes) lies in c. */
bool pg_cidr_contains(const struct pg_cidr *c, int family, const void *addr);
bool pg_cidr_parse(const char *s, struct pg_cidr *out);

/* A target as given (IP literal, ASCII host name) or an internationalised name
 * in ACE form ("bücher.example" -> "xn--bcher-kva.example"). New string, or
 * NULL when it is no valid host name or address ("bad_host!", "10.0.0.300"). */
char *pg_host_normalize_new(const char *s);
/* NULL when ace is a registrable domain (Public Suffix List); else why not
 * (static text). For a subdomain, parent gets its registrable domain. */
const char *pg_domain_registrable_err(const char *ace, char *parent, size_t parentlen);

/* True when exception e names asset a (its asset and target parts: a name as
 * written, a target as DNS compares names: case and one trailing dot aside),
 * whatever the rule and port. The policy's
 * match and validate's "matches no asset" warning both use it. */
bool pg_exception_names_asset(const struct pg_exception *e, const struct pg_asset *a);

/* The shard (1..n) an asset belongs to in a split of the manifest into n: a hash of
 * the asset's identity (name, target), not its position, so adding an asset does not
 * reshuffle the others. `check --shard` selects by it and `merge` verifies by it. */
unsigned pg_manifest_shard_of(const char *name, const char *target, unsigned n);

#endif
