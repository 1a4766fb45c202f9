/* serve_check.c - POST /v1-check: the manifest check of `portgate check` (all
 * assets the key may use, or a subset by name or owner) through core/run, with
 * the exit code and its meaning as fields of the evidence.
 *
 * Body (JSON, all optional): {"assets": [names], "owners": [owners],
 * "mode": "enforce"|"monitor", "skipCache": bool}. */
#include "config.h"
#include "serve_int.h"

#include <stdlib.h>
#include <string.h>

#include "notify/notify.h"
#include "run/check_run.h"
#include "util/exitcode.h"
#include "util/log.h"

struct check_job {
	json_t *body;                   /* owned request */
	const struct pg_asset **assets; /* borrowed from the manifest */
	size_t n;
	enum pg_mode mode;
	bool skip_cache;
};

/* The meaning of each exit code, as `portgate check` documents it. */
static const char *exit_meaning(int code)
{
	switch (code) {
	case PG_EXIT_PASS: return "pass";
	case PG_EXIT_POLICY: return "policy failed";
	case PG_EXIT_UNCHECKED: return "could not check";
	default: return "error";
	}
}

static bool str_in(const json_t *arr, const char *s)
{
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v) if (s && json_is_string(v) &&
					  !strcmp(json_string_value(v), s)) return true;
	return false;
}

static bool strings_only(const json_t *v)
{
	size_t i;
	json_t *e;

	if (!json_is_array(v) || !json_array_size(v))
		return false;
	json_array_foreach(v, i, e) if (!json_is_string(e)) return false;
	return true;
}

/* Checks the body's shape; false with a 400. */
static bool parse_body(struct pg_req *r, struct check_job *j)
{
	const char *k, *mode;
	json_error_t e;
	json_t *v;

	j->body = r->nupload ? json_loadb(r->upload, r->nupload, JSON_REJECT_DUPLICATES, &e)
			     : json_object();
	if (!j->body || !json_is_object(j->body)) {
		pg_req_error(r, 400, "body: expected a JSON object%s%s", j->body ? "" : ": ",
			     j->body ? "" : e.text);
		return false;
	}
	json_object_foreach(j->body, k, v)
	{
		bool ok = (!strcmp(k, "assets") || !strcmp(k, "owners")) ? strings_only(v)
			  : !strcmp(k, "skipCache")                      ? json_is_boolean(v)
			  : !strcmp(k, "mode")                           ? json_is_string(v)
									 : false;
		if (!ok) {
			pg_req_error(r, 400, "body: '%.40s' is unknown or of the wrong type", k);
			return false;
		}
	}
	mode = json_string_value(json_object_get(j->body, "mode"));
	if (mode && strcmp(mode, "enforce") && strcmp(mode, "monitor")) {
		pg_req_error(r, 400, "body: mode: expected enforce or monitor");
		return false;
	}
	j->mode = !mode                      ? PG_MODE_UNSET
		  : !strcmp(mode, "monitor") ? PG_MODE_MONITOR
					     : PG_MODE_ENFORCE;
	j->skip_cache = json_is_true(json_object_get(j->body, "skipCache"));
	return true;
}

/* Named assets must exist and be the key's; the rest is filtered. */
static bool select_assets(struct pg_req *r, struct check_job *j)
{
	const struct pg_manifest *m = r->s->m;
	const json_t *names = json_object_get(j->body, "assets");
	const json_t *owners = json_object_get(j->body, "owners");
	size_t i;
	json_t *v;

	json_array_foreach(names, i, v)
	{
		size_t a;
		for (a = 0; a < m->nassets && strcmp(m->assets[a].name, json_string_value(v)); a++)
			;
		if (a == m->nassets || !pg_key_allows(r->key, &m->assets[a])) {
			pg_req_reply(
				r, 403,
				json_pack("{s:s, s:s}", "error",
					  a == m->nassets
						  ? "asset is not in the manifest"
						  : "this API key is not authorised for the asset",
					  "asset", json_string_value(v)));
			return false;
		}
	}
	j->assets = pg_xcalloc(m->nassets, sizeof(*j->assets));
	for (size_t a = 0; a < m->nassets; a++) {
		const struct pg_asset *as = &m->assets[a];
		if (pg_key_allows(r->key, as) && (!names || str_in(names, as->name)) &&
		    (!owners || str_in(owners, pg_asset_owner(as))))
			j->assets[j->n++] = as;
	}
	if (!j->n)
		pg_req_error(r, 403, "no asset this API key may check matches the selection");
	return j->n > 0;
}

static void check_job_free(struct check_job *j)
{
	json_decref(j->body);
	free(j->assets);
	free(j);
}

/* What an admitted check took: its key slot, the job. */
static void check_done(struct pg_req *r)
{
	pg_limit_release(r->s->key_lim, r->key->name);
	check_job_free(r->job);
	r->job = NULL;
}

static void check_worker(struct pg_req *r)
{
	struct check_job *j = r->job;
	struct pg_check_input in = { r->s->opts->manifest_path,
				     r->s->m,
				     j->assets,
				     j->n,
				     j->mode,
				     j->skip_cache,
				     NULL,
				     NULL,
				     NULL,
				     0,
				     0,
				     false /* the reply is the report itself */ };
	char err[256];
	int code = 0;
	json_t *report;

	pthread_mutex_lock(&r->s->check_lock);
	report = pg_check_run(&in, r->s->cfg, r->s->host, &code, err, sizeof(err));
	if (report) {
		json_object_set_new(report, "exitCode", json_integer(code));
		json_object_set_new(report, "exitMeaning", json_string(exit_meaning(code)));
		pg_notify_report(r->s->host, report); /* its summary line says how many wait */
		pg_req_note(r, "check assets=%zu exit=%d", j->n, code);
		pg_req_reply(r, 200, report);
	} else {
		pg_req_error(r, 500, "check: %s", err);
	}
	pthread_mutex_unlock(&r->s->check_lock);
	check_done(r);
}

void pg_serve_check(struct pg_req *r)
{
	struct check_job *j;
	enum pg_limit_result lr;
	unsigned retry = 1;

	if (!pg_req_key_token(r))
		return;
	j = pg_xcalloc(1, sizeof(*j));
	if (!parse_body(r, j) || !select_assets(r, j)) {
		check_job_free(j);
		return;
	}
	if ((lr = pg_limit_take(r->s->key_lim, r->key->name, false, true, &retry)) != PG_LIMIT_OK) {
		pg_req_limited(r, lr, "this API key", retry);
		check_job_free(j);
		return;
	}
	r->job = j;
	pg_req_defer(r, check_worker, check_done);
}
