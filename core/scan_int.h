/* scan_int.h - internals of the scan engine, shared by core/scan*.c and the
 * engine's unit test. Not a contract for other modules: use scan.h. */
#ifndef PG_SCAN_INT_H
#define PG_SCAN_INT_H

#include <stdbool.h>
#include <stdint.h>
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

/* Round-trip estimator of one destination address, or of the whole run
 * (RFC 6298 SRTT/RTTVAR), fed by every answered connect (SYN-ACK, RST, ICMP).
 * Each attempt uses its own socket, so an answer always belongs to the
 * attempt it is timed against (no retransmission ambiguity). */
struct pg_rtt {
	uint32_t srtt_us, rttvar_us; /* meaningful once samples > 0 */
	uint32_t max_us;             /* slowest answer seen */
	uint32_t samples;
};

/* Samples an estimator needs before it may shorten a timeout. */
#define PG_RTT_MIN_SAMPLES 6
/* Never wait less than this for an answer (nmap's --min-rtt-timeout). */
#define PG_RTT_MIN_TIMEOUT_US 100000

void pg_rtt_sample(struct pg_rtt *r, uint32_t rtt_us);

/* How long attempt number `attempt` (1 = first) may wait for an answer:
 * max_us until dest (or else global) has PG_RTT_MIN_SAMPLES samples; then
 * SRTT + 4 RTTVAR, but at least twice the slowest answer either has seen and
 * at least PG_RTT_MIN_TIMEOUT_US, doubled for every retry, at most max_us. */
uint64_t pg_rtt_timeout_us(const struct pg_rtt *dest, const struct pg_rtt *global,
			   uint64_t max_us, unsigned attempt);

/* Upper bound of the automatic cap: beyond this more sockets buy nothing but
 * kernel memory and conntrack entries. */
#define PG_SCAN_AUTO_MAX 16384

/* Per-destination window when max_per_host is 0 (automatic): it starts here
 * and grows by one per answer (doubling every round trip, as TCP slow start),
 * halves when a retry gets an answer the first attempt did not (a drop), and
 * never falls below PG_SCAN_MIN_WINDOW. */
#define PG_SCAN_INIT_WINDOW 256
#define PG_SCAN_MIN_WINDOW 16

#endif
