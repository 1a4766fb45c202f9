/* path.c - where a file sits in the repository: CI formats name the manifest relative to the
 * repository's top (GitHub code scanning and annotations resolve paths from there, whatever
 * directory the job ran portgate in). */
#include "config.h"
#include "path.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "alloc.h"
#include "text.h"

char *pg_path_under(const char *root, const char *path)
{
	size_t n = strlen(root);

	while (n > 1 && root[n - 1] == '/')
		n--;
	if (n == 1 && root[0] == '/')
		return path[0] == '/' && path[1] ? pg_xstrdup(path + 1) : NULL;
	if (strncmp(root, path, n) || path[n] != '/' || !path[n + 1])
		return NULL;
	return pg_xstrdup(path + n + 1);
}

/* The deepest path depth a Linux path can have (PATH_MAX 4096 / 2 bytes a level) is far
 * above this; a repository is never this deep. */
#define GIT_ROOT_MAX_LEVELS 256

char *pg_path_git_root(const char *cwd)
{
	char *dir = pg_xstrdup(cwd), *slash, *git;
	struct stat st;

	for (int level = 0; level < GIT_ROOT_MAX_LEVELS && dir[0] == '/'; level++) {
		git = pg_xasprintf("%s/.git", strcmp(dir, "/") ? dir : "");
		if (stat(git, &st) == 0) {
			free(git);
			return dir;
		}
		free(git);
		if (!strcmp(dir, "/"))
			break;
		slash = strrchr(dir, '/');
		slash[slash == dir ? 1 : 0] = '\0'; /* "/a" -> "/" */
	}
	free(dir);
	return NULL;
}
