/* fuzz_probe_db.c - the parsers of data-store answers (core/probe/probe_db.c):
 * pg_db_parse for every request (cut and whole), pg_db_answer_hint,
 * pg_db_mysql_greeting, pg_db_http_search and pg_db_evidence. The input is
 * copied to an exact-size heap block so ASan sees a read past n; every string
 * of the info must stay NUL-terminated printable ASCII. */
#include "config.h"

#include "probe/probe_db.h"
#include "util/util.h"
#include "fuzz_common.h"

static void check_text(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);

	if (n >= cap)
		abort();
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f)
			abort();
}

static void check_info(const struct pg_db_info *i)
{
	json_t *o = json_object();

	check_text(i->version, sizeof(i->version));
	check_text(i->banner, sizeof(i->banner));
	check_text(i->auth_method, sizeof(i->auth_method));
	if (i->auth_required < -1 || i->auth_required > 1 || i->ssl < -1 || i->ssl > 1)
		abort();
	pg_db_evidence(i, o);
	if (i->service && !json_object_get(o, "service"))
		abort();
	json_decref(o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *in = malloc(size ? size : 1);
	struct pg_db_info info;

	memcpy(in, data, size);
	for (int r = 0; r <= PG_DB_NREQ; r++)
		for (int final = 0; final < 2; final++) {
			enum pg_db_verdict v;

			pg_db_info_init(&info);
			v = pg_db_parse((enum pg_db_req)r, in, size, final, &info);
			if (v == PG_DB_YES && !info.service)
				abort(); /* named means a service name */
			if (final && v == PG_DB_MORE)
				abort(); /* nothing more will come: judge it */
			check_info(&info);
		}
	if (pg_db_answer_hint(in, size) > PG_DB_NREQ)
		abort();
	pg_db_info_init(&info);
	if (pg_db_mysql_greeting(in, size, &info) != (info.service != NULL))
		abort();
	check_info(&info);
	pg_db_info_init(&info);
	if (pg_db_http_search(in, size, &info) != (info.service != NULL))
		abort();
	check_info(&info);
	free(in);
	return 0;
}
