/* policy_evaluate.c - the decision matrix: what the run saw of one asset -> its core
 * findings, each decided (pg_policy_decide) as it is made. */
#include "config.h"
#include "policy.h"

#include <arpa/inet.h>
#include <string.h>

#include "probe/probe.h"

/* Create a finding with the rule's default action; pg_policy_decide then decides it. */
static json_t *finding_new(const struct pg_asset_outcome *o, const char *rule, const char *ip,
			   const struct pg_port_result *pr, json_t *evidence, const char *fmt, ...)
	PG_PRINTF(6, 7);

/* pr: the port the finding is about (its number and protocol), NULL for none. */
static json_t *finding_new(const struct pg_asset_outcome *o, const char *rule, const char *ip,
			   const struct pg_port_result *pr, json_t *evidence, const char *fmt, ...)
{
	const struct pg_rule_info *ri = pg_rule_find(rule);
	json_t *f = json_object();
	char *reason = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&reason, fmt, ap) < 0)
		reason = NULL;
	va_end(ap);
	json_object_set_new(f, "rule", json_string(rule));
	json_object_set_new(f, "defaultAction", json_string(pg_action_name(ri->default_action)));
	json_object_set_new(f, "severity", json_string(ri->severity));
	json_object_set_new(f, "reason", json_string(reason ? reason : rule));
	json_object_set_new(f, "asset", json_string(o->asset->name));
	json_object_set_new(f, "target", json_string(o->asset->target));
	if (ip)
		json_object_set_new(f, "ip", json_string(ip));
	if (pr && pr->port) {
		json_object_set_new(f, "port", json_integer(pr->port));
		json_object_set_new(f, "protocol", json_string(pg_proto_name(pr->proto)));
	}
	json_object_set_new(f, "source", json_string("core"));
	json_object_set_new(f, "evidence", evidence ? evidence : json_object());
	free(reason);
	return f;
}

static json_t *port_evidence(const struct pg_port_result *r)
{
	json_t *e = json_pack("{s:i, s:s, s:s}", "port", r->port, "state",
			      pg_port_state_name(r->state), "reason", r->reason ? r->reason : "");
	if (r->probe)
		json_object_update(e, r->probe);
	return e;
}

static bool str_in(char *const *list, const char *s)
{
	for (; list && *list; list++)
		if (!strcasecmp(*list, s))
			return true;
	return false;
}

static bool name_in(char *const *list, const char *s)
{
	for (; list && *list; list++)
		if (pg_dns_name_eq(*list, s))
			return true;
	return false;
}

static bool outside_networks(const struct pg_asset *a, const struct pg_addr *ip)
{
	const void *raw;

	if (!a->nnetworks)
		return false; /* ASN-only expectations need the IP enricher */
	raw = ip->family == AF_INET
		      ? (const void *)&((const struct sockaddr_in *)&ip->ss)->sin_addr
		      : (const void *)&((const struct sockaddr_in6 *)&ip->ss)->sin6_addr;
	for (size_t i = 0; i < a->nnetworks; i++)
		if (pg_cidr_contains(&a->networks[i], ip->family, raw))
			return false;
	return true;
}

/* A CNAME in the chain that expectedRecords.CNAME does not list: every address is reached
 * through it. cnames[0] may be the target itself. */
static bool unexpected_cname(const struct pg_asset *a, const struct pg_resolution *r)
{
	for (size_t i = 0; a->exp_cname && i < r->ncnames; i++)
		if (!pg_dns_name_eq(r->cnames[i], a->target) &&
		    !name_in(a->exp_cname, r->cnames[i]))
			return true;
	return false;
}

static bool unexpected_addr(const struct pg_asset *a, const struct pg_addr *ip)
{
	char *const *exp = ip->family == AF_INET ? a->exp_a : a->exp_aaaa;

	return exp && !str_in(exp, ip->text);
}

const char *pg_policy_out_of_scope(const struct pg_asset *a, const struct pg_resolution *r,
				   const struct pg_addr *ip)
{
	if (outside_networks(a, ip))
		return PG_RULE_NETWORK_UNEXPECTED;
	if (!r->is_literal && (unexpected_addr(a, ip) || unexpected_cname(a, r)))
		return PG_RULE_DNS_UNEXPECTED;
	return NULL;
}

bool pg_policy_skip_addr(const struct pg_asset *a, const struct pg_resolution *r,
			 const struct pg_addr *ip)
{
	return a->scan_unexpected <= 0 && pg_policy_out_of_scope(a, r, ip);
}

