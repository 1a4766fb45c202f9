/* report_text.h - the terminal summary: one line per asset, then its findings. */
#ifndef PG_REPORT_TEXT_H
#define PG_REPORT_TEXT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

void pg_report_text(const json_t *report, FILE *out, bool color);

/* Colour only for a terminal, and never when NO_COLOR is set (no-color.org). */
bool pg_want_color(FILE *f);

#endif
