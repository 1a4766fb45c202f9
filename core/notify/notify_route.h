/* notify_route.h - per-notifier `route:` filters (which findings an instance gets).
 *
 *   route: { owner: [payments], environment: production, criticality: [high, critical],
 *            tags: [pci], rule: [port-unapproved-open], action: [fail, warn] }
 *
 * Each key takes a string or a list of strings. A finding matches when every
 * key given matches (AND across keys, OR within a list); asset keys are read
 * from finding.assetContext, tags match when the asset has any listed tag.
 * `action` replaces notify.on for the instance; without it the instance gets
 * what notify.on selects. No route: everything notify.on selects. */
#ifndef PG_NOTIFY_ROUTE_H
#define PG_NOTIFY_ROUTE_H

#include <jansson.h>
#include <stdbool.h>

#include "doc/doc.h"
#include "util/util.h"

struct pg_route;

/* Parse the value of an instance's `route:` key. NULL + diag on error. */
struct pg_route *pg_route_parse(const struct pg_node *n, const char *inst, const char *file,
				struct pg_diag *diag);
void pg_route_free(struct pg_route *r);

/* Does the finding go to this instance? notify_on: pass/warn/fail selected by
 * notify.on (used when the route has no action key; r may be NULL). */
bool pg_route_match(const struct pg_route *r, const bool notify_on[3], const json_t *finding);

/* Would any action be selected at all (notify.on or a route's action)? */
bool pg_route_wants_action(const struct pg_route *r, const bool notify_on[3], const char *action);

/* Every finding of the report that has an action, copied, each with
 * assetContext (filled from assets[].manifest when the policy did not set it)
 * and message (the packet, notify/message.h). New array. */
json_t *pg_route_candidates_new(const json_t *report, const char *evidence_url);

/* The candidates this instance gets (new array sharing the findings). */
json_t *pg_route_select_new(const struct pg_route *r, const bool notify_on[3],
			    const json_t *candidates);

#endif
