/* pipeline.h - resolve then scan a set of targets: the part `check` and `scan` share. */
#ifndef PG_PIPELINE_H
#define PG_PIPELINE_H

#include "ports.h"
#include "resolve.h"
#include "scan.h"
#include "settings.h"

struct pg_job {
	const char *target;                 /* borrowed hostname or IP literal */
	const struct pg_portlist *ports;    /* borrowed candidates */
	const struct pg_portlist *tls_ports; /* borrowed, may be NULL */
	struct pg_resolution res;           /* filled */
	struct pg_scan_target scan;         /* filled when scanned (results owned) */
	bool scanned;
	uint64_t wall_start_ms;
};

/* Resolve every job, then scan the first address of each resolved one, all in
 * one engine run. 0, or -1 with err when the resolver or engine could not run. */
int pg_pipeline_run(struct pg_job *jobs, size_t n, const struct pg_config *cfg, bool progress,
		    char *err, size_t errlen);
void pg_job_clear(struct pg_job *j);

#endif
