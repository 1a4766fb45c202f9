/* resolve.c - resolve every target of a run concurrently with c-ares.
 *
 * One channel carries an A and an AAAA query for every name. Queries run in a
 * sliding window (so a burst of answers never overflows the UDP receive
 * buffer), driven by ares_getsock + poll, under one overall deadline. Answers
 * are parsed in resolve_answer.c, IP literals in resolve_addr.c, the server
 * spec in resolve_server.c, the poll step in resolve_poll.c. */
#include "config.h"
#include "resolve.h"

#include <ares.h>
#include <netdb.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"
#include "resolve_int.h"
#include "util/util.h"

#define DEFAULT_TIMEOUT_MS 2000
#define DEFAULT_TRIES      2
/* Queries in flight at once. A burst larger than the server's socket buffer
 * loses queries whenever the server is briefly descheduled (seen with 200
 * against dnsmasq's default ~210 KiB buffer, which holds ~90 small
 * datagrams on loopback), and each loss costs a full timeout. 64 fits, still
 * gives 3,200 queries/s at 20 ms RTT, and stays under public resolvers'
 * per-client rate limits. */
#define WINDOW_QUERIES     64
#define MAX_NAME_LEN       253

struct name_state;

/* The c-ares callback argument of one query. */
struct query {
	struct name_state *nm;
	int slot;
};

struct name_state {
	struct resolver *r;
	const char *name;          /* borrowed from the caller */
	struct pg_resolution *out; /* borrowed */
	struct query q[NSLOTS];
	struct answer ans[NSLOTS];
	int pending;
	uint64_t started_ms;
	uint64_t ended_ms;
};

struct resolver {
	ares_channel ch;
	struct name_state *names; /* owned; only the names that need DNS */
	size_t n, next;
	size_t inflight;       /* queries sent and not yet answered */
	bool saw_conn_refused; /* some query got ICMP port unreachable */
	size_t answered;       /* queries the server answered (any rcode) */
	size_t unanswered;     /* queries that ended in timeout or refusal */
	uint64_t start_ms;
	char server_text[128]; /* for error messages */
};

/* ---- results -------------------------------------------------------- */

void pg_resolution_clear(struct pg_resolution *r)
{
	size_t i;

	if (!r)
		return;
	free(r->error);
	for (i = 0; i < r->ncnames; i++)
		free(r->cnames[i]);
	free(r->cnames);
	free(r->addrs);
	memset(r, 0, sizeof(*r));
}

static void set_error(struct pg_resolution *r, char *msg /* taken */)
{
	free(r->error);
	r->error = msg;
	r->ok = false;
}

static bool same_addr(const struct pg_addr *x, const struct pg_addr *y)
{
	if (x->family != y->family)
		return false;
	if (x->family == AF_INET)
		return !memcmp(&((const struct sockaddr_in *)&x->ss)->sin_addr,
			       &((const struct sockaddr_in *)&y->ss)->sin_addr, 4);
	return !memcmp(&((const struct sockaddr_in6 *)&x->ss)->sin6_addr,
		       &((const struct sockaddr_in6 *)&y->ss)->sin6_addr, 16);
}

/* Append a copy of a to r->addrs unless it is already there. */
static void add_unique_addr(struct pg_resolution *r, size_t *cap, const struct pg_addr *a)
{
	size_t i;

	for (i = 0; i < r->naddrs; i++)
		if (same_addr(&r->addrs[i], a))
			return;
	pg_grow(&r->addrs, cap, r->naddrs + 1, sizeof(*r->addrs));
	r->addrs[r->naddrs++] = *a;
}

static void answer_clear(struct answer *a)
{
	size_t i;

	for (i = 0; i < a->nchain; i++)
		free(a->chain[i]);
	free(a->chain);
	free(a->addrs);
	memset(a, 0, sizeof(*a));
}

/* ---- per-name completion -------------------------------------------- */

/* Rank of a failure when the two queries of a name disagree: NXDOMAIN is
 * authoritative; a refused connection explains a timeout of the sibling query
 * (the one ICMP error reaches only one of them); "no records" only counts when
 * nothing went wrong. */
