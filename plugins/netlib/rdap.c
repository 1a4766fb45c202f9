/* rdap.c - RDAP bootstrap (RFC 9224) and GETs (RFC 9082) for the ip and
 * whois enrichers. The host's HTTP helper never follows redirects, and RDAP
 * servers redirect a lot (bootstrap -> registry -> registrar), so we follow
 * them here, bounded and loop-checked. */
#include "netlib.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "common/netaddr.h"
#include "common/url.h"

#define NL_MAX_REDIRECTS 5
#define NL_BOOT_MAX      (4u << 20)

json_t *nl_bootstrap_load(const char *path, char *err, size_t errlen)
{
	json_error_t je;
	json_t *doc = json_load_file(path, 0, &je);

	if (!doc) {
		snprintf(err, errlen, "%s:%d: %s", path, je.line, je.text);
		return NULL;
	}
	if (!json_is_array(json_object_get(doc, "services"))) {
		snprintf(err, errlen, "%s: not an RDAP bootstrap file (no \"services\" array)",
			 path);
		json_decref(doc);
		return NULL;
	}
	return doc;
}

/* The first https URL of a service entry, else its first URL. */
static const char *service_url(const json_t *svc)
{
	const json_t *urls = json_array_get(svc, 1);
	const char *first = NULL;
	size_t i;
	json_t *u;

	json_array_foreach(urls, i, u)
	{
		const char *s = json_string_value(u);
		if (!s)
			continue;
		if (!strncasecmp(s, "https://", 8))
			return s;
		if (!first)
			first = s;
	}
	return first;
}

/* Does the (lowercase, dotless-root) domain end with label suffix sfx? */
static int domain_has_suffix(const char *d, const char *sfx)
{
	size_t dl = strlen(d), sl = strlen(sfx);

	if (sl == 0 || sl > dl || strcasecmp(d + dl - sl, sfx))
		return 0;
	return sl == dl || d[dl - sl - 1] == '.';
}

const char *nl_bootstrap_dns(const json_t *boot, const char *domain)
{
	const json_t *svcs = json_object_get(boot, "services"), *svc, *e;
	const char *best = NULL;
	size_t best_len = 0, i, j;

	json_array_foreach(svcs, i, svc)
	{
		json_array_foreach(json_array_get(svc, 0), j, e)
		{
			const char *sfx = json_string_value(e);
			if (sfx && strlen(sfx) > best_len && domain_has_suffix(domain, sfx)) {
				best = service_url(svc);
				best_len = strlen(sfx);
			}
		}
	}
	return best;
}

/* Does addr (family af, 4 or 16 bytes) lie in the CIDR text c? -1: no, else its prefix. */
static int cidr_match(int af, const unsigned char *addr, const char *c)
{
	unsigned char net[16];
	char buf[64];
	const char *slash = strchr(c, '/');
	size_t alen = slash ? (size_t)(slash - c) : strlen(c);
	long prefix, max = af == AF_INET ? 32 : 128;
	char *end;

	if (!slash || alen >= sizeof(buf))
		return -1;
	memcpy(buf, c, alen);
	buf[alen] = '\0';
	if (inet_pton(af, buf, net) != 1)
		return -1;
	prefix = strtol(slash + 1, &end, 10);
	if (*end || prefix < 0 || prefix > max)
		return -1;
	for (long b = 0; b < prefix; b++) {
		unsigned mask = 0x80u >> (b % 8);
		if ((addr[b / 8] & mask) != (net[b / 8] & mask))
			return -1;
	}
	return (int)prefix;
}

const char *nl_bootstrap_ip(const json_t *boot, const char *ip)
{
	const json_t *svcs = json_object_get(boot, "services"), *svc, *e;
	unsigned char addr[16];
	const char *best = NULL;
	int af = strchr(ip, ':') ? AF_INET6 : AF_INET, best_p = -1;
	size_t i, j;

	if (inet_pton(af, ip, addr) != 1)
		return NULL;
	json_array_foreach(svcs, i, svc)
	{
		json_array_foreach(json_array_get(svc, 0), j, e)
		{
			const char *c = json_string_value(e);
			int p = c ? cidr_match(af, addr, c) : -1;
			if (p > best_p) {
				best = service_url(svc);
				best_p = p;
			}
		}
	}
	return best;
}

void nl_url_host(const char *url, char *out, size_t outlen)
{
	struct pg_url_parts u;

	pg_url_split(url, &u);
	snprintf(out, outlen, "%s", u.host);
}

#if NL_ABI_1_1
/* An absolute http(s) URL for Location loc relative to the URL cur (RFC
 * 3986 5.2, libcurl's resolver), owned; NULL when it is none. */
