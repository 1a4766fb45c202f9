/* cli_getopt.c - one option parser front for every command: a bad option is one
 * message that names it ("unknown option '--outt'; did you mean '--out'?", "option
 * '--out' needs an argument"), never getopt's line plus ours. */
#include "config.h"
#include "cli.h"

#include "util/text.h"

#include <string.h>

const char *pg_cli_closest(const char *word, const char *const *names, size_t n)
{
	const char *best = NULL;
	size_t bestd = 3; /* at most two edits away, or a prefix of it */

	for (size_t i = 0; i < n; i++) {
		size_t d = pg_edit_distance(word, names[i], false);
		if (strlen(word) >= 2 && !strncmp(names[i], word, strlen(word)))
			d = 1;
		if (d < bestd) {
			bestd = d;
			best = names[i];
		}
	}
	return best;
}

static int unknown(const char *cmd, const char *arg, const struct option *longopts)
{
	const char *names[64];
	char word[64];
	size_t n = 0;
	const char *hint;

	if (strncmp(arg, "--", 2))
		return pg_cli_usage_error(cmd, "unknown option '%s'", arg);
	snprintf(word, sizeof(word), "%.*s", (int)strcspn(arg + 2, "="), arg + 2);
	for (; longopts[n].name && n < PG_ARRAY_LEN(names); n++)
		names[n] = longopts[n].name;
	if ((hint = pg_cli_closest(word, names, n)))
		return pg_cli_usage_error(cmd, "unknown option '--%s'; did you mean '--%s'?", word,
					  hint);
	return pg_cli_usage_error(cmd, "unknown option '--%s'", word);
}

int pg_cli_getopt(const char *cmd, int argc, char **argv, const char *shortopts,
		  const struct option *longopts)
{
	char spec[64];
	const char *arg;
	char shortname[3] = { '-', 0, 0 };
	int ch;

	snprintf(spec, sizeof(spec), ":%s", shortopts);
	opterr = 0; /* we say it, once */
	optopt = 0;
	ch = getopt_long(argc, argv, spec, longopts, NULL);
	if (ch != '?' && ch != ':')
		return ch;
	arg = optind > 0 && optind <= argc ? argv[optind - 1] : "?";
	shortname[1] = (char)optopt;
	if (optopt && optopt < 128 && strncmp(arg, "--", 2))
		arg = shortname; /* -x, or inside a cluster like -qx */
	if (ch == ':') {
		char name[64];
		snprintf(name, sizeof(name), "%.*s", (int)strcspn(arg, "="), arg);
		pg_cli_usage_error(cmd, "option '%s' needs an argument", name);
	} else {
		unknown(cmd, arg, longopts);
	}
	return PG_CLI_BADOPT;
}
