/* plugin_host.c - load plugins with libltdl, validate config, create instances,
 * and the function table lent to plugins. */
#include "config.h"
#include "plugin_host.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <ltdl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "enrich.h"
#include "http.h"
#include "log.h"

#define MAX_OPTIONS 64

/* ---- per-thread call state ------------------------------------------- */

static _Thread_local struct pg_call *current_call;

void pg_call_begin(struct pg_call *c, unsigned timeout_ms)
{
	c->err[0] = '\0';
	c->deadline_ms = timeout_ms ? pg_now_ms() + timeout_ms : 0;
	current_call = c;
}

void pg_call_end(void)
{
	current_call = NULL;
}

struct pg_call *pg_call_current(void)
{
	return current_call;
}

void pg_plugin_busy_add(struct pg_plugin_ctx *c, int delta)
{
	pthread_mutex_lock(&c->host->lock);
	c->busy += delta;
	pthread_mutex_unlock(&c->host->lock);
}

void pg_plugin_call_enter(struct pg_plugin_ctx *c)
{
	if (c->mod->desc.thread_model != PG_THREAD_PARALLEL)
		pthread_mutex_lock(&c->mod->serialize);
}

void pg_plugin_call_leave(struct pg_plugin_ctx *c)
{
	if (c->mod->desc.thread_model != PG_THREAD_PARALLEL)
		pthread_mutex_unlock(&c->mod->serialize);
}

/* ---- names ------------------------------------------------------------ */

const char *pg_plugin_kind_name(int kind)
{
	switch (kind) {
	case PG_PLUGIN_ENRICHER: return "enricher";
	case PG_PLUGIN_NOTIFIER: return "notifier";
	default: return "unknown";
	}
}

const char *pg_option_type_name(int type)
{
	switch (type) {
	case PG_OPT_STRING: return "string";
	case PG_OPT_INT: return "int";
	case PG_OPT_BOOL: return "bool";
	case PG_OPT_SECRET_ENV: return "secret-env";
	default: return "unknown";
	}
}

static bool valid_ident(const char *s, bool allow_upper)
{
	if (!s || !*s || strlen(s) > 64)
		return false;
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (!(islower(ch) || isdigit(ch) || ch == '-' || ch == '_' ||
		      (allow_upper && (isupper(ch) || ch == '.'))))
			return false;
	}
	return true;
}

static bool valid_env_name(const char *s)
{
	if (!s || !(isalpha((unsigned char)*s) || *s == '_'))
		return false;
	for (; *s; s++)
		if (!(isalnum((unsigned char)*s) || *s == '_'))
			return false;
	return true;
}

static bool parse_int(const char *s, long long *out)
{
	char *end;

	if (!s || !*s)
		return false;
	errno = 0;
	*out = strtoll(s, &end, 10);
	return errno == 0 && *end == '\0';
}

static bool parse_bool(const char *s, bool *out)
{
	if (!s)
		return false;
	if (!strcmp(s, "true") || !strcmp(s, "yes")) {
		*out = true;
		return true;
	}
	if (!strcmp(s, "false") || !strcmp(s, "no")) {
		*out = false;
		return true;
	}
	return false;
}

/* ---- host life -------------------------------------------------------- */

static pthread_once_t ltdl_once = PTHREAD_ONCE_INIT;
static int ltdl_status;

static void ltdl_init_once(void)
{
	ltdl_status = lt_dlinit();
}

struct pg_plugin_host *pg_plugin_host_empty(void)
{
	struct pg_plugin_host *h = pg_xcalloc(1, sizeof(*h));

	pthread_once(&ltdl_once, ltdl_init_once);
	pg_http_global_init();
	pthread_mutex_init(&h->lock, NULL);
	h->enrich_on[1] = h->enrich_on[2] = true;
	h->notify_on[2] = true;
	h->enrich_timeout_ms = 10000;
	h->enrich_concurrency = 8;
	h->notify_retries = 3;
	h->notify_backoff_ms = 500;
	h->notify_backoff_max_ms = 30000;
	h->outbox_max_age_h = 24 * 7;
	h->dns_timeout_ms = 2000;
	return h;
}

/* Calls that never returned keep their instance and module alive: freeing
 * them under a running thread would crash. They stay reachable from here. */
static struct pg_plugin_ctx **abandoned;
static size_t nabandoned, capabandoned;

