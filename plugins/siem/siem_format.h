/* siem_format.h - one SIEM event per finding: CEF, ECS JSON and the RFC 5424
 * syslog frame around them, each with its own escaping rules. */
#ifndef SIEM_FORMAT_H
#define SIEM_FORMAT_H

#include <jansson.h>
#include <stddef.h>

#include "common/strbuf.h"

enum siem_format { SF_CEF = 0, SF_ECS = 1, SF_RFC5424 = 2 };

/* What every event of one notify call shares. */
struct siem_meta {
	const char *key;      /* idempotency key of the notification */
	const char *hostname; /* RFC 5424 HOSTNAME ("-" when unknown) */
	const char *app;      /* APP-NAME, at most 48 printable ASCII */
	const char *version;  /* observer / CEF device version */
	int facility;         /* 0..23 */
	long long now_ms;     /* wall clock */
};

/* CEF escaping: header fields escape \ and | (newlines become spaces);
 * extension values escape \ and = and write CR/LF as \r \n. */
void cef_header_escape(struct pg_strbuf *b, const char *s);
void cef_ext_escape(struct pg_strbuf *b, const char *s);
/* RFC 5424 PARAM-VALUE: escape ", \ and ]; control characters become spaces. */
void sdata_escape(struct pg_strbuf *b, const char *s);

/* The event body for one finding. */
void siem_cef(struct pg_strbuf *b, const json_t *finding, const struct siem_meta *m);
json_t *siem_ecs_new(const json_t *finding, const struct siem_meta *m);
/* A whole RFC 5424 message: <PRI>1 TS HOST APP PROCID MSGID [SD] MSG. */
void siem_syslog(struct pg_strbuf *b, enum siem_format fmt, const json_t *finding,
		 const struct siem_meta *m);

#endif
