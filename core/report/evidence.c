/* evidence.c - the evidence JSON: scan objects in the /v1-port-scanner shape. */
#include "config.h"
#include "evidence.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "probe/probe.h"
#include "fold_int.h" /* PG_FOLD_KEY: a loaded file may not carry a fold */
#include "render.h"
#include "common/json_get.h"

void pg_evidence_id(const char *prefix, uint64_t wall_ms, char *out, size_t len)
{
	uint32_t rnd = 0;
	time_t t = (time_t)(wall_ms / 1000);
	struct tm tm;
	char stamp[32];

	if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
		rnd = (uint32_t)(wall_ms * 2654435761u) ^ (uint32_t)getpid();
	gmtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	snprintf(out, len, "%s_%s_%08x", prefix, stamp, rnd);
}

json_t *pg_evidence_port(const struct pg_port_result *r)
{
	json_t *p = json_object();
	char svc[64];

	json_object_set_new(p, "port", json_integer(r->port));
	json_object_set_new(p, "protocol", json_string(pg_proto_name(r->proto)));
	json_object_set_new(p, "state", json_string(pg_port_state_name(r->state)));
	json_object_set_new(p, "service",
			    json_string(r->proto == PG_PROTO_UDP
						? pg_service_by_port_udp(r->port, svc, sizeof(svc))
						: pg_service_by_port(r->port, svc, sizeof(svc))));
	if (r->reason)
		json_object_set_new(p, "reason", json_string(r->reason));
	if (r->state == PG_PORT_OPEN || r->state == PG_PORT_CLOSED)
		json_object_set_new(p, "rttMs", json_real((double)r->rtt_us / 1000.0));
	if (r->err)
		json_object_set_new(p, "error", json_string(strerror(r->err)));
	if (r->probe)
		json_object_update(p, r->probe); /* probe's service wins over the services db */
	return p;
}

/* The scan object without ports and summary, in the API's key order. */
static json_t *scan_head(const struct pg_scan_target *t, const char *target, uint64_t wall_start_ms)
{
	char id[64], ts[32];

	pg_evidence_id("scan", wall_start_ms, id, sizeof(id));
	pg_iso8601_ms(wall_start_ms, ts);
	return json_pack("{s:s, s:s, s:s, s:s, s:I}", "target", target, "ip", t->addr.text,
			 "scanId", id, "timestamp", ts, "scanDurationMs",
			 (json_int_t)(t->finished_ms - t->started_ms));
}

static json_t *scan_summary(const struct pg_scan_target *t)
{
	size_t counts[4] = { 0 };

	for (size_t i = 0; i < pg_scan_nresults(t); i++)
		counts[t->results[i].state]++;
	return json_pack("{s:I, s:I, s:I, s:I, s:I}", "totalScanned",
			 (json_int_t)pg_scan_nresults(t), "open", (json_int_t)counts[PG_PORT_OPEN],
			 "closed", (json_int_t)counts[PG_PORT_CLOSED], "filtered",
			 (json_int_t)counts[PG_PORT_FILTERED], "error",
			 (json_int_t)counts[PG_PORT_ERROR]);
}

json_t *pg_evidence_scan(const struct pg_scan_target *t, const char *target, uint64_t wall_start_ms)
{
	json_t *s = scan_head(t, target, wall_start_ms), *ports = json_array();

	for (size_t i = 0; i < pg_scan_nresults(t); i++)
		json_array_append_new(ports, pg_evidence_port(&t->results[i]));
	json_object_set_new(s, "ports", ports);
	json_object_set_new(s, "summary", scan_summary(t));
	return s;
}

/* Separators for the streamed scan: readable (one port per line) or one line. */
struct layout {
	const char *open, *key_pre, *member_sep, *last_sep, *port_first, *port_sep, *ports_end;
};
static const struct layout readable = { "{\n", "  ", ",\n", "\n", "\n    ", ",\n    ", "\n  ]" };
static const struct layout one_line = { "{", "", ",", "", "", ",", "]" };

