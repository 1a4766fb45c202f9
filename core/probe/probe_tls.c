/* probe_tls.c - shared TLS client contexts and the certificate verdict.
 *
 * The handshake runs with SSL_VERIFY_NONE so that it completes whatever the
 * certificate; the verdict is computed here from what the verify callback saw,
 * the leaf's dates and an RFC 6125 name check (no partial wildcards). */
#include "config.h"

#include <arpa/inet.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "common/cert_json.h"
#include "util/log.h"
#include "probe.h"
#include "util/util.h"

/* One context per CA file, for the life of the process. A run uses one or
 * two CA files; past CTX_SLOTS distinct files the oldest context is dropped
 * (live SSL objects hold their own reference). */
#define CTX_SLOTS 8

struct ctx_slot {
	char *ca_file; /* owned, NULL for "system store only" */
	SSL_CTX *ctx;  /* owned */
	bool used;
};

static struct ctx_slot slots[CTX_SLOTS];

static void free_ctxs(void)
{
	for (size_t i = 0; i < CTX_SLOTS; i++) {
		SSL_CTX_free(slots[i].ctx);
		free(slots[i].ca_file);
		slots[i] = (struct ctx_slot){ 0 };
	}
}

static void ignore_sigpipe(void)
{
	struct sigaction sa;

	/* OpenSSL's socket BIO writes with write(2): a peer that closed must
	 * give EPIPE, not kill the scanner. Leave a handler someone set alone. */
	if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL) {
		sa.sa_handler = SIG_IGN;
		sigaction(SIGPIPE, &sa, NULL);
	}
}

static SSL_CTX *new_ctx(const char *ca_file)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (!ctx)
		return NULL;
	/* A scanner must see legacy servers too: lowest protocol, any cipher.
	 * Trust decisions do not depend on this. */
	SSL_CTX_set_min_proto_version(ctx, 0);
	SSL_CTX_set_security_level(ctx, 0);
	/* everything a server might offer, so legacy servers are still seen;
	 * never anonymous suites: a handshake must present a certificate */
	SSL_CTX_set_cipher_list(ctx, "ALL:!aNULL:@SECLEVEL=0");
	SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_NO_TICKET);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	if (SSL_CTX_set_default_verify_paths(ctx) != 1)
		pg_warn("TLS: cannot load the system trust store");
	if (ca_file && SSL_CTX_load_verify_locations(ctx, ca_file, NULL) != 1)
		pg_warn("TLS: cannot load CA file %s: certificates it signs will be untrusted",
			ca_file);
	ERR_clear_error();
	return ctx;
}

#define CA_FILE_MAX (16u << 20) /* a CA bundle is a few hundred KB; /dev/zero is endless */

bool pg_tls_ca_file_check(const char *path, char *err, size_t errlen)
{
	struct stat st;
	BIO *bio;
	STACK_OF(X509_INFO) * infos;
	int ncerts = 0;

	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "is not a regular file (a PEM CA bundle)");
		return false;
	}
	if (stat(path, &st) == 0 && (uintmax_t)st.st_size > CA_FILE_MAX) {
		snprintf(err, errlen, "is larger than %u MiB (not a PEM CA bundle)",
			 CA_FILE_MAX >> 20);
		return false;
	}
	bio = BIO_new_file(path, "r");
	if (!bio) {
		snprintf(err, errlen, "cannot be read: %s", strerror(errno));
		ERR_clear_error();
		return false;
	}
	infos = PEM_X509_INFO_read_bio(bio, NULL, NULL, NULL);
	BIO_free(bio);
	for (int i = 0; infos && i < sk_X509_INFO_num(infos); i++)
		ncerts += sk_X509_INFO_value(infos, i)->x509 != NULL;
	sk_X509_INFO_pop_free(infos, X509_INFO_free);
	ERR_clear_error();
	if (!infos || !ncerts) {
		snprintf(err, errlen, "is not a PEM CA bundle (%s)",
			 infos ? "no CERTIFICATE block" : "a PEM block does not parse");
		return false;
	}
	return true;
}

