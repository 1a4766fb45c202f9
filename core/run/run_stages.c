/* run_stages.c - the stages that call plugins (run_stages.h). */
#include "config.h"
#include "run_stages.h"

#include "enrich/enrich.h"
#include "notify/notify.h"

const struct pg_plugin_stage *const pg_run_stages[] = { &pg_enrich_stage, &pg_notify_stage, NULL };
