/* serve_reply.c - what an endpoint sets on its request: the answer, an error, a log note,
 * a rate-limit refusal, and handing the request to a worker. Below the router
 * (serve_http.c) and the endpoints it calls (serve_scan.c, serve_check.c), so the router
 * calls the endpoints and the endpoints call this, never the router. */
#include "config.h"
#include "serve_int.h"
#include "common/json_get.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void pg_req_reply(struct pg_req *r, unsigned status, json_t *body)
{
	free(r->body);
	r->body = json_dumps(body, JSON_COMPACT | PG_JSON_REAL);
	json_decref(body);
	r->status = r->body ? status : 500;
	if (!r->body)
		r->body = pg_xstrdup("{\"error\":\"could not serialise the answer\"}");
	r->answered = true;
}

void pg_req_error(struct pg_req *r, unsigned status, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pg_utf8_fix(msg); /* paths and parameter names are the client's bytes: keep the status */
	pg_req_reply(r, status, json_pack("{s:s}", "error", msg));
}

void pg_req_note(struct pg_req *r, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	for (char *p = msg; *p; p++) /* targets come from the query */
		if ((unsigned char)*p < 0x20 || (unsigned char)*p == 0x7f)
			*p = '?';
	free(r->log_note);
	r->log_note = pg_xstrdup(msg);
}

void pg_req_limited(struct pg_req *r, enum pg_limit_result why, const char *who, unsigned retry)
{
	r->retry_after = retry;
	if (why == PG_LIMIT_BUSY)
		pg_req_error(r, 429, "too many concurrent scans for %s; retry after %u s", who,
			     retry);
	else
		pg_req_error(r, 429, "rate limit for %s exceeded; retry after %u s", who, retry);
}

bool pg_req_key_token(struct pg_req *r)
{
	unsigned retry = 1;
	enum pg_limit_result lr = pg_limit_take(r->s->key_lim, r->key->name, true, false, &retry);

	if (lr != PG_LIMIT_OK)
		pg_req_limited(r, lr, "this API key", retry);
	return lr == PG_LIMIT_OK;
}

static void run_deferred(void *arg)
{
	struct pg_req *r = arg;

	r->run(r);
	if (!r->answered)
		pg_req_error(r, 500, "internal error: no answer");
	MHD_resume_connection(r->conn);
}

void pg_req_defer(struct pg_req *r, void (*fn)(struct pg_req *), void (*drop)(struct pg_req *))
{
	r->run = fn;
	r->queued = true;
	MHD_suspend_connection(r->conn);
	if (pg_workq_submit(r->s->work, run_deferred, r))
		return;
	/* Refused: give back the job and its slots before the resume, after which
	 * the connection may be answered and r freed on a polling thread. */
	drop(r);
	r->retry_after = 1;
	pg_req_error(r, 503, "server busy: every worker is taken; retry after 1 s");
	MHD_resume_connection(r->conn);
}
