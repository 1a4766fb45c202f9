/* fetch.c - see fetch.h. */
#include "fetch.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "common/clock.h"
#include "common/netaddr.h"
#include "common/url.h"

#define MAX_BODY   (1024 * 1024) /* a page beyond this is cut (scripts, meta tags) */
#define REQUEST_MS 10000         /* per request, within the call's deadline */

static const char *const accept_html =
	"Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

struct sink {
	struct obs_resp *r;
	size_t cap;
	bool cut;
};

static size_t on_body(char *p, size_t sz, size_t n, void *arg)
{
	struct sink *k = arg;
	size_t len = sz * n, take = len;

	if (k->r->body_len + take > MAX_BODY) {
		take = MAX_BODY - k->r->body_len;
		k->cut = true;
	}
	if (k->r->body_len + take + 1 > k->cap) {
		k->cap = (k->r->body_len + take + 1) * 2;
		k->r->body = realloc(k->r->body, k->cap);
		if (!k->r->body)
			return 0;
	}
	memcpy(k->r->body + k->r->body_len, p, take);
	k->r->body_len += take;
	k->r->body[k->r->body_len] = '\0';
	return len;
}

/* One header line: a status line starts a new response; "name: value" is kept. */
static size_t on_header(char *p, size_t sz, size_t n, void *arg)
{
	struct sink *k = arg;
	size_t len = sz * n, nl, vb, ve;
	const char *colon = memchr(p, ':', len);
	char name[128];

	if (len >= 5 && !strncmp(p, "HTTP/", 5)) {
		json_array_clear(k->r->headers);
		return len;
	}
	if (!colon || colon == p || (size_t)(colon - p) >= sizeof(name))
		return len;
	nl = (size_t)(colon - p);
	for (size_t i = 0; i < nl; i++)
		name[i] = (char)tolower((unsigned char)p[i]);
	name[nl] = '\0';
	for (vb = nl + 1; vb < len && (p[vb] == ' ' || p[vb] == '\t'); vb++)
		;
	for (ve = len; ve > vb && isspace((unsigned char)p[ve - 1]); ve--)
		;
	json_array_append_new(k->r->headers, json_pack("{s:s, s:s#}", "name", name, "value", p + vb,
						       (int)(ve - vb)));
	return len;
}

static bool is_ip(const char *s)
{
	unsigned char b[16];

	return inet_pton(AF_INET, s, b) == 1 || inet_pton(AF_INET6, s, b) == 1;
}

/* The address to connect to for host, into buf; -1 when it cannot be found. */
static int address_for(struct fetch_ctx *f, const char *host, char *buf, size_t len)
{
	static const char *const types[] = { "A", "AAAA" };

	if (!strcasecmp(host, f->target)) {
		snprintf(buf, len, "%s", f->ip);
		return 0;
	}
	for (size_t i = 0; i < 2; i++) {
		json_t *ans = NULL;
		if (f->host->dns(f->ctx, host, types[i], &ans) == 0 && json_array_size(ans)) {
			snprintf(buf, len, "%s", json_string_value(json_array_get(ans, 0)));
			json_decref(ans);
			return 0;
		}
		json_decref(ans);
	}
	return -1;
}

/* A redirect of a public site must not walk portgate into an internal network (a
 * hostile server answering "Location: http://169.254.169.254/" would otherwise get a
 * request sent there); hops of an internal scanned address stay allowed. */
static bool hop_allowed(const struct fetch_ctx *f, const char *addr, char *err, size_t elen)
{
	if (!pg_netaddr_is_internal(addr) || pg_netaddr_is_internal(f->ip))
		return true;
	snprintf(err, elen, "refused: redirect to internal address %s from public %s", addr, f->ip);
	return false;
}

/* The resolve entry pinning the URL's host to its address ("host:port:addr"). */
static struct curl_slist *pin(struct fetch_ctx *f, const char *url, char *err, size_t elen)
{
	CURLU *u = curl_url();
	char *host = NULL, *port = NULL, addr[64], line[512];
	struct curl_slist *l = NULL;

