/* atomic_file.c - reading a whole file, and writing one so that readers see the old or
 * the new content, never a half-written file. */
#include "config.h"
#include "atomic_file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "path.h"

char *pg_read_file(const char *path, size_t max, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0;

	if (!f)
		return NULL;
	for (;;) {
		size_t got;

		pg_grow(&buf, &cap, n + 4096 + 1, 1);
		got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
		if (n > max) {
			free(buf);
			fclose(f);
			errno = EFBIG;
			return NULL;
		}
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		int e = errno ? errno : EIO;
		free(buf);
		fclose(f);
		errno = e;
		return NULL;
	}
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

static void fsync_parent_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* Temp files are ".portgate-tmp.<target name>.XXXXXX" beside the target:
 * hidden, and matching no artifact glob such as "*.json*" a CI job uploads.
 * The writer holds an flock on its temp file; a temp file nobody holds
 * belongs to a writer that died (a killed run), and is removed by the next
 * write of the same name. The age floor covers the instant between mkstemp
 * and flock. */
#define TMP_PREFIX      ".portgate-tmp."
#define STALE_TMP_MIN_S 2

static bool tmp_of(const char *name, const char *base)
{
	size_t lp = strlen(TMP_PREFIX), lb = base ? strlen(base) : 0;

	if (strncmp(name, TMP_PREFIX, lp))
		return false;
	return !base || (!strncmp(name + lp, base, lb) && name[lp + lb] == '.' &&
			 strlen(name + lp + lb) == 7);
}

static void remove_if_orphan(const char *path)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);

	if (fd < 0)
		return;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    time(NULL) - st.st_mtime >= STALE_TMP_MIN_S && flock(fd, LOCK_EX | LOCK_NB) == 0)
		unlink(path);
	close(fd);
}

int pg_atomic_clean_stale(const char *dir, const char *base)
{
	DIR *dh = opendir(dir);
	struct dirent *de;
	int n = 0;

	while (dh && (de = readdir(dh))) {
		char *path;
		struct stat st;

		if (!tmp_of(de->d_name, base))
			continue;
		path = pg_xasprintf("%s/%s", dir, de->d_name);
		remove_if_orphan(path);
		n += lstat(path, &st) != 0;
		free(path);
	}
	if (dh)
		closedir(dh);
	return n;
}

/* Whether this process has not written into dir before (a small table of the
 * directories' names; past its size every write counts as a first one). */
static bool first_write_in(const char *dir)
{
	static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	static char *seen[64]; /* owned for the process's life */
	static size_t nseen;
	bool first = true;

	pthread_mutex_lock(&mu);
	for (size_t i = 0; i < nseen && first; i++)
		first = strcmp(seen[i], dir) != 0;
	if (first && nseen < sizeof(seen) / sizeof(seen[0]))
		seen[nseen++] = pg_xstrdup(dir);
	pthread_mutex_unlock(&mu);
	return first;
}

static char *tmp_template(const char *path, char **dir)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;

	if (slash)
		*dir = pg_xstrndup(path, slash == path ? 1 : (size_t)(slash - path));
	else
		*dir = pg_xstrdup(".");
	/* Orphans of dead writers go at the first write into a directory, all names at
	 * once: sweeping at every write made a run writing n cache entries into one
	 * directory list it n times (O(n^2) directory reads). */
	if (first_write_in(*dir))
		pg_atomic_clean_stale(*dir, NULL);
	return pg_xasprintf("%.*s" TMP_PREFIX "%s.XXXXXX", (int)(base - path), path, base);
}

static int write_tmp(int fd, mode_t mode, int (*write_fn)(FILE *f, void *ud), void *ud)
{
	FILE *f = fdopen(fd, "w");
	int r = 0;

	if (!f) {
		r = -errno;
		close(fd);
		return r;
	}
	if (write_fn(f, ud) < 0 || fflush(f) != 0)
		r = errno ? -errno : -EIO;
	if (!r && fchmod(fd, mode) < 0)
		r = -errno;
	if (!r && fsync(fd) < 0)
		r = -errno;
	if (fclose(f) != 0 && !r)
		r = -errno;
	return r;
}