/* Write key: value with value serialised by jansson; steals value. */
static int put_member(FILE *out, const struct layout *l, const char *key, json_t *value, bool last)
{
	int r = fprintf(out, "%s\"%s\":%s", l->key_pre, key, l == &readable ? " " : "") < 0 ||
				json_dumpf(value, out,
					   JSON_ENCODE_ANY | JSON_PRESERVE_ORDER | PG_JSON_REAL |
						   (l == &one_line ? JSON_COMPACT : 0)) < 0 ||
				fputs(last ? l->last_sep : l->member_sep, out) < 0
			? -1
			: 0;

	json_decref(value);
	return r;
}

int pg_evidence_scan_write(FILE *out, const struct pg_scan_target *t, const char *target,
			   uint64_t wall_start_ms, bool compact)
{
	const struct layout *l = compact ? &one_line : &readable;
	json_t *head = scan_head(t, target, wall_start_ms), *v;
	const char *key;
	int r = fputs(l->open, out) < 0 ? -1 : 0;

	json_object_foreach(head, key, v) r |= put_member(out, l, key, json_incref(v), false);
	json_decref(head);
	r |= fprintf(out, "%s\"ports\":%s[", l->key_pre, compact ? "" : " ") < 0 ? -1 : 0;
	for (size_t i = 0; i < pg_scan_nresults(t) && !r; i++) {
		json_t *p = pg_evidence_port(&t->results[i]);
		r |= fputs(i ? l->port_sep : l->port_first, out) < 0 ? -1 : 0;
		r |= json_dumpf(p, out,
				JSON_PRESERVE_ORDER | PG_JSON_REAL | (compact ? JSON_COMPACT : 0));
		json_decref(p);
	}
	r |= fputs(pg_scan_nresults(t) ? l->ports_end : "]", out) < 0 ? -1 : 0;
	r |= fputs(l->member_sep, out) < 0 ? -1 : 0;
	r |= put_member(out, l, "summary", scan_summary(t), true);
	r |= fputs("}", out) < 0 ? -1 : 0;
	return r;
}

json_t *pg_evidence_resolution(const struct pg_resolution *r)
{
	json_t *o = json_object(), *addrs = json_array(), *cn = json_array();

	for (size_t i = 0; i < r->naddrs; i++)
		json_array_append_new(addrs, json_string(r->addrs[i].text));
	for (size_t i = 0; i < r->ncnames; i++)
		json_array_append_new(cn, json_string(r->cnames[i]));
	json_object_set_new(o, "literal", json_boolean(r->is_literal));
	json_object_set_new(o, "addresses", addrs);
	json_object_set_new(o, "cnames", cn);
	if (!r->ok)
		json_object_set_new(o, "error", json_string(r->error ? r->error : "unresolved"));
	return o;
}

json_t *pg_evidence_report_new(const char *manifest_path, uint64_t wall_start_ms)
{
	char id[64], ts[32];

	pg_evidence_id("run", wall_start_ms, id, sizeof(id));
	pg_iso8601_ms(wall_start_ms, ts);
	return json_pack("{s:{s:s, s:i}, s:{s:s, s:s?, s:s}, s:[]}", "portgate", "version",
			 PACKAGE_VERSION, "evidenceSchema", PG_EVIDENCE_SCHEMA, "run", "id", id,
			 "manifest", manifest_path, "startedAt", ts, "assets");
}

int pg_evidence_write(const json_t *report, const char *path)
{
	struct pg_output o = { .format = "json", .path = path };

	return pg_render_to(&o, report);
}

/* A fold in a file was put there by hand: every reader (drift, merge, the
 * renderers) would take it over the asset's visible resolution and scans. */
static bool has_fold(const json_t *d, const char *path, char *err, size_t errlen)
{
	const json_t *a;
	size_t i;

	json_array_foreach(json_object_get(d, "assets"), i, a)
	{
		if (!json_object_get(a, PG_FOLD_KEY))
			continue;
		snprintf(err, errlen,
			 "%s: assets[%zu] has \"" PG_FOLD_KEY "\", which portgate keeps in memory "
			 "and never writes",
			 path, i);
		return true;
	}
	return false;
}

