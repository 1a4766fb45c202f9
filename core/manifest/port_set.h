/* ports.h - port sets: parse "80,443,8000-8010,53/udp", merge, look up; stored as ranges.
 * A set holds TCP ports (the r/nr/n members every caller has always used) and, apart,
 * UDP ports (udp): a bare number is TCP, "N/udp" and "LOW-HIGH/udp" are UDP. */
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

/* Ranges of one transport. */
struct pg_port_ranges {
	struct pg_port_range *r; /* owned, ascending, disjoint and never adjacent (merged) */
	size_t nr;               /* ranges */
	size_t n;                /* ports: the sum of hi - lo + 1 */
};

struct pg_portlist {
	struct pg_port_range *r;   /* TCP: owned, ascending, disjoint and never adjacent (merged) */
	size_t nr;                 /* TCP ranges */
	size_t n;                  /* TCP ports: the sum of hi - lo + 1 */
	struct pg_port_ranges udp; /* UDP ports, same form; kept apart so TCP callers see
				      exactly what they saw before UDP existed */
};

/* Parse a comma list of ports and ranges ("80, 443,8000-8010,53/udp,1000-1010/udp";
 * blanks around items are allowed; an item may end in "/tcp" or "/udp", a bare one
 * is TCP). *out is overwritten (an old array is not freed) with a
 * list the caller owns (pg_ports_clear). On error returns false, leaves *out
 * empty and writes a reason ("port 70000 is outside 1-65535") into err. */
bool pg_ports_parse(const char *spec, struct pg_portlist *out, char *err, size_t errlen);
void pg_ports_add(struct pg_portlist *pl, uint16_t port);     /* TCP; keeps the form; O(ranges) */
void pg_ports_add_udp(struct pg_portlist *pl, uint16_t port); /* the same for UDP */
void pg_ports_merge(struct pg_portlist *dst, const struct pg_portlist *src); /* union, both */
bool pg_ports_has(const struct pg_portlist *pl, uint16_t port);     /* TCP; O(log ranges) */
bool pg_ports_has_udp(const struct pg_portlist *pl, uint16_t port); /* UDP; O(log ranges) */
/* udp: false = TCP, true = UDP (callers pass port_result.proto == PG_PROTO_UDP). */
bool pg_ports_has_proto(const struct pg_portlist *pl, bool udp, uint16_t port);
void pg_ports_copy(struct pg_portlist *dst, const struct pg_portlist *src); /* dst overwritten */
void pg_ports_clear(struct pg_portlist *pl);
/* Ports of both transports: pl->n + pl->udp.n (0 = an empty set). */
static inline size_t pg_ports_total(const struct pg_portlist *pl)
{
	return pl->n + pl->udp.n;
}
/* *out overwritten with the set of the n TCP ports of v (any order, duplicates allowed). */
void pg_ports_from_array(struct pg_portlist *out, const uint16_t *v, size_t n);
/* New array of the pl->n TCP ports in ascending order (NULL when empty), for the scan
 * engine, which wants one entry per port it connects to. Caller frees. */
uint16_t *pg_ports_expand(const struct pg_portlist *pl);
uint16_t *pg_ports_expand_udp(const struct pg_portlist *pl); /* the pl->udp.n UDP ports */

/* Built-in "commonly exposed" candidates scanned when an asset gives no ports. */
extern const uint16_t pg_default_candidate_ports[];
extern const size_t pg_default_candidate_ports_n;

#endif
