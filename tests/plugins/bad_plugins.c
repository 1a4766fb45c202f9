/* bad_plugins.c - one source, several refused plugins (select with -D):
 * WRONG_MAJOR (ABI 2.0), NO_CALLBACK (notifier without notify),
 * BAD_OPTION (option with an invalid type), RESERVED_OPTION (an option named
 * like a host key, which could never be set), BAD_RULE (ABI 1.4: a rule table
 * that declares a core rule id). NEWER_MINOR is accepted with a
 * warning: it claims a minor this host does not know yet. NO_CREATE is a
 * valid notifier without create/destroy (its state is NULL). */
#include <stdlib.h>

#include <portgate/plugin.h>

__attribute__((unused)) static int nop_notify(void *s, const json_t *e, const char *k, long *r)
{
	(void)s;
	(void)e;
	(void)k;
	(void)r;
	return PG_PLUGIN_OK;
}

#ifdef BAD_OPTION
static const struct pg_plugin_option opts[] = {
	{ "x", (enum pg_option_type)42, NULL, 0, "bad type" },
	{ NULL, 0, NULL, 0, NULL },
};
#endif
#ifdef RESERVED_OPTION
static const struct pg_plugin_option opts[] = {
	{ "timeoutMs", PG_OPT_INT, "10", 0, "shadowed by the host key" },
	{ NULL, 0, NULL, 0, NULL },
};
#endif
#ifdef BAD_RULE
static const struct pg_rule_spec rules[] = {
	PG_RULE_SPEC("badrule-ok", "warn", "low", "a rule it may declare"),
	PG_RULE_SPEC("port-unapproved-open", "fail", "high", "the core's, not the plugin's"),
	PG_RULE_SPEC_END,
};
#endif

static struct pg_plugin desc = {
	.kind = PG_PLUGIN_NOTIFIER,
	.name = "bad",
	.version = "0",
	.description = "refused on purpose",
#if defined(BAD_OPTION) || defined(RESERVED_OPTION)
	.options = opts,
#endif
#ifdef BAD_RULE
	.rule_table = rules,
#endif
#ifndef NO_CALLBACK
	.notify = nop_notify,
#endif
};

PG_PLUGIN_EXPORT const struct pg_plugin *portgate_plugin_entry(void);
const struct pg_plugin *portgate_plugin_entry(void)
{
	desc.struct_size = sizeof(desc);
#ifdef WRONG_MAJOR
	desc.abi_major = PG_PLUGIN_ABI_MAJOR + 1;
#else
	desc.abi_major = PG_PLUGIN_ABI_MAJOR;
#endif
#ifdef NEWER_MINOR
	desc.abi_minor = PG_PLUGIN_ABI_MINOR + 8;
	desc.name = "newer";
#endif
#ifdef BAD_RULE
	desc.abi_minor = PG_PLUGIN_ABI_MINOR;
	desc.rule_spec_size = sizeof(struct pg_rule_spec);
	desc.name = "badrule";
#endif
#ifdef NO_CREATE
	desc.abi_minor = PG_PLUGIN_ABI_MINOR;
	desc.name = "nocreate";
#endif
	return &desc;
}
