/* clock.h - the wall clock, as ISO 8601 UTC with ms. The monotonic clock for timers
 * is common/clock.h (pg_clock_now_ms), shared with the plugins. */
#ifndef PG_UTIL_CLOCK_H
#define PG_UTIL_CLOCK_H

#include <stdint.h>

#include "common/clock.h" /* every stage times with it */

uint64_t pg_wall_ms(void);
void pg_iso8601_ms(uint64_t wall_ms, char out[32]);

#endif
