/* judged.c - per-asset judges and the run's summary of them (see judged.h). */
#include "config.h"
#include "judged.h"

#include <string.h>

#include "util/log.h"

/* Enough to name the failing assets of an outage; the count says the rest. */
#define FAILURES_MAX 20

const char *pg_judge_of(const json_t *finding)
{
	const char *src = json_string_value(json_object_get(finding, "source"));

	if (src && !strcmp(src, "drift"))
		return NULL;
	return src ? src : PG_JUDGE_CORE;
}

const char *pg_judge_missing(const json_t *asset, const char *judge)
{
	const char *v;

	if (!strcmp(judge, PG_JUDGE_CORE))
		return json_is_true(json_object_get(asset, "couldNotCheck"))
			       ? "could not check the asset"
			       : NULL;
	v = json_string_value(json_object_get(json_object_get(asset, "judged"), judge));
	if (!v)
		return "did not run on the asset";
	return strcmp(v, "ok") ? v : NULL;
}

static void count(json_t *judges, const char *judge, const char *asset, const char *why)
{
	json_t *j = json_object_get(judges, judge), *fl;

	if (!j) {
		j = json_pack("{s:i, s:i, s:{}}", "ok", 0, "failed", 0, "failures");
		json_object_set_new(judges, judge, j);
	}
	if (!why) {
		json_object_set_new(j, "ok",
				    json_integer(json_integer_value(json_object_get(j, "ok")) + 1));
		return;
	}
	json_object_set_new(j, "failed",
			    json_integer(json_integer_value(json_object_get(j, "failed")) + 1));
	fl = json_object_get(j, "failures");
	if (asset && json_object_size(fl) < FAILURES_MAX)
		json_object_set_new(fl, asset, json_string(why));
}

static void warn_failed(const json_t *judges)
{
	const char *judge;
	json_t *j;

	json_object_foreach((json_t *)judges, judge, j)
	{
		json_int_t failed = json_integer_value(json_object_get(j, "failed"));
		json_int_t all = failed + json_integer_value(json_object_get(j, "ok"));
		void *first = json_object_iter(json_object_get(j, "failures"));
		const char *asset = first ? json_object_iter_key(first) : NULL;
		const json_t *why = first ? json_object_iter_value(first) : NULL;
		if (!failed || !strcmp(judge, PG_JUDGE_CORE)) /* the core says couldNotCheck */
			continue;
		pg_warn("%s could not judge %lld of %lld asset%s (%s: %s): its findings there are "
			"not re-checked",
			judge, (long long)failed, (long long)all, all == 1 ? "" : "s",
			asset ? asset : "?", json_string_value(why) ? json_string_value(why) : "?");
	}
}

void pg_judges_summarise(json_t *report)
{
	json_t *judges = json_object(), *a, *v;
	const char *judge;
	size_t i;

	json_array_foreach(json_object_get(report, "assets"), i, a)
	{
		const char *name = json_string_value(json_object_get(a, "name"));
		count(judges, PG_JUDGE_CORE, name, pg_judge_missing(a, PG_JUDGE_CORE));
		json_object_foreach(json_object_get(a, "judged"), judge, v)
			count(judges, judge, name, pg_judge_missing(a, judge));
	}
	warn_failed(judges);
	json_object_set_new(json_object_get(report, "run"), "judges", judges);
}
