/* addr.c - a socket address as text (see addr.h). */
#include "config.h"
#include "addr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>

bool pg_sockaddr_text(const struct sockaddr *sa, char *out, size_t len)
{
	const void *p;

	if (sa->sa_family == AF_INET)
		p = &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
	else if (sa->sa_family == AF_INET6)
		p = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
	else
		return false;
	return inet_ntop(sa->sa_family, p, out, (socklen_t)len) != NULL;
}
