/* path.c - where a file sits in the repository: CI formats name the manifest relative to the
 * repository's top (GitHub code scanning and annotations resolve paths from there, whatever
 * directory the job ran portgate in). */
#include "config.h"
#include "path.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* The kernel's own bound on links in one lookup (MAXSYMLINKS). */
#define LINK_MAX_HOPS 40

static char *read_link(const char *path)
{
	char buf[PATH_MAX];
	ssize_t n = readlink(path, buf, sizeof(buf) - 1);
	const char *slash = strrchr(path, '/');

	if (n < 0)
		return NULL;
	buf[n] = '\0';
	if (buf[0] == '/' || !slash)
		return pg_xstrdup(buf);
	return pg_xasprintf("%.*s/%s", (int)(slash - path), path, buf);
}

char *pg_path_link_target(const char *path)
{
	char *cur = NULL, *next;
	struct stat st;

	for (int hop = 0; hop < LINK_MAX_HOPS; hop++) {
		if (lstat(cur ? cur : path, &st) != 0 || !S_ISLNK(st.st_mode))
			return cur;
		next = read_link(cur ? cur : path);
		free(cur);
		if (!(cur = next))
			return NULL;
	}
	free(cur);
	return NULL;
}
