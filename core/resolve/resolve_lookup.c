/* resolve_lookup.c - one DNS query of one record type (A, AAAA, CNAME, NS,
 * MX, TXT, CAA, SOA) on its own c-ares channel, answers as text. Each call
 * has its own channel, so it is thread-safe with no shared state; it makes
 * one try that fits in the caller's deadline. */
#include "config.h"
#include "resolve.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resolve_int.h"
#include "util/util.h"

enum {
	RR_A = 1,
	RR_NS = 2,
	RR_CNAME = 5,
	RR_SOA = 6,
	RR_MX = 15,
	RR_TXT = 16,
	RR_AAAA = 28,
	RR_CAA = 257,
};

struct lookup {
	int type;
	int status; /* -1 until the callback ran */
	struct pg_rr_list *out;
};

static void rr_add(struct pg_rr_list *l, char *s /* taken */)
{
	size_t cap = l->n;

	pg_grow(&l->v, &cap, l->n + 1, sizeof(*l->v));
	l->v[l->n++] = s;
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* TXT: the character-strings joined without separator. */
static char *txt_text(const unsigned char *rd, size_t rdlen)
{
	char *s = pg_xmalloc(rdlen + 1);
	size_t o = 0, w = 0;

	while (o < rdlen) {
		size_t l = rd[o++];
		if (o + l > rdlen)
			break;
		memcpy(s + w, rd + o, l);
		w += l;
		o += l;
	}
	s[w] = '\0';
	return s;
}

/* CAA (RFC 8659): flags, tag, value as a zone file writes it: 0 issue "ca.example". */
static char *caa_text(const unsigned char *rd, size_t rdlen)
{
	size_t taglen = rdlen >= 2 ? rd[1] : 0;

	if (rdlen < 2 || taglen == 0 || 2 + taglen > rdlen)
		return NULL;
	return pg_xasprintf("%u %.*s \"%.*s\"", rd[0], (int)taglen, (const char *)rd + 2,
			    (int)(rdlen - 2 - taglen), (const char *)rd + 2 + taglen);
}

/* SOA: "mname rname serial refresh retry expire minimum", names without the root dot. */
static char *soa_text(const unsigned char *rd, size_t rdlen, const unsigned char *abuf, int alen)
{
	char *mname = NULL, *rname = NULL, *s = NULL;
	long l1, l2;
	const unsigned char *p;

	if (ares_expand_name(rd, abuf, alen, &mname, &l1) != ARES_SUCCESS)
		return NULL;
	if ((size_t)l1 < rdlen &&
	    ares_expand_name(rd + l1, abuf, alen, &rname, &l2) == ARES_SUCCESS &&
	    (size_t)(l1 + l2) + 20 <= rdlen) {
		p = rd + l1 + l2;
		s = pg_xasprintf("%s %s %u %u %u %u %u", mname, rname, be32(p), be32(p + 4),
				 be32(p + 8), be32(p + 12), be32(p + 16));
	}
	ares_free_string(mname);
	ares_free_string(rname);
	return s;
}

static char *name_text(const unsigned char *rd, const unsigned char *abuf, int alen)
{
	char *name = NULL, *s;
	long enclen;

	if (ares_expand_name(rd, abuf, alen, &name, &enclen) != ARES_SUCCESS)
		return NULL;
	s = pg_xstrdup(name);
	ares_free_string(name);
	return s;
}

static char *rr_text(int type, const unsigned char *abuf, int alen, const unsigned char *rd,
		     size_t rdlen)
{
	char text[INET6_ADDRSTRLEN], *name, *s;

	switch (type) {
	case RR_A:
		return rdlen == 4 ? pg_xstrdup(inet_ntop(AF_INET, rd, text, sizeof(text))) : NULL;
	case RR_AAAA:
		return rdlen == 16 ? pg_xstrdup(inet_ntop(AF_INET6, rd, text, sizeof(text))) : NULL;
	case RR_CNAME:
	case RR_NS: return name_text(rd, abuf, alen);
	case RR_MX:
		if (rdlen <= 2 || !(name = name_text(rd + 2, abuf, alen)))
			return NULL;
		s = pg_xasprintf("%u %s", (unsigned)(rd[0] << 8 | rd[1]), name);
		free(name);
		return s;
	case RR_TXT: return txt_text(rd, rdlen);
	case RR_CAA: return caa_text(rd, rdlen);
	case RR_SOA: return soa_text(rd, rdlen, abuf, alen);
	}
	return NULL;
}

/* Walk the answer section, keeping records of the asked type. */
static void parse(struct lookup *q, const unsigned char *abuf, int alen)
{
	const unsigned char *p = abuf + 12, *end = abuf + alen;
	unsigned qd, an;
	char *name, *text;
	long enclen;

	if (alen < 12)
		return;
	qd = (unsigned)(abuf[4] << 8 | abuf[5]);
	an = (unsigned)(abuf[6] << 8 | abuf[7]);
	for (unsigned i = 0; i < qd; i++) {
		if (ares_expand_name(p, abuf, alen, &name, &enclen) != ARES_SUCCESS)
			return;
		ares_free_string(name);
		p += enclen + 4;
	}
	for (unsigned i = 0; i < an && p < end; i++) {
		if (ares_expand_name(p, abuf, alen, &name, &enclen) != ARES_SUCCESS)
			return;
		ares_free_string(name);
		p += enclen;
		if (end - p < 10)
			return;
		int type = p[0] << 8 | p[1];
		size_t rdlen = (size_t)(p[8] << 8 | p[9]);
		p += 10;
		if ((size_t)(end - p) < rdlen)
			return;
		if (type == q->type && (text = rr_text(type, abuf, alen, p, rdlen)))
			rr_add(q->out, text);
		p += rdlen;
	}
}

static void on_answer(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct lookup *q = arg;

	(void)timeouts;
	q->status = status;
	if (status == ARES_SUCCESS)
		parse(q, abuf, alen);
}

int pg_resolve_rrtype(const char *s)
{
	static const struct {
		const char *name;
		int type;
	} types[] = {
		{ "A", RR_A },   { "NS", RR_NS },   { "CNAME", RR_CNAME }, { "SOA", RR_SOA },
		{ "MX", RR_MX }, { "TXT", RR_TXT }, { "AAAA", RR_AAAA },   { "CAA", RR_CAA },
	};
	for (size_t i = 0; s && i < PG_ARRAY_LEN(types); i++)
		if (!strcmp(s, types[i].name))
			return types[i].type;
	return -1;
}

static int channel_open(ares_channel *ch, const struct pg_lookup *q, char *err, size_t errlen)
{
	struct ares_options o = { 0 };
	struct ares_addr_port_node node;

	o.timeout = q->timeout_ms > 0 ? q->timeout_ms : 2000;
	o.tries = 1;
	if (q->server && pg_resolve_parse_server(q->server, &node, err, errlen) != 0)
		return -1;
	if (ares_init_options(ch, &o, ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES) != ARES_SUCCESS) {
		snprintf(err, errlen, "cannot initialise resolver");
		return -1;
	}
	if (q->server && ares_set_servers_ports(*ch, &node) != ARES_SUCCESS) {
		ares_destroy(*ch);
		snprintf(err, errlen, "bad server '%s'", q->server);
		return -1;
	}
	return 0;
}

int pg_resolve_lookup(const struct pg_lookup *q, struct pg_rr_list *out, char *err, size_t errlen)
{
	struct lookup st = { .type = pg_resolve_rrtype(q->rrtype), .status = -1, .out = out };
	/* the one try ends by itself at timeout_ms; the guard bounds the loop */
	uint64_t stop = q->deadline_ms ? q->deadline_ms
				       : pg_clock_now_ms() + (uint64_t)q->timeout_ms + 1000;
	ares_channel ch;

	memset(out, 0, sizeof(*out));
	if (st.type < 0) {
		snprintf(err, errlen, "unsupported record type '%s'",
			 q->rrtype ? q->rrtype : "(null)");
		return -1;
	}
	if (channel_open(&ch, q, err, errlen) != 0)
		return -1;
	ares_query(ch, q->name, 1 /* C_IN */, st.type, on_answer, &st);
	for (int guard = 0; st.status == -1 && guard < 100000; guard++) {
		if (pg_clock_now_ms() >= stop) {
			ares_cancel(ch); /* the callback sees ARES_ECANCELLED */
			break;
		}
		pg_resolve_poll_once(ch, stop);
	}
	ares_destroy(ch);
	if (st.status == ARES_SUCCESS || st.status == ARES_ENOTFOUND || st.status == ARES_ENODATA)
		return 0;
	pg_rr_list_clear(out);
	snprintf(err, errlen, "%s",
		 st.status == -1                ? "no answer"
		 : st.status == ARES_ECANCELLED ? "no answer before the call's deadline"
						: ares_strerror(st.status));
	return -1;
}

void pg_rr_list_clear(struct pg_rr_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}
