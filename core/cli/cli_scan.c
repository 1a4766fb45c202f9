/* cli_scan.c - `portgate scan`: the raw scan JSON, no manifest, no policy. */
#include "config.h"
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "manifest/manifest.h"
#include "report/evidence.h"
#include "util/log.h"
#include "run/pipeline.h"
#include "common/json_get.h"

static const char scan_usage[] =
	"Usage: portgate scan --target HOST [--target HOST...] [--ports LIST] [OPTIONS]\n"
	"\n"
	"Scan TCP and UDP ports of HOST and print the result as JSON in the /v1-port-scanner "
	"shape\n"
	"(target, ip, scanId, timestamp, scanDurationMs, ports[], summary). No policy is applied.\n"
	"Every address HOST resolves to is scanned. With several targets or addresses the output\n"
	"is a JSON array, one object per address (an unresolved target: one object with "
	"\"error\");\n"
	"with --format jsonl it is JSON lines: each of those objects alone on one line, for\n"
	"`jq` gates and line tools. In a pipeline keep portgate's exit status: `set -o pipefail`.\n"
	"\n"
	"  -t, --target HOST          hostname, IPv4 or IPv6 address (only scan what you own)\n"
	"      --targets-file FILE    one target per line ('#' comments; '-' = stdin)\n"
	"  -q, --quiet                only errors on stderr\n"
	"  -v, --verbose              more diagnostics on stderr (repeatable)\n"
	"  -p, --ports LIST           ports and ranges, e.g. 80,443,8000-8100; UDP as 53/udp,\n"
	"                             1000-1010/udp (a bare number is TCP)\n"
	"                             (default: the built-in list of commonly exposed ports)\n"
	"      --tls-ports LIST       ports that must speak TLS (default: well-known TLS ports)\n"
	"      --compact              one-line JSON\n"
	"      --format FMT           json (default: one object, or an array of them) or jsonl\n"
	"                             (one compact object per line, never an array)\n"
	"      --jsonl                the same as --format jsonl\n"
	"  -h, --help                 this help\n"
	"%s"
	"\n"
	"Exit status: 0 scanned; 2 usage error; 3 a target could not be resolved or scanned.\n";

struct scan_args {
	char **targets; /* owned: checked, internationalised names in ACE form */
	size_t ntargets;
	struct pg_portlist ports, tls_ports;
	bool compact;
	bool jsonl;   /* JSON lines: one object per line, no array */
	char **files; /* owned: text of each --targets-file */
	size_t nfiles;
};

/* The target as given, an internationalised name in ACE form; refused before
 * any DNS query when it is no valid host name or address ("bad_host!",
 * "10.0.0.300"): false after printing the usage error, prefixed with where
 * ("FILE:LINE: " of a --targets-file line, "" for --target). */
static bool add_target(struct scan_args *a, const char *t, const char *where)
{
	char *n = pg_host_normalize_new(t);

	if (!n) {
		pg_cli_usage_error(
			"scan", "%starget '%.200s' is not a valid host name, IPv4 or IPv6 address",
			where, t);
		return false;
	}
	a->targets = pg_xrealloc(a->targets, (a->ntargets + 1) * sizeof(char *));
	a->targets[a->ntargets++] = n;
	return true;
}

/* The 1-based line of text that at is on. */
static unsigned line_of(const char *text, const char *at)
{
	unsigned n = 1;

	for (; text < at; text++)
		n += *text == '\n';
	return n;
}

/* One target per line; blank lines and # comments skipped. The file's text is
 * kept in a->files until the end. */
