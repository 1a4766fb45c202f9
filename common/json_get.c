/* json_get.c - see json_get.h. */
#include "common/json_get.h"

const char *pg_json_get_str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

const char *pg_json_get_str_or(const json_t *o, const char *key, const char *dflt)
{
	const char *s = pg_json_get_str(o, key);

	return s ? s : dflt;
}
