/* test_whois_parse.c - the WHOIS answer parser on each registry format in
 * tests/fixtures/whois/ (modelled on the registries' published answers) and
 * the date forms they use. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "whois_parse.h"

#ifndef PG_TEST_SRCDIR
#define PG_TEST_SRCDIR "."
#endif

/* Fixture text with the responder's placeholders filled in. */
static char *fixture(const char *name)
{
	static const char *const subst[][2] = {
		{ "{DOMAIN}", "EXAMPLE.COM" },
		{ "{expires}", "2031-08-13T04:00:00Z" },
		{ "{server:registrar}", "127.0.0.1:4343" },
		{ "{server:verisign}", "127.0.0.1:4344" },
	};
	char path[512], raw[65536], *out;
	size_t n, o = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/tests/fixtures/whois/%s", PG_TEST_SRCDIR, name);
	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "fixture %s", path);
	n = fread(raw, 1, sizeof(raw) - 1, f);
	fclose(f);
	raw[n] = '\0';
	out = malloc(2 * n + 1);
	for (size_t i = 0; i < n;) {
		size_t k = 0;
		while (k < sizeof(subst) / sizeof(subst[0]) &&
		       strncmp(raw + i, subst[k][0], strlen(subst[k][0])))
			k++;
		if (k < sizeof(subst) / sizeof(subst[0])) {
			memcpy(out + o, subst[k][1], strlen(subst[k][1]));
			o += strlen(subst[k][1]);
			i += strlen(subst[k][0]);
		} else {
			out[o++] = raw[i++];
		}
	}
	out[o] = '\0';
	return out;
}

static void parse_fixture(const char *name, struct whois_record *r)
{
	char *t = fixture(name);

	whois_record_init(r);
	whois_record_parse(t, strlen(t), r);
	free(t);
}

static int64_t D(const char *s)
{
	return whois_date_parse(s);
}

static void assert_ns(const struct whois_record *r, size_t n, const char *first, const char *last)
{
	ck_assert_uint_eq(json_array_size(r->nameservers), n);
	ck_assert_str_eq(json_string_value(json_array_get(r->nameservers, 0)), first);
	ck_assert_str_eq(json_string_value(json_array_get(r->nameservers, n - 1)), last);
}

START_TEST(dates)
{
	ck_assert_int_eq(D("2028-09-14T04:00:00Z"), 1852516800);
	ck_assert_int_eq(D("2028-09-14T04:00:00.0Z"), 1852516800);
	ck_assert_int_eq(D("2028-09-14T06:00:00+02:00"), 1852516800);
	ck_assert_int_eq(D("2028-09-14T06:00:00+0200"), 1852516800);
	ck_assert_int_eq(D("2028-09-14 04:00:00"), 1852516800);
	ck_assert_int_eq(D("2028-09-14"), 1852502400);
	ck_assert_int_eq(D("2028.09.14"), 1852502400);
	ck_assert_int_eq(D("2028/09/14"), 1852502400);
	ck_assert_int_eq(D("20280914 #123"), 1852502400);
	ck_assert_int_eq(D("14-Sep-2028"), 1852502400);
	ck_assert_int_eq(D("14.09.2028"), 1852502400);
	ck_assert_int_eq(D("14 September 2028"), 1852502400);
	ck_assert_int_eq(D("Sep 14 2028"), 1852502400);
	ck_assert_int_eq(D("September 14, 2028"), 1852502400);
	ck_assert_int_eq(D("Thu Sep 14 04:00:00 GMT 2028"), 1852516800);
	ck_assert_int_eq(D("2028-Sep-14"), 1852502400);
	ck_assert_int_eq(D("2028/09/14 13:00:00 (JST)"), 1852516800);
	ck_assert_int_eq(D("2028-02-30"), -1);
	ck_assert_int_eq(D("2028-13-01"), -1);
	ck_assert_int_eq(D("not a date"), -1);
	ck_assert_int_eq(D(""), -1);
	ck_assert_int_eq(D("1234567"), -1);
}
END_TEST

