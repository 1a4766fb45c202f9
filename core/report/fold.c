/* fold.c - fold and unfold an asset's bulky members (see fold.h). */
#include "config.h"
#include "fold.h"

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

static const char *str_or_empty(const json_t *v)
{
	return json_is_string(v) ? json_string_value(v) : "";
}

/* The ports the findings name for the scan of ip (a finding without an ip
 * names its port on every address), one bit each: a wide scan is then
 * trimmed in one pass over its ports, not one pass over the findings a port. */
static void named_ports(const json_t *findings, const char *ip, unsigned char named[8192])
{
	const json_t *f, *fip;
	json_int_t port;
	size_t i;

	memset(named, 0, 8192);
	json_array_foreach(findings, i, f)
	{
		fip = json_object_get(f, "ip");
		port = json_integer_value(json_object_get(f, "port"));
		if (json_is_integer(json_object_get(f, "port")) && port >= 0 && port <= 65535 &&
		    (!fip || !ip || !strcmp(str_or_empty(fip), ip)))
			named[port / 8] |= (unsigned char)(1u << (port % 8));
	}
}

/* Is port p (a scan's port object) open, or named by one of the findings? */
static bool reported(const json_t *p, const unsigned char named[8192])
{
	const json_t *pv = json_object_get(p, "port");
	json_int_t port = json_integer_value(pv);

	if (!strcmp(str_or_empty(json_object_get(p, "state")), "open"))
		return true;
	return json_is_integer(pv) && port >= 0 && port <= 65535 &&
	       (named[port / 8] & (1u << (port % 8)));
}

/* The scan with only its reported ports (a new object sharing the values). */
static json_t *trimmed_scan(const json_t *scan, const json_t *findings)
{
	json_t *out = json_copy((json_t *)scan), *ports = json_array(), *p;
	unsigned char named[8192];
	size_t i;

	named_ports(findings, json_string_value(json_object_get(scan, "ip")), named);
	json_array_foreach(json_object_get(scan, "ports"), i, p) if (reported(p, named))
		json_array_append(ports, p);
	json_object_set_new(out, "ports", ports);
	return out;
}

json_t *pg_fold_reported(json_t *asset)
{
	const json_t *findings = json_object_get(asset, "findings");
	json_t *full, *out, *v, *more, *s;
	const char *k;
	size_t i;

	if (!pg_fold_is_folded(asset))
		return asset;
	full = pg_fold_full(asset);
	out = json_object();
	json_object_foreach(asset, k, v)
	{
		if (is_folded_key(k))
			continue; /* an earlier trim: rebuilt below */
		json_object_set(out, k, v);
		if (strcmp(k, PG_FOLD_KEY))
			continue;
		if ((v = json_object_get(full, "resolution")))
			json_object_set(out, "resolution", v);
		if ((v = json_object_get(full, "scan")))
			json_object_set_new(out, "scan", trimmed_scan(v, findings));
		if (!(v = json_object_get(full, "additionalScans")))
			continue;
		more = json_array();
		json_array_foreach(v, i, s) json_array_append_new(more, trimmed_scan(s, findings));
		json_object_set_new(out, "additionalScans", more);
	}
	json_decref(full);
	json_decref(asset);
	return out;
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
		if (is_folded_key(k))
			continue; /* live reported members beside the fold: the fold wins */
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
