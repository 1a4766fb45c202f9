/* scan_int.h - internals of the scan engine, shared by core/scan*.c and the
 * engine's unit test. Not a contract for other modules: use scan.h. */
#ifndef PG_SCAN_INT_H
#define PG_SCAN_INT_H

#include <stdbool.h>
#include "scan.h"

struct pg_scan_verdict {
	enum pg_port_state state;
	const char *reason; /* static string */
	int err;            /* errno kept for error states, else 0 */
};

/* Map a failed connect to a state. sync = the errno came from connect() or
 * socket() itself (nothing was sent or answered: a local or routing failure);
 * otherwise it came from SO_ERROR and fd (>= 0) is read for the ICMP details
 * queued by IP_RECVERR / IPV6_RECVERR. */
void pg_scan_classify(int fd, int err, bool sync, struct pg_scan_verdict *v);

/* True when a connected socket is connected to itself (TCP simultaneous open
 * with source port == destination port on a local address). */
bool pg_scan_is_self_connect(int fd);

/* Raise the RLIMIT_NOFILE soft limit to the hard limit and return the default
 * global in-flight cap: the limit minus headroom for probes, files, plugins. */
int pg_scan_auto_inflight(void);

/* Upper bound of the automatic cap: beyond this more sockets buy nothing but
 * kernel memory and conntrack entries. */
#define PG_SCAN_AUTO_MAX 16384

#endif
