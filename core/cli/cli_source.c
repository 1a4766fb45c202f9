/* cli_source.c - run.source: the manifest's path from the repository's top, for the CI
 * formats (SARIF artifact locations, annotations), whatever directory check ran in. */
#include "config.h"
#include "cli_source.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/log.h"
#include "util/path.h"

/* --source-root, else the nearest .git at or above the working directory, else
 * $GITHUB_WORKSPACE (a checkout without .git, as a downloaded archive is): canonical. */
static char *source_root(const char *flag)
{
	char cwd[PATH_MAX], *git;
	const char *ws = getenv("GITHUB_WORKSPACE");

	if (flag)
		return realpath(flag, NULL);
	if (getcwd(cwd, sizeof(cwd)) && (git = pg_path_git_root(cwd)))
		return git;
	return ws && *ws ? realpath(ws, NULL) : NULL;
}

void pg_cli_source_record(json_t *report, const char *manifest, const char *flag)
{
	json_t *run = json_object_get(report, "run");
	char *root = source_root(flag), *abs = NULL, *rel = NULL;

	if (strcmp(manifest, "-") == 0)
		rel = pg_xstrdup("stdin"); /* no file to point at; a name people recognise */
	else if (root && (abs = realpath(manifest, NULL)))
		rel = pg_path_under(root, abs);
	if (rel) {
		json_object_set_new(run, "source",
				    json_pack("{s:o, s:s}", "root",
					      root ? json_string(root) : json_null(), "manifest",
					      rel));
		pg_info("source: manifest %s%s%s", rel, root ? " under " : "", root ? root : "");
	}
	free(rel);
	free(abs);
	free(root);
}

bool pg_cli_source_root_check(const char *dir)
{
	char *r = realpath(dir, NULL);

	free(r);
	return r != NULL;
}
