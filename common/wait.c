/* wait.c - see wait.h. */
#include "common/wait.h"

#include <errno.h>
#include <poll.h>

#include "common/clock.h"

/* poll() takes an int: wait in slices of at most a minute. */
#define SLICE_MS   60000
/* Bounds the loop should EINTR come without end (a signal storm). */
#define MAX_ROUNDS 1000000

int pg_wait_fd(int fd, short events, uint64_t deadline_ms)
{
	struct pollfd p = { .fd = fd, .events = events };

	for (int round = 0; round < MAX_ROUNDS; round++) {
		uint64_t now = pg_clock_now_ms();
		int timeout = -1, rc;

		if (deadline_ms && now >= deadline_ms)
			return 0;
		if (deadline_ms)
			timeout = deadline_ms - now > SLICE_MS ? SLICE_MS
							       : (int)(deadline_ms - now);
		rc = poll(&p, 1, timeout);
		if (rc > 0)
			return 1;
		if (rc < 0 && errno != EINTR)
			return -1;
	}
	return -1;
}
