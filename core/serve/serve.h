/* serve.h - `portgate serve`: the /v1-port-scanner API, self-hosted and locked to
 * the manifest (docs/serve.md). libmicrohttpd does the HTTP; this stage decides
 * who may scan what, runs the scans through core/run and answers in the shape of
 * the seed API. */
#ifndef PG_SERVE_H
#define PG_SERVE_H

#include "config/settings.h"
#include "manifest/manifest.h"
#include "plugin/plugin_host.h"

struct pg_serve_opts {
	const char *listen;   /* "ADDR:PORT" or "[V6]:PORT", numeric; PORT 0 = any */
	const char *tls_cert; /* PEM files for HTTPS, both or neither (may be NULL) */
	const char *tls_key;
	const char *manifest_path; /* for the evidence of POST /v1-check */
};

/* Serve until SIGINT or SIGTERM. m, cfg and host are borrowed and must stay
 * untouched while serving. Prints "listening on URL" on stdout once ready.
 * Returns a process exit code: 0 after a clean stop, 2 for bad settings, keys or
 * listen address (messages on stderr, with file:line for files). */
/* The `serve:` section of cfg as pg_serve_run reads it (not keysFile's contents): false
 * with file:line errors in d (validate --config). */
bool pg_serve_settings_check(const struct pg_config *cfg, struct pg_diag *d);

int pg_serve_run(const struct pg_serve_opts *o, const struct pg_manifest *m,
		 const struct pg_config *cfg, struct pg_plugin_host *host);

#endif
