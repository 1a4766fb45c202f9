/* pipeline.h - resolve then scan a set of targets: the part `check` and `scan` share. */
#ifndef PG_PIPELINE_H
#define PG_PIPELINE_H

#include "manifest/port_set.h"
#include "resolve/resolve.h"
#include "scan/scan.h"
#include "config/settings.h"

struct pg_job {
	const char *target;                  /* borrowed hostname or IP literal */
	const struct pg_portlist *ports;     /* borrowed candidates */
	const struct pg_portlist *tls_ports; /* borrowed, may be NULL */
	/* optional scope check: true = never connect to this resolved address */
	bool (*skip_addr)(const struct pg_job *j, const struct pg_addr *a);
	const void *ud;               /* borrowed, for skip_addr */
	struct pg_resolution res;     /* filled */
	uint16_t *port_v, *tls_v;     /* owned: ports and tls_ports expanded for the engine
					       (only while an address of the job is scanned) */
	uint16_t *udp_v;              /* owned: the UDP ports of ports, expanded likewise */
	struct pg_scan_target *scans; /* owned: one per resolved address that skip_addr
					       does not skip, in res order */
	size_t nscans;                /* 0 when unresolved or the engine failed */
	uint64_t wall_ms, mono_ms;    /* clocks when the engine started */
};

/* What the caller shows while the engine runs (the CLI's terminal line). */
struct pg_progress {
	void (*fn)(const struct pg_scan_progress *p, void *ud);
	void *ud;
};

/* Resolve every job, then scan every address of every resolved one (a service
 * on the second A record or on the AAAA is as exposed as on the first), all in
 * one engine run. progress may be NULL. 0, or -1 with err when the resolver or
 * engine could not run. */
int pg_pipeline_run(struct pg_job *jobs, size_t n, const struct pg_config *cfg,
		    const struct pg_progress *progress, char *err, size_t errlen);
/* Only the resolve step of pg_pipeline_run (check --dry-run): 0, or -1 with err. */
int pg_pipeline_resolve(struct pg_job *jobs, size_t n, const struct pg_config *cfg, char *err,
			size_t errlen);
void pg_job_clear(struct pg_job *j);
/* Wall-clock start of scans[k], for the evidence timestamp. */
uint64_t pg_job_scan_wall_ms(const struct pg_job *j, size_t k);

#endif
