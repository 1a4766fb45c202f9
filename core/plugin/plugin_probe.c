/* plugin_probe.c - run one risky step of plugin start-up (dlopen and the
 * library's constructors, or an instance's create()) first in a forked child
 * with a deadline, so a plugin that crashes or hangs there costs that plugin
 * and never the run: the child answers with a JSON object over a socketpair
 * (plugin_wire.c framing); its death or silence is described instead. */
#include "config.h"
#include "plugin_isolate.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "plugin_int.h"

/* A probe whose parent was SIGKILLed ends by itself this long after its deadline. */
#define PROBE_WATCHDOG_GRACE_S 2

const char *pg_signal_name(int sig, char *buf, size_t len)
{
	static const struct {
		int sig;
		const char *name;
	} names[] = {
		{ SIGSEGV, "SIGSEGV" }, { SIGABRT, "SIGABRT" }, { SIGBUS, "SIGBUS" },
		{ SIGFPE, "SIGFPE" },   { SIGILL, "SIGILL" },   { SIGKILL, "SIGKILL" },
		{ SIGTERM, "SIGTERM" }, { SIGALRM, "SIGALRM" }, { SIGPIPE, "SIGPIPE" },
	};
	for (size_t i = 0; i < PG_ARRAY_LEN(names); i++)
		if (names[i].sig == sig)
			return names[i].name;
	snprintf(buf, len, "signal %d", sig);
	return buf;
}

/* The probe's stdout and stderr go nowhere: what it prints the real start-up
 * prints again, and stdout may be a JSON document being written. */
static void silence(void)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return;
	dup2(fd, STDOUT_FILENO);
	dup2(fd, STDERR_FILENO);
	close(fd);
}

static _Noreturn void probe_child(int fd, json_t *(*fn)(void *), void *arg, unsigned timeout_ms)
{
	json_t *answer;

	signal(SIGPIPE, SIG_IGN);
	signal(SIGALRM, SIG_DFL);
	alarm(timeout_ms / 1000 + PROBE_WATCHDOG_GRACE_S);
	silence();
	answer = fn(arg);
	_exit(answer && pg_wire_send(fd, answer, 0) == 0 ? 0 : 4);
}

/* The child went silent: how it ended (it is reaped here). */
static void describe_end(pid_t pid, char *err, size_t errlen)
{
	char sbuf[32];
	int st = 0;

	if (waitpid(pid, &st, 0) != pid)
		snprintf(err, errlen, "process lost");
	else if (WIFSIGNALED(st))
		snprintf(err, errlen, "crashed (%s)",
			 pg_signal_name(WTERMSIG(st), sbuf, sizeof(sbuf)));
	else
		snprintf(err, errlen, "exited with status %d", WEXITSTATUS(st));
}

int pg_probe(json_t *(*fn)(void *), void *arg, unsigned timeout_ms, json_t **answer, char *err,
	     size_t errlen)
{
	uint64_t deadline = pg_clock_now_ms() + timeout_ms;
	int sv[2], rc;
	pid_t pid;

	*answer = NULL;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		snprintf(err, errlen, "cannot start a probe process: %s", strerror(errno));
		return PG_ISOLATE_CRASH;
	}
	fflush(stdout); /* nothing buffered is written twice */
	fflush(stderr);
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		probe_child(sv[1], fn, arg, timeout_ms);
	}
	close(sv[1]);
	if (pid < 0) {
		close(sv[0]);
		snprintf(err, errlen, "cannot start a probe process: %s", strerror(errno));
		return PG_ISOLATE_CRASH;
	}
	rc = pg_wire_recv(sv[0], deadline, answer);
	close(sv[0]);
	if (rc == 0) {
		waitpid(pid, NULL, 0);
		return 0;
	}
	if (rc == PG_WIRE_TIMEOUT) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		snprintf(err, errlen, "timed out after %u ms", timeout_ms);
		return PG_ISOLATE_TIMEOUT;
	}
	describe_end(pid, err, errlen);
	return PG_ISOLATE_CRASH;
}
