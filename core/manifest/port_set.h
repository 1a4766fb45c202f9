/* ports.h - TCP port sets: parse "80,443,8000-8010", merge, look up; stored as ranges. */
#ifndef PG_PORTS_H
#define PG_PORTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A set of ports as ranges: memory follows how the manifest writes the set, not how many ports
 * it names ("1-65535" is one range, 4 bytes, on every asset that has it). */
struct pg_port_range {
	uint16_t lo, hi; /* lo <= hi */
};

struct pg_portlist {
	struct pg_port_range *r; /* owned, ascending, disjoint and never adjacent (merged) */
	size_t nr;               /* ranges */
	size_t n;                /* ports: the sum of hi - lo + 1 */
};

/* Parse a comma list of ports and ranges ("80, 443,8000-8010"; blanks around
 * items are allowed). *out is overwritten (an old array is not freed) with a
 * list the caller owns (pg_ports_clear). On error returns false, leaves *out
 * empty and writes a reason ("port 70000 is outside 1-65535") into err. */
bool pg_ports_parse(const char *spec, struct pg_portlist *out, char *err, size_t errlen);
void pg_ports_add(struct pg_portlist *pl, uint16_t port); /* keeps the form; O(ranges) */
void pg_ports_merge(struct pg_portlist *dst, const struct pg_portlist *src); /* union */
bool pg_ports_has(const struct pg_portlist *pl, uint16_t port);              /* O(log ranges) */
void pg_ports_copy(struct pg_portlist *dst, const struct pg_portlist *src);  /* dst overwritten */
void pg_ports_clear(struct pg_portlist *pl);
/* *out overwritten with the set of the n ports of v (any order, duplicates allowed). */
void pg_ports_from_array(struct pg_portlist *out, const uint16_t *v, size_t n);
/* New array of the pl->n ports in ascending order (NULL when empty), for the scan
 * engine, which wants one entry per port it connects to. Caller frees. */
uint16_t *pg_ports_expand(const struct pg_portlist *pl);

/* Built-in "commonly exposed" candidates scanned when an asset gives no ports. */
extern const uint16_t pg_default_candidate_ports[];
extern const size_t pg_default_candidate_ports_n;

#endif