static int status_rank(int status)
{
	switch (status) {
	case ARES_ENOTFOUND: return 5;
	case ARES_ECONNREFUSED: return 4;
	case ARES_ETIMEOUT:
	case ARES_ECANCELLED:
	case ARES_EDESTRUCTION: return 2;
	case ARES_SUCCESS:
	case ARES_ENODATA: return 1;
	default: /* SERVFAIL, REFUSED, bad answers... */ return 3;
	}
}

static int pick_status(const struct name_state *nm)
{
	int a = nm->ans[SLOT_A].status, aaaa = nm->ans[SLOT_AAAA].status;
	int s = status_rank(aaaa) > status_rank(a) ? aaaa : a;

	if (s == ARES_SUCCESS)
		s = ARES_ENODATA;
	/* Once the server port was seen closed, a silent query means the same. */
	if (status_rank(s) == 2 && nm->r->saw_conn_refused)
		s = ARES_ECONNREFUSED;
	return s;
}

static char *status_message(const struct name_state *nm, int status)
{
	switch (status) {
	case ARES_ENOTFOUND: return pg_xstrdup("NXDOMAIN (name does not exist)");
	case ARES_ENODATA: return pg_xstrdup("no A or AAAA records");
	case ARES_ETIMEOUT:
	case ARES_ECANCELLED:
	case ARES_EDESTRUCTION:
		return pg_xasprintf("DNS timeout after %llu ms",
				    (unsigned long long)(nm->ended_ms - nm->started_ms));
	case ARES_ESERVFAIL: return pg_xstrdup("SERVFAIL");
	case ARES_EREFUSED: return pg_xasprintf("REFUSED by DNS server %s", nm->r->server_text);
	case ARES_ECONNREFUSED:
		return pg_xasprintf("connection refused by DNS server %s", nm->r->server_text);
	case ARES_EBADNAME: return pg_xstrdup("invalid host name");
	case ARES_EFORMERR:
	case ARES_EBADRESP: return pg_xstrdup("malformed DNS answer");
	default: return pg_xasprintf("DNS error: %s", ares_strerror(status));
	}
}

/* Move the chain of the answer that has one (A first) into out. */
static void take_chain(struct name_state *nm)
{
	struct answer *src = &nm->ans[SLOT_A];

	if (!src->nchain)
		src = &nm->ans[SLOT_AAAA];
	nm->out->cnames = src->chain;
	nm->out->ncnames = src->nchain;
	src->chain = NULL;
	src->nchain = 0;
}

static void finish_name(struct name_state *nm)
{
	struct pg_resolution *out = nm->out;
	size_t cap = 0, i;
	int slot;

	take_chain(nm);
	for (slot = 0; slot < NSLOTS; slot++)
		for (i = 0; i < nm->ans[slot].naddrs; i++)
			add_unique_addr(out, &cap, &nm->ans[slot].addrs[i]);
	out->ok = out->naddrs > 0;
	if (!out->ok)
		set_error(out, status_message(nm, pick_status(nm)));
	for (slot = 0; slot < NSLOTS; slot++)
		answer_clear(&nm->ans[slot]);
}

static void on_answer(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct query *q = arg;
	struct name_state *nm = q->nm;
	struct answer *ans = &nm->ans[q->slot];

	(void)timeouts;
	if (ans->done) /* cannot happen: c-ares calls back once per query */
		return;
	ans->done = true;
	ans->status = status;
	if (status == ARES_ECONNREFUSED)
		nm->r->saw_conn_refused = true;
	if (status == ARES_ECONNREFUSED || status == ARES_ETIMEOUT)
		nm->r->unanswered++;
	else if (abuf)
		nm->r->answered++;
	/* NXDOMAIN answers still carry the chain that led to the missing name. */
	if (abuf && alen > 0 && (status == ARES_SUCCESS || status == ARES_ENOTFOUND))
		pg_resolve_parse_answer(abuf, alen, q->slot, nm->name, ans);
	if (status == ARES_SUCCESS && !ans->naddrs)
		ans->status = ARES_ENODATA; /* e.g. a CNAME to a name without addresses */
	nm->r->inflight--;
	if (--nm->pending == 0) {
		nm->ended_ms = pg_clock_now_ms();
		finish_name(nm);
	}
}

/* ---- channel setup -------------------------------------------------- */

static void library_init_once(void)
{
	int rc = ares_library_init(ARES_LIB_INIT_ALL);

	if (rc != ARES_SUCCESS)
		pg_error("c-ares initialisation failed: %s", ares_strerror(rc));
}

