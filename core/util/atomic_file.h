/* atomic_file.h - reading a whole file; writing one atomically. */
#ifndef PG_UTIL_ATOMIC_FILE_H
#define PG_UTIL_ATOMIC_FILE_H

#include <stddef.h>
#include <stdio.h>

/* Read a whole file (NUL-terminated, *len without the NUL). NULL + errno on error. */
char *pg_read_file(const char *path, size_t max, size_t *len);
/* mkdir -p with mode 0700 for the parts it creates. 0 or -errno. */
int pg_mkdir_p(const char *path);
/* Write path atomically: temp file in the same directory, fsync, rename, fsync dir.
 * Readers see the old or the new content, never a half-written file. 0 or -errno. */
int pg_write_file_atomic(const char *path, const void *data, size_t len);
/* The same for state only its owner may read (the outbox, caches: they can hold
 * what receivers answered): mode 0600 instead of 0644. */
int pg_write_private_atomic(const char *path, const void *data, size_t len);
/* The same, with the content streamed by write_fn (returns < 0 on error, errno set).
 * The temp file is DIR/.portgate-tmp.NAME.XXXXXX; ones left by killed writers
 * of NAME are removed first (see pg_atomic_clean_stale). A path that is not a
 * regular file (pipe, terminal, device, /dev/stdout) is written in place; a
 * symlink to a regular file has its target replaced, a dangling one its target
 * created, the link kept. */
int pg_write_atomic_with(const char *path, int (*write_fn)(FILE *f, void *ud), void *ud);
/* Append what write_fn streams to path (created 0644 if missing) with one write(2) of
 * O_APPEND once it has all been rendered: a file others append to too (GitHub's
 * $GITHUB_STEP_SUMMARY) gets all of it or, when write_fn fails, nothing. 0 or -errno. */
int pg_append_with(const char *path, int (*write_fn)(FILE *f, void *ud), void *ud);
/* Remove temp files of dead writers in dir: of target name base, or all of
 * ours when base is NULL. A live writer's temp file is never touched.
 * Returns how many were removed. */
int pg_atomic_clean_stale(const char *dir, const char *base);

#endif
