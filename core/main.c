/* main.c - `portgate COMMAND ...`: dispatch to the subcommands in cli_*.c. */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <portgate/plugin.h>

#include "cli/cli.h"

static const char main_usage[] =
	"Usage: portgate COMMAND [OPTIONS]\n"
	"\n"
	"Keep unexpected public services out of production: check owned assets against\n"
	"a manifest of approved ports, with evidence for every verdict.\n"
	"\n"
	"Commands:\n"
	"  check         resolve, scan and apply the policy to a manifest (CI gate, monitor)\n"
	"  scan          scan one or more targets and print the raw scan JSON\n"
	"  validate      validate a manifest without scanning\n"
	"  diff          what changed between two evidence files (exit 0 same, 1 different)\n"
	"  merge         join the evidence of the shards of one manifest into one report\n"
	"  plugins       list enricher and notifier plugins and their options\n"
	"  plugin-check  validate a plugin shared object against the ABI\n"
	"  outbox        list or deliver notifications waiting in the outbox\n"
	"\n"
	"  -h, --help     this help ('portgate COMMAND --help' for a command)\n"
	"  -V, --version  print the version\n"
	"\n"
	"Exit status: 0 pass; 1 policy failed; 2 usage or configuration error;\n"
	"3 could not check. See portgate(1).\n";

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
};

static const struct command commands[] = {
	{ "check", pg_cmd_check },
	{ "scan", pg_cmd_scan },
	{ "validate", pg_cmd_validate },
	{ "diff", pg_cmd_diff },
	{ "merge", pg_cmd_merge },
	{ "plugins", pg_cmd_plugins },
	{ "plugin-check", pg_cmd_plugin_check },
	{ "outbox", pg_cmd_outbox },
};

int main(int argc, char **argv)
{
	/* A peer that resets a probe connection must not kill the scanner. */
	signal(SIGPIPE, SIG_IGN);
	if (argc < 2) {
		fputs(main_usage, stderr);
		return PG_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		fputs(main_usage, stdout);
		return PG_EXIT_PASS;
	}
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version")) {
		printf("portgate %s (plugin ABI %d.%d)\n", PACKAGE_VERSION, PG_PLUGIN_ABI_MAJOR,
		       PG_PLUGIN_ABI_MINOR);
		return PG_EXIT_PASS;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	pg_eprint("unknown command '%s'", argv[1]);
	fputs("Try 'portgate --help'.\n", stderr);
	return PG_EXIT_USAGE;
}
