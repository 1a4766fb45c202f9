/* ip.c - enricher: who owns the finding's address (ASN, AS name, org,
 * country, prefix, registry), from sources tried in a configured order, and
 * the network-unexpected finding when the manifest's expectedNetwork lists
 * ASNs and the address is in none of them. */
#include "ip.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef PG_RDAP_DATADIR
#define PG_RDAP_DATADIR "/usr/local/share/portgate/rdap"
#endif

/* NULL-terminated: the choices of the sources option. */
static const char *const src_names[SRC_COUNT + 1] = { "mmdb", "cymru", "rdap", NULL };

/* The host checks types, ranges and the sources list (ABI 1.4) before create. */
static const struct pg_option_spec ip_options[] = {
	PG_OPTION_ENUM_LIST("sources", "mmdb,cymru,rdap", 0,
			    "comma-separated sources in the order tried, each at most once, "
			    "first answer wins",
			    src_names),
	PG_OPTION("asnDb", PG_OPT_STRING, NULL, 0,
		  "path of an ASN .mmdb (GeoLite2-ASN / DB-IP ASN); mmdb is skipped without it"),
	PG_OPTION("countryDb", PG_OPT_STRING, NULL, 0,
		  "path of a country .mmdb (GeoLite2-Country / DB-IP country)"),
	PG_OPTION("cymruZone", PG_OPT_STRING, "asn.cymru.com", 0,
		  "Team Cymru zone: origin.ZONE, origin6.ZONE and ASn.ZONE TXT records"),
	PG_OPTION("rdapBootstrapV4", PG_OPT_STRING, PG_RDAP_DATADIR "/ipv4.json", 0,
		  "IANA RDAP bootstrap file for IPv4 (a copy ships with portgate)"),
	PG_OPTION("rdapBootstrapV6", PG_OPT_STRING, PG_RDAP_DATADIR "/ipv6.json", 0,
		  "IANA RDAP bootstrap file for IPv6 (a copy ships with portgate)"),
	PG_OPTION("rdapBaseUrl", PG_OPT_URL, NULL, 0,
		  "RDAP base URL for every address (skips bootstrap)"),
	PG_OPTION_RANGE("lookupTimeoutMs", PG_OPT_INT, "3000", 0,
			"timeout of one network lookup (always inside the call's deadline)", 1,
			600000),
	PG_OPTION_RANGE("maxInFlight", PG_OPT_INT, "2", 0,
			"RDAP queries in flight per server at most", 1, 64),
	PG_OPTION_RANGE("paceMs", PG_OPT_INT, "100", 0,
			"RDAP queries to one server start this far apart", 0, 60000),
	PG_OPTION_RANGE("cacheSeconds", PG_OPT_INT, "86400", 0,
			"keep an address's answer this long (0: never)", 0, 31 * 86400),
	PG_OPTION_ENUM("severity", "high", 0, "severity of network-unexpected findings",
		       nl_severity_names),
	PG_OPTION_END,
};

static int parse_sources(struct ip_state *s, const char *list)
{
	char buf[128], *save = NULL, *tok;

	if (!list || strlen(list) >= sizeof(buf))
		return -1;
	memcpy(buf, list, strlen(list) + 1);
	for (tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
		size_t i = 0;
		while (i < SRC_COUNT && strcmp(tok, src_names[i]))
			i++;
		if (i == SRC_COUNT || s->norder == SRC_COUNT)
			return -1;
		for (size_t k = 0; k < s->norder; k++)
			if (s->order[k] == (enum ip_source)i)
				return -1;
		s->order[s->norder++] = (enum ip_source)i;
	}
	return s->norder ? 0 : -1;
}

static int open_db(struct ip_state *s, const char *opt, MMDB_s *db, int *have)
{
	const char *path = s->env.host->opt_string(s->env.ctx, opt);
	int rc;

	if (!path)
		return 0;
	rc = MMDB_open(path, MMDB_MODE_MMAP, db);
	if (rc != MMDB_SUCCESS) {
		s->env.host->error(s->env.ctx, "%s: %s: %s", opt, path, MMDB_strerror(rc));
		return -1;
	}
	*have = 1;
	return 0;
}

/* Bootstrap files are needed only when rdap is a source without rdapBaseUrl. */
static int load_boot(struct ip_state *s)
{
	const struct pg_host_api *h = s->env.host;
	char err[512];
	int uses = 0;

	for (size_t i = 0; i < s->norder; i++)
		uses |= s->order[i] == SRC_RDAP;
	if (!uses || s->rdap_base)
		return 0;
	s->boot4 = nl_bootstrap_load(h->opt_string(s->env.ctx, "rdapBootstrapV4"), err,
				     sizeof(err));
	if (s->boot4)
		s->boot6 = nl_bootstrap_load(h->opt_string(s->env.ctx, "rdapBootstrapV6"), err,
					     sizeof(err));
	if (!s->boot4 || !s->boot6) {
		h->error(s->env.ctx, "RDAP bootstrap: %s", err);
		return -1;
	}
	return 0;
}

