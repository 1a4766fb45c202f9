/* clock.c - see clock.h. */
#include "common/clock.h"

#include <time.h>

/* Kept back of every call budget (clock.h): a tenth, plus the reply's trip. */
#define BUDGET_SHARE_KEPT 10
#define BUDGET_FIXED_MS   50

uint64_t pg_clock_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint64_t pg_clock_now_ms(void)
{
	return pg_clock_now_us() / 1000u;
}

void pg_clock_timespec_in(uint64_t ms, struct timespec *ts)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += (time_t)(ms / 1000);
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

long pg_clock_budget_ms(long left_ms)
{
	long use = left_ms - left_ms / BUDGET_SHARE_KEPT - BUDGET_FIXED_MS;

	return use > 0 ? use : 0;
}

uint64_t pg_clock_deadline_ms(long left_ms)
{
	return pg_clock_now_ms() + (uint64_t)pg_clock_budget_ms(left_ms);
}
