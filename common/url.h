/* url.h - the parts of an absolute URL, through libcurl's URL API (RFC 3986
 * as curl reads it): the one URL parser of portgate and its plugins. */
#ifndef PG_COMMON_URL_H
#define PG_COMMON_URL_H

#include <stdbool.h>

struct pg_url_parts {
	char scheme[16]; /* lower case */
	char host[256];  /* lower case, without userinfo, port or IPv6 brackets */
	char port[8];    /* as written, "" when the URL names none */
};

/* Split an absolute URL of any scheme (http, https, whois, ...). False when
 * it is not one (no scheme, a bad host, a bad port) or a part does not fit;
 * p is then all "". */
bool pg_url_split(const char *url, struct pg_url_parts *p);

/* The path of an absolute URL, without query or fragment ("/" when it names
 * none), as a new string (caller frees); NULL when url is not one. */
char *pg_url_path_new(const char *url);

#endif
