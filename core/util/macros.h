/* macros.h - the two macros every module uses. */
#ifndef PG_UTIL_MACROS_H
#define PG_UTIL_MACROS_H

#define PG_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define PG_PRINTF(f, a) __attribute__((format(printf, f, a)))

#endif
