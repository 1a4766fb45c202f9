/* util.c - allocation, strings, time, atomic files, hashing, diagnostics. */
#include "config.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <dirent.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void oom(size_t n)
{
	fprintf(stderr, "portgate: out of memory (%zu bytes)\n", n);
	abort();
}

void *pg_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom(n);
	return p;
}

void *pg_xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
	if (!p)
		oom(nmemb * size);
	return p;
}

void *pg_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		oom(n);
	return q;
}

void pg_grow(void *pp, size_t *cap, size_t need, size_t sz)
{
	void **p = pp;
	size_t c = *cap;

	if (need <= c)
		return;
	c = c ? c : 8;
	while (c < need) {
		if (c > SIZE_MAX / 2 / sz)
			oom(SIZE_MAX);
		c *= 2;
	}
	*p = pg_xrealloc(*p, c * sz);
	*cap = c;
}

char *pg_xstrdup(const char *s)
{
	return s ? pg_xstrndup(s, strlen(s)) : NULL;
}

char *pg_xstrndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *d = pg_xmalloc(len + 1);

	memcpy(d, s, len);
	d[len] = '\0';
	return d;
}

char *pg_xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0)
		oom(0);
	return s;
}

bool pg_strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (size == 0)
		return len == 0;
	if (len >= size) {
		memcpy(dst, src, size - 1);
		dst[size - 1] = '\0';
		return false;
	}
	memcpy(dst, src, len + 1);
	return true;
}

bool pg_dns_name_eq(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la && a[la - 1] == '.')
		la--;
	if (lb && b[lb - 1] == '.')
		lb--;
	return la == lb && !strncasecmp(a, b, la);
}

bool pg_parse_ulong(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (!s || *s < '0' || *s > '9')
		return false; /* rejects "", "-1", "+1", " 1" */
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return false;
	*out = v;
	return true;
}

uint64_t pg_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void pg_iso8601_ms(uint64_t wall_ms, char out[32])
{
	time_t t = (time_t)(wall_ms / 1000);
	struct tm tm;

	char tmp[96]; /* large enough for any int fields: no truncation warning */

	gmtime_r(&t, &tm);
	snprintf(tmp, sizeof(tmp), "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (unsigned)(wall_ms % 1000));
	pg_strlcpy(out, tmp, 32);
}

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

static int write_tmp(int fd, int (*write_fn)(FILE *f, void *ud), void *ud)
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
	if (!r && fchmod(fd, 0644) < 0)
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

static int write_atomic(const char *path, int (*write_fn)(FILE *f, void *ud), void *ud)
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
	r = write_tmp(fd, write_fn, ud);
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

int pg_write_atomic_with(const char *path, int (*write_fn)(FILE *f, void *ud), void *ud)
{
	struct stat st;
	char *real;
	int r;

	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return write_in_place(path, write_fn, ud);
	/* a symlink to a regular file: replace the file, keep the link */
	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode) && (real = realpath(path, NULL))) {
		r = write_atomic(real, write_fn, ud);
		free(real);
		return r;
	}
	return write_atomic(path, write_fn, ud);
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

	return pg_write_atomic_with(path, write_buffer, &b);
}

bool pg_str_append(char *dst, size_t len, const char *src)
{
	size_t used = strnlen(dst, len);
	int n;

	if (used >= len)
		return false;
	n = snprintf(dst + used, len - used, "%s", src);
	return n >= 0 && (size_t)n < len - used;
}

void pg_hex_encode(const unsigned char *in, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[in[i] >> 4];
		out[2 * i + 1] = hex[in[i] & 15];
	}
	out[2 * n] = '\0';
}

void pg_sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char md[32];
	unsigned int mdlen = 0;

	EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL);
	pg_hex_encode(md, 32, out);
}

void pg_hmac_sha256_hex(const void *key, size_t key_len, const void *data, size_t len, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	HMAC(EVP_sha256(), key, (int)key_len, data, len, md, &mdlen);
	pg_hex_encode(md, 32, out);
}

void pg_defang(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 ? *s != '\t' : (unsigned char)*s == 0x7f)
			*s = '?';
}

/* Length of the well-formed UTF-8 sequence at s (RFC 3629), 0 if none. */
static size_t utf8_seq(const unsigned char *s)
{
	size_t need = s[0] < 0x80                    ? 1
		      : s[0] >= 0xc2 && s[0] <= 0xdf ? 2
		      : s[0] >= 0xe0 && s[0] <= 0xef ? 3
		      : s[0] >= 0xf0 && s[0] <= 0xf4 ? 4
						     : 0;
	unsigned lo = 0x80, hi = 0xbf; /* the second byte's range */

	if (s[0] == 0xe0)
		lo = 0xa0; /* overlong */
	else if (s[0] == 0xed)
		hi = 0x9f; /* surrogates */
	else if (s[0] == 0xf0)
		lo = 0x90; /* overlong */
	else if (s[0] == 0xf4)
		hi = 0x8f; /* beyond U+10FFFF */
	for (size_t i = 1; i < need; i++)
		if (s[i] < (i == 1 ? lo : 0x80) || s[i] > (i == 1 ? hi : 0xbf))
			return 0; /* the NUL terminator stops here too */
	return need;
}

void pg_utf8_fix(char *s)
{
	while (*s) {
		size_t n = utf8_seq((const unsigned char *)s);
		if (!n) {
			*s++ = '?';
			continue;
		}
		s += n;
	}
}

void pg_eprint(const char *fmt, ...)
{
	va_list ap;
	char msg[2048];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pg_defang(msg);
	fprintf(stderr, "portgate: %s\n", msg);
}

void pg_diag_add(struct pg_diag *d, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	char *msg = NULL, *full;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		oom(0);
	va_end(ap);
	if (file && line > 0)
		full = pg_xasprintf("%s:%d: %s", file, line, msg);
	else if (file)
		full = pg_xasprintf("%s: %s", file, msg);
	else
		full = pg_xstrdup(msg);
	free(msg);
	pg_defang(full);
	pg_grow(&d->msgs, &d->cap, d->n + 1, sizeof(*d->msgs));
	d->msgs[d->n++] = full;
}

void pg_diag_print(const struct pg_diag *d, FILE *out)
{
	for (size_t i = 0; i < d->n; i++)
		fprintf(out, "portgate: %s\n", d->msgs[i]);
}

void pg_diag_clear(struct pg_diag *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->msgs[i]);
	free(d->msgs);
	d->msgs = NULL;
	d->n = d->cap = 0;
}
