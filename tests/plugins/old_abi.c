/* old_abi.c - a plugin built against an older, smaller descriptor: its
 * struct stops at notify (the ABI 1.0 minimum). The host must copy only this
 * many bytes (ASan would catch a read past it) and zero the rest. */
#include <stddef.h>
#include <stdlib.h>

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

/* Allocated so the object ends exactly at its size (ASan redzone after it). */
static struct old_descriptor *desc;

PG_PLUGIN_EXPORT const struct pg_plugin *portgate_plugin_entry(void);
const struct pg_plugin *portgate_plugin_entry(void)
{
	if (!desc) {
		desc = calloc(1, sizeof(*desc));
		desc->struct_size = sizeof(*desc);
		desc->abi_major = 1;
		desc->abi_minor = 0;
		desc->kind = PG_PLUGIN_ENRICHER;
		desc->name = "oldabi";
		desc->version = "0.9";
		desc->description = "plugin with an older, smaller descriptor";
		desc->enrich = old_enrich;
	}
	return (const struct pg_plugin *)desc;
}
