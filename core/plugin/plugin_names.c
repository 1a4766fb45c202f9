/* plugin_names.c - names shown for kinds and option types, and the
 * identifier grammar of plugin, instance and option names. */
#include "config.h"
#include "plugin_int.h"

#include <ctype.h>
#include <string.h>

const char *pg_plugin_kind_name(int kind)
{
	switch (kind) {
	case PG_PLUGIN_ENRICHER: return "enricher";
	case PG_PLUGIN_NOTIFIER: return "notifier";
	default: return "unknown";
	}
}

const char *pg_option_type_name(int type)
{
	switch (type) {
	case PG_OPT_STRING: return "string";
	case PG_OPT_INT: return "int";
	case PG_OPT_BOOL: return "bool";
	case PG_OPT_SECRET_ENV: return "secret-env";
	case PG_OPT_ENUM: return "enum";
	case PG_OPT_DURATION: return "duration";
	case PG_OPT_URL: return "url";
	case PG_OPT_ENUM_LIST: return "enum-list";
	default: return "unknown";
	}
}

bool pg_plugin_valid_ident(const char *s, bool allow_upper)
{
	if (!s || !*s || strlen(s) > 64)
		return false;
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (!(islower(ch) || isdigit(ch) || ch == '-' || ch == '_' ||
		      (allow_upper && (isupper(ch) || ch == '.'))))
			return false;
	}
	return true;
}
