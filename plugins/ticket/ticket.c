/* ticket.c - notifier: one ticket per finding fingerprint in GitHub Issues,
 * Jira (Cloud v3 / Server v2) or ServiceNow.
 *
 * For each finding: search for an open ticket carrying the fingerprint (label
 * portgate-<fp>, or correlation_id), comment when found (the finding recurs),
 * create only when none is open. With closeResolved, a finding that had a
 * ticket and is gone in a later run of the same scope (the manifest) gets a
 * comment and its ticket closed. The per-instance cache remembers which run
 * handled which fingerprint, so a retried event neither comments twice nor
 * creates twice. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/json_get.h"
#include "ticket.h"

#define CACHE_AGE_S (3600u * 24 * 366)

/* In the order of enum ticket_system. */
static const char *const systems[] = { "github", "jira", "jira-server", "servicenow", NULL };
static const char *const assign_as[] = { "component", "assignee", NULL };
static const char *const groups[] = { "finding", "asset-rule", NULL };

/* The host checks types, values and ranges (ABI 1.3) before create. */
static const struct pg_option_spec ticket_options[] = {
	PG_OPTION_ENUM(
		"system", NULL, 1,
		"github, jira (Cloud, REST v3), jira-server (Server/DC, REST v2) or servicenow",
		systems),
	PG_OPTION("url", PG_OPT_URL, NULL, 1,
		  "API base URL, e.g. https://api.github.com, https://org.atlassian.net"),
	PG_OPTION("repo", PG_OPT_STRING, NULL, 0, "github: owner/name"),
	PG_OPTION("project", PG_OPT_STRING, NULL, 0, "jira: project key"),
	PG_OPTION("issueType", PG_OPT_STRING, "Bug", 0, "jira: issue type name"),
	PG_OPTION("userEnv", PG_OPT_SECRET_ENV, NULL, 0,
		  "jira/servicenow: variable holding the user (Jira Cloud: the account e-mail)"),
	PG_OPTION("tokenEnv", PG_OPT_SECRET_ENV, NULL, 1,
		  "variable holding the API token (GitHub, Jira) or password (ServiceNow)"),
	PG_OPTION("owners", PG_OPT_STRING, NULL, 0,
		  "asset owner -> assignee (github), component (jira) or assignment group "
		  "(servicenow): "
		  "\"payments=pay-team, web=web-team\""),
	PG_OPTION_ENUM("assignAs", "component", 0,
		       "jira: what owners maps to, component or assignee "
		       "(Cloud: accountId, Server: user name)",
		       assign_as),
	PG_OPTION("labels", PG_OPT_STRING, NULL, 0, "extra labels (github/jira), comma separated"),
	PG_OPTION_ENUM("group", "finding", 0,
		       "one ticket per finding, or per asset-rule "
		       "(an asset's findings of one rule family)",
		       groups),
	PG_OPTION("commentRecurrence", PG_OPT_BOOL, "true", 0,
		  "comment on the open ticket when its findings recur changed"),
	PG_OPTION_RANGE(
		"commentEvery", PG_OPT_DURATION, NULL, 0,
		"also comment on an unchanged recurrence once this long after the last comment: "
		"0, 30m, 24h, 7d (unset: only on a change)",
		0, 3650LL * 86400 * 1000),
	PG_OPTION("closeResolved", PG_OPT_BOOL, "false", 0,
		  "comment and close a ticket whose finding is gone in a later run of the same "
		  "manifest"),
	PG_OPTION("closeCode", PG_OPT_STRING, "Solved (Permanently)", 0,
		  "servicenow: close_code when resolving"),
	PG_OPTION_END,
};

