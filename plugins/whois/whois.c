/* whois.c - enricher: registration data of the finding's registered domain
 * (RDAP first, port-43 WHOIS as fallback), once per domain per run and cached
 * a day, and the asset-level findings domain-expiring-soon / domain-expired. */
#include "whois.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "netlib/domain.h"

/* registries rate-limit per client: a few parallel queries at most */
#define WHOIS_MAX_INFLIGHT 16

#ifndef PG_RDAP_DATADIR
#define PG_RDAP_DATADIR "/usr/local/share/portgate/rdap"
#endif

/* The host checks types and ranges (ABI 1.3) before create. */
static const struct pg_option_spec whois_options[] = {
	PG_OPTION("rdap", PG_OPT_BOOL, "true", 0, "ask RDAP first (false: port-43 WHOIS only)"),
	PG_OPTION("rdapBootstrap", PG_OPT_STRING, PG_RDAP_DATADIR "/dns.json", 0,
		  "IANA RDAP bootstrap file for domains (a copy ships with portgate)"),
	PG_OPTION("rdapBaseUrl", PG_OPT_URL, NULL, 0,
		  "RDAP base URL for every domain (skips bootstrap)"),
	PG_OPTION("server", PG_OPT_STRING, "whois.iana.org:43", 0,
		  "first port-43 server, HOST or HOST:PORT; referrals are followed from there"),
	PG_OPTION("verisignServers", PG_OPT_STRING, "whois.verisign-grs.com", 0,
		  "servers asked in Verisign's \"domain NAME\" form (comma-separated HOST[:PORT])"),
	PG_OPTION_RANGE("maxReferrals", PG_OPT_INT, "3", 0, "referrals followed at most", 0, 10),
	PG_OPTION_RANGE("lookupTimeoutMs", PG_OPT_INT, "5000", 0,
			"timeout of one query (always inside the call's deadline)", 1, 600000),
	PG_OPTION_RANGE(
		"maxInflightPerServer", PG_OPT_INT, "2", 0,
		"queries in flight to one WHOIS or RDAP server at most, across the whole run", 1,
		WHOIS_MAX_INFLIGHT),
	PG_OPTION_RANGE("paceMs", PG_OPT_INT, "250", 0,
			"queries to one server start at least this far apart, across the whole run",
			0, 60000),
	PG_OPTION_RANGE("cacheSeconds", PG_OPT_INT, "86400", 0,
			"keep a domain's registration this long (0: never)", 0, 31 * 86400),
	PG_OPTION_RANGE("maxAnswerBytes", PG_OPT_INT, "262144", 0,
			"a WHOIS answer is cut after this many bytes", 1024, 16 << 20),
	PG_OPTION_RANGE("rawBytes", PG_OPT_INT, "4096", 0,
			"bytes of the raw answer kept in the output (0: none)", 0, 16 << 20),
	PG_OPTION_RANGE("expiringDays", PG_OPT_INT, "30", 0,
			"domain-expiring-soon below this many days", 0, 3650),
	PG_OPTION_ENUM("expiringSeverity", "medium", 0, "severity of domain-expiring-soon",
		       nl_severity_names),
	PG_OPTION_ENUM("expiredSeverity", "high", 0, "severity of domain-expired",
		       nl_severity_names),
	PG_OPTION_END,
};

static void whois_destroy(void *state)
{
	struct whois_state *s = state;

	if (!s)
		return;
	json_decref(s->boot);
	nl_memo_free(s->memo);
	nl_gate_free(s->gate);
	free(s);
}

