/* dns.c - enricher: the records that point the finding's target somewhere
 * (A, AAAA and the CNAME chain) and those of its registered domain (NS, MX,
 * TXT, CAA, SOA), through the host's resolver (the one the config points
 * at). The registered domain is the manifest's `domain` (assetContext), else
 * the target's registrable domain from the Public Suffix List. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <portgate/plugin.h>

#include "netlib/domain.h"
#include "netlib/netlib.h"

/* Types asked at the target, then at its registered domain (NULL-terminated: the choices
 * of the types option). */
static const char *const all_types[] = {
	"A", "AAAA", "CNAME", "NS", "MX", "TXT", "CAA", "SOA", NULL
};
#define NTYPES            (sizeof(all_types) / sizeof(all_types[0]) - 1)
#define FIRST_DOMAIN_TYPE 3
#define CNAME_MAX_HOPS    8

struct dns_state {
	struct pg_plugin_ctx *ctx;
	const struct pg_host_api *host;
	int want[NTYPES];
};

/* The host checks the list (ABI 1.4 PG_OPT_ENUM_LIST) before create. */
static const struct pg_option_spec dns_options[] = {
	PG_OPTION_ENUM_LIST("types", "A,AAAA,CNAME,NS,MX,TXT,CAA,SOA", 0,
			    "comma-separated record types: A, AAAA, CNAME (the chain) of the "
			    "target; NS, MX, TXT, CAA, SOA of its registered domain",
			    all_types),
	PG_OPTION_END,
};

static int parse_types(struct dns_state *s, const char *list)
{
	char buf[128];
	char *save = NULL, *tok;
	size_t len = strlen(list);

	if (len >= sizeof(buf))
		return -1;
	memcpy(buf, list, len + 1);
	for (tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
		size_t i = 0;
		while (i < NTYPES && strcmp(tok, all_types[i]))
			i++;
		if (i == NTYPES)
			return -1;
		s->want[i] = 1;
	}
	return 0;
}

static int dns_create(struct pg_plugin_ctx *ctx, const struct pg_host_api *host, void **state)
{
	struct dns_state *s = calloc(1, sizeof(*s));

	if (!s)
		return PG_PLUGIN_FAIL;
	s->ctx = ctx;
	s->host = host;
	if (parse_types(s, host->opt_string(ctx, "types")) != 0) {
		host->error(ctx,
			    "types: expected a comma-separated list of A, AAAA, CNAME, NS, MX, "
			    "TXT, CAA, SOA");
		free(s);
		return PG_PLUGIN_FAIL;
	}
	*state = s;
	return PG_PLUGIN_OK;
}

static void dns_destroy(void *state)
{
	free(state);
}

static int is_ip_literal(const char *s)
{
	unsigned char buf[16];
	return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

/* The CNAME chain from name: each hop's target, at most CNAME_MAX_HOPS, a
 * loop ends it. 0 with *chain (new array), -1 when the first lookup failed. */
static int cname_chain(struct dns_state *s, const char *name, json_t **chain)
{
	json_t *out = json_array(), *ans = NULL;
	const char *cur = name;

	for (int hop = 0; hop < CNAME_MAX_HOPS; hop++) {
		const char *next;
		size_t i;
		json_t *v;
		int loop = 0;

		if (s->host->dns(s->ctx, cur, "CNAME", &ans) != 0) {
			if (hop == 0) {
				json_decref(out);
				return -1;
			}
			break;
		}
		next = json_string_value(json_array_get(ans, 0));
		json_array_foreach(out, i, v)
			loop |= !strcmp(json_string_value(v), next ? next : "");
		if (!next || loop || !strcmp(next, name)) {
			json_decref(ans);
			break;
		}
		json_array_append_new(out, json_string(next));
		json_decref(ans);
		ans = NULL;
		cur = json_string_value(json_array_get(out, json_array_size(out) - 1));
	}
	*chain = out;
	return 0;
}

static int lookup(struct dns_state *s, size_t i, const char *name, json_t *out)
{
	json_t *answers;

	if (!strcmp(all_types[i], "CNAME")) {
		if (cname_chain(s, name, &answers) != 0)
			return -1;
	} else if (s->host->dns(s->ctx, name, all_types[i], &answers) != 0) {
		return -1;
	}
	json_object_set_new(out, all_types[i], answers);
	return 0;
}

static int dns_enrich(void *state, const json_t *finding, json_t *out, json_t *new_findings)
{
	struct dns_state *s = state;
	const char *target = json_string_value(json_object_get(finding, "target"));
	char name[256], domain[256];
	size_t ok = 0, asked = 0;
	int from;

	(void)new_findings;
	if (!target || !*target) {
		s->host->error(s->ctx, "finding has no target");
		return PG_PLUGIN_FAIL;
	}
	if (is_ip_literal(target)) {
		json_object_set_new(out, "skipped", json_string("target is an IP address"));
		return PG_PLUGIN_OK;
	}
	/* refused before any query: bad_host!, 10.0.0.300, broken IDNs */
	if (nl_to_ace(target, name, sizeof(name)) != 0) {
		s->host->error(s->ctx, "'%s' is not a valid host name", target);
		return PG_PLUGIN_FAIL;
	}
	from = nl_finding_domain(finding, domain, sizeof(domain));
	json_object_set_new(out, "name", json_string(name));
	nl_set_unicode(out, "nameUnicode", name); /* IDNs in both forms */
	if (from > 0) {
		json_object_set_new(out, "domain", json_string(domain));
		nl_set_unicode(out, "domainUnicode", domain);
		json_object_set_new(out, "domainSource",
				    json_string(from == 1 ? "manifest" : "psl"));
	}
	for (size_t i = 0; i < NTYPES; i++) {
		if (!s->want[i] || (i >= FIRST_DOMAIN_TYPE && from <= 0))
			continue;
		asked++;
		if (lookup(s, i, i >= FIRST_DOMAIN_TYPE ? domain : name, out) == 0)
			ok++;
	}
	/* All lookups failing is an error (the host->error of the last one says why). */
	return ok == 0 && asked > 0 ? PG_PLUGIN_FAIL : PG_PLUGIN_OK;
}

static struct pg_plugin dns_plugin = {
	.kind = PG_PLUGIN_ENRICHER,
	.name = "dns",
	.version = "1.1.0",
	.description = "DNS records: A, AAAA, CNAME chain of the target; NS, MX, TXT, CAA, SOA of "
		       "its registered domain",
	.option_table = dns_options,
	.thread_model = PG_THREAD_PARALLEL,
	.create = dns_create,
	.destroy = dns_destroy,
	.enrich = dns_enrich,
#if NL_ABI_1_1
	.enrich_scope = PG_SCOPE_ASSET, /* the domain comes from assetContext */
#else
	.enrich_scope = PG_SCOPE_TARGET,
#endif
	.cache_ttl_s = 3600,
	.timeout_ms = 5000,
};

PORTGATE_PLUGIN(dns_plugin)
