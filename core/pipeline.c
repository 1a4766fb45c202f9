/* pipeline.c - resolve all targets, then scan them together in one engine run. */
#include "config.h"
#include "pipeline.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static int resolve_jobs(struct pg_job *jobs, size_t n, const struct pg_config *cfg, char *err,
			size_t errlen)
{
	struct pg_resolve_opts ro = {
		.server = cfg->dns_server, .timeout_ms = cfg->dns_timeout_ms, .tries = cfg->dns_tries,
	};
	char **names = pg_xcalloc(n, sizeof(char *)); /* borrowed strings */
	struct pg_resolution *out = pg_xcalloc(n, sizeof(*out));
	int r;

	for (size_t i = 0; i < n; i++)
		names[i] = (char *)jobs[i].target;
	r = pg_resolve_all(names, n, &ro, out, err, errlen);
	for (size_t i = 0; i < n; i++)
		jobs[i].res = out[i]; /* ownership moves into the job */
	free(out);
	free(names);
	return r;
}

int pg_pipeline_run(struct pg_job *jobs, size_t n, const struct pg_config *cfg, bool progress,
		    char *err, size_t errlen)
{
	struct pg_scan_target *targets;
	struct pg_scan_opts so = cfg->scan;
	size_t nt = 0;
	int r;

	if (resolve_jobs(jobs, n, cfg, err, errlen) < 0)
		return -1;
	targets = pg_xcalloc(n ? n : 1, sizeof(*targets));
	for (size_t i = 0; i < n; i++) {
		struct pg_job *j = &jobs[i];
		struct pg_scan_target *t;

		if (!j->res.ok || !j->res.naddrs)
			continue;
		t = &targets[nt++];
		t->addr = j->res.addrs[0];
		t->hostname = j->res.is_literal ? NULL : j->target;
		t->ports = j->ports->v;
		t->nports = j->ports->n;
		t->tls_ports = j->tls_ports ? j->tls_ports->v : NULL;
		t->ntls_ports = j->tls_ports ? j->tls_ports->n : 0;
		t->results = pg_xcalloc(t->nports ? t->nports : 1, sizeof(*t->results));
	}
	if (progress && isatty(STDERR_FILENO)) {
		so.progress = pg_cli_progress;
		so.progress_ud = NULL;
	}
	uint64_t wall = pg_wall_ms(), mono = pg_now_ms();
	r = pg_scan_run(targets, nt, &so, err, errlen);
	nt = 0;
	for (size_t i = 0; i < n; i++) {
		jobs[i].wall_start_ms = wall;
		if (!jobs[i].res.ok || !jobs[i].res.naddrs)
			continue;
		jobs[i].scan = targets[nt++];
		jobs[i].scanned = r == 0;
		if (jobs[i].scan.started_ms >= mono)
			jobs[i].wall_start_ms = wall + (jobs[i].scan.started_ms - mono);
	}
	free(targets);
	return r;
}

void pg_job_clear(struct pg_job *j)
{
	pg_resolution_clear(&j->res);
	for (size_t i = 0; j->scan.results && i < j->scan.nports; i++)
		pg_port_result_clear(&j->scan.results[i]);
	free(j->scan.results);
	memset(&j->scan, 0, sizeof(j->scan));
}
