/* clock.c - the wall clock for reports (timers use common/clock.c). */
#include "config.h"
#include "clock.h"

#include <stdio.h>
#include <time.h>

#include "text.h"

uint64_t pg_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void pg_iso8601_ms(uint64_t wall_ms, char out[32])
{
	time_t t = (time_t)(wall_ms / 1000);
	struct tm tm;

	char tmp[96]; /* large enough for any int fields: no truncation warning */

	gmtime_r(&t, &tm);
	snprintf(tmp, sizeof(tmp), "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (unsigned)(wall_ms % 1000));
	pg_strlcpy(out, tmp, 32);
}
