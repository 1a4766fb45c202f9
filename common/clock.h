/* clock.h - the one monotonic clock of portgate and its plugins, and the one
 * rule for how much of a call's remaining time a step may spend. */
#ifndef PG_COMMON_CLOCK_H
#define PG_COMMON_CLOCK_H

#include <stdint.h>
#include <time.h>

/* CLOCK_MONOTONIC: for timers and deadlines, never for what a report shows. */
uint64_t pg_clock_now_us(void);
uint64_t pg_clock_now_ms(void);
/* The clock's time ms from now, for pthread_cond_timedwait on a condition
 * whose clock is CLOCK_MONOTONIC (pthread_condattr_setclock). */
void pg_clock_timespec_in(uint64_t ms, struct timespec *ts);

/* The part of left_ms (what the host says is left of a call) a plugin or a
 * host helper may use: left_ms minus a tenth of it minus 50 ms, at least 0.
 * The host abandons a call that overruns its deadline, which costs every
 * later call of the instance; the tenth covers work after the last network
 * step (building the result), the 50 ms the reply's way back to the host. */
long pg_clock_budget_ms(long left_ms);

/* pg_clock_now_ms() + pg_clock_budget_ms(left_ms): an absolute deadline. */
uint64_t pg_clock_deadline_ms(long left_ms);

#endif
