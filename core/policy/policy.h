/* policy.h - turn what was seen into findings, actions and verdicts.
 *
 * A finding is decided once (pg_policy_decide): its rule's default action
 * through the one override mechanism (asset > environment > global > rule
 * default), then policy.enforce and policy.exceptions, then its fingerprint.
 * pg_policy_evaluate() (policy_evaluate.c) decides the core findings as it
 * makes them, so the enrichers see their actions; pg_policy_finalize()
 * (policy_finalize.c), once at the end of a run, decides what enrichers and
 * drift added the same way - no rule is special-cased - and sets the
 * verdicts and the exit code. */
#ifndef PG_POLICY_H
#define PG_POLICY_H

#include <jansson.h>
#include "manifest/manifest.h"
#include "resolve/resolve.h"
#include "scan/scan.h"

/* Rule ids are stable: they appear in SARIF, tickets and fingerprints. */
#define PG_RULE_PORT_UNAPPROVED_OPEN   "port-unapproved-open"
#define PG_RULE_PORT_APPROVED_FILTERED "port-approved-filtered"
#define PG_RULE_PORT_APPROVED_CLOSED   "port-approved-closed"
#define PG_RULE_TLS_CERT_INVALID       "tls-certificate-invalid"
#define PG_RULE_TLS_NOT_OFFERED        "tls-not-offered"
#define PG_RULE_DNS_UNRESOLVED         "dns-unresolved"
#define PG_RULE_DNS_UNEXPECTED         "dns-unexpected-record"
#define PG_RULE_NETWORK_UNEXPECTED     "network-unexpected"
#define PG_RULE_SCAN_ERROR             "scan-error"
#define PG_RULE_UDP_AMPLIFIER          "udp-amplifier"

/* udp-amplifier: an open UDP port whose answer carries at least this many times the
 * bytes of the request (bandwidth amplification factor, UDP payload bytes answered /
 * payload bytes of the request, as US-CERT TA14-017A defines it). 2.0 is the smallest
 * factor that advisory lists (Multicast DNS, 2 to 10), so every service it names is
 * flagged even at its lowest: NetBIOS and BitTorrent (3.8), Steam (5.5), SNMPv2 (6.3),
 * SSDP (30.8), DNS (28 to 54), NTP (556.9), memcached (10,000 and more). */
#define PG_UDP_AMPLIFIER_FACTOR 2.0
#define PG_RULE_SERVICE_UNAUTH  "service-unauthenticated"

struct pg_rule_info {
	const char *id;
	enum pg_action default_action;
	const char *severity; /* "high" | "medium" | "low" */
	const char *summary;  /* one line, for --help, SARIF rule text */
};

const struct pg_rule_info *pg_rule_find(const char *id); /* NULL for plugin rules */
/* A core rule id a plugin may not raise nor declare: a core rule means what the
 * core says; network-unexpected is the one a plugin may also raise (it knows
 * networks the manifest names by ASN). */
bool pg_rule_reserved(const char *id);
/* info, low, medium, high or critical: the severities a finding may carry. */
bool pg_severity_valid(const char *s);
/* True when an answer of received bytes to a request of sent bytes amplifies
 * (received / sent >= PG_UDP_AMPLIFIER_FACTOR), with the factor in *factor. An empty
 * request (sent 0) has no factor: false. */
bool pg_udp_amplifies(long long sent, long long received, double *factor);
/* Default action of the rules that are worse on production (udp-amplifier,
 * service-unauthenticated) on asset a: fail when its environment is "production"
 * (any case), else warn; policy overrides then apply as for any rule. */
enum pg_action pg_policy_production_default(const struct pg_asset *a);
extern const struct pg_rule_info pg_rules[];
extern const size_t pg_rules_n;

/* What a run learned about one asset. All borrowed. */
struct pg_asset_outcome {
	const struct pg_asset *asset;
	const struct pg_resolution *res;
	const struct pg_scan_target *scans; /* one per scanned address (res order) */
	size_t nscans;                      /* < res->naddrs means not fully checked */
};

/* Scope: the rule (PG_RULE_NETWORK_UNEXPECTED or PG_RULE_DNS_UNEXPECTED) that puts address ip
 * of the asset out of scope (outside its expectedNetwork CIDRs, or reached through records its
 * expectedRecords rules out), or NULL when ip is in scope. */
const char *pg_policy_out_of_scope(const struct pg_asset *a, const struct pg_resolution *r,
				   const struct pg_addr *ip);
/* True when ip must not be connected to: out of scope and the asset does not ask for
 * scanUnexpected. The pipeline skips it; its finding says so. */
bool pg_policy_skip_addr(const struct pg_asset *a, const struct pg_resolution *r,
			 const struct pg_addr *ip);

/* Findings (JSON array, owned by the caller) for one asset, each decided
 * under m (pg_policy_decide); could_not_check is set when the asset was not
 * fully checked. */
json_t *pg_policy_evaluate(const struct pg_manifest *m, const struct pg_asset_outcome *o,
			   bool *could_not_check);

/* Decide finding f of asset a, unless it has an "action" already: the action
 * (pg_policy_action, then pg_policy_rollout as of today), the asset and target
 * when missing, the fingerprint when missing. */
void pg_policy_decide(const struct pg_manifest *m, const struct pg_asset *a, json_t *f,
		      const char *today);
/* False for a decided finding that finalize drops (action pass, no exception):
 * not news. Undecided findings count as reported. */
bool pg_policy_reported(const json_t *f);
/* The fingerprint pg_policy_decide gives f on the asset with that target. */
void pg_policy_finding_fingerprint(const json_t *f, const char *target, char out[17]);

/* Decide every undecided finding of report, drop those not reported (counted
 * in the asset's "passedFindings"), set asset verdicts, run verdict, summary
 * and exit code. assets[i] is the manifest asset of report.assets[i]. Returns
 * the exit code (PG_EXIT_*). */
int pg_policy_finalize(const struct pg_manifest *m, const struct pg_asset *const *assets,
		       enum pg_mode mode, json_t *report);

/* Effective action for rule on asset. */
enum pg_action pg_policy_action(const struct pg_manifest *m, const struct pg_asset *a,
				const char *rule, enum pg_action dflt);

/* After overrides: a matching policy.exceptions entry makes the finding pass
 * while active (today <= expires) with "exception" recorded, or fail once
 * expired, saying since when; else, with a policy.enforce list, a failure of
 * a rule it does not list becomes warn ("enforced": false). today = YYYY-MM-DD. */
void pg_policy_rollout(const struct pg_manifest *m, const struct pg_asset *a, json_t *f,
		       const char *today);
/* Today's UTC date, YYYY-MM-DD. */
void pg_policy_today(char out[11]);

/* Stable finding fingerprint: sha256("v1\0" rule "\0" target "\0" host "\0" "tcp/" port),
 * first 16 hex characters. port 0 = no port. */
void pg_fingerprint(const char *rule, const char *target, const char *host, unsigned port,
		    char out[17]);
/* The same with the port's protocol: "udp/" port for UDP; TCP gives pg_fingerprint's
 * value byte for byte (fingerprints of TCP findings never change). */
void pg_fingerprint_proto(const char *rule, const char *target, const char *host,
			  enum pg_proto proto, unsigned port, char out[17]);

#endif
