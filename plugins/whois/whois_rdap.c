/* whois_rdap.c - registration data over RDAP (RFC 9083 domain objects). */
#include "whois.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void rdap_events(const json_t *obj, struct whois_record *r)
{
	const json_t *ev;
	size_t i;

	json_array_foreach(json_object_get(obj, "events"), i, ev)
	{
		const char *a = json_string_value(json_object_get(ev, "eventAction"));
		const char *d = json_string_value(json_object_get(ev, "eventDate"));
		int64_t *slot = NULL;
		if (!a || !d)
			continue;
		if (!strcmp(a, "registration"))
			slot = &r->created;
		else if (!strcmp(a, "last changed"))
			slot = &r->updated;
		else if (!strcmp(a, "expiration"))
			slot = &r->expires;
		if (slot && *slot < 0)
			*slot = whois_date_parse(d);
	}
}

/* A hostile server's megabyte of name servers or statuses stays 32 of each. */
static void rdap_nameservers(const json_t *obj, struct whois_record *r)
{
	const json_t *ns;
	size_t i;

	json_array_foreach(json_object_get(obj, "nameservers"), i, ns)
	{
		const char *n = json_string_value(json_object_get(ns, "ldhName"));
		if (n)
			whois_record_add_ns(r, n);
	}
}

static void rdap_status(const json_t *obj, struct whois_record *r)
{
	const json_t *st;
	char buf[256];
	size_t i;

	json_array_foreach(json_object_get(obj, "status"), i, st)
	{
		const char *v = json_string_value(st);
		if (v && strlen(v) < sizeof(buf)) {
			memcpy(buf, v, strlen(v) + 1);
			whois_record_add_status(r, buf);
		}
	}
}

int whois_rdap(struct whois_state *s, const char *domain, struct whois_record *r, json_t **raw,
	       char *err, size_t errlen)
{
	const char *base = s->rdap_base ? s->rdap_base
			   : s->boot    ? nl_bootstrap_dns(s->boot, domain)
					: NULL;
	char path[300], host[256], *text;
	json_t *obj = NULL;
	int rc;

	if (!base) {
		snprintf(err, errlen, "RDAP: no server for this TLD in the bootstrap");
		return NL_RDAP_ERROR;
	}
	nl_url_host(base, host, sizeof(host));
	snprintf(path, sizeof(path), "domain/%s", domain);
	if (nl_gate_enter(s->gate, host, nl_time_left(&s->env, s->lookup_ms)) != 0) {
		snprintf(err, errlen, "RDAP %s: too many queries in flight", host);
		return NL_RDAP_ERROR;
	}
	rc = nl_rdap_get(&s->env, base, path, s->lookup_ms, 0, &obj, err, errlen);
	nl_gate_leave(s->gate, host);
	if (rc == NL_RDAP_NOT_FOUND)
		r->not_found = 1;
	if (rc == NL_RDAP_RATE_LIMITED)
		r->rate_limited = 1;
	if (rc != NL_RDAP_OK)
		return rc;
	rdap_events(obj, r);
	rdap_nameservers(obj, r);
	rdap_status(obj, r);
	if (nl_rdap_entity_fn(obj, "registrar"))
		r->registrar = strdup(nl_rdap_entity_fn(obj, "registrar"));
	if (whois_rdap_registrant_org(obj))
		r->registrant_org = strdup(whois_rdap_registrant_org(obj));
	/* raw like a WHOIS answer: text, cut at rawBytes (the JSON as parsed, compact) */
	text = json_dumps(obj, JSON_COMPACT);
	*raw = text ? whois_sanitized_json(text, strlen(text), s->raw_bytes) : NULL;
	free(text);
	json_decref(obj);
	return NL_RDAP_OK;
}
