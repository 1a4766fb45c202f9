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
	"  plugin-test   run configured plugins on a canned finding or event\n"
	"  plugin new    write a notifier or enricher and its Makefile (pkg-config portgate)\n"
	"  outbox        list or deliver notifications waiting in the outbox\n"
	"  serve         the /v1-port-scanner HTTP API, locked to a manifest\n"
	"  rules         list every rule: default action, severity, source, summary\n"
	"  explain RULE  what a rule means, what to do about it, how to tune it\n"
	"\n"
	"  -h, --help     this help ('portgate help COMMAND' or 'portgate COMMAND --help')\n"
	"  -V, --version  print the version (also after any command)\n"
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
	{ "plugin-test", pg_cmd_plugin_test },
	{ "plugin", pg_cmd_plugin },
	{ "outbox", pg_cmd_outbox },
	{ "serve", pg_cmd_serve },
	{ "rules", pg_cmd_rules },
	{ "explain", pg_cmd_explain },
};

static int version(void)
{
	printf("portgate %s (plugin ABI %d.%d)\n", PACKAGE_VERSION, PG_PLUGIN_ABI_MAJOR,
	       PG_PLUGIN_ABI_MINOR);
	return PG_EXIT_PASS;
}

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < PG_ARRAY_LEN(commands); i++)
		if (!strcmp(name, commands[i].name))
			return &commands[i];
	return NULL;
}

static int unknown_command(const char *name)
{
	const char *names[PG_ARRAY_LEN(commands) + 1], *hint;

	for (size_t i = 0; i < PG_ARRAY_LEN(commands); i++)
		names[i] = commands[i].name;
	names[PG_ARRAY_LEN(commands)] = "help";
	if (name[0] == '-') /* options follow the command: `portgate check -v` */
		pg_eprint("option '%s' given before the command (options follow it: "
			  "portgate COMMAND [OPTIONS])",
			  name);
	else if ((hint = pg_cli_closest(name, names, PG_ARRAY_LEN(names))))
		pg_eprint("unknown command '%s'; did you mean '%s'?", name, hint);
	else
		pg_eprint("unknown command '%s'", name);
	fputs("Try 'portgate --help'.\n", stderr);
	return PG_EXIT_USAGE;
}

/* `portgate help CMD` is `portgate CMD --help`. */
static int help(int argc, char **argv)
{
	const struct command *c;
	char *args[] = { NULL, (char *)"--help", NULL };

	if (argc < 3) {
		fputs(main_usage, stdout);
		return PG_EXIT_PASS;
	}
	if (!(c = find_command(argv[2])))
		return unknown_command(argv[2]);
	args[0] = argv[2];
	return c->fn(2, args);
}

/* --version is understood by every command (before a "--"). */
static bool asks_version(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--version") || (i == 1 && !strcmp(argv[i], "-V")))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	const struct command *c;

	/* A peer that resets a probe connection must not kill the scanner. */
	signal(SIGPIPE, SIG_IGN);
	if (argc < 2) {
		fputs(main_usage, stderr);
		return PG_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))
		return fputs(main_usage, stdout), PG_EXIT_PASS;
	if (!strcmp(argv[1], "help"))
		return help(argc, argv);
	if (asks_version(argc, argv))
		return version();
	if (!(c = find_command(argv[1])))
		return unknown_command(argv[1]);
	return c->fn(argc - 1, argv + 1);
}
