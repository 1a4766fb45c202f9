/* whois_chain.c - the port-43 referral chain: start at IANA (or the
 * configured server), follow "refer:", "Registrar WHOIS Server:" and
 * "ReferralServer:" to the registry and the registrar, never asking a server
 * twice. The first answer holding data (the registry's) wins a field; a
 * registrar's answer fills what it left out. */
#include "whois.h"
#include "whois_net.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* "Host[:43]" in one canonical lowercase form, for loop checks. */
static void canon(const char *server, char *out, size_t outlen)
{
	char host[256];
	unsigned port;

	if (whois_split_server(server, host, sizeof(host), &port) != 0) {
		snprintf(out, outlen, "%s", server);
		return;
	}
	for (char *p = host; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	while (strlen(host) && host[strlen(host) - 1] == '.')
		host[strlen(host) - 1] = '\0';
	snprintf(out, outlen, strchr(host, ':') ? "[%s]:%u" : "%s:%u", host, port);
}

static int asked(const json_t *servers, const char *c)
{
	const json_t *v;
	size_t i;

	json_array_foreach(servers, i, v) if (!strcmp(json_string_value(v), c)) return 1;
	return 0;
}

/* Verisign's thin registries want "domain NAME" (a bare name also matches hosts). */
static int wants_domain_form(const struct whois_state *s, const char *c)
{
	char list[512], *save = NULL, *tok, one[300];

	if (!s->verisign || strlen(s->verisign) >= sizeof(list))
		return 0;
	memcpy(list, s->verisign, strlen(s->verisign) + 1);
	for (tok = strtok_r(list, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
		canon(tok, one, sizeof(one));
		if (!strcmp(one, c))
			return 1;
	}
	return 0;
}

static void merge(struct whois_record *dst, struct whois_record *src)
{
	json_t *v;
	size_t i;

	if (!dst->registrar && src->registrar) {
		dst->registrar = src->registrar;
		src->registrar = NULL;
	}
	if (!dst->registrant_org && src->registrant_org) { /* thin registries leave it out */
		dst->registrant_org = src->registrant_org;
		src->registrant_org = NULL;
	}
	if (dst->created < 0)
		dst->created = src->created;
	if (dst->updated < 0)
		dst->updated = src->updated;
	if (dst->expires < 0)
		dst->expires = src->expires;
	if (!json_array_size(dst->nameservers))
		json_array_foreach(src->nameservers, i, v) json_array_append(dst->nameservers, v);
	if (!json_array_size(dst->status))
		json_array_foreach(src->status, i, v) json_array_append(dst->status, v);
}

/* Ask one server (an internal one only if allow_internal; *internal tells
 * whether it was). 0 with *one parsed, -1 or WN_REFUSED with err. */
static int ask(struct whois_state *s, const char *server, const char *c, const char *domain,
	       struct whois_record *one, json_t **raw, int allow_internal, int *internal, char *err,
	       size_t errlen)
{
	struct whois_answer a;
	json_t *clean;
	char q[300];
	long budget = nl_budget(&s->env, s->lookup_ms, s->lookup_ms);
	int rc;

	if (budget <= 0) {
		snprintf(err, errlen, "%s: no time left in the call's deadline", server);
		return -1;
	}
	snprintf(q, sizeof(q), wants_domain_form(s, c) ? "domain %s" : "%s", domain);
	/* waiting for a place may take what is left of the call, not one lookup's
	 * budget: another call's query to this server can hold it that long */
	if (nl_gate_enter(s->gate, c, nl_time_left(&s->env, s->lookup_ms)) != 0) {
		snprintf(err, errlen, "%s: too many queries in flight", server);
		return -1;
	}
	budget = nl_budget(&s->env, s->lookup_ms, s->lookup_ms);
	rc = whois_query(&s->env, server, q, budget, s->max_bytes, allow_internal, &a, err, errlen);
	nl_gate_leave(s->gate, c);
	if (rc != 0)
		return rc;
	*internal = a.internal;
	/* parse valid UTF-8 only, so every field can go into JSON */
	clean = whois_sanitized_json(a.data, a.len, a.len);
	if (clean)
		whois_record_parse(json_string_value(clean), strlen(json_string_value(clean)), one);
	json_decref(clean);
	if (!one->iana_style) {
		json_decref(*raw);
		*raw = whois_sanitized_json(a.data, a.len, s->raw_bytes);
	}
	whois_answer_clear(&a);
	return 0;
}

int whois_port43(struct whois_state *s, const char *domain, struct whois_record *r, json_t *servers,
		 json_t **raw, char *err, size_t errlen)
{
	char server[300], c[300];
	int have_data = 0, start_internal = 1, internal = 0, rc;

	snprintf(server, sizeof(server), "%s", s->server);
	for (unsigned hop = 0; hop <= s->max_referrals; hop++) {
		struct whois_record one;

		canon(server, c, sizeof(c));
		if (asked(servers, c))
			break; /* a referral to a server already asked (itself, a loop) */
		json_array_append_new(servers, json_string(c));
		whois_record_init(&one);
		/* internal referrals only from an internal first server (a private registry) */
		rc = ask(s, server, c, domain, &one, raw, start_internal, &internal, err, errlen);
		if (rc != 0) {
			whois_record_clear(&one);
			if (rc == WN_REFUSED) /* not asked */
				json_array_remove(servers, json_array_size(servers) - 1);
			/* a dead registrar still leaves the registry's data (err says why) */
			return have_data ? 0 : -1;
		}
		if (hop == 0)
			start_internal = internal;
		if (one.rate_limited && !have_data) {
			r->rate_limited = 1;
			whois_record_clear(&one);
			return 0;
		}
		if (!one.iana_style) {
			if (!have_data && one.not_found)
				r->not_found = 1;
			merge(r, &one);
			have_data = 1;
		}
		if (!one.referral || r->not_found) {
			whois_record_clear(&one);
			break;
		}
		snprintf(server, sizeof(server), "%s", one.referral);
		whois_record_clear(&one);
	}
	if (!have_data) {
		snprintf(err, errlen,
			 "no WHOIS server gave an answer (referral loop or chain too long)");
		return -1;
	}
	return 0;
}
