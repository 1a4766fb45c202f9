/* siem_net.h - syslog transports with every wait bounded by a deadline:
 * UDP (one datagram per message), TCP with RFC 6587 octet counting and TLS
 * (RFC 5425, OpenSSL, server certificate and name verified). */
#ifndef SIEM_NET_H
#define SIEM_NET_H

#include <stddef.h>
#include <stdint.h>

#include "common/trust.h"

enum siem_transport { ST_UDP = 0, ST_TCP = 1, ST_TLS = 2, ST_HEC = 3 };

struct siem_conn;

/* deadline_ms: absolute pg_clock_now_ms (common/clock.h) ms. NULL + err on failure. trust: the
 * instance's caFile alone, else the system store plus the settings' caFile (common/trust.h). */
struct siem_conn *siem_connect(enum siem_transport t, const char *host, const char *port,
			       const struct pg_trust *trust, const char *server_name,
			       uint64_t deadline_ms, char *err, size_t errlen);
/* Send one syslog message (framed for TCP/TLS). 0 or -1 + err. */
int siem_send(struct siem_conn *c, const char *msg, size_t len, uint64_t deadline_ms, char *err,
	      size_t errlen);
/* Close (TLS: close_notify, bounded). */
void siem_close(struct siem_conn *c, uint64_t deadline_ms);

#endif
