/* url.c - see url.h. */
#include "common/url.h"

#include <string.h>

#include <curl/curl.h>

/* Copy part of u into out (lower case when fold), "" when u has none;
 * false when curl fails otherwise or it does not fit. */
static bool get_part(CURLU *u, CURLUPart what, char *out, size_t outlen, bool fold)
{
	char *v = NULL;
	CURLUcode rc = curl_url_get(u, what, &v, 0);
	size_t n;

	out[0] = '\0';
	if (rc == CURLUE_NO_PORT || rc == CURLUE_NO_SCHEME)
		return true;
	if (rc != CURLUE_OK)
		return false;
	n = strlen(v);
	if (n >= outlen) {
		curl_free(v);
		return false;
	}
	for (size_t i = 0; i <= n; i++)
		out[i] = fold && v[i] >= 'A' && v[i] <= 'Z' ? (char)(v[i] + 32) : v[i];
	curl_free(v);
	return true;
}

/* "[::1]" -> "::1": the address itself, as inet_pton and the DNS take it. */
static void strip_brackets(char *host)
{
	size_t n = strlen(host);

	if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
		memmove(host, host + 1, n - 2);
		host[n - 2] = '\0';
	}
}

bool pg_url_split(const char *url, struct pg_url_parts *p)
{
	CURLU *u = curl_url();
	bool ok = u && curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK &&
		  get_part(u, CURLUPART_SCHEME, p->scheme, sizeof(p->scheme), true) &&
		  get_part(u, CURLUPART_HOST, p->host, sizeof(p->host), true) &&
		  get_part(u, CURLUPART_PORT, p->port, sizeof(p->port), false);

	curl_url_cleanup(u);
	if (!ok)
		memset(p, 0, sizeof(*p));
	else
		strip_brackets(p->host);
	return ok;
}

char *pg_url_path_new(const char *url)
{
	CURLU *u = curl_url();
	char *v = NULL, *out = NULL;

	if (u && curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PATH, &v, 0) == CURLUE_OK)
		out = strdup(v);
	curl_free(v);
	curl_url_cleanup(u);
	return out;
}
