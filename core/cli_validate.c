/* cli_validate.c - `portgate validate`: check a manifest (and config) without scanning. */
#include "config.h"
#include "cli.h"

#include <getopt.h>
#include <string.h>

#include "manifest.h"

static const char validate_usage[] =
	"Usage: portgate validate -m MANIFEST [--config FILE]\n"
	"\n"
	"Load and validate MANIFEST (and the settings file, if given) without resolving or\n"
	"scanning anything. Every problem is printed as FILE:LINE: field: message.\n"
	"\n"
	"  -m, --manifest FILE   asset manifest (YAML or JSON)\n"
	"      --config FILE     also validate this settings file\n"
	"  -h, --help            this help\n"
	"\n"
	"Exit status: 0 valid; 2 invalid or unreadable.\n";

int pg_cmd_validate(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "manifest", required_argument, NULL, 'm' },
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = NULL, *config = NULL;
	struct pg_diag diag = { 0 };
	struct pg_manifest *m;
	struct pg_config *cfg = NULL;
	int ch;

	while ((ch = getopt_long(argc, argv, "m:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'm': path = optarg; break;
		case 'c': config = optarg; break;
		case 'h': fputs(validate_usage, stdout); return PG_EXIT_PASS;
		default: return pg_cli_usage_error("validate", "unknown option");
		}
	}
	if (optind < argc)
		return pg_cli_usage_error("validate", "unexpected argument '%s'", argv[optind]);
	if (!path)
		return pg_cli_usage_error("validate", "--manifest is required");
	m = pg_manifest_load(path, &diag);
	if (config)
		cfg = pg_config_load(config, &diag);
	if (diag.n) {
		pg_diag_print(&diag, stderr);
		pg_diag_clear(&diag);
		pg_manifest_free(m);
		pg_config_free(cfg);
		return PG_EXIT_USAGE;
	}
	printf("%s: valid, %zu asset%s\n", path, m->nassets, m->nassets == 1 ? "" : "s");
	pg_manifest_free(m);
	pg_config_free(cfg);
	return PG_EXIT_PASS;
}
