/* report_text.h - the terminal summary: one line per asset, then its findings. */
#ifndef PG_REPORT_TEXT_H
#define PG_REPORT_TEXT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

void pg_report_text(const json_t *report, FILE *out, bool color);

/* --color: auto (default) colours only a terminal, never with NO_COLOR set
 * (no-color.org) or TERM=dumb; always and never override that. */
enum pg_color { PG_COLOR_AUTO, PG_COLOR_ALWAYS, PG_COLOR_NEVER };
extern enum pg_color pg_color_mode;
bool pg_want_color(FILE *f);
/* Set pg_color_mode from "auto" | "always" | "never"; false for anything else. */
bool pg_color_parse(const char *s);

#endif
