/* fold_int.h - an asset's bulky evidence members kept as one compact string.
 *
 * `check` holds the whole evidence in memory until it is written, and an
 * asset's resolution and scans as jansson objects cost about 1 KiB per port
 * (each object, member and value is its own allocation). Most assets have
 * nothing to report, and nothing reads those members before the outputs are
 * written, so the check keeps them folded: serialised, compact, under
 * PG_FOLD_KEY at the place of the first folded member (about 0.4 KiB for an
 * address and 3 ports). Private to report/: pg_evidence_add_asset folds,
 * readers walk whole assets with pg_evidence_walk_next (evidence.h), and the
 * evidence writer streams each asset unfolded, so the file is byte for byte
 * what jansson would write for the unfolded report (docs/evidence.md,
 * "Memory"). */
#ifndef PG_FOLD_INT_H
#define PG_FOLD_INT_H

#include <jansson.h>
#include <stdbool.h>

#define PG_FOLD_KEY "_folded"

/* The asset with "resolution", "scan" and "additionalScans" folded: a new
 * object sharing every other value, in the same key order. Steals asset. */
json_t *pg_fold(json_t *asset);

/* The asset with its folded members restored in place: a new object sharing
 * the other values, or the asset itself (a new reference) when not folded.
 * errno is left as it was (writers unfold between a failed write and their
 * ferror check). */
json_t *pg_fold_full(const json_t *asset);

/* Has a fold (possibly with live reported members beside it). */
bool pg_fold_is_folded(const json_t *asset);

#endif