static int read_ints(struct whois_state *s)
{
	const struct pg_host_api *h = s->env.host;
	struct pg_plugin_ctx *c = s->env.ctx;
	int64_t t = h->opt_int(c, "lookupTimeoutMs");
	int64_t p = h->opt_int(c, "paceMs"), cs = h->opt_int(c, "cacheSeconds");
	int64_t mr = h->opt_int(c, "maxReferrals"), mb = h->opt_int(c, "maxAnswerBytes");
	int64_t rb = h->opt_int(c, "rawBytes"), ed = h->opt_int(c, "expiringDays");
	int64_t n = h->opt_int(c, "maxInflightPerServer");

	if (rb > mb) { /* the one bound the table cannot say: it depends on another option */
		h->error(c, "rawBytes %lld is more than maxAnswerBytes %lld", (long long)rb,
			 (long long)mb);
		return -1;
	}
	s->lookup_ms = (long)t;
	s->cache_s = (unsigned)cs;
	s->max_referrals = (unsigned)mr;
	s->max_bytes = (size_t)mb;
	s->raw_bytes = (size_t)rb;
	s->expiring_days = (long)ed;
	/* in shared memory: the limit holds across the host's worker processes */
	s->gate = nl_gate_new((unsigned)n, (unsigned)p);
	return s->gate ? 0 : -1;
}

static int whois_create(struct pg_plugin_ctx *ctx, const struct pg_host_api *host, void **state)
{
	struct whois_state *s = calloc(1, sizeof(*s));
	char err[512];

	if (!s)
		return PG_PLUGIN_FAIL;
	s->env.ctx = ctx;
	s->env.host = host;
	s->rdap = host->opt_bool(ctx, "rdap");
	s->rdap_base = host->opt_string(ctx, "rdapBaseUrl");
	s->server = host->opt_string(ctx, "server");
	s->verisign = host->opt_string(ctx, "verisignServers");
	s->soon_sev = host->opt_string(ctx, "expiringSeverity");
	s->expired_sev = host->opt_string(ctx, "expiredSeverity");
	s->memo = nl_memo_new(NL_MEMO_RUN_S, NL_MEMO_FAIL_S, NL_MEMO_ARENA);
	if (!s->memo || read_ints(s) != 0)
		goto fail;
	if (s->rdap && !s->rdap_base &&
	    !(s->boot = nl_bootstrap_load(host->opt_string(ctx, "rdapBootstrap"), err,
					  sizeof(err)))) {
		host->error(ctx, "rdapBootstrap: %s", err);
		goto fail;
	}
	*state = s;
	return PG_PLUGIN_OK;
fail:
	whois_destroy(s);
	return PG_PLUGIN_FAIL;
}

static void set_date(json_t *o, const char *k, int64_t t)
{
	char buf[32];

	if (t < 0)
		return;
	nl_rfc3339(t, buf);
	json_object_set_new(o, k, json_string(buf));
}

/* The stored (cacheable) result of a lookup. */
static json_t *result_json(const char *domain, const char *source, struct whois_record *r,
			   json_t *servers, json_t *raw)
{
	json_t *o = json_pack("{s:s, s:s}", "domain", domain, "source", source);
	char when[32];

	nl_set_unicode(o, "domainUnicode", domain);
	if (r->registrar)
		json_object_set_new(o, "registrar", json_string(r->registrar));
	if (r->registrant_org)
		json_object_set_new(o, "registrantOrganization", json_string(r->registrant_org));
	set_date(o, "created", r->created);
	set_date(o, "updated", r->updated);
	set_date(o, "expires", r->expires);
	json_object_set(o, "nameservers", r->nameservers);
	json_object_set(o, "status", r->status);
	if (servers)
		json_object_set(o, "servers", servers);
	if (r->not_found)
		json_object_set_new(o, "notFound", json_true());
	if (raw && !json_is_object(raw))
		json_object_set(o, "raw", raw);
	nl_rfc3339((int64_t)time(NULL), when);
	json_object_set_new(o, "fetchedAt", json_string(when));
	return o;
}

