/* ip_sources.c - where an address's ASN, owner and country come from:
 * offline .mmdb files (libmaxminddb), Team Cymru's DNS interface, RDAP. */
#include "ip.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void add_err(json_t *errs, const char *src, const char *msg)
{
	json_array_append_new(errs, json_sprintf("%s: %s", src, msg));
}

/* --- mmdb --- */

static int mmdb_find(MMDB_s *db, const char *ip, MMDB_lookup_result_s *r, const char **why)
{
	int gai = 0, merr = 0;

	*r = MMDB_lookup_string(db, ip, &gai, &merr);
	if (gai || merr != MMDB_SUCCESS) {
		*why = gai ? "address not understood" : MMDB_strerror(merr);
		return -1;
	}
	if (!r->found_entry) {
		*why = "address not in the database";
		return -1;
	}
	return 0;
}

/* A string value at path (NULL-terminated varargs) as a new JSON string or NULL.
 * MMDB strings are not NUL-terminated: the length is data_size. */
static json_t *mmdb_str(MMDB_lookup_result_s *r, const char *const *path)
{
	MMDB_entry_data_s d;

	if (MMDB_aget_value(&r->entry, &d, path) != MMDB_SUCCESS || !d.has_data ||
	    d.type != MMDB_DATA_TYPE_UTF8_STRING)
		return NULL;
	return json_stringn(d.utf8_string, d.data_size);
}

static int mmdb_uint(MMDB_lookup_result_s *r, const char *const *path, json_int_t *out)
{
	MMDB_entry_data_s d;

	if (MMDB_aget_value(&r->entry, &d, path) != MMDB_SUCCESS || !d.has_data)
		return -1;
	if (d.type == MMDB_DATA_TYPE_UINT32)
		*out = d.uint32;
	else if (d.type == MMDB_DATA_TYPE_UINT16)
		*out = d.uint16;
	else if (d.type == MMDB_DATA_TYPE_UINT64)
		*out = (json_int_t)d.uint64;
	else
		return -1;
	return 0;
}

/* The network the entry covers, from the address and the lookup's netmask.
 * IPv4 in an IPv6 tree has a netmask 96 bits longer. */
static json_t *mmdb_prefix(const MMDB_s *db, const char *ip, uint16_t netmask)
{
	unsigned char a[16];
	char text[INET6_ADDRSTRLEN];
	int v6 = strchr(ip, ':') != NULL;
	unsigned bits = netmask, max = v6 ? 128 : 32;

	if (!v6 && db->metadata.ip_version == 6 && bits >= 96)
		bits -= 96;
	if (bits > max || inet_pton(v6 ? AF_INET6 : AF_INET, ip, a) != 1)
		return NULL;
	for (unsigned b = bits; b < max; b++)
		a[b / 8] &= (unsigned char)~(0x80u >> (b % 8));
	inet_ntop(v6 ? AF_INET6 : AF_INET, a, text, sizeof(text));
	return json_sprintf("%s/%u", text, bits);
}

void ip_country_from_mmdb(struct ip_state *s, const char *ip, json_t *ans)
{
	static const char *const iso[] = { "country", "iso_code", NULL };
	static const char *const reg[] = { "registered_country", "iso_code", NULL };
	MMDB_lookup_result_s r;
	const char *why;
	json_t *c;

	if (!s->have_country_db || mmdb_find(&s->country_db, ip, &r, &why) != 0)
		return;
	c = mmdb_str(&r, iso);
	if (!c)
		c = mmdb_str(&r, reg);
	if (c)
		json_object_set_new(ans, "country", c);
}

int ip_from_mmdb(struct ip_state *s, const char *ip, json_t *ans, json_t *errs)
{
	static const char *const num[] = { "autonomous_system_number", NULL };
	static const char *const org[] = { "autonomous_system_organization", NULL };
	MMDB_lookup_result_s r;
	const char *why;
	json_int_t asn;
	json_t *o;

	if (!s->have_asn_db) {
		add_err(errs, "mmdb", "no asnDb configured");
		return 0;
	}
	if (mmdb_find(&s->asn_db, ip, &r, &why) != 0) {
		add_err(errs, "mmdb", why);
		return 0;
	}
	if (mmdb_uint(&r, num, &asn) != 0) {
		add_err(errs, "mmdb", "entry has no autonomous_system_number");
		return 0;
	}
	json_object_set_new(ans, "asn", json_integer(asn));
	o = mmdb_str(&r, org);
	if (o) {
		json_object_set(ans, "asName", o);
		json_object_set_new(ans, "org", o);
	}
	json_object_set_new(ans, "prefix", mmdb_prefix(&s->asn_db, ip, r.netmask));
	ip_country_from_mmdb(s, ip, ans);
	return 1;
}

