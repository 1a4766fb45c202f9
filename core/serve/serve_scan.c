/* serve_scan.c - GET /v1-port-scanner?target=&ports=&timeout=&skipCache=
 *
 * The seed API's request and answer, locked to the manifest: the target must be
 * a manifest asset the key may use, every port one of its candidates; anything
 * else is 403 before a single packet leaves. The answer is the scan object of
 * core/report (pg_evidence_scan), the one `portgate scan` prints. */
#include "config.h"
#include "serve_int.h"

#include <stdlib.h>
#include <string.h>

#include "manifest/port_set.h"
#include "policy/policy.h"
#include "report/evidence.h"
#include "run/pipeline.h"

struct scan_job {
	char *target;                  /* owned, as asked */
	char *lim_target;              /* owned: the limiter identity (lowercase) */
	struct pg_portlist ports, tls; /* owned */
	unsigned timeout_ms;
	bool skip_cache;
	char *cache_key;                /* owned */
	const struct pg_asset **assets; /* borrowed: the target's assets the key may use */
	size_t nassets;
};

struct query {
	const char *target, *ports, *timeout, *skip_cache; /* borrowed from MHD */
	char bad[160];                                     /* first problem, "" if none */
};

static enum MHD_Result query_arg(void *cls, enum MHD_ValueKind kind, const char *key,
				 size_t key_size, const char *value, size_t value_size)
{
	static const char *const names[] = { "target", "ports", "timeout", "skipCache" };
	struct query *q = cls;
	const char **slot[] = { &q->target, &q->ports, &q->timeout, &q->skip_cache };
	size_t i;

	if (q->bad[0])
		return MHD_YES;
	for (i = 0; i < PG_ARRAY_LEN(names) && strcmp(key, names[i]); i++)
		;
	if (i == PG_ARRAY_LEN(names) || strlen(key) != key_size)
		snprintf(q->bad, sizeof(q->bad), "unknown query parameter '%.40s'", key);
	else if (*slot[i])
		snprintf(q->bad, sizeof(q->bad), "query parameter '%s' given twice", names[i]);
	else if (!value || !value_size)
		snprintf(q->bad, sizeof(q->bad), "query parameter '%s' needs a value", names[i]);
	else if (strlen(value) != value_size)
		snprintf(q->bad, sizeof(q->bad), "query parameter '%s' contains a NUL byte",
			 names[i]);
	else
		*slot[i] = value;
	return MHD_YES;
}

/* A hostname or IP literal: letters, digits, '.', '-', '_', ':' (IPv6), at most 253. */
static bool plausible_target(const char *t)
{
	size_t n = strlen(t);

	return n && n <= 253 &&
	       strspn(t, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			 "0123456789.-_:") == n;
}

static bool parse_query(struct pg_req *r, struct query *q, struct scan_job *j)
{
	unsigned long v;
	char err[128];

	MHD_get_connection_values_n(r->conn, MHD_GET_ARGUMENT_KIND, query_arg, q);
	if (!q->bad[0] && !q->target)
		snprintf(q->bad, sizeof(q->bad), "query parameter 'target' is required");
	else if (!q->bad[0] && !plausible_target(q->target))
		snprintf(q->bad, sizeof(q->bad), "target: not a hostname or IP address");
	else if (!q->bad[0] && q->ports && !pg_ports_parse(q->ports, &j->ports, err, sizeof(err)))
		snprintf(q->bad, sizeof(q->bad), "ports: %s", err);
	else if (!q->bad[0] && q->timeout &&
		 (!pg_parse_ulong(q->timeout, r->s->set.max_timeout_ms, &v) || v < 100))
		snprintf(q->bad, sizeof(q->bad), "timeout: expected milliseconds from 100 to %u",
			 r->s->set.max_timeout_ms);
	else if (!q->bad[0] && q->skip_cache && strcmp(q->skip_cache, "true") &&
		 strcmp(q->skip_cache, "false"))
		snprintf(q->bad, sizeof(q->bad), "skipCache: expected true or false");
	if (q->bad[0]) {
		pg_req_error(r, 400, "%s", q->bad);
		return false;
	}
	j->target = pg_xstrdup(q->target);
	j->timeout_ms = q->timeout ? (unsigned)v : r->s->set.default_timeout_ms;
	j->skip_cache = q->skip_cache && !strcmp(q->skip_cache, "true");
	return true;
}

