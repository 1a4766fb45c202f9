/* fuzz_ports.c - pg_ports_parse, then merge/add/has/copy on what it returns. */
#include "config.h"

#include "manifest/port_set.h"
#include "fuzz_common.h"

/* The contract: ranges ascending, disjoint, never adjacent, within 1-65535; n counts the
 * ports; every port of a range is in the set and the ports between ranges are not. */
static void check_list(const struct pg_portlist *pl)
{
	size_t n = 0;

	for (size_t i = 0; i < pl->nr; i++) {
		const struct pg_port_range *r = &pl->r[i];

		if (r->lo == 0 || r->lo > r->hi || (i && r->lo <= pl->r[i - 1].hi + 1u))
			abort();
		if (!pg_ports_has(pl, r->lo) || !pg_ports_has(pl, r->hi) ||
		    (r->lo > 1 && pg_ports_has(pl, (uint16_t)(r->lo - 1))) ||
		    (r->hi < 65535 && pg_ports_has(pl, (uint16_t)(r->hi + 1))))
			abort();
		n += r->hi - r->lo + 1u;
	}
	if (n != pl->n)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *spec = fuzz_strndup(data, size); /* freed below */
	char *semi = strchr(spec, ';');
	struct pg_portlist a, b, c;
	char err[128];
	bool ok_a, ok_b;

	/* "A;B": two lists to merge; without ';' the second is empty. */
	if (semi)
		*semi = '\0';
	err[0] = '\0';
	ok_a = pg_ports_parse(spec, &a, err, sizeof(err));
	if (!ok_a && (a.n || a.r || !err[0]))
		abort(); /* failure leaves *out empty and says why */
	ok_b = pg_ports_parse(semi ? semi + 1 : "", &b, err, sizeof(err));
	if (!ok_b && (b.n || b.r))
		abort();
	check_list(&a);
	check_list(&b);
	pg_ports_copy(&c, &a);
	pg_ports_merge(&c, &b);
	check_list(&c);
	if (c.n < a.n || c.n < b.n || c.n > a.n + b.n)
		abort();
	for (size_t i = 0; i < b.nr; i++)
		if (!pg_ports_has(&c, b.r[i].lo) || !pg_ports_has(&c, b.r[i].hi))
			abort();
	if (size >= 2) {
		/* Port 0 is never parsed, and check_list refuses it. */
		uint16_t p = (uint16_t)(data[0] | data[1] << 8) | (data[0] || data[1] ? 0 : 1);

		pg_ports_add(&c, p);
		if (!pg_ports_has(&c, p))
			abort();
		check_list(&c);
	}
	pg_ports_clear(&a);
	pg_ports_clear(&b);
	pg_ports_clear(&c);
	free(spec);
	return 0;
}