static int channel_new(const struct pg_resolve_opts *opts, struct resolver *r, char *err,
		       size_t errlen)
{
	struct ares_options o;
	struct ares_addr_port_node server;
	int mask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_SOCK_RCVBUF;
	int rc;

	if (opts->server && pg_resolve_parse_server(opts->server, &server, err, errlen) < 0)
		return -1;
	memset(&o, 0, sizeof(o));
	/* c-ares 1.18 would retry a SERVFAIL or REFUSED answer on the next server
	 * and finally report "connection refused"; hand the rcode to us instead
	 * so the evidence says what the server said. */
	o.flags = ARES_FLAG_NOCHECKRESP;
	o.timeout = opts->timeout_ms > 0 ? opts->timeout_ms : DEFAULT_TIMEOUT_MS;
	o.tries = opts->tries > 0 ? opts->tries : DEFAULT_TRIES;
	o.socket_receive_buffer_size = 1 << 20; /* the kernel caps it at rmem_max */
	rc = ares_init_options(&r->ch, &o, mask);
	if (rc == ARES_SUCCESS && opts->server)
		rc = ares_set_servers_ports(r->ch, &server);
	if (rc != ARES_SUCCESS) {
		snprintf(err, errlen, "cannot start the DNS resolver: %s", ares_strerror(rc));
		if (r->ch)
			ares_destroy(r->ch);
		r->ch = NULL;
		return -1;
	}
	pg_resolve_describe_servers(r->ch, r->server_text, sizeof(r->server_text));
	return 0;
}

/* Worst case for one query: c-ares doubles the timeout on every retry. */
static uint64_t query_budget_ms(const struct pg_resolve_opts *opts)
{
	uint64_t t = opts->timeout_ms > 0 ? (uint64_t)opts->timeout_ms : DEFAULT_TIMEOUT_MS;
	int tries = opts->tries > 0 ? opts->tries : DEFAULT_TRIES, i;
	uint64_t total = 0;

	for (i = 0; i < tries && i < 16; i++)
		total += t << i;
	return total;
}

/* ---- event loop ----------------------------------------------------- */

static void start_name(struct resolver *r, struct name_state *nm)
{
	int slot;

	nm->started_ms = pg_clock_now_ms();
	nm->pending = NSLOTS;
	r->inflight += NSLOTS;
	for (slot = 0; slot < NSLOTS; slot++) {
		nm->q[slot].nm = nm;
		nm->q[slot].slot = slot;
		/* ares_query, not ares_search: targets are absolute names. It may
		 * call back at once (bad name), which on_answer handles. */
		ares_query(r->ch, nm->name, DNS_C_IN, slot == SLOT_A ? DNS_T_A : DNS_T_AAAA,
			   on_answer, &nm->q[slot]);
	}
}

static void start_more(struct resolver *r)
{
	while (r->next < r->n && r->inflight + NSLOTS <= WINDOW_QUERIES)
		start_name(r, &r->names[r->next++]);
}

/* Names never sent: the deadline came, or the server is dead. */
static void fail_unstarted(struct resolver *r, const char *why)
{
	uint64_t now = pg_clock_now_ms();

	for (; r->next < r->n; r->next++) {
		struct name_state *nm = &r->names[r->next];

		nm->started_ms = nm->ended_ms = now;
		if (r->saw_conn_refused)
			set_error(nm->out, status_message(nm, ARES_ECONNREFUSED));
		else
			set_error(nm->out,
				  pg_xasprintf("DNS timeout after %llu ms (%s; name not queried)",
					       (unsigned long long)(now - r->start_ms), why));
	}
}

/* A full window lost and not a single answer: the server is down or
 * unreachable, and waiting a timeout per window for the remaining names
 * would only make a dead server cost minutes. */
static bool server_dead(const struct resolver *r)
{
	return !r->answered && r->unanswered >= WINDOW_QUERIES;
}

static void run_loop(struct resolver *r, uint64_t deadline)
{
	for (;;) {
		start_more(r);
		if (!r->inflight && r->next == r->n)
			return;
		if (pg_clock_now_ms() >= deadline || server_dead(r)) {
			const char *why = server_dead(r) ? "the DNS server never answered"
							 : "overall deadline reached";

			ares_cancel(r->ch); /* answers every open query with ARES_ECANCELLED */
			fail_unstarted(r, why);
			return;
		}
		pg_resolve_poll_once(r->ch, deadline);
	}
}

