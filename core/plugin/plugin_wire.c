/* plugin_wire.c - the framing between portgate and its plugin worker
 * processes: a 4-byte big-endian length, then that many bytes of JSON. Every
 * wait is bounded by a deadline (0: none, for the worker side, whose peer is
 * portgate itself). */
#include "config.h"
#include "plugin_int.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/wait.h"

/* A message larger than this is a broken peer, not a finding. */
#define MAX_MSG (64u * 1024 * 1024)

static int write_all(int fd, const char *buf, size_t len, uint64_t deadline_ms)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			int w = pg_wait_fd(fd, POLLOUT, deadline_ms);
			if (w <= 0)
				return w == 0 ? PG_WIRE_TIMEOUT : PG_WIRE_BROKEN;
			continue;
		}
		return PG_WIRE_BROKEN;
	}
	return 0;
}

static int read_all(int fd, char *buf, size_t len, uint64_t deadline_ms)
{
	while (len) {
		int w = pg_wait_fd(fd, POLLIN, deadline_ms);
		ssize_t n;

		if (w <= 0)
			return w == 0 ? PG_WIRE_TIMEOUT : PG_WIRE_BROKEN;
		n = read(fd, buf, len);
		if (n > 0) {
			buf += n;
			len -= (size_t)n;
		} else if (n == 0 || (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK)) {
			return PG_WIRE_BROKEN; /* end of file: the peer is gone */
		}
	}
	return 0;
}

int pg_wire_send(int fd, const json_t *msg, uint64_t deadline_ms)
{
	char *text = json_dumps(msg, JSON_COMPACT | JSON_REAL_PRECISION(17));
	unsigned char head[4];
	size_t len;
	int rc;

	if (!text)
		return PG_WIRE_BROKEN;
	len = strlen(text);
	if (len > MAX_MSG) {
		free(text);
		return PG_WIRE_BROKEN;
	}
	head[0] = (unsigned char)(len >> 24);
	head[1] = (unsigned char)(len >> 16);
	head[2] = (unsigned char)(len >> 8);
	head[3] = (unsigned char)len;
	rc = write_all(fd, (const char *)head, 4, deadline_ms);
	if (rc == 0)
		rc = write_all(fd, text, len, deadline_ms);
	free(text);
	return rc;
}

int pg_wire_recv(int fd, uint64_t deadline_ms, json_t **msg)
{
	unsigned char head[4];
	size_t len;
	char *buf;
	int rc;

	*msg = NULL;
	rc = read_all(fd, (char *)head, 4, deadline_ms);
	if (rc != 0)
		return rc;
	len = (size_t)head[0] << 24 | (size_t)head[1] << 16 | (size_t)head[2] << 8 | head[3];
	if (len > MAX_MSG)
		return PG_WIRE_BROKEN;
	buf = pg_xmalloc(len + 1);
	rc = read_all(fd, buf, len, deadline_ms);
	if (rc == 0) {
		/* the whole frame is read: a payload that is not JSON (a NUL, bytes that are
		 * not UTF-8) spoils this message only, and the stream stays in step */
		*msg = json_loadb(buf, len, 0, NULL);
		if (!*msg)
			rc = PG_WIRE_BAD;
	}
	free(buf);
	return rc;
}
