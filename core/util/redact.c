/* redact.c - secrets out of text that came back from elsewhere (redact.h). */
#include "config.h"
#include "redact.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define REDACTED   "[redacted]"
#define MIN_SECRET 4

static char *base64_new(const char *s)
{
	size_t len = strlen(s);
	unsigned char *out = pg_xmalloc(4 * ((len + 2) / 3) + 1);

	EVP_EncodeBlock(out, (const unsigned char *)s, (int)len);
	return (char *)out;
}

/* text with each occurrence of needle replaced (new string; text is freed). */
static char *replace_all(char *text, const char *needle)
{
	size_t nlen = strlen(needle), cap = strlen(text) + 1, used = 0;
	char *out, *at, *from = text;

	if (nlen < MIN_SECRET || !strstr(text, needle))
		return text;
	out = pg_xmalloc(cap + strlen(text) / nlen * sizeof(REDACTED) + sizeof(REDACTED));
	while ((at = strstr(from, needle))) {
		memcpy(out + used, from, (size_t)(at - from));
		used += (size_t)(at - from);
		memcpy(out + used, REDACTED, sizeof(REDACTED) - 1);
		used += sizeof(REDACTED) - 1;
		from = at + nlen;
	}
	memcpy(out + used, from, strlen(from) + 1); /* fits: sized for every match above */
	free(text);
	return out;
}

char *pg_redact_new(const char *text, const char *const *secrets, size_t n)
{
	char *out = pg_xstrdup(text ? text : ""), *form;

	for (size_t i = 0; i < n; i++) {
		if (!secrets[i] || strlen(secrets[i]) < MIN_SECRET)
			continue;
		for (size_t j = 0; j < n; j++) { /* Basic: base64(user ":" token) */
			if (j == i || !secrets[j])
				continue;
			char *pair = pg_xasprintf("%s:%s", secrets[j], secrets[i]);
			form = base64_new(pair);
			out = replace_all(out, form);
			free(form);
			free(pair);
		}
		form = base64_new(secrets[i]);
		out = replace_all(out, form);
		free(form);
		out = replace_all(out, secrets[i]);
	}
	return out;
}