/* Asked-for ports that are not candidates: the first 100 in out (UDP ones as
 * "53/udp"), the first 16 in list, all counted in nout. */
struct unscoped {
	json_t *out;
	char list[256];
	size_t nout, used;
};

static void unscoped_ranges(struct unscoped *u, const struct pg_port_range *r, size_t nr,
			    const struct pg_portlist *cand, bool udp)
{
	char one[16];

	for (size_t i = 0; i < nr; i++)
		for (unsigned p = r[i].lo; p <= r[i].hi; p++) {
			if (pg_ports_has_proto(cand, udp, (uint16_t)p))
				continue;
			snprintf(one, sizeof(one), "%u%s", p, udp ? "/udp" : "");
			if (u->nout <
			    100) /* enough to say what is wrong; the count says the rest */
				json_array_append_new(u->out,
						      udp ? json_string(one) : json_integer(p));
			if (u->nout++ < 16 && u->used < sizeof(u->list) - 12)
				u->used += (size_t)snprintf(u->list + u->used,
							    sizeof(u->list) - u->used, "%s%s",
							    u->nout > 1 ? "," : "", one);
		}
}

/* Candidate and TLS ports of the assets of target the key may use. false with
 * a 403 naming what is not authorised. */
static bool scope(struct pg_req *r, struct scan_job *j)
{
	const struct pg_manifest *m = r->s->m;
	struct pg_portlist cand = { 0 };
	size_t in_manifest = 0, allowed = 0; /* allowed: capacity of j->assets */
	struct unscoped u = { .out = json_array() };

	for (size_t i = 0; i < m->nassets; i++) {
		if (!pg_dns_name_eq(m->assets[i].target, j->target))
			continue;
		in_manifest++;
		if (!pg_key_allows(r->key, &m->assets[i]))
			continue;
		pg_grow(&j->assets, &allowed, j->nassets + 1, sizeof(*j->assets));
		j->assets[j->nassets++] = &m->assets[i];
		if (j->nassets ==
		    1) { /* check and scan the manifest's spelling, never the asker's */
			free(j->target);
			j->target = pg_xstrdup(m->assets[i].target);
		}
		pg_ports_merge(&cand, &m->assets[i].candidates);
		pg_ports_merge(&j->tls, &m->assets[i].tls_ports);
	}
	if (!j->nassets) {
		json_decref(u.out);
		pg_ports_clear(&cand);
		pg_req_reply(r, 403,
			     json_pack("{s:s, s:s}", "error",
				       in_manifest ? "this API key is not authorised for the target"
						   : "target is not in the manifest",
				       "target", j->target));
		return false;
	}
	if (!pg_ports_total(&j->ports))
		pg_ports_copy(&j->ports, &cand);
	unscoped_ranges(&u, j->ports.r, j->ports.nr, &cand, false);
	unscoped_ranges(&u, j->ports.udp.r, j->ports.udp.nr, &cand, true);
	pg_ports_clear(&cand);
	if (u.nout) {
		pg_req_reply(
			r, 403,
			json_pack(
				"{s:s+++, s:s, s:o}", "error", u.nout > 1 ? "ports " : "port ",
				u.list, u.nout > 16 ? ",..." : "",
				u.nout > 1
					? " are not candidate ports of the target in the manifest"
					: " is not a candidate port of the target in the manifest",
				"target", j->target, "ports", u.out));
		return false;
	}
	json_decref(u.out);
	return true;
}

