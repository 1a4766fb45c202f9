/* plugin_load.c - open plugin files with libltdl and accept only what is safe
 * to run: files nobody else can write, a descriptor of our ABI major that
 * names its callbacks and describes its options. */
#include "config.h"
#include "plugin_int.h"

#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <link.h>
#include <fcntl.h>
#include <ltdl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plugin_isolate.h"
#include "util/log.h"

#if __SIZEOF_POINTER__ == 8
#define PG_ELFCLASS ELFCLASS64
#else
#define PG_ELFCLASS ELFCLASS32
#endif
#if defined(__x86_64__)
#define PG_ELF_MACHINE EM_X86_64
#elif defined(__aarch64__)
#define PG_ELF_MACHINE EM_AARCH64
#elif defined(__i386__)
#define PG_ELF_MACHINE EM_386
#elif defined(__arm__)
#define PG_ELF_MACHINE EM_ARM
#elif defined(__riscv)
#define PG_ELF_MACHINE EM_RISCV
#elif defined(__powerpc64__)
#define PG_ELF_MACHINE EM_PPC64
#elif defined(__s390x__)
#define PG_ELF_MACHINE EM_S390
#else
#error "add this machine's ELF e_machine to plugin_load.c"
#endif

/* libltdl keeps process-wide state: initialise it once, remember how it went. */
static pthread_once_t ltdl_once = PTHREAD_ONCE_INIT;
static int ltdl_status;

static void ltdl_init_once(void)
{
	ltdl_status = lt_dlinit();
}

void pg_plugin_ltdl_init(void)
{
	pthread_once(&ltdl_once, ltdl_init_once);
}

void pg_module_free(struct pg_module *m)
{
	if (!m)
		return;
	if (m->pinned)
		return; /* still in use by an abandoned call; stays loaded */
	if (m->handle)
		lt_dlclose(m->handle);
	pthread_mutex_destroy(&m->serialize);
	free(m->opts);
	free(m->rules);
	json_decref(m->undeclared);
	free(m->path);
	free(m);
}

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

/* Owned by root or by us: nobody else may have planted it. */
static bool trusted_owner(const struct stat *st)
{
	return st->st_uid == 0 || st->st_uid == geteuid();
}

/* The real path of a plugin file, after resolving symlinks, if it is safe to
 * load: a regular file owned by root or us, not writable by group or others,
 * in a directory others cannot write to (or a sticky one, like /tmp, where
 * they cannot replace our file). NULL + diag otherwise; caller frees. */
static char *trusted_path(const char *path, struct pg_diag *diag)
{
	char *real = realpath(path, NULL), *dir;
	struct stat st, dst;
	bool ok;

	if (!real) {
		pg_diag_add(diag, path, 0, "cannot stat: %s", strerror(errno));
		return NULL;
	}
	if (lstat(real, &st) != 0 || !S_ISREG(st.st_mode) || !trusted_owner(&st) ||
	    (st.st_mode & (S_IWGRP | S_IWOTH))) {
		pg_diag_add(diag, path, 0,
			    "refusing plugin file %s: it must be a regular file owned by root or "
			    "this user and not writable by group or others (owner %u, mode %03o)",
			    real, (unsigned)st.st_uid, (unsigned)(st.st_mode & 0777));
		free(real);
		return NULL;
	}
	dir = pg_xstrndup(real, (size_t)(strrchr(real, '/') - real));
	ok = stat(*dir ? dir : "/", &dst) == 0 &&
	     (!(dst.st_mode & (S_IWGRP | S_IWOTH)) || (dst.st_mode & S_ISVTX));
	if (!ok)
		pg_diag_add(diag, path, 0,
			    "refusing plugin: its directory %s is writable by group or others",
			    dir);
	free(dir);
	if (!ok) {
		free(real);
		return NULL;
	}
	return real;
}

/* What dlopen() would map, checked first: a truncated or garbage file must
 * get a message, never a crash (a segment past the end of the file is
 * mapped anyway and faults on first touch). */
static bool elf_header_ok(const ElfW(Ehdr) * eh, off_t size, const char *path, struct pg_diag *diag)
{
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0) {
		pg_diag_add(diag, path, 0, "not a shared object (no ELF header)");
		return false;
	}
	if (eh->e_ident[EI_CLASS] != PG_ELFCLASS || eh->e_machine != PG_ELF_MACHINE) {
		pg_diag_add(diag, path, 0,
			    "not a shared object for this machine (ELF class %u, "
			    "machine %u)",
			    eh->e_ident[EI_CLASS], (unsigned)eh->e_machine);
		return false;
	}
	if (eh->e_type != ET_DYN) {
		pg_diag_add(diag, path, 0, "not a shared object (ELF type %u; build with -shared)",
			    (unsigned)eh->e_type);
		return false;
	}
	if (eh->e_phentsize != sizeof(ElfW(Phdr)) || eh->e_phnum == 0 ||
	    eh->e_phoff > (uint64_t)size ||
	    (uint64_t)eh->e_phnum * sizeof(ElfW(Phdr)) > (uint64_t)size - eh->e_phoff ||
	    (eh->e_shnum &&
	     ((uint64_t)eh->e_shoff > (uint64_t)size ||
	      (uint64_t)eh->e_shnum * eh->e_shentsize > (uint64_t)size - eh->e_shoff))) {
		pg_diag_add(diag, path, 0, "truncated or damaged shared object (%lld bytes)",
			    (long long)size);
		return false;
	}
	return true;
}

