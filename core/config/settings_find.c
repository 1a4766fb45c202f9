/* settings_find.c - the settings file a run uses: named (--config, $PORTGATE_CONFIG) or
 * discovered (the working directory, the user's config directory, the system's), in the
 * order trivy and grype search theirs, so a repository's .portgate.yaml wins over a
 * machine's defaults and an explicit name wins over both. */
#include "config.h"
#include "settings_find.h"

#include <sys/stat.h>
#include <stdlib.h>

#include "util/util.h"

const char *pg_config_source_name(enum pg_config_source s)
{
	static const char *const names[] = {
		[PG_CONFIG_BUILTIN] = "built-in",    [PG_CONFIG_FLAG] = "--config",
		[PG_CONFIG_ENV] = "PORTGATE_CONFIG", [PG_CONFIG_CWD] = "working directory",
		[PG_CONFIG_USER] = "user",           [PG_CONFIG_SYSTEM] = "system",
	};

	return (unsigned)s < PG_ARRAY_LEN(names) ? names[s] : "built-in";
}

/* A discovered candidate counts when something is there: a directory or an unreadable file
 * named like the settings is a mistake to report, not a reason to fall back silently. */
static bool exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

static const char *nonempty(char *(*env)(const char *), const char *name)
{
	const char *v = env(name);

	return v && *v ? v : NULL;
}

/* $XDG_CONFIG_HOME/portgate/portgate.yaml, ~/.config/... when it is unset (XDG Base
 * Directory: a relative value is invalid and ignored); NULL without either. */
static char *user_path(char *(*env)(const char *))
{
	const char *xdg = nonempty(env, "XDG_CONFIG_HOME"), *home = nonempty(env, "HOME");

	if (xdg && xdg[0] == '/')
		return pg_xasprintf("%s/portgate/portgate.yaml", xdg);
	return home ? pg_xasprintf("%s/.config/portgate/portgate.yaml", home) : NULL;
}

static char *found(char *path, enum pg_config_source s, enum pg_config_source *source)
{
	*source = s;
	return path;
}

char *pg_config_find(const char *flag, char *(*env)(const char *), const char *sysconfdir,
		     enum pg_config_source *source)
{
	const char *named = nonempty(env, "PORTGATE_CONFIG");
	char *p;

	if (flag)
		return found(pg_xstrdup(flag), PG_CONFIG_FLAG, source);
	if (named)
		return found(pg_xstrdup(named), PG_CONFIG_ENV, source);
	if (exists(".portgate.yaml"))
		return found(pg_xstrdup(".portgate.yaml"), PG_CONFIG_CWD, source);
	if ((p = user_path(env)) && exists(p))
		return found(p, PG_CONFIG_USER, source);
	free(p);
	p = sysconfdir && *sysconfdir ? pg_xasprintf("%s/portgate/portgate.yaml", sysconfdir)
				      : NULL;
	if (p && exists(p))
		return found(p, PG_CONFIG_SYSTEM, source);
	free(p);
	return found(NULL, PG_CONFIG_BUILTIN, source);
}
