/* resolve_poll.c - one step of driving a c-ares channel: wait for socket
 * activity or a c-ares timer (never past the deadline), then let c-ares
 * process it. Shared by the bulk resolver and the single lookup. */
#include "config.h"
#include "resolve_int.h"

#include <errno.h>
#include <poll.h>
#include <string.h>

#include "util/log.h"
#include "util/util.h"

static int poll_timeout_ms(ares_channel ch, uint64_t deadline)
{
	uint64_t now = pg_clock_now_ms(), left = deadline > now ? deadline - now : 0;
	struct timeval max, tv, *t;

	max.tv_sec = (time_t)(left / 1000);
	max.tv_usec = (suseconds_t)(left % 1000) * 1000;
	t = ares_timeout(ch, &max, &tv);
	/* Round up so we never spin on a sub-millisecond timeout. */
	return (int)(t->tv_sec * 1000 + (t->tv_usec + 999) / 1000);
}

void pg_resolve_poll_once(ares_channel ch, uint64_t deadline)
{
	ares_socket_t socks[ARES_GETSOCK_MAXNUM];
	struct pollfd pfd[ARES_GETSOCK_MAXNUM];
	int bits = ares_getsock(ch, socks, ARES_GETSOCK_MAXNUM);
	int nfds = 0, i, rc;

	for (i = 0; i < ARES_GETSOCK_MAXNUM; i++) {
		short ev = 0;

		if (ARES_GETSOCK_READABLE(bits, i))
			ev |= POLLIN;
		if (ARES_GETSOCK_WRITABLE(bits, i))
			ev |= POLLOUT;
		if (!ev)
			break;
		pfd[nfds].fd = socks[i];
		pfd[nfds].events = ev;
		pfd[nfds].revents = 0;
		nfds++;
	}
	rc = poll(pfd, (nfds_t)nfds, poll_timeout_ms(ch, deadline));
	if (rc < 0 && errno != EINTR)
		pg_warn("resolver: poll: %s", strerror(errno));
	if (rc <= 0) {
		ares_process_fd(ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD); /* timers */
		return;
	}
	for (i = 0; i < nfds; i++) {
		short re = pfd[i].revents;

		if (!re)
			continue;
		ares_process_fd(ch, re & (POLLIN | POLLERR | POLLHUP) ? pfd[i].fd : ARES_SOCKET_BAD,
				re & (POLLOUT | POLLERR) ? pfd[i].fd : ARES_SOCKET_BAD);
	}
}
