/* siem.c - notifier: one SIEM event per finding, as syslog (RFC 5424 over
 * UDP, TCP with RFC 6587 octet counting, or TLS per RFC 5425) carrying CEF,
 * ECS JSON or plain RFC 5424 structured data, or to Splunk's HTTP Event
 * Collector in batches. Sockets are our own, every wait bounded by the host's
 * call deadline (time_left_ms); HEC goes through host->http. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include <portgate/plugin.h>

#include "common/clock.h"
#include "common/http_status.h"
#include "siem_format.h"
#include "siem_net.h"
#include "common/json_get.h"

#define SIEM_VERSION      "1.0.0"
#define DEFAULT_BUDGET_MS 30000

struct siem {
	struct pg_plugin_ctx *ctx;
	const struct pg_host_api *host;
	enum siem_transport transport;
	enum siem_format format;
	const char *host_name, *server_name, *index, *sourcetype;
	struct pg_trust trust; /* its caFile, else the system store + the settings' caFile */
	char port[8];
	char hostname[256];
	int facility;
	long batch;
	char *hec_endpoint; /* owned */
	char *hec_auth;     /* owned: "Authorization: Splunk <token>", wiped on destroy */
};

/* In the order of enum siem_transport and enum siem_format. */
static const char *const transports[] = { "udp", "tcp", "tls", "hec", NULL };
static const char *const formats[] = { "cef", "ecs", "rfc5424", NULL };

/* The host checks types, ranges and values (ABI 1.3) before create. */
static const struct pg_option_spec siem_options[] = {
	PG_OPTION_ENUM("transport", "udp", 0,
		       "udp, tcp, tls (syslog) or hec (Splunk HTTP Event Collector)", transports),
	PG_OPTION_ENUM(
		"format", "cef", 0,
		"syslog payload: cef, ecs (Elastic Common Schema JSON) or rfc5424 (structured data "
		"only)",
		formats),
	PG_OPTION("host", PG_OPT_STRING, NULL, 0, "syslog collector host (udp/tcp/tls)"),
	PG_OPTION_RANGE("port", PG_OPT_INT, NULL, 0, "collector port (default 514, 6514 for tls)",
			1, 65535),
	PG_OPTION("caFile", PG_OPT_STRING, NULL, 0,
		  "tls, hec over https: CA bundle to verify the collector (default: system store)"),
	PG_OPTION("serverName", PG_OPT_STRING, NULL, 0,
		  "tls: name the certificate must match (default: host)"),
	PG_OPTION_RANGE("facility", PG_OPT_INT, "10", 0,
			"syslog facility (10: security/authorization)", 0, 23),
	PG_OPTION("url", PG_OPT_URL, NULL, 0,
		  "hec: collector base URL, e.g. https://splunk.internal:8088"),
	PG_OPTION("tokenEnv", PG_OPT_SECRET_ENV, NULL, 0,
		  "hec: environment variable holding the HEC token"),
	PG_OPTION("index", PG_OPT_STRING, NULL, 0, "hec: Splunk index (default: the token's)"),
	PG_OPTION("sourcetype", PG_OPT_STRING, "_json", 0, "hec: sourcetype"),
	PG_OPTION_RANGE("batchSize", PG_OPT_INT, "100", 0, "hec: events per request", 1, 1000),
	PG_OPTION_END,
};

static void siem_destroy(void *state)
{
	struct siem *s = state;

	if (!s)
		return;
	if (s->hec_auth) {
		memset(s->hec_auth, 0, strlen(s->hec_auth));
		free(s->hec_auth);
	}
	free(s->hec_endpoint);
	free(s);
}

static int setup_syslog(struct siem *s)
{
	const struct pg_host_api *h = s->host;
	int64_t port = h->opt_int(s->ctx, "port");

	s->host_name = h->opt_string(s->ctx, "host");
	if (!s->host_name || !*s->host_name) {
		h->error(s->ctx, "transport %s needs host",
			 s->transport == ST_TLS ? "tls" : "udp/tcp");
		return -1;
	}
	if (port == 0)
		port = s->transport == ST_TLS ? 6514 : 514;
	snprintf(s->port, sizeof(s->port), "%d", (int)port);
	s->facility = (int)h->opt_int(s->ctx, "facility");
	s->server_name = h->opt_string(s->ctx, "serverName");
	return 0;
}

