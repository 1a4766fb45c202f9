/* render_int.h - helpers the renderers share (core/report only). */
#ifndef PG_RENDER_INT_H
#define PG_RENDER_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "common/json_get.h" /* pg_json_get_str_or: every renderer's string getter */

int pg_render_json(FILE *out, const json_t *report);
int pg_render_sarif(FILE *out, const json_t *report);
int pg_render_junit(FILE *out, const json_t *report);
int pg_render_gitlab(FILE *out, const json_t *report);
int pg_render_markdown(FILE *out, const json_t *report);
int pg_render_github(FILE *out, const json_t *report);
int pg_render_ndjson(FILE *out, const json_t *report);
int pg_render_html(FILE *out, const json_t *report);

/* Integer member, 0 when absent. */
json_int_t pg_render_int(const json_t *o, const char *key);

/* Call fn for every listed finding of every asset, in evidence order; stops
 * at the first non-zero return and returns it. */
int pg_render_each_finding(const json_t *report,
			   int (*fn)(const json_t *asset, const json_t *finding, void *ud),
			   void *ud);

/* Index of s in an array of strings, or -1. */
long pg_render_index_of(const json_t *strings, const char *s);
/* map[i][1] for the first map[i][0] equal to key, else dflt. */
const char *pg_render_lookup(const char *const map[][2], size_t n, const char *key,
			     const char *dflt);

/* Rule ids of the report: every core rule, then plugin rules in order of first
 * appearance. A new array of strings, owned by the caller. */
json_t *pg_render_rule_ids(const json_t *report);

/* Core rule summary or NULL; severity of the rule (core table, else the first
 * finding that names it, else "medium"). */
const char *pg_render_rule_summary(const char *rule);
const char *pg_render_rule_severity(const json_t *report, const char *rule);
/* Default action name of a rule ("fail" | "warn"; plugin rules "warn"). */
const char *pg_render_rule_default(const char *rule);
/* The worst action of the rule's findings in the report, else its default. */
const char *pg_render_rule_action(const json_t *report, const char *rule);

/* The severity a CI format exports (SARIF security-severity, GitLab Code
 * Quality severity), defined once (docs/evidence.md, "Exported severity"):
 * the finding's severity capped by its action. fail keeps it; warn caps it at
 * medium (a warning never shows as high or critical); pass (an accepted
 * exception) is info. An unknown severity counts as medium. Static string. */
const char *pg_render_export_severity(const char *action, const char *severity);

/* The manifest's path for CI formats: run.source.manifest (from the repository's top),
 * else run.manifest as given; "stdin" for "-". Borrowed from the report. */
const char *pg_render_manifest_path(const json_t *report);
/* pg_render_manifest_path as a URI reference: a relative path stays
 * relative (percent-encoded), an absolute one becomes file://. Owned. */
char *pg_render_manifest_uri(const json_t *report);

/* A path as a URI path: unreserved bytes and '/' as they are, the rest percent-encoded. New. */
char *pg_render_uri_encode(const char *path);

/* "1.234" seconds for a duration in ms. */
void pg_render_seconds(json_int_t ms, char out[32]);

#endif
