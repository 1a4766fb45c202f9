/* ticket_api.c - search, create, comment and close on GitHub Issues, Jira
 * Cloud (REST v3, ADF), Jira Server/Data Center (REST v2) and ServiceNow
 * (Table API), all through host->http. */
#include "ticket.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/http_status.h"
#include "common/json_get.h"

#define LABEL_PREFIX "portgate-"
#define FP_MAX       64 /* a SHA-256 in hex at the most */

/* ---- plumbing --------------------------------------------------------------- */

char *ticket_basic_auth_new(const char *user, const char *token)
{
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	static const char head[] = "Authorization: Basic ";
	size_t ul = strlen(user), tl = strlen(token), n = ul + 1 + tl, o = sizeof(head) - 1;
	unsigned char *in = malloc(n);
	char *out = malloc(sizeof(head) + (n + 2) / 3 * 4);

	if (!in || !out) {
		free(in);
		free(out);
		return NULL;
	}
	memcpy(in, user, ul);
	in[ul] = ':';
	memcpy(in + ul + 1, token, tl);
	memcpy(out, head, o);
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)in[i] << 16 | (i + 1 < n ? (unsigned)in[i + 1] << 8 : 0) |
			     (i + 2 < n ? in[i + 2] : 0);
		out[o++] = b64[v >> 18 & 63];
		out[o++] = b64[v >> 12 & 63];
		out[o++] = i + 1 < n ? b64[v >> 6 & 63] : '=';
		out[o++] = i + 2 < n ? b64[v & 63] : '=';
	}
	out[o] = '\0';
	memset(in, 0, n);
	free(in);
	return out;
}

int ticket_fp_valid(const char *fp)
{
	size_t n = fp ? strspn(fp, "0123456789abcdef") : 0;

	return n >= 1 && n <= FP_MAX && !fp[n];
}

/* Percent-encode everything but unreserved characters (RFC 3986 2.3); out
 * holds 3 * strlen(s) + 1, the worst case, so nothing is ever cut. */
static void pct_encode(char *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (isalnum(c) || strchr("-._~", c)) {
			*out++ = (char)c;
		} else {
			*out++ = '%';
			*out++ = hex[c >> 4];
			*out++ = hex[c & 15];
		}
	}
	*out = '\0';
}

/* printf into a new string of the right length (NULL when out of memory): a
 * URL cut at a fixed size would be another request, not a shorter one. */
static char *vfmt_new(const char *fmt, va_list ap)
{
	va_list again;
	int n;
	char *out;

	va_copy(again, ap);
	n = vsnprintf(NULL, 0, fmt, again);
	va_end(again);
	if (n < 0 || !(out = malloc((size_t)n + 1)))
		return NULL;
	vsnprintf(out, (size_t)n + 1, fmt, ap);
	return out;
}

