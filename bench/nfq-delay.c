/* nfq-delay.c - hold every packet of an NFQUEUE for a fixed delay, then accept it.
 *
 * This kernel has no netem, so the benchmark adds latency in user space: an
 * iptables rule sends the scanner-to-target packets to queue Q, and this
 * program accepts each one D ms after it arrived. The delay is constant, so
 * arrival order is also release order: the held packets are a FIFO ring of
 * (packet id, deadline) and one batch verdict ("accept every id <= N")
 * releases everything that is due. Packet ids grow monotonically per queue.
 *
 * Usage: nfq-delay -q QUEUE -d DELAY_MS [-n MAX_HELD] [-v]
 * Runs until SIGTERM/SIGINT, then releases what it still holds. When the ring
 * is full a packet is accepted at once (never dropped): the delay is then
 * shorter than asked, which is counted and printed at exit. The queue is
 * created fail-open so a kernel-side overflow also accepts instead of drops. */
/* libc network headers first: the linux/ ones then skip their duplicates. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <errno.h>
#include <getopt.h>
#include <linux/netfilter.h>
#include <linux/netlink.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <libnetfilter_queue/libnetfilter_queue.h>

struct held {
	uint32_t id;
	uint64_t due_us;
};

struct delayq {
	struct nfq_q_handle *qh;
	struct held *ring; /* owned: cap entries */
	size_t cap, head, len;
	uint64_t delay_us;
	unsigned long queued, overflow;
};

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int on_packet(struct nfq_q_handle *qh, struct nfgenmsg *msg, struct nfq_data *nfa,
		     void *data)
{
	struct delayq *dq = data;
	struct nfqnl_msg_packet_hdr *ph = nfq_get_msg_packet_hdr(nfa);
	uint32_t id;

	(void)msg;
	if (!ph)
		return 0;
	id = ntohl(ph->packet_id);
	dq->queued++;
	if (dq->len == dq->cap) {
		/* Full: accept now rather than let the kernel drop it. */
		dq->overflow++;
		return nfq_set_verdict(qh, id, NF_ACCEPT, 0, NULL);
	}
	dq->ring[(dq->head + dq->len) % dq->cap] = (struct held){ id, now_us() + dq->delay_us };
	dq->len++;
	return 0;
}

/* Release every held packet that is due (all of them when flush is set) with
 * one batch verdict on the newest due id. */
static void release_due(struct delayq *dq, bool flush)
{
	uint64_t now = now_us();
	uint32_t last = 0;
	bool any = false;

	while (dq->len > 0) {
		struct held *h = &dq->ring[dq->head];

		if (!flush && h->due_us > now)
			break;
		last = h->id;
		any = true;
		dq->head = (dq->head + 1) % dq->cap;
		dq->len--;
	}
	if (any)
		nfq_set_verdict_batch(dq->qh, last, NF_ACCEPT);
}

/* Wait for a packet or the next deadline, whichever comes first. */
static void wait_event(struct delayq *dq, int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct timespec ts = { 0, 100 * 1000 * 1000 }; /* idle wake-up: check stop_flag */

	if (dq->len > 0) {
		uint64_t due = dq->ring[dq->head].due_us, now = now_us();
		uint64_t wait = due > now ? due - now : 0;

		ts.tv_sec = (time_t)(wait / 1000000u);
		ts.tv_nsec = (long)(wait % 1000000u) * 1000;
	}
	ppoll(&pfd, 1, &ts, NULL);
}

static void drain_socket(struct nfq_handle *h, int fd, char *buf, size_t buflen)
{
	for (int i = 0; i < 256; i++) { /* bounded: give the timer a turn */
		ssize_t n = recv(fd, buf, buflen, MSG_DONTWAIT);

		if (n <= 0)
			return;
		nfq_handle_packet(h, buf, (int)n);
	}
}

static void usage(void)
{
	fprintf(stderr, "usage: nfq-delay -q QUEUE -d DELAY_MS [-n MAX_HELD] [-v]\n");
	exit(2);
}

static unsigned long parse_num(const char *s, unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v > max)
		usage();
	return v;
}

static struct nfq_q_handle *open_queue(struct nfq_handle *h, unsigned qnum, struct delayq *dq)
{
	struct nfq_q_handle *qh = nfq_create_queue(h, (uint16_t)qnum, on_packet, dq);

	if (!qh) {
		perror("nfq-delay: nfq_create_queue");
		exit(1);
	}
	if (nfq_set_mode(qh, NFQNL_COPY_META, 0) < 0)
		perror("nfq-delay: nfq_set_mode");
	nfq_set_queue_maxlen(qh, (uint32_t)dq->cap);
	nfq_set_queue_flags(qh, NFQA_CFG_F_FAIL_OPEN, NFQA_CFG_F_FAIL_OPEN);
	return qh;
}

int main(int argc, char **argv)
{
	struct delayq dq = { .cap = 65536 };
	unsigned long qnum = 0, delay_ms = 0;
	bool verbose = false;
	int opt, fd, one = 1;
	static char buf[1 << 16];
	struct nfq_handle *h;

	while ((opt = getopt(argc, argv, "q:d:n:v")) != -1) {
		switch (opt) {
		case 'q': qnum = parse_num(optarg, 65535); break;
		case 'd': delay_ms = parse_num(optarg, 60000); break;
		case 'n': dq.cap = parse_num(optarg, 1u << 22); break;
		case 'v': verbose = true; break;
		default: usage();
		}
	}
	if (dq.cap == 0)
		usage();
	dq.delay_us = delay_ms * 1000u;
	dq.ring = calloc(dq.cap, sizeof(*dq.ring));
	h = nfq_open();
	if (!dq.ring || !h) {
		perror("nfq-delay: init");
		return 1;
	}
	dq.qh = open_queue(h, (unsigned)qnum, &dq);
	fd = nfq_fd(h);
	nfnl_rcvbufsiz(nfq_nfnlh(h), 16u << 20);
	/* A burst larger than the socket buffer must not kill the loop. */
	setsockopt(fd, SOL_NETLINK, NETLINK_NO_ENOBUFS, &one, sizeof(one));
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	if (verbose)
		fprintf(stderr, "nfq-delay: queue %lu, delay %lu ms, ring %zu\n", qnum, delay_ms, dq.cap);
	while (!stop_flag) {
		wait_event(&dq, fd);
		drain_socket(h, fd, buf, sizeof(buf));
		release_due(&dq, false);
	}
	release_due(&dq, true);
	if (verbose || dq.overflow)
		fprintf(stderr, "nfq-delay: %lu packets, %lu accepted early (ring full)\n", dq.queued,
			dq.overflow);
	nfq_destroy_queue(dq.qh);
	nfq_close(h);
	free(dq.ring);
	return 0;
}