/* Everything that changes the answer: the target, the assets whose scope
 * applies (the key's), the time budget and the ports. */
static char *cache_key_new(const struct scan_job *j, const struct pg_manifest *m)
{
	size_t cap = 64 + strlen(j->target) + (j->ports.nr + j->ports.udp.nr) * 12 +
		     j->nassets * 12,
	       used;
	char *k = pg_xmalloc(cap);

	used = (size_t)snprintf(k, cap, "%s|%u|", j->lim_target, j->timeout_ms);
	for (size_t i = 0; i < j->nassets; i++)
		used += (size_t)snprintf(k + used, cap - used, "%zu,",
					 (size_t)(j->assets[i] - m->assets));
	used += (size_t)snprintf(k + used, cap - used, "|");
	for (size_t i = 0; i < j->ports.nr; i++)
		used += (size_t)snprintf(k + used, cap - used, "%u-%u,", j->ports.r[i].lo,
					 j->ports.r[i].hi);
	used += (size_t)snprintf(k + used, cap - used, "|");
	for (size_t i = 0; i < j->ports.udp.nr; i++)
		used += (size_t)snprintf(k + used, cap - used, "%u-%u,", j->ports.udp.r[i].lo,
					 j->ports.udp.r[i].hi);
	return k;
}

/* Fit the engine's timeouts into the whole-scan budget: resolution, one
 * round of connects with their retries, then the probes, all ports at once. */
static void fit_budget(struct pg_config *c, unsigned budget_ms)
{
	int dns = (int)budget_ms / (4 * (c->dns_tries ? c->dns_tries : 1));
	int conn = (int)budget_ms / (2 * (c->scan.retries + 1));
	int probe = (int)budget_ms / 4;

	if (c->dns_timeout_ms > dns)
		c->dns_timeout_ms = dns < 50 ? 50 : dns;
	if (c->scan.timeout_ms > conn)
		c->scan.timeout_ms = conn < 10 ? 10 : conn;
	/* the probe itself keeps its banner wait to a third of what is left (probe.c) */
	if (c->scan.probe_opts.total_ms > probe)
		c->scan.probe_opts.total_ms = probe < 10 ? 10 : probe;
}

static json_t *scan_body(const struct pg_job *pj, const char *target)
{
	json_t *o = pg_evidence_scan(&pj->scans[0], target, pg_job_scan_wall_ms(pj, 0)), *more;

	if (pj->nscans > 1) { /* the API shape has one ip; further addresses follow */
		more = json_array();
		for (size_t k = 1; k < pj->nscans; k++)
			json_array_append_new(more, pg_evidence_scan(&pj->scans[k], target,
								     pg_job_scan_wall_ms(pj, k)));
		json_object_set_new(o, "additionalScans", more);
	}
	return o;
}

/* The scope `check` applies before it connects (expectedNetwork, expectedRecords):
 * an address any of the target's assets rules out is never connected to. */
static bool skip_addr(const struct pg_job *pj, const struct pg_addr *ip)
{
	const struct scan_job *j = pj->ud;

	for (size_t i = 0; i < j->nassets; i++)
		if (pg_policy_skip_addr(j->assets[i], &pj->res, ip))
			return true;
	return false;
}

static void out_of_scope(struct pg_req *r, const struct scan_job *j, const struct pg_job *pj)
{
	json_t *ips = json_array();
	const char *why = NULL;

	for (size_t k = 0; k < pj->res.naddrs; k++) {
		json_array_append_new(ips, json_string(pj->res.addrs[k].text));
		for (size_t i = 0; i < j->nassets && !why; i++)
			why = pg_policy_out_of_scope(j->assets[i], &pj->res, &pj->res.addrs[k]);
	}
	pg_req_reply(r, 403,
		     json_pack("{s:s+, s:s, s:o}", "error",
			       "every address of the target is outside its manifest scope, nothing "
			       "was connected to: ",
			       why ? why : "out of scope", "target", j->target, "ips", ips));
}

