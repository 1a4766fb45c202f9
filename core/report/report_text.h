/* report_text.h - the terminal summary: one line per asset, then its findings. */
#ifndef PG_REPORT_TEXT_H
#define PG_REPORT_TEXT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

void pg_report_text(const json_t *report, FILE *out, bool color);

/* --color: auto (default) colours a terminal, unless NO_COLOR is set (no-color.org) or
 * TERM=dumb, and any output when FORCE_COLOR is set and non-empty (force-color.org, over
 * NO_COLOR); always and never override all of that. */
enum pg_color { PG_COLOR_AUTO, PG_COLOR_ALWAYS, PG_COLOR_NEVER };
extern enum pg_color pg_color_mode;
bool pg_want_color(FILE *f);
/* Set pg_color_mode from "auto" | "always" | "never"; false for anything else. */
bool pg_color_parse(const char *s);

#endif
