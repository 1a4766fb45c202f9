/* cli_plan.h - `check --dry-run`'s text. */
#ifndef PG_CLI_PLAN_H
#define PG_CLI_PLAN_H

#include <jansson.h>
#include <stdio.h>

/* One block per asset of pg_run_plan's array: the ports, each address scanned or skipped
 * (with the scope's reason), or why the target did not resolve; then a count. */
void pg_cli_plan_print(const json_t *plan, FILE *out);

#endif
