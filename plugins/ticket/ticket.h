/* ticket.h - what the ticket notifier's files share. */
#ifndef TICKET_H
#define TICKET_H

#include <jansson.h>
#include <stddef.h>

#include <portgate/plugin.h>

enum ticket_system { TS_GITHUB = 0, TS_JIRA = 1, TS_JIRA_SERVER = 2, TS_SERVICENOW = 3 };

struct ticket {
	struct pg_plugin_ctx *ctx;
	const struct pg_host_api *host;
	enum ticket_system sys;
	char *base; /* owned: url without trailing slash */
	const char *repo, *project, *issue_type, *extra_labels, *close_code;
	char *auth;     /* owned: "Authorization: ..." header line */
	json_t *owners; /* owned: owner -> assignee/component/group */
	int close_resolved, comment_recurrence;
	int group_asset_rule;   /* one ticket per asset and rule family */
	long comment_every_s;   /* an unchanged recurrence comments this often; -1 never */
	int assign_as_assignee; /* jira: owners maps to the assignee, not a component */
};

/* A ticket found or made: id is the GitHub number, Jira key or ServiceNow sys_id. */
#define TICKET_ID_MAX 128
struct ticket_ref {
	char id[TICKET_ID_MAX];
};

/* ticket_api.c: each returns PG_PLUGIN_OK, RETRY or FAIL (host->error set).
 * search: *found = 1 and ref filled when an open ticket has the fingerprint. */
int ticket_search(struct ticket *t, const char *fp, struct ticket_ref *ref, int *found,
		  long *retry_after);
/* title: NULL for the finding's; more: NULL, or text after the intro (a
 * grouped ticket's line per finding). */
int ticket_create(struct ticket *t, const json_t *finding, const char *fp, const char *title,
		  const char *more, struct ticket_ref *ref, long *retry_after);
int ticket_comment(struct ticket *t, const struct ticket_ref *ref, const char *text,
		   long *retry_after);
int ticket_close(struct ticket *t, const struct ticket_ref *ref, const char *text,
		 long *retry_after);
/* 1 when fp is [0-9a-f]{1,64}, the only fingerprint that may reach a query:
 * it comes from the event, and a quote, '^' or '&' would rewrite the search. */
int ticket_fp_valid(const char *fp);
/* "Basic base64(user:token)" into a new "Authorization: ..." line. */
char *ticket_basic_auth_new(const char *user, const char *token);

/* ticket_body.c */
json_t *ticket_adf_new(const json_t *finding, const char *intro);
json_t *ticket_adf_text_new(const char *text);
/* The ticket text for sys: GitHub Markdown, Jira Server wiki ({noformat}),
 * plain text for ServiceNow and Jira Cloud comments. Malloc'ed. */
char *ticket_text_new(const json_t *finding, const char *intro, enum ticket_system sys);
const char *ticket_title(const json_t *finding);
/* The lines of a grouped ticket, "- rule: reason" per finding, each reason one
 * line cut at 360 bytes and inert in sys's markup (GitHub code spans, Jira
 * Server {noformat}). Malloc'ed. */
char *ticket_group_lines_new(const json_t *findings, enum ticket_system sys);

#endif
