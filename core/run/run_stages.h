/* run_stages.h - the stages that call plugins, as a check runs them: what a
 * front end hands pg_plugin_host_new() so the host reads their settings
 * (`enrich:`, `notify:`, `outbox:`) and their instance keys (`route:`). */
#ifndef PG_RUN_STAGES_H
#define PG_RUN_STAGES_H

#include "plugin/plugin_host.h"

/* enrich, then notify; NULL-terminated. */
extern const struct pg_plugin_stage *const pg_run_stages[];

#endif
