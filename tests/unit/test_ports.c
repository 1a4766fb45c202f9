/* test_ports.c - port list parsing, merging and the built-in candidate list. */
#include "config.h"

#include "pg_check.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "manifest/port_set.h"
#include "util/util.h"

/* The set's ranges are sorted, disjoint and never adjacent, and n counts their ports. */
static void assert_form(const struct pg_portlist *pl)
{
	size_t n = 0;

	for (size_t i = 0; i < pl->nr; i++) {
		ck_assert_uint_le(pl->r[i].lo, pl->r[i].hi);
		ck_assert_uint_ge(pl->r[i].lo, 1);
		if (i)
			ck_assert_uint_gt(pl->r[i].lo, pl->r[i - 1].hi + 1u);
		n += pl->r[i].hi - pl->r[i].lo + 1u;
	}
	ck_assert_uint_eq(pl->n, n);
}

static void assert_list(const struct pg_portlist *pl, const uint16_t *want, size_t n)
{
	uint16_t *v = pg_ports_expand(pl);
	size_t i;

	assert_form(pl);
	ck_assert_uint_eq(pl->n, n);
	for (i = 0; i < n; i++)
		ck_assert_uint_eq(v[i], want[i]);
	free(v);
}

START_TEST(parse_ok)
{
	struct pg_portlist pl;
	char err[128];
	static const uint16_t a[] = { 80,   443,  8000, 8001, 8002, 8003, 8004,
				      8005, 8006, 8007, 8008, 8009, 8010 };
	static const uint16_t b[] = { 80, 443 };
	static const uint16_t c[] = { 20, 21, 22, 23, 24, 25 };

	ck_assert(pg_ports_parse("80,443,8000-8010", &pl, err, sizeof(err)));
	assert_list(&pl, a, PG_ARRAY_LEN(a));
	pg_ports_clear(&pl);

	ck_assert(pg_ports_parse(" 443 , 80", &pl, err, sizeof(err)));
	assert_list(&pl, b, PG_ARRAY_LEN(b));
	pg_ports_clear(&pl);

	ck_assert(pg_ports_parse("22,22,20-25,25", &pl, err, sizeof(err)));
	assert_list(&pl, c, PG_ARRAY_LEN(c));
	pg_ports_clear(&pl);

	ck_assert(pg_ports_parse("1-65535", &pl, err, sizeof(err)));
	ck_assert_uint_eq(pl.n, 65535);
	ck_assert_uint_eq(pl.nr, 1); /* one range, whatever the number of ports */
	ck_assert_uint_eq(pl.r[0].lo, 1);
	ck_assert_uint_eq(pl.r[0].hi, 65535);
	pg_ports_clear(&pl);

	ck_assert(pg_ports_parse("65535,1,7-7", &pl, err, sizeof(err)));
	ck_assert_uint_eq(pl.n, 3);
	ck_assert_uint_eq(pl.nr, 3);
	ck_assert_uint_eq(pl.r[1].lo, 7);
	pg_ports_clear(&pl);

	/* touching items become one range, also across 64-port words */
	ck_assert(pg_ports_parse("10-63,64,65-200,201", &pl, err, sizeof(err)));
	assert_form(&pl);
	ck_assert_uint_eq(pl.nr, 1);
	ck_assert_uint_eq(pl.n, 192);
	pg_ports_clear(&pl);
}
END_TEST

static const struct {
	const char *spec, *msg;
} bad_specs[] = {
	{ "0", "port 0 is outside 1-65535" },
	{ "65536", "port 65536 is outside 1-65535" },
	{ "80,70000", "port 70000 is outside 1-65535" },
	{ "99999999999999999999999999", "is outside 1-65535" },
	{ "a", "'a' is not a port number" },
	{ "80a", "'80a' is not a port number" },
	{ "-1", "is not a port range" },
	{ "+80", "'+80' is not a port number" },
	{ "10-5", "range 10-5 is reversed" },
	{ "", "empty port list" },
	{ ",80", "empty item" },
	{ "80,", "empty item" },
	{ "80,,443", "empty item" },
	{ "5-", "is not a port range" },
	{ "1-2-3", "is not a port number" },
	{ "80 443", "is not a port number" },
	{ "0-10", "port 0 is outside 1-65535" },
	{ "1-65536", "port 65536 is outside 1-65535" },
	/* the protocol ending */
	{ "53/sctp", "'53/sctp': protocol 'sctp' is not tcp or udp" },
	{ "53/", "'53/': protocol '' is not tcp or udp" },
	{ "53/udpx", "protocol 'udpx' is not tcp or udp" },
	{ "/udp", "missing port number before '/udp'" },
	{ "80, /udp", "missing port number before '/udp'" },
	{ "70000/udp", "port 70000 is outside 1-65535" },
	{ "0/udp", "port 0 is outside 1-65535" },
	{ "10-5/udp", "range 10-5 is reversed" },
	{ "53/udp/udp", "protocol 'udp/udp' is not tcp or udp" },
	{ "udp/53", "protocol '53' is not tcp or udp (use 53/udp)" },
	/* the hint repeats the item's own number or range, with its protocol */
	{ "1-2/sctp", "protocol 'sctp' is not tcp or udp (use 1-2/udp)" },
	{ " 161 /udpp", "protocol 'udpp' is not tcp or udp (use 161/udp)" },
	{ "10-5/udp", "range 10-5 is reversed (use 5-10/udp)" },
	{ "10-5", "range 10-5 is reversed (use 5-10)" },
};

