/* serve_http.c - one HTTP request: routing, authentication, sending the answer, the
 * access log. libmicrohttpd parses HTTP; scans run on workers while the
 * connection is suspended, so polling threads only ever do short work. */
#include "config.h"
#include "serve_int.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "util/addr.h"
#include "util/log.h"

static enum MHD_Result send_answer(struct pg_req *r)
{
	size_t len = strlen(r->body);
	struct MHD_Response *resp = MHD_create_response_from_buffer(len, r->body,
								    MHD_RESPMEM_MUST_FREE);
	enum MHD_Result ret;
	char num[16];

	if (!resp)
		return MHD_NO;
	r->body = NULL; /* the response owns it now */
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (r->retry_after) {
		snprintf(num, sizeof(num), "%u", r->retry_after);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, num);
	}
	if (r->cache)
		MHD_add_response_header(resp, "X-Cache", r->cache);
	if (r->allow)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r->allow);
	ret = MHD_queue_response(r->conn, r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* 401 unless x-api-key names a known key; the key itself is never logged. */
static bool authenticate(struct pg_req *r)
{
	const char *k = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "x-api-key");

	if (!k || !*k) {
		pg_req_note(r, "no API key");
		pg_req_error(r, 401, "missing x-api-key header");
		return false;
	}
	if (!(r->key = pg_keyring_match(&r->s->keys, k))) {
		pg_req_note(r, "unknown API key");
		pg_req_error(r, 401, "invalid API key");
		return false;
	}
	return true;
}

/* Liveness, and the workers' load at this moment: a monitor (or a test) sees a
 * saturated server before its clients get 503s. */
static void health(struct pg_req *r)
{
	unsigned busy;
	size_t queued;

	pg_workq_load(r->s->work, &busy, &queued);
	pg_req_reply(r, 200,
		     json_pack("{s:s, s:s, s:I, s:{s:I, s:I}}", "status", "ok", "version",
			       PACKAGE_VERSION, "assets", (json_int_t)r->s->m->nassets, "workers",
			       "busy", (json_int_t)busy, "queued", (json_int_t)queued));
}

static void openapi(struct pg_req *r)
{
	r->body = pg_xstrdup(pg_serve_openapi);
	r->status = 200;
	r->answered = true;
}

static void route(struct pg_req *r, const char *url, const char *method)
{
	static const struct {
		const char *path, *method;
		bool auth;
		void (*fn)(struct pg_req *);
	} routes[] = {
		{ "/v1-port-scanner", "GET", true, pg_serve_scan },
		{ "/v1-check", "POST", true, pg_serve_check },
		{ "/openapi.json", "GET", false, openapi },
		{ "/healthz", "GET", false, health },
	};

	for (size_t i = 0; i < PG_ARRAY_LEN(routes); i++) {
		if (strcmp(url, routes[i].path))
			continue;
		if (strcmp(method, routes[i].method)) {
			r->allow = routes[i].method;
			pg_req_error(r, 405, "%s takes %s only", url, routes[i].method);
			return;
		}
		if (!routes[i].auth || authenticate(r))
			routes[i].fn(r);
		return;
	}
	pg_req_error(r, 404, "no such endpoint: %s", url);
}

/* "METHOD /path" for the log: at most 200 bytes, control bytes replaced. */
static char *log_line(const char *method, const char *url)
{
	char *s = pg_xasprintf("%.16s %.180s", method, url);

	for (char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p == 0x7f)
			*p = '?';
	return s;
}

enum MHD_Result pg_serve_on_request(void *cls, struct MHD_Connection *c, const char *url,
				    const char *method, const char *version, const char *upload,
				    size_t *upload_size, void **req_cls)
{
	struct pg_req *r = *req_cls;

	if (!r) { /* headers are in; the body (if any) follows */
		r = pg_xcalloc(1, sizeof(*r));
		r->s = cls;
		r->conn = c;
		r->t0 = pg_clock_now_ms();
		r->line = log_line(method, url);
		*req_cls = r;
		return MHD_YES;
	}
	if (*upload_size) {
		if (r->nupload + *upload_size > r->s->set.max_body_bytes) {
			r->upload_too_big = true;
		} else {
			r->upload = pg_xrealloc(r->upload, r->nupload + *upload_size + 1);
			memcpy(r->upload + r->nupload, upload, *upload_size);
			r->nupload += *upload_size;
			r->upload[r->nupload] = '\0';
		}
		*upload_size = 0;
		return MHD_YES;
	}
	if (r->answered)
		return send_answer(r);
	if (r->queued) /* woken before the worker answered: keep waiting */
		return MHD_YES;
	if (r->upload_too_big)
		pg_req_error(r, 413, "request body larger than %u bytes", r->s->set.max_body_bytes);
	else
		route(r, url, method);
	/* A deferred request is answered after its resume, also when it was refused
	 * at once (queue full): a suspended connection takes no response. */
	return r->answered && !r->queued ? send_answer(r) : MHD_YES;
}

static void client_ip(struct MHD_Connection *c, char *out, size_t len)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(
		c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;

	if (!sa || !pg_sockaddr_text(sa, out, len))
		pg_strlcpy(out, "?", len);
}

void pg_serve_on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
			   enum MHD_RequestTerminationCode toe)
{
	struct pg_req *r = *req_cls;
	char ip[INET6_ADDRSTRLEN];

	if (!r)
		return;
	client_ip(c, ip, sizeof(ip));
	/* One line per request; never the key, only its name. */
	fprintf(stderr, "portgate: serve: %s %s %u %ums key=%s%s%s%s\n", ip, r->line, r->status,
		(unsigned)(pg_clock_now_ms() - r->t0), r->key ? r->key->name : "-",
		r->log_note ? " (" : "", r->log_note ? r->log_note : "", r->log_note ? ")" : "");
	free(r->body);
	free(r->line);
	free(r->log_note);
	free(r->upload);
	free(r);
	*req_cls = NULL;
}
