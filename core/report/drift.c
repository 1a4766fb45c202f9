/* drift.c - compare two evidence documents asset by asset (see drift.h). */
#include "config.h"
#include "drift.h"
#include "evidence.h"
#include "judged.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/json_get.h"
#include "policy/policy.h"
#include "probe/probe.h" /* pg_banner_sanitize */
#include "util/log.h"
#include "util/util.h"

static bool same(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

/* ASNs enrichers reported for the asset's findings: any output field "asn". */
static void collect_asns(const json_t *asset, json_t *asns)
{
	const json_t *f, *out;
	const char *inst;
	size_t i;

	json_array_foreach(json_object_get(asset, "findings"), i, f)
	{
		json_object_foreach((json_t *)json_object_get(f, "enrichment"), inst, out)
		{
			const json_t *asn = json_object_get(out, "asn");
			char buf[32];
			if (json_is_integer(asn))
				snprintf(buf, sizeof(buf), "AS%lld",
					 (long long)json_integer_value(asn));
			else if (json_is_string(asn))
				snprintf(buf, sizeof(buf), "%s", json_string_value(asn));
			else
				continue;
			json_object_set_new(asns, buf, json_true());
		}
	}
}

/* A port's identity in drift's tables: "80" for TCP (as before UDP existed), "53/udp"
 * for UDP, so 53/tcp and 53/udp are two ports. */
static void port_key(const json_t *p, char *out, size_t len)
{
	const char *proto = pg_json_get_str(p, "protocol");

	snprintf(out, len, "%lld%s", (long long)json_integer_value(json_object_get(p, "port")),
		 proto && !strcmp(proto, "udp") ? "/udp" : "");
}

/* "80/tcp" or "53/udp" for the messages, from a port_key. */
static const char *port_text(const char *key, char *out, size_t len)
{
	snprintf(out, len, "%s%s", key, strchr(key, '/') ? "" : "/tcp");
	return out;
}

static void add_scan(json_t *st, const json_t *scan)
{
	json_t *open = json_object_get(st, "open"), *states = json_object_get(st, "states");
	json_t *certs = json_object_get(st, "certs");
	const json_t *p;
	size_t i;

	json_array_foreach(json_object_get(scan, "ports"), i, p)
	{
		char port[24];
		const char *state = pg_json_get_str(p, "state"), *sha;
		port_key(p, port, sizeof(port));
		if (state && !strcmp(state, "open")) {
			if (!json_object_get(open, port))
				json_object_set_new(
					open, port,
					json_string(pg_json_get_str(scan, "ip")
							    ? pg_json_get_str(scan, "ip")
							    : "?"));
			json_object_set_new(states, port, json_string("open"));
		} else if (state && !json_object_get(open, port)) {
			json_object_set_new(states, port, json_string(state));
		}
		sha = pg_json_get_str(json_object_get(p, "certificate"), "sha256");
		if (sha && !json_object_get(certs, port))
			json_object_set_new(certs, port, json_string(sha));
	}
}

/* The findings of asset the run reports, by fingerprint. Drift runs before
 * the run's one finalize: what enrichers added is not decided yet, so it is
 * keyed by the fingerprint the policy will give it, and what the policy has
 * decided to drop already is left out, as it is from the baseline. */
static void add_findings(json_t *st, const json_t *asset)
{
	const char *target = pg_json_get_str(asset, "target") ? pg_json_get_str(asset, "target")
							      : "";
	const json_t *f;
	char fp[17];
	size_t i;

	json_array_foreach(json_object_get(asset, "findings"), i, f)
	{
		const char *src = pg_json_get_str(f, "source");
		if ((src && !strcmp(src, "drift")) || !pg_policy_reported(f))
			continue;
		if (!pg_json_get_str(f, "fingerprint"))
			pg_policy_finding_fingerprint(f, target, fp);
		json_object_set(
			json_object_get(st, "findings"),
			pg_json_get_str(f, "fingerprint") ? pg_json_get_str(f, "fingerprint") : fp,
			(json_t *)f);
	}
}

/* What drift compares of one (whole) asset, as one JSON object (owned by the caller). */
static json_t *asset_state(const json_t *asset)
{
	json_t *st = json_pack(
		"{s:{}, s:{}, s:{}, s:{}, s:{}, s:o*}", "open", "states", "certs", "asns",
		"findings", "addrs",
		json_deep_copy(json_object_get(json_object_get(asset, "resolution"), "addresses")));
	const json_t *s;
	size_t i;

	if (!json_is_array(json_object_get(st, "addrs")))
		json_object_set_new(st, "addrs", json_array());
	if ((s = json_object_get(asset, "scan")))
		add_scan(st, s);
	json_array_foreach(json_object_get(asset, "additionalScans"), i, s) add_scan(st, s);
	collect_asns(asset, json_object_get(st, "asns"));
	add_findings(st, asset);
	json_object_set_new(st, "scanned", json_boolean(json_object_get(asset, "scan") != NULL));
	return st;
}

struct cmp {
	json_t *out;            /* the changes array */
	const json_t *asset;    /* after's asset, or before's when removed */
	json_t *before, *after; /* asset states */
	bool judged;            /* after records its judges (run.judges): an older
				 * portgate's evidence does not, and drift takes
				 * every absent finding for gone, as it did */
};

/* Append a change; before/after values are stolen (may be NULL). */
static json_t *change(struct cmp *c, const char *kind, const char *ip, const char *port,
		      json_t *before, json_t *after, const char *reason)
{
	json_t *ch = json_pack(
		"{s:s, s:s, s:s}", "change", kind, "asset",
		pg_json_get_str(c->asset, "name") ? pg_json_get_str(c->asset, "name") : "?",
		"target",
		pg_json_get_str(c->asset, "target") ? pg_json_get_str(c->asset, "target") : "?");

	if (ip)
		json_object_set_new(ch, "ip", json_string(ip));
	if (port)
		json_object_set_new(ch, "port", json_integer(strtol(port, NULL, 10)));
	if (port && strchr(port, '/')) /* a UDP port_key; TCP changes stay as they were */
		json_object_set_new(ch, "protocol", json_string("udp"));
	if (before)
		json_object_set_new(ch, "before", before);
	if (after)
		json_object_set_new(ch, "after", after);
	json_object_set_new(ch, "reason", json_string(reason));
	json_array_append_new(c->out, ch);
	return ch;
}

static void compare_ports(struct cmp *c)
{
	json_t *bo = json_object_get(c->before, "open"), *ao = json_object_get(c->after, "open");
	json_t *states = json_object_get(c->after, "states"), *v;
	const char *port;
	char why[128], pt[32];

	json_object_foreach(ao, port, v)
	{
		if (json_object_get(bo, port))
			continue;
		snprintf(why, sizeof(why), "port %s is open and was not in the baseline",
			 port_text(port, pt, sizeof(pt)));
		change(c, PG_RULE_PORT_NEWLY_OPEN, json_string_value(v), port, NULL,
		       json_string("open"), why);
	}
	json_object_foreach(bo, port, v)
	{
		const char *now = json_string_value(json_object_get(states, port));
		if (json_object_get(ao, port) || !now)
			continue; /* still open, or not scanned this time */
		snprintf(why, sizeof(why), "port %s was open in the baseline and is %s now",
			 port_text(port, pt, sizeof(pt)), now);
		change(c, PG_RULE_PORT_NEWLY_CLOSED, json_string_value(v), port,
		       json_string("open"), json_string(now), why);
	}
}

static void compare_certs(struct cmp *c)
{
	json_t *bc = json_object_get(c->before, "certs"), *ac = json_object_get(c->after, "certs");
	json_t *v, *old;
	const char *port;
	char why[160];

	json_object_foreach(ac, port, v)
	{
		if (!(old = json_object_get(bc, port)) || json_equal(old, v))
			continue;
		snprintf(why, sizeof(why),
			 "the certificate on port %s/tcp changed (sha256 %.16s... "
			 "was %.16s...)",
			 port, json_string_value(v), json_string_value(old));
		change(c, PG_RULE_CERT_CHANGED, NULL, port, json_incref(old), json_incref(v), why);
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A set of strings (array values or object keys) as a new sorted array. */
static json_t *sorted(const json_t *set)
{
	size_t n = json_is_array(set) ? json_array_size(set) : json_object_size(set), k = 0, i;
	const char **v = pg_xcalloc(n, sizeof(*v));
	const char *key;
	json_t *e, *out = json_array();

	if (json_is_array(set))
		json_array_foreach(set, i, e) v[k++] = json_string_value(e) ? json_string_value(e)
									    : "";
	else
		json_object_foreach((json_t *)set, key, e) v[k++] = key;
	qsort(v, k, sizeof(*v), cmp_str);
	for (i = 0; i < k; i++)
		json_array_append_new(out, json_string(v[i]));
	free(v);
	return out;
}

static void compare_set(struct cmp *c, const char *key, const char *kind, const char *what)
{
	json_t *b = sorted(json_object_get(c->before, key)),
	       *a = sorted(json_object_get(c->after, key));
	char *bs, *as, *why;

	if (!json_array_size(b) || !json_array_size(a) || json_equal(a, b)) {
		json_decref(a);
		json_decref(b);
		return;
	}
	bs = json_dumps(b, JSON_COMPACT);
	as = json_dumps(a, JSON_COMPACT);
	why = pg_xasprintf("%s changed from %s to %s", what, bs, as);
	change(c, kind, NULL, NULL, b, a, why);
	free(why);
	free(bs);
	free(as);
}

static void finding_change(struct cmp *c, const char *kind, const char *fp, const json_t *f)
{
	const char *rule = pg_json_get_str(f, "rule") ? pg_json_get_str(f, "rule") : "?";
	char *why = pg_xasprintf("%s %s: %s", rule,
				 !strcmp(kind, "finding-new") ? "is new" : "is gone",
				 pg_json_get_str(f, "reason") ? pg_json_get_str(f, "reason") : "");
	json_t *ch = change(c, kind, pg_json_get_str(f, "ip"), NULL, NULL, NULL, why);

	json_object_set_new(ch, "rule", json_string(rule));
	json_object_set_new(ch, "fingerprint", json_string(fp));
	if (json_object_get(f, "port"))
		json_object_set(ch, "port", json_object_get(f, "port"));
	if (json_object_get(f, "port") && same(pg_json_get_str(f, "protocol"), "udp"))
		json_object_set_new(ch, "protocol", json_string("udp"));
	free(why);
}

/* A baseline finding absent now whose judge did not re-check the asset: an
 * outage of the judge, not a fix. pg_drift_apply carries it into the run. */
static void not_rechecked(struct cmp *c, const char *fp, const json_t *f, const char *judge,
			  const char *why)
{
	const char *rule = pg_json_get_str(f, "rule") ? pg_json_get_str(f, "rule") : "?";
	char *reason = pg_xasprintf("%s was not re-checked: %s %s", rule, judge, why);
	json_t *ch = change(c, PG_CHANGE_NOT_RECHECKED, pg_json_get_str(f, "ip"), NULL, NULL, NULL,
			    reason);

	json_object_set_new(ch, "rule", json_string(rule));
	json_object_set_new(ch, "fingerprint", json_string(fp));
	if (json_object_get(f, "port"))
		json_object_set(ch, "port", json_object_get(f, "port"));
	if (json_object_get(f, "port") && same(pg_json_get_str(f, "protocol"), "udp"))
		json_object_set_new(ch, "protocol", json_string("udp"));
	json_object_set_new(ch, "judge", json_pack("{s:s, s:s}", "name", judge, "status", why));
	free(reason);
}

static void compare_findings(struct cmp *c)
{
	json_t *bf = json_object_get(c->before, "findings"),
	       *af = json_object_get(c->after, "findings");
	const char *fp, *judge, *why;
	json_t *f;

	json_object_foreach(af, fp, f) if (!json_object_get(bf, fp))
		finding_change(c, "finding-new", fp, f);
	json_object_foreach(bf, fp, f)
	{
		if (json_object_get(af, fp))
			continue;
		judge = c->judged ? pg_judge_of(f) : NULL;
		why = judge ? pg_judge_missing(c->asset, judge) : NULL;
		if (why)
			not_rechecked(c, fp, f, judge, why);
		else
			finding_change(c, "finding-gone", fp, f);
	}
}

/* The asset of report with that name and target (the manifest's identity). */
static const json_t *asset_named(const json_t *report, const char *name, const char *target)
{
	const json_t *a;
	size_t i;

	json_array_foreach(json_object_get(report, "assets"), i,
			   a) if (name && target && pg_json_get_str(a, "name") &&
				  pg_json_get_str(a, "target") &&
				  !strcmp(pg_json_get_str(a, "name"), name) &&
				  !strcasecmp(pg_json_get_str(a, "target"), target)) return a;
	return NULL;
}

static const json_t *asset_like(const json_t *report, const json_t *like)
{
	return asset_named(report, pg_json_get_str(like, "name"), pg_json_get_str(like, "target"));
}

static void compare_asset(json_t *out, json_t *prev_state, const json_t *cur, bool judged)
{
	struct cmp c = { out, cur, json_incref(prev_state), asset_state(cur), judged };

	if (json_is_true(json_object_get(c.before, "scanned")) &&
	    json_is_true(json_object_get(c.after, "scanned"))) {
		compare_ports(&c);
		compare_certs(&c);
	}
	compare_set(&c, "addrs", PG_RULE_ADDRESS_CHANGED, "resolved addresses");
	compare_set(&c, "asns", PG_RULE_ASN_CHANGED, "ASNs");
	compare_findings(&c);
	json_decref(c.before);
	json_decref(c.after);
}

/* The manifest identity of an asset as a key: name, then the target in lower case. */
static char *identity(const json_t *a)
{
	char *key = pg_xasprintf("%s\n%s",
				 pg_json_get_str(a, "name") ? pg_json_get_str(a, "name") : "",
				 pg_json_get_str(a, "target") ? pg_json_get_str(a, "target") : "");

	for (char *p = strchr(key, '\n'); p && *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return key;
}

/* The state of each asset of before by identity (the first of duplicates). */
static json_t *states_of(const json_t *before)
{
	struct pg_evidence_walk w = PG_EVIDENCE_WALK(before);
	json_t *states = json_object();
	const json_t *a;

	while ((a = pg_evidence_walk_next(&w))) {
		char *key = identity(a);
		if (pg_json_get_str(a, "name") && pg_json_get_str(a, "target") &&
		    !json_object_get(states, key))
			json_object_set_new(states, key, asset_state(a));
		free(key);
	}
	return states;
}

json_t *pg_drift_changes(const json_t *before, const json_t *after)
{
	struct pg_evidence_walk w = PG_EVIDENCE_WALK(after);
	json_t *out = json_array(), *states = states_of(before), *prev;
	const json_t *a;
	size_t i;

	while ((a = pg_evidence_walk_next(&w))) {
		char *key = identity(a);
		struct cmp c = { out, a, NULL, NULL, false };
		prev = pg_json_get_str(a, "name") && pg_json_get_str(a, "target")
			       ? json_object_get(states, key)
			       : NULL;
		free(key);
		if (prev)
			compare_asset(out, prev, a,
				      json_object_get(json_object_get(after, "run"), "judges"));
		else
			change(&c, "asset-added", NULL, NULL, NULL, NULL, "not in the baseline");
	}
	json_array_foreach(json_object_get(before, "assets"), i, a)
	{
		struct cmp c = { out, a, NULL, NULL, false };
		if (!asset_like(after, a))
			change(&c, "asset-removed", NULL, NULL, NULL, NULL, "only in the baseline");
	}
	json_decref(states);
	return out;
}

static void add_finding(json_t *report, const json_t *ch, const struct pg_drift_rule *r)
{
	json_t *asset = (json_t *)asset_named(report, pg_json_get_str(ch, "asset"),
					      pg_json_get_str(ch, "target")),
	       *f;

	if (!asset)
		return;
	f = json_pack("{s:s, s:s, s:s, s:O, s:O, s:O, s:s, s:{s:O*, s:O*}}", "rule", r->id,
		      "defaultAction", r->default_action, "severity", r->severity, "reason",
		      json_object_get(ch, "reason"), "asset", json_object_get(ch, "asset"),
		      "target", json_object_get(ch, "target"), "source", "drift", "evidence",
		      "before", json_object_get(ch, "before"), "after",
		      json_object_get(ch, "after"));
	if (json_object_get(ch, "ip"))
		json_object_set(f, "ip", json_object_get(ch, "ip"));
	if (json_object_get(ch, "port")) {
		json_object_set(f, "port", json_object_get(ch, "port"));
		json_object_set_new(f, "protocol",
				    json_string(pg_json_get_str(ch, "protocol")
							? pg_json_get_str(ch, "protocol")
							: "tcp"));
	}
	json_array_append_new(json_object_get(asset, "findings"), f);
}

static const json_t *finding_by_fp(const json_t *asset, const char *fp)
{
	const json_t *f;
	size_t i;

	json_array_foreach(json_object_get(asset, "findings"), i, f)
	{
		const char *x = pg_json_get_str(f, "fingerprint");
		if (fp && x && !strcmp(x, fp))
			return f;
	}
	return NULL;
}

/* The baseline's finding of a finding-not-rechecked change, copied into the
 * run's asset with notRechecked {judge, reason, since: the last run that did
 * check it}; listed in notrc. */
static void carry(json_t *report, const json_t *baseline, const json_t *ch, json_t *notrc)
{
	json_t *asset = (json_t *)asset_named(report, pg_json_get_str(ch, "asset"),
					      pg_json_get_str(ch, "target"));
	const json_t *f = finding_by_fp(
		asset_named(baseline, pg_json_get_str(ch, "asset"), pg_json_get_str(ch, "target")),
		pg_json_get_str(ch, "fingerprint"));
	const json_t *judge = json_object_get(ch, "judge"), *prev;
	const char *since;
	json_t *nf;

	if (!asset || !f)
		return;
	prev = json_object_get(f, "notRechecked");
	since = prev ? pg_json_get_str(prev, "since")
		     : pg_json_get_str(json_object_get(baseline, "run"), "id");
	nf = json_deep_copy(f);
	json_object_set_new(nf, "notRechecked",
			    json_pack("{s:O, s:O, s:s?}", "judge", json_object_get(judge, "name"),
				      "reason", json_object_get(judge, "status"), "since", since));
	json_array_append_new(json_object_get(asset, "findings"), nf);
	json_array_append_new(notrc, json_pack("{s:O, s:O, s:O, s:O, s:O}", "fingerprint",
					       json_object_get(ch, "fingerprint"), "asset",
					       json_object_get(ch, "asset"), "rule",
					       json_object_get(ch, "rule"), "judge",
					       json_object_get(judge, "name"), "reason",
					       json_object_get(judge, "status")));
}

/* One warning per judge: how many findings it left unchecked, and why. */
static void warn_not_rechecked(const json_t *notrc)
{
	json_t *per = json_object(), *e, *v;
	const char *judge;
	size_t i;

	json_array_foreach(notrc, i, e)
	{
		json_t *n = json_object_get(per, pg_json_get_str(e, "judge"));
		if (!n)
			json_object_set_new(per, pg_json_get_str(e, "judge"),
					    json_pack("{s:i, s:O}", "n", 0, "why",
						      json_object_get(e, "reason")));
		n = json_object_get(per, pg_json_get_str(e, "judge"));
		json_object_set_new(n, "n",
				    json_integer(json_integer_value(json_object_get(n, "n")) + 1));
	}
	json_object_foreach(per, judge, v)
	{
		json_int_t n = json_integer_value(json_object_get(v, "n"));
		pg_warn("%lld finding%s not re-checked: %s %s (kept from the baseline, not gone)",
			(long long)n, n == 1 ? "" : "s", judge, pg_json_get_str(v, "why"));
	}
	json_decref(per);
}

/* A port-newly-open of the baseline (or one the baseline still listed) whose
 * port is still open: the change fired once, the exposure stays. Listed in
 * run.drift.persisting so a notifier keeps its ticket open. */
static void persist_one(const json_t *now, const json_t *ba, const json_t *f, json_t *out)
{
	char *key = identity(ba);
	const json_t *st = json_object_get(now, key);
	json_t *port = json_object_get(f, "port");
	char p[16], why[128];

	free(key);
	if (!st || !json_is_integer(port) || !pg_json_get_str(f, "fingerprint"))
		return;
	snprintf(p, sizeof(p), "%lld", (long long)json_integer_value(port));
	if (json_object_get(json_object_get(st, "open"), p)) {
		snprintf(why, sizeof(why), "port %s/tcp is still open", p);
		json_array_append_new(
			out, json_pack("{s:O, s:O, s:O, s:s, s:O, s:s}", "fingerprint",
				       json_object_get(f, "fingerprint"), "asset",
				       json_object_get(ba, "name"), "target",
				       json_object_get(ba, "target"), "rule",
				       PG_RULE_PORT_NEWLY_OPEN, "port", port, "reason", why));
	}
}

static json_t *persisting(const json_t *report, const json_t *baseline)
{
	const json_t *bdrift = json_object_get(json_object_get(baseline, "run"), "drift");
	json_t *out = json_array(), *now = states_of(report); /* whole assets, by identity */
	const json_t *a, *f;
	size_t i, k;

	json_array_foreach(json_object_get(baseline, "assets"), i, a)
	{
		json_array_foreach(json_object_get(a, "findings"), k, f)
		{
			if (!same(pg_json_get_str(f, "rule"), PG_RULE_PORT_NEWLY_OPEN))
				continue;
			persist_one(now, a, f, out);
		}
	}
	json_array_foreach(json_object_get(bdrift, "persisting"), i, f)
	{
		json_t *stub = json_pack("{s:O, s:O}", "name", json_object_get(f, "asset"),
					 "target", json_object_get(f, "target"));
		persist_one(now, stub, f, out);
		json_decref(stub);
	}
	json_decref(now);
	return out;
}

size_t pg_drift_apply(json_t *report, const json_t *baseline, const char *baseline_path)
{
	json_t *changes = pg_drift_changes(baseline, report), *ch, *notrc = json_array();
	json_t *run = json_object_get(report, "run");
	const json_t *brun = json_object_get(baseline, "run");
	size_t i;

	json_array_foreach(changes, i, ch)
	{
		const struct pg_drift_rule *r = pg_drift_rule_find(pg_json_get_str(ch, "change"));
		if (r)
			add_finding(report, ch, r);
		else if (same(pg_json_get_str(ch, "change"), PG_CHANGE_NOT_RECHECKED))
			carry(report, baseline, ch, notrc);
	}
	json_object_set_new(run, "drift",
			    json_pack("{s:{s:s, s:O?, s:O?}, s:o, s:o}", "baseline", "path",
				      baseline_path, "runId", json_object_get(brun, "id"),
				      "startedAt", json_object_get(brun, "startedAt"), "changes",
				      changes, "persisting", persisting(report, baseline)));
	warn_not_rechecked(notrc);
	json_object_set_new(run, "notRechecked", notrc);
	return json_array_size(changes);
}

char *pg_drift_change_line(const json_t *ch)
{
	const char *name = pg_json_get_str(ch, "asset") ? pg_json_get_str(ch, "asset") : "?";
	const char *why = pg_json_get_str(ch, "reason") ? pg_json_get_str(ch, "reason") : "";
	char n[256], w[768];

	pg_banner_sanitize(name, strlen(name), n, sizeof(n));
	pg_banner_sanitize(why, strlen(why), w, sizeof(w));
	return pg_xasprintf("%-19s %s: %s", pg_json_get_str(ch, "change"), n, w);
}

void pg_drift_print(const json_t *report, FILE *out)
{
	const json_t *drift = json_object_get(json_object_get(report, "run"), "drift"), *ch;
	const json_t *changes = json_object_get(drift, "changes");
	size_t i;

	if (!drift)
		return;
	fprintf(out, "portgate: %zu change%s since baseline %s\n", json_array_size(changes),
		json_array_size(changes) == 1 ? "" : "s",
		pg_json_get_str(json_object_get(drift, "baseline"), "runId")
			? pg_json_get_str(json_object_get(drift, "baseline"), "runId")
			: "?");
	json_array_foreach(changes, i, ch)
	{
		char *line = pg_drift_change_line(ch);
		fprintf(out, "  %s\n", line);
		free(line);
	}
}
