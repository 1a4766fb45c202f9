/* psl.c - see psl.h. */
#include "common/psl.h"

#include <pthread.h>

static pthread_once_t psl_once = PTHREAD_ONCE_INIT;
static psl_ctx_t *psl_loaded; /* owned; read only once loaded */

static void psl_load(void)
{
	psl_loaded = psl_latest(NULL);
}

/* dlclose of a plugin frees its list: an unloaded plugin leaves nothing behind. */
__attribute__((destructor)) static void psl_unload(void)
{
	psl_free(psl_loaded);
	psl_loaded = NULL;
}

const psl_ctx_t *pg_psl_list(void)
{
	pthread_once(&psl_once, psl_load);
	return psl_loaded ? psl_loaded : psl_builtin();
}