static void run_scan(struct pg_req *r, struct scan_job *j)
{
	struct pg_config c = *r->s->cfg; /* shallow: only the timeouts change */
	struct pg_job pj = { .target = j->target,
			     .ports = &j->ports,
			     .tls_ports = &j->tls,
			     .skip_addr = skip_addr,
			     .ud = j };
	char err[256];

	fit_budget(&c, j->timeout_ms);
	if (pg_pipeline_run(&pj, 1, &c, NULL, err, sizeof(err)) < 0)
		pg_req_error(r, 500, "scan engine: %s", err);
	else if (!pj.nscans && pj.res.ok && pj.res.naddrs)
		out_of_scope(r, j, &pj);
	else if (!pj.nscans) { /* the detail names portgate's resolver: the log has it */
		pg_req_note(r, "%s", pj.res.error ? pj.res.error : "not scanned");
		pg_req_reply(r, 502,
			     json_pack("{s:s, s:s}", "error",
				       pj.res.ok ? "target could not be scanned"
						 : "target could not be resolved",
				       "target", j->target));
	} else
		pg_req_reply(r, 200, scan_body(&pj, j->target));
	pg_job_clear(&pj);
	if (r->status == 200)
		pg_rcache_put(r->s->cache, j->cache_key, r->body);
	r->cache = "MISS";
}

static void scan_job_free(struct scan_job *j)
{
	free(j->target);
	free(j->lim_target);
	free(j->cache_key);
	free(j->assets);
	pg_ports_clear(&j->ports);
	pg_ports_clear(&j->tls);
	free(j);
}

/* What an admitted scan took: its key and target slots, the job. */
static void scan_done(struct pg_req *r)
{
	struct scan_job *j = r->job;

	pg_limit_release(r->s->key_lim, r->key->name);
	pg_limit_release(r->s->target_lim, j->lim_target);
	scan_job_free(j);
	r->job = NULL;
}

static void scan_worker(struct pg_req *r)
{
	run_scan(r, r->job);
	scan_done(r);
}

/* A cached answer, or the limits taken; false when r is answered already. */
static bool cached_or_admitted(struct pg_req *r, struct scan_job *j)
{
	enum pg_limit_result lr;
	unsigned retry = 1;
	char *body = j->skip_cache ? NULL : pg_rcache_get_dup(r->s->cache, j->cache_key);

	if (body) {
		r->body = body;
		r->status = 200;
		r->answered = true;
		r->cache = "HIT";
		return false;
	}
	lr = pg_limit_take(r->s->target_lim, j->lim_target, true, true, &retry);
	if (lr != PG_LIMIT_OK) {
		pg_req_limited(r, lr, "this target", retry);
		return false;
	}
	if ((lr = pg_limit_take(r->s->key_lim, r->key->name, false, true, &retry)) != PG_LIMIT_OK) {
		pg_limit_release(r->s->target_lim, j->lim_target);
		pg_req_limited(r, lr, "this API key", retry);
		return false;
	}
	return true;
}

void pg_serve_scan(struct pg_req *r)
{
	struct scan_job *j = pg_xcalloc(1, sizeof(*j));
	struct query q = { 0 };

	if (!pg_req_key_token(r)) {
		free(j);
		return;
	}
	if (!parse_query(r, &q, j) || !scope(r, j)) {
		pg_req_note(r, "%s", j->target ? j->target : "bad query");
		scan_job_free(j);
		return;
	}
	j->lim_target = pg_xstrdup(j->target);
	for (char *p = j->lim_target; *p; p++)
		*p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
	j->cache_key = cache_key_new(j, r->s->m);
	pg_req_note(r, "target=%s ports=%zu", j->target, pg_ports_total(&j->ports));
	if (!cached_or_admitted(r, j)) {
		scan_job_free(j);
		return;
	}
	r->job = j;
	pg_req_defer(r, scan_worker, scan_done);
}