START_TEST(gtld_registry)
{
	struct whois_record r;

	parse_fixture("gtld-registry.txt", &r);
	ck_assert_str_eq(r.registrar, "Example Registrar, Inc.");
	ck_assert_int_eq(r.created, D("1995-08-14T04:00:00Z"));
	ck_assert_int_eq(r.updated, D("2025-08-14T07:01:44Z"));
	ck_assert_int_eq(r.expires, D("2031-08-13T04:00:00Z"));
	assert_ns(&r, 2, "a.iana-servers.net", "b.iana-servers.net");
	ck_assert_uint_eq(json_array_size(r.status), 3);
	ck_assert_str_eq(json_string_value(json_array_get(r.status, 0)), "clientDeleteProhibited");
	ck_assert_str_eq(r.referral, "127.0.0.1:4343");
	ck_assert_int_eq(r.iana_style, 0);
	ck_assert_int_eq(r.not_found, 0);
	whois_record_clear(&r);
}
END_TEST

START_TEST(iana_pointer)
{
	struct whois_record r;

	parse_fixture("iana-com.txt", &r);
	ck_assert_int_eq(r.iana_style, 1);
	ck_assert_str_eq(r.referral, "127.0.0.1:4344");
	whois_record_clear(&r);
}
END_TEST

/* A whois-scheme referral URL: userinfo and path dropped, the port kept, an
 * IPv6 host bracketed as whois_split_server reads it (common/url.c). */
static void assert_referral(const char *line, const char *want)
{
	struct whois_record r;

	whois_record_init(&r);
	whois_record_parse(line, strlen(line), &r);
	if (want)
		ck_assert_str_eq(r.referral, want);
	else
		ck_assert_ptr_null(r.referral);
	whois_record_clear(&r);
}

START_TEST(referral_urls)
{
	assert_referral("ReferralServer: whois://whois.example.net\n", "whois.example.net");
	assert_referral("ReferralServer: whois://u:pw@Whois.Example.net:4343/\n",
			"whois.example.net:4343");
	assert_referral("ReferralServer: rwhois://[2001:db8::1]:4321\n", "[2001:db8::1]:4321");
	assert_referral("refer: whois.example.org\n", "whois.example.org");
	assert_referral("ReferralServer: whois://:99999\n", NULL);
}
END_TEST

START_TEST(not_found_and_rate_limit)
{
	struct whois_record r;

	parse_fixture("gtld-notfound.txt", &r);
	ck_assert_int_eq(r.not_found, 1);
	ck_assert_int_eq(r.rate_limited, 0);
	whois_record_clear(&r);
	parse_fixture("de-free.txt", &r);
	ck_assert_int_eq(r.not_found, 1);
	whois_record_clear(&r);
	parse_fixture("ratelimit.txt", &r);
	ck_assert_int_eq(r.rate_limited, 1);
	ck_assert_int_eq(r.not_found, 0);
	whois_record_clear(&r);
}
END_TEST

START_TEST(uk_blocks)
{
	struct whois_record r;

	parse_fixture("uk.txt", &r);
	ck_assert_str_eq(r.registrar, "Example Registrar Ltd t/a Example");
	ck_assert_int_eq(r.created, D("1996-08-26"));
	ck_assert_int_eq(r.expires, D("2030-08-26"));
	ck_assert_int_eq(r.updated, D("2025-07-22"));
	assert_ns(&r, 2, "ns1.example.net", "ns2.example.net");
	whois_record_clear(&r);
}
END_TEST

START_TEST(de_jp_ru_su)
{
	struct whois_record r;

	parse_fixture("de.txt", &r);
	ck_assert_int_eq(r.updated, D("2024-03-12T20:44:25Z"));
	ck_assert_int_eq(r.expires, -1); /* DENIC publishes no expiry */
	assert_ns(&r, 2, "ns1.example.de", "ns2.example.net");
	ck_assert_str_eq(json_string_value(json_array_get(r.status, 0)), "connect");
	whois_record_clear(&r);

	parse_fixture("jp.txt", &r);
	ck_assert_int_eq(r.created, D("2001-05-31"));
	ck_assert_int_eq(r.expires, D("2030-05-31"));
	ck_assert_int_eq(r.updated, D("2025-05-31T16:05:04Z")); /* JST is UTC+9 */
	assert_ns(&r, 2, "ns1.example.jp", "ns2.example.jp");
	whois_record_clear(&r);

	parse_fixture("ru.txt", &r);
	ck_assert_str_eq(r.registrar, "RU-CENTER-RU");
	ck_assert_int_eq(r.created, D("2004-03-11T21:00:00Z"));
	ck_assert_int_eq(r.expires, D("2030-03-12T21:00:00Z"));
	assert_ns(&r, 2, "ns1.example.ru", "ns2.example.ru");
	ck_assert_str_eq(json_string_value(json_array_get(r.status, 0)),
			 "REGISTERED, DELEGATED, VERIFIED");
	whois_record_clear(&r);

	parse_fixture("su.txt", &r);
	ck_assert_str_eq(r.registrar, "RUCENTER-SU");
	ck_assert_int_eq(r.created, D("2003-11-20"));
	ck_assert_int_eq(r.expires, D("2030-11-20"));
	whois_record_clear(&r);
}
END_TEST

