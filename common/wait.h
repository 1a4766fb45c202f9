/* wait.h - one bounded wait on a file descriptor (poll), for every
 * non-blocking socket of portgate and its plugins. */
#ifndef PG_COMMON_WAIT_H
#define PG_COMMON_WAIT_H

#include <stdint.h>

/* Wait until fd is ready for events (POLLIN, POLLOUT; an error or hang-up
 * counts as ready: the next read or write says which) or the deadline
 * (pg_clock_now_ms clock; 0: none) passes. EINTR is retried.
 * 1 ready, 0 timed out, -1 poll failed. */
int pg_wait_fd(int fd, short events, uint64_t deadline_ms);

#endif
