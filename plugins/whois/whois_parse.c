/* whois_parse.c - one line-oriented parser for the registry formats seen on
 * port 43: gTLD "Key: value" (RFC 7485 / ICANN RAA), IANA's "refer:", the
 * .uk / .eu / .nl / .it indented blocks ("Registrar:" then lines below it),
 * .jp "[Key] value", .ru/.su paid-till, .br YYYYMMDD, .pl dotted dates and
 * continuation lines, .de/.fr/.ru "nserver:". Keys are matched through
 * synonym tables, not per-registry code. The registrant organisation comes
 * from "Registrant Organization:" (gTLD), the "Registrant" block (.it
 * "Organization:", .uk first line), .jp "[Organization]", .ru/.su "org:" and
 * .br "owner:", unless it is a redaction notice. */
#include "whois_parse.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/url.h"

#define WP_LINE_MAX   1024
#define WP_NS_MAX     32
#define WP_STATUS_MAX 32
#define WP_ORG_MAX    255

enum key_kind {
	K_NONE,
	K_REGISTRAR,
	K_CREATED,
	K_UPDATED,
	K_EXPIRES,
	K_NS,
	K_STATUS,
	K_REFER_IANA,
	K_REFER,
	K_REGISTRANT_ORG,
	K_SECTION_REGISTRAR,
	K_SECTION_REGISTRANT,
	K_SECTION_NS,
	K_SECTION_OTHER,
	K_HOST_RECORD
};

static const struct {
	const char *key;
	enum key_kind kind;
} keys[] = {
	{ "registrar", K_REGISTRAR },
	{ "registrar name", K_REGISTRAR },
	{ "sponsoring registrar", K_REGISTRAR },
	{ "registrar organization", K_REGISTRAR },
	{ "registrar-name", K_REGISTRAR },                /* .lu */
	{ "registration service provider", K_REGISTRAR }, /* .tw */
	{ "current registrar", K_REGISTRAR },
	{ "current registar", K_REGISTRAR }, /* .kz spells it so */
	{ "creation date", K_CREATED },
	{ "created", K_CREATED },
	{ "created on", K_CREATED },
	{ "created date", K_CREATED },
	{ "registered on", K_CREATED },
	{ "registered", K_CREATED },
	{ "registration date", K_CREATED },
	{ "registered date", K_CREATED },
	{ "domain registration date", K_CREATED },
	{ "registration time", K_CREATED },
	{ "domain create date", K_CREATED },
	{ "record created on", K_CREATED },
	{ "record created", K_CREATED },                /* .kg, .hu */
	{ "domain created", K_CREATED },                /* .kz */
	{ "domain name commencement date", K_CREATED }, /* .hk */
	{ "assigned", K_CREATED },                      /* .il */
	{ "fecha de creación", K_CREATED },             /* .ve */
	{ "登録年月日", K_CREATED },
	{ "updated date", K_UPDATED },
	{ "last updated", K_UPDATED },
	{ "last update", K_UPDATED },
	{ "last-update", K_UPDATED },
	{ "changed", K_UPDATED },
	{ "last modified", K_UPDATED },
	{ "last-modified", K_UPDATED },
	{ "modified", K_UPDATED },
	{ "updated", K_UPDATED },
	{ "domain last updated date", K_UPDATED },
	{ "ultima actualización", K_UPDATED }, /* .ve */
	{ "最終更新", K_UPDATED },
	{ "registry expiry date", K_EXPIRES },
	{ "registrar registration expiration date", K_EXPIRES },
	{ "expiry date", K_EXPIRES },
	{ "expiration date", K_EXPIRES },
	{ "expire date", K_EXPIRES },
	{ "expires", K_EXPIRES },
	{ "expires on", K_EXPIRES },
	{ "expire", K_EXPIRES },
	{ "paid-till", K_EXPIRES },
	{ "renewal date", K_EXPIRES },
	{ "record expires on", K_EXPIRES },
	{ "domain expiration date", K_EXPIRES },
	{ "expiration time", K_EXPIRES },
	{ "valid until", K_EXPIRES },
	{ "validity", K_EXPIRES },             /* .il */
	{ "fecha de vencimiento", K_EXPIRES }, /* .ve */
	{ "有効期限", K_EXPIRES },
	{ "name server", K_NS },
	{ "nserver", K_NS },
	{ "nameserver", K_NS },
	{ "nameservers", K_NS },
	{ "name servers", K_NS },
	{ "domain nameservers", K_NS },
	{ "dns", K_NS },
	{ "ネームサーバ", K_NS },
	{ "domain status", K_STATUS },
	{ "status", K_STATUS },
	{ "state", K_STATUS },
	{ "refer", K_REFER_IANA },
	{ "registrar whois server", K_REFER },
	{ "referralserver", K_REFER },
	{ "whois server", K_REFER },
	{ "registrant organization", K_REGISTRANT_ORG },
	{ "registrant organisation", K_REGISTRANT_ORG },
	{ "org", K_REGISTRANT_ORG },          /* .ru, .su */
	{ "owner", K_REGISTRANT_ORG },        /* .br */
	{ "organization", K_REGISTRANT_ORG }, /* .jp; in a block only under Registrant */
	{ "organisation", K_REGISTRANT_ORG },
	{ "relevant dates", K_SECTION_OTHER },
	{ "registrant", K_SECTION_REGISTRANT },
	{ "technical", K_SECTION_OTHER },
	{ "tech-c", K_SECTION_OTHER },
	{ "server name", K_HOST_RECORD }, /* Verisign's host records, not the domain */
};

