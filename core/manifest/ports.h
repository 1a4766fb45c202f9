/* ports.h - TCP port lists: parse "80,443,8000-8010", merge, sort, dedupe. */
#ifndef PG_PORTS_H
#define PG_PORTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pg_portlist {
	uint16_t *v; /* owned, sorted ascending, no duplicates */
	size_t n;
};

/* Parse a comma list of ports and ranges ("80, 443,8000-8010"; blanks around
 * items are allowed). *out is overwritten (an old array is not freed) with a
 * list the caller owns (pg_ports_clear). On error returns false, leaves *out
 * empty and writes a reason ("port 70000 is outside 1-65535") into err. */
bool pg_ports_parse(const char *spec, struct pg_portlist *out, char *err, size_t errlen);
void pg_ports_add(struct pg_portlist *pl, uint16_t port); /* keeps sorted/unique; O(n) */
void pg_ports_merge(struct pg_portlist *dst, const struct pg_portlist *src);
bool pg_ports_has(const struct pg_portlist *pl, uint16_t port);
void pg_ports_copy(struct pg_portlist *dst, const struct pg_portlist *src); /* dst overwritten */
void pg_ports_clear(struct pg_portlist *pl);

/* Built-in "commonly exposed" candidates scanned when an asset gives no ports. */
extern const uint16_t pg_default_candidate_ports[];
extern const size_t pg_default_candidate_ports_n;

#endif