/* Reading evidence is bounded: a loaded file is untrusted input, and jansson
 * holds about six times the file's size. */
struct bounded_read {
	FILE *f;
	size_t left;
	bool over;
};

static size_t read_bounded(void *buf, size_t len, void *ud)
{
	struct bounded_read *b = ud;
	size_t n;

	if (!b->left) {
		if (fgetc(b->f) != EOF)
			b->over = true;
		return b->over ? (size_t)-1 : 0;
	}
	n = fread(buf, 1, len < b->left ? len : b->left, b->f);
	b->left -= n;
	return n;
}

static size_t evidence_max_mb(void)
{
	const char *e = getenv("PORTGATE_MAX_EVIDENCE_MB");
	unsigned long v;

	return e && pg_parse_ulong(e, 1UL << 20, &v) && v ? (size_t)v : PG_EVIDENCE_MAX_MB;
}

static json_t *load_bounded(const char *path, char *err, size_t errlen)
{
	size_t max_mb = evidence_max_mb();
	struct bounded_read b = { fopen(path, "rb"), max_mb << 20, false };
	json_error_t je;
	json_t *d;

	if (!b.f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	d = json_load_callback(read_bounded, &b, 0, &je);
	fclose(b.f);
	if (d)
		return d;
	if (b.over)
		snprintf(err, errlen,
			 "%s: larger than %zu MiB, the most portgate reads "
			 "(PORTGATE_MAX_EVIDENCE_MB raises it)",
			 path, max_mb);
	else if (je.line > 0)
		snprintf(err, errlen, "%s:%d: not JSON: %s", path, je.line, je.text);
	else
		snprintf(err, errlen, "%s: %s", path, je.text);
	return NULL;
}

json_t *pg_evidence_load(const char *path, char *err, size_t errlen)
{
	json_t *d = load_bounded(path, err, errlen), *schema;

	if (!d)
		return NULL;
	schema = json_object_get(json_object_get(d, "portgate"), "evidenceSchema");
	if (!json_is_integer(schema) || !json_is_array(json_object_get(d, "assets"))) {
		snprintf(err, errlen,
			 "%s: not portgate evidence (no portgate.evidenceSchema or "
			 "assets)",
			 path);
		json_decref(d);
		return NULL;
	}
	if (json_integer_value(schema) !=
	    PG_EVIDENCE_SCHEMA) { /* never compare what we do not read */
		snprintf(err, errlen,
			 "%s: evidenceSchema %lld, but this portgate reads schema %d only", path,
			 (long long)json_integer_value(schema), PG_EVIDENCE_SCHEMA);
		json_decref(d);
		return NULL;
	}
	if (has_fold(d, path, err, errlen) || !pg_evidence_check_shape(d, path, err, errlen)) {
		json_decref(d);
		return NULL;
	}
	return d;
}

void pg_evidence_set_origin(json_t *report, const char *manifest_sha256, unsigned shard_i,
			    unsigned shard_n, size_t manifest_assets)
{
	json_t *run = json_object_get(report, "run");

	if (manifest_sha256)
		json_object_set_new(run, "manifestSha256", json_string(manifest_sha256));
	json_object_set_new(run, "shard",
			    json_pack("{s:i, s:i, s:I}", "index", shard_n ? shard_i : 1, "count",
				      shard_n ? shard_n : 1, "manifestAssets",
				      (json_int_t)manifest_assets));
}

void pg_evidence_set_settings(json_t *report, const char *path, const char *source,
			      const char *sha256)
{
	json_t *set = json_pack("{s:o, s:s}", "path", path ? json_string(path) : json_null(),
				"source", source);

	if (path && sha256 && *sha256)
		json_object_set_new(set, "sha256", json_string(sha256));
	json_object_set_new(json_object_get(report, "run"), "settings", set);
}