/* --- Team Cymru --- */

char *ip_cymru_origin_name(const char *ip, const char *zone)
{
	unsigned char a[16];
	char buf[128 + 256];
	size_t o = 0;

	if (strlen(zone) > 200)
		return NULL;
	if (inet_pton(AF_INET, ip, a) == 1) {
		snprintf(buf, sizeof(buf), "%u.%u.%u.%u.origin.%s", a[3], a[2], a[1], a[0], zone);
		return strdup(buf);
	}
	if (inet_pton(AF_INET6, ip, a) != 1)
		return NULL;
	for (int i = 15; i >= 0; i--)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%x.%x.", a[i] & 0xf, a[i] >> 4);
	snprintf(buf + o, sizeof(buf) - o, "origin6.%s", zone);
	return strdup(buf);
}

/* Split "a | b | c" into trimmed fields (in place); returns how many. */
static size_t split_bar(char *s, char **f, size_t max)
{
	size_t n = 0;

	while (n < max) {
		char *bar = strchr(s, '|'), *end;
		while (isspace((unsigned char)*s))
			s++;
		end = bar ? bar : s + strlen(s);
		while (end > s && isspace((unsigned char)end[-1]))
			end--;
		f[n++] = s;
		if (!bar) {
			*end = '\0';
			break;
		}
		*end = '\0';
		s = bar + 1;
	}
	return n;
}

static int parse_asn_text(const char *s, json_int_t *out)
{
	char *end;
	unsigned long long v;

	if (!isdigit((unsigned char)*s))
		return -1;
	v = strtoull(s, &end, 10);
	/* several origins: "64500 64501 | ..." -> the first */
	if ((*end && *end != ' ') || v == 0 || v > 4294967295ull)
		return -1;
	*out = (json_int_t)v;
	return 0;
}

int ip_cymru_parse_origin(const char *txt, json_t *ans)
{
	char buf[512], *f[5];
	json_int_t asn;
	size_t n;

	if (strlen(txt) >= sizeof(buf))
		return -1;
	memcpy(buf, txt, strlen(txt) + 1);
	n = split_bar(buf, f, 5);
	if (n < 4 || parse_asn_text(f[0], &asn) != 0)
		return -1;
	json_object_set_new(ans, "asn", json_integer(asn));
	if (*f[1])
		json_object_set_new(ans, "prefix", json_string(f[1]));
	if (strlen(f[2]) == 2 && isalpha((unsigned char)f[2][0]) && isalpha((unsigned char)f[2][1]))
		json_object_set_new(ans, "country",
				    json_sprintf("%c%c", toupper(f[2][0]), toupper(f[2][1])));
	if (*f[3])
		json_object_set_new(ans, "registry", json_string(f[3]));
	return 0;
}

struct asname_arg {
	struct ip_state *s;
	json_int_t asn;
};

/* AS name TXT: "64500 | US | arin | 2000-03-30 | EXAMPLE-NET, US". The last
 * field is the AS name; without its ", CC" tail it is the organisation. */
static json_t *asname_cb(void *arg, char *err, size_t errlen)
{
	struct asname_arg *a = arg;
	char name[300], buf[512], *f[5];
	json_t *txt = NULL, *out = NULL;
	const char *t;
	size_t n, l;

	snprintf(name, sizeof(name), "AS%lld.%s", (long long)a->asn, a->s->cymru_zone);
	if (a->s->env.host->dns(a->s->env.ctx, name, "TXT", &txt) != 0) {
		snprintf(err, errlen, "AS name lookup failed");
		return NULL;
	}
	t = json_string_value(json_array_get(txt, 0));
	if (t && strlen(t) < sizeof(buf)) {
		memcpy(buf, t, strlen(t) + 1);
		n = split_bar(buf, f, 5);
		if (n == 5 && *f[4]) {
			out = json_pack("{s:s}", "asName", f[4]);
			l = strlen(f[4]);
			if (l > 4 && f[4][l - 4] == ',' && f[4][l - 3] == ' ')
				f[4][l - 4] = '\0';
			json_object_set_new(out, "org", json_string(f[4]));
		}
	}
	json_decref(txt);
	if (!out)
		snprintf(err, errlen, "no AS name record");
	return out;
}

/* The AS name once per ASN (addresses of one AS share it), cached like answers. */
static void cymru_as_name(struct ip_state *s, json_int_t asn, json_t *ans)
{
	char key[64], err[128];
	json_t *v;

	snprintf(key, sizeof(key), "asname:%lld", (long long)asn);
	v = nl_lookup_once(&s->env, s->memo, key, s->cache_s, nl_time_left(&s->env, s->lookup_ms),
			   asname_cb, &(struct asname_arg){ s, asn }, err, sizeof(err));
	if (!v)
		return; /* the origin answer stands without a name */
	json_object_update(ans, v);
	json_object_del(ans, "cached"); /* the name's cache state, not the answer's */
	json_decref(v);
}