static void ip_destroy(void *state)
{
	struct ip_state *s = state;

	if (!s)
		return;
	if (s->have_asn_db)
		MMDB_close(&s->asn_db);
	if (s->have_country_db)
		MMDB_close(&s->country_db);
	json_decref(s->boot4);
	json_decref(s->boot6);
	free(s->cymru_zone);
	nl_memo_free(s->memo);
	nl_gate_free(s->gate);
	free(s);
}

static int check_ints(struct ip_state *s)
{
	const struct pg_host_api *h = s->env.host;
	struct pg_plugin_ctx *c = s->env.ctx;
	int64_t t = h->opt_int(c, "lookupTimeoutMs"), n = h->opt_int(c, "maxInFlight");
	int64_t p = h->opt_int(c, "paceMs"), cs = h->opt_int(c, "cacheSeconds");

	s->lookup_ms = (long)t;
	s->cache_s = (unsigned)cs;
	s->gate = nl_gate_new((unsigned)n, (unsigned)p);
	return 0;
}

static int ip_create(struct pg_plugin_ctx *ctx, const struct pg_host_api *host, void **state)
{
	struct ip_state *s = calloc(1, sizeof(*s));

	if (!s)
		return PG_PLUGIN_FAIL;
	s->env.ctx = ctx;
	s->env.host = host;
	s->rdap_base = host->opt_string(ctx, "rdapBaseUrl");
	s->severity = host->opt_string(ctx, "severity");
	s->cymru_zone = strdup(host->opt_string(ctx, "cymruZone"));
	s->memo = nl_memo_new(NL_MEMO_RUN_S, NL_MEMO_FAIL_S, NL_MEMO_ARENA);
	if (parse_sources(s, host->opt_string(ctx, "sources")) != 0) {
		host->error(ctx, "sources: expected a comma-separated list of mmdb, cymru, rdap "
				 "(each at most once)");
		goto fail;
	}
	if (!s->cymru_zone || !s->memo || check_ints(s) != 0 || !s->gate ||
	    open_db(s, "asnDb", &s->asn_db, &s->have_asn_db) != 0 ||
	    open_db(s, "countryDb", &s->country_db, &s->have_country_db) != 0 || load_boot(s) != 0)
		goto fail;
	*state = s;
	return PG_PLUGIN_OK;
fail:
	ip_destroy(s);
	return PG_PLUGIN_FAIL;
}

/* Ask the sources in order; the first that answers wins. New object or NULL. */
static json_t *lookup(struct ip_state *s, const char *ip, json_t *errs)
{
	json_t *ans = json_object();
	char when[32];

	for (size_t i = 0; i < s->norder; i++) {
		int got = 0;
		if (nl_time_left(&s->env, s->lookup_ms) <= 0) {
			json_array_append_new(errs,
					      json_string("no time left in the call's deadline"));
			break;
		}
		if (s->order[i] == SRC_MMDB)
			got = ip_from_mmdb(s, ip, ans, errs);
		else if (s->order[i] == SRC_CYMRU)
			got = ip_from_cymru(s, ip, ans, errs);
		else
			got = ip_from_rdap(s, ip, ans, errs);
		if (got) {
			if (!json_object_get(ans, "country"))
				ip_country_from_mmdb(s, ip, ans);
			json_object_set_new(ans, "source", json_string(src_names[s->order[i]]));
			nl_rfc3339((int64_t)time(NULL), when);
			json_object_set_new(ans, "fetchedAt", json_string(when));
			return ans;
		}
		json_object_clear(ans);
	}
	json_decref(ans);
	return NULL;
}

struct lookup_arg {
	struct ip_state *s;
	const char *ip;
	json_t *errs; /* why each skipped source did not answer */
};

static json_t *lookup_cb(void *arg, char *err, size_t errlen)
{
	struct lookup_arg *a = arg;
	json_t *ans = lookup(a->s, a->ip, a->errs), *first = json_array_get(a->errs, 0);

	if (!ans)
		snprintf(err, errlen, "no source answered (%s)",
			 first ? json_string_value(first) : "no source");
	return ans;
}