void pg_plugin_instance_free(struct pg_plugin_ctx *c)
{
	int busy;

	if (!c)
		return;
	pthread_mutex_lock(&c->host->lock);
	busy = c->busy;
	pthread_mutex_unlock(&c->host->lock);
	if (busy > 0) {
		c->mod->pinned = true;
		pg_grow(&abandoned, &capabandoned, nabandoned + 1, sizeof(*abandoned));
		abandoned[nabandoned++] = c;
		pg_warn("[%s] a call is still running; instance left alive", c->name);
		return;
	}
	if (c->created && c->mod->desc.destroy)
		c->mod->desc.destroy(c->state);
	for (size_t i = 0; i < c->nopts; i++) {
		free(c->opts[i].text);
		if (c->opts[i].secret) /* wipe: secrets do not linger in freed memory */
			memset(c->opts[i].secret, 0, strlen(c->opts[i].secret));
		free(c->opts[i].secret);
	}
	free(c->opts);
	free(c->name);
	free(c);
}

static void module_free(struct pg_module *m)
{
	if (!m)
		return;
	if (m->pinned)
		return; /* still in use by an abandoned call; stays loaded */
	if (m->handle)
		lt_dlclose(m->handle);
	pthread_mutex_destroy(&m->serialize);
	free(m->path);
	free(m);
}

void pg_plugin_host_free(struct pg_plugin_host *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->nenrichers; i++)
		pg_plugin_instance_free(h->enrichers[i]);
	for (size_t i = 0; i < h->nnotifiers; i++)
		pg_plugin_instance_free(h->notifiers[i]);
	free(h->enrichers);
	free(h->notifiers);
	for (size_t i = 0; i < h->nmods; i++)
		module_free(h->mods[i]);
	free(h->mods);
	free(h->state_dir);
	free(h->ca_file);
	free(h->dns_server);
	pthread_mutex_destroy(&h->lock);
	free(h);
}

/* ---- loading ---------------------------------------------------------- */

/* A plugin runs with our privileges: refuse files anyone else could swap. */
static bool safe_perms(const char *path, bool want_dir, struct pg_diag *diag)
{
	struct stat st;

	if (stat(path, &st) != 0) {
		pg_diag_add(diag, path, 0, "cannot stat: %s", strerror(errno));
		return false;
	}
	if (want_dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode)) {
		pg_diag_add(diag, path, 0, "not a %s", want_dir ? "directory" : "regular file");
		return false;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		pg_diag_add(diag, path, 0,
			    "refusing plugin %s writable by group or others (mode %03o): "
			    "chmod go-w it",
			    want_dir ? "directory" : "file", (unsigned)(st.st_mode & 0777));
		return false;
	}
	return true;
}

static bool check_options(const struct pg_plugin *d, const char *path, struct pg_diag *diag)
{
	const struct pg_plugin_option *o = d->options;
	long long n;
	bool b;

	for (size_t i = 0; o && o[i].name; i++) {
		if (i >= MAX_OPTIONS) {
			pg_diag_add(diag, path, 0, "plugin %s: more than %d options", d->name,
				    MAX_OPTIONS);
			return false;
		}
		if (!valid_ident(o[i].name, true) || o[i].type < PG_OPT_STRING ||
		    o[i].type > PG_OPT_SECRET_ENV) {
			pg_diag_add(diag, path, 0, "plugin %s: option %zu has a bad name or type",
				    d->name, i);
			return false;
		}
		if (o[i].def && ((o[i].type == PG_OPT_INT && !parse_int(o[i].def, &n)) ||
				 (o[i].type == PG_OPT_BOOL && !parse_bool(o[i].def, &b)))) {
			pg_diag_add(diag, path, 0, "plugin %s: option %s has a bad default '%s'",
				    d->name, o[i].name, o[i].def);
			return false;
		}
	}
	return true;
}

