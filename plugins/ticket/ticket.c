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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ticket.h"

#define CACHE_AGE_S (3600u * 24 * 366)

static const struct pg_plugin_option ticket_options[] = {
	{ "system", PG_OPT_STRING, NULL, 1,
	  "github, jira (Cloud, REST v3), jira-server (Server/DC, REST v2) or servicenow" },
	{ "url", PG_OPT_STRING, NULL, 1,
	  "API base URL, e.g. https://api.github.com, https://org.atlassian.net" },
	{ "repo", PG_OPT_STRING, NULL, 0, "github: owner/name" },
	{ "project", PG_OPT_STRING, NULL, 0, "jira: project key" },
	{ "issueType", PG_OPT_STRING, "Bug", 0, "jira: issue type name" },
	{ "userEnv", PG_OPT_SECRET_ENV, NULL, 0,
	  "jira/servicenow: variable holding the user (Jira Cloud: the account e-mail)" },
	{ "tokenEnv", PG_OPT_SECRET_ENV, NULL, 0,
	  "variable holding the API token (GitHub, Jira) or password (ServiceNow)" },
	{ "owners", PG_OPT_STRING, NULL, 0,
	  "asset owner -> assignee (github), component (jira) or assignment group (servicenow): "
	  "\"payments=pay-team, web=web-team\"" },
	{ "assignAs", PG_OPT_STRING, "component", 0,
	  "jira: what owners maps to, component or assignee "
	  "(Cloud: accountId, Server: user name)" },
	{ "labels", PG_OPT_STRING, NULL, 0, "extra labels (github/jira), comma separated" },
	{ "commentRecurrence", PG_OPT_BOOL, "true", 0,
	  "comment on the open ticket when its finding recurs" },
	{ "closeResolved", PG_OPT_BOOL, "false", 0,
	  "comment and close a ticket whose finding is gone in a later run of the same manifest" },
	{ "closeCode", PG_OPT_STRING, "Solved (Permanently)", 0,
	  "servicenow: close_code when resolving" },
	{ NULL, 0, NULL, 0, NULL },
};

static int parse_system(const char *s)
{
	static const char *const n[] = { "github", "jira", "jira-server", "servicenow" };

	for (int i = 0; i < 4; i++)
		if (s && !strcmp(s, n[i]))
			return i;
	return -1;
}

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
	int sys = parse_system(host->opt_string(ctx, "system"));
	size_t n;

	if (!t)
		return PG_PLUGIN_FAIL;
	t->ctx = ctx;
	t->host = host;
	if (sys < 0 || !url || (strncmp(url, "https://", 8) && strncmp(url, "http://", 7))) {
		host->error(ctx, sys < 0 ? "system must be github, jira, jira-server or servicenow"
					 : "url must start with https:// or http://");
		goto fail;
	}
	t->sys = (enum ticket_system)sys;
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
	t->assign_as_assignee = !strcmp(host->opt_string(ctx, "assignAs"), "assignee");
	if (!t->assign_as_assignee && strcmp(host->opt_string(ctx, "assignAs"), "component")) {
		host->error(ctx, "assignAs must be component or assignee");
		goto fail;
	}
	t->close_resolved = host->opt_bool(ctx, "closeResolved");
	t->comment_recurrence = host->opt_bool(ctx, "commentRecurrence");
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

/* ---- one finding -------------------------------------------------------------- */

static const char *run_id(const json_t *event)
{
	const char *s = json_string_value(json_object_get(json_object_get(event, "run"), "id"));
	return s ? s : "?";
}

static int worse(int a, int b)
{
	return a == PG_PLUGIN_RETRY || b == PG_PLUGIN_RETRY ? PG_PLUGIN_RETRY : a > b ? a : b;
}

/* Returns the rc; on OK ref names the finding's ticket. Its fingerprint is
 * valid (fingerprints_valid refused the event otherwise). */
static int handle_finding(struct ticket *t, const json_t *event, const json_t *f,
			  struct ticket_ref *ref, long *retry_after)
{
	const char *fp = json_string_value(json_object_get(f, "fingerprint"));
	char key[96], *text;
	const char *prev_run, *prev_ticket;
	json_t *seen;
	int found = 0, rc;