/* ---- hosts file (system resolver only) ------------------------------ */

static void copy_hostent(const struct hostent *he, struct pg_resolution *out, size_t *cap)
{
	char **p;

	for (p = he->h_addr_list; p && *p; p++) {
		struct pg_addr a;

		if (he->h_addrtype == AF_INET && he->h_length == 4)
			pg_addr_from_v4(&a, *p);
		else if (he->h_addrtype == AF_INET6 && he->h_length == 16)
			pg_addr_from_v6(&a, *p, 0);
		else
			continue;
		add_unique_addr(out, cap, &a);
	}
}

/* Like getaddrinfo, the system resolver answers from /etc/hosts first (so
 * "localhost" works); an explicit --dns-server is asked directly. */
static bool lookup_hosts_file(ares_channel ch, const char *name, struct pg_resolution *out)
{
	static const int families[] = { AF_INET, AF_INET6 };
	size_t cap = 0, i, len = strlen(name);
	/* hosts files list names without the root dot: "localhost." is "localhost" */
	char *bare = pg_xstrndup(name, len > 1 && name[len - 1] == '.' ? len - 1 : len);

	for (i = 0; i < PG_ARRAY_LEN(families); i++) {
		struct hostent *he = NULL;

		if (ares_gethostbyname_file(ch, bare, families[i], &he) == ARES_SUCCESS && he) {
			copy_hostent(he, out, &cap);
			ares_free_hostent(he);
		}
	}
	free(bare);
	out->ok = out->naddrs > 0;
	return out->ok;
}

/* ---- entry point ---------------------------------------------------- */

static bool valid_name(const char *s)
{
	size_t len = s ? strlen(s) : 0;

	if (len && s[len - 1] == '.')
		len--; /* the root dot does not count */
	return len > 0 && len <= MAX_NAME_LEN && s[0] != '.';
}

/* Fill out[i] for literals and bad names; queue the rest in r. */
static void classify(char *const *names, size_t n, bool use_hosts, struct resolver *r,
		     struct pg_resolution *out)
{
	size_t i;

	r->names = pg_xcalloc(n ? n : 1, sizeof(*r->names));
	for (i = 0; i < n; i++) {
		struct pg_addr a;

		if (pg_addr_parse_literal(names[i], 0, &a)) {
			size_t cap = 0;

			out[i].is_literal = true;
			add_unique_addr(&out[i], &cap, &a);
			out[i].ok = true;
		} else if (!valid_name(names[i])) {
			set_error(&out[i], pg_xstrdup("invalid host name"));
		} else if (!use_hosts || !lookup_hosts_file(r->ch, names[i], &out[i])) {
			r->names[r->n].r = r;
			r->names[r->n].name = names[i];
			r->names[r->n].out = &out[i];
			r->n++;
		}
	}
}

int pg_resolve_all(char *const *names, size_t n, const struct pg_resolve_opts *opts,
		   struct pg_resolution *out, char *err, size_t errlen)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	struct pg_resolve_opts dflt = { NULL, 0, 0 };
	struct resolver r;
	uint64_t start;

	if (!opts)
		opts = &dflt;
	if (errlen)
		err[0] = '\0';
	pthread_once(&once, library_init_once);
	memset(&r, 0, sizeof(r));
	if (channel_new(opts, &r, err, errlen) < 0)
		return -1;
	start = r.start_ms = pg_clock_now_ms();
	classify(names, n, opts->server == NULL, &r, out);
	/* Twice one name's retry budget, plus 10 ms per name for the window to
	 * drain a large portfolio through a slow (200 ms) server. */
	run_loop(&r, start + 2 * query_budget_ms(opts) + 10 * (uint64_t)n);
	ares_destroy(r.ch);
	free(r.names);
	/* address arrays grow 8 at a time (1.5 KB); most names have one or two, and a
	 * 100,000-asset check keeps them all until the report is written */
	for (size_t i = 0; i < n; i++)
		if (out[i].naddrs)
			out[i].addrs = pg_xrealloc(out[i].addrs,
						   out[i].naddrs * sizeof(*out[i].addrs));
	pg_debug("resolved %zu names in %llu ms", n,
		 (unsigned long long)(pg_clock_now_ms() - start));
	return 0;
}
