/* clock.h - monotonic milliseconds for timers; wall clock as ISO 8601 UTC with ms. */
#ifndef PG_UTIL_CLOCK_H
#define PG_UTIL_CLOCK_H

#include <stdint.h>

uint64_t pg_now_us(void); /* monotonic */
uint64_t pg_now_ms(void); /* monotonic */
uint64_t pg_wall_ms(void);
void pg_iso8601_ms(uint64_t wall_ms, char out[32]);

#endif