	if (curl_url_set(u, CURLUPART_URL, url, 0) || curl_url_get(u, CURLUPART_HOST, &host, 0) ||
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT)) {
		snprintf(err, elen, "bad URL");
	} else if (host[0] == '[' || is_ip(host)) {
		size_t n = strlen(host);
		snprintf(addr, sizeof(addr), "%.*s", (int)(host[0] == '[' ? n - 2 : n),
			 host + (host[0] == '['));
		if (hop_allowed(f, addr, err, elen))
			l = curl_slist_append(NULL, "-"); /* literal: nothing to resolve */
	} else if (address_for(f, host, addr, sizeof(addr)) != 0) {
		snprintf(err, elen, "cannot resolve %s", host);
	} else if (hop_allowed(f, addr, err, elen)) {
		snprintf(line, sizeof(line), strchr(addr, ':') ? "%s:%s:[%s]" : "%s:%s:%s", host,
			 port, addr);
		l = curl_slist_append(NULL, line);
	}
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return l;
}

/* One request, no redirect followed. 0 when a response arrived. */
static int request(struct fetch_ctx *f, const char *method, const char *url,
		   const char *const *extra, bool verify, struct obs_resp *out, bool *cert_err)
{
	struct sink k = { .r = out };
	struct curl_slist *res, *hdrs = NULL;
	char err[CURL_ERROR_SIZE] = "";
	uint64_t now = pg_clock_now_ms();
	long ms = f->deadline_ms > now ? (long)(f->deadline_ms - now) : 0;
	CURLcode rc;
	CURL *c;

	memset(out, 0, sizeof(*out));
	out->headers = json_array();
	*cert_err = false;
	if (ms <= 0 || !(res = pin(f, url, err, sizeof(err))))
		return -1;
	c = curl_easy_init();
	if (!c) {
		curl_slist_free_all(res);
		return -1;
	}
	for (size_t i = 0; extra && extra[i]; i++)
		hdrs = curl_slist_append(hdrs, extra[i]);
	if (strcmp(res->data, "-"))
		curl_easy_setopt(c, CURLOPT_RESOLVE, res);
	curl_easy_setopt(c, CURLOPT_URL, url);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(c, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*"); /* the scanned address, not a proxy's view */
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, ms < REQUEST_MS ? ms : REQUEST_MS);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "portgate-headers/1.0");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &k);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &k);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);
	if (f->ca_file)
		curl_easy_setopt(c, CURLOPT_CAINFO, f->ca_file);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, verify ? 1L : 0L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, verify ? 2L : 0L);
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK || (rc == CURLE_WRITE_ERROR && k.cut))
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
	*cert_err = rc == CURLE_PEER_FAILED_VERIFICATION;
	curl_easy_cleanup(c);
	curl_slist_free_all(hdrs);
	curl_slist_free_all(res);
	if (!out->body)
		out->body = calloc(1, 1);
	if (!out->status) {
		obs_resp_clear(out);
		return -1;
	}
	return 0;
}

static bool is_redirect(long st)
{
	return st == 301 || st == 302 || st == 303 || st == 307 || st == 308;
}

/* base + Location: a new absolute URL (as new URL(location, base)), or NULL. */
static char *resolve_url(const char *base, const char *loc)
{
	CURLU *u = curl_url();
	char *out = NULL, *dup = NULL;

	if (!curl_url_set(u, CURLUPART_URL, base, 0) &&
	    !curl_url_set(u, CURLUPART_URL, loc, CURLU_NON_SUPPORT_SCHEME) &&
	    !curl_url_get(u, CURLUPART_URL, &out, 0))
		dup = strdup(out);
	curl_free(out);
	curl_url_cleanup(u);
	return dup;
}

static char *normalize(const char *url)
{
	return resolve_url(url, url);
}

