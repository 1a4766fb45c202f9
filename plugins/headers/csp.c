/* csp.c - the Observatory's CSP parser (cspParser.js) in C.
 *
 * Differences, on purpose and documented in docs/plugins/headers.md: sources
 * sort by byte order where the Observatory uses an ICU collator (this only
 * changes which of two same-policy sources with a common prefix is dropped
 * when a third sorts between them), and path pieces compare undecoded. */
#include "csp.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define SHORTEST_POLICY 6 /* strlen("img-src") - 1, as the Observatory has it */

struct src {
	char *s;      /* owned */
	size_t index; /* policy it came from */
	bool keep;
};

/* Parser state: every source lives in pool (owned); directives hold pointers. */
struct pstate {
	struct src **pool;
	size_t npool, cappool;
	struct wdir {
		char *name;
		struct src **v;
		size_t n;
	} * dirs;
	size_t ndirs, capdirs;
};

static void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q)
		abort();
	return q;
}

static char *xstrndup(const char *s, size_t n)
{
	char *d = xrealloc(NULL, n + 1);

	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static void lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

/* The policy without CR/LF, trimmed: a new string. */
static char *clean(const char *in)
{
	size_t len = strlen(in), o = 0, b, e;
	char *s = xrealloc(NULL, len + 1);

	for (size_t i = 0; i < len; i++)
		if (in[i] != '\r' && in[i] != '\n')
			s[o++] = in[i];
	s[o] = '\0';
	for (b = 0; b < o && is_ws(s[b]); b++)
		;
	for (e = o; e > b && is_ws(s[e - 1]); e--)
		;
	memmove(s, s + b, e - b);
	s[e - b] = '\0';
	return s;
}

static struct wdir *find_dir(struct pstate *st, const char *name)
{
	for (size_t i = 0; i < st->ndirs; i++)
		if (!strcmp(st->dirs[i].name, name))
			return &st->dirs[i];
	return NULL;
}

static struct src *new_src(struct pstate *st, const char *s, size_t n, size_t index, bool keep)
{
	struct src *x = xrealloc(NULL, sizeof(*x));

	x->s = xstrndup(s, n);
	lower(x->s);
	x->index = index;
	x->keep = keep;
	if (st->npool == st->cappool) {
		st->cappool = st->cappool ? 2 * st->cappool : 16;
		st->pool = xrealloc(st->pool, st->cappool * sizeof(*st->pool));
	}
	st->pool[st->npool++] = x;
	return x;
}

static int cmp_src(const void *a, const void *b)
{
	return strcmp((*(struct src *const *)a)->s, (*(struct src *const *)b)->s);
}

/* pathPartMatch(a, b): b is a as an exact source, or under a's directory. */
static bool path_part_match(const char *a, const char *b)
{
	size_t la = strlen(a), na = 1, nb = 1, i;
	bool exact;

	if (la == 0 || (!strcmp(a, "/") && !*b))
		return true;
	exact = a[la - 1] != '/';
	for (i = 0; a[i]; i++)
		na += a[i] == '/';
	for (i = 0; b[i]; i++)
		nb += b[i] == '/';
	if (na > nb || (exact && na != nb))
		return false;
	if (exact)
		return !strcmp(a, b);
	/* a ends with '/': its pieces but the last (empty) one must lead b's. */
	return !strncmp(a, b, la);
}

/* One directive of policy pi with its value tokens tok[0..ntok). */
static void add_directive(struct pstate *st, size_t pi, size_t npolicies, const char *name,
			  struct src **vals, size_t nvals)
{
	struct wdir *d = find_dir(st, name);
	struct src **comb;
	size_t n = 0, k = 0;

	comb = xrealloc(NULL, ((pi && d ? d->n : 0) + nvals) * sizeof(*comb));
	if (pi && d)
		for (size_t i = 0; i < d->n; i++)
			comb[n++] = d->v[i];
	for (size_t i = 0; i < nvals; i++)
		comb[n++] = vals[i];
	qsort(comb, n, sizeof(*comb), cmp_src);
	for (size_t i = 1; i < n; i++) {
		struct src *cur = comb[i], *prev = comb[i - 1];
		if (cur->index == prev->index && !strncmp(cur->s, prev->s, strlen(prev->s)))
			cur->keep = false;
		if (cur->index != prev->index && path_part_match(prev->s, cur->s))
			cur->keep = true;
	}
	for (size_t i = 0; i < n; i++)
		if (comb[i]->keep)
			comb[k++] = comb[i];
	if (!d) {
		if (st->ndirs == st->capdirs) {
			st->capdirs = st->capdirs ? 2 * st->capdirs : 8;
			st->dirs = xrealloc(st->dirs, st->capdirs * sizeof(*st->dirs));
		}
		d = &st->dirs[st->ndirs++];
		d->name = xstrndup(name, strlen(name));
	} else {
		free(d->v);
	}
	d->v = comb;
	d->n = k;
	if (pi == 0 && npolicies > 1)
		for (size_t i = 0; i < k; i++)
			d->v[i]->keep = false;
}

/* Split one cleaned policy into directives. -1 on a repeated directive. */
static int parse_policy(struct pstate *st, struct csp_policy *out, const char *policy, size_t pi,
			size_t npolicies)
{
	char **seen = NULL;
	size_t nseen = 0;
	const char *p = policy;
	int rc = 0;

	while (rc == 0) {
		const char *end = strchr(p, ';');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		char *entry = xstrndup(p, len), *cur = entry, *name = NULL;
		struct src **vals = NULL;
		size_t nvals = 0;

		while (*cur) {
			char *t;
			while (is_ws(*cur))
				cur++;
			if (!*cur)
				break;
			t = cur;
			while (*cur && !is_ws(*cur))
				cur++;
			if (!name) {
				name = xstrndup(t, (size_t)(cur - t));
				lower(name);
				continue;
			}
			vals = xrealloc(vals, (nvals + 1) * sizeof(*vals));
			vals[nvals++] = new_src(st, t, (size_t)(cur - t), pi, pi == 0);
		}
		if (name) {
			bool dup = false;
			for (size_t i = 0; i < nseen; i++)
				dup = dup || !strcmp(seen[i], name);
			if (dup && strcmp(name, "report-uri") && strcmp(name, "report-to")) {
				rc = -1;
			} else {
				if (dup)
					out->duplicate_warning = true;
				seen = xrealloc(seen, (nseen + 1) * sizeof(*seen));
				seen[nseen++] = xstrndup(name, strlen(name));
				if (nvals == 0 && strlen(name) >= 4 &&
				    !strcmp(name + strlen(name) - 4, "-src")) {
					vals = xrealloc(vals, sizeof(*vals));
					vals[nvals++] = new_src(st, "'none'", 6, pi, pi == 0);
				}
				add_directive(st, pi, npolicies, name, vals, nvals);
			}
		}
		free(vals);
		free(name);
		free(entry);
		if (!end)
			break;
		p = end + 1;
	}
	for (size_t i = 0; i < nseen; i++)
		free(seen[i]);
	free(seen);
	return rc;
}

static void add_unique(struct csp_directive *d, const char *s)
{
	if (csp_has(d, s))
		return;
	d->src = xrealloc(d->src, (d->nsrc + 1) * sizeof(*d->src));
	d->src[d->nsrc++] = xstrndup(s, strlen(s));
}

/* Flatten to unique strings; a directive left without sources is 'none'. */
static void flatten(struct pstate *st, struct csp_policy *out, bool meta)
{
	static const char *const meta_banned[] = { "frame-ancestors", "report-uri", "sandbox" };

	out->d = xrealloc(NULL, (st->ndirs ? st->ndirs : 1) * sizeof(*out->d));
	for (size_t i = 0; i < st->ndirs; i++) {
		bool banned = false;
		for (size_t k = 0; meta && k < 3; k++)
			banned = banned || !strcmp(st->dirs[i].name, meta_banned[k]);
		if (banned)
			continue;
		struct csp_directive *d = &out->d[out->n++];
		d->name = xstrndup(st->dirs[i].name, strlen(st->dirs[i].name));
		d->src = NULL;
		d->nsrc = 0;
		for (size_t k = 0; k < st->dirs[i].n; k++)
			add_unique(d, st->dirs[i].v[k]->s);
		if (!d->nsrc)
			add_unique(d, "'none'");
	}
}

static void pstate_free(struct pstate *st)
{
	for (size_t i = 0; i < st->npool; i++) {
		free(st->pool[i]->s);
		free(st->pool[i]);
	}
	for (size_t i = 0; i < st->ndirs; i++) {
		free(st->dirs[i].name);
		free(st->dirs[i].v);
	}
	free(st->pool);
	free(st->dirs);
}

int csp_parse(const char *const *list, size_t n, bool meta, struct csp_policy *out)
{
	struct pstate st = { 0 };
	char **cl = xrealloc(NULL, (n ? n : 1) * sizeof(*cl));
	int rc = 0;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < n; i++) {
		cl[i] = clean(list[i]);
		if (strlen(cl[i]) < SHORTEST_POLICY)
			rc = -1;
	}
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = parse_policy(&st, out, cl[i], i, n);
	if (rc == 0)
		flatten(&st, out, meta);
	pstate_free(&st);
	for (size_t i = 0; i < n; i++)
		free(cl[i]);
	free(cl);
	if (rc != 0) {
		csp_policy_free(out);
		return -1;
	}
	return 0;
}

void csp_policy_free(struct csp_policy *p)
{
	for (size_t i = 0; i < p->n; i++) {
		for (size_t k = 0; k < p->d[i].nsrc; k++)
			free(p->d[i].src[k]);
		free(p->d[i].src);
		free(p->d[i].name);
	}
	free(p->d);
	memset(p, 0, sizeof(*p));
}

struct csp_directive *csp_get(const struct csp_policy *p, const char *name)
{
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->d[i].name, name))
			return &p->d[i];
	return NULL;
}

bool csp_has(const struct csp_directive *d, const char *src)
{
	for (size_t i = 0; d && i < d->nsrc; i++)
		if (!strcmp(d->src[i], src))
			return true;
	return false;
}

void csp_remove(struct csp_directive *d, const char *src)
{
	for (size_t i = 0; d && i < d->nsrc; i++) {
		if (strcmp(d->src[i], src))
			continue;
		free(d->src[i]);
		memmove(&d->src[i], &d->src[i + 1], (d->nsrc - i - 1) * sizeof(*d->src));
		d->nsrc--;
		return;
	}
}
