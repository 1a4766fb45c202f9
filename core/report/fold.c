/* fold.c - fold and unfold an asset's bulky members (see fold_int.h). */
#include "config.h"
#include "fold_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *const folded_keys[] = { "resolution", "scan", "additionalScans" };

static bool is_folded_key(const char *k)
{
	for (size_t i = 0; i < sizeof(folded_keys) / sizeof(folded_keys[0]); i++)
		if (!strcmp(k, folded_keys[i]))
			return true;
	return false;
}

json_t *pg_fold(json_t *asset)
{
	json_t *out = json_object(), *parts = json_object(), *v;
	const char *k;
	size_t nparts;
	char *text;

	json_object_foreach(asset, k, v)
	{
		if (!is_folded_key(k)) {
			json_object_set(out, k, v);
			continue;
		}
		/* a placeholder keeps the place; setting it later keeps the order */
		if (!json_object_size(parts))
			json_object_set_new(out, PG_FOLD_KEY, json_null());
		json_object_set(parts, k, v);
	}
	nparts = json_object_size(parts);
	text = nparts ? json_dumps(parts, JSON_COMPACT) : NULL;
	if (text)
		json_object_set_new(out, PG_FOLD_KEY, json_string(text));
	free(text);
	json_decref(parts);
	/* jansson failed (out of memory): the unfolded asset is still right */
	if (nparts && !text) {
		json_decref(out);
		return asset;
	}
	json_decref(asset);
	return out;
}

bool pg_fold_is_folded(const json_t *asset)
{
	return json_is_string(json_object_get(asset, PG_FOLD_KEY));
}

static json_t *unfold(const json_t *asset)
{
	const json_t *f = json_object_get(asset, PG_FOLD_KEY);
	json_t *out, *parts, *v, *pv;
	const char *k, *pk;

	if (!json_is_string(f) || !(parts = json_loadb(json_string_value(f), json_string_length(f),
						       JSON_ALLOW_NUL, NULL)))
		return json_incref((json_t *)asset);
	out = json_object();
	json_object_foreach((json_t *)asset, k, v)
	{
		if (strcmp(k, PG_FOLD_KEY))
			json_object_set(out, k, v);
		else
			json_object_foreach(parts, pk, pv) json_object_set(out, pk, pv);
	}
	json_decref(parts);
	return out;
}

json_t *pg_fold_full(const json_t *asset)
{
	/* jansson's number parser sets errno to 0, and the renderers unfold while
	 * they write and read errno after ferror: a full disk became "Input/output
	 * error" */
	int saved = errno;
	json_t *out = unfold(asset);

	errno = saved;
	return out;
}
