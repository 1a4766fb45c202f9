/* fetch.h - the headers enricher's HTTP client (libcurl): the Observatory's
 * sessions (a GET of / with every redirect followed and recorded, a retry
 * without TLS verification on a certificate error) and its CORS preflight.
 * Names resolve to the scanned address (the finding's target) or through the
 * host's resolver (other hosts a redirect names), never the system's. */
#ifndef PG_HEADERS_FETCH_H
#define PG_HEADERS_FETCH_H

#include <stdint.h>
#include <portgate/plugin.h>

#include "obs.h"

struct fetch_ctx {
	struct pg_plugin_ctx *ctx;
	const struct pg_host_api *host;
	const char *target; /* the finding's target: pinned to ip */
	const char *ip;
	const char *ca_file;  /* NULL: the system store */
	uint64_t deadline_ms; /* pg_clock_now_ms clock */
};

/* Run one session from url into s (s->ok false when the chain broke). */
void fetch_session(struct fetch_ctx *f, const char *url, struct obs_session *s);

/* The CORS preflight the Observatory sends to where session s ended; 0 with
 * *out filled, -1 when no response came back. */
int fetch_cors(struct fetch_ctx *f, const struct obs_session *s, struct obs_resp *out);

/* portgate's CORS probe: one GET of where session s ended, with Origin:
 * origin (no redirect followed); 0 with *out filled, -1 when no response. */
int fetch_origin_probe(struct fetch_ctx *f, const struct obs_session *s, const char *origin,
		       struct obs_resp *out);

#endif
