/* cli_plugin_new.c - `portgate plugin new --kind notifier|enricher NAME [DIR]`:
 * a plugin source, a Makefile that builds it with `pkg-config portgate`, and
 * the settings and sample input its `make test` (plugin-check, plugin-test)
 * passes with out of the box. Writes nothing when any file already exists. */
#include "config.h"
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_plugin_new.h"
#include "common/strbuf.h"
#include "util/util.h"

/* A plugin name is a file name and a settings key: short, one word. */
#define NAME_MAX_LEN 64

struct kind_files {
	const char *kind, *section, *verb, *input; /* the words the templates take */
	const char *source, *sample;               /* their texts */
};

static const struct kind_files kinds[] = {
	{ "enricher", "enrichers", "enrich", "finding.json", pg_tpl_enricher_c,
	  pg_tpl_finding_json },
	{ "notifier", "notifiers", "notify", "event.json", pg_tpl_notifier_c, pg_tpl_event_json },
};

static bool valid_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > NAME_MAX_LEN || !((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == n;
}

/* tpl with every @WORD@ of k (and @NAME@, @FINDING@) filled in; new. */
static char *fill(const char *tpl, const struct kind_files *k, const char *name)
{
	const char *const words[][2] = {
		{ "@NAME@", name },    { "@KIND@", k->kind },   { "@SECTION@", k->section },
		{ "@VERB@", k->verb }, { "@INPUT@", k->input }, { "@FINDING@", pg_tpl_finding_json }
	};
	struct pg_strbuf b = { 0 };
	const char *p = tpl;

	while (*p) {
		size_t i, n = strcspn(p, "@");
		pg_strbuf_addn(&b, p, n);
		p += n;
		if (!*p)
			break;
		for (i = 0; i < PG_ARRAY_LEN(words); i++)
			if (!strncmp(p, words[i][0], strlen(words[i][0])))
				break;
		pg_strbuf_add(&b, i < PG_ARRAY_LEN(words) ? words[i][1] : "@");
		p += i < PG_ARRAY_LEN(words) ? strlen(words[i][0]) : 1;
	}
	return pg_strbuf_take(&b);
}

struct out_file {
	char *path; /* owned */
	const char *tpl;
};

/* The files to write, none there yet; false after saying which is. */
static bool plan(const char *dir, const char *name, const struct kind_files *k,
		 struct out_file f[4])
{
	f[0] = (struct out_file){ pg_xasprintf("%s/%s.c", dir, name), k->source };
	f[1] = (struct out_file){ pg_xasprintf("%s/Makefile", dir), pg_tpl_makefile };
	f[2] = (struct out_file){ pg_xasprintf("%s/test.yaml", dir), pg_tpl_test_yaml };
	f[3] = (struct out_file){ pg_xasprintf("%s/%s", dir, k->input), k->sample };
	for (int i = 0; i < 4; i++)
		if (access(f[i].path, F_OK) == 0) {
			pg_eprint("plugin new: %s exists; nothing written", f[i].path);
			return false;
		}
	return true;
}

/* The directory (0755: the loader refuses a plugin directory others may
 * write), then each file. */
static int write_all(const char *dir, const char *name, const struct kind_files *k)
{
	struct out_file f[4];
	int rc = PG_EXIT_PASS;

	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		pg_eprint("plugin new: cannot create %s: %s", dir, strerror(errno));
		return PG_EXIT_USAGE;
	}
	if (!plan(dir, name, k, f))
		rc = PG_EXIT_USAGE;
	for (int i = 0; i < 4 && rc == PG_EXIT_PASS; i++) {
		char *text = fill(f[i].tpl, k, name);
		int w = text ? pg_write_file_atomic(f[i].path, text, strlen(text)) : -ENOMEM;
		if (w != 0) {
			pg_eprint("plugin new: cannot write %s: %s", f[i].path, strerror(-w));
			rc = PG_EXIT_USAGE;
		}
		free(text);
	}
	if (rc == PG_EXIT_PASS)
		printf("wrote %s/: %s.c, Makefile, test.yaml, %s\n"
		       "next: cd %s && make && make test\n",
		       dir, name, k->input, dir);
	for (int i = 0; i < 4; i++)
		free(f[i].path);
	return rc;
}

static void usage(FILE *out)
{
	fputs("usage: portgate plugin new --kind notifier|enricher NAME [DIR]\n"
	      "Write a plugin in DIR (default ./NAME): NAME.c, a Makefile that builds NAME.so\n"
	      "with `pkg-config portgate`, and test.yaml with a sample input for `make test`\n"
	      "(portgate plugin-check and plugin-test). Nothing is written when a file exists.\n",
	      out);
}

static const struct kind_files *kind_named(const char *s)
{
	for (size_t i = 0; s && i < PG_ARRAY_LEN(kinds); i++)
		if (!strcmp(s, kinds[i].kind))
			return &kinds[i];
	return NULL;
}

int pg_cmd_plugin(int argc, char **argv)
{
	static const struct option opts[] = { { "kind", required_argument, NULL, 'k' },
					      { "help", no_argument, NULL, 'h' },
					      { NULL, 0, NULL, 0 } };
	const char *kind = NULL, *name;
	const struct kind_files *k;
	int ch;

	optind = 0;
	while ((ch = pg_cli_getopt("plugin", argc, argv, "k:h", opts)) != -1) {
		if (ch == 'h') {
			usage(stdout);
			return PG_EXIT_PASS;
		}
		if (ch != 'k')
			return PG_EXIT_USAGE; /* said by pg_cli_getopt */
		kind = optarg;
	}
	if (optind >= argc || strcmp(argv[optind], "new") || argc - optind < 2 ||
	    argc - optind > 3) {
		usage(stderr);
		return PG_EXIT_USAGE;
	}
	if (!(k = kind_named(kind)))
		return pg_cli_usage_error("plugin", "--kind: expected notifier or enricher");
	name = argv[optind + 1];
	if (!valid_name(name))
		return pg_cli_usage_error("plugin",
					  "NAME: a letter, then letters, digits, '_' or '-' (at "
					  "most %d)",
					  NAME_MAX_LEN);
	return write_all(argc - optind == 3 ? argv[optind + 2] : name, name, k);
}
