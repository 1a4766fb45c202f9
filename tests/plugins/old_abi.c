/* old_abi.c - a plugin built against an older, smaller descriptor: its
 * struct stops at notify (the ABI 1.0 minimum). The host must copy only this
 * many bytes (ASan would catch a read past it) and zero the rest. */
#include <stddef.h>

#include <portgate/plugin.h>

struct old_descriptor { /* the 1.0 minimum prefix of struct pg_plugin */
	size_t struct_size;
	unsigned abi_major, abi_minor;
	enum pg_plugin_kind kind;
	const char *name, *version, *description;
	const struct pg_plugin_option *options;
	enum pg_thread_model thread_model;
	int (*create)(struct pg_plugin_ctx *, const struct pg_host_api *, void **);
	void (*destroy)(void *);
	int (*enrich)(void *, const json_t *, json_t *, json_t *);
	int (*notify)(void *, const json_t *, const char *, long *);
};

static int old_enrich(void *state, const json_t *finding, json_t *out, json_t *added)
{
	(void)state; (void)finding; (void)added;
	json_object_set_new(out, "old", json_true());
	return PG_PLUGIN_OK;
}

/* Exactly the old size: ASan's global redzone follows, so a host that read
 * sizeof(struct pg_plugin) bytes from it would be caught. */
static struct old_descriptor desc = {
	.struct_size = sizeof(struct old_descriptor),
	.abi_major = 1,
	.abi_minor = 0,
	.kind = PG_PLUGIN_ENRICHER,
	.name = "oldabi",
	.version = "0.9",
	.description = "plugin with an older, smaller descriptor",
	.enrich = old_enrich,
};

PG_PLUGIN_EXPORT const struct pg_plugin *portgate_plugin_entry(void);
const struct pg_plugin *portgate_plugin_entry(void)
{
	return (const struct pg_plugin *)&desc;
}
