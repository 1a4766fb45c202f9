/* enrich_judge.c - which assets an enricher judges by itself (the descriptor's
 * judges and judges_tag_option, ABI 1.3), read from the evidence asset: its
 * manifest fields and the port objects of its scans. */
#include "config.h"
#include "enrich.h"

#include "plugin/plugin_instance.h"
#include <string.h>
#include <strings.h>

/* o.k is the string s. */
static bool str_is(const json_t *o, const char *k, const char *s)
{
	const char *v = json_string_value(json_object_get(o, k));

	return v && !strcmp(v, s);
}

/* Open on TCP: the web and TLS judges' plugins connect over TCP, so an open UDP port
 * (QUIC on 443/udp, say) puts no asset in their scope. */
static bool is_open(const json_t *p)
{
	return str_is(p, "state", "open") && !str_is(p, "protocol", "udp");
}

/* A port the probe saw HTTP on. */
static bool web_port(const json_t *p)
{
	return is_open(p) && (json_is_object(json_object_get(p, "http")) ||
			      str_is(p, "service", "http") || str_is(p, "service", "https"));
}

static bool listed(const json_t *list, const json_t *v)
{
	const json_t *x;
	size_t i;

	json_array_foreach(list, i, x) if (json_equal(x, v)) return true;
	return false;
}

/* A port that speaks TLS by the probe, or that the manifest lists in tlsPorts. */
static bool tls_port(const json_t *p, const json_t *fields)
{
	return is_open(p) &&
	       (json_is_true(json_object_get(p, "speaksTls")) ||
		json_is_string(json_object_get(p, "tlsVersion")) ||
		listed(json_object_get(fields, "tlsPorts"), json_object_get(p, "port")));
}

static bool scan_has(const json_t *scan, const json_t *fields, unsigned judges)
{
	const json_t *p;
	size_t i;

	json_array_foreach(
		json_object_get(scan, "ports"), i,
		p) if (((judges & PG_JUDGE_WEB_PORTS) && web_port(p)) ||
		       ((judges & PG_JUDGE_TLS_PORTS) && tls_port(p, fields))) return true;
	return false;
}

/* An expectedNetwork entry that is an ASN: "AS64500" (any case) or a number. */
static bool is_asn(const json_t *v)
{
	const char *s = json_string_value(v);

	return json_is_integer(v) || (s && !strncasecmp(s, "as", 2));
}

static bool names_asn(const json_t *networks)
{
	const json_t *v;
	size_t i;

	if (!json_is_array(networks))
		return is_asn(networks);
	json_array_foreach(networks, i, v) if (is_asn(v)) return true;
	return false;
}

static bool has_tag(const json_t *fields, const char *tag)
{
	const json_t *tags = json_object_get(fields, "tags"), *t;
	size_t i;

	if (!json_is_array(tags))
		return str_is(fields, "tags", tag);
	json_array_foreach(tags, i, t) if (json_is_string(t) &&
					   !strcmp(json_string_value(t), tag)) return true;
	return false;
}

/* The tag comes from the instance's option (headers' authTag), so it follows
 * what the plugin itself treats as an authentication surface. */
bool pg_enrich_judges_asset(struct pg_plugin_ctx *c, const json_t *fields)
{
	const char *tag = pg_plugin_judges_tag(c);

	return pg_plugin_judges(c) && (!tag || (*tag && has_tag(fields, tag)));
}

/* Does instance c judge the asset at this scan (NULL: the asset has none)? */
bool pg_enrich_judges_at(struct pg_plugin_ctx *c, const json_t *fields, const json_t *scan)
{
	unsigned want = pg_plugin_judges(c);

	if (((want & PG_JUDGE_DOMAIN) && json_string_length(json_object_get(fields, "domain"))) ||
	    ((want & PG_JUDGE_NETWORK_ASN) &&
	     names_asn(json_object_get(fields, "expectedNetwork"))))
		return true;
	return scan && scan_has(scan, fields, want);
}
