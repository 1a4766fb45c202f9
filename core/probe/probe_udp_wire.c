/* probe_udp_wire.c - bounded readers and writers the UDP families share (probe_udp_int.h). */
#include "config.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "probe.h"
#include "probe_udp_int.h"

/* RFC 1035 2.3.4: a name is at most 255 octets; 128 pointers cannot all be distinct
 * in a 64 KiB message without a loop, so more than that is a loop. */
#define DNS_NAME_MAX  255
#define DNS_LABEL_MAX 63
#define DNS_HOPS_MAX  128
#define DNS_PTR_MASK  0xc0u

void pg_wr_init(struct pg_wr *w, unsigned char *b, size_t cap)
{
	w->b = b;
	w->cap = cap;
	w->len = 0;
	w->over = false;
}

void pg_wr_mem(struct pg_wr *w, const void *p, size_t n)
{
	if (w->over || n > w->cap - w->len) {
		w->over = true;
		return;
	}
	if (n)
		memcpy(w->b + w->len, p, n);
	w->len += n;
}

void pg_wr8(struct pg_wr *w, unsigned v)
{
	unsigned char c = (unsigned char)v;

	pg_wr_mem(w, &c, 1);
}

void pg_wr16(struct pg_wr *w, unsigned v)
{
	unsigned char c[2] = { (unsigned char)(v >> 8), (unsigned char)v };

	pg_wr_mem(w, c, 2);
}

void pg_wr32(struct pg_wr *w, uint32_t v)
{
	pg_wr16(w, v >> 16);
	pg_wr16(w, v & 0xffffu);
}

void pg_wr_str(struct pg_wr *w, const char *s)
{
	pg_wr_mem(w, s, strlen(s));
}

void pg_wr_text(struct pg_wr *w, const void *s, size_t n)
{
	size_t room = w->over ? 0 : w->cap - w->len;

	pg_wr_mem(w, s, n < room ? n : room);
}

size_t pg_wr_end(const struct pg_wr *w)
{
	return w->over ? 0 : w->len;
}

void pg_rd_init(struct pg_rd *r, const unsigned char *b, size_t n)
{
	r->b = b;
	r->n = n;
	r->off = 0;
	r->bad = false;
}

const unsigned char *pg_rd_mem(struct pg_rd *r, size_t n)
{
	const unsigned char *p;

	if (r->bad || n > r->n - r->off) {
		r->bad = true;
		return NULL;
	}
	p = r->b + r->off;
	r->off += n;
	return p;
}

unsigned pg_rd8(struct pg_rd *r)
{
	const unsigned char *p = pg_rd_mem(r, 1);

	return p ? p[0] : 0;
}

unsigned pg_rd16(struct pg_rd *r)
{
	const unsigned char *p = pg_rd_mem(r, 2);

	return p ? (unsigned)p[0] << 8 | p[1] : 0;
}

uint32_t pg_rd32(struct pg_rd *r)
{
	uint32_t hi = pg_rd16(r);

	return hi << 16 | pg_rd16(r);
}

void pg_udp_dns_name_put(struct pg_wr *w, const char *dotted)
{
	while (*dotted) {
		size_t l = strcspn(dotted, ".");

		if (l == 0 || l > DNS_LABEL_MAX) {
			w->over = true; /* our own names are constants: never happens */
			return;
		}
		pg_wr8(w, (unsigned)l);
		pg_wr_mem(w, dotted, l);
		dotted += l + (dotted[l] == '.');
	}
	pg_wr8(w, 0);
}

/* Append one label (dotted) to out; false when the name grows past 255. */
static bool name_append(char *out, size_t outlen, size_t *o, const unsigned char *p, size_t l)
{
	if (*o + l + 2 > DNS_NAME_MAX + 1 || *o + l + 2 > outlen)
		return false;
	if (*o)
		out[(*o)++] = '.';
	memcpy(out + *o, p, l);
	*o += l;
	out[*o] = '\0';
	return true;
}

bool pg_udp_dns_name_read(struct pg_rd *r, const unsigned char *msg, size_t n, char *out,
			  size_t outlen)
{
	struct pg_rd cur = *r;
	bool jumped = false;
	size_t o = 0;

	if (outlen)
		out[0] = '\0';
	/* ends: a label adds at least one octet to a name capped at 255, and pointers are
	 * counted */
	for (int hops = 0; hops <= DNS_HOPS_MAX;) {
		unsigned l = pg_rd8(&cur);

		if (cur.bad)
			break;
		if ((l & DNS_PTR_MASK) == DNS_PTR_MASK) {
			size_t to = (l & ~DNS_PTR_MASK) << 8 | pg_rd8(&cur);

			if (cur.bad || to >= n)
				break;
			if (!jumped)
				*r = cur;
			jumped = true;
			hops++;
			pg_rd_init(&cur, msg, n);
			cur.off = to;
			continue;
		}
		if (l == 0) {
			if (!jumped)
				*r = cur;
			return true;
		}
		const unsigned char *p = l <= DNS_LABEL_MAX ? pg_rd_mem(&cur, l) : NULL;
		if (!p || !name_append(out, outlen, &o, p, l))
			break;
	}
	r->bad = true;
	return false;
}

const unsigned char *pg_udp_header(const unsigned char *b, size_t n, const char *name, size_t *vlen)
{
	size_t nl = strlen(name), i = 0;

	while (i < n) {
		size_t l = pg_probe_line_len(b + i, n - i);

		if (l == 0)
			break; /* blank line: end of the header block */
		if (l > nl && b[i + nl] == ':' && strncasecmp((const char *)b + i, name, nl) == 0) {
			size_t v = i + nl + 1;

			while (v < i + l && (b[v] == ' ' || b[v] == '\t'))
				v++;
			*vlen = i + l - v;
			return b + v;
		}
		i += l;
		if (i < n && b[i] == '\r')
			i++;
		if (i < n && b[i] == '\n')
			i++;
	}
	return NULL;
}

void pg_udp_fill(unsigned char *p, size_t n, uint32_t nonce)
{
	uint32_t x = nonce ? nonce : 0x9e3779b9u; /* xorshift32 needs a non-zero state */

	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (unsigned char)(x >> 24);
	}
}
