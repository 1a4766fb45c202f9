/* cli_plugins.c - placeholder until the plugin host lands (owner: plugin host). */
#include "config.h"
#include "cli.h"

static int unavailable(const char *cmd)
{
	fprintf(stderr, "portgate: %s: plugin support is not built yet\n", cmd);
	return PG_EXIT_USAGE;
}

int pg_cmd_plugins(int argc, char **argv) { (void)argc; (void)argv; return unavailable("plugins"); }
int pg_cmd_plugin_check(int argc, char **argv) { (void)argc; (void)argv; return unavailable("plugin-check"); }
int pg_cmd_outbox(int argc, char **argv) { (void)argc; (void)argv; return unavailable("outbox"); }
