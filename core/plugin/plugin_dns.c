/* plugin_dns.c - host->dns: one query on its own c-ares channel per call
 * (thread-safe, no shared state), bounded by the call's deadline. */
#include "config.h"
#include "enrich.h"

#include <ares.h>
#include <arpa/inet.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "resolve/resolve_int.h" /* pg_resolve_parse_server: the same --dns-server syntax */

#define DEADLINE_MARGIN_MS 100

struct dns_q {
	int type;
	int status;
	json_t *answers; /* owned until returned */
};

static void dns_add_rr(json_t *arr, int type, const unsigned char *abuf, int alen,
		       const unsigned char *rd, size_t rdlen)
{
	char text[INET6_ADDRSTRLEN], *name = NULL;
	long enclen;

	if (type == 1 && rdlen == 4) {
		inet_ntop(AF_INET, rd, text, sizeof(text));
		json_array_append_new(arr, json_string(text));
	} else if (type == 28 && rdlen == 16) {
		inet_ntop(AF_INET6, rd, text, sizeof(text));
		json_array_append_new(arr, json_string(text));
	} else if ((type == 5 || type == 2) &&
		   ares_expand_name(rd, abuf, alen, &name, &enclen) == ARES_SUCCESS) {
		json_array_append_new(arr, json_string(name));
	} else if (type == 15 && rdlen > 2 &&
		   ares_expand_name(rd + 2, abuf, alen, &name, &enclen) == ARES_SUCCESS) {
		json_array_append_new(arr, json_sprintf("%u %s", (rd[0] << 8) | rd[1], name));
	} else if (type == 16) {
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
		json_array_append_new(arr, json_stringn(s, w));
		free(s);
	}
	ares_free_string(name);
}

/* Walk the answer section, keeping records of the asked type. */
static void dns_parse(struct dns_q *q, const unsigned char *abuf, int alen)
{
	const unsigned char *p = abuf + 12, *end = abuf + alen;
	unsigned qd, an;
	char *name;
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
		if (type == q->type)
			dns_add_rr(q->answers, type, abuf, alen, p, rdlen);
		p += rdlen;
	}
}

static void dns_cb(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct dns_q *q = arg;

	q->status = status;
	if (status == ARES_SUCCESS)
		dns_parse(q, abuf, alen);
}

static int rr_type(const char *s)
{
	static const struct { const char *name; int type; } types[] = {
		{ "A", 1 }, { "NS", 2 }, { "CNAME", 5 }, { "MX", 15 }, { "TXT", 16 }, { "AAAA", 28 },
	};
	for (size_t i = 0; i < PG_ARRAY_LEN(types); i++)
		if (!strcmp(s, types[i].name))
			return types[i].type;
	return -1;
}

/* Drive the query; give up at the call's deadline (0: none) so a silent
 * server cannot make the host abandon, and mark hung, the whole instance. */
static void dns_wait(ares_channel ch, uint64_t deadline_ms)
{
	ares_socket_t socks[ARES_GETSOCK_MAXNUM];
	struct pollfd pfd[ARES_GETSOCK_MAXNUM];
	struct timeval tv, *tvp;
	unsigned bits;
	int n;

	for (int guard = 0; guard < 10000; guard++) {
		/* Bits tested as unsigned: the c-ares macros shift an int into its sign bit. */
		bits = (unsigned)ares_getsock(ch, socks, ARES_GETSOCK_MAXNUM);
		n = 0;
		for (unsigned i = 0; i < ARES_GETSOCK_MAXNUM; i++) {
			bool rd = bits & (1u << i), wr = bits & (1u << (i + ARES_GETSOCK_MAXNUM));
			if (!rd && !wr)
				continue;
			pfd[n].fd = socks[i];
			pfd[n].events = (short)((rd ? POLLIN : 0) | (wr ? POLLOUT : 0));
			pfd[n++].revents = 0;
		}
		if (n == 0)
			return;
		if (deadline_ms && pg_now_ms() >= deadline_ms) {
			ares_cancel(ch); /* the callback sees ARES_ECANCELLED */
			return;
		}
		tvp = ares_timeout(ch, NULL, &tv);
		poll(pfd, (nfds_t)n, tvp ? (int)(tv.tv_sec * 1000 + tv.tv_usec / 1000) : 1000);
		for (int i = 0; i < n; i++)
			ares_process_fd(ch,
					pfd[i].revents & (POLLIN | POLLERR | POLLHUP) ? pfd[i].fd
										     : ARES_SOCKET_BAD,
					pfd[i].revents & POLLOUT ? pfd[i].fd : ARES_SOCKET_BAD);
		ares_process_fd(ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD); /* timeouts */
	}
}

/* One try that fits in what is left of the call's deadline: c-ares doubles
 * the timeout on every retry, so several tries could overrun it. */
static int dns_timeout_ms(const struct pg_plugin_ctx *ctx, uint64_t deadline_ms)
{
	uint64_t now = pg_now_ms();
	int timeout = ctx->host->dns_timeout_ms;

	if (deadline_ms) {
		uint64_t left = deadline_ms > now ? deadline_ms - now : 1;
		if (left < (uint64_t)timeout)
			timeout = (int)left;
	}
	return timeout;
}

static int set_server(ares_channel ch, const char *spec)
{
	struct ares_addr_port_node node;
	char err[160];

	return pg_resolve_parse_server(spec, &node, err, sizeof(err)) == 0 &&
	       ares_set_servers_ports(ch, &node) == ARES_SUCCESS ? 0 : -1;
}

int pg_host_dns(struct pg_plugin_ctx *ctx, const char *name, const char *rrtype,
		json_t **answers)
{
	struct ares_options o = { 0 };
	struct dns_q q = { .status = -1 };
	const struct pg_host_api *api = &pg_host_api_v1;
	struct pg_call *call = pg_call_current();
	/* stop a little before the host's own deadline so the plugin can still
	 * return its error instead of being abandoned */
	uint64_t deadline = call && call->deadline_ms ? call->deadline_ms - DEADLINE_MARGIN_MS : 0;
	ares_channel ch;

	*answers = NULL;
	q.type = rr_type(rrtype ? rrtype : "");
	if (q.type < 0) {
		api->error(ctx, "dns: unsupported record type '%s'", rrtype ? rrtype : "(null)");
		return -1;
	}
	o.timeout = dns_timeout_ms(ctx, deadline);
	o.tries = 1;
	if (ares_init_options(&ch, &o, ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES) != ARES_SUCCESS) {
		api->error(ctx, "dns: cannot initialise resolver");
		return -1;
	}
	if (ctx->host->dns_server && set_server(ch, ctx->host->dns_server) != 0) {
		ares_destroy(ch);
		api->error(ctx, "dns: bad server '%s'", ctx->host->dns_server);
		return -1;
	}
	q.answers = json_array();
	ares_query(ch, name, 1 /* C_IN */, q.type, dns_cb, &q);
	dns_wait(ch, deadline);
	ares_destroy(ch);
	if (q.status == ARES_SUCCESS || q.status == ARES_ENOTFOUND || q.status == ARES_ENODATA) {
		*answers = q.answers;
		return 0;
	}
	json_decref(q.answers);
	api->error(ctx, "dns %s %s: %s", rrtype, name,
		   q.status == -1 ? "no answer" : q.status == ARES_ECANCELLED ? "no answer before the call's deadline"
						 : ares_strerror(q.status));
	return -1;
}