static char *fmt_new(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *fmt_new(const char *fmt, ...)
{
	va_list ap;
	char *out;

	va_start(ap, fmt);
	out = vfmt_new(fmt, ap);
	va_end(ap);
	return out;
}

/* One request. *resp_json gets the parsed body of a 2xx (may be NULL). */
static int call(struct ticket *t, const char *method, const char *path, const json_t *body,
		json_t **resp_json, long *retry_after)
{
	char *url = path ? fmt_new("%s%s", t->base, path) : NULL;
	const char *headers[8];
	size_t nh = 0;
	struct pg_http_request req = { .struct_size = sizeof(req) };
	struct pg_http_response resp;
	char *text = body ? json_dumps(body, JSON_COMPACT | PG_JSON_REAL) : NULL;
	int rc;

	if (resp_json)
		*resp_json = NULL;
	if (!url) {
		free(text);
		t->host->error(t->ctx, "%s: out of memory", method);
		return PG_PLUGIN_RETRY;
	}
	headers[nh++] = t->auth;
	headers[nh++] = t->sys == TS_GITHUB ? "Accept: application/vnd.github+json"
					    : "Accept: application/json";
	if (t->sys == TS_GITHUB) {
		headers[nh++] = "X-GitHub-Api-Version: 2022-11-28";
		headers[nh++] = "User-Agent: portgate-ticket";
	}
	if (text)
		headers[nh++] = "Content-Type: application/json";
	headers[nh] = NULL;
	req.method = method;
	req.url = url;
	req.headers = headers;
	req.body = text;
	req.body_len = text ? strlen(text) : 0;
	rc = t->host->http(t->ctx, &req, &resp);
	free(text);
	free(url);
	if (rc != 0) {
		t->host->error(t->ctx, "%s %s: no response: %s", method, path, resp.error);
		rc = PG_PLUGIN_RETRY;
	} else if ((rc = pg_http_status_outcome(resp.status)) == PG_PLUGIN_OK) {
		if (resp_json && resp.body_len)
			*resp_json = json_loadb(resp.body, resp.body_len, 0, NULL);
	} else {
		t->host->error(t->ctx, "%s %s: HTTP %ld: %.200s", method, path, resp.status,
			       resp.body ? resp.body : "");
		if (rc == PG_PLUGIN_RETRY)
			*retry_after = resp.retry_after_ms;
	}
	t->host->http_response_clear(&resp);
	return rc;
}

/* call() on the path printf makes of fmt. */
static int callf(struct ticket *t, const char *method, const json_t *body, json_t **resp_json,
		 long *retry_after, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static int callf(struct ticket *t, const char *method, const json_t *body, json_t **resp_json,
		 long *retry_after, const char *fmt, ...)
{
	va_list ap;
	char *path;
	int rc;

	va_start(ap, fmt);
	path = vfmt_new(fmt, ap);
	va_end(ap);
	rc = call(t, method, path, body, resp_json, retry_after);
	free(path);
	return rc;
}

/* A ticket id as one path segment: it came from a server's answer or the cache,
 * so a '/', '?' or '#' in it must not reach another resource. */
struct enc_id {
	char s[TICKET_ID_MAX * 3];
};

static struct enc_id enc_id(const struct ticket_ref *ref)
{
	struct enc_id e;

	pct_encode(e.s, ref->id);
	return e;
}

static void set_ref(struct ticket_ref *ref, const json_t *v)
{
	if (json_is_integer(v))
		snprintf(ref->id, sizeof(ref->id), "%lld", (long long)json_integer_value(v));
	else
		snprintf(ref->id, sizeof(ref->id), "%s",
			 json_string_value(v) ? json_string_value(v) : "");
}

static const char *api(const struct ticket *t)
{
	return t->sys == TS_JIRA ? "/rest/api/3" : "/rest/api/2";
}

/* ---- search ----------------------------------------------------------------- */

/* The query parameter values, percent-encoded: fp is [0-9a-f]{1,64} by now
 * (ticket_fp_valid), the encoding keeps '^' and '&' ServiceNow's and the URL's
 * own should anything else ever reach a query. */
static int search_github(struct ticket *t, const char *fp, json_t **r, long *retry_after)
{
	char q[sizeof(LABEL_PREFIX) + FP_MAX], enc[sizeof(q) * 3];

	snprintf(q, sizeof(q), LABEL_PREFIX "%s", fp);
	pct_encode(enc, q);
	return callf(t, "GET", NULL, r, retry_after,
		     "/repos/%s/issues?state=open&labels=%s&per_page=10", t->repo, enc);
}

static int search_servicenow(struct ticket *t, const char *fp, json_t **r, long *retry_after)
{
	char q[sizeof("correlation_id=^active=true") + FP_MAX], enc[sizeof(q) * 3];

	snprintf(q, sizeof(q), "correlation_id=%s^active=true", fp);
	pct_encode(enc, q);
	return callf(t, "GET", NULL, r, retry_after,
		     "/api/now/table/incident?sysparm_query=%s&sysparm_fields=sys_id,number"
		     "&sysparm_limit=1",
		     enc);
}

/* JQL string literals: fp is hex and check_target refused a project key
 * holding a quote, a backslash or a space, so nothing needs escaping. */
static int search_jira(struct ticket *t, const char *fp, json_t **r, long *retry_after)
{
	char *q = fmt_new("project = \"%s\" AND labels = \"" LABEL_PREFIX
			  "%s\" AND statusCategory != Done",
			  t->project, fp);
	json_t *body = q ? json_pack("{s:s, s:[s], s:i}", "jql", q, "fields", "status",
				     "maxResults", 5)
			 : NULL;
	int rc = body ? callf(t, "POST", body, r, retry_after, "%s%s", api(t),
			      t->sys == TS_JIRA ? "/search/jql" : "/search")
		      : PG_PLUGIN_RETRY;

	json_decref(body);
	free(q);
	return rc;
}

int ticket_search(struct ticket *t, const char *fp, struct ticket_ref *ref, int *found,
		  long *retry_after)
{
	json_t *r = NULL, *hit = NULL, *it;
	size_t i;
	int rc;

	*found = 0;
	if (!ticket_fp_valid(fp)) { /* ticket_notify refused it already; never query with it */
		t->host->error(t->ctx, "fingerprint must be 1 to 64 lowercase hex digits");
		return PG_PLUGIN_FAIL;
	}
	if (t->sys == TS_GITHUB) {
		rc = search_github(t, fp, &r, retry_after);
		json_array_foreach(r, i, it)
		{
			if (!json_object_get(it, "pull_request") && !hit) /* PRs share the list */
				hit = json_object_get(it, "number");
		}
	} else if (t->sys == TS_SERVICENOW) {
		rc = search_servicenow(t, fp, &r, retry_after);
		hit = json_object_get(json_array_get(json_object_get(r, "result"), 0), "sys_id");
	} else {
		rc = search_jira(t, fp, &r, retry_after);
		hit = json_object_get(json_array_get(json_object_get(r, "issues"), 0), "key");
	}
	if (rc == PG_PLUGIN_OK && hit) {
		set_ref(ref, hit);
		*found = ref->id[0] != '\0';
	}
	json_decref(r);
	return rc;
}

/* ---- create ----------------------------------------------------------------- */

static const char *owner_of(const json_t *f)
{
	return json_string_value(json_object_get(json_object_get(f, "assetContext"), "owner"));
}

/* The mapped assignee/component/group for the finding's owner, or NULL. */
static const char *assignment(const struct ticket *t, const json_t *f)
{
	const char *o = owner_of(f);
	return o ? json_string_value(json_object_get(t->owners, o)) : NULL;
}

static json_t *labels_new(const struct ticket *t, const char *fp)
{
	char l[128];
	json_t *arr = json_array();
	const char *p = t->extra_labels;

	snprintf(l, sizeof(l), LABEL_PREFIX "%s", fp);
	json_array_append_new(arr, json_string("portgate"));
	json_array_append_new(arr, json_string(l));
	while (p && *p) { /* extra labels: comma separated */
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		while (n && isspace((unsigned char)*p)) {
			p++;
			n--;
		}
		while (n && isspace((unsigned char)p[n - 1]))
			n--;
		if (n)
			json_array_append_new(arr, json_stringn(p, n));
		p = e ? e + 1 : NULL;
	}
	return arr;
}

/* ServiceNow urgency from the finding's severity, impact from the asset's criticality. */
static const char *level_of(const char *s)
{
	if (s && (!strcmp(s, "critical") || !strcmp(s, "high")))
		return "1";
	if (s && !strcmp(s, "medium"))
		return "2";
	return "3";
}

/* What a new ticket says: title (the finding's unless given) and intro (with
 * more after it when given). */
struct opening {
	const char *title, *intro;
	char *owned; /* intro with more; NULL when out of memory (intro alone then) */
};

static struct opening opening_of(const json_t *f, const char *title, const char *intro,
				 const char *more)
{
	struct opening o = { title ? title : ticket_title(f), intro, NULL };

	if (more && (o.owned = fmt_new("%s\n\n%s", intro, more)))
		o.intro = o.owned;
	return o;
}

static json_t *github_issue(const struct ticket *t, const json_t *f, const char *fp,
			    const struct opening *op)
{
	char *body = ticket_text_new(f, op->intro, TS_GITHUB);
	json_t *o = json_pack("{s:s, s:s, s:o}", "title", op->title, "body", body ? body : "",
			      "labels", labels_new(t, fp));
	const char *who = assignment(t, f);

	if (who)
		json_object_set_new(o, "assignees", json_pack("[s]", who));
	free(body);
	return o;
}

static json_t *jira_issue(const struct ticket *t, const json_t *f, const char *fp,
			  const struct opening *op)
{
	const char *intro = op->intro;
	json_t *fields = json_pack("{s:{s:s}, s:s, s:{s:s}, s:o}", "project", "key", t->project,
				   "summary", op->title, "issuetype", "name", t->issue_type,
				   "labels", labels_new(t, fp));
	const char *who = assignment(t, f);

	if (t->sys == TS_JIRA) {
		json_object_set_new(fields, "description", ticket_adf_new(f, intro));
	} else {
		char *text = ticket_text_new(f, intro, t->sys);
		json_object_set_new(fields, "description", json_string(text ? text : intro));
		free(text);
	}
	if (who && t->assign_as_assignee) /* Cloud identifies users by accountId */
		json_object_set_new(
			fields, "assignee",
			json_pack("{s:s}", t->sys == TS_JIRA ? "accountId" : "name", who));
	else if (who)
		json_object_set_new(fields, "components", json_pack("[{s:s}]", "name", who));
	return json_pack("{s:o}", "fields", fields);
}

static json_t *snow_incident(const struct ticket *t, const json_t *f, const char *fp,
			     const struct opening *op)
{
	char *text = ticket_text_new(f, op->intro, TS_SERVICENOW);
	const json_t *ctx = json_object_get(f, "assetContext");
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "short_description", op->title,
			      "description", text ? text : "", "correlation_id", fp,
			      "correlation_display", "portgate", "urgency",
			      level_of(json_string_value(json_object_get(f, "severity"))), "impact",
			      level_of(json_string_value(json_object_get(ctx, "criticality"))));
	const char *who = assignment(t, f);

	if (who)
		json_object_set_new(o, "assignment_group", json_string(who));
	free(text);
	return o;
}

int ticket_create(struct ticket *t, const json_t *f, const char *fp, const char *title,
		  const char *more, struct ticket_ref *ref, long *retry_after)
{
	json_t *body, *r = NULL;
	struct opening op;
	int rc;

	if (t->sys == TS_GITHUB) {
		op = opening_of(f, title,
				"Opened by portgate: the label portgate-<fingerprint> ties this "
				"issue to the finding; a recurrence is commented here.",
				more);
		body = github_issue(t, f, fp, &op);
		rc = callf(t, "POST", body, &r, retry_after, "/repos/%s/issues", t->repo);
	} else if (t->sys == TS_SERVICENOW) {
		op = opening_of(f, title,
				"Opened by portgate (correlation_id = finding fingerprint).", more);
		body = snow_incident(t, f, fp, &op);
		rc = callf(t, "POST", body, &r, retry_after, "/api/now/table/incident");
	} else {
		op = opening_of(
			f, title,
			"Opened by portgate; the label portgate-<fingerprint> ties it to the "
			"finding.",
			more);
		body = jira_issue(t, f, fp, &op);
		rc = callf(t, "POST", body, &r, retry_after, "%s/issue", api(t));
	}
	free(op.owned);
	json_decref(body);
	if (rc == PG_PLUGIN_OK) {
		set_ref(ref, t->sys == TS_GITHUB ? json_object_get(r, "number")
			     : t->sys == TS_SERVICENOW
				     ? json_object_get(json_object_get(r, "result"), "sys_id")
				     : json_object_get(r, "key"));
		if (!ref->id[0]) {
			t->host->error(t->ctx, "created a ticket but the answer names none");
			rc = PG_PLUGIN_FAIL;
		}
	}
	json_decref(r);
	return rc;
}

/* ---- comment and close -------------------------------------------------------- */

int ticket_comment(struct ticket *t, const struct ticket_ref *ref, const char *text,
		   long *retry_after)
{
	struct enc_id id = enc_id(ref);
	json_t *body;
	int rc;

	if (t->sys == TS_GITHUB) {
		body = json_pack("{s:s}", "body", text);
		rc = callf(t, "POST", body, NULL, retry_after, "/repos/%s/issues/%s/comments",
			   t->repo, id.s);
	} else if (t->sys == TS_SERVICENOW) {
		body = json_pack("{s:s}", "work_notes", text);
		rc = callf(t, "PATCH", body, NULL, retry_after, "/api/now/table/incident/%s", id.s);
	} else {
		body = t->sys == TS_JIRA ? json_pack("{s:o}", "body", ticket_adf_text_new(text))
					 : json_pack("{s:s}", "body", text);
		rc = callf(t, "POST", body, NULL, retry_after, "%s/issue/%s/comment", api(t), id.s);
	}
	json_decref(body);
	return rc;
}

/* Jira: the transition whose target status is in the "done" category. */
static int jira_done(struct ticket *t, const struct ticket_ref *ref, long *retry_after)
{
	struct enc_id key = enc_id(ref);
	char id[64] = "";
	json_t *r = NULL, *tr, *body;
	size_t i;
	int rc;

	rc = callf(t, "GET", NULL, &r, retry_after, "%s/issue/%s/transitions", api(t), key.s);
	json_array_foreach(json_object_get(r, "transitions"), i, tr)
	{
		const char *cat = json_string_value(json_object_get(
			json_object_get(json_object_get(tr, "to"), "statusCategory"), "key"));
		if (!id[0] && cat && !strcmp(cat, "done"))
			snprintf(id, sizeof(id), "%s",
				 json_string_value(json_object_get(tr, "id")));
	}
	json_decref(r);
	if (rc != PG_PLUGIN_OK)
		return rc;
	if (!id[0]) {
		t->host->error(t->ctx, "%s: no transition to a done status", ref->id);
		return PG_PLUGIN_FAIL;
	}
	body = json_pack("{s:{s:s}}", "transition", "id", id);
	rc = callf(t, "POST", body, NULL, retry_after, "%s/issue/%s/transitions", api(t), key.s);
	json_decref(body);
	return rc;
}

int ticket_close(struct ticket *t, const struct ticket_ref *ref, const char *text,
		 long *retry_after)
{
	struct enc_id id = enc_id(ref);
	json_t *body;
	int rc;

	if (t->sys == TS_SERVICENOW) { /* 6 = Resolved; close code and notes are mandatory */
		body = json_pack("{s:s, s:s, s:s, s:s}", "state", "6", "close_code", t->close_code,
				 "close_notes", text, "work_notes", text);
		rc = callf(t, "PATCH", body, NULL, retry_after, "/api/now/table/incident/%s", id.s);
		json_decref(body);
		return rc;
	}
	rc = ticket_comment(t, ref, text, retry_after);
	if (rc != PG_PLUGIN_OK)
		return rc;
	if (t->sys != TS_GITHUB)
		return jira_done(t, ref, retry_after);
	body = json_pack("{s:s, s:s}", "state", "closed", "state_reason", "completed");
	rc = callf(t, "PATCH", body, NULL, retry_after, "/repos/%s/issues/%s", t->repo, id.s);
	json_decref(body);
	return rc;
}
