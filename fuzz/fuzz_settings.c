/* fuzz_settings.c - pg_config_load (portgate.yaml) on the input as a file. */
#include "config.h"

#include "config/settings.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pg_diag diag = { 0 };
	const char *path = fuzz_write_file(data, size, ".yaml");
	struct pg_config *c = pg_config_load(path, &diag);

	if (c && diag.n)
		abort();
	if (!c && !diag.n)
		abort();
	pg_config_free(c);
	pg_diag_clear(&diag);
	return 0;
}
