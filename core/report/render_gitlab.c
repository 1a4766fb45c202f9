/* render_gitlab.c - GitLab Code Quality report: one issue per finding, at the asset's
 * manifest line, so merge requests show exposure changes next to the manifest. */
#include "config.h"
#include "render_int.h"

#include <stdlib.h>
#include <string.h>

#include "util/util.h"

/* Code Quality severities: info, minor, major, critical, blocker. */
static const char *cq_severity(const char *sev)
{
	static const char *const map[][2] = {
		{ "info", "info" },     { "low", "minor" },        { "medium", "major" },
		{ "high", "critical" }, { "critical", "blocker" },
	};

	return pg_render_lookup(map, PG_ARRAY_LEN(map), sev, "major");
}

struct issues {
	json_t *arr;
	const char *path;
};

/* GitLab wants one fingerprint per issue; two assets may name the same target
 * (same finding fingerprint), so the asset name goes into it too. */
static void issue_fingerprint(const json_t *f, char out[33])
{
	/* the finding fingerprint is hex: a newline cannot be part of it */
	char *id = pg_xasprintf("%s\n%s", pg_json_get_str_or(f, "fingerprint", ""),
				pg_json_get_str_or(f, "asset", ""));
	char hex[65];

	pg_sha256_hex(id, strlen(id), hex);
	memcpy(out, hex, 32);
	out[32] = '\0';
	free(id);
}

static int add_issue(const json_t *asset, const json_t *f, void *ud)
{
	struct issues *is = ud;
	json_int_t line = pg_render_int(asset, "line");
	char fp[33];

	if (!strcmp(pg_json_get_str_or(f, "action", "warn"), "pass"))
		return 0; /* accepted by an exception: not an open issue */
	issue_fingerprint(f, fp);
	json_array_append_new(
		is->arr,
		json_pack("{s:s, s:s, s:s, s:s, s:[s], s:s, s:{s:s, s:{s:I}}}", "type", "issue",
			  "description", pg_json_get_str_or(f, "reason", "?"), "check_name",
			  pg_json_get_str_or(f, "rule", "unknown"), "fingerprint", fp, "categories",
			  "Security", "severity",
			  cq_severity(pg_render_export_severity(
				  pg_json_get_str_or(f, "action", "warn"),
				  pg_json_get_str_or(f, "severity", "medium"))),
			  "location", "path", is->path, "lines", "begin", line > 0 ? line : 1));
	return 0;
}

int pg_render_gitlab(FILE *out, const json_t *report)
{
	struct issues is = { json_array(), pg_render_manifest_path(report) };
	int r;

	pg_render_each_finding(report, add_issue, &is);
	r = json_dumpf(is.arr, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER | PG_JSON_REAL) < 0 ||
			    fputc('\n', out) == EOF
		    ? -1
		    : 0;
	json_decref(is.arr);
	return r;
}