START_TEST(br_fr_nl)
{
	struct whois_record r;

	parse_fixture("br.txt", &r);
	ck_assert_int_eq(r.created, D("1997-05-05"));
	ck_assert_int_eq(r.updated, D("2025-01-01"));
	ck_assert_int_eq(r.expires, D("2030-05-05"));
	assert_ns(&r, 2, "a.dns.example.com.br", "b.dns.example.com.br");
	whois_record_clear(&r);

	parse_fixture("fr.txt", &r);
	ck_assert_str_eq(r.registrar, "EXAMPLE REGISTRAR SAS");
	ck_assert_int_eq(r.expires, D("2030-02-15T10:20:30Z"));
	ck_assert_int_eq(r.created, D("2000-02-15"));
	ck_assert_int_eq(r.updated, D("2025-02-01T08:09:10Z"));
	assert_ns(&r, 2, "ns1.example.fr", "ns2.example.net");
	whois_record_clear(&r);

	parse_fixture("nl.txt", &r);
	ck_assert_str_eq(r.registrar, "Example Hosting B.V.");
	ck_assert_int_eq(r.created, D("1999-05-27"));
	ck_assert_int_eq(r.updated, D("2024-11-08"));
	assert_ns(&r, 2, "ns1.example.nl", "ns2.example.nl");
	whois_record_clear(&r);
}
END_TEST

START_TEST(eu_it_pl)
{
	struct whois_record r;

	parse_fixture("eu.txt", &r);
	ck_assert_str_eq(r.registrar, "Example Registrar AB");
	assert_ns(&r, 2, "ns1.example.eu", "ns2.example.eu");
	whois_record_clear(&r);

	parse_fixture("it.txt", &r);
	ck_assert_str_eq(r.registrar, "Example Registrar S.r.l.");
	ck_assert_int_eq(r.created, D("1999-01-15"));
	ck_assert_int_eq(r.updated, D("2025-01-16T00:52:43Z"));
	ck_assert_int_eq(r.expires, D("2030-01-15"));
	assert_ns(&r, 2, "ns1.example.it", "ns2.example.it");
	whois_record_clear(&r);

	parse_fixture("pl.txt", &r);
	ck_assert_str_eq(r.registrar, "Example Sp. z o.o.");
	ck_assert_int_eq(r.created, D("1999-01-18T13:00:00Z"));
	ck_assert_int_eq(r.expires, D("2030-01-17T13:00:00Z"));
	assert_ns(&r, 3, "ns1.example.pl", "ns3.example.net");
	whois_record_clear(&r);
}
END_TEST

static char *parse_org(const char *text)
{
	struct whois_record r;
	char *org;

	whois_record_init(&r);
	whois_record_parse(text, strlen(text), &r);
	org = r.registrant_org ? strdup(r.registrant_org) : NULL;
	whois_record_clear(&r);
	return org;
}

/* got is want (NULL: none); ctx names the input in the message. */
static void assert_org_is(const char *got, const char *want, const char *ctx)
{
	if (want)
		ck_assert_msg(got && !strcmp(got, want), "%s: %s", ctx, got ? got : "(none)");
	else
		ck_assert_msg(!got, "%s: %s", ctx, got);
}

static void assert_org(const char *fx, const char *want)
{
	struct whois_record r;

	parse_fixture(fx, &r);
	assert_org_is(r.registrant_org, want, fx);
	whois_record_clear(&r);
}

/* Each format's registrant organisation, and none where the registry
 * publishes none or only a contact's (.eu technical, .it admin). */
