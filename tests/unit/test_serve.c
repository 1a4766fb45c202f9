/* test_serve.c - core/serve pieces without HTTP: API keys (digests, scopes, the
 * keys file's errors), the rate and concurrency limiter, the result cache, the
 * serve: settings. */
#include "config.h"

#include <string.h>
#include <openssl/sha.h>

#include "pg_check.h"
#include "serve/serve_int.h"

static void setup(void)
{
	pg_check_tmpdir_make("serve");
}
static void teardown(void)
{
	pg_check_tmpdir_remove();
}

static char *sha_hex(const char *key)
{
	char *hex = pg_xmalloc(65);

	pg_sha256_hex(key, strlen(key), hex);
	return hex;
}

/* Two assets, web (owner platform-web) and db (owner data), for keys files to name. */
static struct pg_asset two_assets[2];
static struct pg_manifest two = { .assets = two_assets, .nassets = 2 };

static void assets_setup(void)
{
	setup();
	two_assets[0] = (struct pg_asset){ .name = "web",
					   .fields = json_pack("{s:s}", "owner", "platform-web") };
	two_assets[1] = (struct pg_asset){ .name = "db",
					   .fields = json_pack("{s:s}", "owner", "data") };
}

static void assets_teardown(void)
{
	json_decref(two_assets[0].fields);
	json_decref(two_assets[1].fields);
	teardown();
}

START_TEST(env_keys_match_only_themselves)
{
	struct pg_keyring k = { 0 };
	struct pg_diag d = { 0 };

	ck_assert(pg_keyring_load(&k, " alpha-0123456789 , beta-0123456789a,,", NULL, &two, &d));
	ck_assert_uint_eq(k.n, 2);
	ck_assert_str_eq(pg_keyring_match(&k, "alpha-0123456789")->name, "env#1");
	ck_assert_str_eq(pg_keyring_match(&k, "beta-0123456789a")->name, "env#2");
	ck_assert_ptr_null(pg_keyring_match(&k, "alpha-012345678"));
	ck_assert_ptr_null(pg_keyring_match(&k, "alpha-0123456789 "));
	ck_assert_ptr_null(pg_keyring_match(&k, ""));
	ck_assert_ptr_null(pg_keyring_match(&k, NULL));
	pg_keyring_clear(&k);
}
END_TEST

START_TEST(keys_file_scopes)
{
	char *h1 = sha_hex("k-web"), *h2 = sha_hex("k-all");
	char *text = pg_xasprintf(
		"keys:\n  - name: web\n    sha256: %s\n    owners: [platform-web]\n"
		"  - name: all\n    sha256: %s\n",
		h1, h2);
	char *path = write_tmp("keys.yaml", text);
	struct pg_keyring k = { 0 };
	struct pg_diag d = { 0 };
	const struct pg_asset *web = &two_assets[0], *db = &two_assets[1];
	const struct pg_api_key *kw, *ka;

	ck_assert(pg_keyring_load(&k, NULL, path, &two, &d));
	kw = pg_keyring_match(&k, "k-web");
	ka = pg_keyring_match(&k, "k-all");
	ck_assert_str_eq(kw->name, "web");
	ck_assert(pg_key_allows(kw, web));
	ck_assert(!pg_key_allows(kw, db));
	ck_assert(pg_key_allows(ka, db));
	ck_assert_ptr_null(pg_keyring_match(&k, h1)); /* the digest is not the key */
	pg_keyring_clear(&k);
	free(path);
	free(text);
	free(h1);
	free(h2);
}
END_TEST

