/* path.h - file names relative to a source root (the repository's top), for CI formats. */
#ifndef PG_UTIL_PATH_H
#define PG_UTIL_PATH_H

/* path relative to root when it lies inside it ("infra/exposure.yaml" for root "/repo" and
 * path "/repo/infra/exposure.yaml"), else NULL. Both absolute and canonical (realpath):
 * "/repo2/x" is not under "/repo". Root "/" keeps everything. New string. */
char *pg_path_under(const char *root, const char *path);

/* The source root of cwd: the nearest directory at or above it holding .git (a directory,
 * or the file a worktree or submodule has), at most 256 levels up, as `git rev-parse
 * --show-toplevel` finds it; NULL when none. cwd absolute. New string. */
char *pg_path_git_root(const char *cwd);

/* Where path's chain of symlinks ends (a file that may not exist: a dangling link), relative
 * names resolved from each link's directory, at most 40 links as the kernel follows; NULL
 * when path is no symlink or a link cannot be read. New string. */
char *pg_path_link_target(const char *path);

#endif