START_TEST(registrant_org_formats)
{
	assert_org("gtld-registrar.txt", "Example Org");
	assert_org("it.txt", "Example S.p.A.");
	assert_org("jp.txt", "Example Co., Ltd.");
	assert_org("ru.txt", "Example LLC");
	assert_org("br.txt", "Example Ltda");
	assert_org("eu.txt", NULL); /* "NOT DISCLOSED!"; the technical contact's is not it */
	assert_org("gtld-redacted.txt", NULL); /* admin / tech organisations are not it */
	assert_org("su.txt", NULL);            /* "person: Private Person" */
	assert_org("uk.txt", NULL);
	assert_org("de.txt", NULL);
	assert_org("nl.txt", NULL);
	assert_org("fr.txt", NULL);
	assert_org("pl.txt", NULL);
	assert_org("gtld-registry.txt", NULL);
}
END_TEST

/* What registrars and privacy services publish in place of the name. */
START_TEST(registrant_org_redacted)
{
	static const char *const notices[] = {
		"REDACTED FOR PRIVACY",
		"Data Protected",
		"Privacy service provided by Withheld for Privacy ehf",
		"Domains By Proxy, LLC",
		"Contact Privacy Inc. Customer 7151571251",
		"GDPR Masked",
		"Statutory Masking Enabled",
		"Whois Privacy Protection Service, Inc.",
		"On behalf of example.com owner",
		"Not Disclosed",
		"********",
		"N/A",
		"",
	};
	char text[256], *org;

	for (size_t i = 0; i < sizeof(notices) / sizeof(notices[0]); i++) {
		snprintf(text, sizeof(text),
			 "Domain Name: EXAMPLE.COM\nRegistrant Organization: %s\n"
			 "Registrant Country: IS\nRegistry Expiry Date: 2030-01-01T00:00:00Z\n",
			 notices[i]);
		org = parse_org(text);
		ck_assert_msg(org == NULL, "'%s' taken as %s", notices[i], org);
	}
	/* the first published one wins; a later redacted one does not replace it */
	org = parse_org("Registrant Organisation: Example Widgets Ltd\r\n"
			"Registrant Organization: REDACTED FOR PRIVACY\n");
	ck_assert_str_eq(org, "Example Widgets Ltd");
	free(org);
	/* Nominet: the Registrant block's first line is the registrant, the
	 * address lines that follow are not */
	org = parse_org("    Domain name:\n        example.co.uk\n\n    Registrant:\n"
			"        Example Widgets Ltd\n\n    Registrant type:\n"
			"        UK Limited Company\n");
	ck_assert_str_eq(org, "Example Widgets Ltd");
	free(org);
	/* .it: a person registrant (no Organization) is not its address */
	org = parse_org("Domain:             example.it\n\nRegistrant\n  Name:             Mario "
			"Rossi\n  Address:          Via Esempio 1\n                    Roma\n\n"
			"Admin Contact\n  Organization:     Example S.p.A.\n");
	ck_assert_ptr_null(org);
	/* control bytes from a hostile server do not reach the value */
	org = parse_org("Registrant Organization: Evil\x1b[2JCorp\n");
	ck_assert_str_eq(org, "Evil [2JCorp");
	free(org);
}
END_TEST

static json_t *json_of(const char *text)
{
	json_error_t e;
	json_t *o = json_loads(text, 0, &e);

	ck_assert_msg(o != NULL, "%s: %s", e.text, text);
	return o;
}

/* A domain object with these entities. */
static json_t *rdap(const char *entities_json)
{
	char buf[2048];

	snprintf(buf, sizeof(buf), "{\"objectClassName\": \"domain\", \"entities\": %s}",
		 entities_json);
	return json_of(buf);
}

static void assert_rdap_org(const char *entities_json, const char *want)
{
	json_t *o = rdap(entities_json);

	assert_org_is(whois_rdap_registrant_org(o), want, entities_json);
	json_decref(o);
}

#define VC(props) "\"vcardArray\": [\"vcard\", [[\"version\", {}, \"text\", \"4.0\"]" props "]]"