static bool check_descriptor(const struct pg_plugin *d, const char *path, struct pg_diag *diag)
{
	if (d->abi_major != PG_PLUGIN_ABI_MAJOR) {
		pg_diag_add(diag, path, 0,
			    "plugin ABI %u.%u is not supported (this portgate speaks ABI %d.x): "
			    "rebuild the plugin against this portgate's header",
			    d->abi_major, d->abi_minor, PG_PLUGIN_ABI_MAJOR);
		return false;
	}
	if (!valid_ident(d->name, false)) {
		pg_diag_add(diag, path, 0, "plugin name missing or not [a-z0-9_-]+");
		return false;
	}
	if (d->kind != PG_PLUGIN_ENRICHER && d->kind != PG_PLUGIN_NOTIFIER) {
		pg_diag_add(diag, path, 0, "plugin %s: unknown kind %d", d->name, (int)d->kind);
		return false;
	}
	if ((d->kind == PG_PLUGIN_ENRICHER && !d->enrich) ||
	    (d->kind == PG_PLUGIN_NOTIFIER && !d->notify)) {
		pg_diag_add(diag, path, 0, "plugin %s: %s without its %s callback", d->name,
			    pg_plugin_kind_name(d->kind),
			    d->kind == PG_PLUGIN_ENRICHER ? "enrich" : "notify");
		return false;
	}
	if (!d->version || !d->description) {
		pg_diag_add(diag, path, 0, "plugin %s: version and description are required",
			    d->name);
		return false;
	}
	if ((unsigned)d->thread_model > PG_THREAD_PARALLEL ||
	    (unsigned)d->notify_mode > PG_NOTIFY_PER_FINDING ||
	    (unsigned)d->enrich_scope > PG_SCOPE_FINDING) {
		pg_diag_add(diag, path, 0, "plugin %s: unknown thread model, notify mode or scope",
			    d->name);
		return false;
	}
	return check_options(d, path, diag);
}

/* Copy what the plugin has (older plugins: a prefix), zero the rest. */
static bool copy_descriptor(struct pg_module *m, const struct pg_plugin *d, struct pg_diag *diag)
{
	size_t n;

	if (!d) {
		pg_diag_add(diag, m->path, 0, "%s() returned NULL", PG_PLUGIN_ENTRY_SYMBOL);
		return false;
	}
	if (d->struct_size < PG_PLUGIN_MIN_SIZE || d->struct_size > 65536) {
		pg_diag_add(diag, m->path, 0, "descriptor size %zu is not valid (minimum %zu)",
			    d->struct_size, (size_t)PG_PLUGIN_MIN_SIZE);
		return false;
	}
	m->orig_size = d->struct_size;
	n = d->struct_size < sizeof(m->desc) ? d->struct_size : sizeof(m->desc);
	memset(&m->desc, 0, sizeof(m->desc));
	memcpy(&m->desc, d, n);
	m->desc.struct_size = sizeof(m->desc);
	return true;
}

struct pg_module *pg_plugin_load_file(struct pg_plugin_host *h, const char *path,
				      struct pg_diag *diag)
{
	struct pg_module *m;
	pg_plugin_entry_fn entry;
	lt_dladvise adv;
	void *sym;