START_TEST(keys_file_errors_have_lines)
{
	char *path = write_tmp(
		"bad.yaml",
		"keys:\n  - name: x\n    sha256: abc\n  - name: y\n"
		"    sha256: 0000000000000000000000000000000000000000000000000000000000000000\n"
		"    owner: [z]\n");
	struct pg_keyring k = { 0 };
	struct pg_diag d = { 0 };
	char *want1 = pg_xasprintf(
		"%s:3: keys[].sha256: expected 64 hex digits (sha256 of the key)", path);
	char *want2 = pg_xasprintf("%s:6: keys[]: unknown key 'owner'", path);

	ck_assert(!pg_keyring_load(&k, NULL, path, &two, &d));
	ck_assert_uint_eq(d.n, 2);
	ck_assert_str_eq(d.msgs[0], want1);
	ck_assert_str_eq(d.msgs[1], want2);
	pg_diag_clear(&d);
	pg_keyring_clear(&k);
	ck_assert(!pg_keyring_load(&k, "", NULL, &two, &d)); /* no key anywhere */
	ck_assert_uint_eq(d.n, 1);
	pg_diag_clear(&d);
	free(want1);
	free(want2);
	free(path);
}
END_TEST

START_TEST(keys_file_refuses_twice_and_nothing)
{
	char *h = sha_hex("one-key-for-two-entries"), *h2 = sha_hex("another-key-000000");
	char *h3 = sha_hex("third-key-0000000");
	char *text = pg_xasprintf("keys:\n  - name: narrow\n    sha256: %s\n    assets: [ghost]\n"
				  "  - name: wide\n    sha256: %s\n"
				  "  - name: narrow\n    sha256: %s\n"
				  "  - name: other\n    sha256: %s\n    owners: [data, nobody]\n",
				  h, h, h2, h3);
	char *path = write_tmp("twice.yaml", text);
	char *want[] = {
		pg_xasprintf("%s:4: keys[].assets: the manifest has no asset named 'ghost'", path),
		pg_xasprintf("%s:6: keys[].sha256: the same digest as key 'narrow' at %s:2", path,
			     path),
		pg_xasprintf("%s:7: keys[].name: 'narrow' is already used at %s:2", path, path),
		pg_xasprintf("%s:11: keys[].owners: no asset of the manifest has owner 'nobody'",
			     path),
	};
	struct pg_keyring k = { 0 };
	struct pg_diag d = { 0 };

	ck_assert(!pg_keyring_load(&k, NULL, path, &two, &d));
	ck_assert_uint_eq(d.n, 4);
	for (size_t i = 0; i < 4; i++) {
		ck_assert_str_eq(d.msgs[i], want[i]);
		free(want[i]);
	}
	pg_diag_clear(&d);
	pg_keyring_clear(&k);
	free(text);
	text = pg_xasprintf("keys:\n  - name: f\n    sha256: %s\n    owners: [data]\n", h);
	free(path);
	path = write_tmp("owners.yaml", text);
	ck_assert(!pg_keyring_load(&k, "one-key-for-two-entries", path, &two, &d));
	ck_assert_uint_eq(d.n, 1);
	ck_assert_str_eq(d.msgs[0] + strlen(path),
			 ":3: keys[].sha256: the same key as PORTGATE_API_KEYS env#1");
	pg_diag_clear(&d);
	pg_keyring_clear(&k);
	free(h);
	free(h2);
	free(h3);
	free(text);
	free(path);
}
END_TEST

START_TEST(env_keys_refuse_twice_and_short)
{
	struct pg_keyring k = { 0 };
	struct pg_diag d = { 0 };

	ck_assert(!pg_keyring_load(&k, "k-0123456789abcdef,short,k-0123456789abcdef", NULL, &two,
				   &d));
	ck_assert_uint_eq(d.n, 2);
	ck_assert_str_eq(d.msgs[0], "PORTGATE_API_KEYS: key #2 is 5 bytes, shorter than 16 "
				    "(make one with: openssl rand -hex 24)");
	ck_assert_str_eq(d.msgs[1], "PORTGATE_API_KEYS: key #3 is the same as env#1");
	pg_diag_clear(&d);
	pg_keyring_clear(&k);
}
END_TEST

