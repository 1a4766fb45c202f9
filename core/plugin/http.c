/* http.c - libcurl helper lent to plugins. */
#include "config.h"
#include "http.h"

#include <ctype.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <stddef.h>
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/http_status.h"
#include "common/netaddr.h"
#include "util/addr.h"
#include "util/util.h"

/* Does the plugin's request struct (struct_size) reach field? Fields after
 * ABI 1.0 are read only then: an older plugin's request is smaller. */
#define REQ_HAS(req, field) \
	((req)->struct_size >= offsetof(struct pg_http_request, field) + sizeof((req)->field))

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_init_once(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

void pg_http_global_init(void)
{
	pthread_once(&curl_once, curl_init_once);
}

struct body_buf {
	char *data; /* owned until handed to the response */
	size_t len, cap;
	bool too_big;
};

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct body_buf *b = ud;
	size_t n = size * nmemb;

	if (b->len + n > PG_HTTP_MAX_BODY) {
		b->too_big = true;
		return 0; /* abort the transfer */
	}
	pg_grow(&b->data, &b->cap, b->len + n + 1, 1);
	memcpy(b->data + b->len, ptr, n);
	b->len += n;
	b->data[b->len] = '\0';
	return n;
}

/* What the header callback fills: Retry-After, and the headers when asked. */
struct head_ctx {
	struct pg_http_response *resp;
	json_t *headers; /* owned until handed to the caller; NULL: not asked */
};

/* Trim the CRLF (and blanks) curl hands over with each header line. */
static size_t trimmed_len(const char *s, size_t n)
{
	while (n && (s[n - 1] == '\r' || s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return n;
}

static void add_header(json_t *arr, const char *line, size_t n)
{
	const char *colon = memchr(line, ':', n), *v;
	char *name;
	size_t nlen;

	if (!colon || colon == line)
		return;
	nlen = (size_t)(colon - line);
	name = pg_xmalloc(nlen + 1);
	for (size_t i = 0; i < nlen; i++)
		name[i] = (char)tolower((unsigned char)line[i]);
	name[nlen] = '\0';
	for (v = colon + 1; v < line + n && (*v == ' ' || *v == '\t'); v++)
		;
	json_array_append_new(
		arr, json_pack("{s:s, s:s%}", "name", name, "value", v, (size_t)(line + n - v)));
	free(name);
}

static void collect_header(json_t *arr, const char *line, size_t n)
{
	json_t *last;

	if (n >= 5 && !strncmp(line, "HTTP/", 5)) { /* a new response (after 1xx): start over */
		json_array_clear(arr);
		return;
	}
	if ((line[0] == ' ' || line[0] == '\t') &&
	    (last = json_array_get(arr, json_array_size(arr) - 1))) {
		/* obsolete line folding: the value goes on */
		const char *prev = json_string_value(json_object_get(last, "value"));
		json_object_set_new(last, "value", json_sprintf("%s %.*s", prev, (int)n, line));
		return;
	}
	add_header(arr, line, n);
}

static size_t on_header(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct head_ctx *hc = ud;
	size_t n = size * nmemb, tn = trimmed_len(ptr, n);
	static const char name[] = "retry-after:";
	char value[128];
	size_t vlen;

	if (n > sizeof(name) - 1 && strncasecmp(ptr, name, sizeof(name) - 1) == 0) {
		vlen = n - (sizeof(name) - 1);
		if (vlen >= sizeof(value))
			vlen = sizeof(value) - 1;
		memcpy(value, ptr + sizeof(name) - 1, vlen);
		value[vlen] = '\0';
		hc->resp->retry_after_ms = pg_http_retry_after_ms(value);
	}
	if (hc->headers && tn)
		collect_header(hc->headers, ptr, tn);
	return n;
}

/* The 1.1 field, read only when the plugin's request struct has it. */
static json_t **wanted_headers(const struct pg_http_request *req)
{
	return REQ_HAS(req, response_headers) ? req->response_headers : NULL;
}

/* ABI 1.2 refuse_internal: the address is checked where curl is about to open
 * the socket, after its own resolution (a plugin's earlier look-up of the name
 * proves nothing: DNS rebinding), for every connection of the transfer (a proxy's
 * too), and before any packet leaves. */
struct guard {
	char refused[INET6_ADDRSTRLEN]; /* the last address refused, "" when none */
};

static curl_socket_t open_guarded(void *ud, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct guard *g = ud;
	char ip[INET6_ADDRSTRLEN];

	(void)purpose;
	if (!pg_sockaddr_text(&a->addr, ip, sizeof(ip))) {
		pg_strlcpy(g->refused, "(not IP)", sizeof(g->refused));
		return CURL_SOCKET_BAD;
	}
	if (pg_netaddr_is_internal(ip)) {
		pg_strlcpy(g->refused, ip, sizeof(g->refused));
		return CURL_SOCKET_BAD;
	}
	/* CLOEXEC: the host forks plugin workers while other threads fetch */
	return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

static void set_guard(CURL *c, const struct pg_http_request *req, struct guard *g)
{
	if (!REQ_HAS(req, refuse_internal) || !req->refuse_internal)
		return;
	curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, open_guarded);
	curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, g);
}

/* resp->error for a transfer that failed because the guard refused an address. */
static void guard_error(const struct guard *g, const char *url, struct pg_http_response *resp)
{
	CURLU *u = curl_url();
	char *host = NULL;

	if (u && !curl_url_set(u, CURLUPART_URL, url, 0))
		curl_url_get(u, CURLUPART_HOST, &host, 0);
	snprintf(resp->error, sizeof(resp->error), "refused: %s connects to internal address %s",
		 host ? host : "the server", g->refused);
	curl_free(host);
	curl_url_cleanup(u);
}

static struct curl_slist *build_headers(const struct pg_http_request *req)
{
	struct curl_slist *list = NULL, *tmp;

	for (size_t i = 0; req->headers && req->headers[i]; i++) {
		tmp = curl_slist_append(list, req->headers[i]);
		if (!tmp)
			break;
		list = tmp;
	}
	/* No "Expect: 100-continue" round trip for small JSON bodies. */
	tmp = curl_slist_append(list, "Expect:");
	return tmp ? tmp : list;
}

/* The request's own CA file (a plugin's caFile, ABI 1.3) overrides the settings' one. */
static const char *request_ca_file(const struct pg_http_request *req, const struct pg_http_env *env)
{
	if (REQ_HAS(req, ca_file) && req->ca_file)
		return req->ca_file;
	return env ? env->ca_file : NULL;
}

static void set_options(CURL *c, const struct pg_http_request *req, const char *ca_file,
			long timeout_ms, struct body_buf *b, struct head_ctx *hc)
{
	curl_easy_setopt(c, CURLOPT_URL, req->url);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(c, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L); /* threads */
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms < 5000 ? timeout_ms : 5000L);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "portgate/" PACKAGE_VERSION);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, hc);
	if (ca_file)
		curl_easy_setopt(c, CURLOPT_CAINFO, ca_file);
	if (req->insecure) {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (req->body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
	}
	if (req->method)
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req->method);
}

