/* check_run.h - one manifest check, the whole of it, for both front ends
 * (`portgate check` and `portgate serve`'s POST /v1-check): resolve, scan,
 * evaluate, enrich, drift, finalize, the front end's outputs, notify. */
#ifndef PG_CHECK_RUN_H
#define PG_CHECK_RUN_H

#include <jansson.h>
#include <stdbool.h>
#include "manifest/manifest.h"
#include "config/settings.h"
#include "plugin/plugin_host.h"
#include "pipeline.h"

/* Everything one check needs; all borrowed. Fill it with designated
 * initializers: fields left out are off (NULL, 0, false). */
struct pg_check_options {
	const char *manifest_path;            /* for the report's run.manifest */
	const struct pg_manifest *m;          /* the manifest */
	const struct pg_asset *const *assets; /* the assets to check, from m */
	size_t n;
	const struct pg_config *cfg;
	struct pg_plugin_host *host;        /* enrichers and notifiers; may be NULL */
	enum pg_mode mode;                  /* PG_MODE_UNSET: the manifest's, else enforce */
	bool skip_cache;                    /* bypass the enrichment cache */
	bool no_notify;                     /* --no-notify: nothing notified, stored or delivered */
	const struct pg_progress *progress; /* may be NULL */
	const json_t *baseline;             /* previous evidence for drift findings, may be NULL */
	const char *baseline_path;          /* its path, for run.drift */
	unsigned shard_i, shard_n;          /* run.shard (1-based; 0/0 = not sharded) */
	/* hold each asset's resolution and scans compactly until the outputs are
	 * written (report/evidence.h): for a large manifest the cli checks */
	bool compact;
	/* The finished report, before anything is notified: the front end writes
	 * its outputs here, so a notification never leaves before the evidence
	 * is safe. Returns the exit code to keep (code, or what a failed write
	 * makes of it). The report stays the run's. May be NULL. */
	int (*publish)(json_t *report, int code, void *ud);
	void *ud; /* for publish */
};

/* Run the check: the exit code (PG_EXIT_*, after publish), or -1 with err
 * when the resolver or engine could not run (nothing published or notified).
 * Not thread-safe for one plugin host: callers serialise checks on a host. */
int pg_run_check(const struct pg_check_options *o, char *err, size_t errlen);

/* check --dry-run: resolve every asset and decide each address's scope, connecting to
 * nothing. A new array, one object per asset: {asset, target, line, ports: [[lo, hi]...],
 * tlsPorts, resolved, error?, cnames, addresses: [{ip, scan, reason?}]}; *code is 0, or 3
 * when a target did not resolve. NULL with err when the resolver could not run. */
json_t *pg_run_plan(const struct pg_check_options *o, int *code, char *err, size_t errlen);

#endif