static int setup_hec(struct siem *s)
{
	const struct pg_host_api *h = s->host;
	const char *url = h->opt_string(s->ctx, "url");
	const char *token = h->secret(s->ctx, "tokenEnv");
	size_t n;

	if (!url) {
		h->error(s->ctx, "transport hec needs url (http:// or https://)");
		return -1;
	}
	if (!token || !*token || strpbrk(token, "\r\n")) {
		h->error(s->ctx, "transport hec needs tokenEnv naming a set variable");
		return -1;
	}
	/* Sized to the token: a fixed buffer cut long tokens silently (HEC then
	 * answers 403 and the event is lost). */
	n = strlen("Authorization: Splunk ") + strlen(token) + 1;
	if (!(s->hec_auth = malloc(n)))
		return -1;
	snprintf(s->hec_auth, n, "Authorization: Splunk %s", token);
	s->batch = (long)h->opt_int(s->ctx, "batchSize");
	n = strlen(url);
	while (n > 0 && url[n - 1] == '/')
		n--;
	s->hec_endpoint = malloc(n + sizeof("/services/collector/event"));
	if (!s->hec_endpoint)
		return -1;
	memcpy(s->hec_endpoint, url, n);
	memcpy(s->hec_endpoint + n, "/services/collector/event",
	       sizeof("/services/collector/event"));
	s->index = h->opt_string(s->ctx, "index");
	s->sourcetype = h->opt_string(s->ctx, "sourcetype");
	return 0;
}

static int siem_create(struct pg_plugin_ctx *ctx, const struct pg_host_api *host, void **state)
{
	struct siem *s = calloc(1, sizeof(*s));
	int t = pg_option_choice(transports, host->opt_string(ctx, "transport"));
	int f = pg_option_choice(formats, host->opt_string(ctx, "format"));

	if (!s)
		return PG_PLUGIN_FAIL;
	s->ctx = ctx;
	s->host = host;
	/* both checked by the host against the option table (ABI 1.3) */
	s->transport = (enum siem_transport)t;
	s->format = (enum siem_format)f;
	s->trust = pg_trust_get(host, ctx, "caFile"); /* TLS syslog and HEC over https */
	if (gethostname(s->hostname, sizeof(s->hostname)) != 0 || !s->hostname[0] ||
	    strpbrk(s->hostname, " \t"))
		snprintf(s->hostname, sizeof(s->hostname), "-");
	if ((s->transport == ST_HEC ? setup_hec(s) : setup_syslog(s)) != 0) {
		siem_destroy(s);
		return PG_PLUGIN_FAIL;
	}
	*state = s;
	return PG_PLUGIN_OK;
}

static long long wall_ms(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static uint64_t deadline(const struct siem *s)
{
	long left = PG_HOST_HAS(s->host, time_left_ms) ? s->host->time_left_ms(s->ctx)
						       : DEFAULT_BUDGET_MS;
	return pg_clock_deadline_ms(left);
}

static json_t *event_findings(const json_t *event)
{
	json_t *one = json_object_get(event, "finding");

	return json_is_object(one) ? json_pack("[O]", one)
				   : json_incref(json_object_get(event, "findings"));
}

/* The collector's address when dns.server is set: its name goes to the
 * configured resolver (A, then AAAA), never the system's. 1 with addr set, 0
 * when the system resolver is the one to use (no dns.server, an older host,
 * an address literal), -1 with err when the configured resolver knows none. */
static int configured_address(struct siem *s, char *addr, size_t addrlen, char *err, size_t errlen)
{
	static const char *const types[] = { "A", "AAAA" };
	const struct pg_host_api *h = s->host;
	unsigned char bin[sizeof(struct in6_addr)];

	if (!PG_HOST_HAS(h, dns_server) || !h->dns_server || !h->dns_server(s->ctx) ||
	    inet_pton(AF_INET, s->host_name, bin) == 1 ||
	    inet_pton(AF_INET6, s->host_name, bin) == 1)
		return 0;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		json_t *ans = NULL;
		const char *a;
		if (h->dns(s->ctx, s->host_name, types[i], &ans) == 0 &&
		    (a = json_string_value(json_array_get(ans, 0))) != NULL) {
			snprintf(addr, addrlen, "%s", a);
			json_decref(ans);
			return 1;
		}
		json_decref(ans);
	}
	snprintf(err, errlen, "cannot resolve %s through dns.server %s", s->host_name,
		 h->dns_server(s->ctx));
	return -1;
}

static int send_syslog(struct siem *s, const json_t *findings, const struct siem_meta *m)
{
	char err[300], addr[64];
	uint64_t dl = deadline(s);
	int via = configured_address(s, addr, sizeof(addr), err, sizeof(err));
	/* TLS verifies the name even when the address came from dns.server */
	struct siem_conn *c = via < 0 ? NULL
				      : siem_connect(s->transport, via ? addr : s->host_name,
						     s->port, &s->trust,
						     s->server_name ? s->server_name : s->host_name,
						     dl, err, sizeof(err));
	size_t i;
	json_t *f;

	if (!c) {
		s->host->error(s->ctx, "%s", err);
		return PG_PLUGIN_RETRY;
	}
	json_array_foreach(findings, i, f)
	{
		struct pg_strbuf b = { 0 };
		bool oom;
		int rc;
		siem_syslog(&b, s->format, f, m);
		oom = b.oom; /* pg_strbuf_free clears it */
		rc = oom ? -1 : siem_send(c, b.data, b.len, dl, err, sizeof(err));
		pg_strbuf_free(&b);
		if (rc != 0) {
			s->host->error(s->ctx, "event %zu of %zu: %s", i + 1,
				       json_array_size(findings), oom ? "out of memory" : err);
			siem_close(c, dl);
			return PG_PLUGIN_RETRY;
		}
	}
	siem_close(c, dl);
	return PG_PLUGIN_OK;
}

