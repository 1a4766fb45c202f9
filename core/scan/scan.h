/* scan.h - the TCP connect scan engine.
 *
 * One epoll loop for the whole run (one per CPU, up to 4, for big scans
 * without probes): every (address, port) of every asset is a job; at most
 * max_inflight sockets are open at once (and max_per_host per address). A job
 * that gets no answer within its timeout (adapted to the measured round-trip
 * time, at most timeout_ms) is retried `retries` times before it is called
 * filtered. When a connect succeeds and probing is on, the connected socket is
 * handed to the probe state machine (probe.h), which runs inside the same loop.
 *
 * States (docs/scan-engine.md has the full table): open = handshake completed;
 * closed = RST or ICMP port-unreachable; filtered = no answer after all tries,
 * or an ICMP unreachable/prohibited answer from the network; error = a failure
 * on this machine before any answer (no route, local firewall, no free port,
 * out of descriptors), with reason and errno, never reported as closed. */
#ifndef PG_SCAN_H
#define PG_SCAN_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include "resolve/resolve.h"
#include "probe/probe.h"

enum pg_port_state { PG_PORT_OPEN, PG_PORT_CLOSED, PG_PORT_FILTERED, PG_PORT_ERROR };
const char *pg_port_state_name(enum pg_port_state s); /* "open", "closed", "filtered", "error" */

/* Transport of a port. UDP states follow nmap -sU: open = the service answered,
 * closed = ICMP port unreachable, filtered (reason "no-response") = no answer after
 * every try, which cannot be told from a drop (nmap's open|filtered). */
enum pg_proto { PG_PROTO_TCP = 0, PG_PROTO_UDP = 1 };
static inline const char *pg_proto_name(enum pg_proto p)
{
	return p == PG_PROTO_UDP ? "udp" : "tcp";
}

/* What the engine has done so far, for a progress line. */
struct pg_scan_progress {
	size_t done, total; /* ports with a verdict, of all ports of the run */
	size_t open;        /* ports found open so far */
	size_t probing;     /* open ports whose probe (banner, HTTP, TLS) runs now */
};

struct pg_scan_opts {
	int timeout_ms;   /* longest wait per connect attempt (default 1000); shorter once
			      round-trip times are measured (docs/scan-engine.md) */
	int retries;      /* extra attempts for unanswered connects (default 1) */
	int max_inflight; /* global cap on sockets in flight (default 0 = automatic, from
			      RLIMIT_NOFILE after raising its soft limit to the hard one) */
	int max_per_host; /* fixed cap per destination address; 0 (default) = adaptive
			      window that grows with answers */
	bool probe;       /* run service probes on open ports; for UDP: off = one empty
			      datagram per try, classified by ICMP only */
	struct pg_probe_opts probe_opts;
	/* optional, called at most ~10/s and once at the end */
	void (*progress)(const struct pg_scan_progress *p, void *ud);
	void *progress_ud;
};

struct pg_port_result {
	uint16_t port;
	uint8_t proto; /* enum pg_proto, set by the engine */
	enum pg_port_state state;
	const char *reason; /* static string: "syn-ack", "conn-refused", "no-response",
			       "net-unreachable", "host-unreachable", "self-connect", ... */
	int err;            /* errno behind an error state, else 0 */
	uint32_t rtt_us;    /* of the deciding attempt, 0 if none */
	uint8_t attempts;
	json_t *probe; /* owned: probe evidence (service, banner, tlsVersion,
			       certificate, ...) for open ports when probing; else NULL.
			       UDP: what pg_udp_answer() made of the answer, plus
			       "udp": {"sent": bytes, "received": bytes, "datagrams": n} */
};

struct pg_scan_target {
	struct pg_addr addr;   /* destination (port ignored) */
	const char *hostname;  /* SNI / Host header, may be NULL (borrowed) */
	const uint16_t *ports; /* borrowed */
	size_t nports;
	const uint16_t *tls_ports; /* borrowed: ports expected to speak TLS */
	size_t ntls_ports;
	const uint16_t *udp_ports; /* borrowed, may be NULL: UDP ports to scan */
	size_t nudp_ports;
	/* caller-allocated pg_scan_nresults() entries, filled by the engine: the
	 * nports TCP ports in order, then the nudp_ports UDP ports in order */
	struct pg_port_result *results;
	uint64_t started_ms, finished_ms; /* monotonic, set by the engine */
	/* UDP tries that waited for a quiet round of the target's ICMP budget
	 * (docs/scan-engine.md, "UDP"): 0 when every silent port was proven at
	 * once (a quiet try or the canaries). Set by the engine. */
	uint32_t udp_round_waits;
};

static inline size_t pg_scan_nresults(const struct pg_scan_target *t)
{
	return t->nports + t->nudp_ports;
}

/* Scan all targets concurrently. Returns 0, or -1 with a message in err when
 * the engine itself could not run (epoll failure...). Per-port problems are
 * results, not errors. */
int pg_scan_run(struct pg_scan_target *targets, size_t ntargets, const struct pg_scan_opts *opts,
		char *err, size_t errlen);
void pg_scan_opts_default(struct pg_scan_opts *o);
void pg_port_result_clear(struct pg_port_result *r);

#endif