int ip_from_cymru(struct ip_state *s, const char *ip, json_t *ans, json_t *errs)
{
	char *name = ip_cymru_origin_name(ip, s->cymru_zone);
	json_t *txt = NULL, *tmp = json_object();
	const char *t;
	int ok = 0;

	if (!name || s->env.host->dns(s->env.ctx, name, "TXT", &txt) != 0) {
		add_err(errs, "cymru", name ? "DNS lookup failed" : "bad address");
		goto out;
	}
	t = json_string_value(json_array_get(txt, 0));
	if (!t || ip_cymru_parse_origin(t, tmp) != 0) {
		add_err(errs, "cymru", t ? "unparsable origin answer" : "no origin record");
		goto out;
	}
	json_object_update(ans, tmp);
	cymru_as_name(s, json_integer_value(json_object_get(tmp, "asn")), ans);
	ok = 1;
out:
	json_decref(tmp);
	json_decref(txt);
	free(name);
	return ok;
}

/* --- RDAP --- */

static const char *registry_of(const char *base)
{
	static const char *const rirs[] = { "arin", "ripe", "apnic", "lacnic", "afrinic" };

	for (size_t i = 0; i < sizeof(rirs) / sizeof(rirs[0]); i++)
		if (strstr(base, rirs[i]))
			return rirs[i];
	return NULL;
}

static void rdap_fill(const json_t *net, const char *base, json_t *ans)
{
	const json_t *c = json_array_get(json_object_get(net, "cidr0_cidrs"), 0);
	const json_t *origin = json_array_get(json_object_get(net, "arin_originas0_originautnums"),
					      0);
	const char *pfx = json_string_value(json_object_get(c, "v4prefix"));
	const char *cc = json_string_value(json_object_get(net, "country"));
	const char *org = nl_rdap_entity_fn(net, "registrant");
	const char *p43 = json_string_value(json_object_get(net, "port43"));
	const char *reg = registry_of(base);

	if (!pfx)
		pfx = json_string_value(json_object_get(c, "v6prefix"));
	if (pfx && json_is_integer(json_object_get(c, "length")))
		json_object_set_new(
			ans, "prefix",
			json_sprintf("%s/%lld", pfx,
				     (long long)json_integer_value(json_object_get(c, "length"))));
	if (json_is_integer(origin))
		json_object_set_new(ans, "asn", json_integer(json_integer_value(origin)));
	if (json_is_string(json_object_get(net, "name")))
		json_object_set(ans, "asName", json_object_get(net, "name"));
	if (!org)
		org = json_string_value(json_object_get(net, "name"));
	if (org)
		json_object_set_new(ans, "org", json_string(org));
	if (cc && strlen(cc) == 2)
		json_object_set_new(ans, "country", json_string(cc));
	if (!reg && p43)
		reg = registry_of(p43); /* a mirror's URL names no RIR; port43 still does */
	if (reg)
		json_object_set_new(ans, "registry", json_string(reg));
}

int ip_from_rdap(struct ip_state *s, const char *ip, json_t *ans, json_t *errs)
{
	const json_t *boot = strchr(ip, ':') ? s->boot6 : s->boot4;
	const char *base = s->rdap_base ? s->rdap_base : boot ? nl_bootstrap_ip(boot, ip) : NULL;
	char path[128], host[256], err[300];
	json_t *net = NULL;
	int rc;

	if (!base) {
		add_err(errs, "rdap", "no RDAP server for this address in the bootstrap");
		return 0;
	}
	nl_url_host(base, host, sizeof(host));
	snprintf(path, sizeof(path), "ip/%s", ip);
	if (nl_gate_enter(s->gate, host, nl_time_left(&s->env, s->lookup_ms)) != 0) {
		add_err(errs, "rdap", "too many queries in flight to this server");
		return 0;
	}
	rc = nl_rdap_get(&s->env, base, path, s->lookup_ms, 0, &net, err, sizeof(err));
	nl_gate_leave(s->gate, host);
	if (rc != NL_RDAP_OK) {
		add_err(errs, "rdap", err);
		return 0;
	}
	rdap_fill(net, base, ans);
	json_decref(net);
	if (!json_object_get(ans, "asn") && !json_object_get(ans, "org")) {
		add_err(errs, "rdap", "answer has neither an origin AS nor an owner");
		return 0;
	}
	return 1;
}
