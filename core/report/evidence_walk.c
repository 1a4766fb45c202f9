/* evidence_walk.c - a report's assets in memory: added (folded when the run asks
 * for compact assets) and walked whole, one at a time. The fold stays behind
 * these two doors (fold_int.h); no stage outside report/ sees it. */
#include "config.h"
#include "evidence.h"

#include <errno.h>

#include "fold_int.h"

void pg_evidence_add_asset(json_t *report, json_t *asset, bool compact)
{
	json_array_append_new(json_object_get(report, "assets"), compact ? pg_fold(asset) : asset);
}

json_t *pg_evidence_walk_next(struct pg_evidence_walk *w)
{
	pg_evidence_walk_end(w);
	if (w->i < json_array_size(w->assets))
		w->cur = pg_fold_full(json_array_get(w->assets, w->i++));
	return w->cur;
}

void pg_evidence_walk_end(struct pg_evidence_walk *w)
{
	int saved = errno; /* writers read errno after a walk step */

	json_decref(w->cur);
	w->cur = NULL;
	errno = saved;
}