/* Phrases, matched only when nothing else was parsed (disclaimers quote them). */
static const char *const not_found_phrases[] = {
	"no match",          "not found",     "no entries found",         "object does not exist",
	"no data found",     "nothing found", "no object found",          "status: free",
	"status: available", "is free",       "no information available", "domain not registered",
};
/* What registries and privacy services publish instead of an organisation
 * (ICANN's Temporary Specification "REDACTED FOR PRIVACY", .eu "NOT
 * DISCLOSED!", "Data Protected", "Domains By Proxy", "GDPR Masked", .ru
 * "Private Person"): matched anywhere in the value, case-insensitively. */
static const char *const redaction_phrases[] = {
	"redacted",   "privacy",       "not disclosed", "data protected", "proxy",     "gdpr",
	"masked",     "masking",       "withheld",      "private",        "protected", "anonym",
	"non-public", "not available", "on behalf of",  "hidden",         "statutory",
};
static const char *const rate_phrases[] = {
	"limit exceeded",  "server too busy", "too many requests",    "query rate",
	"try again later", "quota exceeded",  "exceeded the maximum", "rate limit",
};

void whois_record_init(struct whois_record *r)
{
	memset(r, 0, sizeof(*r));
	r->created = r->updated = r->expires = -1;
	r->nameservers = json_array();
	r->status = json_array();
}

void whois_record_clear(struct whois_record *r)
{
	free(r->registrar);
	free(r->registrant_org);
	free(r->referral);
	json_decref(r->nameservers);
	json_decref(r->status);
	memset(r, 0, sizeof(*r));
	r->created = r->updated = r->expires = -1;
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	*e = '\0';
	return s;
}

static enum key_kind key_lookup(const char *k)
{
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strcasecmp(keys[i].key, k))
			return keys[i].kind;
	return K_NONE;
}

/* Split "Key: value", ".jp" "a. [Key]   value" and "[Key] value" lines.
 * Returns 1 with *key and *val pointing into line (modified), 0 for plain text. */
static int split_kv(char *line, char **key, char **val)
{
	char *p = line, *c;

	if (isalpha((unsigned char)p[0]) && p[1] == '.' && p[2] == ' ')
		p = trim(p + 2);
	if (*p == '[' && (c = strchr(p, ']'))) {
		*c = '\0';
		*key = trim(p + 1);
		*val = trim(c + 1);
		return 1;
	}
	c = strchr(p, ':');
	/* "http://..." in a free-text line is not a key */
	if (!c || c == p || (c[1] == '/' && c[2] == '/') || c - p > 48)
		return 0;
	*c = '\0';
	*key = trim(p);
	*val = trim(c + 1);
	/* .fi, .kz, .tr pad the key with dots: "expires............: " */
	for (c = *key + strlen(*key); c > *key && (c[-1] == '.' || c[-1] == ' ' || c[-1] == '\t');)
		*--c = '\0';
	return **key != '\0';
}

static void lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