/* ASNs listed in the asset's expectedNetwork ("AS64500"), as a new array. */
static json_t *expected_asns(const json_t *finding)
{
	const json_t *ctx = nl_asset_context(finding);
	json_t *out = json_array(), *v;
	size_t i;

	json_array_foreach(json_object_get(ctx, "expectedNetwork"), i, v)
	{
		const char *t = json_string_value(v);
		char *end;
		unsigned long long n;
		if (!t || (t[0] != 'A' && t[0] != 'a') || (t[1] != 'S' && t[1] != 's'))
			continue;
		n = strtoull(t + 2, &end, 10);
		if (!*end && end != t + 2 && n > 0 && n <= 4294967295ull)
			json_array_append_new(out, json_integer((json_int_t)n));
	}
	return out;
}

static void check_network(struct ip_state *s, const json_t *finding, const char *ip,
			  const json_t *ans, json_t *new_findings)
{
	json_t *exp = expected_asns(finding), *v, *list;
	json_int_t asn = json_integer_value(json_object_get(ans, "asn"));
	const char *org = json_string_value(json_object_get(ans, "org"));
	const char *target = json_string_value(json_object_get(finding, "target"));
	char want[256] = "";
	size_t i, o = 0;

	if (!json_array_size(exp) || !json_is_integer(json_object_get(ans, "asn"))) {
		json_decref(exp);
		return;
	}
	json_array_foreach(exp, i, v)
	{
		if (json_integer_value(v) == asn) {
			json_decref(exp);
			return;
		}
		if (o < sizeof(want))
			o += (size_t)snprintf(want + o, sizeof(want) - o, "%sAS%lld", i ? ", " : "",
					      (long long)json_integer_value(v));
	}
	list = json_pack("{s:s, s:s, s:s, s:s, s:{s:s, s:I, s:s?, s:o}}", "rule",
			 "network-unexpected", "severity", s->severity, "defaultAction", "fail",
			 "reason", "", "evidence", "ip", ip, "asn", asn, "org", org, "expected",
			 exp);
	/* about the asset, whatever port its enrichment came with */
	json_object_set_new(list, "reason",
			    json_sprintf("%s resolves to %s in AS%lld (%s), not in the expected "
					 "network %s",
					 target ? target : ip, ip, (long long)asn,
					 org ? org : "owner unknown", want));
	json_array_append_new(new_findings, list);
}

static int ip_enrich(void *state, const json_t *finding, json_t *out, json_t *new_findings)
{
	struct ip_state *s = state;
	const char *ip = json_string_value(json_object_get(finding, "ip"));
	unsigned char buf[16];
	char key[80], err[512];
	json_t *errs, *ans;

	if (!ip || (inet_pton(AF_INET, ip, buf) != 1 && inet_pton(AF_INET6, ip, buf) != 1)) {
		json_object_set_new(out, "skipped", json_string("finding has no IP address"));
		return PG_PLUGIN_OK;
	}
	errs = json_array();
	snprintf(key, sizeof(key), "ip:%s", ip);
	ans = nl_lookup_once(&s->env, s->memo, key, s->cache_s, nl_time_left(&s->env, s->lookup_ms),
			     lookup_cb, &(struct lookup_arg){ s, ip, errs }, err, sizeof(err));
	if (!ans) {
		s->env.host->error(s->env.ctx, "%s: %s", ip, err);
		json_decref(errs);
		return PG_PLUGIN_FAIL;
	}
	json_object_set_new(out, "ip", json_string(ip));
	json_object_update(out, ans);
	if (json_array_size(errs))
		json_object_set(out, "skippedSources", errs);
	check_network(s, finding, ip, ans, new_findings);
	json_decref(ans);
	json_decref(errs);
	return PG_PLUGIN_OK;
}

/* check_network's rule (ABI 1.4): the one core rule a plugin may raise. */
static const struct pg_rule_spec rules[] = {
	PG_RULE_SPEC(
		"network-unexpected", "fail", "high",
		"The address is in an AS the manifest's expectedNetwork does not name (severity "
		"option)"),
	PG_RULE_SPEC_END,
};

static struct pg_plugin ip_plugin = {
	.rule_table = rules,
	.kind = PG_PLUGIN_ENRICHER,
	.name = "ip",
	.version = "1.0.0",
	.description =
		"owner of the finding's address: ASN, AS name, org, country, prefix, registry",
	.option_table = ip_options,
	.thread_model = PG_THREAD_PARALLEL,
	.create = ip_create,
	.destroy = ip_destroy,
	.enrich = ip_enrich,
#if NL_ABI_1_1
	.enrich_scope = PG_SCOPE_ASSET, /* network-unexpected reads assetContext */
#else
	.enrich_scope = PG_SCOPE_TARGET,
#endif
	.cache_ttl_s = 0, /* the plugin caches per address itself (cacheSeconds) */
	.timeout_ms = 10000,
#ifdef PG_JUDGE_NETWORK_ASN
	.judges = PG_JUDGE_NETWORK_ASN, /* network-unexpected, finding or not */
#endif
};

PORTGATE_PLUGIN(ip_plugin)