	if (ltdl_status != 0) {
		pg_diag_add(diag, path, 0, "libltdl failed to initialise");
		return NULL;
	}
	if (!safe_perms(path, false, diag))
		return NULL;
	m = pg_xcalloc(1, sizeof(*m));
	m->path = pg_xstrdup(path);
	pthread_mutex_init(&m->serialize, NULL);
	/* Local symbols: two plugins may both define helper names. */
	lt_dladvise_init(&adv);
	lt_dladvise_local(&adv);
	m->handle = lt_dlopenadvise(path, adv);
	lt_dladvise_destroy(&adv);
	if (!m->handle) {
		pg_diag_add(diag, path, 0, "cannot load plugin: %s", lt_dlerror());
		goto fail;
	}
	sym = lt_dlsym(m->handle, PG_PLUGIN_ENTRY_SYMBOL);
	if (!sym) {
		pg_diag_add(diag, path, 0, "not a portgate plugin: no %s symbol",
			    PG_PLUGIN_ENTRY_SYMBOL);
		goto fail;
	}
	memcpy(&entry, &sym, sizeof(entry)); /* object -> function pointer, POSIX-style */
	if (!copy_descriptor(m, entry(), diag) || !check_descriptor(&m->desc, path, diag))
		goto fail;
	if (h) {
		pg_grow(&h->mods, &h->capmods, h->nmods + 1, sizeof(*h->mods));
		h->mods[h->nmods++] = m;
	}
	return m;
fail:
	module_free(m);
	return NULL;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted list of *.so in dir (owned). */
static char **list_so(const char *dir, size_t *n, struct pg_diag *diag)
{
	DIR *dh = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t cap = 0, len;

	*n = 0;
	if (!dh) {
		pg_diag_add(diag, dir, 0, "cannot open plugin directory: %s", strerror(errno));
		return NULL;
	}
	while ((de = readdir(dh))) {
		len = strlen(de->d_name);
		if (len <= 3 || strcmp(de->d_name + len - 3, ".so") || de->d_name[0] == '.')
			continue;
		pg_grow(&names, &cap, *n + 1, sizeof(*names));
		names[(*n)++] = pg_xasprintf("%s/%s", dir, de->d_name);
	}
	closedir(dh);
	if (*n)
		qsort(names, *n, sizeof(*names), cmp_str);
	return names;
}

static int load_dir(struct pg_plugin_host *h, const char *dir, struct pg_diag *diag)
{
	size_t n, before = diag->n;
	char **files;
	struct pg_module *m;
	int rc = 0;

	if (!safe_perms(dir, true, diag))
		return -1;
	files = list_so(dir, &n, diag);
	if (diag->n != before)
		return -1;
	for (size_t i = 0; i < n; i++) {
		size_t nmods = h->nmods;
		m = pg_plugin_load_file(h, files[i], diag);
		if (!m) {
			rc = -1;
		} else {
			for (size_t j = 0; j < nmods; j++) {
				if (strcmp(h->mods[j]->desc.name, m->desc.name))
					continue;
				/* First directory wins, like PATH. */
				pg_info("plugin %s from %s shadowed by %s", m->desc.name, m->path,
					h->mods[j]->path);
				h->nmods--;
				module_free(m);
				break;
			}
		}
		free(files[i]);
	}
	free(files);
	return rc;
}

int pg_plugin_load_dirs(struct pg_plugin_host *h, char *const *dirs, size_t ndirs,
			struct pg_diag *diag)
{
	int rc = 0;

	for (size_t i = 0; i < ndirs; i++)
		if (load_dir(h, dirs[i], diag) != 0)
			rc = -1;
	return rc;
}

struct pg_module *pg_plugin_find(struct pg_plugin_host *h, const char *name)
{
	for (size_t i = 0; i < h->nmods; i++)
		if (!strcmp(h->mods[i]->desc.name, name))
			return h->mods[i];
	return NULL;
}

/* ---- instances -------------------------------------------------------- */

static struct pg_optval *find_opt(struct pg_plugin_ctx *c, const char *name)
{
	for (size_t i = 0; i < c->nopts; i++)
		if (!strcmp(c->opts[i].opt->name, name))
			return &c->opts[i];
	return NULL;
}

/* Accept a scalar of the option's type; record text. */
static bool set_option(struct pg_plugin_ctx *c, struct pg_optval *v, const struct pg_node *n,
		       const char *file, struct pg_diag *diag)
{
	const char *s = NULL;
	bool b;

	if (n->kind != PG_NODE_SCALAR || !pg_node_str(n, &s)) {
		pg_diag_add(diag, file, n->line, "%s.%s: expected %s, got %s", c->name,
			    v->opt->name, pg_option_type_name(v->opt->type),
			    pg_node_kind_name(n->kind));
		return false;
	}
	switch (v->opt->type) {
	case PG_OPT_INT:
		if (n->quoted || !parse_int(s, &v->num))
			goto mistyped;
		break;
	case PG_OPT_BOOL:
		if (n->quoted || !pg_node_bool(n, &b))
			goto mistyped;
		v->num = b;
		break;
	case PG_OPT_SECRET_ENV:
		if (!valid_env_name(s)) {
			pg_diag_add(diag, file, n->line,
				    "%s.%s: expected the name of an environment variable "
				    "holding the secret (not the secret itself)",
				    c->name, v->opt->name);
			return false;
		}
		break;
	default:
		break;
	}
	v->text = pg_xstrdup(s);
	v->set = true;
	return true;
mistyped:
	pg_diag_add(diag, file, n->line, "%s.%s: expected %s, got '%s'", c->name, v->opt->name,
		    pg_option_type_name(v->opt->type), s);
	return false;
}

static bool host_key(struct pg_plugin_ctx *c, const char *key, const struct pg_node *n,
		     const char *file, struct pg_diag *diag)
{
	unsigned long v;

	if (!strcmp(key, "plugin"))
		return true;
	if (!strcmp(key, "cacheTtlSeconds") || !strcmp(key, "timeoutMs")) {
		if (!pg_node_uint(n, 86400UL * 365, &v)) {
			pg_diag_add(diag, file, n->line, "%s.%s: expected a non-negative integer",
				    c->name, key);
			return true;
		}
		if (key[0] == 'c')
			c->cache_ttl_s = (unsigned)v;
		else
			c->timeout_ms = (unsigned)v;
		return true;
	}
	return false;
}

static void unknown_key(struct pg_plugin_ctx *c, const struct pg_node *k, const char *file,
			struct pg_diag *diag)
{
	char known[512] = "";
	size_t used = 0;

