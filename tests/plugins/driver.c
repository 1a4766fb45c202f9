/* driver.c - drive the plugin host on a given evidence report, without the
 * scanner, so e2e tests can exercise enrichers, notifiers and the outbox with
 * real processes (and kill them):
 *   pg_plugin_driver enrich CONFIG REPORT.json [--skip-cache] [--plugin-dir DIR]
 *       prints the enriched report
 *   pg_plugin_driver notify CONFIG REPORT.json [--plugin-dir DIR]
 *       prints how many notifications are left in the outbox
 * Exit 2 on configuration errors, like portgate. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"
#include "enrich/enrich.h"
#include "notify/notify.h"
#include "plugin/plugin_host.h"
#include "run/run_stages.h"
#include "config/settings.h"

int main(int argc, char **argv)
{
	struct pg_diag diag = { 0 };
	struct pg_config *cfg;
	struct pg_plugin_host *h;
	char *dirs[8];
	size_t ndirs = 0;
	bool skip = false;
	json_error_t jerr;
	json_t *report;
	int rc = 0;

	if (argc < 4 || (strcmp(argv[1], "enrich") && strcmp(argv[1], "notify"))) {
		fprintf(stderr,
			"usage: %s enrich|notify CONFIG REPORT [--skip-cache] [--plugin-dir DIR]\n",
			argv[0]);
		return 2;
	}
	for (int i = 4; i < argc; i++) {
		if (!strcmp(argv[i], "--skip-cache"))
			skip = true;
		else if (!strcmp(argv[i], "--plugin-dir") && i + 1 < argc && ndirs < 8)
			dirs[ndirs++] = argv[++i];
		else if (!strcmp(argv[i], "-v"))
			pg_log_threshold = PG_LOG_DEBUG;
	}
	report = json_load_file(argv[3], 0, &jerr);
	if (!report) {
		fprintf(stderr, "%s: %s\n", argv[3], jerr.text);
		return 2;
	}
	cfg = pg_config_load(argv[2], &diag);
	h = cfg ? pg_plugin_host_new(cfg, dirs, ndirs, pg_run_stages, &diag) : NULL;
	if (!h) {
		pg_diag_print(&diag, stderr);
		rc = 2;
	} else if (!strcmp(argv[1], "enrich")) {
		pg_enrich_report(h, report, skip);
		json_dumpf(report, stdout, JSON_INDENT(2));
		putchar('\n');
	} else {
		printf("%d\n", pg_notify_report(h, report, NULL));
	}
	pg_plugin_host_free(h);
	pg_config_free(cfg);
	pg_diag_clear(&diag);
	json_decref(report);
	return rc;
}
