/* cli_validate.c - `portgate validate`: check a manifest (and config) without scanning. */
#include "config.h"
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "manifest/manifest.h"
#include "plugin/plugin_host.h"
#include "run/rule_check.h"
#include "run/run_stages.h"
#include "serve/serve.h"
#include "util/log.h"

static const char validate_usage[] =
	"Usage: portgate validate -m MANIFEST [--config FILE [--plugin-dir DIR...]]\n"
	"\n"
	"Load and validate MANIFEST without resolving or scanning anything, and the settings file\n"
	"`check` would use (--config, else the one it finds: see portgate(1), FILES) exactly as\n"
	"`check` would: resolver and CA settings, and the plugin sections against the plugins'\n"
	"option tables (plugins are loaded, not run); and its serve: section as `serve` would.\n"
	"Every problem is printed as FILE:LINE: field: message.\n"
	"A rule id the manifest names (policy maps, policy.enforce, an exception's rule) that no\n"
	"core rule, drift rule or plugin found (as 'portgate plugins' finds them, with these\n"
	"settings) declares is a warning with FILE:LINE, and 'did you mean' for a near miss:\n"
	"warnings leave the manifest valid (another run may load the plugin that emits it).\n"
	"\n"
	"  -m, --manifest FILE   asset manifest (YAML or JSON)\n"
	"      --config FILE     validate this settings file (default: the one check finds)\n"
	"      --plugin-dir DIR  also look for plugins in DIR (repeatable)\n"
	"      --json            print {manifest, valid, assets, errors: [{file, line, message}],\n"
	"                        warnings: [...]} on stdout instead of the messages\n"
	"  -q, --quiet           print nothing when valid (no warnings either)\n"
	"  -v, --verbose         more diagnostics on stderr\n"
	"  -h, --help            this help\n"
	"\n"
	"Exit status: 0 valid (with or without warnings); 2 invalid or unreadable.\n";

/* The plugins whose rules a manifest may name: every one `portgate plugins` would
 * find with these settings. A file refused here is said by the settings' check
 * (when the settings name it) and by `portgate plugins`, not twice. */
static struct pg_plugin_host *known_plugins(const struct pg_cli_common *c,
					    const struct pg_config *cfg)
{
	struct pg_diag quiet = { 0 };
	struct pg_plugin_host *h = pg_cli_plugins_found(c, cfg, &quiet);

	pg_diag_clear(&quiet);
	return h;
}

/* What `check` would accept: the file, the resolver and CA settings, and
 * every plugin section against the plugins' option tables; what create()
 * would say (a missing secret, a refused URL) shows only at check. */
static bool config_valid(struct pg_cli_common *c, char **path, struct pg_plugin_host **known)
{
	struct pg_config *cfg;
	struct pg_plugin_host *host = NULL;
	struct pg_diag diag = { 0 };
	bool ok;

	/* the file check would use (--config or the one it finds); prints its own errors */
	if (!(cfg = pg_cli_load_config(c)))
		return false;
	*path = cfg->path ? pg_xstrdup(cfg->path) : NULL;
	/* no create(): a CI job validating the config has no secrets */
	if (cfg->path && !(host = pg_plugin_host_validate(cfg, c->plugin_dirs, c->nplugin_dirs,
							  pg_run_stages, &diag)))
		pg_diag_print(&diag, stderr);
	ok = !cfg->path || host;
	/* and the serve: section, which `portgate serve` would refuse */
	pg_diag_clear(&diag);
	if (!pg_serve_settings_check(cfg, &diag)) {
		pg_diag_print(&diag, stderr);
		ok = false;
	}
	if (ok)
		*known = known_plugins(c, cfg);
	pg_diag_clear(&diag);
	pg_plugin_host_free(host);
	pg_config_free(cfg);
	return ok;
}

/* Diag's "FILE:LINE: message" lines as [{"file", "line", "message"}] (path: a
 * message without a place). */