	for (size_t i = 0; i < c->nopts && used < sizeof(known); i++) {
		int w = snprintf(known + used, sizeof(known) - used, "%s%s", i ? ", " : "",
				 c->opts[i].opt->name);
		if (w < 0)
			break;
		used += (size_t)w;
	}
	pg_diag_add(diag, file, k->line, "%s: unknown option '%s' for plugin %s (known: %s%s)",
		    c->name, k->scalar, c->mod->desc.name, known[0] ? known : "none",
		    known[0] ? ", plugin, cacheTtlSeconds, timeoutMs" : "; plugin, cacheTtlSeconds, timeoutMs");
}

static bool apply_config(struct pg_plugin_ctx *c, const struct pg_node *conf, const char *file,
			 int line, struct pg_diag *diag)
{
	size_t before = diag->n;
	struct pg_optval *v;

	for (size_t i = 0; conf && i < conf->n; i++) {
		const char *key = conf->keys[i]->scalar;
		if (host_key(c, key, conf->items[i], file, diag))
			continue;
		v = find_opt(c, key);
		if (!v)
			unknown_key(c, conf->keys[i], file, diag);
		else
			set_option(c, v, conf->items[i], file, diag);
	}
	for (size_t i = 0; i < c->nopts; i++) {
		v = &c->opts[i];
		if (v->set)
			continue;
		if (v->opt->required) {
			pg_diag_add(diag, file, line, "%s: option '%s' is required (%s)", c->name,
				    v->opt->name, v->opt->help ? v->opt->help : "no help");
			continue;
		}
		if (v->opt->def) {
			v->text = pg_xstrdup(v->opt->def);
			if (v->opt->type == PG_OPT_INT)
				parse_int(v->text, &v->num);
			else if (v->opt->type == PG_OPT_BOOL) {
				bool b = false;
				parse_bool(v->text, &b);
				v->num = b;
			}
		}
	}
	for (size_t i = 0; i < c->nopts; i++) {
		v = &c->opts[i];
		if (v->opt->type == PG_OPT_SECRET_ENV && v->text && getenv(v->text))
			v->secret = pg_xstrdup(getenv(v->text));
	}
	return diag->n == before;
}

static bool create_instance(struct pg_plugin_ctx *c, const char *file, int line,
			    struct pg_diag *diag)
{
	struct pg_call call;
	int rc;