/* expectedRecords: every answered record must be expected, and every expected one answered. */
static void check_records(const struct pg_asset_outcome *o, json_t *out)
{
	const struct pg_asset *a = o->asset;
	const struct pg_resolution *r = o->res;
	json_t *unexpected = json_array(), *missing = json_array();

	json_t *skipped = json_array();

	for (size_t i = 0; i < r->naddrs; i++) {
		if (unexpected_addr(a, &r->addrs[i]))
			json_array_append_new(unexpected, json_string(r->addrs[i].text));
		if (pg_policy_skip_addr(a, r, &r->addrs[i]) &&
		    !outside_networks(a, &r->addrs[i])) /* those say it in network-unexpected */
			json_array_append_new(skipped, json_string(r->addrs[i].text));
	}
	/* cnames[0] may be the target itself; only the targets of CNAMEs count */
	for (size_t i = 0; a->exp_cname && i < r->ncnames; i++)
		if (!pg_dns_name_eq(r->cnames[i], a->target) &&
		    !name_in(a->exp_cname, r->cnames[i]))
			json_array_append_new(unexpected, json_string(r->cnames[i]));
	for (char *const *e = a->exp_a; e && *e; e++) {
		bool seen = false;
		for (size_t i = 0; i < r->naddrs; i++)
			seen |= r->addrs[i].family == AF_INET && !strcasecmp(r->addrs[i].text, *e);
		if (!seen)
			json_array_append_new(missing, json_string(*e));
	}
	for (char *const *e = a->exp_aaaa; e && *e; e++) {
		bool seen = false;
		for (size_t i = 0; i < r->naddrs; i++)
			seen |= r->addrs[i].family == AF_INET6 && !strcasecmp(r->addrs[i].text, *e);
		if (!seen)
			json_array_append_new(missing, json_string(*e));
	}
	for (char *const *e = a->exp_cname; e && *e; e++) {
		bool seen = false;
		for (size_t i = 0; i < r->ncnames; i++)
			seen |= pg_dns_name_eq(r->cnames[i], *e);
		if (!seen)
			json_array_append_new(missing, json_string(*e));
	}
	if (json_array_size(unexpected) || json_array_size(missing)) {
		json_t *ev = json_pack("{s:O, s:O, s:O}", "unexpected", unexpected, "missing",
				       missing, "notScanned", skipped);
		json_array_append_new(
			out, finding_new(o, PG_RULE_DNS_UNEXPECTED, NULL, NULL, ev,
					 "DNS for %s differs from expectedRecords (%zu unexpected, "
					 "%zu missing)%s",
					 a->target, json_array_size(unexpected),
					 json_array_size(missing),
					 json_array_size(skipped)
						 ? "; addresses reached through them were not "
						   "connected to (scanUnexpected is off)"
						 : ""));
	}
	json_decref(skipped);
	json_decref(unexpected);
	json_decref(missing);
}

static void check_network(const struct pg_asset_outcome *o, const struct pg_addr *ip, json_t *out)
{
	const struct pg_asset *a = o->asset;
	bool skipped = pg_policy_skip_addr(a, o->res, ip);

	if (!outside_networks(a, ip))
		return;
	json_array_append_new(
		out,
		finding_new(o, PG_RULE_NETWORK_UNEXPECTED, ip->text, NULL,
			    json_pack("{s:s, s:b}", "ip", ip->text, "scanned", !skipped),
			    "%s resolves to %s, outside expectedNetwork%s", a->target, ip->text,
			    skipped ? "; not connected to (scanUnexpected is off)" : ""));
}

/* At most max bytes of a sanitised banner, never cutting a "\xNN" escape in two. */
static int escape_safe_len(const char *s, size_t max)
{
	size_t n = strnlen(s, max + 1);

	if (n <= max)
		return (int)n;
	for (size_t back = 1; back <= 3 && back <= max; back++)
		if (s[max - back] == '\\')
			return (int)(max - back);
	return (int)max;
}

/* " (ssh: SSH-2.0-OpenSSH_9.2)" from the probe, so the reason says what is exposed. */
static const char *what_answered(const struct pg_port_result *r, char *buf, size_t len)
{
	const char *svc = r->probe ? json_string_value(json_object_get(r->probe, "service")) : NULL;
	const char *banner = r->probe ? json_string_value(json_object_get(r->probe, "banner"))
				      : NULL;

	if (!svc || !strcmp(svc, "unknown"))
		return "";
	if (banner && *banner)
		snprintf(buf, len, " (%s: %.*s)", svc, escape_safe_len(banner, 100), banner);
	else
		snprintf(buf, len, " (%s)", svc);
	return buf;
}

