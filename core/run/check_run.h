/* check_run.h - one manifest check, the part `portgate check` and `portgate serve`
 * (POST /v1-check) share: resolve, scan, evaluate, enrich and finalize. */
#ifndef PG_CHECK_RUN_H
#define PG_CHECK_RUN_H

#include <jansson.h>
#include <stdbool.h>
#include "manifest/manifest.h"
#include "config/settings.h"
#include "plugin/plugin_host.h"
#include "pipeline.h"

struct pg_check_input {
	const char *manifest_path;            /* for the report's run.manifest */
	const struct pg_manifest *m;          /* borrowed */
	const struct pg_asset *const *assets; /* borrowed: the assets to check, from m */
	size_t n;
	enum pg_mode mode;                  /* PG_MODE_UNSET: the manifest's, else enforce */
	bool skip_cache;                    /* bypass the enrichment cache */
	const struct pg_progress *progress; /* may be NULL */
	const json_t *baseline;             /* previous evidence for drift findings, may be NULL */
	const char *baseline_path;          /* its path, for run.drift */
	unsigned shard_i, shard_n;          /* run.shard (1-based; 0/0 = not sharded) */
	/* keep assets with nothing to report folded (report/fold.h): the report
	 * must then be read through pg_fold_full and written by the renderers */
	bool fold;
};

/* The finalized, enriched evidence report (caller owns) and its exit code in
 * *code (PG_EXIT_*); NULL with err when the resolver or engine could not run.
 * Not thread-safe for one plugin host: callers serialise checks on a host. */
json_t *pg_check_run(const struct pg_check_input *in, const struct pg_config *cfg,
		     struct pg_plugin_host *host, int *code, char *err, size_t errlen);

#endif
