/* cli_diff.c - `portgate diff A.json B.json`: what changed between two evidence files. */
#include "config.h"
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "report/drift.h"
#include "report/evidence.h"
#include "util/log.h"
#include "common/json_get.h"

static const char diff_usage[] =
	"Usage: portgate diff [OPTIONS] BASELINE.json CURRENT.json\n"
	"\n"
	"Compare two evidence files asset by asset (by name and target) and print what changed:\n"
	"port-newly-open, port-newly-closed, certificate-changed, address-changed,\n"
	"asn-changed, finding-new, finding-gone, asset-added, asset-removed.\n"
	"\n"
	"      --json                 print the changes as a JSON array\n"
	"  -q, --quiet                print nothing; the exit status says it\n"
	"  -v, --verbose              more diagnostics on stderr\n"
	"  -h, --help                 this help\n"
	"\n"
	"Exit status: 0 the same; 1 different; 2 usage error or a file that is not evidence.\n";

struct diff_args {
	bool json, quiet;
};

static int parse(int argc, char **argv, struct diff_args *a)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	while ((ch = pg_cli_getopt("diff", argc, argv, "qvh", longopts)) != -1) {
		switch (ch) {
		case 'j': a->json = true; break;
		case 'q': a->quiet = true; break;
		case 'v':
			if (pg_log_threshold < PG_LOG_DEBUG)
				pg_log_threshold++;
			break;
		case 'h': fputs(diff_usage, stdout); return PG_EXIT_PASS;
		default: return pg_cli_common_fallback(NULL, "diff", ch, optarg);
		}
	}
	if (argc - optind != 2)
		return pg_cli_usage_error("diff", "expected two evidence files, got %d",
					  argc - optind);
	return -1;
}

static void print_changes(const json_t *changes, const struct diff_args *a)
{
	const json_t *ch;
	size_t i;

	if (a->json) {
		json_dumpf(changes, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER | PG_JSON_REAL);
		fputc('\n', stdout);
		return;
	}
	json_array_foreach(changes, i, ch)
	{
		char *line = pg_drift_change_line(ch);
		printf("%s\n", line);
		free(line);
	}
	printf("portgate: %zu change%s\n", json_array_size(changes),
	       json_array_size(changes) == 1 ? "" : "s");
}

int pg_cmd_diff(int argc, char **argv)
{
	struct diff_args a = { 0 };
	json_t *before = NULL, *after = NULL, *changes;
	char err[512];
	int code = parse(argc, argv, &a);

	if (code >= 0)
		return code;
	if (!(before = pg_evidence_load(argv[optind], err, sizeof(err))) ||
	    !(after = pg_evidence_load(argv[optind + 1], err, sizeof(err)))) {
		fprintf(stderr, "portgate: diff: %s\n", err);
		json_decref(before);
		return PG_EXIT_USAGE;
	}
	changes = pg_drift_changes(before, after);
	if (!a.quiet)
		print_changes(changes, &a);
	code = json_array_size(changes) ? 1 : 0;
	json_decref(changes);
	json_decref(before);
	json_decref(after);
	return code;
}