void whois_record_add_ns(struct whois_record *r, const char *v)
{
	char buf[256];
	size_t n = strcspn(v, " \t,");
	json_t *e;
	size_t i;

	if (n == 0 || n >= sizeof(buf) || json_array_size(r->nameservers) >= WP_NS_MAX)
		return;
	memcpy(buf, v, n);
	buf[n] = '\0';
	while (n && buf[n - 1] == '.')
		buf[--n] = '\0';
	lower(buf);
	/* a host name, not a padded key ("dnssec.....:") or an address */
	if (!n || !strchr(buf, '.') || strchr(buf, ':') || strstr(buf, ".."))
		return;
	json_array_foreach(r->nameservers, i, e) if (!strcmp(json_string_value(e), buf)) return;
	json_array_append_new(r->nameservers, json_string(buf));
}

void whois_record_add_status(struct whois_record *r, char *v)
{
	char *url = strstr(v, " http");
	json_t *e;
	size_t i;

	if (url)
		*url = '\0';
	v = trim(v);
	if (!*v || json_array_size(r->status) >= WP_STATUS_MAX)
		return;
	json_array_foreach(r->status, i, e) if (!strcmp(json_string_value(e), v)) return;
	json_array_append_new(r->status, json_string(v));
}

/* A whois-scheme URL (ARIN: whois COLON-SLASH-SLASH host:port; common/url.h
 * drops userinfo and path) -> host[:port], an IPv6 host in brackets as
 * whois_split_server reads it; a bare "host[:port]" as it is. */
static void set_referral(struct whois_record *r, const char *v)
{
	struct pg_url_parts u;
	char hp[300];
	size_t n;

	if (r->referral)
		return;
	if (strstr(v, "://")) {
		if (!pg_url_split(v, &u) || !u.host[0])
			return;
		snprintf(hp, sizeof(hp), strchr(u.host, ':') ? "[%s]%s%s" : "%s%s%s", u.host,
			 u.port[0] ? ":" : "", u.port);
		v = hp;
	}
	n = strcspn(v, "/ \t");
	if (n == 0 || n > 255)
		return;
	r->referral = strndup(v, n);
}

/* Nominet appends " [Tag = X]" to the registrar's name. */
static void set_registrar(struct whois_record *r, char *v)
{
	char *tag = strstr(v, " [Tag = ");

	if (r->registrar || !*v)
		return;
	if (tag)
		*tag = '\0';
	r->registrar = strdup(trim(v));
}

static int contains_ci(const char *hay, size_t len, const char *needle)
{
	size_t n = strlen(needle);

	for (size_t i = 0; i + n <= len; i++)
		if (!strncasecmp(hay + i, needle, n))
			return 1;
	return 0;
}

static int any_phrase(const char *t, size_t len, const char *const *ph, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (contains_ci(t, len, ph[i]))
			return 1;
	return 0;
}

/* A name, not a redaction notice, a mask ("*****") or a placeholder. */
static int org_published(const char *v)
{
	size_t n = strlen(v);

	if (n == 0 || n > WP_ORG_MAX || strspn(v, "*-_.?/ ") == n || !strcasecmp(v, "n/a") ||
	    !strcasecmp(v, "none"))
		return 0;
	return !any_phrase(v, n, redaction_phrases,
			   sizeof(redaction_phrases) / sizeof(redaction_phrases[0]));
}

/* The first published value wins; control bytes become spaces. */
static void set_registrant_org(struct whois_record *r, const char *v)
{
	char buf[WP_ORG_MAX + 1], *t;
	size_t n = strlen(v);

	if (r->registrant_org || n > WP_ORG_MAX)
		return;
	memcpy(buf, v, n + 1);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f)
			buf[i] = ' ';
	t = trim(buf);
	if (org_published(t))
		r->registrant_org = strdup(t);
}

static void set_date(int64_t *slot, const char *v)
{
	if (*slot < 0)
		*slot = whois_date_parse(v);
}

struct pstate {
	enum key_kind section;  /* block opened by a "Registrar:"-like header */
	int block_lines;        /* lines read inside that block */
	enum key_kind last_key; /* for continuation lines (.pl nameservers) */
	int parsed;             /* some field was found */
	int para_lines;         /* lines read since the last blank line */
	int skip_para;          /* this paragraph is a host record (Verisign) */
	int reg_para;           /* this paragraph describes a registrar (.sk, .ua) */
	int reg_object;         /* ... the domain's, whose name is not taken yet */
	int iana_part;          /* inside IANA's pointer answer, before the registry's */
	int after_iana;         /* IANA's part is over: the registry's referral replaces refer: */
};