	if (!c->mod->desc.create) {
		c->created = true;
		return true;
	}
	pg_call_begin(&call, 0);
	rc = c->mod->desc.create(c, &pg_host_api_v1, &c->state);
	pg_call_end();
	if (rc != PG_PLUGIN_OK) {
		pg_diag_add(diag, file, line, "%s: plugin %s failed to start: %s", c->name,
			    c->mod->desc.name, call.err[0] ? call.err : "no reason given");
		return false;
	}
	c->created = true;
	return true;
}

struct pg_plugin_ctx *pg_plugin_instance_new(struct pg_plugin_host *h, const char *inst,
					     struct pg_module *m, const struct pg_node *conf,
					     const char *file, struct pg_diag *diag)
{
	struct pg_plugin_ctx *c = pg_xcalloc(1, sizeof(*c));
	const struct pg_plugin_option *o = m->desc.options;
	int line = conf ? conf->line : 0;

	c->name = pg_xstrdup(inst);
	c->mod = m;
	c->host = h;
	c->cache_ttl_s = m->desc.cache_ttl_s;
	c->timeout_ms = m->desc.timeout_ms ? m->desc.timeout_ms : h->enrich_timeout_ms;
	while (o && o[c->nopts].name)
		c->nopts++;
	c->opts = pg_xcalloc(c->nopts, sizeof(*c->opts));
	for (size_t i = 0; i < c->nopts; i++)
		c->opts[i].opt = &o[i];
	if (!apply_config(c, conf, file, line, diag) || !create_instance(c, file, line, diag)) {
		pg_plugin_instance_free(c);
		return NULL;
	}
	return c;
}

/* ---- config sections -------------------------------------------------- */

static void read_actions(const struct pg_node *n, bool on[3], bool *all, const char *what,
			 const char *file, struct pg_diag *diag)
{
	static const char *const names[] = { "pass", "warn", "fail" };
	const char *s;

	if (pg_node_str(n, &s) && all && !strcmp(s, "all")) {
		*all = true;
		on[0] = on[1] = on[2] = true;
		return;
	}
	if (n->kind != PG_NODE_SEQ) {
		pg_diag_add(diag, file, n->line, "%s.on: expected a list of actions%s", what,
			    all ? " or 'all'" : "");
		return;
	}
	on[0] = on[1] = on[2] = false;
	for (size_t i = 0; i < n->n; i++) {
		size_t k = 0;
		if (!pg_node_str(n->items[i], &s))
			s = "";
		while (k < 3 && strcmp(s, names[k]))
			k++;
		if (k == 3)
			pg_diag_add(diag, file, n->items[i]->line,
				    "%s.on: '%s' is not pass, warn or fail", what, s);
		else
			on[k] = true;
	}
}

static void read_uint(const struct pg_node *map, const char *key, unsigned long max,
		      unsigned *out, const char *what, const char *file, struct pg_diag *diag)
{
	const struct pg_node *n = pg_node_get(map, key);
	unsigned long v;

	if (!n)
		return;
	if (!pg_node_uint(n, max, &v))
		pg_diag_add(diag, file, n->line, "%s.%s: expected an integer 0..%lu", what, key,
			    max);
	else
		*out = (unsigned)v;
}

static void check_keys(const struct pg_node *map, const char *const *keys, const char *what,
		       const char *file, struct pg_diag *diag)
{
	for (size_t i = 0; map && i < map->n; i++) {
		size_t k = 0;
		while (keys[k] && strcmp(keys[k], map->keys[i]->scalar))
			k++;
		if (!keys[k])
			pg_diag_add(diag, file, map->keys[i]->line, "%s: unknown key '%s'", what,
				    map->keys[i]->scalar);
	}
}

static bool is_map(const struct pg_node *n, const char *what, const char *file,
		   struct pg_diag *diag)
{
	if (!n || n->kind == PG_NODE_MAP)
		return true;
	pg_diag_add(diag, file, n->line, "%s: expected a map, got %s", what,
		    pg_node_kind_name(n->kind));
	return false;
}

static void read_sections(struct pg_plugin_host *h, const struct pg_config *cfg, const char *file,
			  struct pg_diag *diag)
{
	static const char *const ek[] = { "on", "timeoutMs", "concurrency", NULL };
	static const char *const nk[] = { "on", "retries", "backoffMs", "backoffMaxMs", NULL };
	static const char *const ok[] = { "maxAgeHours", NULL };
	const struct pg_node *n;

