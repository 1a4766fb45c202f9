/* cli_output.h - the --format/--output pairs of check and merge. */
#ifndef PG_CLI_OUTPUT_H
#define PG_CLI_OUTPUT_H

#include <stdbool.h>
#include "cli.h"
#include "report/render.h"

struct pg_cli_outputs {
	struct pg_output *v; /* owned array; strings borrowed from argv */
	size_t n;
	bool pending; /* the last --format has no --output yet */
};

enum { PG_OPT_FORMAT = 1100, PG_OPT_OUTPUT, PG_OPT_EVIDENCE_OUT, PG_OPT_COLOR };
#define PG_CLI_OUTPUT_LONGOPTS                                           \
	{ "format", required_argument, NULL, PG_OPT_FORMAT },            \
		{ "output", required_argument, NULL, PG_OPT_OUTPUT },    \
		{ "out", required_argument, NULL, PG_OPT_EVIDENCE_OUT }, \
	{                                                                \
		"color", required_argument, NULL, PG_OPT_COLOR           \
	}

extern const char pg_cli_output_help[];

/* One of the options above: -1 on success, else the usage exit code (message printed). */
int pg_cli_output_opt(struct pg_cli_outputs *o, const char *cmd, int code, const char *arg);
/* A file the command reads (opt names it in messages: "--manifest"); path NULL = none. */
struct pg_cli_input {
	const char *opt, *path;
};
/* After the option loop: -1, or the usage exit code (message printed) when two outputs go
 * to stdout, one cannot be written (empty path, a directory, a missing directory), two
 * go to the same file or one would overwrite one of the nin inputs in. */
int pg_cli_outputs_check(const struct pg_cli_outputs *o, const char *cmd,
			 const struct pg_cli_input *in, size_t nin);
/* True when one output goes to stdout (the text summary then stays off it). */
bool pg_cli_outputs_use_stdout(const struct pg_cli_outputs *o);
/* Write every output; returns code, or 3 instead of 0 when one could not be written. */
int pg_cli_outputs_write(const struct pg_cli_outputs *o, const json_t *report, int code);
void pg_cli_outputs_clear(struct pg_cli_outputs *o);

#endif