/* RDAP, then port 43. New result object, or NULL with err. */
static json_t *lookup(struct whois_state *s, const char *domain, char *err, size_t errlen)
{
	char rerr[300] = "", werr[300] = "";
	struct whois_record r;
	json_t *raw = NULL, *servers = json_array(), *out = NULL;
	int rc = NL_RDAP_ERROR;

	whois_record_init(&r);
	if (s->rdap) {
		rc = whois_rdap(s, domain, &r, &raw, rerr, sizeof(rerr));
		if (rc == NL_RDAP_OK || rc == NL_RDAP_NOT_FOUND) {
			out = result_json(domain, "rdap", &r, NULL, raw);
			goto done;
		}
		whois_record_clear(&r);
		whois_record_init(&r);
	}
	if (whois_port43(s, domain, &r, servers, &raw, werr, sizeof(werr)) == 0) {
		if (r.rate_limited) {
			out = json_pack("{s:s, s:s, s:b, s:O}", "domain", domain, "source", "whois",
					"rateLimited", 1, "servers", servers);
		} else {
			out = result_json(domain, "whois", &r, servers, raw);
		}
		if (*rerr)
			json_object_set_new(out, "rdapError", json_string(rerr));
		if (*werr) /* a referral that failed or was refused after data came */
			json_object_set_new(out, "referralError", json_string(werr));
	} else {
		snprintf(err, errlen, "%s%s%s", *rerr ? rerr : "", *rerr ? "; " : "", werr);
	}
done:
	json_decref(raw);
	json_decref(servers);
	whois_record_clear(&r);
	return out;
}

struct lookup_arg {
	struct whois_state *s;
	const char *domain;
};

static json_t *lookup_cb(void *arg, char *err, size_t errlen)
{
	struct lookup_arg *a = arg;

	return lookup(a->s, a->domain, err, errlen);
}

static void add_expiry_finding(struct whois_state *s, const json_t *out, long days,
			       json_t *new_findings)
{
	const char *dom = json_string_value(json_object_get(out, "domain"));
	const char *exp = json_string_value(json_object_get(out, "expires"));
	const char *reg = json_string_value(json_object_get(out, "registrar"));
	int expired = days < 0;
	json_t *f;

	if (!expired && days >= s->expiring_days)
		return;
	f = json_pack("{s:s, s:s, s:s, s:b, s:{s:s, s:s?, s:s, s:I, s:s?}}", "rule",
		      expired ? "domain-expired" : "domain-expiring-soon", "severity",
		      expired ? s->expired_sev : s->soon_sev, "defaultAction",
		      expired ? "fail" : "warn", "assetLevel", 1, "evidence", "domain", dom,
		      "domainUnicode", json_string_value(json_object_get(out, "domainUnicode")),
		      "expires", exp, "daysUntilExpiry", (json_int_t)days, "registrar", reg);
	json_object_set_new(
		f, "reason",
		expired ? json_sprintf("%s expired on %s (%ld days ago)", dom, exp, -days)
			: json_sprintf("%s expires on %s, in %ld days (below %ld)", dom, exp, days,
				       s->expiring_days));
	json_array_append_new(new_findings, f);
}

/* The message line: who holds the registration and when it must be renewed. */
static void registration_line(json_t *out)
{
	const char *reg = json_string_value(json_object_get(out, "registrar"));
	const char *org = json_string_value(json_object_get(out, "registrantOrganization"));
	const char *exp = json_string_value(json_object_get(out, "expires"));
	const json_t *days = json_object_get(out, "daysUntilExpiry");
	char when[96] = "";
	char *text;
	size_t n;

	if (json_is_true(json_object_get(out, "notFound"))) {
		pg_message_line(out, "Registration", "not registered (the registry has no record)");
		return;
	}
	if (exp && json_is_integer(days) && json_integer_value(days) < 0)
		snprintf(when, sizeof(when), "expired %.10s (%lld days ago)", exp,
			 -(long long)json_integer_value(days));
	else if (exp && json_is_integer(days))
		snprintf(when, sizeof(when), "expires %.10s (%lld days left)", exp,
			 (long long)json_integer_value(days));
	if (!reg && !org && !*when)
		return;
	/* the whole text: the host makes it one line and cuts it on a character */
	reg = reg ? reg : "registrar unknown";
	n = strlen(reg) + (org ? strlen(org) : 0) + sizeof(when) + 32;
	if (!(text = malloc(n)))
		return;
	snprintf(text, n, "%s%s%s%s%s", reg, org ? "; registrant " : "", org ? org : "",
		 *when ? "; " : "", when);
	pg_message_line(out, "Registration", text);
	free(text);
}

