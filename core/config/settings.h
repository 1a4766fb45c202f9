/* settings.h - portgate.yaml (struct pg_config): resolver, scan and probe tuning, state, plugins.
 *
 * Loaded with the same loader as the manifest (doc.h), so errors carry
 * file:line. Unknown top-level keys are errors. Plugin sections are validated
 * by the plugin host (enrichers, notifiers: against each plugin's option
 * table) and the stages it builds for (enrich; notify, outbox); settings.c
 * only hands them over. */
#ifndef PG_SETTINGS_H
#define PG_SETTINGS_H

#include "doc/doc.h"
#include "manifest/port_set.h"
#include "scan/scan.h"
#include "settings_find.h"

struct pg_config {
	char *path;                   /* owned; NULL when only built-in defaults apply */
	enum pg_config_source source; /* how path was chosen (settings_find.h) */
	char sha256[65];              /* of the file's bytes; "" without a file */
	struct pg_doc *doc;           /* owned; NULL without a file */
	char *dns_server;             /* owned; NULL = system resolver */
	int dns_timeout_ms, dns_tries;
	struct pg_scan_opts scan; /* scan + probe options; probe_opts.ca_file borrows ca_file */
	char *ca_file;            /* owned, may be NULL */
	int dns_server_line, ca_file_line; /* where the file set them (0: not from the file) */
	char *state_dir;                   /* owned: enrichment cache and notification outbox */
	/* owned: the configured plugin directories (not the built-in default) */
	char **plugin_dirs;
	size_t nplugin_dirs;
	/* Borrowed from doc, NULL when absent: for the plugin host and serve. */
	const struct pg_node *enrichers, *notifiers, *enrich, *notify, *outbox;
	const struct pg_node *serve; /* the `portgate serve` section, read by core/serve */
};

/* path: --config, or NULL to find the file (pg_config_find: $PORTGATE_CONFIG, ./.portgate.yaml,
 * the user's and the system's portgate.yaml), else built-in defaults. NULL on error (diag). */
struct pg_config *pg_config_load(const char *path, struct pg_diag *diag);
void pg_config_free(struct pg_config *c);
/* The checks pg_config_load applies to dns.server and caFile, for values given on the
 * command line too: false with "file:line: what: ..." (file NULL: "what: ...") in d. */
bool pg_config_check_dns_server(const char *spec, const char *file, int line, const char *what,
				struct pg_diag *d);
bool pg_config_check_ca_file(const char *path, const char *file, int line, const char *what,
			     struct pg_diag *d);

#endif