START_TEST(registrant_org_rdap)
{
	char *text = fixture("rdap-registrant.json");
	json_t *o = json_of(text);

	/* the registrant's structured org, not the registrar's or the technical
	 * contact's fn */
	ck_assert_str_eq(whois_rdap_registrant_org(o), "Example Widgets Inc.");
	json_decref(o);
	free(text);
	/* fn only when the entity is an organisation */
	assert_rdap_org("[{\"roles\": [\"registrant\"], " VC(
				",[\"kind\", {}, \"text\", \"org\"],"
				"[\"fn\", {}, \"text\", \"Example Holdings plc\"]") "}]",
			"Example Holdings plc");
	assert_rdap_org("[{\"roles\": [\"registrant\"], " VC(
				",[\"kind\", {}, \"text\", \"individual\"],"
				"[\"fn\", {}, \"text\", \"Jane Example\"]") "}]",
			NULL);
	/* redaction (ICANN's Temporary Specification text, RFC 9537 empty values) */
	assert_rdap_org("[{\"roles\": [\"registrant\"], " VC(
				",[\"fn\", {}, \"text\", \"REDACTED FOR PRIVACY\"],"
				"[\"org\", {}, \"text\", \"REDACTED FOR PRIVACY\"]") "}]",
			NULL);
	assert_rdap_org("[{\"roles\": [\"registrant\"], " VC(",[\"kind\", {}, \"text\", \"org\"],"
							     "[\"fn\", {}, \"text\", \"\"]") "}]",
			NULL);
	/* no registrant, or malformed entities: none, no crash */
	assert_rdap_org("[{\"roles\": [\"registrar\"], " VC(
				",[\"org\", {}, \"text\", \"Registrar Org\"]") "}]",
			NULL);
	assert_rdap_org("[{\"roles\": \"registrant\"}, 7, {\"roles\": [\"registrant\"], "
			"\"vcardArray\": [\"vcard\", [[\"org\"], [1, {}, \"text\", \"x\"]]]}]",
			NULL);
}
END_TEST

START_TEST(hostile_bytes)
{
	static const char junk[] = "Registrar: Bad\xff\xfe Name\r\nName Server: NS1.X.TEST.\0evil\n"
				   "Registry Expiry Date: 2030-01-01\n";
	struct whois_record r;
	json_t *s;

	whois_record_init(&r);
	whois_record_parse(junk, sizeof(junk) - 1, &r);
	ck_assert_int_eq(r.expires, D("2030-01-01"));
	ck_assert_str_eq(json_string_value(json_array_get(r.nameservers, 0)), "ns1.x.test");
	whois_record_clear(&r);
	s = whois_sanitized_json(junk, sizeof(junk) - 1, 1000);
	ck_assert_ptr_nonnull(s);
	ck_assert_ptr_nonnull(strstr(json_string_value(s), "Bad\xef\xbf\xbd\xef\xbf\xbd Name"));
	ck_assert_ptr_null(strchr(json_string_value(s), '\r'));
	json_decref(s);
	s = whois_sanitized_json(junk, sizeof(junk) - 1, 5);
	ck_assert_str_eq(json_string_value(s), "Regis");
	json_decref(s);
}
END_TEST

/* The rules added for the corpus' formats (whois_corpus.sh, whois_formats.sh) and
 * where they must not reach. */
static void parse_text(const char *t, struct whois_record *r)
{
	whois_record_init(r);
	whois_record_parse(t, strlen(t), r);
}