static void apply(struct whois_record *r, struct pstate *ps, enum key_kind k, char *val)
{
	switch (k) {
	case K_REGISTRAR: set_registrar(r, val); break;
	case K_CREATED: set_date(&r->created, val); break;
	case K_UPDATED: set_date(&r->updated, val); break;
	case K_EXPIRES: set_date(&r->expires, val); break;
	case K_NS: whois_record_add_ns(r, val); break;
	case K_STATUS: whois_record_add_status(r, val); break;
	case K_REFER_IANA:
		r->iana_style = 1;
		ps->iana_part = !ps->parsed;
		set_referral(r, val);
		break;
	case K_REFER: set_referral(r, val); break;
	case K_REGISTRANT_ORG: set_registrant_org(r, val); break;
	default: return;
	}
	/* a status alone ("Status: free") does not make a registration */
	if (*val && k != K_REFER && k != K_REFER_IANA && k != K_STATUS)
		ps->parsed = 1;
}

static int org_key(const char *k)
{
	return !strcasecmp(k, "organization") || !strcasecmp(k, "organisation");
}

/* The kind of "Key: value" inside a block: "Name" / "Organization" name the
 * registrar under Registrar; an organisation counts as the registrant's only
 * under Registrant (the .eu technical contact's, the .it admin's do not). */
static enum key_kind block_key(const struct whois_record *r, const struct pstate *ps, const char *k)
{
	enum key_kind kk = key_lookup(k);

	if (ps->section == K_SECTION_REGISTRAR && !r->registrar &&
	    (!strcasecmp(k, "name") || org_key(k)))
		return K_REGISTRAR;
	if (kk == K_REGISTRANT_ORG && org_key(k) && ps->section != K_SECTION_REGISTRANT)
		return K_NONE;
	return kk;
}

/* A line inside a block: "Name: X" / "Organization: X" under Registrar, or a
 * bare value (the .uk registrar name, a .eu / .nl name server, the .uk
 * registrant: the block's first line only, an address follows it). A name
 * server with IPv6 glue ("ns2.x.uk  2001:db8::1") holds a ':' but no key. */
static void block_line(struct whois_record *r, struct pstate *ps, char *line)
{
	char copy[WP_LINE_MAX], *k, *v;
	int first = ps->block_lines++ == 0;

	memcpy(copy, line, strlen(line) + 1);
	if (split_kv(copy, &k, &v) && (ps->section != K_SECTION_NS || key_lookup(k) != K_NONE)) {
		apply(r, ps, block_key(r, ps, k), v);
		return;
	}
	if (ps->section == K_SECTION_REGISTRAR)
		apply(r, ps, K_REGISTRAR, trim(line));
	else if (ps->section == K_SECTION_NS)
		apply(r, ps, K_NS, trim(line));
	else if (ps->section == K_SECTION_REGISTRANT && first)
		apply(r, ps, K_REGISTRANT_ORG, trim(line));
}

/* The block a header line without a value opens, K_NONE when none. */
static enum key_kind block_of(enum key_kind k)
{
	switch (k) {
	case K_REGISTRAR: return K_SECTION_REGISTRAR;
	case K_NS: return K_SECTION_NS;
	case K_SECTION_REGISTRANT:
	case K_SECTION_OTHER: return k;
	default: return K_NONE;
	}
}

static void open_block(struct pstate *ps, enum key_kind kind)
{
	ps->section = kind;
	ps->block_lines = 0;
}

/* "Record expires on 2019-11-09 (YYYY-MM-DD)" (.tw): a date key and its
 * value without a colon. Only a line whose rest is a date counts, so free
 * text ("Expires on the date shown") is not taken for data. */
static void date_phrase(struct whois_record *r, struct pstate *ps, const char *line)
{
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		size_t n = strlen(keys[i].key);
		enum key_kind kk = keys[i].kind;
		char val[WP_LINE_MAX];

		if ((kk != K_CREATED && kk != K_UPDATED && kk != K_EXPIRES) ||
		    strncasecmp(line, keys[i].key, n) || line[n] != ' ' ||
		    whois_date_parse(line + n + 1) < 0)
			continue;
		snprintf(val, sizeof(val), "%s", line + n + 1);
		apply(r, ps, kk, val);
		return;
	}
}

/* RIPE-style registries (.sk, .ua) name the registrar by a handle and
 * describe it in a paragraph of its own that starts "Registrar: HANDLE";
 * its first "Name:" / "Organization:" is the registrar's name when the
 * handle is the domain's, and no organisation in such a paragraph is the
 * registrant's. 1 when the line was taken. */