/* "a=b, c=d" -> {"a": "b", "c": "d"}; NULL on a malformed item. */
static json_t *parse_owners(const char *spec)
{
	json_t *m = json_object();
	const char *p = spec;

	while (p && *p) {
		const char *e = strchr(p, ','), *eq;
		size_t n = e ? (size_t)(e - p) : strlen(p);
		char item[256], *k, *v, *end;

		while (n && (*p == ' ' || *p == '\t')) {
			p++;
			n--;
		}
		if (n >= sizeof(item))
			goto bad;
		memcpy(item, p, n);
		item[n] = '\0';
		eq = strchr(item, '=');
		if (n && !eq)
			goto bad;
		if (n) {
			k = item;
			v = (char *)eq + 1;
			*(char *)eq = '\0';
			for (end = k + strlen(k); end > k && end[-1] == ' '; end--)
				end[-1] = '\0';
			while (*v == ' ')
				v++;
			for (end = v + strlen(v); end > v && end[-1] == ' '; end--)
				end[-1] = '\0';
			if (!*k || !*v)
				goto bad;
			json_object_set_new(m, k, json_string(v));
		}
		p = e ? e + 1 : NULL;
	}
	return m;
bad:
	json_decref(m);
	return NULL;
}

static void ticket_destroy(void *state)
{
	struct ticket *t = state;

	if (!t)
		return;
	if (t->auth) {
		memset(t->auth, 0, strlen(t->auth));
		free(t->auth);
	}
	free(t->base);
	json_decref(t->owners);
	free(t);
}

static int setup_auth(struct ticket *t)
{
	const char *user = t->host->secret(t->ctx, "userEnv");
	const char *token = t->host->secret(t->ctx, "tokenEnv");
	size_t n;

	if (!token || !*token || strpbrk(token, "\r\n")) {
		t->host->error(t->ctx, "tokenEnv must name a set variable holding the token");
		return -1;
	}
	if (t->sys == TS_GITHUB || (t->sys == TS_JIRA_SERVER && !user)) {
		/* GitHub; Jira Server/DC personal access tokens are bearer tokens too */
		n = strlen("Authorization: Bearer ") + strlen(token) + 1;
		t->auth = malloc(n);
		if (t->auth)
			snprintf(t->auth, n, "Authorization: Bearer %s", token);
	} else {
		if (!user || !*user || strchr(user, ':')) {
			t->host->error(t->ctx, "userEnv must name a set variable holding the user");
			return -1;
		}
		t->auth = ticket_basic_auth_new(user, token);
	}
	return t->auth ? 0 : -1;
}

/* owner/name as GitHub spells them: letters, digits, '-', '_', '.', neither
 * part "." or "..". The repo goes into every path: a '#', a '?' or a dot
 * segment (curl squashes those) would send the requests elsewhere. */
static int repo_ok(const char *repo)
{
	static const char ok[] =
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.";
	size_t o = repo ? strspn(repo, ok) : 0, n;

	if (!o || repo[o] != '/' || !strncmp(repo, ".", o) || !strncmp(repo, "..", o))
		return 0;
	n = strspn(repo + o + 1, ok);
	return n && !repo[o + 1 + n] && strcmp(repo + o + 1, ".") && strcmp(repo + o + 1, "..");
}

static int check_target(struct ticket *t)
{
	if (t->sys == TS_GITHUB && !repo_ok(t->repo)) {
		t->host->error(t->ctx, "system github needs repo: owner/name");
		return -1;
	}
	if ((t->sys == TS_JIRA || t->sys == TS_JIRA_SERVER) &&
	    (!t->project || !*t->project || strpbrk(t->project, "\"\\ "))) {
		t->host->error(t->ctx, "system %s needs project: KEY",
			       t->sys == TS_JIRA ? "jira" : "jira-server");
		return -1;
	}
	return 0;
}

