/* drift.h - what changed between two evidence documents (a baseline and a run).
 *
 * Assets are matched by name and target: ports that became open or stopped being open,
 * TLS certificates (sha256) that changed, resolved addresses and ASNs that changed,
 * findings (by fingerprint) that appeared or went away, assets added or removed. */
#ifndef PG_DRIFT_H
#define PG_DRIFT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Drift rules: they become findings of the run, with these default actions. */
#define PG_RULE_PORT_NEWLY_OPEN   "port-newly-open"
#define PG_RULE_PORT_NEWLY_CLOSED "port-newly-closed"
#define PG_RULE_CERT_CHANGED      "certificate-changed"
#define PG_RULE_ADDRESS_CHANGED   "address-changed"
#define PG_RULE_ASN_CHANGED       "asn-changed"

/* A baseline finding its judge (report/judged.h) did not re-check this run:
 * not a finding-gone; pg_drift_apply carries it into the run. */
#define PG_CHANGE_NOT_RECHECKED "finding-not-rechecked"

struct pg_drift_rule {
	const char *id, *default_action, *severity, *summary;
};
extern const struct pg_drift_rule pg_drift_rules[];
extern const size_t pg_drift_rules_n;
const struct pg_drift_rule *pg_drift_rule_find(const char *id);

/* The changes from before to after, in asset order of after (removed assets last):
 * a new array of {"change", "asset", "target", ["ip"], ["port"], ["rule"],
 * ["fingerprint"], ["before"], ["after"], "reason"}. */
json_t *pg_drift_changes(const json_t *before, const json_t *after);

/* Record the drift from baseline in report (run.drift: baseline id, path and
 * changes) and add a finding per port-newly-open, port-newly-closed,
 * certificate-changed, address-changed and asn-changed change to its asset, with
 * the rule's default action; pg_policy_finalize then applies overrides.
 * A baseline finding whose judge did not re-check its asset (judged.h) is a
 * finding-not-rechecked change, not finding-gone: the finding is carried into
 * the run with "notRechecked" and listed in run.notRechecked (a warning per
 * judge says how many). run.drift.persisting lists the baseline's
 * port-newly-open findings (and its own persisting ones) whose port is still
 * open: the event fired once, the exposure stays.
 * Returns the number of changes. */
size_t pg_drift_apply(json_t *report, const json_t *baseline, const char *baseline_path);

/* One change as a line for a terminal or log (sanitised). Owned. */
char *pg_drift_change_line(const json_t *change);

/* When report has run.drift: "portgate: N change(s) since baseline RUNID" and a line
 * per change. */
void pg_drift_print(const json_t *report, FILE *out);

#endif
