/* merge.c - shard evidence into one report (see merge.h). */
#include "config.h"
#include "merge.h"

#include <stdlib.h>
#include <string.h>

#include "evidence.h"
#include "manifest/manifest.h"
#include "util/util.h"

static const char *run_str(const json_t *doc, const char *key)
{
	return json_string_value(json_object_get(json_object_get(doc, "run"), key));
}

static json_int_t shard_field(const json_t *doc, const char *key)
{
	return json_integer_value(
		json_object_get(json_object_get(json_object_get(doc, "run"), "shard"), key));
}

/* Same manifest (bytes) and same N everywhere; false with err naming the pair. */
static bool same_origin(json_t *const *docs, const char *const *names, size_t n, char *err,
			size_t errlen)
{
	const char *sha0 = run_str(docs[0], "manifestSha256");
	json_int_t n0 = shard_field(docs[0], "count");

	for (size_t i = 0; i < n; i++) {
		const char *sha = run_str(docs[i], "manifestSha256");
		json_int_t count = shard_field(docs[i], "count");
		if (!sha || count < 1 || count > 100000 ||
		    !json_is_integer(json_object_get(
			    json_object_get(json_object_get(docs[i], "run"), "shard"),
			    "manifestAssets"))) {
			snprintf(err, errlen,
				 "%s: no run.manifestSha256 or run.shard (evidence "
				 "of an older portgate?)",
				 names[i]);
			return false;
		}
		if (strcmp(sha, sha0)) {
			snprintf(err, errlen,
				 "%s and %s are shards of different manifests "
				 "(sha256 %.12s... and %.12s...)",
				 names[0], names[i], sha0, sha);
			return false;
		}
		if (count != n0 || shard_field(docs[i], "manifestAssets") !=
					   shard_field(docs[0], "manifestAssets")) {
			snprintf(err, errlen, "%s is a shard of %lld, %s of %lld", names[0],
				 (long long)n0, names[i], (long long)count);
			return false;
		}
		if (strcmp(run_str(docs[i], "mode") ? run_str(docs[i], "mode") : "",
			   run_str(docs[0], "mode") ? run_str(docs[0], "mode") : "")) {
			snprintf(err, errlen, "%s and %s ran in different modes", names[0],
				 names[i]);
			return false;
		}
	}
	return true;
}

/* Indexes 1..N each exactly once; err lists what is missing or doubled. */
static bool complete_set(json_t *const *docs, const char *const *names, size_t n, char *err,
			 size_t errlen)
{
	json_int_t count = shard_field(docs[0], "count");
	const char **seen = pg_xcalloc((size_t)count + 1, sizeof(*seen));
	size_t used = 0;
	bool ok = true;

	for (size_t i = 0; i < n && ok; i++) {
		json_int_t k = shard_field(docs[i], "index");
		if (k < 1 || k > count) {
			snprintf(err, errlen, "%s has shard index %lld of %lld", names[i],
				 (long long)k, (long long)count);
			ok = false;
		} else if (seen[k]) {
			snprintf(err, errlen, "%s and %s are both shard %lld/%lld", seen[k],
				 names[i], (long long)k, (long long)count);
			ok = false;
		} else {
			seen[k] = names[i];
		}
	}
	for (json_int_t k = 1; ok && k <= count; k++) {
		if (seen[k])
			continue;
		if (!used)
			used = (size_t)snprintf(err, errlen, "incomplete set: missing shard");
		if (used < errlen)
			used += (size_t)snprintf(err + used, errlen - used, " %lld/%lld",
						 (long long)k, (long long)count);
	}
	free(seen);
	return ok && !used;
}

static int by_line(const void *a, const void *b)
{
	json_int_t la = json_integer_value(json_object_get(*(json_t *const *)a, "line"));
	json_int_t lb = json_integer_value(json_object_get(*(json_t *const *)b, "line"));

	return la < lb ? -1 : la > lb;
}

static int by_identity(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	int c = strcmp(json_string_value(json_object_get(x, "name")),
		       json_string_value(json_object_get(y, "name")));

	return c ? c
		 : strcmp(json_string_value(json_object_get(x, "target")),
			  json_string_value(json_object_get(y, "target")));
}

/* Each asset is in the shard its identity hashes to, no asset is there twice, and
 * the shards hold as many assets as the manifest has: a shard relabelled, doubled
 * or with assets taken out is refused, not merged into a passing report. */
