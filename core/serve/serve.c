/* serve.c - start the server, wait for SIGINT/SIGTERM, stop it cleanly. */
#include "config.h"
#include "serve_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "probe/probe.h"
#include "util/log.h"

/* "ADDR:PORT" or "[V6]:PORT", numeric only (no resolver at startup). */
static bool parse_listen(const char *s, struct sockaddr_storage *ss, char *host, size_t hostlen)
{
	const char *colon = strrchr(s, ':');
	unsigned long port;
	size_t hl;

	if (!colon || !pg_parse_ulong(colon + 1, 65535, &port))
		return false;
	hl = (size_t)(colon - s);
	if (hl >= 2 && s[0] == '[' && s[hl - 1] == ']') {
		s++;
		hl -= 2;
	}
	if (!hl || hl >= hostlen)
		return false;
	memcpy(host, s, hl);
	host[hl] = '\0';
	memset(ss, 0, sizeof(*ss));
	struct sockaddr_in *v4 = (struct sockaddr_in *)(void *)ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)(void *)ss;
	if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)port);
		return true;
	}
	if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)port);
		return true;
	}
	return false;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = '\0';
	pg_info("serve: libmicrohttpd: %s", msg);
}

struct tls_files {
	char *cert, *key; /* owned PEM text */
};

static bool load_tls(const struct pg_serve_opts *o, struct tls_files *t)
{
	size_t len;

	if (!o->tls_cert)
		return true;
	if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
		fprintf(stderr, "portgate: serve: this libmicrohttpd has no TLS support\n");
		return false;
	}
	if (!(t->cert = pg_read_file(o->tls_cert, 1 << 20, &len)))
		fprintf(stderr, "portgate: serve: %s: %s\n", o->tls_cert, strerror(errno));
	else if (!(t->key = pg_read_file(o->tls_key, 1 << 20, &len)))
		fprintf(stderr, "portgate: serve: %s: %s\n", o->tls_key, strerror(errno));
	return t->cert && t->key;
}

static struct MHD_Daemon *start(struct pg_server *s, const struct sockaddr_storage *ss,
				const struct tls_files *t)
{
	unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME |
			 MHD_USE_ERROR_LOG;
	const struct pg_serve_settings *st = &s->set;

	if (ss->ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (t->cert)
		flags |= MHD_USE_TLS;
	/* Bounded: connections in all, per client address, bytes of request line
	 * and headers per connection (a longer one is answered 414/431 by the
	 * library), seconds of silence before a connection is dropped. */
	return MHD_start_daemon(flags, 0, NULL, NULL, pg_serve_on_request, s, MHD_OPTION_SOCK_ADDR,
				(const struct sockaddr *)ss, MHD_OPTION_THREAD_POOL_SIZE,
				(unsigned)st->threads, MHD_OPTION_CONNECTION_LIMIT,
				(unsigned)st->max_connections, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
				(unsigned)st->max_per_ip, MHD_OPTION_CONNECTION_TIMEOUT,
				(unsigned)st->conn_timeout_s, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
				(size_t)st->max_request_bytes, MHD_OPTION_NOTIFY_COMPLETED,
				pg_serve_on_completed, s, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s,
				t->cert ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, t->cert,
				MHD_OPTION_HTTPS_MEM_KEY, t->key, MHD_OPTION_END);
}

static void announce(struct pg_server *s, const char *host, bool v6, bool tls)
{
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);

	printf("portgate: serve: listening on %s://%s%s%s:%u (%zu assets, %zu keys)\n",
	       tls ? "https" : "http", v6 ? "[" : "", host, v6 ? "]" : "",
	       di ? (unsigned)di->port : 0u, s->m->nassets, s->keys.n);
	fflush(stdout);
}

static bool setup(struct pg_server *s)
{
	struct pg_diag diag = { 0 };
	bool ok = pg_serve_settings_load(s->cfg, &s->set, &diag) &&
		  pg_keyring_load(&s->keys, getenv("PORTGATE_API_KEYS"), s->set.keys_file, s->m,
				  &diag);

	if (!ok)
		pg_diag_print(&diag, stderr);
	pg_diag_clear(&diag);
	if (!ok)
		return false;
	s->key_lim = pg_limiter_new(s->set.key_rpm, s->set.key_conc);
	s->target_lim = pg_limiter_new(s->set.target_rpm, s->set.target_conc);
	s->cache = pg_rcache_new(s->set.cache_ttl_s);
	/* The TLS client context is made once here: scans on workers then only read it. */
	pg_tls_client_ctx(s->cfg->ca_file);
	s->work = pg_workq_new(s->set.workers,
			       s->set.queue_len ? s->set.queue_len : s->set.max_connections);
	return s->work != NULL;
}

static void teardown(struct pg_server *s)
{
	pg_workq_free(s->work);
	pg_rcache_free(s->cache);
	pg_limiter_free(s->target_lim);
	pg_limiter_free(s->key_lim);
	pg_keyring_clear(&s->keys);
	pg_serve_settings_clear(&s->set);
	pthread_mutex_destroy(&s->check_lock);
}

int pg_serve_run(const struct pg_serve_opts *o, const struct pg_manifest *m,
		 const struct pg_config *cfg, struct pg_plugin_host *host)
{
	struct pg_server s = { .opts = o, .m = m, .cfg = cfg, .host = host };
	struct sockaddr_storage ss;
	struct tls_files t = { 0 };
	char hostbuf[64];
	sigset_t sigs;
	int sig = 0, code = 2;

	pthread_mutex_init(&s.check_lock, NULL);
	if (!parse_listen(o->listen, &ss, hostbuf, sizeof(hostbuf))) {
		fprintf(stderr,
			"portgate: serve: --listen: expected ADDR:PORT or [ADDR]:PORT with a "
			"numeric address, got '%s'\n",
			o->listen);
		goto out;
	}
	/* Every thread created from here on inherits the blocked signals; only
	 * sigwait below takes them. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	if (!load_tls(o, &t) || !setup(&s))
		goto out;
	if (!(s.d = start(&s, &ss, &t))) {
		fprintf(stderr, "portgate: serve: cannot listen on %s: %s\n", o->listen,
			strerror(errno));
		goto out;
	}
	announce(&s, hostbuf, ss.ss_family == AF_INET6, t.cert != NULL);
	sigwait(&sigs, &sig);
	fprintf(stderr, "portgate: serve: %s: stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
	MHD_socket lfd = MHD_quiesce_daemon(s.d); /* no new connections */
	if (lfd != MHD_INVALID_SOCKET)
		close(lfd);
	pg_workq_free(s.work); /* running scans finish and answer */
	s.work = NULL;
	MHD_stop_daemon(s.d);
	code = 0;
out:
	teardown(&s);
	free(t.cert);
	free(t.key);
	return code;
}