START_TEST(parse_errors)
{
	struct pg_portlist pl = {
		(struct pg_port_range *)1, 99, 99, { (struct pg_port_range *)1, 99, 99 }
	}; /* must be reset to empty */
	char err[128] = "";

	ck_assert_msg(!pg_ports_parse(bad_specs[_i].spec, &pl, err, sizeof(err)), "accepted '%s'",
		      bad_specs[_i].spec);
	ck_assert_msg(strstr(err, bad_specs[_i].msg), "'%s': got '%s', want '%s'",
		      bad_specs[_i].spec, err, bad_specs[_i].msg);
	ck_assert_ptr_null(pl.r);
	ck_assert_ptr_null(pl.udp.r);
	ck_assert_uint_eq(pl.udp.n, 0);
	ck_assert_uint_eq(pl.nr, 0);
	ck_assert_uint_eq(pl.n, 0);
}
END_TEST

START_TEST(add_has_merge_copy)
{
	struct pg_portlist a = { 0 }, b = { 0 }, c;
	char err[128];
	static const uint16_t want_a[] = { 1, 80, 443, 65535 };
	static const uint16_t want_m[] = { 1, 22, 80, 443, 8080, 65535 };

	pg_ports_add(&a, 443);
	pg_ports_add(&a, 80);
	pg_ports_add(&a, 65535);
	pg_ports_add(&a, 1);
	pg_ports_add(&a, 80); /* duplicate */
	assert_list(&a, want_a, PG_ARRAY_LEN(want_a));
	ck_assert(pg_ports_has(&a, 443));
	ck_assert(!pg_ports_has(&a, 444));
	ck_assert(!pg_ports_has(&b, 1));

	pg_ports_add(&b, 8080);
	pg_ports_add(&b, 22);
	pg_ports_add(&b, 80);
	pg_ports_copy(&c, &a);
	pg_ports_merge(&a, &b);
	assert_list(&a, want_m, PG_ARRAY_LEN(want_m));
	/* The copy is independent of the merged original. */
	assert_list(&c, want_a, PG_ARRAY_LEN(want_a));

	pg_ports_merge(&c, NULL);
	assert_list(&c, want_a, PG_ARRAY_LEN(want_a));
	pg_ports_clear(&a);
	pg_ports_clear(&b);
	pg_ports_clear(&c);
	ck_assert_ptr_null(a.r);
	ck_assert_uint_eq(a.n, 0);

	/* Merging into an empty list, and copying an empty list. */
	pg_ports_add(&b, 7);
	pg_ports_merge(&a, &b);
	ck_assert_uint_eq(a.n, 1);
	pg_ports_clear(&b);
	pg_ports_copy(&c, &b);
	ck_assert_uint_eq(c.n, 0);
	ck_assert_ptr_null(c.r);

	/* adding next to a range extends it; filling a gap joins two */
	pg_ports_clear(&a); /* parse overwrites without freeing */
	ck_assert(pg_ports_parse("10-20,22-30", &a, err, sizeof(err)));
	pg_ports_add(&a, 21);
	assert_form(&a);
	ck_assert_uint_eq(a.nr, 1);
	ck_assert_uint_eq(a.n, 21);
	pg_ports_add(&a, 9);
	ck_assert_uint_eq(a.nr, 1);
	ck_assert_uint_eq(a.r[0].lo, 9);
	pg_ports_clear(&a);
}
END_TEST

