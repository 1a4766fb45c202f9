/* probe_udp.h - what portgate sends to a UDP port and what it makes of the answer.
 *
 * UDP services answer only a request they understand, so each well-known UDP port
 * gets a valid, read-only request of the service conventionally found there (DNS
 * query, NTP client request, SNMP get of sysDescr, memcached version, SSDP
 * M-SEARCH, ...: docs/probes.md lists them with what is sent); other ports get an
 * empty datagram. Pure functions: the scan engine (core/scan/) sends and receives. */
#ifndef PG_PROBE_UDP_H
#define PG_PROBE_UDP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest request pg_udp_request writes: QUIC's, padded to the 1200 bytes below which a
 * server drops a packet of an unknown version (RFC 9000 14.1). */
#define PG_UDP_REQUEST_MAX 1200

/* Write the request for port into buf (buflen >= PG_UDP_REQUEST_MAX); nonce
 * varies transaction ids so an answer can be matched to its request. Returns
 * its length, 0 for an empty datagram. *service gets the static name of the
 * service the request is written for, or NULL (empty datagram). */
size_t pg_udp_request(uint16_t port, uint32_t nonce, unsigned char *buf, size_t buflen,
		      const char **service);

/* Evidence from the first answer (ans, n bytes) to request req: {"service":
 * name from the answer (else from the port), "banner"?: sanitised version
 * text}. Never NULL; the caller owns it. Untrusted input: bounded, no crash
 * on any bytes. */
json_t *pg_udp_answer(uint16_t port, const unsigned char *req, size_t reqlen,
		      const unsigned char *ans, size_t n);

/* Static name of the service whose request pg_udp_request sends to port, or NULL
 * (empty datagram): "dns", "ntp", "snmp", ... (docs/probes.md). */
const char *pg_udp_service(uint16_t port);

/* True when the service on port answers its request from another port of the
 * same address (TFTP: RFC 1350 4), so the answer must be read on a socket that
 * is not connect()ed to the port asked. */
bool pg_udp_answers_from_other_port(uint16_t port);

#endif