static int registrar_object(struct whois_record *r, struct pstate *ps, int first, enum key_kind kk,
			    const char *k, char *v)
{
	/* after the domain's own paragraph, naming its registrar (or none yet) */
	if (first && kk == K_REGISTRAR && *v && ps->parsed) {
		ps->reg_para = 1;
		ps->reg_object = !r->registrar || !strcmp(r->registrar, v);
		return 0;
	}
	if (!ps->reg_para || (strcasecmp(k, "name") && !org_key(k)) || !*v)
		return 0;
	if (ps->reg_object) {
		free(r->registrar);
		r->registrar = NULL;
		set_registrar(r, v);
		ps->reg_object = 0; /* the first name wins */
	}
	return 1;
}

/* IANA's pointer answer ("refer:" ... "source: IANA") followed by the
 * registry's (what a client that follows "refer:" itself prints): IANA's
 * part describes the TLD (its organisation, dates, name servers), never the
 * domain, so only its "refer:" is read. 1 when the line was IANA's. */
static int iana_line(struct pstate *ps, const char *line)
{
	char copy[WP_LINE_MAX], *k, *v;
	int end;

	memcpy(copy, line, strlen(line) + 1);
	if (!split_kv(copy, &k, &v))
		return 1;
	if (!strcasecmp(k, "refer"))
		return 0;
	end = !strcasecmp(k, "domain name"); /* the registry's first line */
	if (!end && !(!strcasecmp(k, "source") && !strcasecmp(v, "IANA")))
		return 1;
	ps->iana_part = 0;
	ps->after_iana = 1;
	return !end;
}

static void new_paragraph(struct pstate *ps)
{
	ps->section = K_NONE; /* a blank line ends a block */
	ps->last_key = K_NONE;
	ps->para_lines = 0;
	ps->skip_para = ps->reg_para = ps->reg_object = 0;
}

static void parse_line(struct whois_record *r, struct pstate *ps, char *line)
{
	int indented, first;
	char copy[WP_LINE_MAX], *k, *v;
	enum key_kind kk;

	if (!strncmp(line, "** ", 3)) /* .tr marks its keys and headers so */
		line += 3;
	indented = line[0] == ' ' || line[0] == '\t';
	if (!*trim(line)) {
		new_paragraph(ps);
		return;
	}
	first = ps->para_lines++ == 0;
	if (ps->skip_para || (ps->iana_part && iana_line(ps, line)))
		return;
	/* .pl: name servers continue on indented lines (glue may hold ':') */
	memcpy(copy, line, strlen(line) + 1);
	if (indented && ps->section == K_NONE && ps->last_key == K_NS &&
	    (!split_kv(copy, &k, &v) || key_lookup(k) == K_NONE)) {
		apply(r, ps, K_NS, trim(line));
		return;
	}
	memcpy(copy, line, strlen(line) + 1);
	/* .li name servers are not indented; IPv6 glue holds a ':' */
	if (ps->section != K_NONE && (indented || !split_kv(copy, &k, &v) ||
				      (ps->section == K_SECTION_NS && key_lookup(k) == K_NONE))) {
		block_line(r, ps, line);
		return;
	}
	memcpy(copy, line, strlen(line) + 1);
	if (!split_kv(copy, &k, &v)) {
		/* .pl continuation of "nameservers:"; .it "Registrar" / "Nameservers" headers */
		kk = block_of(indented ? K_NONE : key_lookup(trim(line)));
		if (kk != K_NONE && kk != K_SECTION_OTHER)
			open_block(ps, kk);
		else
			date_phrase(r, ps, trim(line));
		return;
	}
	kk = key_lookup(k);
	if (kk == K_HOST_RECORD) {
		ps->skip_para = 1;
		return;
	}
	if (registrar_object(r, ps, first, kk, k, v))
		return;
	if (kk == K_REFER && ps->after_iana) {
		free(r->referral); /* the registry's referral, not IANA's pointer to it */
		r->referral = NULL;
		ps->after_iana = 0;
	}
	if (!*v && block_of(kk) != K_NONE) {
		open_block(ps, block_of(kk));
		return;
	}
	/* an indented "Organization:" outside any block is a contact's (.it admin) */
	if (kk == K_REGISTRANT_ORG && indented && org_key(k))
		kk = K_NONE;
	apply(r, ps, kk, v);
	ps->last_key = kk;
}

