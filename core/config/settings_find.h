/* settings_find.h - which settings file a run uses, found the way trivy and grype find theirs. */
#ifndef PG_SETTINGS_FIND_H
#define PG_SETTINGS_FIND_H

#include <stdbool.h>

/* Where the settings came from; its name is what -v and the evidence's run.settings say. */
enum pg_config_source {
	PG_CONFIG_BUILTIN, /* no file: built-in defaults */
	PG_CONFIG_FLAG,    /* --config FILE */
	PG_CONFIG_ENV,     /* $PORTGATE_CONFIG */
	PG_CONFIG_CWD,     /* ./.portgate.yaml */
	PG_CONFIG_USER,    /* $XDG_CONFIG_HOME/portgate/portgate.yaml (~/.config) */
	PG_CONFIG_SYSTEM,  /* $(sysconfdir)/portgate/portgate.yaml */
};

/* "built-in", "--config", "PORTGATE_CONFIG", "working directory", "user", "system". */
const char *pg_config_source_name(enum pg_config_source s);

/* The settings file of a run, first match wins: flag (--config, used as given), then
 * env("PORTGATE_CONFIG") when non-empty, then the first of ./.portgate.yaml,
 * env("XDG_CONFIG_HOME") (else env("HOME")/.config) + /portgate/portgate.yaml and
 * sysconfdir/portgate/portgate.yaml that exists. A named file is used even when it is missing
 * (loading it says so); a discovered one only when it is there. env is getenv outside tests.
 * Returns the path (new; NULL: built-in defaults) and sets *source. */
char *pg_config_find(const char *flag, char *(*env)(const char *), const char *sysconfdir,
		     enum pg_config_source *source);

#endif
