/* psl.h - the Public Suffix List, loaded once per process for the manifest's
 * registrable-domain check and the plugins (netlib's domain, the headers
 * enricher's cookie and redirect tests). */
#ifndef PG_COMMON_PSL_H
#define PG_COMMON_PSL_H

#include <libpsl.h>

/* The system's latest list (psl_latest), else libpsl's built-in copy; read
 * once (thread-safe), kept until the process exits or the plugin is
 * unloaded. Never NULL when libpsl was built with a built-in list. */
const psl_ctx_t *pg_psl_list(void);

#endif
