/* notify_route.h - the findings a report offers the notifiers, and those a
 * notifier's `route:`/`on:` selects (the filter itself: policy/policy_route.h,
 * shared with the enrichers). */
#ifndef PG_NOTIFY_ROUTE_H
#define PG_NOTIFY_ROUTE_H

#include <jansson.h>
#include <stdbool.h>

#include "policy/policy_route.h"

/* Every finding of the report that has an action, copied, each with
 * assetContext (filled from assets[].manifest when the policy did not set it)
 * and message (the packet, notify/message.h). New array. */
json_t *pg_route_candidates_new(const json_t *report, const char *evidence_url);

/* The candidates this instance gets (new array sharing the findings). */
json_t *pg_route_select_new(const struct pg_route *r, const bool notify_on[PG_ACTION_COUNT],
			    const json_t *candidates);

#endif