SSL_CTX *pg_tls_client_ctx(const char *ca_file)
{
	static bool registered;
	size_t i;

	for (i = 0; i < CTX_SLOTS && slots[i].used; i++) {
		const char *f = slots[i].ca_file;

		if ((!f && !ca_file) || (f && ca_file && strcmp(f, ca_file) == 0))
			return slots[i].ctx;
	}
	if (!registered) {
		atexit(free_ctxs);
		ignore_sigpipe();
		registered = true;
	}
	if (i == CTX_SLOTS) {
		/* More distinct CA files than slots: drop the oldest. Contexts
		 * are reference counted, so live SSL objects keep theirs. */
		SSL_CTX_free(slots[0].ctx);
		free(slots[0].ca_file);
		memmove(slots, slots + 1, sizeof(slots[0]) * (CTX_SLOTS - 1));
		i = CTX_SLOTS - 1;
	}
	slots[i].ctx = new_ctx(ca_file);
	slots[i].ca_file = pg_xstrdup(ca_file);
	slots[i].used = slots[i].ctx != NULL;
	return slots[i].ctx;
}

int pg_tls_verify_cb(int ok, X509_STORE_CTX *sctx)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(sctx, SSL_get_ex_data_X509_STORE_CTX_idx());
	unsigned *flags = ssl ? SSL_get_app_data(ssl) : NULL;
	int err = X509_STORE_CTX_get_error(sctx);

	if (ok || !flags)
		return 1;
	switch (err) {
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN: *flags |= PG_TLS_CHAIN_SELF_SIGNED; break;
	case X509_V_ERR_CERT_HAS_EXPIRED:
	case X509_V_ERR_CERT_NOT_YET_VALID:
		/* The leaf's dates are judged from the certificate itself;
		 * an out-of-date CA breaks the chain. */
		if (X509_STORE_CTX_get_error_depth(sctx) > 0)
			*flags |= PG_TLS_CHAIN_UNTRUSTED;
		break;
	default: *flags |= PG_TLS_CHAIN_UNTRUSTED; break;
	}
	return 1; /* keep going: collect every problem, the verdict is ours */
}

static bool name_matches(X509 *cert, const char *name, bool is_ip)
{
	if (!name || !*name)
		return false;
	if (is_ip)
		return X509_check_ip_asc(cert, name, 0) == 1;
	return X509_check_host(cert, name, strlen(name), X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS,
			       NULL) == 1;
}

json_t *pg_tls_cert_json(X509 *cert, const char *name, bool is_ip, unsigned chain_flags)
{
	json_t *c = json_object(), *reasons = json_array();
	const ASN1_TIME *nb = X509_get0_notBefore(cert), *na = X509_get0_notAfter(cert);
	bool untrusted = chain_flags & (PG_TLS_CHAIN_UNTRUSTED | PG_TLS_CHAIN_SELF_SIGNED);
	int days = 0, secs = 0;

	json_object_set_new(c, "subject", pg_cert_json_name(X509_get_subject_name(cert)));
	json_object_set_new(c, "issuer", pg_cert_json_name(X509_get_issuer_name(cert)));
	json_object_set_new(c, "san", pg_cert_json_san(cert));
	json_object_set_new(c, "notBefore", pg_cert_json_time(nb));
	json_object_set_new(c, "expires", pg_cert_json_time(na));
	if (ASN1_TIME_diff(&days, &secs, NULL, na) == 1)
		json_object_set_new(c, "daysRemaining", json_integer(days));
	/* X509_cmp_current_time: -1 when t is in the past, 1 in the future. */
	if (X509_cmp_current_time(na) < 0)
		json_array_append_new(reasons, json_string("expired"));
	if (X509_cmp_current_time(nb) > 0)
		json_array_append_new(reasons, json_string("not-yet-valid"));
	if (untrusted)
		json_array_append_new(reasons, json_string("untrusted"));
	if (untrusted &&
	    ((chain_flags & PG_TLS_CHAIN_SELF_SIGNED) || X509_self_signed(cert, 0) == 1))
		json_array_append_new(reasons, json_string("self-signed"));
	if (!name_matches(cert, name, is_ip))
		json_array_append_new(reasons, json_string("hostname-mismatch"));
	json_object_set_new(c, "valid", json_boolean(json_array_size(reasons) == 0));
	json_object_set_new(c, "reasons", reasons);
	json_object_set_new(c, "sha256", pg_cert_json_sha256(cert));
	ERR_clear_error();
	return c;
}