START_TEST(default_candidates)
{
	static const uint16_t must[] = { 21,   22,   23,    25,    53,    80,   110,  111,
					 135,  139,  143,   443,   445,   465,  587,  993,
					 995,  1433, 1521,  2049,  2375,  2376, 3000, 3306,
					 3389, 5000, 5432,  5601,  5900,  5984, 6379, 6443,
					 8000, 8008, 8080,  8081,  8443,  8888, 9000, 9090,
					 9200, 9300, 10250, 11211, 15672, 27017 };
	struct pg_portlist pl;
	size_t i;

	pg_ports_from_array(&pl, pg_default_candidate_ports, pg_default_candidate_ports_n);
	ck_assert_uint_eq(pl.n, pg_default_candidate_ports_n);
	ck_assert_uint_ge(pg_default_candidate_ports_n, PG_ARRAY_LEN(must));
	for (i = 1; i < pg_default_candidate_ports_n; i++)
		ck_assert_msg(pg_default_candidate_ports[i - 1] < pg_default_candidate_ports[i],
			      "not sorted/unique at %zu", i);
	for (i = 0; i < PG_ARRAY_LEN(must); i++)
		ck_assert_msg(pg_ports_has(&pl, must[i]), "port %u missing", must[i]);
	ck_assert_uint_ne(pg_default_candidate_ports[0], 0);
	pg_ports_clear(&pl);
}
END_TEST

/* Ranges are set a word (64 ports) at a time: check every word edge against
 * a plain bit-per-port reference. */
START_TEST(range_word_edges)
{
	static const unsigned edges[][2] = {
		{ 1, 1 },         { 1, 63 },    { 63, 64 },   { 64, 127 },
		{ 60, 130 },      { 127, 128 }, { 1, 65535 }, { 65472, 65535 },
		{ 65535, 65535 }, { 100, 100 }, { 191, 320 },
	};
	size_t i, j;

	for (i = 0; i < PG_ARRAY_LEN(edges); i++) {
		struct pg_portlist pl;
		char spec[64], err[128];
		size_t want = edges[i][1] - edges[i][0] + 1;

		snprintf(spec, sizeof(spec), "%u-%u", edges[i][0], edges[i][1]);
		ck_assert_msg(pg_ports_parse(spec, &pl, err, sizeof(err)), "%s: %s", spec, err);
		ck_assert_msg(pl.n == want, "%s: %zu ports, want %zu", spec, pl.n, want);
		uint16_t *v = pg_ports_expand(&pl);
		for (j = 0; j < pl.n; j++)
			ck_assert_uint_eq(v[j], edges[i][0] + j);
		free(v);
		ck_assert_uint_eq(pl.nr, 1);
		pg_ports_clear(&pl);
	}
}
END_TEST

/* Regression (hand-made large input, fuzz/README.md): a range cost one
 * step per port, so "1-65535" repeated 20,000 times (160 KB) took seconds; a manifest of
 * full-range defaults for 10,000 assets took 20 s. */
START_TEST(many_full_ranges_fast)
{
	size_t reps = 20000, len = reps * 8, i;
	char *spec = pg_xmalloc(len + 1), err[128];
	struct pg_portlist pl;

	for (i = 0; i < reps; i++)
		memcpy(spec + i * 8, "1-65535,", 8);
	spec[len - 1] = '\0'; /* drop the last comma */
	ck_assert_msg(pg_ports_parse(spec, &pl, err, sizeof(err)), "%s", err);
	/* one range (time and memory are measured in bench/, not asserted here) */
	ck_assert_uint_eq(pl.n, 65535);
	ck_assert_uint_eq(pl.nr, 1);
	ck_assert_uint_eq(pl.r[0].lo, 1);
	ck_assert_uint_eq(pl.r[0].hi, 65535);
	pg_ports_clear(&pl);
	free(spec);
}
END_TEST

/* The UDP ports of a set, expanded, are want, and each is found as UDP. */
static void assert_udp(const struct pg_portlist *pl, const uint16_t *want, size_t n)
{
	uint16_t *v = pg_ports_expand_udp(pl);

	ck_assert_uint_eq(pl->udp.n, n);
	for (size_t i = 0; i < n; i++) {
		ck_assert_uint_eq(v[i], want[i]);
		ck_assert(pg_ports_has_udp(pl, want[i]));
		ck_assert(pg_ports_has_proto(pl, true, want[i]));
	}
	free(v);
}

