/* json_get.h - a string member of a JSON object, the one getter the report
 * renderers, the notification message, drift, enrich and the plugins use. */
#ifndef PG_COMMON_JSON_GET_H
#define PG_COMMON_JSON_GET_H

#include <jansson.h>

/* o[key] when it is a string (borrowed from o), else NULL (o may be NULL). */
const char *pg_json_get_str(const json_t *o, const char *key);
/* o[key] when it is a string, else dflt. */
const char *pg_json_get_str_or(const json_t *o, const char *key, const char *dflt);

#endif
