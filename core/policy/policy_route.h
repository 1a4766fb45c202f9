/* policy_route.h - per-instance selectors of the plugin stages: which
 * findings a notifier or an enricher instance gets.
 *
 *   route: { owner: [payments], environment: production, criticality: [high, critical],
 *            tags: [pci], rule: [port-unapproved-open], action: [fail, warn] }
 *   on: [fail, warn]          (the same as route.action)
 *
 * Each key takes a string or a list of strings. A finding matches when every
 * key given matches (AND across keys, OR within a list); asset keys are read
 * from finding.assetContext, tags match when the asset has any listed tag.
 * `action` (or `on`) replaces the stage's on (notify.on, enrich.on) for the
 * instance; without it the instance gets what the stage's on selects. No
 * route: everything the stage's on selects. Here, below both stages, so
 * notify and enrich share the one filter. */
#ifndef PG_POLICY_ROUTE_H
#define PG_POLICY_ROUTE_H

#include <jansson.h>
#include <stdbool.h>

#include "doc/doc.h"
#include "manifest/manifest.h"
#include "util/util.h"

struct pg_route;

/* Read the value of an instance's `route:` key into *r (made when NULL);
 * what: "notifiers" or "enrichers", for messages. False + diag on error. */
bool pg_route_parse(struct pg_route **r, const struct pg_node *n, const char *what,
		    const char *inst, const char *file, struct pg_diag *diag);
/* ... and of its `on:` key (a list of pass, warn, fail). */
bool pg_route_parse_on(struct pg_route **r, const struct pg_node *n, const char *what,
		       const char *inst, const char *file, struct pg_diag *diag);
void pg_route_free(struct pg_route *r);

/* Does the finding go to this instance? stage_on: the actions the stage's on
 * selects (used when the route has no action; r may be NULL). */
bool pg_route_match(const struct pg_route *r, const bool stage_on[PG_ACTION_COUNT],
		    const json_t *finding);

/* Would this action be selected at all (the stage's on or the route's action)? */
bool pg_route_wants_action(const struct pg_route *r, const bool stage_on[PG_ACTION_COUNT],
			   const char *action);

#endif