/* A pipe, terminal or device (/dev/stdout, a FIFO) is written as it is: renaming
 * a temp file over it would replace the device node or symlink. */
static int write_in_place(const char *path, int (*write_fn)(FILE *f, void *ud), void *ud)
{
	FILE *f = fopen(path, "w");
	int r = 0;

	if (!f)
		return -errno;
	errno = 0;
	if (write_fn(f, ud) < 0 || fflush(f) != 0)
		r = errno ? -errno : -EIO;
	if (fclose(f) != 0 && !r)
		r = -errno;
	return r;
}

static int write_atomic(const char *path, mode_t mode, int (*write_fn)(FILE *f, void *ud), void *ud)
{
	char *dir, *tmp = tmp_template(path, &dir);
	int fd = mkstemp(tmp), r = 0;

	if (fd < 0) {
		r = -errno;
		free(tmp);
		free(dir);
		return r;
	}
	flock(fd, LOCK_EX); /* ours: "not stale" to every cleaner until we close */
	r = write_tmp(fd, mode, write_fn, ud);
	if (!r && rename(tmp, path) < 0)
		r = -errno;
	if (r)
		unlink(tmp);
	else
		fsync_parent_dir(dir);
	free(tmp);
	free(dir);
	return r;
}

static int write_with(const char *path, mode_t mode, int (*write_fn)(FILE *f, void *ud), void *ud)
{
	struct stat st;
	char *real;
	int r;

	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return write_in_place(path, write_fn, ud);
	/* a symlink: replace (or, dangling, create) the file it names, keep the link */
	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode) &&
	    ((real = realpath(path, NULL)) || (real = pg_path_link_target(path)))) {
		r = write_atomic(real, mode, write_fn, ud);
		free(real);
		return r;
	}
	return write_atomic(path, mode, write_fn, ud);
}

int pg_write_atomic_with(const char *path, int (*write_fn)(FILE *f, void *ud), void *ud)
{
	return write_with(path, 0644, write_fn, ud);
}

struct buffer {
	const void *data;
	size_t len;
};

static int write_buffer(FILE *f, void *ud)
{
	const struct buffer *b = ud;

	return b->len && fwrite(b->data, 1, b->len, f) != b->len ? -1 : 0;
}

int pg_mkdir_p(const char *path)
{
	char *p = pg_xstrdup(path);
	int rc = 0;

	for (char *s = p + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(p, 0700) != 0 && errno != EEXIST) {
			rc = -errno;
			break;
		}
		*s = c;
		if (c == '\0')
			break;
	}
	free(p);
	return rc;
}

int pg_write_file_atomic(const char *path, const void *data, size_t len)
{
	struct buffer b = { data, len };

	return write_with(path, 0644, write_buffer, &b);
}

int pg_write_private_atomic(const char *path, const void *data, size_t len)
{
	struct buffer b = { data, len };

	return write_with(path, 0600, write_buffer, &b);
}

/* The rendered bytes in one write; a short write (a full disk) is finished in bounded
 * further writes, each of which made progress. */
static int append_bytes(const char *path, const char *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644), r = 0;
	size_t done = 0;

	if (fd < 0)
		return -errno;
	while (done < len && !r) {
		ssize_t n = write(fd, buf + done, len - done);
		if (n > 0)
			done += (size_t)n;
		else if (n < 0 && errno != EINTR)
			r = -errno;
		else if (n == 0)
			r = -EIO;
	}
	if (close(fd) != 0 && !r)
		r = -errno;
	return r;
}

int pg_append_with(const char *path, int (*write_fn)(FILE *f, void *ud), void *ud)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int r = 0;

	if (!f)
		return -errno;
	errno = 0;
	if (write_fn(f, ud) < 0)
		r = errno ? -errno : -EIO;
	if (fclose(f) != 0 && !r)
		r = -errno;
	if (!r)
		r = append_bytes(path, buf, len);
	free(buf);
	return r;
}
