/* pipeline.c - resolve all targets, then scan them together in one engine run. */
#include "config.h"
#include "pipeline.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int resolve_jobs(struct pg_job *jobs, size_t n, const struct pg_config *cfg, char *err,
			size_t errlen)
{
	struct pg_resolve_opts ro = {
		.server = cfg->dns_server,
		.timeout_ms = cfg->dns_timeout_ms,
		.tries = cfg->dns_tries,
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

int pg_pipeline_resolve(struct pg_job *jobs, size_t n, const struct pg_config *cfg, char *err,
			size_t errlen)
{
	return resolve_jobs(jobs, n, cfg, err, errlen);
}

static bool wanted(const struct pg_job *j, size_t k)
{
	return !j->skip_addr || !j->skip_addr(j, &j->res.addrs[k]);
}

/* Addresses of j to scan: scope is decided before any connection. */
static size_t count_wanted(const struct pg_job *j)
{
	size_t m = 0;

	for (size_t k = 0; j->res.ok && k < j->res.naddrs; k++)
		m += wanted(j, k);
	return m;
}

static size_t count_addresses(const struct pg_job *jobs, size_t n)
{
	size_t total = 0;

	for (size_t i = 0; i < n; i++)
		total += count_wanted(&jobs[i]);
	return total;
}

static void target_init(struct pg_scan_target *t, const struct pg_job *j, const struct pg_addr *a)
{
	t->addr = *a;
	t->hostname = j->res.is_literal ? NULL : j->target;
	t->ports = j->port_v;
	t->nports = j->ports->n;
	t->tls_ports = j->tls_v;
	t->ntls_ports = j->tls_ports ? j->tls_ports->n : 0;
	t->udp_ports = j->udp_v;
	t->nudp_ports = j->ports->udp.n;
	t->results = pg_xcalloc(pg_scan_nresults(t) + 1, sizeof(*t->results));
}

/* A UDP result the engine left as allocated (port 0, which no scanned port has)
 * means an engine without UDP: drop the UDP ports from the target rather than
 * report zeroed entries (state 0 reads "open") as results. */
static void drop_unscanned_udp(struct pg_scan_target *t)
{
	for (size_t i = t->nports; i < pg_scan_nresults(t); i++) {
		if (t->results[i].port == 0) {
			for (size_t k = t->nports; k < pg_scan_nresults(t); k++)
				pg_port_result_clear(&t->results[k]);
			t->nudp_ports = 0;
			return;
		}
	}
}

int pg_pipeline_run(struct pg_job *jobs, size_t n, const struct pg_config *cfg,
		    const struct pg_progress *progress, char *err, size_t errlen)
{
	struct pg_scan_target *targets;
	struct pg_scan_opts so = cfg->scan;
	size_t nt = 0;
	uint64_t wall, mono;
	int r;

	if (resolve_jobs(jobs, n, cfg, err, errlen) < 0)
		return -1;
	/* one flat array for the engine; each job then owns a copy of its slice */
	targets = pg_xcalloc(count_addresses(jobs, n) + 1, sizeof(*targets));
	for (size_t i = 0; i < n; i++) {
		/* the engine wants one entry per port; the manifest keeps ranges */
		if (count_wanted(&jobs[i])) {
			jobs[i].port_v = pg_ports_expand(jobs[i].ports);
			jobs[i].tls_v = jobs[i].tls_ports ? pg_ports_expand(jobs[i].tls_ports)
							  : NULL;
			jobs[i].udp_v = pg_ports_expand_udp(jobs[i].ports);
		}
		for (size_t k = 0; jobs[i].res.ok && k < jobs[i].res.naddrs; k++)
			if (wanted(&jobs[i], k))
				target_init(&targets[nt++], &jobs[i], &jobs[i].res.addrs[k]);
	}
	if (progress) {
		so.progress = progress->fn;
		so.progress_ud = progress->ud;
	}
	wall = pg_wall_ms();
	mono = pg_clock_now_ms();
	r = pg_scan_run(targets, nt, &so, err, errlen);
	for (size_t i = 0; r == 0 && i < nt; i++)
		drop_unscanned_udp(&targets[i]);
	nt = 0;
	for (size_t i = 0; i < n; i++) {
		struct pg_job *j = &jobs[i];
		size_t m = count_wanted(j);

		j->wall_ms = wall;
		j->mono_ms = mono;
		j->scans = pg_xcalloc(m ? m : 1, sizeof(*j->scans));
		memcpy(j->scans, &targets[nt], m * sizeof(*j->scans));
		j->nscans = r == 0 ? m : 0;
		if (r != 0) /* the engine failed: nothing was scanned, free the results now */
			for (size_t k = 0; k < m; k++)
				free(targets[nt + k].results);
		nt += m;
	}
	free(targets);
	return r;
}

uint64_t pg_job_scan_wall_ms(const struct pg_job *j, size_t k)
{
	const struct pg_scan_target *t = &j->scans[k];

	return t->started_ms >= j->mono_ms ? j->wall_ms + (t->started_ms - j->mono_ms) : j->wall_ms;
}

void pg_job_clear(struct pg_job *j)
{
	pg_resolution_clear(&j->res);
	free(j->port_v);
	free(j->tls_v);
	free(j->udp_v);
	j->port_v = j->tls_v = j->udp_v = NULL;
	for (size_t k = 0; k < j->nscans; k++) {
		for (size_t i = 0; i < pg_scan_nresults(&j->scans[k]); i++)
			pg_port_result_clear(&j->scans[k].results[i]);
		free(j->scans[k].results);
	}
	free(j->scans);
	j->scans = NULL;
	j->nscans = 0;
}
