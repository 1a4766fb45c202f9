/* fuzz_ports.c - pg_ports_parse (TCP and "/udp" items), then merge/add/has/copy/expand on
 * what it returns, for both transports. */
#include "config.h"

#include "manifest/port_set.h"
#include "fuzz_common.h"

/* The contract, per transport: ranges ascending, disjoint, never adjacent, within 1-65535;
 * n counts the ports; every port of a range is in the set and the ports between ranges
 * are not; expand lists exactly the ports of the ranges. */
static void check_ranges(const struct pg_portlist *pl, bool udp)
{
	const struct pg_port_range *v = udp ? pl->udp.r : pl->r;
	size_t nr = udp ? pl->udp.nr : pl->nr, n = 0, k = 0;
	uint16_t *all = udp ? pg_ports_expand_udp(pl) : pg_ports_expand(pl);

	for (size_t i = 0; i < nr; i++) {
		const struct pg_port_range *r = &v[i];

		if (r->lo == 0 || r->lo > r->hi || (i && r->lo <= v[i - 1].hi + 1u))
			abort();
		if (!pg_ports_has_proto(pl, udp, r->lo) || !pg_ports_has_proto(pl, udp, r->hi) ||
		    (r->lo > 1 && pg_ports_has_proto(pl, udp, (uint16_t)(r->lo - 1))) ||
		    (r->hi < 65535 && pg_ports_has_proto(pl, udp, (uint16_t)(r->hi + 1))))
			abort();
		if (all[k] != r->lo || all[k + r->hi - r->lo] != r->hi)
			abort();
		k += r->hi - r->lo + 1u;
		n += r->hi - r->lo + 1u;
	}
	if (n != (udp ? pl->udp.n : pl->n) || (!n && all))
		abort();
	free(all);
}

static void check_list(const struct pg_portlist *pl)
{
	check_ranges(pl, false);
	check_ranges(pl, true);
	if (pg_ports_total(pl) != pl->n + pl->udp.n)
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
	if (!ok_a && (pg_ports_total(&a) || a.r || a.udp.r || !err[0]))
		abort(); /* failure leaves *out empty and says why */
	ok_b = pg_ports_parse(semi ? semi + 1 : "", &b, err, sizeof(err));
	if (!ok_b && (pg_ports_total(&b) || b.r || b.udp.r))
		abort();
	check_list(&a);
	check_list(&b);
	pg_ports_copy(&c, &a);
	pg_ports_merge(&c, &b);
	check_list(&c);
	if (c.n < a.n || c.n < b.n || c.n > a.n + b.n)
		abort();
	if (c.udp.n < a.udp.n || c.udp.n < b.udp.n || c.udp.n > a.udp.n + b.udp.n)
		abort();
	for (size_t i = 0; i < b.nr; i++)
		if (!pg_ports_has(&c, b.r[i].lo) || !pg_ports_has(&c, b.r[i].hi))
			abort();
	for (size_t i = 0; i < b.udp.nr; i++)
		if (!pg_ports_has_udp(&c, b.udp.r[i].lo) || !pg_ports_has_udp(&c, b.udp.r[i].hi))
			abort();
	if (size >= 2) {
		/* Port 0 is never parsed, and check_list refuses it. */
		uint16_t p = (uint16_t)(data[0] | data[1] << 8) | (data[0] || data[1] ? 0 : 1);

		size_t udp_before = c.udp.n;

		pg_ports_add(&c, p);
		if (!pg_ports_has(&c, p) || c.udp.n != udp_before) /* TCP add leaves UDP alone */
			abort();
		pg_ports_add_udp(&c, p);
		if (!pg_ports_has_udp(&c, p))
			abort();
		check_list(&c);
	}
	pg_ports_clear(&a);
	pg_ports_clear(&b);
	pg_ports_clear(&c);
	free(spec);
	return 0;
}