static int whois_enrich(void *state, const json_t *finding, json_t *out, json_t *new_findings)
{
	struct whois_state *s = state;
	char domain[256], key[300], err[700];
	int from = nl_finding_domain(finding, domain, sizeof(domain));
	json_t *res;
	int64_t exp;

	if (from <= 0) {
		json_object_set_new(
			out, "skipped",
			json_string(from < 0
					    ? "invalid domain name"
					    : "no registered domain (IP target or public suffix)"));
		return PG_PLUGIN_OK;
	}
	snprintf(key, sizeof(key), "domain:%s", domain);
	/* a rate-limited answer is this run's answer too (asking again now would not help) */
	res = nl_lookup_once(&s->env, s->memo, key, s->cache_s, nl_time_left(&s->env, s->lookup_ms),
			     lookup_cb, &(struct lookup_arg){ s, domain }, err, sizeof(err));
	if (!res) {
		s->env.host->error(s->env.ctx, "%s: %s", domain, err);
		return PG_PLUGIN_FAIL;
	}
	json_object_update(out, res);
	json_decref(res);
	exp = json_is_string(json_object_get(out, "expires"))
		      ? whois_date_parse(json_string_value(json_object_get(out, "expires")))
		      : -1;
	if (exp >= 0) {
		/* floor division: 1 hour past expiry is day -1 */
		int64_t diff = exp - (int64_t)time(NULL);
		long days = (long)(diff >= 0 ? diff / 86400 : -((-diff + 86399) / 86400));
		json_object_set_new(out, "daysUntilExpiry", json_integer(days));
		add_expiry_finding(s, out, days, new_findings);
	}
	registration_line(out);
	return PG_PLUGIN_OK;
}

/* add_expiry_finding's rules (ABI 1.4); severities are the options' defaults. */
static const struct pg_rule_spec rules[] = {
	PG_RULE_SPEC("domain-expiring-soon", "warn", "medium",
		     "The registered domain expires in fewer than expiringDays days"),
	PG_RULE_SPEC("domain-expired", "fail", "high", "The registered domain has expired"),
	PG_RULE_SPEC_END,
};

static struct pg_plugin whois_plugin = {
	.rule_table = rules,
	.kind = PG_PLUGIN_ENRICHER,
	.name = "whois",
	.version = "1.0.0",
	.description = "registration of the finding's domain (RDAP, port-43 WHOIS): registrar, "
		       "dates, name servers; expiry findings",
	.option_table = whois_options,
	/* Parallel: the memo (one lookup per domain) and the gate (maxInflightPerServer,
	 * paceMs) are made in create(), before the host forks the workers, in shared
	 * memory, so they hold for the whole run. Every wait is bounded by
	 * time_left_ms, so a dead server costs its own call only. */
	.thread_model = PG_THREAD_PARALLEL,
	.create = whois_create,
	.destroy = whois_destroy,
	.enrich = whois_enrich,
#if NL_ABI_1_1
	.enrich_scope = PG_SCOPE_ASSET, /* the domain comes from assetContext */
#else
	.enrich_scope = PG_SCOPE_TARGET,
#endif
	.cache_ttl_s = 0, /* cached per domain by the plugin (cacheSeconds) */
	.timeout_ms = 15000,
#ifdef PG_JUDGE_DOMAIN
	.judges = PG_JUDGE_DOMAIN, /* the registration rules, finding or not */
#endif
};

PORTGATE_PLUGIN(whois_plugin)