static char *resolve_location(const char *cur, const char *loc)
{
	CURLU *u = curl_url();
	char *abs = NULL, *out = NULL;
	struct pg_url_parts p;

	if (u && curl_url_set(u, CURLUPART_URL, cur, 0) == CURLUE_OK &&
	    curl_url_set(u, CURLUPART_URL, loc, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_URL, &abs, 0) == CURLUE_OK && pg_url_split(abs, &p) &&
	    (!strcmp(p.scheme, "http") || !strcmp(p.scheme, "https")))
		out = strdup(abs);
	curl_free(abs);
	curl_url_cleanup(u);
	return out;
}

static const char *header_value(const json_t *hdrs, const char *name)
{
	size_t i;
	json_t *h;

	json_array_foreach(
		hdrs, i,
		h) if (json_is_string(json_object_get(h, "name")) &&
		       !strcmp(json_string_value(json_object_get(h, "name")),
			       name)) return json_string_value(json_object_get(h, "value"));
	return NULL;
}
#endif

static char *join_url(const char *base, const char *path)
{
	size_t bl = strlen(base);
	int slash = bl && base[bl - 1] == '/';
	size_t n = bl + strlen(path) + 2;
	char *u = malloc(n);

	if (u)
		snprintf(u, n, "%s%s%s", base, slash ? "" : "/", path);
	return u;
}

struct hop {
	long status;
	char *body; /* owned */
	size_t body_len;
	char *location; /* owned, absolute, or NULL */
};

static int one_get(const struct nl_env *e, const char *url, long timeout_ms, int insecure,
		   int refuse_internal, struct hop *h, char *err, size_t errlen)
{
	static const char *const hdrs[] = { "Accept: application/rdap+json, application/json",
					    NULL };
	struct pg_http_request req = { .struct_size = sizeof(req) };
	struct pg_http_response resp = { 0 };
	json_t *rh = NULL;
	char host[256];
	int rc;

	nl_url_host(url, host, sizeof(host));
	req.url = url;
	req.headers = hdrs;
	req.timeout_ms = timeout_ms;
	req.insecure = insecure;
	req.log_url = host;
#if NL_ABI_1_1
	req.response_headers = &rh;
#endif
#if NL_ABI_1_2
	req.refuse_internal = refuse_internal;
#else
	(void)refuse_internal;
#endif
	rc = e->host->http(e->ctx, &req, &resp);
	memset(h, 0, sizeof(*h));
	if (rc != 0) {
		snprintf(err, errlen, "RDAP %s: %s", host, resp.error);
		e->host->http_response_clear(&resp);
		json_decref(rh);
		return -1;
	}
	h->status = resp.status;
	h->body_len = resp.body_len;
	h->body = resp.body ? malloc(resp.body_len + 1) : NULL;
	if (h->body) {
		memcpy(h->body, resp.body, resp.body_len);
		h->body[resp.body_len] = '\0';
	}
#if NL_ABI_1_1
	if (header_value(rh, "location"))
		h->location = resolve_location(url, header_value(rh, "location"));
#endif
	e->host->http_response_clear(&resp);
	json_decref(rh);
	return 0;
}

static int is_redirect(long s)
{
	return s == 301 || s == 302 || s == 303 || s == 307 || s == 308;
}

/* Parse a 200 body into *out. */
static int parse_body(const struct hop *h, const char *host, json_t **out, char *err, size_t errlen)
{
	json_error_t je;

	*out = h->body ? json_loadb(h->body, h->body_len, 0, &je) : NULL;
	if (!*out || !json_is_object(*out)) {
		snprintf(err, errlen, "RDAP %s: broken JSON (%s)", host,
			 *out ? "not an object" : je.text);
		json_decref(*out);
		*out = NULL;
		return NL_RDAP_ERROR;
	}
	return NL_RDAP_OK;
}

static int hop_result(const struct hop *h, const char *url, json_t **out, char *err, size_t errlen)
{
	char host[256];

	nl_url_host(url, host, sizeof(host));
	if (h->status == 200)
		return parse_body(h, host, out, err, errlen);
	if (h->status == 404) {
		snprintf(err, errlen, "RDAP %s: not found", host);
		return NL_RDAP_NOT_FOUND;
	}
	if (h->status == 429) {
		snprintf(err, errlen, "RDAP %s: rate limited (429)", host);
		return NL_RDAP_RATE_LIMITED;
	}
	snprintf(err, errlen, "RDAP %s: HTTP %ld", host, h->status);
	return NL_RDAP_ERROR;
}

/* The URL's host into h; 1 when it is an address literal (*internal says
 * its class), 0 when a name. */
static int url_literal(const char *url, char *h, size_t hlen, int *internal)
{
	unsigned char b[16];

	nl_url_host(url, h, hlen);
	if (inet_pton(AF_INET, h, b) != 1 && inet_pton(AF_INET6, h, b) != 1)
		return 0;
	*internal = pg_netaddr_is_internal(h);
	return 1;
}

/* 1 when the URL's host is (or resolves to) an internal address, 0 when
 * public, -1 when a name the resolver does not know. */
