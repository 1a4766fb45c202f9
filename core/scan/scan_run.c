/* scan_run.c - the engine's public entry: defaults, then one loop or one loop
 * per CPU (scan_loops.c) for big probe-less scans. */
#include "config.h"

#include <string.h>

#include "scan.h"
#include "scan_int.h"

#define DEFAULT_RETRIES 1

const char *pg_port_state_name(enum pg_port_state s)
{
	switch (s) {
	case PG_PORT_OPEN: return "open";
	case PG_PORT_CLOSED: return "closed";
	case PG_PORT_FILTERED: return "filtered";
	case PG_PORT_ERROR: return "error";
	}
	return "error";
}

void pg_scan_opts_default(struct pg_scan_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->timeout_ms = PG_SCAN_DEFAULT_TIMEOUT_MS;
	o->retries = DEFAULT_RETRIES;
	o->max_inflight = 0; /* 0 = automatic, from RLIMIT_NOFILE */
	o->max_per_host = 0; /* 0 = automatic: a window that grows with answers */
	o->probe = true;
	pg_probe_opts_default(&o->probe_opts);
}

void pg_port_result_clear(struct pg_port_result *r)
{
	if (!r)
		return;
	json_decref(r->probe);
	memset(r, 0, sizeof(*r));
}

int pg_scan_run(struct pg_scan_target *targets, size_t ntargets, const struct pg_scan_opts *opts,
		char *err, size_t errlen)
{
	struct pg_scan_opts defaults;
	size_t k;

	if (!opts) {
		pg_scan_opts_default(&defaults);
		opts = &defaults;
	}
	k = pg_scan_pick_loops(targets, ntargets, opts);
	if (k > 1)
		return pg_scan_run_loops(targets, ntargets, opts, k, err, errlen);
	return pg_scan_run_one(targets, ntargets, opts, err, errlen);
}
