/* policy_finalize.c - the decision of one finding (overrides, rollout, fingerprint)
 * and, once per run, the verdicts, summary and exit code of the whole report. */
#include "config.h"
#include "policy.h"

#include <string.h>

#include "util/exitcode.h"

void pg_fingerprint(const char *rule, const char *target, const char *host, unsigned port,
		    char out[17])
{
	pg_fingerprint_proto(rule, target, host, PG_PROTO_TCP, port, out);
}

void pg_fingerprint_proto(const char *rule, const char *target, const char *host,
			  enum pg_proto proto, unsigned port, char out[17])
{
	char buf[1024], hex[65];
	int n = snprintf(buf, sizeof(buf), "v1%c%s%c%s%c%s%c%s/%u", 0, rule, 0, target, 0,
			 host ? host : target, 0, pg_proto_name(proto), port);

	if (n < 0 || (size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1; /* absurdly long names: hash the prefix, still stable */
	pg_sha256_hex(buf, (size_t)n, hex);
	memcpy(out, hex, 16);
	out[16] = '\0';
}

static enum pg_action lookup(const struct pg_overrides *ov, const char *rule, enum pg_action dflt)
{
	for (size_t i = 0; i < ov->n; i++)
		if (!strcmp(ov->v[i].rule, rule))
			return ov->v[i].action;
	return dflt;
}

enum pg_action pg_policy_action(const struct pg_manifest *m, const struct pg_asset *a,
				const char *rule, enum pg_action dflt)
{
	enum pg_action act = lookup(&m->rules, rule, dflt);

	for (size_t i = 0; a->environment && i < m->nenvs; i++)
		if (!strcmp(m->envs[i].env, a->environment))
			act = lookup(&m->envs[i].rules, rule, act);
	return lookup(&a->overrides, rule, act);
}

static enum pg_action default_of(json_t *f)
{
	enum pg_action act = PG_ACTION_WARN; /* plugin findings without a default */
	const struct pg_rule_info *ri = pg_rule_find(json_string_value(json_object_get(f, "rule")));
	const char *d = json_string_value(json_object_get(f, "defaultAction"));

	if (d && pg_action_parse(d, &act))
		return act;
	return ri ? ri->default_action : act;
}

void pg_policy_finding_fingerprint(const json_t *f, const char *target, char out[17])
{
	const char *rule = json_string_value(json_object_get(f, "rule"));
	const char *host = json_string_value(json_object_get(f, "ip"));
	json_int_t port = json_integer_value(json_object_get(f, "port"));
	const char *proto = json_string_value(json_object_get(f, "protocol"));

	/* anything but "udp" (absent, "tcp", a plugin's spelling) hashes as tcp, as before */
	pg_fingerprint_proto(rule ? rule : "unknown", target, host,
			     proto && !strcmp(proto, "udp") ? PG_PROTO_UDP : PG_PROTO_TCP,
			     port > 0 && port < 65536 ? (unsigned)port : 0, out);
}

void pg_policy_decide(const struct pg_manifest *m, const struct pg_asset *a, json_t *f,
		      const char *today)
{
	const char *rule = json_string_value(json_object_get(f, "rule"));
	char fp[17];

	if (json_object_get(f, "action"))
		return; /* decided when it was made */
	json_object_set_new(f, "action",
			    json_string(pg_action_name(pg_policy_action(
				    m, a, rule ? rule : "unknown", default_of(f)))));
	pg_policy_rollout(m, a, f, today);
	if (!json_object_get(f, "asset"))
		json_object_set_new(f, "asset", json_string(a->name));
	if (!json_object_get(f, "target"))
		json_object_set_new(f, "target", json_string(a->target));
	if (!json_object_get(f, "fingerprint")) {
		pg_policy_finding_fingerprint(f, a->target, fp);
		json_object_set_new(f, "fingerprint", json_string(fp));
	}
}

bool pg_policy_reported(const json_t *f)
{
	const char *act = json_string_value(json_object_get(f, "action"));

	return !act || strcmp(act, "pass") || json_object_get(f, "exception");
}

struct tally {
	size_t assets, pass, warn, fail, unchecked;
	size_t any_unchecked; /* not checked, whatever the verdict: monitor mode must see it */
	size_t f_pass, f_warn, f_fail, f_excepted;
	char today[11];
};

/* Findings whose action is pass are dropped: they are not news. Their count
 * stays on the asset ("passedFindings"): `merge` finalizes finalized shards. */
static const char *asset_verdict(const struct pg_manifest *m, const struct pg_asset *a, json_t *ja,
				 struct tally *t)
{
	json_t *findings = json_object_get(ja, "findings"), *keep = json_array(), *f;
	enum pg_action worst = PG_ACTION_PASS;
	bool unchecked = json_is_true(json_object_get(ja, "couldNotCheck"));
	json_int_t passed = json_integer_value(json_object_get(ja, "passedFindings"));
	size_t i;

	json_array_foreach(findings, i, f)
	{
		enum pg_action act;
		pg_policy_decide(m, a, f, t->today);
		pg_action_parse(json_string_value(json_object_get(f, "action")), &act);
		if (act == PG_ACTION_PASS && pg_policy_reported(f)) {
			t->f_excepted++; /* kept: the evidence shows what was accepted, by whom */
			json_array_append(keep, f);
			continue;
		}
		if (act == PG_ACTION_PASS) {
			passed++;
			continue;
		}
		act == PG_ACTION_FAIL ? t->f_fail++ : t->f_warn++;
		if (act > worst)
			worst = act;
		json_array_append(keep, f);
	}
	json_object_set_new(ja, "findings", keep);
	json_object_set_new(ja, "passedFindings", json_integer(passed));
	t->f_pass += (size_t)passed;
	if (unchecked)
		t->any_unchecked++;
	if (worst == PG_ACTION_FAIL)
		return t->fail++, "fail";
	if (unchecked)
		return t->unchecked++, "could-not-check";
	if (worst == PG_ACTION_WARN)
		return t->warn++, "warn";
	return t->pass++, "pass";
}

int pg_policy_finalize(const struct pg_manifest *m, const struct pg_asset *const *assets,
		       enum pg_mode mode, json_t *report)
{
	json_t *run = json_object_get(report, "run"), *ja;
	struct tally t = { 0 };
	const char *verdict;

	pg_policy_today(t.today);
	size_t i;
	int code;

	json_array_foreach(json_object_get(report, "assets"), i, ja)
	{
		json_object_set_new(ja, "verdict",
				    json_string(asset_verdict(m, assets[i], ja, &t)));
		t.assets++;
	}
	if (t.fail)
		verdict = "fail", code = PG_EXIT_POLICY;
	else if (t.unchecked)
		verdict = "could-not-check", code = PG_EXIT_UNCHECKED;
	else
		verdict = t.warn ? "warn" : "pass", code = PG_EXIT_PASS;
	/* Monitor mode reports everything but never fails the build; it still
	 * says when something could not be checked, even on an asset that failed. */
	if (mode == PG_MODE_MONITOR && code == PG_EXIT_POLICY)
		code = t.any_unchecked ? PG_EXIT_UNCHECKED : PG_EXIT_PASS;
	json_object_set_new(run, "mode",
			    json_string(mode == PG_MODE_MONITOR ? "monitor" : "enforce"));
	json_object_set_new(run, "verdict", json_string(verdict));
	json_object_set_new(run, "exitCode", json_integer(code));
	json_object_set_new(run, "summary",
			    json_pack("{s:I, s:I, s:I, s:I, s:I, s:{s:I, s:I, s:I, s:I}}", "assets",
				      (json_int_t)t.assets, "pass", (json_int_t)t.pass, "warn",
				      (json_int_t)t.warn, "fail", (json_int_t)t.fail,
				      "couldNotCheck", (json_int_t)t.any_unchecked, "findings",
				      "fail", (json_int_t)t.f_fail, "warn", (json_int_t)t.f_warn,
				      "pass", (json_int_t)t.f_pass, "excepted",
				      (json_int_t)t.f_excepted));
	return code;
}