START_TEST(limiter_rate_and_slots)
{
	struct pg_limiter *l = pg_limiter_new(2, 1);
	unsigned retry = 0;

	ck_assert_int_eq(pg_limit_take(l, "a", true, true, &retry), PG_LIMIT_OK);
	/* a second scan while the first runs: busy, retry in 1 s */
	ck_assert_int_eq(pg_limit_take(l, "a", true, true, &retry), PG_LIMIT_BUSY);
	ck_assert_uint_eq(retry, 1);
	pg_limit_release(l, "a");
	ck_assert_int_eq(pg_limit_take(l, "a", true, true, &retry), PG_LIMIT_OK);
	pg_limit_release(l, "a");
	/* two tokens per minute are spent: the next is due in about 30 s */
	ck_assert_int_eq(pg_limit_take(l, "a", true, false, &retry), PG_LIMIT_RATE);
	ck_assert_uint_ge(retry, 29);
	ck_assert_uint_le(retry, 30);
	/* identities are independent; a slot-only take needs no token */
	ck_assert_int_eq(pg_limit_take(l, "b", true, false, &retry), PG_LIMIT_OK);
	ck_assert_int_eq(pg_limit_take(l, "a", false, true, &retry), PG_LIMIT_OK);
	pg_limiter_free(l);
}
END_TEST

START_TEST(cache_ttl_and_replace)
{
	struct pg_rcache *c = pg_rcache_new(60), *off = pg_rcache_new(0);
	char *v;

	ck_assert_ptr_null(pg_rcache_get_dup(c, "t|80"));
	pg_rcache_put(c, "t|80", "{\"a\":1}");
	pg_rcache_put(c, "t|80", "{\"a\":2}");
	v = pg_rcache_get_dup(c, "t|80");
	ck_assert_str_eq(v, "{\"a\":2}");
	free(v);
	ck_assert_ptr_null(pg_rcache_get_dup(c, "t|443"));
	pg_rcache_put(off, "t|80", "{}"); /* TTL 0: no cache at all */
	ck_assert_ptr_null(pg_rcache_get_dup(off, "t|80"));
	pg_rcache_free(c);
	pg_rcache_free(off);
}
END_TEST

START_TEST(settings_defaults_and_errors)
{
	char *path = write_tmp("p.yaml", "serve:\n  cacheTtlSeconds: 5\n  defaultTimeoutMs: 9000\n"
					 "  maxTimeoutMs: 8000\n");
	struct pg_diag d = { 0 };
	struct pg_config *cfg = pg_config_load(NULL, &d);
	struct pg_serve_settings s;

	ck_assert_ptr_nonnull(cfg);
	ck_assert(pg_serve_settings_load(cfg, &s, &d));
	ck_assert_uint_eq(s.cache_ttl_s, 60);
	ck_assert_uint_eq(s.key_rpm, 120);
	ck_assert_uint_eq(s.max_connections, 512);
	pg_serve_settings_clear(&s);
	pg_config_free(cfg);
	cfg = pg_config_load(path, &d);
	ck_assert_ptr_nonnull(cfg);
	ck_assert(!pg_serve_settings_load(cfg, &s, &d));
	ck_assert_uint_eq(d.n, 1);
	ck_assert_ptr_nonnull(strstr(
		d.msgs[0], "serve.defaultTimeoutMs (9000) is above serve.maxTimeoutMs (8000)"));
	pg_serve_settings_clear(&s);
	pg_config_free(cfg);
	pg_diag_clear(&d);
	free(path);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("serve");
	TCase *tc = tcase_create("serve");

	tcase_add_checked_fixture(tc, assets_setup, assets_teardown);
	tcase_add_test(tc, env_keys_match_only_themselves);
	tcase_add_test(tc, keys_file_scopes);
	tcase_add_test(tc, keys_file_errors_have_lines);
	tcase_add_test(tc, keys_file_refuses_twice_and_nothing);
	tcase_add_test(tc, env_keys_refuse_twice_and_short);
	tcase_add_test(tc, limiter_rate_and_slots);
	tcase_add_test(tc, cache_ttl_and_replace);
	tcase_add_test(tc, settings_defaults_and_errors);
	suite_add_tcase(s, tc);
	return pg_check_run(s);
}