static json_t *diag_json(const char *path, const struct pg_diag *d)
{
	json_t *errs = json_array();

	for (size_t i = 0; i < d->n; i++) {
		/* "FILE:LINE: message" (diag's format), or a message without a place */
		const char *msg = d->msgs[i], *colon = strchr(msg, ':');
		char *end = NULL;
		long line = colon ? strtol(colon + 1, &end, 10) : 0;
		bool located = colon && end > colon + 1 && *end == ':';
		json_t *e = json_pack("{s:s, s:I, s:s}", "file", path, "line",
				      (json_int_t)(located ? line : 0), "message",
				      located ? end + 1 + strspn(end + 1, " ") : msg);
		if (located)
			json_object_set_new(e, "file", json_stringn(msg, (size_t)(colon - msg)));
		json_array_append_new(errs, e);
	}
	return errs;
}

/* --json: {"manifest", "valid", "assets", "errors": [{"file", "line", "message"}],
 * "warnings": [the same]}. */
static void print_json(const char *path, const struct pg_manifest *m, const struct pg_diag *d,
		       const struct pg_diag *w, bool ok)
{
	json_t *doc = json_pack("{s:s, s:b, s:I, s:o, s:o}", "manifest", path, "valid", ok,
				"assets", (json_int_t)(m ? m->nassets : 0), "errors",
				diag_json(path, d), "warnings", diag_json(path, w));

	json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
	json_decref(doc);
}

int pg_cmd_validate(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "manifest", required_argument, NULL, 'm' },
		{ "config", required_argument, NULL, 'c' },
		{ "plugin-dir", required_argument, NULL, PG_OPT_PLUGIN_DIR },
		{ "json", no_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = NULL;
	char *settings = NULL; /* the settings file validated, if any */
	bool json = false, quiet = false;
	struct pg_cli_common c;
	struct pg_diag diag = { 0 }, warnings = { 0 };
	struct pg_plugin_host *known = NULL;
	struct pg_manifest *m;
	bool ok;
	int ch;

	pg_cli_common_init(&c);
	while ((ch = pg_cli_getopt("validate", argc, argv, "m:qvh", longopts)) != -1) {
		switch (ch) {
		case 'm': path = optarg; break;
		case 'j': json = true; break;
		case 'q': quiet = true; break;
		case 'v':
			if (pg_log_threshold < PG_LOG_DEBUG)
				pg_log_threshold++;
			break;
		case 'c': c.config_path = optarg; break;
		case PG_OPT_PLUGIN_DIR: pg_cli_common_opt(&c, ch, optarg); break;
		case 'h': fputs(validate_usage, stdout); return PG_EXIT_PASS;
		default: return pg_cli_common_fallback(&c, "validate", ch, optarg);
		}
	}
	if (optind < argc || !path) {
		pg_cli_common_clear(&c);
		return optind < argc ? pg_cli_usage_error("validate", "unexpected argument '%s'",
							  argv[optind])
				     : pg_cli_usage_error("validate", "--manifest is required");
	}
	m = pg_manifest_load(path, &diag);
	if (!json)
		pg_diag_print(&diag, stderr);
	ok = !diag.n && config_valid(&c, &settings, &known);
	if (ok)
		pg_rule_check_manifest(m, known, &warnings);
	if (json)
		print_json(path, m, &diag, &warnings, ok);
	else if (ok && !quiet) {
		for (size_t i = 0; i < warnings.n; i++)
			pg_warn("%s", warnings.msgs[i]);
		printf("%s: valid, %zu asset%s\n", path, m->nassets, m->nassets == 1 ? "" : "s");
		if (settings)
			printf("%s: valid\n", settings);
	}
	free(settings);
	pg_plugin_host_free(known);
	pg_diag_clear(&warnings);
	pg_diag_clear(&diag);
	pg_manifest_free(m);
	pg_cli_common_clear(&c);
	return ok ? PG_EXIT_PASS : PG_EXIT_USAGE;
}