static char *trimdup(const char *s, size_t n)
{
	char *d;

	while (n && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	d = malloc(n + 1);
	if (!d)
		abort();
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

/* The default cookie path of a URL path (RFC 6265 5.1.4). */
static char *default_path(const char *url)
{
	char *p = pg_url_path_new(url), *last = p ? strrchr(p, '/') : NULL;
	char *d = !last || last == p ? trimdup("/", 1) : trimdup(p, (size_t)(last - p));

	free(p);
	return d;
}

/* One attribute "key[=value]" of a Set-Cookie header into c. */
static void cookie_attr(struct obs_cookie *c, const char *a, size_t n)
{
	const char *eq = memchr(a, '=', n);
	char *k = trimdup(a, eq ? (size_t)(eq - a) : n);
	char *v = eq ? trimdup(eq + 1, n - (size_t)(eq - a) - 1) : NULL;

	for (char *x = k; *x; x++)
		*x = (char)tolower((unsigned char)*x);
	if (!strcmp(k, "secure")) {
		c->secure = true;
	} else if (!strcmp(k, "httponly")) {
		c->httponly = true;
	} else if (!strcmp(k, "samesite")) {
		c->samesite[0] = '\0';
		if (v &&
		    (!strcasecmp(v, "strict") || !strcasecmp(v, "lax") || !strcasecmp(v, "none")))
			for (size_t i = 0; i <= strlen(v); i++)
				c->samesite[i] = (char)tolower((unsigned char)v[i]);
	} else if (!strcmp(k, "path") && v && v[0] == '/') {
		free(c->path);
		c->path = v;
		v = NULL;
	} else if (!strcmp(k, "domain") && v && *v) {
		free(c->domain);
		c->domain = trimdup(v[0] == '.' ? v + 1 : v, strlen(v[0] == '.' ? v + 1 : v));
	}
	free(k);
	free(v);
}

static bool domain_matches(const char *host, const char *dom)
{
	size_t h = strlen(host), d = strlen(dom);

	if (!strcasecmp(host, dom))
		return true;
	return h > d && !strcasecmp(host + h - d, dom) && host[h - d - 1] == '.' && !is_ip(host);
}

/* Store one Set-Cookie value in the jar the way tough-cookie does the
 * parts the Observatory reads: a name is required, a foreign Domain is
 * refused, and a cookie of the same name, domain and path replaces the old. */
static void jar_set(struct obs_session *s, const char *url, const char *host, const char *hdr)
{
	const char *semi = strchr(hdr, ';'), *p;
	size_t pair = semi ? (size_t)(semi - hdr) : strlen(hdr);
	const char *eq = memchr(hdr, '=', pair);
	struct obs_cookie c = { 0 };

	if (!eq || eq == hdr)
		return;
	c.key = trimdup(hdr, (size_t)(eq - hdr));
	for (p = semi; p; p = strchr(p + 1, ';')) {
		const char *next = strchr(p + 1, ';');
		cookie_attr(&c, p + 1, next ? (size_t)(next - p - 1) : strlen(p + 1));
	}
	if (c.domain && !domain_matches(host, c.domain)) {
		free(c.key);
		free(c.domain);
		free(c.path);
		return;
	}
	if (!c.domain)
		c.domain = trimdup(host, strlen(host));
	if (!c.path)
		c.path = default_path(url);
	for (size_t i = 0; i < s->njar; i++) {
		struct obs_cookie *o = &s->jar[i];
		if (strcmp(o->key, c.key) || strcasecmp(o->domain, c.domain) ||
		    strcmp(o->path, c.path))
			continue;
		free(o->key);
		free(o->domain);
		free(o->path);
		*o = c;
		return;
	}
	s->jar = realloc(s->jar, (s->njar + 1) * sizeof(*s->jar));
	if (!s->jar)
		abort();
	s->jar[s->njar++] = c;
}

static void take_cookies(struct obs_session *s, const char *url, const struct obs_resp *r)
{
	char scheme[16], host[256];
	json_t *h;
	size_t i;

	if (obs_url_parts(url, scheme, sizeof(scheme), host, sizeof(host)))
		return;
	json_array_foreach(
		r->headers, i,
		h) if (!strcmp(json_string_value(json_object_get(h, "name")), "set-cookie"))
		jar_set(s, url, host, json_string_value(json_object_get(h, "value")));
}

static void add_hop(struct obs_session *s, const char *url, long status)
{
	s->hops = realloc(s->hops, (s->nhops + 1) * sizeof(*s->hops));
	if (!s->hops)
		abort();
	s->hops[s->nhops].url = strdup(url);
	s->hops[s->nhops++].status = status;
}

/* Follow the chain from s->url; -1 when a request failed (*cert_err: on TLS
 * verification). */
static int run_chain(struct fetch_ctx *f, struct obs_session *s, bool verify, bool *cert_err)
{
	const char *const hdrs[] = { accept_html, NULL };
	char *cur = strdup(s->url);
	int redirects = 0;

	for (;;) {
		struct obs_resp r;
		char *loc, *next;

		if (!cur || request(f, "GET", cur, hdrs, verify, &r, cert_err) != 0) {
			free(cur);
			return -1;
		}
		add_hop(s, cur, r.status);
		take_cookies(s, cur, &r);
		loc = obs_header(&r, "location");
		next = loc && is_redirect(r.status) && redirects < OBS_MAX_REDIRECTS
			       ? resolve_url(cur, loc)
			       : NULL;
		free(loc);
		if (!next) {
			s->final = r;
			free(cur);
			return 0;
		}
		obs_resp_clear(&r);
		free(cur);
		cur = next;
		redirects++;
	}
}

static void reset_chain(struct obs_session *s)
{
	char *url = s->url;

	s->url = NULL;
	obs_session_clear(s);
	s->url = url;
}

void fetch_session(struct fetch_ctx *f, const char *url, struct obs_session *s)
{
	bool cert_err = false;

	memset(s, 0, sizeof(*s));
	s->url = normalize(url);
	if (!s->url)
		return;
	s->verified = true;
	if (run_chain(f, s, true, &cert_err) == 0) {
		s->ok = true;
		return;
	}
	reset_chain(s);
	if (cert_err && run_chain(f, s, false, &cert_err) == 0) {
		s->ok = true;
		s->verified = false;
		return;
	}
	reset_chain(s);
}

int fetch_cors(struct fetch_ctx *f, const struct obs_session *s, struct obs_resp *out)
{
	const char *const hdrs[] = { "Access-Control-Request-Method: GET",
				     "Origin: " OBS_CORS_ORIGIN, NULL };
	char *cur = strdup(s->nhops ? s->hops[s->nhops - 1].url : s->url);
	const char *method = "OPTIONS";
	bool cert_err;

	/* axios follows up to 10 redirects here (a 303 turns into a GET). */
	for (int i = 0; cur && i <= OBS_MAX_REDIRECTS; i++) {
		char *loc, *next;

		if (request(f, method, cur, hdrs, s->verified, out, &cert_err) != 0)
			break;
		loc = obs_header(out, "location");
		next = loc && is_redirect(out->status) ? resolve_url(cur, loc) : NULL;
		free(loc);
		if (!next) {
			free(cur);
			return 0;
		}
		if (out->status == 303)
			method = "GET";
		obs_resp_clear(out);
		free(cur);
		cur = next;
	}
	free(cur);
	return -1;
}

int fetch_origin_probe(struct fetch_ctx *f, const struct obs_session *s, const char *origin,
		       struct obs_resp *out)
{
	const char *url = s->nhops ? s->hops[s->nhops - 1].url : s->url;
	char hdr[300];
	const char *const hdrs[] = { hdr, NULL };
	bool cert_err;

	snprintf(hdr, sizeof(hdr), "Origin: %s", origin);
	return url ? request(f, "GET", url, hdrs, s->verified, out, &cert_err) : -1;
}
