/* manifest_rollout.c - policy.enforce (which rules may fail the build) and
 * policy.exceptions (accepted findings with a reason, an owner and an expiry). */
#include "config.h"
#include "manifest_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/text.h"

static bool rule_arg(struct ctx *c, const struct pg_node *n, const char *where, const char **out)
{
	if (!pg_node_str(n, out)) {
		pg_manifest_wrong_type(c, n, where, "a rule id");
		return false;
	}
	if (!pg_rule_id_valid(*out)) {
		pg_manifest_err(c, n, where,
				"'%s' is not a rule id (lowercase words joined by '-' or "
				"'.', like port-unapproved-open)",
				*out);
		return false;
	}
	pg_manifest_note_rule(c, n, where, *out);
	return true;
}

void pg_manifest_load_enforce(struct ctx *c, const struct pg_node *n, struct pg_manifest *m)
{
	const char *rule;

	if (n->kind != PG_NODE_SEQ) {
		pg_manifest_wrong_type(c, n, "policy.enforce", "a list of rule ids");
		return;
	}
	m->enforce = pg_xcalloc(n->n ? n->n : 1, sizeof(*m->enforce));
	for (size_t i = 0; i < n->n; i++)
		if (rule_arg(c, n->items[i], "policy.enforce", &rule))
			m->enforce[m->nenforce++] = pg_xstrdup(rule);
}

/* YYYY-MM-DD naming a real calendar day. */
static bool valid_date(const char *s)
{
	struct tm tm = { 0 };
	const char *end;
	char back[11];
	time_t t;

	if (strlen(s) != 10 || !(end = strptime(s, "%Y-%m-%d", &tm)) || *end)
		return false;
	t = timegm(&tm); /* normalises 2026-02-30 to March: it must come back the same */
	gmtime_r(&t, &tm);
	strftime(back, sizeof(back), "%Y-%m-%d", &tm);
	return !strcmp(back, s);
}

static void text_field(struct ctx *c, const struct pg_node *v, const char *where, char **out)
{
	const char *s;

	if (!pg_node_str(v, &s) || !*s)
		pg_manifest_wrong_type(c, v, where, "a non-empty string");
	else
		*out = pg_xstrdup(s);
}

static const char *const exception_keys[] = { "rule",   "asset", "target",  "port",
					      "reason", "owner", "expires", NULL };

static bool exception_key(const char *key)
{
	for (size_t i = 0; exception_keys[i]; i++)
		if (!strcmp(exception_keys[i], key))
			return true;
	return false;
}

/* port: a number (TCP) or one "N/tcp" / "N/udp" item, as the ports fields write it. */
static void exception_port(struct ctx *c, const struct pg_node *v, const char *where,
			   struct pg_exception *e)
{
	struct pg_portlist pl;
	unsigned long port;
	char reason[128];

	if (v->kind == PG_NODE_SCALAR && strchr(v->scalar, '/')) {
		if (!pg_ports_parse(v->scalar, &pl, reason, sizeof(reason)))
			pg_manifest_err(c, v, where, "%s", reason);
		else if (pg_ports_total(&pl) != 1)
			pg_manifest_err(c, v, where,
					"'%.40s' names %zu ports; an exception names one (443 or "
					"\"53/udp\")",
					v->scalar, pg_ports_total(&pl));
		else {
			e->udp = pl.udp.n == 1;
			e->port = e->udp ? pl.udp.r[0].lo : pl.r[0].lo;
		}
		pg_ports_clear(&pl);
		return;
	}
	if (!pg_node_uint(v, 65535, &port) || !port)
		pg_manifest_wrong_type(c, v, where, "a port from 1 to 65535 (or \"53/udp\")");
	e->port = (unsigned)port;
}

static void exception_field(struct ctx *c, const char *key, const struct pg_node *v,
			    const char *where, struct pg_exception *e)
{
	const char *s;
	char sub[96];

	snprintf(sub, sizeof(sub), "%s.%s", where, key);
	if (!strcmp(key, "rule") && rule_arg(c, v, sub, &s)) {
		e->rule = pg_xstrdup(s);
	} else if (!strcmp(key, "asset") || !strcmp(key, "target")) {
		text_field(c, v, sub, !strcmp(key, "asset") ? &e->asset : &e->target);
	} else if (!strcmp(key, "reason") || !strcmp(key, "owner")) {
		text_field(c, v, sub, !strcmp(key, "reason") ? &e->reason : &e->owner);
	} else if (!strcmp(key, "port")) {
		exception_port(c, v, sub, e);
	} else if (!strcmp(key, "expires")) {
		if (!pg_node_str(v, &s) || !valid_date(s))
			pg_manifest_err(c, v, sub, "expected a date YYYY-MM-DD, got '%s'",
					v->kind == PG_NODE_SCALAR ? v->scalar
								  : pg_node_type_name(v));
		else
			memcpy(e->expires, s, sizeof(e->expires));
	}
}

static void load_exception(struct ctx *c, const struct pg_node *n, size_t idx,
			   struct pg_exception *e)
{
	static const char *const required[] = { "rule", "reason", "owner", "expires" };
	char where[48];

	snprintf(where, sizeof(where), "policy.exceptions[%zu]", idx);
	e->line = n->line;
	if (n->kind != PG_NODE_MAP) {
		pg_manifest_wrong_type(c, n, where, "a map with rule, reason, owner and expires");
		return;
	}
	for (size_t i = 0; i < n->n; i++) {
		if (exception_key(n->keys[i]->scalar))
			exception_field(c, n->keys[i]->scalar, n->items[i], where, e);
		else
			pg_manifest_unknown_field(c, n->keys[i], where, exception_keys);
	}
	for (size_t i = 0; i < PG_ARRAY_LEN(required); i++)
		if (!pg_node_get(n, required[i]))
			pg_manifest_err(c, n, where,
					"%s is required (an exception needs a rule, a "
					"reason, an owner and an expiry date)",
					required[i]);
}

void pg_manifest_load_exceptions(struct ctx *c, const struct pg_node *n, struct pg_manifest *m)
{
	if (n->kind != PG_NODE_SEQ) {
		pg_manifest_wrong_type(c, n, "policy.exceptions", "a list of exceptions");
		return;
	}
	m->exceptions = pg_xcalloc(n->n ? n->n : 1, sizeof(*m->exceptions));
	for (size_t i = 0; i < n->n; i++)
		load_exception(c, n->items[i], i, &m->exceptions[m->nexceptions++]);
}

bool pg_exception_names_asset(const struct pg_exception *e, const struct pg_asset *a)
{
	return (!e->asset || !strcmp(e->asset, a->name)) &&
	       (!e->target || pg_dns_name_eq(e->target, a->target));
}

void pg_manifest_rollout_clear(struct pg_manifest *m)
{
	for (size_t i = 0; i < m->nenforce; i++)
		free(m->enforce[i]);
	free(m->enforce);
	for (size_t i = 0; i < m->nexceptions; i++) {
		struct pg_exception *e = &m->exceptions[i];
		free(e->rule);
		free(e->asset);
		free(e->target);
		free(e->reason);
		free(e->owner);
	}
	free(m->exceptions);
}
