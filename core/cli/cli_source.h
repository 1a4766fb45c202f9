/* cli_source.h - the manifest's place in the repository (run.source, docs/evidence.md). */
#ifndef PG_CLI_SOURCE_H
#define PG_CLI_SOURCE_H

#include <jansson.h>
#include <stdbool.h>

/* run.source = {root, manifest}: the source root (flag: --source-root, else the nearest .git
 * above the working directory, else $GITHUB_WORKSPACE) and the manifest relative to it; for
 * "-" {root, "stdin"}. Nothing when the manifest lies outside the root or no root is found
 * (the CI formats then use run.manifest as given). */
void pg_cli_source_record(json_t *report, const char *manifest, const char *flag);
/* --source-root DIR exists (checked before the scan). */
bool pg_cli_source_root_check(const char *dir);

#endif