static int ticket_create_instance(struct pg_plugin_ctx *ctx, const struct pg_host_api *host,
				  void **state)
{
	struct ticket *t = calloc(1, sizeof(*t));
	const char *url = host->opt_string(ctx, "url");
	int sys = pg_option_choice(systems, host->opt_string(ctx, "system"));
	size_t n;

	if (!t)
		return PG_PLUGIN_FAIL;
	t->ctx = ctx;
	t->host = host;
	t->sys = (enum ticket_system)sys; /* the host checked it against the table */
	n = strlen(url);
	while (n > 0 && url[n - 1] == '/')
		n--;
	t->base = malloc(n + 1);
	if (!t->base)
		goto fail;
	memcpy(t->base, url, n);
	t->base[n] = '\0';
	t->repo = host->opt_string(ctx, "repo");
	t->project = host->opt_string(ctx, "project");
	t->issue_type = host->opt_string(ctx, "issueType");
	t->extra_labels = host->opt_string(ctx, "labels");
	t->close_code = host->opt_string(ctx, "closeCode");
	t->assign_as_assignee = pg_option_choice(assign_as, host->opt_string(ctx, "assignAs")) == 1;
	t->close_resolved = host->opt_bool(ctx, "closeResolved");
	t->comment_recurrence = host->opt_bool(ctx, "commentRecurrence");
	t->group_asset_rule = pg_option_choice(groups, host->opt_string(ctx, "group")) == 1;
	/* unset: comment only on a change */
	t->comment_every_s = host->opt_string(ctx, "commentEvery")
				     ? (long)(host->opt_int(ctx, "commentEvery") / 1000)
				     : -1;
	t->owners = parse_owners(host->opt_string(ctx, "owners"));
	if (!t->owners) {
		host->error(ctx, "owners: expected \"owner=assignee, owner2=assignee2\"");
		goto fail;
	}
	if (check_target(t) != 0 || setup_auth(t) != 0)
		goto fail;
	*state = t;
	return PG_PLUGIN_OK;
fail:
	ticket_destroy(t);
	return PG_PLUGIN_FAIL;
}

/* ---- what a ticket covers ------------------------------------------------------ */

/* One ticket's worth of this run: a finding, or (group asset-rule) the
 * findings of one asset and rule family. */
struct item {
	char key[65];       /* the finding's fingerprint, or the group's key (hex) */
	json_t *findings;   /* owned: the findings it covers */
	const json_t *lead; /* the worst of them: the ticket's body and urgency */
	char state[65];     /* what a recurrence comment compares (item_state) */
};

static const char *run_id(const json_t *event)
{
	const char *s = json_string_value(json_object_get(json_object_get(event, "run"), "id"));
	return s ? s : "?";
}

static int worse(int a, int b)
{
	return a == PG_PLUGIN_RETRY || b == PG_PLUGIN_RETRY ? PG_PLUGIN_RETRY : a > b ? a : b;
}

static int rank(const char *v, const char *const *order, int n)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(v, order[i]))
			return i;
	return -1;
}

/* 1 when a outranks b: action first (fail, warn, pass), then severity. */
static int outranks(const json_t *a, const json_t *b)
{
	static const char *const act[] = { "pass", "warn", "fail" };
	static const char *const sev[] = { "info", "low", "medium", "high", "critical" };
	int x = rank(pg_json_get_str_or(a, "action", ""), act, 3),
	    y = rank(pg_json_get_str_or(b, "action", ""), act, 3);

	if (x != y)
		return x > y;
	return rank(pg_json_get_str_or(a, "severity", ""), sev, 5) >
	       rank(pg_json_get_str_or(b, "severity", ""), sev, 5);
}

/* The rule family: the rule id up to its first '-' (port, tls, headers, domain). */
static void family_of(const char *rule, char *out, size_t n)
{
	size_t k = strcspn(rule, "-");

	snprintf(out, n, "%.*s", (int)(k < n ? k : n - 1), rule);
}

/* The group's key, hex like a fingerprint, from asset and rule family: a
 * newline can be in neither, so "a\nb" names one pair. */
static void group_key(const struct ticket *t, const json_t *f, char out[65])
{
	char fam[64], *data;
	size_t n;

	family_of(pg_json_get_str_or(f, "rule", ""), fam, sizeof(fam));
	n = strlen(pg_json_get_str_or(f, "asset", "")) + 1 + strlen(fam);
	data = malloc(n + 1);
	if (!data) {
		snprintf(out, 65, "%s", pg_json_get_str_or(f, "fingerprint", ""));
		return;
	}
	snprintf(data, n + 1, "%s\n%s", pg_json_get_str_or(f, "asset", ""), fam);
	t->host->hmac_sha256_hex("group", 5, data, n, out);
	out[32] = '\0';
	free(data);
}

