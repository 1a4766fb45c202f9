/* redact.h - secrets out of text that came back from elsewhere.
 *
 * A receiver that answers 401 may echo the credentials it got ("invalid
 * credentials: Bearer ..."); that text reaches warnings, the outbox's lastError
 * and `outbox list`. Every text a plugin reports goes through here first. */
#ifndef PG_REDACT_H
#define PG_REDACT_H

#include <stddef.h>

/* text with every occurrence of each secret, of its base64 form and of the
 * base64 form of "a:b" for each pair of secrets (HTTP Basic of a user and a
 * token) replaced by "[redacted]"; a new string (caller frees). Secrets shorter
 * than 4 bytes are left alone (they would match ordinary words). */
char *pg_redact_new(const char *text, const char *const *secrets, size_t n);

#endif
