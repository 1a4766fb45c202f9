/* cli_serve.c - `portgate serve`: options, then core/serve does the rest. */
#include "config.h"
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "manifest/manifest.h"
#include "plugin/plugin_host.h"
#include "run/rule_check.h"
#include "run/run_stages.h"
#include "serve/serve.h"
#include "util/log.h"

static const char serve_usage[] =
	"Usage: portgate serve --manifest FILE --listen ADDR:PORT [OPTIONS]\n"
	"\n"
	"Serve the /v1-port-scanner API (the seed article's request and answer) and\n"
	"POST /v1-check, locked to MANIFEST: only its targets and their candidate ports\n"
	"are scanned, for callers whose x-api-key is in $PORTGATE_API_KEYS (comma-separated)\n"
	"or in the keys file of the settings (serve.keysFile). See docs/serve.md.\n"
	"\n"
	"  -m, --manifest FILE        asset manifest (YAML or JSON)\n"
	"  -l, --listen ADDR:PORT     numeric address and port, e.g. 127.0.0.1:8080 or\n"
	"                             [::1]:8080 (port 0: any free port, printed on stdout)\n"
	"      --tls-cert FILE        serve HTTPS with this PEM certificate (chain) ...\n"
	"      --tls-key FILE         ... and this PEM private key\n"
	"  -q, --quiet                errors only on stderr (the access log stays)\n"
	"  -v, --verbose              more diagnostics on stderr (repeatable)\n"
	"  -h, --help                 this help\n"
	"%s"
	"\n"
	"Endpoints: GET /v1-port-scanner, POST /v1-check, GET /openapi.json, GET /healthz.\n"
	"Exit status: 0 stopped by SIGINT or SIGTERM; 2 usage, manifest, config or keys error.\n";

struct serve_args {
	struct pg_serve_opts o;
};

static int parse(int argc, char **argv, struct serve_args *a, struct pg_cli_common *c)
{
	static const struct option longopts[] = {
		{ "manifest", required_argument, NULL, 'm' },
		{ "listen", required_argument, NULL, 'l' },
		{ "tls-cert", required_argument, NULL, 'C' },
		{ "tls-key", required_argument, NULL, 'K' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		PG_CLI_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	int ch, r;

	while ((ch = pg_cli_getopt("serve", argc, argv, "m:l:qvh", longopts)) != -1) {
		switch (ch) {
		case 'm': a->o.manifest_path = optarg; break;
		case 'l': a->o.listen = optarg; break;
		case 'C': a->o.tls_cert = optarg; break;
		case 'K': a->o.tls_key = optarg; break;
		case 'q': pg_log_threshold = PG_LOG_ERROR; break;
		case 'v':
			if (pg_log_threshold < PG_LOG_DEBUG)
				pg_log_threshold++;
			break;
		case 'h': printf(serve_usage, pg_cli_common_help); return PG_EXIT_PASS;
		default:
			if ((r = pg_cli_common_fallback(c, "serve", ch, optarg)) >= 0)
				return r;
		}
	}
	if ((r = pg_cli_no_operands("serve", argc, argv)) >= 0)
		return r;
	if (!a->o.manifest_path)
		return pg_cli_usage_error("serve", "--manifest is required");
	if (!a->o.listen)
		return pg_cli_usage_error("serve", "--listen is required");
	if (!a->o.tls_cert != !a->o.tls_key)
		return pg_cli_usage_error("serve", "--tls-cert and --tls-key go together");
	return -1;
}

int pg_cmd_serve(int argc, char **argv)
{
	struct serve_args a = { { 0 } };
	struct pg_cli_common c;
	struct pg_diag diag = { 0 };
	struct pg_manifest *m = NULL;
	struct pg_config *cfg = NULL;
	struct pg_plugin_host *host = NULL;
	int code;

	pg_cli_common_init(&c);
	code = parse(argc, argv, &a, &c); /* -1: go on; else the exit code */
	if (code < 0 &&
	    (!(m = pg_manifest_load(a.o.manifest_path, &diag)) || !(cfg = pg_cli_load_config(&c)) ||
	     !(host = pg_plugin_host_new(cfg, c.plugin_dirs, c.nplugin_dirs, /* enrich, notify */
					 pg_run_stages, &diag))))
		code = PG_EXIT_USAGE;
	pg_diag_print(&diag, stderr);
	pg_diag_clear(&diag);
	if (code < 0) {
		pg_rule_check_warn(m, host); /* once at start: every request uses this manifest */
		code = pg_serve_run(&a.o, m, cfg, host);
	}
	pg_plugin_host_free(host);
	pg_manifest_free(m);
	pg_config_free(cfg);
	pg_cli_common_clear(&c);
	return code;
}
