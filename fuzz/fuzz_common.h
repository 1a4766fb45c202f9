/* fuzz_common.h - helpers shared by the libFuzzer harnesses (not installed). */
#ifndef PG_FUZZ_COMMON_H
#define PG_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Write data to a per-process file in /dev/shm named with the given suffix
 * (the loaders choose YAML or JSON by the file name). Returns the path in a
 * static buffer; aborts if the file cannot be written, since a harness that
 * silently parses nothing would report nothing. */
static inline const char *fuzz_write_file(const uint8_t *data, size_t size, const char *suffix)
{
	static char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "/dev/shm/pgfuzz-%ld%s", (long)getpid(), suffix);
	f = fopen(path, "wb");
	if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0) {
		perror(path);
		abort();
	}
	return path;
}

/* Copy of data with a terminating NUL, for functions that take C strings. */
static inline char *fuzz_strndup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

#endif
