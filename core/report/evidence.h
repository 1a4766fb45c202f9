/* evidence.h - build the evidence JSON (docs/evidence.md) from run results. */
#ifndef PG_EVIDENCE_H
#define PG_EVIDENCE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include "manifest/manifest.h"
#include "resolve/resolve.h"
#include "scan/scan.h"

/* The /v1-port-scanner object for one scanned address. Owned by the caller. */
json_t *pg_evidence_scan(const struct pg_scan_target *t, const char *target,
			 uint64_t wall_start_ms);

/* Stream the same object to out, one port at a time: a 65535-port scan never
 * holds its whole JSON tree in memory. One port per line, or one line when
 * compact. 0, or -1 on a write error (errno). */
int pg_evidence_scan_write(FILE *out, const struct pg_scan_target *t, const char *target,
			   uint64_t wall_start_ms, bool compact);

/* One port of a scan as a JSON object (probe fields merged in). */
json_t *pg_evidence_port(const struct pg_port_result *r);

json_t *pg_evidence_resolution(const struct pg_resolution *r);

/* A fresh report: {"portgate": {...}, "run": {id, manifest, startedAt}, "assets": []}. */
json_t *pg_evidence_report_new(const char *manifest_path, uint64_t wall_start_ms);

/* Append asset (stolen) to report.assets. compact: hold its resolution and
 * scans as one compact string until the evidence is written (a `check` of a
 * large manifest, docs/evidence.md "Memory"); readers never see the
 * difference when they walk the assets with pg_evidence_walk_next. */
void pg_evidence_add_asset(json_t *report, json_t *asset, bool compact);

/* A walk over report.assets, each asset whole:
 *   struct pg_evidence_walk w = PG_EVIDENCE_WALK(report);
 *   while ((a = pg_evidence_walk_next(&w))) ... (w.i - 1 is a's index)
 * a is borrowed until the next call; its members other than "resolution",
 * "scan" and "additionalScans" are the report's own, so a reader may change
 * "findings" in place. The walk holds nothing once next returned NULL; a
 * caller that stops early calls pg_evidence_walk_end. errno is kept. */
struct pg_evidence_walk {
	const json_t *assets; /* borrowed */
	size_t i;             /* the next asset's index */
	json_t *cur;          /* owned: the asset last returned */
};
#define PG_EVIDENCE_WALK(report)                             \
	{                                                    \
		json_object_get((report), "assets"), 0, NULL \
	}
json_t *pg_evidence_walk_next(struct pg_evidence_walk *w);
void pg_evidence_walk_end(struct pg_evidence_walk *w);

/* Random id with a prefix and UTC timestamp: "scan_20261127T101500Z_3f2a9c1b". */
void pg_evidence_id(const char *prefix, uint64_t wall_ms, char *out, size_t len);

/* Serialise and write atomically. 0 or -errno. */
int pg_evidence_write(const json_t *report, const char *path);

/* Load an evidence document; NULL with err ("FILE: why", "FILE:LINE: ...") when it
 * cannot be read or is not evidence. New reference. */
json_t *pg_evidence_load(const char *path, char *err, size_t errlen);
/* The members diff, --baseline and merge read have the types portgate writes:
 * assets[] objects with string name and target; scan and additionalScans[]
 * objects whose ports[] have an integer port 1-65535, protocol tcp|udp (or none:
 * tcp) and a known state; findings[] objects. False with err "FILE: JSON.PATH: expected ..."
 * otherwise. pg_evidence_load calls it. */
bool pg_evidence_check_shape(const json_t *report, const char *file, char *err, size_t errlen);
/* The schema this portgate writes and the only one it reads; the most it reads of a
 * file, in MiB (PORTGATE_MAX_EVIDENCE_MB overrides it). */
#define PG_EVIDENCE_SCHEMA 1
#define PG_EVIDENCE_MAX_MB 256

/* run.manifestSha256 (when given) and run.shard {index, count (1/1 unsharded),
 * manifestAssets (how many assets the whole manifest has)}:
 * what `portgate merge` needs to refuse shards of other manifests, a missing,
 * doubled or relabelled one, or assets taken out of one. */
void pg_evidence_set_origin(json_t *report, const char *manifest_sha256, unsigned shard_i,
			    unsigned shard_n, size_t manifest_assets);
/* run.settings: {path (null for built-in defaults), source (how it was found), sha256}. */
void pg_evidence_set_settings(json_t *report, const char *path, const char *source,
			      const char *sha256);

#endif