static bool read_targets(struct scan_args *a, const char *path)
{
	size_t len;
	char *text = pg_read_file(strcmp(path, "-") ? path : "/dev/stdin", 16 << 20, &len), *line;
	size_t before = a->ntargets;
	unsigned lineno = 1;
	char where[256];

	if (!text) {
		fprintf(stderr, "portgate: scan: --targets-file %s: %s\n", path, strerror(errno));
		return false;
	}
	a->files = pg_xrealloc(a->files, (a->nfiles + 1) * sizeof(char *));
	a->files[a->nfiles++] = text;
	if (memchr(text, '\0', len)) { /* the lines after it would be dropped unseen */
		pg_cli_usage_error("scan", "--targets-file %s:%u: NUL byte", path,
				   line_of(text, (const char *)memchr(text, '\0', len)));
		return false;
	}
	for (line = text; line && *line; lineno++) {
		char *next = strchr(line, '\n'), *end;
		if (next)
			*next++ = '\0';
		line += strspn(line, " \t\r");
		end = line + strcspn(line, "#");
		while (end > line && strchr(" \t\r", end[-1]))
			end--;
		*end = '\0';
		snprintf(where, sizeof(where), "--targets-file %.200s:%u: ", path, lineno);
		if (*line && !add_target(a, line, where))
			return false;
		line = next;
	}
	if (a->ntargets == before) {
		pg_cli_usage_error("scan", "--targets-file %s: no target in it", path);
		return false;
	}
	return true;
}

