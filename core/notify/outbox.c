/* outbox.c - durable notification outbox (one atomically written file each). */
#include "config.h"
#include "outbox.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/log.h"
#include "util/util.h"

static bool safe_id(const char *id)
{
	if (!id || !*id || strlen(id) > 128)
		return false;
	for (; *id; id++)
		if (!((*id >= 'a' && *id <= 'z') || (*id >= '0' && *id <= '9') || *id == '-'))
			return false;
	return true;
}

int pg_outbox_write(const char *state_dir, const json_t *doc)
{
	const char *id = json_string_value(json_object_get(doc, "id"));
	char *dir, *path, *text;
	int rc;

	if (!state_dir || !safe_id(id))
		return -EINVAL;
	dir = pg_xasprintf("%s/outbox", state_dir);
	rc = pg_mkdir_p(dir);
	path = pg_xasprintf("%s/%s.json", dir, id);
	free(dir);
	if (rc) {
		free(path);
		return rc;
	}
	text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
	rc = text ? pg_write_private_atomic(path, text, strlen(text)) : -ENOMEM;
	free(text);
	free(path);
	return rc;
}

int pg_outbox_remove(const char *state_dir, const char *id)
{
	char *path;
	int rc = 0;

	if (!state_dir || !safe_id(id))
		return -EINVAL;
	path = pg_xasprintf("%s/outbox/%s.json", state_dir, id);
	if (unlink(path) != 0 && errno != ENOENT)
		rc = -errno;
	free(path);
	return rc;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct pg_outbox_entry *x = a, *y = b;
	json_int_t tx = json_integer_value(json_object_get(x->doc, "createdAt"));
	json_int_t ty = json_integer_value(json_object_get(y->doc, "createdAt"));

	if (tx != ty)
		return tx < ty ? -1 : 1;
	return strcmp(x->path, y->path);
}

#define STALE_TEMP_S 60 /* an atomic write takes milliseconds */

static bool is_entry_name(const char *name)
{
	size_t len = strlen(name);

	/* Entries end in ".json"; the temp file of an atomic write is
	 * ".portgate-tmp.<entry>.XXXXXX" (pg_write_file_atomic). */
	return name[0] != '.' && len > 5 && !strcmp(name + len - 5, ".json");
}

/* A temp file left by a writer killed mid-write holds event data that will
 * never be delivered. Ours are swept by pg_atomic_clean_stale; this removes
 * the "<entry>.tmp.XXXXXX" ones earlier builds named so, once clearly idle. */
static void remove_legacy_temp(const char *dir, const char *name)
{
	char *path;
	struct stat st;

	if (!strstr(name, ".json.tmp."))
		return;
	path = pg_xasprintf("%s/%s", dir, name);
	if (stat(path, &st) == 0 && time(NULL) - st.st_mtime > STALE_TEMP_S && unlink(path) == 0)
		pg_info("outbox: removed %s, left by an interrupted write", path);
	free(path);
}

/* ---- claims ------------------------------------------------------------
 * A claim is an flock on <outbox>/.<id>.lock, held while an entry is read,
 * delivered and then removed or rewritten. The kernel drops it when its
 * holder dies, so a killed process leaves no stale claim behind. The lock
 * file is unlinked only by a holder, after the entry is gone; a claimer that
 * locked a file unlinked meanwhile (its inode is no longer the path's) tries
 * again on the new one. */

static char *lock_path(const char *state_dir, const char *id)
{
	return pg_xasprintf("%s/outbox/.%s.lock", state_dir, id);
}

static bool same_file(int fd, const char *path)
{
	struct stat a, b;

	return fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

int pg_outbox_claim(const char *state_dir, const char *id)
{
	char *dir, *path;
	int fd = -EAGAIN, rc;

	if (!state_dir || !safe_id(id))
		return -EINVAL;
	dir = pg_xasprintf("%s/outbox", state_dir);
	rc = pg_mkdir_p(dir);
	free(dir);
	if (rc)
		return rc;
	path = lock_path(state_dir, id);
	for (int tries = 0; tries < 3; tries++) {
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0) {
			fd = -errno;
			break;
		}
		if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
			rc = errno == EWOULDBLOCK ? -EAGAIN : -errno;
			close(fd);
			fd = rc;
			break;
		}
		if (same_file(fd, path))
			break;
		close(fd); /* locked a lock file its holder had just removed */
		fd = -EAGAIN;
	}
	free(path);
	return fd;
}

