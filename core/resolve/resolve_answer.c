/* resolve_answer.c - parse one DNS answer (A or AAAA) by hand rather than
 * with ares_parse_*_reply, so that the CNAME chain and the address order are
 * exactly what the server sent, and so that a CNAME chain is kept even when
 * it ends in NXDOMAIN or in a name without addresses. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "resolve_int.h"
#include "util/util.h"

#define MAX_CNAME_HOPS 16

static unsigned get16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

struct rr {
	char *owner; /* owned */
	unsigned type, cls;
	const unsigned char *rdata;
	unsigned rdlen;
};

/* Skip the question section; NULL if malformed. */
static const unsigned char *skip_questions(const unsigned char *abuf, int alen,
					   const unsigned char *p, unsigned qd)
{
	while (qd--) {
		char *nm;
		long enclen;

		if (ares_expand_name(p, abuf, alen, &nm, &enclen) != ARES_SUCCESS)
			return NULL;
		ares_free_string(nm);
		p += enclen + 4;
		if (p > abuf + alen)
			return NULL;
	}
	return p;
}

/* Split the answer section into rrs (owned array); returns the count or -1. */
static int parse_rrs(const unsigned char *abuf, int alen, struct rr **out)
{
	const unsigned char *p, *end = abuf + alen;
	unsigned an, i;
	struct rr *rrs;
	int n = 0;

	*out = NULL;
	if (alen < 12)
		return -1;
	an = get16(abuf + 6);
	p = skip_questions(abuf, alen, abuf + 12, get16(abuf + 4));
	if (!p)
		return -1;
	rrs = pg_xcalloc(an ? an : 1, sizeof(*rrs));
	for (i = 0; i < an; i++) {
		long enclen;
		char *owner;

		if (ares_expand_name(p, abuf, alen, &owner, &enclen) != ARES_SUCCESS)
			break;
		p += enclen;
		if (end - p < 10) {
			ares_free_string(owner);
			break;
		}
		rrs[n].owner = pg_xstrdup(owner);
		ares_free_string(owner);
		rrs[n].type = get16(p);
		rrs[n].cls = get16(p + 2);
		rrs[n].rdlen = get16(p + 8);
		rrs[n].rdata = p + 10;
		p += 10 + rrs[n].rdlen;
		if (p > end) {
			free(rrs[n].owner);
			break;
		}
		n++;
	}
	*out = rrs;
	return n;
}

static void free_rrs(struct rr *rrs, int n)
{
	int i;

	for (i = 0; i < n; i++)
		free(rrs[i].owner);
	free(rrs);
}

/* Follow CNAMEs from qname through the answer, appending each target. */
static void follow_chain(const unsigned char *abuf, int alen, const struct rr *rrs, int n,
			 const char *qname, struct answer *ans)
{
	const char *cur = qname;
	int hop, i;

	for (hop = 0; hop < MAX_CNAME_HOPS; hop++) {
		char *target = NULL;
		long enclen;

		for (i = 0; i < n; i++)
			if (rrs[i].type == DNS_T_CNAME && rrs[i].cls == DNS_C_IN &&
			    pg_dns_name_eq(rrs[i].owner, cur))
				break;
		if (i == n ||
		    ares_expand_name(rrs[i].rdata, abuf, alen, &target, &enclen) != ARES_SUCCESS)
			return;
		pg_grow(&ans->chain, &ans->chaincap, ans->nchain + 1, sizeof(*ans->chain));
		ans->chain[ans->nchain++] = pg_xstrdup(target);
		ares_free_string(target);
		cur = ans->chain[ans->nchain - 1];
	}
}

/* An address record counts when its owner is the name or a name of its chain. */
static bool owner_in_chain(const char *owner, const char *qname, const struct answer *ans)
{
	size_t i;

	if (pg_dns_name_eq(owner, qname))
		return true;
	for (i = 0; i < ans->nchain; i++)
		if (pg_dns_name_eq(owner, ans->chain[i]))
			return true;
	return false;
}

static void collect_addrs(const struct rr *rrs, int n, int slot, const char *qname,
			  struct answer *ans)
{
	unsigned want = slot == SLOT_A ? DNS_T_A : DNS_T_AAAA;
	unsigned len = slot == SLOT_A ? 4 : 16;
	int i;

	for (i = 0; i < n; i++) {
		struct pg_addr a;

		if (rrs[i].type != want || rrs[i].cls != DNS_C_IN || rrs[i].rdlen != len ||
		    !owner_in_chain(rrs[i].owner, qname, ans))
			continue;
		if (slot == SLOT_A)
			pg_addr_from_v4(&a, rrs[i].rdata);
		else
			pg_addr_from_v6(&a, rrs[i].rdata, 0);
		pg_grow(&ans->addrs, &ans->addrcap, ans->naddrs + 1, sizeof(*ans->addrs));
		ans->addrs[ans->naddrs++] = a;
	}
}

void pg_resolve_parse_answer(const unsigned char *abuf, int alen, int slot, const char *qname,
			     struct answer *ans)
{
	struct rr *rrs;
	int n = parse_rrs(abuf, alen, &rrs);

	if (n < 0)
		return;
	follow_chain(abuf, alen, rrs, n, qname, ans);
	collect_addrs(rrs, n, slot, qname, ans);
	free_rrs(rrs, n);
}