static int parse(int argc, char **argv, struct scan_args *a, struct pg_cli_common *c)
{
	static const struct option longopts[] = {
		{ "target", required_argument, NULL, 't' },
		{ "ports", required_argument, NULL, 'p' },
		{ "tls-ports", required_argument, NULL, 'T' },
		{ "compact", no_argument, NULL, 'c' },
		{ "format", required_argument, NULL, 'f' },
		{ "jsonl", no_argument, NULL, 'J' },
		{ "targets-file", required_argument, NULL, 'F' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		PG_CLI_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	char err[256];
	int ch, r;

	while ((ch = pg_cli_getopt("scan", argc, argv, "t:p:qvh", longopts)) != -1) {
		switch (ch) {
		case 't':
			if (!add_target(a, optarg, ""))
				return PG_EXIT_USAGE;
			break;
		case 'F':
			if (!read_targets(a, optarg))
				return PG_EXIT_USAGE;
			break;
		case 'q': pg_log_threshold = PG_LOG_ERROR; break;
		case 'v':
			if (pg_log_threshold < PG_LOG_DEBUG)
				pg_log_threshold++;
			break;
		case 'p':
		case 'T':
			pg_ports_clear(ch == 'p' ? &a->ports : &a->tls_ports); /* last one wins */
			if (!pg_ports_parse(optarg, ch == 'p' ? &a->ports : &a->tls_ports, err,
					    sizeof(err)))
				return pg_cli_usage_error("scan", "--%s: %s",
							  ch == 'p' ? "ports" : "tls-ports", err);
			if (ch == 'T' && a->tls_ports.udp.n) /* the TLS check is a TCP handshake */
				return pg_cli_usage_error("scan", "--tls-ports: TLS is checked on "
								  "TCP ports only (no '/udp')");
			break;
		case 'c': a->compact = true; break;
		case 'J': a->jsonl = true; break;
		case 'f':
			if (strcmp(optarg, "json") && strcmp(optarg, "jsonl"))
				return pg_cli_usage_error(
					"scan", "--format: unknown format '%s' (json, jsonl)",
					optarg);
			a->jsonl = !strcmp(optarg, "jsonl"); /* last one wins */
			break;
		case 'h': printf(scan_usage, pg_cli_common_help); return PG_EXIT_PASS;
		default:
			if ((r = pg_cli_common_fallback(c, "scan", ch, optarg)) >= 0)
				return r;
		}
	}
	if ((r = pg_cli_no_operands("scan", argc, argv)) >= 0)
		return r;
	if (!a->ntargets)
		return pg_cli_usage_error("scan", "--target or --targets-file is required");
	if (!pg_ports_total(&a->ports)) /* "--ports 53/udp" alone scans that only */
		for (size_t i = 0; i < pg_default_candidate_ports_n; i++)
			pg_ports_add(&a->ports, pg_default_candidate_ports[i]);
	return -1;
}

/* One object per scanned address; an unresolved target still gets one, with
 * the reason, so every target shows up. *nobj counts objects written. JSON
 * lines: compact objects separated by newlines. */
static int write_job(const struct pg_job *j, const struct scan_args *a, size_t *nobj, int *code)
{
	const char *sep = a->jsonl ? "\n" : a->compact ? "," : ",\n";
	bool compact = a->compact || a->jsonl;
	json_t *o;
	int r = 0;

	for (size_t k = 0; k < j->nscans && !r; k++) {
		const struct pg_scan_target *t = &j->scans[k];
		for (size_t i = 0; i < pg_scan_nresults(t); i++)
			if (t->results[i].state == PG_PORT_ERROR)
				*code = PG_EXIT_UNCHECKED;
		r |= (*nobj)++ && fputs(sep, stdout) < 0;
		r |= pg_evidence_scan_write(stdout, t, j->target, pg_job_scan_wall_ms(j, k),
					    compact);
	}
	if (j->nscans)
		return r;
	*code = PG_EXIT_UNCHECKED;
	o = json_pack("{s:s, s:n, s:s, s:[], s:{s:i, s:i, s:i, s:i, s:i}}", "target", j->target,
		      "ip", "error", j->res.error ? j->res.error : "not scanned", "ports",
		      "summary", "totalScanned", 0, "open", 0, "closed", 0, "filtered", 0, "error",
		      0);
	r |= (*nobj)++ && fputs(sep, stdout) < 0;
	r |= json_dumpf(o, stdout,
			JSON_PRESERVE_ORDER | PG_JSON_REAL |
				(compact ? JSON_COMPACT : JSON_INDENT(2)));
	json_decref(o);
	return r;
}

static size_t count_objects(const struct pg_job *jobs, size_t n)
{
	size_t total = 0;

	for (size_t i = 0; i < n; i++)
		total += jobs[i].nscans ? jobs[i].nscans : 1;
	return total;
}

static int run(struct scan_args *a, const struct pg_config *cfg)
{
	struct pg_job *jobs = pg_xcalloc(a->ntargets, sizeof(*jobs));
	char err[256];
	int code = PG_EXIT_PASS, w = 0;

	for (size_t i = 0; i < a->ntargets; i++) {
		jobs[i].target = a->targets[i];
		jobs[i].ports = &a->ports;
		jobs[i].tls_ports = &a->tls_ports;
	}
	if (pg_pipeline_run(jobs, a->ntargets, cfg, pg_cli_progress_tty(), err, sizeof(err)) < 0) {
		pg_eprint("scan: %s", err);
		code = PG_EXIT_UNCHECKED;
	} else {
		/* several objects (targets or addresses): a JSON array of them */
		bool many = !a->jsonl && count_objects(jobs, a->ntargets) > 1;
		size_t nobj = 0;
		w |= many && fputs("[", stdout) < 0;
		for (size_t i = 0; i < a->ntargets; i++)
			w |= write_job(&jobs[i], a, &nobj, &code) != 0;
		w |= (many && fputs("]", stdout) < 0) || fputs("\n", stdout) < 0 ||
		     fflush(stdout) != 0;
		if (w) {
			perror("portgate: scan: writing the result");
			code = PG_EXIT_UNCHECKED;
		}
	}
	for (size_t i = 0; i < a->ntargets; i++)
		pg_job_clear(&jobs[i]);
	free(jobs);
	return code;
}

int pg_cmd_scan(int argc, char **argv)
{
	struct scan_args a = { 0 };
	struct pg_cli_common c;
	struct pg_config *cfg = NULL;
	int code;

	pg_cli_common_init(&c);
	code = parse(argc, argv, &a, &c); /* -1: go on; else the exit code */
	if (code < 0)
		code = (cfg = pg_cli_load_config(&c)) ? run(&a, cfg) : PG_EXIT_USAGE;
	pg_config_free(cfg);
	pg_ports_clear(&a.ports);
	pg_ports_clear(&a.tls_ports);
	for (size_t i = 0; i < a.ntargets; i++)
		free(a.targets[i]);
	free(a.targets);
	for (size_t i = 0; i < a.nfiles; i++)
		free(a.files[i]);
	free(a.files);
	pg_cli_common_clear(&c);
	return code;
}
