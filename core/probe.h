/* probe.h - what answers on an open port: banner, HTTP, TLS + certificate.
 *
 * A non-blocking state machine driven by the scan engine's epoll loop, so
 * probing a portfolio never serialises. The engine hands over a connected
 * socket; the probe may close it and open a new connection to the same
 * address (e.g. to retry with TLS when the first bytes show a TLS record), so
 * the engine re-reads pg_probe_fd() after every step.
 *
 * Every phase is bounded in time (opts->total_ms overall) and bytes
 * (opts->max_bytes): a hostile server cannot hang or bloat the scan. */
#ifndef PG_PROBE_H
#define PG_PROBE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include "scan.h"

struct pg_probe;

/* Take ownership of connected non-blocking fd. hostname (may be NULL) is used
 * for SNI, certificate name checks and the HTTP Host header; expect_tls says
 * the manifest (or the well-known port list) says this port speaks TLS. */
struct pg_probe *pg_probe_start(int fd, const struct pg_addr *addr, uint16_t port,
				const char *hostname, bool expect_tls,
				const struct pg_probe_opts *opts, uint64_t now_ms);

/* Advance on readiness (EPOLLIN/EPOLLOUT/EPOLLERR/EPOLLHUP bits seen on
 * pg_probe_fd()) or, with events == 0, on reaching pg_probe_deadline().
 * Returns true when the probe is finished. */
bool pg_probe_step(struct pg_probe *p, uint32_t events, uint64_t now_ms);

int pg_probe_fd(const struct pg_probe *p);            /* fd to watch now */
uint32_t pg_probe_events(const struct pg_probe *p);   /* EPOLLIN and/or EPOLLOUT */
uint64_t pg_probe_deadline(const struct pg_probe *p); /* absolute monotonic ms */

/* Close everything, free p, return owned evidence: {"service": ..., "banner"?,
 * "tlsVersion"?, "certificate"?, "http"?, "tlsExpected"?, "speaksTls"?}. */
json_t *pg_probe_finish(struct pg_probe *p);

/* Service name from the system services database (/etc/services), "unknown"
 * when absent. Never nmap's data files (licence). */
const char *pg_service_by_port(uint16_t port, char *buf, size_t len);

/* Ports that conventionally speak TLS from the first byte (443, 465, 636, 853,
 * 993, 995, 5986, 8443, ...). */
bool pg_port_is_tls_default(uint16_t port);

#endif
