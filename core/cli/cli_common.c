/* cli_common.c - options shared by `check` and `scan`. */
#include "config.h"
#include "cli.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/log.h"
#include "plugin/plugin_host.h"
#include "resolve/resolve.h"
#include "run/pipeline.h"

const char pg_cli_common_help[] =
	"      --config FILE        settings file (default: $PORTGATE_CONFIG, ./.portgate.yaml,\n"
	"                           $XDG_CONFIG_HOME/portgate/portgate.yaml, then\n"
	"                           " PG_SYSCONFDIR "/portgate/portgate.yaml; -v says which)\n"
	"      --dns-server H:P     resolve through this DNS server instead of the system's\n"
	"      --ca-file FILE       extra CA certificates trusted for TLS checks\n"
	"      --timeout-ms N       longest wait for one connect attempt (default 1000; shorter\n"
	"                           once round-trip times are measured)\n"
	"      --retries N          extra attempts for unanswered ports (default 1)\n"
	"      --max-inflight N     sockets in flight at once (default: from the fd limit)\n"
	"      --max-per-host N     fixed cap on sockets in flight per address (default: "
	"adaptive)\n"
	"      --no-probe           only connect: no banner, HTTP or TLS probes (UDP: one empty\n"
	"                           datagram per try, classified by ICMP)\n"
	"      --plugin-dir DIR     also load plugins from DIR (repeatable)\n";

void pg_cli_common_init(struct pg_cli_common *c)
{
	memset(c, 0, sizeof(*c));
	c->timeout_ms = c->retries = c->max_inflight = c->max_per_host = -1;
}

void pg_cli_common_clear(struct pg_cli_common *c)
{
	free(c->plugin_dirs);
	c->plugin_dirs = NULL;
	c->nplugin_dirs = 0;
}

int pg_cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	char msg[1024];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pg_eprint("%s: %s", cmd, msg);
	fprintf(stderr, "Try 'portgate %s --help'.\n", cmd);
	return PG_EXIT_USAGE;
}

static bool int_arg(const char *name, const char *arg, unsigned long min, unsigned long max,
		    int *out)
{
	unsigned long v;

	if (!pg_parse_ulong(arg, max, &v) || v < min) {
		pg_eprint("--%s: expected an integer from %lu to %lu, got '%s'", name, min, max,
			  arg);
		return false;
	}
	*out = (int)v;
	return true;
}

bool pg_cli_common_opt(struct pg_cli_common *c, int code, const char *arg)
{
	switch (code) {
	case PG_OPT_CONFIG: c->config_path = arg; return true;
	case PG_OPT_DNS_SERVER: c->dns_server = arg; return true;
	case PG_OPT_CA_FILE: c->ca_file = arg; return true;
	case PG_OPT_TIMEOUT: return int_arg("timeout-ms", arg, 10, 60000, &c->timeout_ms);
	case PG_OPT_RETRIES: return int_arg("retries", arg, 0, 10, &c->retries);
	case PG_OPT_MAX_INFLIGHT: return int_arg("max-inflight", arg, 1, 1000000, &c->max_inflight);
	case PG_OPT_MAX_PER_HOST: return int_arg("max-per-host", arg, 1, 1000000, &c->max_per_host);
	case PG_OPT_NO_PROBE: c->no_probe = true; return true;
	case PG_OPT_PLUGIN_DIR:
		c->plugin_dirs = pg_xrealloc(c->plugin_dirs,
					     (c->nplugin_dirs + 1) * sizeof(char *));
		c->plugin_dirs[c->nplugin_dirs++] = (char *)arg;
		return true;
	}
	return false;
}

static void replace(char **dst, const char *src)
{
	if (!src)
		return;
	free(*dst);
	*dst = pg_xstrdup(src);
}

struct pg_config *pg_cli_load_config(const struct pg_cli_common *c)
{
	struct pg_diag diag = { 0 };
	struct pg_config *cfg = pg_config_load(c->config_path, &diag);

	if (!cfg) {
		pg_diag_print(&diag, stderr);
		pg_diag_clear(&diag);
		return NULL;
	}
	if (cfg->path)
		pg_info("settings: %s (%s)", cfg->path, pg_config_source_name(cfg->source));
	else
		pg_info("settings: none found, built-in defaults");
	replace(&cfg->dns_server, c->dns_server);
	replace(&cfg->ca_file, c->ca_file);
	cfg->scan.probe_opts.ca_file = cfg->ca_file;
	if (c->timeout_ms >= 0)
		cfg->scan.timeout_ms = c->timeout_ms;
	if (c->retries >= 0)
		cfg->scan.retries = c->retries;
	if (c->max_inflight >= 0)
		cfg->scan.max_inflight = c->max_inflight;
	if (c->max_per_host >= 0)
		cfg->scan.max_per_host = c->max_per_host;
	if (c->no_probe)
		cfg->scan.probe = false;
	/* the file's values were checked at their lines; the command line's are checked here */
	if ((c->dns_server &&
	     !pg_config_check_dns_server(c->dns_server, NULL, 0, "--dns-server", &diag)) ||
	    (c->ca_file && !pg_config_check_ca_file(c->ca_file, NULL, 0, "--ca-file", &diag))) {
		pg_diag_print(&diag, stderr);
		pg_diag_clear(&diag);
		pg_config_free(cfg);
		return NULL;
	}
	return cfg;
}