START_TEST(udp_parse)
{
	struct pg_portlist pl;
	char err[128];
	static const uint16_t tcp[] = { 53, 80, 443 };
	static const uint16_t udp[] = { 53,   161,  1000, 1001, 1002, 1003, 1004,
					1005, 1006, 1007, 1008, 1009, 1010 };

	ck_assert_msg(pg_ports_parse("80,53/udp, 1000-1010/udp ,443/tcp,161/UDP,53", &pl, err,
				     sizeof(err)),
		      "%s", err);
	assert_list(&pl, tcp, PG_ARRAY_LEN(tcp)); /* TCP view unchanged: bare and /tcp */
	assert_udp(&pl, udp, PG_ARRAY_LEN(udp));
	ck_assert_uint_eq(pl.udp.nr, 3); /* 53, 161, 1000-1010 */
	ck_assert_uint_eq(pg_ports_total(&pl), 16);
	ck_assert(!pg_ports_has(&pl, 161)); /* 161/udp is not 161/tcp */
	ck_assert(!pg_ports_has_udp(&pl, 80));
	ck_assert(!pg_ports_has_proto(&pl, false, 1000));
	ck_assert(pg_ports_has_proto(&pl, false, 80));
	pg_ports_clear(&pl);
	ck_assert_uint_eq(pg_ports_total(&pl), 0);
	ck_assert_ptr_null(pl.udp.r);

	/* UDP only: no TCP port at all */
	ck_assert(pg_ports_parse("53/udp", &pl, err, sizeof(err)));
	ck_assert_uint_eq(pl.n, 0);
	ck_assert_ptr_null(pg_ports_expand(&pl));
	ck_assert_uint_eq(pl.udp.n, 1);
	pg_ports_clear(&pl);

	/* "1-65535/udp" is one range, like TCP */
	ck_assert(pg_ports_parse("1-65535/udp", &pl, err, sizeof(err)));
	ck_assert_uint_eq(pl.udp.nr, 1);
	ck_assert_uint_eq(pl.udp.n, 65535);
	pg_ports_clear(&pl);

	/* a failure leaves both transports empty */
	ck_assert(!pg_ports_parse("53/udp,70000/udp", &pl, err, sizeof(err)));
	ck_assert_uint_eq(pg_ports_total(&pl), 0);
	ck_assert_ptr_null(pl.udp.r);
}
END_TEST

START_TEST(udp_merge_copy_add)
{
	struct pg_portlist a, b, c;
	char err[128];
	static const uint16_t udp[] = { 53, 67, 68, 69, 123 };

	ck_assert(pg_ports_parse("80,53/udp,67-68/udp", &a, err, sizeof(err)));
	ck_assert(pg_ports_parse("443,69/udp,123/udp", &b, err, sizeof(err)));
	pg_ports_copy(&c, &a);
	ck_assert_ptr_ne(c.udp.r, a.udp.r); /* a deep copy */
	pg_ports_merge(&c, &b);
	assert_udp(&c, udp, PG_ARRAY_LEN(udp));
	ck_assert_uint_eq(c.udp.nr, 3); /* 53, 67-69 (merged), 123 */
	ck_assert_uint_eq(c.n, 2);
	ck_assert(pg_ports_has(&c, 80) && pg_ports_has(&c, 443));
	pg_ports_add_udp(&c, 500);
	ck_assert(pg_ports_has_udp(&c, 500));
	ck_assert(!pg_ports_has(&c, 500));
	pg_ports_add(&c, 22);
	ck_assert(!pg_ports_has_udp(&c, 22));
	ck_assert_uint_eq(pg_ports_total(&c), 9);
	/* the sources are untouched */
	ck_assert_uint_eq(a.udp.n, 3);
	ck_assert_uint_eq(b.udp.n, 2);
	/* a TCP-only set from an array has no UDP ports */
	pg_ports_clear(&c);
	pg_ports_from_array(&c, udp, PG_ARRAY_LEN(udp));
	ck_assert_uint_eq(c.udp.n, 0);
	ck_assert_uint_eq(c.n, PG_ARRAY_LEN(udp));
	pg_ports_clear(&a);
	pg_ports_clear(&b);
	pg_ports_clear(&c);
}
END_TEST

static Suite *ports_suite(void)
{
	Suite *s = suite_create("ports");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, parse_ok);
	tcase_add_loop_test(tc, parse_errors, 0, (int)PG_ARRAY_LEN(bad_specs));
	tcase_add_test(tc, add_has_merge_copy);
	tcase_add_test(tc, default_candidates);
	tcase_add_test(tc, range_word_edges);
	tcase_add_test(tc, many_full_ranges_fast);
	tcase_add_test(tc, udp_parse);
	tcase_add_test(tc, udp_merge_copy_add);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return pg_check_run(ports_suite());
}
