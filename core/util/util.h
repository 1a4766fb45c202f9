/* util.h - every core/util header at once: allocation, strings and sanitising, clocks, files,
 * hashing and diagnostics. New code may include the one header it needs instead.
 *
 * Who owns what a function returns, and which struct fields are "owned": docs/CODE_STYLE.md,
 * "Memory and ownership". */
#ifndef PG_UTIL_H
#define PG_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "alloc.h"
#include "atomic_file.h"
#include "clock.h"
#include "diag.h"
#include "hash.h"
#include "macros.h"
#include "text.h"

#endif
