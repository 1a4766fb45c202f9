/* enrich_order.c - enrichers that build on each other: an instance's
 * `after: [dns, ip]` names enrichers whose results it reads. Each instance
 * gets a level (0: after nothing; else one more than the highest it is
 * after); the stage runs level by level, merging one level before it plans
 * the next, so an instance's input carries finding.enrichment.<name> of
 * every instance it is after. */
#include "config.h"
#include "enrich_int.h"

#include <string.h>

#include "plugin/plugin_instance.h"

enum mark { UNSEEN, ON_PATH, DONE };

static struct pg_enrich_inst *inst_data(const struct pg_plugin_host *h, size_t i)
{
	return pg_plugin_stage_data(pg_plugin_at(h, PG_PLUGIN_ENRICHER, i));
}

static bool index_of(const struct pg_plugin_host *h, const char *name, size_t *out)
{
	for (size_t i = 0; i < pg_plugin_count(h, PG_PLUGIN_ENRICHER); i++)
		if (!strcmp(pg_plugin_name(pg_plugin_at(h, PG_PLUGIN_ENRICHER, i)), name)) {
			*out = i;
			return true;
		}
	return false;
}

/* Every name is an enricher instance other than the one naming it. */
static bool names_known(const struct pg_plugin_host *h, size_t i, const char *file,
			struct pg_diag *diag)
{
	const struct pg_enrich_inst *d = inst_data(h, i);
	const char *self = pg_plugin_name(pg_plugin_at(h, PG_PLUGIN_ENRICHER, i));
	bool ok = true;
	size_t k;

	for (size_t a = 0; d && a < d->nafter; a++) {
		if (!strcmp(d->after[a], self) || !index_of(h, d->after[a], &k)) {
			pg_diag_add(diag, file, d->after_lines[a], "enrichers.%s.after: '%s' is %s",
				    self, d->after[a],
				    strcmp(d->after[a], self) ? "not an enricher instance"
							      : "the instance itself");
			ok = false;
		}
	}
	return ok;
}

/* Depth-first: level of instance i, or -1 when it closes a cycle (reported
 * once, at the after: line that closes it, with the path). The depth is
 * bounded by the number of instances: a path never repeats one. */
static int visit(const struct pg_plugin_host *h, size_t i, enum mark *mark, size_t *path,
		 size_t depth, const char *file, struct pg_diag *diag)
{
	struct pg_enrich_inst *d = inst_data(h, i);
	unsigned level = 0;
	size_t k;

	if (mark[i] == DONE)
		return d ? (int)d->level : 0;
	mark[i] = ON_PATH;
	path[depth] = i;
	for (size_t a = 0; d && a < d->nafter; a++) {
		int l;
		index_of(h, d->after[a], &k);
		if (mark[k] == ON_PATH) {
			char cyc[512] = "";
			size_t used = 0, from = 0;
			while (path[from] != k)
				from++;
			for (size_t p = from; p <= depth && used < sizeof(cyc); p++)
				used += (size_t)snprintf(cyc + used, sizeof(cyc) - used, "%s -> ",
							 pg_plugin_name(pg_plugin_at(
								 h, PG_PLUGIN_ENRICHER, path[p])));
			pg_diag_add(diag, file, d->after_lines[a],
				    "enrichers.%s.after: a cycle: %s%s",
				    pg_plugin_name(pg_plugin_at(h, PG_PLUGIN_ENRICHER, i)), cyc,
				    d->after[a]);
			return -1;
		}
		if ((l = visit(h, k, mark, path, depth + 1, file, diag)) < 0)
			return -1;
		if ((unsigned)l + 1 > level)
			level = (unsigned)l + 1;
	}
	mark[i] = DONE;
	if (d)
		d->level = level;
	return (int)level;
}

bool pg_enrich_order(const struct pg_plugin_host *h, const char *file, struct pg_diag *diag)
{
	size_t n = pg_plugin_count(h, PG_PLUGIN_ENRICHER);
	enum mark *mark = pg_xcalloc(n + 1, sizeof(*mark));
	size_t *path = pg_xcalloc(n + 1, sizeof(*path));
	bool ok = true;

	for (size_t i = 0; i < n; i++)
		ok = names_known(h, i, file, diag) && ok;
	for (size_t i = 0; ok && i < n; i++)
		ok = visit(h, i, mark, path, 0, file, diag) >= 0;
	free(mark);
	free(path);
	return ok;
}

unsigned pg_enrich_level(const struct pg_plugin_ctx *c)
{
	const struct pg_enrich_inst *d = pg_plugin_stage_data(c);

	return d ? d->level : 0;
}

unsigned pg_enrich_max_level(const struct pg_plugin_host *h)
{
	unsigned max = 0;

	for (size_t i = 0; i < pg_plugin_count(h, PG_PLUGIN_ENRICHER); i++)
		if (pg_enrich_level(pg_plugin_at(h, PG_PLUGIN_ENRICHER, i)) > max)
			max = pg_enrich_level(pg_plugin_at(h, PG_PLUGIN_ENRICHER, i));
	return max;
}
