/* resolve_server.c - the DNS server spec ("HOST:PORT", "HOST", "[v6]:PORT")
 * as given by --dns-server or dns.server, and the text that names the
 * servers of a channel in error messages. */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "resolve_int.h"
#include "util/util.h"

/* Split "HOST:PORT", "HOST", "[V6]:PORT", "[V6]" or a bare "V6" into host
 * and port text (*port NULL when absent); false if malformed. */
static bool split_host_port(const char *spec, char *host, size_t hostlen, const char **port)
{
	const char *first = strchr(spec, ':'), *end;
	size_t len;

	*port = NULL;
	if (spec[0] == '[') {
		end = strchr(spec, ']');
		if (!end || (end[1] && end[1] != ':'))
			return false;
		if (end[1] == ':')
			*port = end + 2;
		spec++;
	} else if (first && first == strrchr(spec, ':')) { /* one colon: HOST:PORT */
		end = first;
		*port = first + 1;
	} else { /* no colon, or a bare IPv6 address */
		end = spec + strlen(spec);
	}
	len = (size_t)(end - spec);
	if (len == 0 || len >= hostlen)
		return false;
	memcpy(host, spec, len);
	host[len] = '\0';
	return true;
}

/* Server spec to a c-ares node (port 53 by default). HOST must be an IP
 * address: a DNS server cannot be found with DNS. */
int pg_resolve_parse_server(const char *spec, struct ares_addr_port_node *node, char *err,
			    size_t errlen)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *port_text;
	unsigned long port = 53;

	memset(node, 0, sizeof(*node));
	if (!split_host_port(spec, host, sizeof(host), &port_text))
		goto bad;
	if (port_text && (!pg_parse_ulong(port_text, 65535, &port) || port == 0))
		goto bad;
	if (inet_pton(AF_INET, host, &node->addr.addr4) == 1)
		node->family = AF_INET;
	else if (inet_pton(AF_INET6, host, &node->addr.addr6) == 1)
		node->family = AF_INET6;
	else
		goto bad;
	node->udp_port = node->tcp_port = (int)port;
	return 0;
bad:
	snprintf(err, errlen,
		 "bad DNS server '%s': expected IP, IP:PORT or [IPv6]:PORT with port 1-65535",
		 spec);
	return -1;
}

/* "127.0.0.1:5353" or "[::1]:53" for every server of the channel. */
void pg_resolve_describe_servers(ares_channel ch, char *buf, size_t len)
{
	struct ares_addr_port_node *list = NULL, *s;
	size_t used = 0;

	buf[0] = '\0';
	if (ares_get_servers_ports(ch, &list) != ARES_SUCCESS)
		return;
	for (s = list; s && used < len; s = s->next) {
		char ip[INET6_ADDRSTRLEN];
		int port = s->udp_port ? s->udp_port : 53;
		int w;

		if (!inet_ntop(s->family, &s->addr, ip, sizeof(ip)))
			continue;
		w = snprintf(buf + used, len - used,
			     s->family == AF_INET6 ? "%s[%s]:%d" : "%s%s:%d", used ? "," : "", ip,
			     port);
		if (w < 0)
			break;
		used += (size_t)w;
	}
	ares_free_data(list);
}

bool pg_resolve_server_check(const char *spec, char *err, size_t errlen)
{
	struct ares_addr_port_node node;

	return pg_resolve_parse_server(spec, &node, err, errlen) == 0;
}
