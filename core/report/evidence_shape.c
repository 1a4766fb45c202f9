/* evidence_shape.c - the shape of loaded evidence, checked where it is read.
 *
 * diff, check --baseline and merge compare what a file says about assets,
 * ports and findings; a file with a garbled member would otherwise compare as
 * "nothing there" (0 changes, or every open port newly open). So the members
 * they read must have the types portgate writes, else the file is refused with
 * its JSON path ("g1.json: assets[0].scan: expected an object"). */
#include "config.h"
#include "evidence.h"

#include <stdio.h>
#include <string.h>

#include "manifest/manifest.h"

struct shape {
	const char *file;
	char *err;
	size_t errlen;
};

static bool bad(const struct shape *s, const char *path, const char *want)
{
	snprintf(s->err, s->errlen, "%s: %s: expected %s", s->file, path, want);
	return false;
}

static bool is_one_of(const json_t *v, const char *const *names)
{
	for (size_t i = 0; json_is_string(v) && names[i]; i++)
		if (!strcmp(json_string_value(v), names[i]))
			return true;
	return false;
}

static bool check_port(const struct shape *s, const json_t *p, const char *path)
{
	static const char *const protos[] = { "tcp", "udp", NULL };
	static const char *const states[] = { "open", "closed", "filtered", "error", NULL };
	const json_t *port = json_object_get(p, "port");
	char at[160];

	if (!json_is_object(p))
		return bad(s, path, "an object");
	snprintf(at, sizeof(at), "%s.port", path);
	if (!json_is_integer(port) || json_integer_value(port) < 1 ||
	    json_integer_value(port) > 65535)
		return bad(s, at, "an integer from 1 to 65535");
	snprintf(at, sizeof(at), "%s.protocol", path);
	/* absent in evidence written before UDP: TCP, as drift reads it */
	if (json_object_get(p, "protocol") && !is_one_of(json_object_get(p, "protocol"), protos))
		return bad(s, at, "\"tcp\" or \"udp\"");
	snprintf(at, sizeof(at), "%s.state", path);
	if (!is_one_of(json_object_get(p, "state"), states))
		return bad(s, at, "one of \"open\", \"closed\", \"filtered\", \"error\"");
	return true;
}

static bool check_scan(const struct shape *s, const json_t *scan, const char *path)
{
	const json_t *ports = json_object_get(scan, "ports"), *p;
	char at[128];
	size_t i;

	if (!json_is_object(scan))
		return bad(s, path, "an object");
	snprintf(at, sizeof(at), "%s.ports", path);
	if (!json_is_array(ports))
		return bad(s, at, "an array");
	json_array_foreach(ports, i, p)
	{
		snprintf(at, sizeof(at), "%s.ports[%zu]", path, i);
		if (!check_port(s, p, at))
			return false;
	}
	return true;
}

/* A finding: an object with its rule id; its action, once decided, one of the three
 * (a garbled action would be counted as some verdict by merge). */
static bool check_finding(const struct shape *s, const json_t *f, const char *path)
{
	static const char *const actions[] = { "pass", "warn", "fail", NULL };
	const json_t *rule = json_object_get(f, "rule"), *action = json_object_get(f, "action");
	char at[160];

	if (!json_is_object(f))
		return bad(s, path, "an object");
	snprintf(at, sizeof(at), "%s.rule", path);
	if (!json_is_string(rule) || !pg_rule_id_valid(json_string_value(rule)))
		return bad(s, at, "a rule id");
	snprintf(at, sizeof(at), "%s.action", path);
	if (action && !is_one_of(action, actions))
		return bad(s, at, "\"pass\", \"warn\" or \"fail\"");
	return true;
}

/* "additionalScans" and "findings" may be absent; when present, arrays of objects. */
static bool check_list(const struct shape *s, const json_t *a, const char *key, const char *path)
{
	const json_t *list = json_object_get(a, key), *v;
	char at[96];
	size_t i;

	snprintf(at, sizeof(at), "%s.%s", path, key);
	if (!list)
		return true;
	if (!json_is_array(list))
		return bad(s, at, "an array");
	json_array_foreach(list, i, v)
	{
		snprintf(at, sizeof(at), "%s.%s[%zu]", path, key, i);
		if (!strcmp(key, "additionalScans") ? !check_scan(s, v, at)
						    : !check_finding(s, v, at))
			return false;
	}
	return true;
}

static bool check_asset(const struct shape *s, const json_t *a, size_t i)
{
	const json_t *scan = json_object_get(a, "scan");
	char path[32], at[64];

	snprintf(path, sizeof(path), "assets[%zu]", i);
	if (!json_is_object(a))
		return bad(s, path, "an object");
	snprintf(at, sizeof(at), "%s.name", path);
	if (!json_is_string(json_object_get(a, "name")))
		return bad(s, at, "a string");
	snprintf(at, sizeof(at), "%s.target", path);
	if (!json_is_string(json_object_get(a, "target")))
		return bad(s, at, "a string");
	snprintf(at, sizeof(at), "%s.scan", path);
	return (!scan || check_scan(s, scan, at)) && check_list(s, a, "additionalScans", path) &&
	       check_list(s, a, "findings", path);
}

bool pg_evidence_check_shape(const json_t *report, const char *file, char *err, size_t errlen)
{
	const struct shape s = { file, err, errlen };
	const json_t *a;
	size_t i;

	json_array_foreach(json_object_get(report, "assets"), i,
			   a) if (!check_asset(&s, a, i)) return false;
	return true;
}
