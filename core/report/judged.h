/* judged.h - which judge re-checked what on each asset this run.
 *
 * A finding's judge is what produces it: the core's resolve/scan/probe checks
 * ("core") or an enricher instance (the finding's "source"). A judge that did
 * not run on an asset, or failed there, has not re-checked that asset's
 * findings: their absence this run is no evidence that they are fixed
 * (docs/evidence.md, "Not re-checked"). */
#ifndef PG_JUDGED_H
#define PG_JUDGED_H

#include <jansson.h>

#define PG_JUDGE_CORE "core"

/* The finding's judge: its source, "core" when it names none; NULL for a
 * drift finding (drift compares states; it is never carried). */
const char *pg_judge_of(const json_t *finding);

/* NULL when judge ran on the asset this run and succeeded; else why not
 * (borrowed from the asset, or a static string). */
const char *pg_judge_missing(const json_t *asset, const char *judge);

/* run.judges: per judge the assets it judged ("ok") and failed on ("failed",
 * "failures": asset -> why, the first few), and a warning per enricher that
 * failed on an asset. Reads assets[].judged (set by the enrichment) and
 * assets[].couldNotCheck (the core). */
void pg_judges_summarise(json_t *report);

#endif
