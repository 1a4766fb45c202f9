/* rule_check.h - the rule ids a manifest names (policy maps, policy.enforce,
 * exceptions) against every rule a run knows: the core's, drift's and those the
 * loaded plugins declare (ABI 1.4); and its exceptions against its assets. The
 * manifest accepts any id of the grammar (plugins add rules), so a typo would
 * otherwise do nothing without a word: `validate` and `check` warn, once per
 * unknown id, never fail (a manifest may be shared by runs with other plugin
 * sets). */
#ifndef PG_RUN_RULE_CHECK_H
#define PG_RUN_RULE_CHECK_H

#include <stdbool.h>

#include "manifest/manifest.h"
#include "plugin/plugin_host.h"

/* How many edits away a known id may be to be suggested ("did you mean"). */
#define PG_RULE_SUGGEST_MAX 2

/* A core or drift rule, or one a plugin of h declares (h may be NULL). */
bool pg_rule_known(const char *id, const struct pg_plugin_host *h);
/* The known id closest to id, at most PG_RULE_SUGGEST_MAX edits away (the
 * first of equals in `portgate rules` order), or NULL. Borrowed. */
const char *pg_rule_suggest(const char *id, const struct pg_plugin_host *h);
/* One "FILE:LINE: WHERE: ..." message into warnings per unknown rule id m
 * names, at its first place (naming the others: "also at lines 20, 26"), and
 * one per exception that names no asset (or no candidate port) of m: it would
 * except nothing, and one per asset with more than 1024 UDP ports (hours behind
 * the ICMP rate limit); how many. */
size_t pg_rule_check_manifest(const struct pg_manifest *m, const struct pg_plugin_host *h,
			      struct pg_diag *warnings);
/* pg_rule_check_manifest, each message printed as a warning on stderr. */
void pg_rule_check_warn(const struct pg_manifest *m, const struct pg_plugin_host *h);

#endif