START_TEST(corpus_rules)
{
	struct whois_record r;

	/* a date phrase counts only when a date follows: free text is no data */
	parse_text("No match for domain.\nExpires on the date shown by your registrar.\n", &r);
	ck_assert_int_eq(r.not_found, 1);
	ck_assert_int_eq(r.expires, -1);
	whois_record_clear(&r);
	parse_text(
		"   Record expires on 2019-11-09 (YYYY-MM-DD)\n** Created on......: 2001-Aug-23.\n",
		&r);
	ck_assert_int_eq(r.expires, D("2019-11-09"));
	ck_assert_int_eq(r.created, D("2001-08-23"));
	whois_record_clear(&r);
	/* only the paragraph of the domain's own registrar handle renames it */
	parse_text("Domain: x.sk\nRegistrar: AAA-1\n\nRegistrar: BBB-2\nName: Other s.r.o.\n\n"
		   "Registrar: AAA-1\nName: Right s.r.o.\nOrganization: Later\n",
		   &r);
	ck_assert_str_eq(r.registrar, "Right s.r.o.");
	whois_record_clear(&r);
	/* a host record's registrar and referral are not the domain's */
	parse_text("   Server Name: X.COM.SPAM.TEST\n   Registrar: SPAM INC.\n"
		   "   Whois Server: whois.spam.test\n\n   Domain Name: X.COM\n   Registrar: REAL "
		   "INC.\n",
		   &r);
	ck_assert_str_eq(r.registrar, "REAL INC.");
	ck_assert_ptr_null(r.referral);
	whois_record_clear(&r);
	/* IANA's pointer followed by the registry's answer is data; alone it only points */
	parse_text("refer: whois.nic.test\ncreated: 2015-01-01\n\nDomain Name: x.test\n"
		   "Registrar: R\nRegistry Expiry Date: 2030-01-01T00:00:00Z\n",
		   &r);
	ck_assert_int_eq(r.iana_style, 0);
	ck_assert_int_eq(r.expires, D("2030-01-01"));
	whois_record_clear(&r);
	parse_text("refer: whois.nic.test\ncreated: 2015-01-01\n", &r);
	ck_assert_int_eq(r.iana_style, 1);
	whois_record_clear(&r);
	/* IANA's part describes the TLD: its organisation, dates and name servers
	 * are not the domain's, and the registry's referral replaces refer: */
	parse_text("refer: whois.nic.test\norganisation: TLD Operator\nnserver: A.NIC.TEST\n"
		   "created: 2015-01-01\nsource: IANA\n\nDomain Name: x.test\n"
		   "Registrar WHOIS Server: whois.registrar.test\nCreation Date: 2018-02-03\n"
		   "Registrar: R\nRegistrant Organization: Right Org\nName Server: ns1.x.test\n",
		   &r);
	ck_assert_int_eq(r.iana_style, 0);
	ck_assert_int_eq(r.created, D("2018-02-03"));
	ck_assert_str_eq(r.registrant_org, "Right Org");
	ck_assert_str_eq(r.referral, "whois.registrar.test");
	ck_assert_int_eq(json_array_size(r.nameservers), 1);
	whois_record_clear(&r);
	/* no organisation in a registrar's paragraph is the registrant's */
	parse_text("Domain: x.sk\nRegistrar: AAA-1\n\nRegistrar: AAA-1\nName: Reg s.r.o.\n"
		   "Organization: Reg s.r.o.\n\nContact: C-1\nOrganization: Holder s.r.o.\n",
		   &r);
	ck_assert_str_eq(r.registrar, "Reg s.r.o.");
	ck_assert_str_eq(r.registrant_org, "Holder s.r.o.");
	whois_record_clear(&r);
	/* a name server with IPv6 glue in a block (.uk, .eu) holds a ':' but no key */
	parse_text("Name servers:\n    ns1.x.uk   2001:db8::1\n    ns2.x.eu (2001:db8::2)\n"
		   "ns3.x.li    [2001:db8::3]\ndnssec.............: unsigned\n",
		   &r);
	ck_assert_int_eq(json_array_size(r.nameservers), 3);
	ck_assert_str_eq(json_string_value(json_array_get(r.nameservers, 0)), "ns1.x.uk");
	whois_record_clear(&r);
	/* .kz "Domain created:", .hk "Domain Name Commencement Date:" (DD-MM-YYYY) */
	parse_text("Domain created: 2010-07-01 12:44:02 (GMT+0:00)\n", &r);
	ck_assert_int_eq(r.created, D("2010-07-01") + 12 * 3600 + 44 * 60 + 2);
	whois_record_clear(&r);
	parse_text("Domain Name Commencement Date: 14-07-2002\n", &r);
	ck_assert_int_eq(r.created, D("2002-07-14"));
	whois_record_clear(&r);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("whois_parse");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, dates);
	tcase_add_test(tc, gtld_registry);
	tcase_add_test(tc, iana_pointer);
	tcase_add_test(tc, referral_urls);
	tcase_add_test(tc, not_found_and_rate_limit);
	tcase_add_test(tc, uk_blocks);
	tcase_add_test(tc, de_jp_ru_su);
	tcase_add_test(tc, br_fr_nl);
	tcase_add_test(tc, eu_it_pl);
	tcase_add_test(tc, registrant_org_formats);
	tcase_add_test(tc, registrant_org_redacted);
	tcase_add_test(tc, registrant_org_rdap);
	tcase_add_test(tc, hostile_bytes);
	tcase_add_test(tc, corpus_rules);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