static int url_internal(const struct nl_env *e, const char *url)
{
	static const char *const types[] = { "A", "AAAA" };
	char h[256];
	int known = 0, internal = 0;

	if (url_literal(url, h, sizeof(h), &internal))
		return internal;
	for (size_t t = 0; t < 2 && !internal; t++) {
		json_t *ans = NULL, *a;
		size_t i;
		if (e->host->dns(e->ctx, h, types[t], &ans) == 0)
			json_array_foreach(ans, i, a)
			{
				known = 1;
				internal |= json_is_string(a) &&
					    pg_netaddr_is_internal(json_string_value(a));
			}
		json_decref(ans);
	}
	return internal ? 1 : known ? 0 : -1;
}

/* Does the host check the address it connects to (ABI 1.2 refuse_internal)? */
static int host_guards(const struct nl_env *e)
{
	return NL_ABI_1_2 && e->host->abi_major == 1 && e->host->abi_minor >= 2;
}

/* A redirect target's class: a literal's own; a name's through host->dns,
 * unless the host checks where it connects (a look-up here would prove
 * nothing then: the host resolves again, and DNS may answer otherwise). */
static int target_internal(const struct nl_env *e, const char *url)
{
	char h[256];
	int internal = 0;

	if (!host_guards(e))
		return url_internal(e, url);
	return url_literal(url, h, sizeof(h), &internal) ? internal : 0;
}

/* A public RDAP server's redirect must not aim portgate into an internal
 * network; an internal base URL (a private mirror, the tests) may redirect
 * anywhere. *start caches the base's class (-2: not known yet); a guarding
 * host needs it at the first redirect to know whether to guard the hops. */
static int redirect_refused(const struct nl_env *e, const char *first, const char *to, int *start,
			    char *err, size_t errlen)
{
	int target = target_internal(e, to);
	char host[256];

	if (*start == -2 && (target != 0 || host_guards(e)))
		*start = url_internal(e, first);
	if (target == 0 || *start == 1)
		return 0;
	nl_url_host(to, host, sizeof(host));
	snprintf(err, errlen, "RDAP: redirect to %s refused: %s, and the base URL is not internal",
		 host, target > 0 ? "an internal address" : "a host that does not resolve");
	return 1;
}

int nl_rdap_get(const struct nl_env *e, const char *base, const char *path, long timeout_ms,
		int insecure, json_t **out, char *err, size_t errlen)
{
	char *seen[NL_MAX_REDIRECTS + 1] = { 0 };
	char *url = join_url(base, path);
	int rc = NL_RDAP_ERROR, hops, start = -2;

	*out = NULL;
	snprintf(err, errlen, "RDAP: out of memory");
	for (hops = 0; url && hops <= NL_MAX_REDIRECTS; hops++) {
		struct hop h;
		long budget = nl_budget(e, timeout_ms, timeout_ms);

		for (int k = 0; k < hops; k++)
			if (!strcmp(seen[k], url)) {
				snprintf(err, errlen, "RDAP: redirect loop at hop %d", hops);
				goto done;
			}
		if (budget <= 0) {
			snprintf(err, errlen, "RDAP: no time left in the call's deadline");
			goto done;
		}
		/* hop 0 is the configured server; a redirect's hop is guarded
		 * unless the base URL is internal (start is known by then) */
		if (one_get(e, url, budget, insecure, hops > 0 && start != 1 && host_guards(e), &h,
			    err, errlen) != 0)
			goto done;
		if (!is_redirect(h.status)) {
			rc = hop_result(&h, url, out, err, errlen);
			free(h.body);
			free(h.location);
			goto done;
		}
		free(h.body);
		seen[hops] = url;
		url = h.location;
		if (!url) {
			snprintf(err, errlen, "RDAP: HTTP %ld without a usable Location", h.status);
			goto done;
		}
		if (redirect_refused(e, seen[0], url, &start, err, errlen))
			goto done;
	}
	if (url)
		snprintf(err, errlen, "RDAP: more than %d redirects", NL_MAX_REDIRECTS);
done:
	for (int k = 0; k <= NL_MAX_REDIRECTS; k++)
		if (seen[k] != url)
			free(seen[k]);
	free(url);
	return rc;
}

const char *nl_rdap_entity_fn(const json_t *obj, const char *role)
{
	const json_t *ents = json_object_get(obj, "entities"), *ent, *r, *prop;
	size_t i, j;

	json_array_foreach(ents, i, ent)
	{
		int has = 0;
		json_array_foreach(json_object_get(ent, "roles"), j, r)
			has |= json_is_string(r) && !strcmp(json_string_value(r), role);
		if (!has)
			continue;
		json_array_foreach(json_array_get(json_object_get(ent, "vcardArray"), 1), j, prop)
		{
			const char *k = json_string_value(json_array_get(prop, 0));
			const char *v = json_string_value(json_array_get(prop, 3));
			if (k && v && !strcmp(k, "fn"))
				return v;
		}
	}
	return NULL;
}