/* A hash of fingerprint, action and severity of each finding (keys sorted):
 * a recurrence comment says something only when this changed. */
static void item_state(const struct ticket *t, struct item *it)
{
	json_t *m = json_object(), *f;
	char *text;
	size_t i;

	json_array_foreach(it->findings, i, f)
	{
		json_object_set_new(m, pg_json_get_str_or(f, "fingerprint", ""),
				    json_sprintf("%s %s", pg_json_get_str_or(f, "action", ""),
						 pg_json_get_str_or(f, "severity", "")));
	}
	text = json_dumps(m, JSON_COMPACT | JSON_SORT_KEYS);
	t->host->hmac_sha256_hex("state", 5, text ? text : "", text ? strlen(text) : 0, it->state);
	free(text);
	json_decref(m);
}

static void items_free(struct item *items, size_t n)
{
	for (size_t i = 0; i < n; i++)
		json_decref(items[i].findings);
	free(items);
}

/* The event's findings as items, in the order they first appear. */
static struct item *items_new(const struct ticket *t, const json_t *findings, size_t *n)
{
	struct item *items = calloc(json_array_size(findings) + 1, sizeof(*items));
	const json_t *f;
	size_t i, k;

	*n = 0;
	if (!items)
		return NULL;
	json_array_foreach(findings, i, f)
	{
		char key[65];
		if (t->group_asset_rule)
			group_key(t, f, key);
		else
			snprintf(key, sizeof(key), "%s", pg_json_get_str_or(f, "fingerprint", ""));
		for (k = 0; k < *n && strcmp(items[k].key, key); k++)
			;
		if (k == *n) {
			snprintf(items[k].key, sizeof(items[k].key), "%s", key);
			items[k].findings = json_array();
			items[k].lead = f;
			(*n)++;
		}
		json_array_append(items[k].findings, (json_t *)f);
		if (outranks(f, items[k].lead))
			items[k].lead = f;
	}
	for (k = 0; k < *n; k++)
		item_state(t, &items[k]);
	return items;
}

/* ---- one ticket ----------------------------------------------------------------- */

static char *fmt_title(const char *act, const char *asset, size_t n, const char *fam)
{
	size_t len = strlen(act) + strlen(asset) + strlen(fam) + 64;
	char *out = malloc(len);

	if (out)
		snprintf(out, len, "[%s] %s: %zu %s finding%s", act, asset, n, fam,
			 n == 1 ? "" : "s");
	return out;
}

