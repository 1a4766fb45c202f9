/* json_get.h - a string member of a JSON object, the one getter the report
 * renderers, the notification message, drift, enrich and the plugins use; and how
 * real numbers are written in every JSON a person or a receiver reads. */
#ifndef PG_COMMON_JSON_GET_H
#define PG_COMMON_JSON_GET_H

#include <jansson.h>

/* o[key] when it is a string (borrowed from o), else NULL (o may be NULL). */
const char *pg_json_get_str(const json_t *o, const char *key);
/* o[key] when it is a string, else dflt. */
const char *pg_json_get_str_or(const json_t *o, const char *key, const char *dflt);

/* JSON dump flag for real numbers: 15 significant digits write 6.002 and 148.1 where
 * jansson's default (17) writes the binary noise 6.0019999999999998 and
 * 148.09999999999999. 15 digits still round-trip every value portgate makes. */
#define PG_JSON_REAL JSON_REAL_PRECISION(15)

#endif