	snprintf(key, sizeof(key), "fp-%s", fp);
	seen = t->host->cache_get(t->ctx, key, CACHE_AGE_S);
	prev_run = json_string_value(json_object_get(seen, "run"));
	prev_ticket = json_string_value(json_object_get(seen, "ticket"));
	if (prev_run && prev_ticket && !strcmp(prev_run, run_id(event))) {
		snprintf(ref->id, sizeof(ref->id), "%s", prev_ticket);
		json_decref(seen); /* this run already handled it (a retried event) */
		return PG_PLUGIN_OK;
	}
	json_decref(seen);
	rc = ticket_search(t, fp, ref, &found, retry_after);
	if (rc != PG_PLUGIN_OK)
		return rc;
	if (!found) {
		rc = ticket_create(t, f, fp, ref, retry_after);
		if (rc == PG_PLUGIN_OK)
			t->host->log(t->ctx, PG_PLOG_INFO, "opened %s for %s", ref->id, fp);
	} else if (t->comment_recurrence) {
		char intro[200];
		snprintf(intro, sizeof(intro), "portgate run %s found this again.", run_id(event));
		text = ticket_text_new(f, intro, t->sys == TS_GITHUB);
		rc = ticket_comment(t, ref, text ? text : intro, retry_after);
		free(text);
	}
	if (rc == PG_PLUGIN_OK) {
		json_t *v = json_pack("{s:s, s:s}", "run", run_id(event), "ticket", ref->id);
		t->host->cache_put(t->ctx, key, v);
		json_decref(v);
	}
	return rc;
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

/* Close the tickets of fingerprints the scope had and this run lacks; store the new set. */
static int close_resolved(struct ticket *t, const json_t *event, const json_t *findings,
			  json_t *now, long *retry_after)
{
	char key[80], text[256];
	json_t *before, *v;
	const char *fp;
	int rc = PG_PLUGIN_OK;

	scope_key(t, findings, key);
	before = t->host->cache_get(t->ctx, key, CACHE_AGE_S);
	snprintf(text, sizeof(text), "portgate run %s no longer finds this: closing.",
		 run_id(event));
	json_object_foreach(before, fp, v)
	{
		struct ticket_ref ref;
		int r;
		if (json_object_get(now, fp) || !json_is_string(v))
			continue;
		snprintf(ref.id, sizeof(ref.id), "%s", json_string_value(v));
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
	json_t *now, *f;
	size_t i;
	int rc = PG_PLUGIN_OK;

	(void)key; /* dedup is by fingerprint, across runs */
	if (!fingerprints_valid(t, findings)) {
		json_decref(findings);
		return PG_PLUGIN_FAIL;
	}
	now = json_object();
	json_array_foreach(findings, i, f)
	{
		struct ticket_ref ref = { "" };
		int r = handle_finding(t, event, f, &ref, retry_after_ms);
		if (r == PG_PLUGIN_OK)
			json_object_set_new(now,
					    json_string_value(json_object_get(f, "fingerprint")),
					    json_string(ref.id));
		rc = worse(rc, r);
		if (r == PG_PLUGIN_RETRY)
			break; /* the receiver is struggling: the retry picks up from the cache */
	}
	if (t->close_resolved && rc == PG_PLUGIN_OK)
		rc = close_resolved(t, event, findings, now, retry_after_ms);
	json_decref(now);
	json_decref(findings);
	return rc;
}

static struct pg_plugin ticket_plugin = {
	.kind = PG_PLUGIN_NOTIFIER,
	.name = "ticket",
	.version = "1.0.0",
	.description = "one ticket per finding fingerprint in GitHub Issues, Jira or ServiceNow",
	.options = ticket_options,
	.thread_model = PG_THREAD_SERIALIZE, /* search-then-create must not race itself */
	.timeout_ms = 120000,
	.create = ticket_create_instance,
	.destroy = ticket_destroy,
	.notify = ticket_notify,
	.notify_mode = PG_NOTIFY_PER_REPORT,
};

PORTGATE_PLUGIN(ticket_plugin)
