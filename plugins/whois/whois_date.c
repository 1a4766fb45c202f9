/* whois_date.c - registry dates in the forms registries actually print:
 *   2028-09-14T04:00:00Z, 2028-09-14T04:00:00.0Z, 2020-01-01T10:00:00+01:00,
 *   2028-09-14 04:00:00, 2028-09-14, 2015.06.24 (.ru/.pl), 2028/09/30 (.jp,
 *   "(JST)" = +09:00), 20280914 (.br, "#123" after it), 14-Sep-2028 (.uk),
 *   14.09.2028, 14 September 2028, Sep 14 2028, Tue Sep 14 04:00:00 GMT 2028,
 *   2028-Sep-14. Anything after a recognised date/time/zone is ignored. */
#include "whois_parse.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static const char *const months[] = { "jan", "feb", "mar", "apr", "may", "jun",
				      "jul", "aug", "sep", "oct", "nov", "dec" };

/* Month from a name ("Sep", "September", "sept."): 1..12, 0 if none; *len consumed. */
static int month_name(const char *s, size_t *len)
{
	size_t n = 0;

	while (isalpha((unsigned char)s[n]))
		n++;
	if (n < 3)
		return 0;
	for (int m = 0; m < 12; m++)
		if (!strncasecmp(s, months[m], 3)) {
			*len = n + (s[n] == '.');
			return m + 1;
		}
	return 0;
}

/* n digits exactly (no more) at s into *out. */
static int digits(const char *s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return 0;
		v = v * 10 + (s[i] - '0');
	}
	if (isdigit((unsigned char)s[n]))
		return 0;
	*out = v;
	return 1;
}

/* 1 or 2 digits. Returns how many were read (0: none). */
static int small_num(const char *s, int *out)
{
	if (!isdigit((unsigned char)s[0]))
		return 0;
	if (isdigit((unsigned char)s[1]) && !isdigit((unsigned char)s[2])) {
		*out = (s[0] - '0') * 10 + (s[1] - '0');
		return 2;
	}
	if (isdigit((unsigned char)s[1]))
		return 0;
	*out = s[0] - '0';
	return 1;
}

struct dt {
	int y, mo, d, h, mi, s;
	long off_s; /* zone offset east of UTC */
};

/* "[T ]HH:MM[:SS[.frac]]" at *p; advances past it. */
static void parse_time(const char **pp, struct dt *t)
{
	const char *p = *pp;

	if (*p != 'T' && *p != 't' && *p != ' ')
		return;
	p++;
	while (*p == ' ')
		p++;
	if (!digits(p, 2, &t->h) || p[2] != ':' || !digits(p + 3, 2, &t->mi))
		return;
	p += 5;
	if (*p == ':' && digits(p + 1, 2, &t->s)) {
		p += 3;
		if (*p == '.' || *p == ',')
			for (p++; isdigit((unsigned char)*p); p++)
				;
	}
	*pp = p;
}

/* Z, UTC, GMT, +HH:MM, +HHMM, +HH, (JST), JST. */
static void parse_zone(const char *p, struct dt *t)
{
	int hh, mm = 0;

	while (*p == ' ' || *p == '(')
		p++;
	if ((*p == '+' || *p == '-') && isdigit((unsigned char)p[1]) &&
	    isdigit((unsigned char)p[2])) {
		const char *q = p + 3;
		hh = (p[1] - '0') * 10 + (p[2] - '0');
		if (*q == ':')
			q++;
		if (isdigit((unsigned char)q[0]) && isdigit((unsigned char)q[1]))
			mm = (q[0] - '0') * 10 + (q[1] - '0');
		t->off_s = (hh * 3600L + mm * 60L) * (*p == '-' ? -1 : 1);
	} else if (!strncasecmp(p, "JST", 3)) {
		t->off_s = 9 * 3600L;
	}
}

/* Year-first: 2028-09-14, 2028.09.14, 2028/09/14, 20280914, 2028-Sep-14. */
static const char *year_first(const char *p, struct dt *t)
{
	size_t ml;

	if (digits(p, 8, &t->y)) {
		t->d = t->y % 100;
		t->mo = t->y / 100 % 100;
		t->y /= 10000;
		return p + 8;
	}
	if (!digits(p, 4, &t->y) || (p[4] != '-' && p[4] != '.' && p[4] != '/'))
		return NULL;
	p += 5;
	if ((t->mo = month_name(p, &ml)) != 0)
		p += ml;
	else if (!small_num(p, &t->mo))
		return NULL;
	else
		p += small_num(p, &t->mo);
	if (*p != '-' && *p != '.' && *p != '/')
		return NULL;
	p++;
	if (!small_num(p, &t->d))
		return NULL;
	return p + small_num(p, &t->d);
}

/* Day-first: 14-Sep-2028, 14 September 2028, 14.09.2028, 14/09/2028. */
static const char *day_first(const char *p, struct dt *t)
{
	int n = small_num(p, &t->d);
	size_t ml;

	if (!n || (p[n] != '-' && p[n] != '.' && p[n] != ' ' && p[n] != '/'))
		return NULL;
	p += n + 1;
	if ((t->mo = month_name(p, &ml)) != 0) {
		p += ml;
	} else {
		n = small_num(p, &t->mo);
		if (!n)
			return NULL;
		p += n;
	}
	if (*p != '-' && *p != '.' && *p != ' ' && *p != '/')
		return NULL;
	p++;
	return digits(p, 4, &t->y) ? p + 4 : NULL;
}

/* Month-first: Sep 14 2028, Tue Sep 14 04:00:00 GMT 2028, September 14, 2028. */
static const char *month_first(const char *p, struct dt *t)
{
	size_t ml;
	int n;
	const char *q;

	t->mo = month_name(p, &ml);
	if (!t->mo) { /* a weekday first */
		while (isalpha((unsigned char)*p))
			p++;
		while (*p == ' ' || *p == ',')
			p++;
		if (!(t->mo = month_name(p, &ml)))
			return NULL;
	}
	p += ml;
	while (*p == ' ')
		p++;
	if (!(n = small_num(p, &t->d)))
		return NULL;
	p += n;
	if (*p == ',')
		p++;
	q = p;
	parse_time(&q, t); /* "Sep 14 04:00:00 GMT 2028" */
	while (*q == ' ' || isalpha((unsigned char)*q))
		q++;
	return digits(q, 4, &t->y) ? q + 4 : NULL;
}

static int valid(const struct dt *t)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return t->y >= 1970 && t->y <= 9999 && t->mo >= 1 && t->mo <= 12 && t->d >= 1 &&
	       t->d <= mdays[t->mo - 1] && t->h <= 23 && t->mi <= 59 && t->s <= 60;
}

int64_t whois_date_parse(const char *s)
{
	struct dt t = { 0 };
	const char *p = s, *end;
	struct tm tm = { 0 };

	while (*p == ' ' || *p == '\t')
		p++;
	if (isdigit((unsigned char)*p)) {
		end = year_first(p, &t);
		if (!end) {
			memset(&t, 0, sizeof(t));
			end = day_first(p, &t);
		}
		if (end) {
			parse_time(&end, &t);
			parse_zone(end, &t);
		}
	} else {
		end = month_first(p, &t);
	}
	if (!end || !valid(&t))
		return -1;
	tm.tm_year = t.y - 1900;
	tm.tm_mon = t.mo - 1;
	tm.tm_mday = t.d;
	tm.tm_hour = t.h;
	tm.tm_min = t.mi;
	tm.tm_sec = t.s;
	return (int64_t)timegm(&tm) - t.off_s;
}