	if (is_map(cfg->enrich, "enrich", file, diag) && cfg->enrich) {
		check_keys(cfg->enrich, ek, "enrich", file, diag);
		if ((n = pg_node_get(cfg->enrich, "on")))
			read_actions(n, h->enrich_on, &h->enrich_all, "enrich", file, diag);
		read_uint(cfg->enrich, "timeoutMs", 3600000, &h->enrich_timeout_ms, "enrich", file,
			  diag);
		read_uint(cfg->enrich, "concurrency", 64, &h->enrich_concurrency, "enrich", file,
			  diag);
		if (h->enrich_concurrency == 0)
			h->enrich_concurrency = 1;
	}
	if (is_map(cfg->notify, "notify", file, diag) && cfg->notify) {
		check_keys(cfg->notify, nk, "notify", file, diag);
		if ((n = pg_node_get(cfg->notify, "on")))
			read_actions(n, h->notify_on, NULL, "notify", file, diag);
		read_uint(cfg->notify, "retries", 20, &h->notify_retries, "notify", file, diag);
		read_uint(cfg->notify, "backoffMs", 600000, &h->notify_backoff_ms, "notify", file,
			  diag);
		read_uint(cfg->notify, "backoffMaxMs", 3600000, &h->notify_backoff_max_ms,
			  "notify", file, diag);
	}
	if (is_map(cfg->outbox, "outbox", file, diag) && cfg->outbox) {
		check_keys(cfg->outbox, ok, "outbox", file, diag);
		read_uint(cfg->outbox, "maxAgeHours", 24 * 365, &h->outbox_max_age_h, "outbox",
			  file, diag);
	}
}

static void add_instance(struct pg_plugin_host *h, struct pg_plugin_ctx *c)
{
	size_t *n = c->mod->desc.kind == PG_PLUGIN_ENRICHER ? &h->nenrichers : &h->nnotifiers;
	struct pg_plugin_ctx ***arr =
		c->mod->desc.kind == PG_PLUGIN_ENRICHER ? &h->enrichers : &h->notifiers;

	*arr = pg_xrealloc(*arr, (*n + 1) * sizeof(**arr));
	(*arr)[(*n)++] = c;
}

static void read_instances(struct pg_plugin_host *h, const struct pg_node *sec, int kind,
			   const char *file, struct pg_diag *diag)
{
	const char *what = kind == PG_PLUGIN_ENRICHER ? "enrichers" : "notifiers";
	const char *pname;
	struct pg_module *m;
	struct pg_plugin_ctx *c;

	if (!sec || !is_map(sec, what, file, diag))
		return;
	for (size_t i = 0; i < sec->n; i++) {
		const char *inst = sec->keys[i]->scalar;
		const struct pg_node *conf = sec->items[i];
		int line = sec->keys[i]->line;

		if (!valid_ident(inst, true) || inst[0] == '.') {
			pg_diag_add(diag, file, line, "%s: instance name '%s' must be [A-Za-z0-9._-]+",
				    what, inst);
			continue;
		}
		if (!is_map(conf, inst, file, diag))
			continue;
		if (!pg_node_str(pg_node_get(conf, "plugin"), &pname)) {
			pg_diag_add(diag, file, line, "%s.%s: 'plugin: NAME' is required", what, inst);
			continue;
		}
		m = pg_plugin_find(h, pname);
		if (!m) {
			pg_diag_add(diag, file, pg_node_get(conf, "plugin")->line,
				    "%s.%s: no plugin named '%s' in the plugin directories", what,
				    inst, pname);
			continue;
		}
		if ((int)m->desc.kind != kind) {
			pg_diag_add(diag, file, line, "%s.%s: plugin %s is a %s", what, inst, pname,
				    pg_plugin_kind_name(m->desc.kind));
			continue;
		}
		c = pg_plugin_instance_new(h, inst, m, conf, file, diag);
		if (c)
			add_instance(h, c);
	}
}

static void collect_dirs(const struct pg_config *cfg, char *const *extra, size_t nextra,
			 char ***dirs, size_t *n)
{
	struct stat st;

	*dirs = pg_xcalloc((cfg ? cfg->nplugin_dirs : 0) + nextra + 1, sizeof(char *));
	*n = 0;
	for (size_t i = 0; i < nextra; i++)
		(*dirs)[(*n)++] = extra[i];
	for (size_t i = 0; cfg && i < cfg->nplugin_dirs; i++)
		(*dirs)[(*n)++] = cfg->plugin_dirs[i];
	/* The built-in default is optional: a fresh install may have none. */
	if (stat(PG_PLUGINDIR, &st) == 0)
		(*dirs)[(*n)++] = (char *)PG_PLUGINDIR;
}

struct pg_plugin_host *pg_plugin_host_new(const struct pg_config *cfg, char *const *extra_dirs,
					  size_t nextra, struct pg_diag *diag)
{
	struct pg_plugin_host *h = pg_plugin_host_empty();
	const char *file = cfg && cfg->path ? cfg->path : "config";
	size_t before = diag->n, ndirs;
	char **dirs;

	if (cfg) {
		h->state_dir = pg_xstrdup(cfg->state_dir);
		h->ca_file = pg_xstrdup(cfg->ca_file);
		h->dns_server = pg_xstrdup(cfg->dns_server);
		if (cfg->dns_timeout_ms > 0)
			h->dns_timeout_ms = cfg->dns_timeout_ms;
		read_sections(h, cfg, file, diag);
	}
	/* --plugin-dir first so a developer's build shadows installed plugins. */
	collect_dirs(cfg, extra_dirs, nextra, &dirs, &ndirs);
	pg_plugin_load_dirs(h, dirs, ndirs, diag);
	free(dirs);
	if (cfg && diag->n == before) {
		read_instances(h, cfg->enrichers, PG_PLUGIN_ENRICHER, file, diag);
		read_instances(h, cfg->notifiers, PG_PLUGIN_NOTIFIER, file, diag);
	}
	if (diag->n != before) {
		pg_plugin_host_free(h);
		return NULL;
	}
	return h;
}

/* ---- the function table lent to plugins ------------------------------- */

static void api_log(struct pg_plugin_ctx *ctx, enum pg_log_lvl lvl, const char *fmt, ...)
{
	va_list ap;
	enum pg_log_level l = lvl <= PG_PLOG_DEBUG ? (enum pg_log_level)lvl : PG_LOG_DEBUG;

	va_start(ap, fmt);
	pg_vlog(l, ctx ? ctx->name : "plugin", fmt, ap);
	va_end(ap);
}

static void api_error(struct pg_plugin_ctx *ctx, const char *fmt, ...)
{
	struct pg_call *c = pg_call_current();
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (c)
		pg_strlcpy(c->err, buf, sizeof(c->err));
	pg_log(PG_LOG_DEBUG, "[%s] error: %s", ctx ? ctx->name : "plugin", buf);
}

static const char *api_opt_string(struct pg_plugin_ctx *ctx, const char *name)
{
	struct pg_optval *v = find_opt(ctx, name);
	return v && v->opt->type != PG_OPT_SECRET_ENV ? v->text : NULL;
}

static int64_t api_opt_int(struct pg_plugin_ctx *ctx, const char *name)
{
	struct pg_optval *v = find_opt(ctx, name);
	return v && v->opt->type == PG_OPT_INT ? v->num : 0;
}

static int api_opt_bool(struct pg_plugin_ctx *ctx, const char *name)
{
	struct pg_optval *v = find_opt(ctx, name);
	return v && v->opt->type == PG_OPT_BOOL ? (int)v->num : 0;
}

static const char *api_secret(struct pg_plugin_ctx *ctx, const char *name)
{
	struct pg_optval *v = find_opt(ctx, name);
	return v && v->opt->type == PG_OPT_SECRET_ENV ? v->secret : NULL;
}

static const char *api_instance_name(struct pg_plugin_ctx *ctx)
{
	return ctx->name;
}

static int api_http(struct pg_plugin_ctx *ctx, const struct pg_http_request *req,
		    struct pg_http_response *resp)
{
	struct pg_call *call = pg_call_current();
	long timeout = req->timeout_ms > 0 ? req->timeout_ms : 10000;
	uint64_t now = pg_now_ms();
	char *shown;
	int rc;