/* One HEC event object: {"time", "host", "source", "sourcetype", "index", "event": ECS}. */
static void hec_event(struct pg_strbuf *b, const struct siem *s, const json_t *f,
		      const struct siem_meta *m)
{
	json_t *o = json_pack("{s:f, s:s, s:s, s:s, s:o}", "time", (double)m->now_ms / 1000.0,
			      "host", s->hostname, "source", "portgate", "sourcetype",
			      s->sourcetype ? s->sourcetype : "_json", "event", siem_ecs_new(f, m));
	char *txt;

	if (s->index)
		json_object_set_new(o, "index", json_string(s->index));
	txt = json_dumps(o, JSON_COMPACT | PG_JSON_REAL);
	if (txt)
		pg_strbuf_add(b, txt);
	else
		b->oom = true;
	free(txt);
	json_decref(o);
}

static int hec_post(struct siem *s, const struct pg_strbuf *body, const char *key,
		    long *retry_after)
{
	char idem[128];
	const char *headers[] = { "Content-Type: application/json", s->hec_auth, idem, NULL };
	struct pg_http_request req = { .struct_size = sizeof(req) };
	struct pg_http_response resp;
	int rc;

	snprintf(idem, sizeof(idem), "X-Portgate-Delivery: %s", key);
	req.method = "POST";
	req.url = s->hec_endpoint;
	req.headers = headers;
	req.body = body->data;
	req.body_len = body->len;
	req.ca_file = s->trust.own; /* the instance's caFile, as for TLS syslog */
	rc = s->host->http(s->ctx, &req, &resp);
	if (rc != 0) {
		s->host->error(s->ctx, "HEC: no response: %s", resp.error);
		rc = PG_PLUGIN_RETRY;
	} else if ((rc = pg_http_status_outcome(resp.status)) != PG_PLUGIN_OK) {
		s->host->error(s->ctx, "HEC answered HTTP %ld: %.200s", resp.status,
			       resp.body ? resp.body : "");
		if (rc == PG_PLUGIN_RETRY)
			*retry_after = resp.retry_after_ms;
	}
	s->host->http_response_clear(&resp);
	return rc;
}

/* Batches of batchSize events, concatenated as HEC expects (not a JSON array). */
static int send_hec(struct siem *s, const json_t *findings, const struct siem_meta *m,
		    long *retry_after)
{
	size_t n = json_array_size(findings);

	for (size_t i = 0; i < n; i += (size_t)s->batch) {
		struct pg_strbuf b = { 0 };
		int rc;
		for (size_t k = i; k < n && k < i + (size_t)s->batch; k++)
			hec_event(&b, s, json_array_get(findings, k), m);
		rc = b.oom ? PG_PLUGIN_RETRY : hec_post(s, &b, m->key, retry_after);
		pg_strbuf_free(&b);
		if (rc != PG_PLUGIN_OK)
			return rc;
	}
	return PG_PLUGIN_OK;
}

static int siem_notify(void *state, const json_t *event, const char *key, long *retry_after_ms)
{
	struct siem *s = state;
	struct siem_meta m = { .key = key,
			       .hostname = s->hostname,
			       .app = "portgate",
			       .version = SIEM_VERSION,
			       .facility = s->facility,
			       .now_ms = wall_ms() };
	json_t *findings = event_findings(event);
	int rc = s->transport == ST_HEC ? send_hec(s, findings, &m, retry_after_ms)
					: send_syslog(s, findings, &m);

	json_decref(findings);
	return rc;
}

static struct pg_plugin siem_plugin = {
	.kind = PG_PLUGIN_NOTIFIER,
	.name = "siem",
	.version = SIEM_VERSION,
	.description =
		"one event per finding to a SIEM: syslog (UDP/TCP/TLS; CEF, ECS or RFC 5424) "
		"or Splunk HEC",
	.option_table = siem_options,
	.thread_model = PG_THREAD_PARALLEL,
	.timeout_ms = 30000,
	.create = siem_create,
	.destroy = siem_destroy,
	.notify = siem_notify,
	.notify_mode = PG_NOTIFY_PER_REPORT, /* one connection / few requests for many findings */
};

PORTGATE_PLUGIN(siem_plugin)
