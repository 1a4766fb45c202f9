/* merge.h - join the evidence of the shards of one manifest (`check --shard I/N`)
 * into one report, refusing shards of other manifests and incomplete sets. */
#ifndef PG_MERGE_H
#define PG_MERGE_H

#include <jansson.h>
#include <stddef.h>

/* docs[i] came from names[i] (for messages). Every document must carry the same
 * run.manifestSha256 and run.shard.count N, and the indexes must be 1..N, each
 * once. Returns a new report: one run (new id, the earliest startedAt, the
 * shards listed in run.shards, run.shard = 1/1), the assets of all shards sorted
 * by manifest line; verdicts are left for pg_policy_finalize. NULL with err. */
json_t *pg_merge_shards(json_t *const *docs, const char *const *names, size_t n, char *err,
			size_t errlen);

#endif
