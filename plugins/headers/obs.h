/* obs.h - the MDN HTTP Observatory's tests and grade (algorithm version 4,
 * @mdn/mdn-http-observatory 1.4.x) over responses the headers enricher
 * fetched. Result ids and score modifiers are the Observatory's. */
#ifndef PG_HEADERS_OBS_H
#define PG_HEADERS_OBS_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#define OBS_MAX_REDIRECTS 10 /* the Observatory's MAX_REDIRECTS */
#define OBS_CORS_ORIGIN   "https://http-observatory.security.mozilla.org"

struct obs_resp {
	long status;
	json_t *headers; /* owned: [{"name": lowercase, "value"}] in order */
	char *body;      /* owned, NUL-terminated */
	size_t body_len;
};

struct obs_hop {
	char *url; /* owned */
	long status;
};

struct obs_cookie {
	char *key, *domain, *path; /* owned */
	bool secure, httponly;
	char samesite[8]; /* "strict", "lax", "none" or "" (absent / invalid) */
};

/* One of the Observatory's two sessions (http://host/ and https://host/). */
struct obs_session {
	bool ok;              /* the whole redirect chain got responses */
	bool verified;        /* TLS verified (false: it took the unverified retry) */
	char *url;            /* owned: where it started */
	struct obs_hop *hops; /* owned: every response of the chain, in order */
	size_t nhops;
	struct obs_resp final;  /* the chain's last response */
	struct obs_cookie *jar; /* owned: cookies the chain set (last one of a name wins) */
	size_t njar;
};

struct obs_input {
	const char *hostname;
	struct obs_session http, https;
	struct obs_resp *cors; /* borrowed: the CORS preflight's response, NULL when none */
};

/* The session the Observatory grades ("auto"): https when it answered. */
const struct obs_session *obs_auto(const struct obs_input *in);

/* Header value as Node's http module presents it (repeated headers joined
 * with ", ", or the first kept for the single-valued ones), a new string or
 * NULL. set-cookie: use obs_header_list. */
char *obs_header(const struct obs_resp *r, const char *name);
json_t *obs_header_list(const struct obs_resp *r, const char *name); /* new array of strings */

/* Run all ten tests and grade: a new object {score, grade, tests: {name:
 * {result, pass, scoreModifier, ...}}}, or {error} as the Observatory stops
 * (site down, unexpected status). */
json_t *obs_grade(const struct obs_input *in);

/* Scheme and host (lowercase, no userinfo, port or brackets; common/url.h) of an
 * absolute URL; -1 when not absolute. */
int obs_url_parts(const char *url, char *scheme, size_t slen, char *host, size_t hlen);

void obs_resp_clear(struct obs_resp *r);
void obs_session_clear(struct obs_session *s);

#endif