static bool assets_fit_split(json_t *const *docs, const char *const *names, size_t n, char *err,
			     size_t errlen)
{
	json_int_t count = shard_field(docs[0], "count"),
		   want = shard_field(docs[0], "manifestAssets");
	size_t total = 0, k = 0, i;
	json_t **v, *a;
	bool ok = true;

	for (size_t d = 0; d < n; d++)
		total += json_array_size(json_object_get(docs[d], "assets"));
	v = pg_xcalloc(total ? total : 1, sizeof(*v));
	for (size_t d = 0; d < n && ok; d++)
		json_array_foreach(json_object_get(docs[d], "assets"), i, a)
		{
			const char *name = json_string_value(json_object_get(a, "name"));
			const char *target = json_string_value(json_object_get(a, "target"));
			if (!name || !target) {
				snprintf(err, errlen, "%s: asset %zu has no name or target",
					 names[d], i);
				ok = false;
				break;
			}
			if ((json_int_t)pg_manifest_shard_of(name, target, (unsigned)count) !=
			    shard_field(docs[d], "index")) {
				snprintf(err, errlen,
					 "%s: asset '%.64s' does not belong to shard %lld/%lld",
					 names[d], name, (long long)shard_field(docs[d], "index"),
					 (long long)count);
				ok = false;
				break;
			}
			v[k++] = a;
		}
	qsort(v, k, sizeof(*v), by_identity);
	for (i = 1; ok && i < k; i++)
		if (!by_identity(&v[i - 1], &v[i])) {
			snprintf(err, errlen, "asset '%.64s' is in the shards twice",
				 json_string_value(json_object_get(v[i], "name")));
			ok = false;
		}
	if (ok && (json_int_t)k != want) {
		snprintf(err, errlen, "the shards hold %zu assets, the manifest has %lld", k,
			 (long long)want);
		ok = false;
	}
	free(v);
	return ok;
}

/* The shards ran one manifest from one repository: the first's settings and run.source
 * (where the CI formats name the manifest). */
static void keep_from_first(json_t *run, const json_t *first)
{
	static const char *const keys[] = { "settings", "source" };

	for (size_t i = 0; i < PG_ARRAY_LEN(keys); i++)
		if (json_object_get(first, keys[i]))
			json_object_set(run, keys[i], json_object_get(first, keys[i]));
}

static json_t *merged_assets(json_t *const *docs, size_t n)
{
	size_t total = 0, k = 0, i;
	json_t **v, *out = json_array(), *a;

	for (size_t d = 0; d < n; d++)
		total += json_array_size(json_object_get(docs[d], "assets"));
	v = pg_xcalloc(total, sizeof(*v));
	for (size_t d = 0; d < n; d++)
		json_array_foreach(json_object_get(docs[d], "assets"), i, a) v[k++] = a;
	qsort(v, k, sizeof(*v), by_line);
	for (i = 0; i < k; i++)
		json_array_append(out, v[i]);
	free(v);
	return out;
}

json_t *pg_merge_shards(json_t *const *docs, const char *const *names, size_t n, char *err,
			size_t errlen)
{
	json_t *report, *run, *shards = json_array();
	const char *earliest;
	size_t first = 0;

	if (!n || !same_origin(docs, names, n, err, errlen) ||
	    !complete_set(docs, names, n, err, errlen) ||
	    !assets_fit_split(docs, names, n, err, errlen)) {
		if (!n)
			snprintf(err, errlen, "no evidence files given");
		json_decref(shards);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		if (strcmp(run_str(docs[i], "startedAt") ? run_str(docs[i], "startedAt") : "",
			   run_str(docs[first], "startedAt") ? run_str(docs[first], "startedAt")
							     : "") < 0)
			first = i;
		json_array_append_new(
			shards,
			json_pack("{s:O, s:O?, s:O?, s:s}", "index",
				  json_object_get(
					  json_object_get(json_object_get(docs[i], "run"), "shard"),
					  "index"),
				  "runId", json_object_get(json_object_get(docs[i], "run"), "id"),
				  "startedAt",
				  json_object_get(json_object_get(docs[i], "run"), "startedAt"),
				  "file", names[i]));
	}
	earliest = run_str(docs[first], "startedAt");
	report = pg_evidence_report_new(run_str(docs[0], "manifest"), pg_wall_ms());
	run = json_object_get(report, "run");
	if (earliest)
		json_object_set_new(run, "startedAt", json_string(earliest));
	pg_evidence_set_origin(report, run_str(docs[0], "manifestSha256"), 1, 1,
			       (size_t)shard_field(docs[0], "manifestAssets"));
	keep_from_first(run, json_object_get(docs[0], "run"));
	json_object_set_new(run, "shards", shards);
	json_object_set_new(report, "assets", merged_assets(docs, n));
	return report;
}
