/* cli.h - subcommands. Each returns a process exit code (PG_EXIT_*). */
#ifndef PG_CLI_H
#define PG_CLI_H

#include <stdbool.h>
#include <stdio.h>
#include <getopt.h>
#include "util/exitcode.h"
#include "config/settings.h"

int pg_cmd_check(int argc, char **argv);
int pg_cmd_scan(int argc, char **argv);
int pg_cmd_validate(int argc, char **argv);
int pg_cmd_serve(int argc, char **argv); /* core/cli/cli_serve.c */
int pg_cmd_plugins(int argc, char **argv);
int pg_cmd_plugin_check(int argc, char **argv);
int pg_cmd_plugin_test(int argc, char **argv);
int pg_cmd_outbox(int argc, char **argv);
int pg_cmd_plugin(int argc, char **argv); /* plugin new (cli_plugin_new.c) */
int pg_cmd_diff(int argc, char **argv);
int pg_cmd_merge(int argc, char **argv);
int pg_cmd_rules(int argc, char **argv);   /* core/cli/cli_rules.c */
int pg_cmd_explain(int argc, char **argv); /* core/cli/cli_rules.c */

/* cli_common.c: options shared by check and scan, applied over the config file. */
struct pg_cli_common {
	const char *config_path; /* --config */
	const char *dns_server;  /* --dns-server */
	const char *ca_file;     /* --ca-file */
	int timeout_ms, retries; /* -1 = from config */
	int max_inflight, max_per_host;
	bool no_probe;
	char **plugin_dirs; /* owned array of borrowed argv strings */
	size_t nplugin_dirs;
};

/* getopt_long codes of the shared options (above the ASCII range). */
enum {
	PG_OPT_CONFIG = 1000,
	PG_OPT_DNS_SERVER,
	PG_OPT_CA_FILE,
	PG_OPT_TIMEOUT,
	PG_OPT_RETRIES,
	PG_OPT_MAX_INFLIGHT,
	PG_OPT_MAX_PER_HOST,
	PG_OPT_NO_PROBE,
	PG_OPT_PLUGIN_DIR,
	PG_OPT_COMMON_END
};
#define PG_CLI_COMMON_LONGOPTS                                                    \
	{ "config", required_argument, NULL, PG_OPT_CONFIG },                     \
		{ "dns-server", required_argument, NULL, PG_OPT_DNS_SERVER },     \
		{ "ca-file", required_argument, NULL, PG_OPT_CA_FILE },           \
		{ "timeout-ms", required_argument, NULL, PG_OPT_TIMEOUT },        \
		{ "retries", required_argument, NULL, PG_OPT_RETRIES },           \
		{ "max-inflight", required_argument, NULL, PG_OPT_MAX_INFLIGHT }, \
		{ "max-per-host", required_argument, NULL, PG_OPT_MAX_PER_HOST }, \
		{ "no-probe", no_argument, NULL, PG_OPT_NO_PROBE },               \
	{                                                                         \
		"plugin-dir", required_argument, NULL, PG_OPT_PLUGIN_DIR          \
	}

extern const char pg_cli_common_help[];

void pg_cli_common_init(struct pg_cli_common *c);
/* Handle one shared option; false with a message on stderr for a bad value. */
bool pg_cli_common_opt(struct pg_cli_common *c, int code, const char *arg);
/* Load the config file and lay the command line over it. NULL -> exit 2. */
struct pg_config *pg_cli_load_config(const struct pg_cli_common *c);
void pg_cli_common_clear(struct pg_cli_common *c);
struct pg_plugin_host;
/* The plugins `portgate plugins` lists: those of each --plugin-dir, of the
 * settings' pluginDirs (cfg may be NULL) and of the installed directory,
 * loaded (each in a probe child first), never run. A new host; refusals into diag. */
struct pg_plugin_host *pg_cli_plugins_found(const struct pg_cli_common *c,
					    const struct pg_config *cfg, struct pg_diag *diag);
/* The default: branch of a command's option loop: -1 when ch was a shared
 * option with a good value, else the exit code to return (message printed). */
int pg_cli_common_fallback(struct pg_cli_common *c, const char *cmd, int ch, const char *arg);
/* After the option loop: -1 when no operand is left, else the usage exit code. */
int pg_cli_no_operands(const char *cmd, int argc, char **argv);
/* cli_getopt.c: getopt_long for a command. A bad option prints one message naming
 * it (with a "did you mean" for a near long option) and returns PG_CLI_BADOPT. */
#define PG_CLI_BADOPT 0x7ffe
int pg_cli_getopt(const char *cmd, int argc, char **argv, const char *shortopts,
		  const struct option *longopts);
/* The name closest to word (two edits at most, or a name word is a prefix of), or NULL. */
const char *pg_cli_closest(const char *word, const char *const *names, size_t n);
/* "portgate: CMD: msg. Try 'portgate CMD --help'." and return PG_EXIT_USAGE */
int pg_cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Progress on stderr: a live line on a terminal, else a heartbeat line every
 * PORTGATE_HEARTBEAT_SECONDS (10) on long runs. */
const struct pg_progress *pg_cli_progress_tty(void);

#endif