/* The request's host through the configured resolver (http_pin.c); false with
 * resp->error when it cannot be resolved there. */
static bool pin(CURL *c, const struct pg_http_request *req, const struct pg_http_env *env,
		long timeout_ms, struct curl_slist **pins, struct pg_http_response *resp)
{
	int dns_ms = env && env->dns_timeout_ms > 0 ? env->dns_timeout_ms : 2000;

	if (timeout_ms > 0 && timeout_ms < dns_ms)
		dns_ms = (int)timeout_ms;
	if (pg_http_pin(req->url, env ? env->dns_server : NULL, dns_ms, pins, resp->error,
			sizeof(resp->error)) != 0)
		return false;
	if (*pins)
		curl_easy_setopt(c, CURLOPT_RESOLVE, *pins);
	return true;
}

int pg_http_perform(const struct pg_http_request *req, const struct pg_http_env *env,
		    long timeout_ms, struct pg_http_response *resp)
{
	struct body_buf b = { 0 };
	struct head_ctx hc = { resp, NULL };
	struct guard g = { "" };
	json_t **want = wanted_headers(req);
	struct curl_slist *hdrs, *pins = NULL;
	CURLcode rc;
	CURL *c;

	memset(resp, 0, sizeof(*resp));
	resp->retry_after_ms = -1;
	if (want)
		*want = NULL;
	if (!req->url || (strncmp(req->url, "http://", 7) && strncmp(req->url, "https://", 8))) {
		pg_strlcpy(resp->error, "only http:// and https:// URLs are allowed",
			   sizeof(resp->error));
		return -1;
	}
	c = curl_easy_init();
	if (!c) {
		pg_strlcpy(resp->error, "curl_easy_init failed", sizeof(resp->error));
		return -1;
	}
	if (!pin(c, req, env, timeout_ms, &pins, resp)) {
		curl_easy_cleanup(c);
		resp->body = pg_xstrdup("");
		return -1;
	}
	hdrs = build_headers(req);
	hc.headers = want ? json_array() : NULL;
	set_options(c, req, request_ca_file(req, env), timeout_ms > 0 ? timeout_ms : 10000, &b,
		    &hc);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, resp->error);
	set_guard(c, req, &g);
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
	else if (g.refused[0])
		guard_error(&g, req->url, resp);
	else if (b.too_big)
		pg_strlcpy(resp->error, "response body too large", sizeof(resp->error));
	else if (!resp->error[0])
		pg_strlcpy(resp->error, curl_easy_strerror(rc), sizeof(resp->error));
	curl_easy_cleanup(c);
	curl_slist_free_all(hdrs);
	curl_slist_free_all(pins);
	resp->body = b.data ? b.data : pg_xstrdup("");
	resp->body_len = b.len;
	if (rc != CURLE_OK) {
		json_decref(hc.headers);
		resp->status = 0;
		return -1;
	}
	if (want)
		*want = hc.headers; /* the caller owns it */
	return 0;
}

void pg_http_response_clear(struct pg_http_response *resp)
{
	if (!resp)
		return;
	free(resp->body);
	resp->body = NULL;
	resp->body_len = 0;
}