/* On a terminal: one live line (elapsed, ports done of total, percent), redrawn. */
/* "12/900 ports done (1%), 3 open, 2 probing" */
static void progress_text(const struct pg_scan_progress *p, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%zu/%zu ports done (%zu%%), %zu open", p->done, p->total,
			 p->total ? p->done * 100 / p->total : 100, p->open);

	if (p->probing && n > 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, ", probing %zu", p->probing);
}

static void progress_line(const struct pg_scan_progress *p, void *ud)
{
	size_t done = p->done, total = p->total;
	char what[160];
	static uint64_t first_ms;
	static bool shown;
	uint64_t now = pg_clock_now_ms();

	(void)ud;
	if (!first_ms)
		first_ms = now;
	if (now - first_ms < 1000 && !shown)
		return; /* short runs stay quiet */
	shown = done != total;
	progress_text(p, what, sizeof(what));
	fprintf(stderr, "\r\033[Kportgate: %llus scanning: %s",
		(unsigned long long)((now - first_ms) / 1000), what);
	if (done == total)
		fputs("\r\033[K", stderr);
	fflush(stderr);
}

/* In a CI log (not a terminal): a line every few seconds, so a long job does not
 * look hung; PORTGATE_HEARTBEAT_SECONDS changes the period (default 10). */
static void heartbeat_line(const struct pg_scan_progress *p, void *ud)
{
	char what[160];
	static uint64_t first_ms, last_ms;
	uint64_t now = pg_clock_now_ms(), every = 10000;
	const char *env = getenv("PORTGATE_HEARTBEAT_SECONDS");
	unsigned long v;

	(void)ud;
	if (env && pg_parse_ulong(env, 3600, &v) && v)
		every = v * 1000;
	if (!first_ms)
		first_ms = last_ms = now;
	if (p->done == p->total || now - last_ms < every)
		return;
	last_ms = now;
	progress_text(p, what, sizeof(what));
	fprintf(stderr, "portgate: %llus elapsed, scanning: %s\n",
		(unsigned long long)((now - first_ms) / 1000), what);
	fflush(stderr);
}

int pg_cli_common_fallback(struct pg_cli_common *c, const char *cmd, int ch, const char *arg)
{
	if (ch == PG_CLI_BADOPT)
		return PG_EXIT_USAGE; /* pg_cli_getopt said why */
	if (ch < PG_OPT_CONFIG || ch >= PG_OPT_COMMON_END)
		return pg_cli_usage_error(cmd, "unknown option");
	return pg_cli_common_opt(c, ch, arg) ? -1 : PG_EXIT_USAGE;
}

int pg_cli_no_operands(const char *cmd, int argc, char **argv)
{
	if (optind < argc)
		return pg_cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	return -1;
}

const struct pg_progress *pg_cli_progress_tty(void)
{
	static const struct pg_progress tty = { progress_line, NULL };
	static const struct pg_progress log = { heartbeat_line, NULL };
	const char *term = getenv("TERM");

	/* TERM=dumb cannot redraw a line: it gets the heartbeat like a log */
	return isatty(STDERR_FILENO) && !(term && !strcmp(term, "dumb")) ? &tty : &log;
}

struct pg_plugin_host *pg_cli_plugins_found(const struct pg_cli_common *c,
					    const struct pg_config *cfg, struct pg_diag *diag)
{
	size_t n = 0;
	char **dirs = pg_xcalloc(c->nplugin_dirs + (cfg ? cfg->nplugin_dirs : 0) + 1,
				 sizeof(char *));
	struct pg_plugin_host *h = pg_plugin_host_empty();

	for (size_t i = 0; i < c->nplugin_dirs; i++)
		dirs[n++] = c->plugin_dirs[i];
	for (size_t i = 0; cfg && i < cfg->nplugin_dirs; i++)
		dirs[n++] = cfg->plugin_dirs[i];
	/* the installed directory when there is one: no package, no error */
	if (access(PG_PLUGINDIR, F_OK) == 0)
		dirs[n++] = (char *)PG_PLUGINDIR;
	else
		pg_info("plugins: %s (the installed plugins) does not exist", PG_PLUGINDIR);
	for (size_t i = 0; i < n; i++)
		pg_info("plugins: searching %s", dirs[i]);
	pg_plugin_load_dirs(h, dirs, n, diag);
	free(dirs);
	return h;
}