	/* Never outlive the call's deadline: the host stops waiting then anyway. */
	if (call && call->deadline_ms) {
		long left = call->deadline_ms > now ? (long)(call->deadline_ms - now) : 1;
		if (left < timeout)
			timeout = left;
	}
	rc = pg_http_perform(req, ctx->host->ca_file, timeout, resp);
	shown = req->log_url ? pg_xstrdup(req->log_url) : pg_redact_url(req->url ? req->url : "");
	pg_log(PG_LOG_DEBUG, "[%s] %s %s -> %ld%s%s", ctx->name,
	       req->method ? req->method : (req->body ? "POST" : "GET"), shown, resp->status,
	       rc ? ": " : "", rc ? resp->error : "");
	free(shown);
	return rc;
}

static void api_hmac(const void *key, size_t key_len, const void *data, size_t len,
		     char out[65])
{
	pg_hmac_sha256_hex(key, key_len, data, len, out);
}

const struct pg_host_api pg_host_api_v1 = {
	.struct_size = sizeof(struct pg_host_api),
	.abi_major = PG_PLUGIN_ABI_MAJOR,
	.abi_minor = PG_PLUGIN_ABI_MINOR,
	.log = api_log,
	.error = api_error,
	.opt_string = api_opt_string,
	.opt_int = api_opt_int,
	.opt_bool = api_opt_bool,
	.secret = api_secret,
	.instance_name = api_instance_name,
	.http = api_http,
	.http_response_clear = pg_http_response_clear,
	.dns = pg_host_dns,
	.cache_get = pg_host_cache_get,
	.cache_put = pg_host_cache_put,
	.hmac_sha256_hex = api_hmac,
};