/* grouped: "[FAIL] login: 3 headers findings", and a line per finding. */
static char *group_title_new(const struct item *it)
{
	char fam[64], act[8];
	size_t n = json_array_size(it->findings);

	family_of(pg_json_get_str_or(it->lead, "rule", ""), fam, sizeof(fam));
	snprintf(act, sizeof(act), "%s", pg_json_get_str_or(it->lead, "action", ""));
	for (char *p = act; *p; p++)
		*p = (char)(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
	return fmt_title(act, pg_json_get_str_or(it->lead, "asset", ""), n, fam);
}

/* Comment on an open ticket: when its findings changed, or (commentEvery)
 * when the last comment is that old. */
static int comment_due(const struct ticket *t, const struct item *it, const json_t *seen,
		       long long now)
{
	const char *was = json_string_value(json_object_get(seen, "state"));
	long long at = (long long)json_integer_value(json_object_get(seen, "at"));

	if (!t->comment_recurrence)
		return 0;
	if (!was || strcmp(was, it->state))
		return 1;
	return t->comment_every_s >= 0 && now - at >= t->comment_every_s;
}

static int recur(struct ticket *t, const json_t *event, const struct item *it, const json_t *seen,
		 struct ticket_ref *ref, long *retry_after)
{
	const char *was = json_string_value(json_object_get(seen, "state"));
	char intro[200],
		*lines = t->group_asset_rule ? ticket_group_lines_new(it->findings, t->sys) : NULL,
		*text, *full = NULL;
	int rc;

	snprintf(intro, sizeof(intro), "portgate run %s %s", run_id(event),
		 was && strcmp(was, it->state) ? "finds this changed:" : "found this again.");
	if (lines) {
		size_t n = strlen(intro) + strlen(lines) + 3;
		if ((full = malloc(n)))
			snprintf(full, n, "%s\n\n%s", intro, lines);
	}
	text = ticket_text_new(it->lead, full ? full : intro, t->sys);
	rc = ticket_comment(t, ref, text ? text : intro, retry_after);
	free(text);
	free(full);
	free(lines);
	return rc;
}

static int open_item(struct ticket *t, const struct item *it, struct ticket_ref *ref,
		     long *retry_after)
{
	char *title = t->group_asset_rule ? group_title_new(it) : NULL;
	char *lines = t->group_asset_rule ? ticket_group_lines_new(it->findings, t->sys) : NULL;
	int rc = ticket_create(t, it->lead, it->key, title, lines, ref, retry_after);

	if (rc == PG_PLUGIN_OK)
		t->host->log(t->ctx, PG_PLOG_INFO, "opened %s for %s", ref->id, it->key);
	free(title);
	free(lines);
	return rc;
}

/* Returns the rc; on OK ref names the item's ticket. Its key is valid hex
 * (fingerprints_valid refused the event otherwise; a group key is a hash). */
static int handle_item(struct ticket *t, const json_t *event, const struct item *it,
		       struct ticket_ref *ref, long *retry_after)
{
	char key[96];
	const char *prev_run, *prev_ticket;
	json_t *seen;
	long long now = (long long)time(NULL), at;
	int found = 0, rc = PG_PLUGIN_OK;

	snprintf(key, sizeof(key), "fp-%s", it->key);
	seen = t->host->cache_get(t->ctx, key, CACHE_AGE_S);
	prev_run = json_string_value(json_object_get(seen, "run"));
	prev_ticket = json_string_value(json_object_get(seen, "ticket"));
	at = (long long)json_integer_value(json_object_get(seen, "at"));
	if (prev_run && prev_ticket && !strcmp(prev_run, run_id(event))) {
		snprintf(ref->id, sizeof(ref->id), "%s", prev_ticket);
		json_decref(seen); /* this run already handled it (a retried event) */
		return PG_PLUGIN_OK;
	}
	rc = ticket_search(t, it->key, ref, &found, retry_after);
	if (rc == PG_PLUGIN_OK && !found) {
		rc = open_item(t, it, ref, retry_after);
		at = now;
	} else if (rc == PG_PLUGIN_OK && comment_due(t, it, seen, now)) {
		rc = recur(t, event, it, seen, ref, retry_after);
		at = now;
	}
	if (rc == PG_PLUGIN_OK) {
		json_t *v = json_pack("{s:s, s:s, s:s, s:I}", "run", run_id(event), "ticket",
				      ref->id, "state", it->state, "at", (json_int_t)at);
		t->host->cache_put(t->ctx, key, v);
		json_decref(v);
	}
	json_decref(seen);
	return rc;
}

/* What the scope remembers of an item's ticket, to decide later whether its
 * absence means the exposure is gone: asset, judges and fingerprints. */
static json_t *memo_of(const struct item *it, const struct ticket_ref *ref)
{
	json_t *judges = json_array(), *fps = json_array(), *f;
	size_t i;

	json_array_foreach(it->findings, i, f)
	{
		const char *src = json_string_value(json_object_get(f, "source"));
		json_t *j = json_string(src ? src : "core");
		size_t k;
		json_t *x;
		int dup = 0;
		json_array_foreach(judges, k, x) dup |= json_equal(x, j);
		if (dup)
			json_decref(j);
		else
			json_array_append_new(judges, j);
		json_array_append(fps, json_object_get(f, "fingerprint"));
	}
	return json_pack("{s:s, s:s, s:o, s:o}", "ticket", ref->id, "asset",
			 pg_json_get_str_or(it->lead, "asset", ""), "judges", judges, "fps", fps);
}

/* ---- resolved findings ------------------------------------------------------------ */

static void scope_key(const struct ticket *t, const json_t *findings, char out[80])
{
	const json_t *ctx = json_object_get(json_array_get(findings, 0), "assetContext");
	const char *m = json_string_value(json_object_get(ctx, "manifest"));
	char hex[65];

	m = m ? m : "-";
	t->host->hmac_sha256_hex("scope", 5, m, strlen(m), hex);
	snprintf(out, 80, "scope-%.32s", hex);
}

/* The entry of list (an array of objects) whose fingerprint is one of fps. */
static const json_t *listed(const json_t *list, const json_t *fps)
{
	const json_t *e, *fp;
	size_t i, k;

	json_array_foreach(list, i, e)
	{
		json_array_foreach(fps, k, fp)
		{
			if (json_equal(json_object_get(e, "fingerprint"), fp))
				return e;
		}
	}
	return NULL;
}

/* Why judge did not re-check asset this run (into buf), or NULL when it did. */
static const char *judge_why(const json_t *run, const char *judge, const char *asset, char *buf,
			     size_t n)
{
	const json_t *j = json_object_get(json_object_get(run, "judges"), judge), *fails, *why;

	if (!strcmp(judge, "drift")) /* it judges whenever there is a baseline */
		return json_object_get(run, "drift") ? NULL : "no baseline this run";
	if (!j) {
		snprintf(buf, n, "%s did not run this run", judge);
		return buf;
	}
	fails = json_object_get(j, "failures");
	if ((why = json_object_get(fails, asset))) {
		snprintf(buf, n, "%s could not re-check %s: %s", judge, asset,
			 json_string_value(why) ? json_string_value(why) : "?");
		return buf;
	}
	if (json_integer_value(json_object_get(j, "failed")) >
	    (json_int_t)json_object_size(fails)) {
		snprintf(buf, n, "%s failed on assets not listed", judge); /* the list is capped */
		return buf;
	}
	return NULL;
}

/* Why a ticket whose findings this run lacks stays open, or NULL to close it:
 * a finding the core carried as not re-checked, a port-newly-open whose port is
 * still open, a judge that did not run on the asset or failed there. A run
 * without run.judges (a report of an older portgate) only has the first two. */
static const char *kept_why(const json_t *event, const json_t *memo, char *buf, size_t n)
{
	const json_t *run = json_object_get(event, "run"), *fps = json_object_get(memo, "fps"), *e;
	const char *why;
	size_t i;

	if (listed(json_object_get(run, "notRechecked"), fps))
		return "not re-checked this run";
	if ((e = listed(json_object_get(json_object_get(run, "drift"), "persisting"), fps))) {
		snprintf(buf, n, "%s", pg_json_get_str_or(e, "reason", ""));
		return buf;
	}
	if (!json_object_get(run, "judges"))
		return NULL;
	json_array_foreach(json_object_get(memo, "judges"), i, e)
	{
		if (json_is_string(e) &&
		    (why = judge_why(run, json_string_value(e),
				     pg_json_get_str_or(memo, "asset", ""), buf, n)))
			return why;
	}
	return NULL;
}

/* Close the tickets the scope had and this run lacks, unless kept_why; store the new set. */
static int close_resolved(struct ticket *t, const json_t *event, const json_t *findings,
			  json_t *now, long *retry_after)
{
	char key[80], text[256], why[300];
	json_t *before, *v;
	const char *fp, *keep;
	int rc = PG_PLUGIN_OK;

	scope_key(t, findings, key);
	before = t->host->cache_get(t->ctx, key, CACHE_AGE_S);
	snprintf(text, sizeof(text), "portgate run %s no longer finds this: closing.",
		 run_id(event));
	json_object_foreach(before, fp, v)
	{
		struct ticket_ref ref;
		const char *id = json_is_string(v) ? json_string_value(v)
						   : pg_json_get_str_or(v, "ticket", "");
		int r;
		if (json_object_get(now, fp) || !*id)
			continue;
		if ((keep = kept_why(event, v, why, sizeof(why)))) {
			t->host->log(t->ctx, PG_PLOG_INFO, "kept %s open: %s", id, keep);
			json_object_set(now, fp, v);
			continue;
		}
		snprintf(ref.id, sizeof(ref.id), "%s", id);
		r = ticket_close(t, &ref, text, retry_after);
		if (r == PG_PLUGIN_OK)
			t->host->log(t->ctx, PG_PLOG_INFO, "closed %s (%s is gone)", ref.id, fp);
		else /* keep it: the next run tries again */
			json_object_set(now, fp, v);
		rc = worse(rc, r);
	}
	json_decref(before);
	t->host->cache_put(t->ctx, key, now);
	return rc;
}

/* Refuse the whole event before any request when a fingerprint is not what
 * portgate makes: a search with it could match, comment on or close the
 * tickets of other findings. Which one is said, not its bytes. */
static int fingerprints_valid(const struct ticket *t, const json_t *findings)
{
	size_t i;
	json_t *f;

	json_array_foreach(findings, i, f)
	{
		if (!ticket_fp_valid(json_string_value(json_object_get(f, "fingerprint")))) {
			t->host->error(t->ctx,
				       "finding %zu of %zu: fingerprint must be 1 to 64 lowercase "
				       "hex digits; nothing of this event was sent",
				       i + 1, json_array_size(findings));
			return 0;
		}
	}
	return 1;
}

static int ticket_notify(void *state, const json_t *event, const char *key, long *retry_after_ms)
{
	struct ticket *t = state;
	json_t *one = json_object_get(event, "finding");
	json_t *findings = json_is_object(one) ? json_pack("[O]", one)
					       : json_incref(json_object_get(event, "findings"));
	json_t *now;
	struct item *items;
	size_t n;
	int rc = PG_PLUGIN_OK;

	(void)key; /* dedup is by fingerprint, across runs */
	if (!fingerprints_valid(t, findings)) {
		json_decref(findings);
		return PG_PLUGIN_FAIL;
	}
	if (!(items = items_new(t, findings, &n))) {
		json_decref(findings);
		return PG_PLUGIN_RETRY;
	}
	now = json_object();
	for (size_t i = 0; i < n; i++) {
		struct ticket_ref ref = { "" };
		int r = handle_item(t, event, &items[i], &ref, retry_after_ms);
		if (r == PG_PLUGIN_OK)
			json_object_set_new(now, items[i].key, memo_of(&items[i], &ref));
		rc = worse(rc, r);
		if (r == PG_PLUGIN_RETRY)
			break; /* the receiver is struggling: the retry picks up from the cache */
	}
	if (t->close_resolved && rc == PG_PLUGIN_OK)
		rc = close_resolved(t, event, findings, now, retry_after_ms);
	items_free(items, n);
	json_decref(now);
	json_decref(findings);
	return rc;
}

static struct pg_plugin ticket_plugin = {
	.kind = PG_PLUGIN_NOTIFIER,
	.name = "ticket",
	.version = "1.0.0",
	.description = "one ticket per finding fingerprint in GitHub Issues, Jira or ServiceNow",
	.option_table = ticket_options,
	.thread_model = PG_THREAD_SERIALIZE, /* search-then-create must not race itself */
	.timeout_ms = 120000,
	.create = ticket_create_instance,
	.destroy = ticket_destroy,
	.notify = ticket_notify,
	.notify_mode = PG_NOTIFY_PER_REPORT,
};

PORTGATE_PLUGIN(ticket_plugin)
