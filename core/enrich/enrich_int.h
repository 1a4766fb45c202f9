/* enrich_int.h - what the enrich stage's files share: an enricher instance's
 * own keys (on:, route:, after:) as enrich_settings.c reads them and
 * enrich_order.c orders them. Not for the rest of portgate. */
#ifndef PG_ENRICH_INT_H
#define PG_ENRICH_INT_H

#include "enrich.h"
#include "policy/policy_route.h"

/* The stage data of one enricher instance (pg_plugin_stage_data; NULL when
 * the instance set none of these keys). */
struct pg_enrich_inst {
	struct pg_route *route; /* owned: on:/route:, NULL: enrich.on selects */
	char **after;           /* owned: instance names it runs after */
	int *after_lines;       /* owned: the line of each name */
	size_t nafter;
	unsigned level; /* 0: after nothing; else 1 + the highest level it is after */
};

/* enrich_order.c: check every after: (known enricher, no cycle; file:line)
 * and set each instance's level. */
bool pg_enrich_order(const struct pg_plugin_host *h, const char *file, struct pg_diag *diag);
/* The highest level of h's enrichers (0 when none is after another). */
unsigned pg_enrich_max_level(const struct pg_plugin_host *h);
unsigned pg_enrich_level(const struct pg_plugin_ctx *c);

#endif