static bool segments_ok(int fd, const ElfW(Ehdr) * eh, off_t size, const char *path,
			struct pg_diag *diag)
{
	ElfW(Phdr) ph;

	for (unsigned i = 0; i < eh->e_phnum; i++) {
		if (pread(fd, &ph, sizeof(ph), (off_t)(eh->e_phoff + i * sizeof(ph))) !=
		    (ssize_t)sizeof(ph))
			break;
		if (ph.p_type == PT_LOAD &&
		    (ph.p_offset > (uint64_t)size || ph.p_filesz > (uint64_t)size - ph.p_offset)) {
			pg_diag_add(diag, path, 0,
				    "truncated shared object: a segment ends past the "
				    "end of the file (%lld bytes)",
				    (long long)size);
			return false;
		}
	}
	return true;
}

static bool looks_like_shared_object(const char *real, const char *path, struct pg_diag *diag)
{
	int fd = open(real, O_RDONLY | O_CLOEXEC);
	ElfW(Ehdr) eh;
	struct stat st;
	bool ok;

	if (fd < 0 || fstat(fd, &st) != 0) {
		pg_diag_add(diag, path, 0, "cannot read: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return false;
	}
	if (st.st_size < (off_t)sizeof(eh) ||
	    pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh)) {
		pg_diag_add(diag, path, 0,
			    "not a shared object (%lld bytes, too small for an "
			    "ELF header)",
			    (long long)st.st_size);
		close(fd);
		return false;
	}
	ok = elf_header_ok(&eh, st.st_size, path, diag) &&
	     segments_ok(fd, &eh, st.st_size, path, diag);
	close(fd);
	return ok;
}

/* ABI 1.3: known judges bits; the tag option is one of the plugin's string options. */
static bool check_judges(const struct pg_module *m, const char *path, struct pg_diag *diag)
{
	const struct pg_plugin *d = &m->desc;
	const unsigned known = PG_JUDGE_TLS_PORTS | PG_JUDGE_WEB_PORTS | PG_JUDGE_DOMAIN |
			       PG_JUDGE_NETWORK_ASN;
	const char *opt = d->judges_tag_option;
	size_t i;

	if (d->judges & ~known) {
		pg_diag_add(diag, path, 0, "plugin %s: unknown judges bits 0x%x", d->name,
			    d->judges & ~known);
		return false;
	}
	for (i = 0; opt && i < m->nopts; i++)
		if (!strcmp(m->opts[i].name, opt) && m->opts[i].type == PG_OPT_STRING)
			return true;
	if (opt)
		pg_diag_add(diag, path, 0,
			    "plugin %s: judges_tag_option '%s' is not a string option", d->name,
			    opt);
	return !opt;
}

static bool check_descriptor(struct pg_module *m, const char *path, struct pg_diag *diag)
{
	const struct pg_plugin *d = &m->desc;

	if (d->abi_major != PG_PLUGIN_ABI_MAJOR) {
		pg_diag_add(diag, path, 0,
			    "plugin ABI %u.%u is not supported (this portgate speaks ABI %d.x): "
			    "rebuild the plugin against this portgate's header",
			    d->abi_major, d->abi_minor, PG_PLUGIN_ABI_MAJOR);
		return false;
	}
	if (d->abi_minor > PG_PLUGIN_ABI_MINOR)
		pg_warn("%s: plugin built for ABI %u.%u, newer than this portgate's %d.%d: what it "
			"uses from after %d.%d is missing (PG_HOST_HAS); upgrade portgate",
			path, d->abi_major, d->abi_minor, PG_PLUGIN_ABI_MAJOR, PG_PLUGIN_ABI_MINOR,
			PG_PLUGIN_ABI_MAJOR, PG_PLUGIN_ABI_MINOR);
	if (!pg_plugin_valid_ident(d->name, false)) {
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
	    (unsigned)d->enrich_scope > PG_SCOPE_ASSET) {
		pg_diag_add(diag, path, 0, "plugin %s: unknown thread model, notify mode or scope",
			    d->name);
		return false;
	}
	return pg_plugin_options_build(m, path, diag) && check_judges(m, path, diag) &&
	       pg_plugin_rules_build(m, path, diag);
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
	char *real; /* owned until loaded */
	void *sym;

	if (ltdl_status != 0) {
		pg_diag_add(diag, path, 0, "libltdl failed to initialise");
		return NULL;
	}
	/* Load the resolved absolute path that was checked: no library search
	 * path for a bare name, and nobody but root or us can swap that file. */
	if (!(real = trusted_path(path, diag)))
		return NULL;
	if (!looks_like_shared_object(real, path, diag)) {
		free(real);
		return NULL;
	}
	m = pg_xcalloc(1, sizeof(*m));
	m->path = pg_xstrdup(path);
	pthread_mutex_init(&m->serialize, NULL);
	/* Local symbols: two plugins may both define helper names. */
	lt_dladvise_init(&adv);
	lt_dladvise_local(&adv);
	m->handle = lt_dlopenadvise(real, adv);
	lt_dladvise_destroy(&adv);
	free(real);
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
	if (!copy_descriptor(m, entry(), diag) || !check_descriptor(m, path, diag) ||
	    !pg_plugin_rules_unique(h, m, diag))
		goto fail;
	if (h) {
		pg_grow(&h->mods, &h->capmods, h->nmods + 1, sizeof(*h->mods));
		h->mods[h->nmods++] = m;
	}
	return m;
fail:
	pg_module_free(m);
	return NULL;
}