void pg_outbox_release(const char *state_dir, const char *id, int fd, bool gone)
{
	if (fd < 0)
		return;
	if (gone) {
		char *path = lock_path(state_dir, id);
		unlink(path);
		free(path);
	}
	close(fd);
}

json_t *pg_outbox_read(const char *state_dir, const char *id)
{
	char *path;
	json_t *doc;

	if (!state_dir || !safe_id(id))
		return NULL;
	path = pg_xasprintf("%s/outbox/%s.json", state_dir, id);
	doc = json_load_file(path, 0, NULL);
	free(path);
	if (doc && !json_is_object(json_object_get(doc, "event"))) {
		json_decref(doc);
		doc = NULL;
	}
	return doc;
}

/* A lock file whose entry is gone and which nobody holds: a claimer was
 * killed between removing the entry and its lock. */
static void remove_orphan_lock(const char *state_dir, const char *dir, const char *name)
{
	size_t len = strlen(name);
	char *id, *entry;
	struct stat st;
	int fd;

	if (name[0] != '.' || len < 7 || strcmp(name + len - 5, ".lock"))
		return;
	id = pg_xstrndup(name + 1, len - 6);
	entry = pg_xasprintf("%s/%s.json", dir, id);
	if (stat(entry, &st) != 0 && errno == ENOENT && (fd = pg_outbox_claim(state_dir, id)) >= 0)
		pg_outbox_release(state_dir, id, fd, stat(entry, &st) != 0);
	free(entry);
	free(id);
}

struct pg_outbox_entry *pg_outbox_load(const char *state_dir, size_t *n)
{
	struct pg_outbox_entry *e = NULL;
	size_t cap = 0;
	struct dirent *de;
	char *dir;
	DIR *dh;

	*n = 0;
	if (!state_dir)
		return NULL;
	dir = pg_xasprintf("%s/outbox", state_dir);
	if (pg_atomic_clean_stale(dir, NULL) > 0)
		pg_info("outbox: removed temp files left by interrupted writes in %s", dir);
	dh = opendir(dir);
	while (dh && (de = readdir(dh))) {
		json_error_t jerr;
		char *path;
		json_t *doc;

		if (!is_entry_name(de->d_name)) {
			remove_legacy_temp(dir, de->d_name);
			remove_orphan_lock(state_dir, dir, de->d_name);
			continue;
		}
		path = pg_xasprintf("%s/%s", dir, de->d_name);
		doc = json_load_file(path, 0, &jerr);
		if (!doc || !json_is_object(json_object_get(doc, "event"))) {
			pg_warn("outbox: skipping unreadable %s: %s", path,
				doc ? "no event" : jerr.text);
			json_decref(doc);
			free(path);
			continue;
		}
		pg_grow(&e, &cap, *n + 1, sizeof(*e));
		e[*n].path = path;
		e[(*n)++].doc = doc;
	}
	if (dh)
		closedir(dh);
	free(dir);
	if (*n > 1)
		qsort(e, *n, sizeof(*e), cmp_entry);
	return e;
}

void pg_outbox_entries_free(struct pg_outbox_entry *e, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(e[i].path);
		json_decref(e[i].doc);
	}
	free(e);
}

bool pg_outbox_is_dead(const json_t *doc)
{
	const char *st = json_string_value(json_object_get(doc, "status"));

	return st && !strcmp(st, PG_OUTBOX_DEAD);
}

size_t pg_outbox_count(const char *state_dir)
{
	size_t n, waiting = 0;
	struct pg_outbox_entry *e = pg_outbox_load(state_dir, &n);

	for (size_t i = 0; i < n; i++)
		waiting += !pg_outbox_is_dead(e[i].doc);
	pg_outbox_entries_free(e, n);
	return waiting;
}