static bool tls_listed(const struct pg_asset *a, uint16_t port)
{
	return pg_ports_has(&a->tls_ports, port);
}

/* x rounded to one decimal, as the finding states the factor. */
static double round1(double x)
{
	return (double)(long long)(x * 10.0 + 0.5) / 10.0;
}

/* The TLS findings of an open TCP port (UDP ports have no handshake to check). */
static void check_tls(const struct pg_asset_outcome *o, const struct pg_port_result *r,
		      const char *ip, json_t *out, bool *unchecked)
{
	json_t *cert = r->probe ? json_object_get(r->probe, "certificate") : NULL;
	json_t *speaks = r->probe ? json_object_get(r->probe, "speaksTls") : NULL;

	if (cert && json_is_false(json_object_get(cert, "valid"))) {
		char reasons[256] = "";
		size_t i;
		json_t *v;
		json_array_foreach(json_object_get(cert, "reasons"), i, v)
		{
			if (i)
				pg_str_append(reasons, sizeof(reasons), ", ");
			pg_str_append(reasons, sizeof(reasons),
				      json_string_value(v) ? json_string_value(v) : "?");
		}
		json_array_append_new(
			out, finding_new(o, PG_RULE_TLS_CERT_INVALID, ip, r, port_evidence(r),
					 "port %u/tcp: TLS certificate is invalid (%s)", r->port,
					 *reasons ? reasons : "unknown reason"));
	}
	if (json_is_true(speaks) && !cert)
		json_array_append_new(
			out, finding_new(o, PG_RULE_TLS_CERT_INVALID, ip, r, port_evidence(r),
					 "port %u/tcp: TLS without a certificate (no-certificate)",
					 r->port));
	if (r->probe && json_is_true(json_object_get(r->probe, "tlsUnchecked"))) {
		/* the handshake ran out of its byte budget: neither a pass nor a claim
		 * that TLS is absent */
		const char *why = json_string_value(json_object_get(r->probe, "tlsError"));
		*unchecked = true;
		json_array_append_new(out,
				      finding_new(o, PG_RULE_SCAN_ERROR, ip, r, port_evidence(r),
						  "port %u/tcp: TLS could not be checked: %.100s",
						  r->port, why ? why : "handshake not finished"));
	}
	if (json_is_false(speaks) && tls_listed(o->asset, r->port)) {
		const char *why = json_string_value(json_object_get(r->probe, "tlsError"));
		json_array_append_new(
			out, finding_new(o, PG_RULE_TLS_NOT_OFFERED, ip, r, port_evidence(r),
					 "port %u/tcp is in tlsPorts but no "
					 "TLS handshake completed%s%.80s%s",
					 r->port, why ? " (" : "", why ? why : "", why ? ")" : ""));
	}
}

/* An open UDP port whose answer is at least PG_UDP_AMPLIFIER_FACTOR times its request
 * (the probe's "udp": {"sent", "received"}): a reflector for spoofed-source floods.
 * Default action: fail on a production asset, warn elsewhere; overrides apply as usual. */
static void check_amplifier(const struct pg_asset_outcome *o, const struct pg_port_result *r,
			    const char *ip, json_t *out)
{
	json_t *udp = r->probe ? json_object_get(r->probe, "udp") : NULL, *f, *ev;
	json_int_t sent = json_integer_value(json_object_get(udp, "sent"));
	json_int_t received = json_integer_value(json_object_get(udp, "received"));
	double factor;
	char said[160];

	if (!pg_udp_amplifies(sent, received, &factor))
		return;
	factor = round1(factor);
	ev = port_evidence(r);
	json_object_set_new(ev, "amplificationFactor", json_real(factor));
	json_object_set_new(ev, "bytesSent", json_integer(sent));
	json_object_set_new(ev, "bytesReceived", json_integer(received));
	f = finding_new(o, PG_RULE_UDP_AMPLIFIER, ip, r, ev,
			"port %u/udp answers %lld bytes to a %lld-byte request (amplification "
			"factor %.1f)%s",
			r->port, (long long)received, (long long)sent, factor,
			what_answered(r, said, sizeof(said)));
	json_object_set_new(f, "amplificationFactor", json_real(factor));
	json_object_set_new(f, "defaultAction",
			    json_string(pg_action_name(pg_policy_production_default(o->asset))));
	json_array_append_new(out, f);
}

/* An open service whose answer proves no credential is needed (the probe's
 * authRequired: false: Redis PONG, PostgreSQL AuthenticationOk, memcached VERSION,
 * an Elasticsearch root document; on UDP memcached stats, SNMP with the community
 * "public"). A production asset's finding defaults to fail. */
