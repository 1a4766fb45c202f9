/* cli.h - subcommands. Each returns a process exit code (PG_EXIT_*). */
#ifndef PG_CLI_H
#define PG_CLI_H

enum pg_exit {
	PG_EXIT_PASS = 0,      /* every asset checked, nothing failed (or monitor mode) */
	PG_EXIT_POLICY = 1,    /* at least one finding with action fail */
	PG_EXIT_USAGE = 2,     /* usage, manifest, config or plugin error */
	PG_EXIT_UNCHECKED = 3, /* a target could not be resolved or scanned; nothing failed */
};

int pg_cmd_check(int argc, char **argv);
int pg_cmd_scan(int argc, char **argv);
int pg_cmd_validate(int argc, char **argv);
/* core/cli_plugins.c (plugin host owner) */
int pg_cmd_plugins(int argc, char **argv);
int pg_cmd_plugin_check(int argc, char **argv);
int pg_cmd_outbox(int argc, char **argv);

#endif