/* Loading a file runs its code (library constructors, the entry function):
 * a file that crashes or hangs there must be reported, never take portgate
 * down, so the file is loaded first in a probe child. */
#define LOAD_PROBE_MS 10000

static bool wanted(const struct pg_plugin_host *h, const char *name)
{
	for (size_t i = 0; h && h->wanted && i < h->nwanted; i++)
		if (!strcmp(h->wanted[i], name))
			return true;
	return !h || !h->wanted;
}

/* In the probe child: load the file in this copy; its plugin name, or why not. */
static json_t *probe_file(void *arg)
{
	struct pg_diag d = { 0 };
	struct pg_module *m = pg_plugin_load_file(NULL, arg, &d);
	json_t *answer = json_object(), *errs = json_array();

	if (m)
		json_object_set_new(answer, "name", json_string(m->desc.name));
	for (size_t i = 0; i < d.n; i++)
		json_array_append_new(errs, json_string(d.msgs[i]));
	json_object_set_new(answer, "errors", errs);
	return answer; /* the child exits: nothing to free */
}

/* The probe's verdict on path: true when it loaded; its refusals into diag. */
static bool probe_ok(const char *path, const char **name, json_t **answer, struct pg_diag *diag)
{
	char err[256];
	json_t *e;
	size_t i;

	if (pg_probe(probe_file, (void *)path, LOAD_PROBE_MS, answer, err, sizeof(err)) != 0) {
		pg_diag_add(diag, path, 0,
			    "loading it %s (in a library constructor or %s()): not a usable "
			    "plugin",
			    err, PG_PLUGIN_ENTRY_SYMBOL);
		return false;
	}
	json_array_foreach(json_object_get(*answer, "errors"), i, e)
		pg_diag_add(diag, NULL, 0, "%s", json_string_value(e) ? json_string_value(e) : "?");
	*name = json_string_value(json_object_get(*answer, "name"));
	if (!*name && !json_array_size(json_object_get(*answer, "errors")))
		pg_diag_add(diag, path, 0, "not loadable");
	return *name != NULL;
}

struct pg_module *pg_plugin_load_probed(struct pg_plugin_host *h, const char *path,
					struct pg_diag *diag)
{
	const char *name = NULL;
	json_t *answer = NULL;
	bool load;

	if (!pg_isolate_enabled()) /* inline (gdb): loaded here, as it comes */
		return pg_plugin_load_file(h, path, diag);
	load = probe_ok(path, &name, &answer, diag) && wanted(h, name);
	json_decref(answer);
	return load ? pg_plugin_load_file(h, path, diag) : NULL;
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

/* One file of a directory. When the settings name the plugins they want, a
 * file that cannot be loaded is a warning: it may belong to someone else
 * sharing the directory, and a named plugin that is missing is an error of
 * its own (plugin_config.c). */
static struct pg_module *load_one(struct pg_plugin_host *h, const char *path, struct pg_diag *diag)
{
	struct pg_diag mine = { 0 };
	struct pg_module *m = pg_plugin_load_probed(h, path, h->wanted ? &mine : diag);

	for (size_t i = 0; i < mine.n; i++)
		pg_warn("%s (skipped: only the plugins the settings name must load)", mine.msgs[i]);
	pg_diag_clear(&mine);
	return m;
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
		m = load_one(h, files[i], diag);
		if (!m) {
			rc = h->wanted ? rc : -1;
		} else {
			for (size_t j = 0; j < nmods; j++) {
				if (strcmp(h->mods[j]->desc.name, m->desc.name))
					continue;
				/* First directory wins, like PATH. */
				pg_warn("plugin %s from %s is shadowed by %s (the first directory "
					"wins)",
					m->desc.name, m->path, h->mods[j]->path);
				h->nmods--;
				pg_module_free(m);
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