static void check_unauthenticated(const struct pg_asset_outcome *o, const struct pg_port_result *r,
				  const char *ip, json_t *out)
{
	json_t *f;

	if (!r->probe || !json_is_false(json_object_get(r->probe, "authRequired")))
		return;
	f = finding_new(o, PG_RULE_SERVICE_UNAUTH, ip, r, port_evidence(r),
			"port %u/%s: %s answers without authentication", r->port,
			pg_proto_name(r->proto),
			json_string_value(json_object_get(r->probe, "service")));
	json_object_set_new(f, "defaultAction",
			    json_string(pg_action_name(pg_policy_production_default(o->asset))));
	json_array_append_new(out, f);
}

static void check_port(const struct pg_asset_outcome *o, const struct pg_port_result *r,
		       const char *ip, json_t *out, bool *unchecked)
{
	bool udp = r->proto == PG_PROTO_UDP;
	bool approved = pg_ports_has_proto(&o->asset->approved, udp, r->port);
	const char *proto = pg_proto_name(r->proto);
	char said[160];

	switch (r->state) {
	case PG_PORT_OPEN:
		if (!approved)
			json_array_append_new(
				out,
				finding_new(o, PG_RULE_PORT_UNAPPROVED_OPEN, ip, r,
					    port_evidence(r),
					    "port %u/%s is open but not in approvedPorts%s",
					    r->port, proto, what_answered(r, said, sizeof(said))));
		if (udp)
			check_amplifier(o, r, ip, out);
		else
			check_tls(o, r, ip, out, unchecked);
		check_unauthenticated(o, r, ip, out);
		break;
	case PG_PORT_FILTERED:
		if (approved)
			json_array_append_new(
				out,
				finding_new(o, PG_RULE_PORT_APPROVED_FILTERED, ip, r,
					    port_evidence(r),
					    "approved port %u/%s does not answer (%s)", r->port,
					    proto, r->reason ? r->reason : "filtered"));
		break;
	case PG_PORT_CLOSED:
		if (approved)
			json_array_append_new(out, finding_new(o, PG_RULE_PORT_APPROVED_CLOSED, ip,
							       r, port_evidence(r),
							       "approved port %u/%s is closed",
							       r->port, proto));
		break;
	case PG_PORT_ERROR:
		*unchecked = true;
		json_array_append_new(out,
				      finding_new(o, PG_RULE_SCAN_ERROR, ip, r, port_evidence(r),
						  "port %u/%s could not be scanned: %s", r->port,
						  proto, r->reason ? r->reason : "error"));
		break;
	}
}

static size_t skipped_addrs(const struct pg_asset_outcome *o)
{
	size_t n = 0;

	for (size_t k = 0; k < o->res->naddrs; k++)
		n += pg_policy_skip_addr(o->asset, o->res, &o->res->addrs[k]);
	return n;
}

/* The core findings of what was seen, undecided. */
static json_t *core_findings(const struct pg_asset_outcome *o, bool *could_not_check)
{
	json_t *out = json_array();

	*could_not_check = false;
	if (!o->res->ok) {
		*could_not_check = true;
		json_array_append_new(
			out, finding_new(o, PG_RULE_DNS_UNRESOLVED, NULL, NULL,
					 json_pack("{s:s}", "error",
						   o->res->error ? o->res->error : "unresolved"),
					 "%s does not resolve: %s", o->asset->target,
					 o->res->error ? o->res->error : "no address"));
		return out;
	}
	if (!o->res->is_literal)
		check_records(o, out);
	for (size_t k = 0; k < o->res->naddrs; k++)
		check_network(o, &o->res->addrs[k], out);
	/* every address in scope must have been scanned, or the asset is not checked */
	if (o->nscans < o->res->naddrs - skipped_addrs(o))
		*could_not_check = true;
	for (size_t k = 0; k < o->nscans; k++) {
		const struct pg_scan_target *s = &o->scans[k];
		for (size_t i = 0; i < pg_scan_nresults(s); i++)
			check_port(o, &s->results[i], s->addr.text, out, could_not_check);
	}
	return out;
}

json_t *pg_policy_evaluate(const struct pg_manifest *m, const struct pg_asset_outcome *o,
			   bool *could_not_check)
{
	json_t *out = core_findings(o, could_not_check), *f;
	char today[11];
	size_t i;

	pg_policy_today(today);
	json_array_foreach(out, i, f) pg_policy_decide(m, o->asset, f, today);
	return out;
}