void whois_record_parse(const char *text, size_t len, struct whois_record *r)
{
	struct pstate ps = { K_NONE, 0, K_NONE, 0, 0, 0, 0, 0, 0, 0 };
	char line[WP_LINE_MAX];
	size_t i = 0;

	while (i < len) {
		size_t n = 0;
		while (i < len && text[i] != '\n') {
			/* CR is dropped, NUL read as a space; overlong lines are cut */
			if (n < sizeof(line) - 1 && text[i] != '\r')
				line[n++] = text[i] ? text[i] : ' ';
			i++;
		}
		i++;
		line[n] = '\0';
		/* comments (%, #, >>>) carry notices, not data */
		if (line[0] == '%' || line[0] == '#' || !strncmp(line, ">>>", 3))
			continue;
		parse_line(r, &ps, line);
	}
	/* IANA's pointer with the registry's answer after it (what a client that
	 * follows "refer:" itself prints) is data: IANA names no registrar or expiry */
	if (r->iana_style && (r->registrar || r->expires >= 0))
		r->iana_style = 0;
	if (ps.parsed)
		return;
	if (any_phrase(text, len, rate_phrases, sizeof(rate_phrases) / sizeof(rate_phrases[0])))
		r->rate_limited = 1;
	else if (!r->referral &&
		 any_phrase(text, len, not_found_phrases,
			    sizeof(not_found_phrases) / sizeof(not_found_phrases[0])))
		r->not_found = 1;
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t need;
	unsigned c = s[0], cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		need = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		need = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		need = 4, cp = c & 0x07;
	else
		return 0;
	if (need > n)
		return 0;
	for (size_t i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* overlong, surrogates, beyond U+10FFFF */
	if ((need == 3 && cp < 0x800) || (need == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return need;
}

json_t *whois_sanitized_json(const char *text, size_t len, size_t max)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t n = len < max ? len : max, o = 0;
	char *buf = malloc(n * 3 + 1);
	json_t *j;

	if (!buf)
		return NULL;
	for (size_t i = 0; i < n;) {
		size_t l = utf8_len(s + i, n - i);
		if (l == 1 && s[i] < 0x20 && s[i] != '\n' && s[i] != '\t') {
			i++; /* control bytes (CR, ESC, NUL) are dropped */
			continue;
		}
		if (l == 0) {
			memcpy(buf + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
			continue;
		}
		memcpy(buf + o, s + i, l);
		o += l;
		i += l;
	}
	j = json_stringn(buf, o);
	free(buf);
	return j;
}

/* A vCard property's text value (jCard, RFC 7095: [name, params, type,
 * value...]); a structured "org" is an array whose first element is the name. */
static const char *vcard_text(const json_t *props, const char *name)
{
	const json_t *p, *v;
	size_t i;

	json_array_foreach(props, i, p)
	{
		if (!json_is_string(json_array_get(p, 0)) ||
		    strcmp(json_string_value(json_array_get(p, 0)), name))
			continue;
		v = json_array_get(p, 3);
		return json_is_array(v) ? json_string_value(json_array_get(v, 0))
					: json_string_value(v);
	}
	return NULL;
}

static int has_role(const json_t *entity, const char *role)
{
	const json_t *r;
	size_t i;

	json_array_foreach(json_object_get(entity, "roles"), i, r)
	{
		if (json_is_string(r) && !strcmp(json_string_value(r), role))
			return 1;
	}
	return 0;
}

/* "org", else "fn" of an organisation (kind "org"); a person's name is not
 * an organisation. */
static const char *entity_org(const json_t *entity)
{
	const json_t *props = json_array_get(json_object_get(entity, "vcardArray"), 1);
	const char *org = vcard_text(props, "org"), *kind = vcard_text(props, "kind");

	if (org && org_published(org))
		return org;
	if (kind && !strcasecmp(kind, "org")) {
		const char *fn = vcard_text(props, "fn");
		if (fn && org_published(fn))
			return fn;
	}
	return NULL;
}

const char *whois_rdap_registrant_org(const json_t *domain)
{
	const json_t *e;
	size_t i;

	json_array_foreach(json_object_get(domain, "entities"), i, e)
	{
		const char *org = has_role(e, "registrant") ? entity_org(e) : NULL;
		if (org)
			return org;
	}
	return NULL;
}
