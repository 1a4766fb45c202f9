/* probe_text.c - port tables, banner sanitising, protocol naming, HTTP heads.
 *
 * Everything here reads untrusted bytes from the network: every loop is
 * bounded by the given length, nothing assumes NUL termination. */
#include "config.h"

#include <ctype.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "probe.h"
#include "util/util.h"

static bool port_in(uint16_t port, const uint16_t *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (list[i] == port)
			return true;
	return false;
}

bool pg_port_is_tls_default(uint16_t port)
{
	/* Implicit TLS from the first byte (IANA names in comments). */
	static const uint16_t tls[] = {
		443,  /* https */ 465,       /* submissions */ 563, /* nntps */
		636,  /* ldaps */ 853,       /* domain-s */ 989,    /* ftps-data */
		990,  /* ftps */ 992,        /* telnets */ 993,     /* imaps */
		994,  /* ircs */ 995,        /* pop3s */ 2376,      /* docker tls */
		3269, /* ldaps gc */ 5061,   /* sips */ 5986,       /* wsmans */
		6514, /* syslog-tls */ 6697, /* ircs-u */ 8443,     /* https-alt */
		9443,
	};
	return port_in(port, tls, PG_ARRAY_LEN(tls));
}

bool pg_port_is_http_like(uint16_t port)
{
	static const uint16_t http[] = {
		80,   81,   443,  591,  3000, 5000, 8000, 8008, 8080,
		8081, 8088, 8443, 8888, 9000, 9090, 9200, 9443,
	};
	return port_in(port, http, PG_ARRAY_LEN(http));
}

/* The services database read once per protocol (getservbyport re-reads
 * /etc/services on every call, which dominated a 65535-port scan). Sorted by port. */
struct service_entry {
	uint16_t port;
	char name[32];
};
struct service_table {
	const char *proto;
	struct service_entry *e; /* owned for the process lifetime */
	size_t n;
	pthread_once_t once;
};
static struct service_table tcp_services = { "tcp", NULL, 0, PTHREAD_ONCE_INIT };
static struct service_table udp_services = { "udp", NULL, 0, PTHREAD_ONCE_INIT };

static int service_cmp(const void *a, const void *b)
{
	const struct service_entry *x = a, *y = b;
	return (int)x->port - (int)y->port;
}

static void services_load(struct service_table *t)
{
	struct servent se, *res;
	char tmp[1024]; /* getservent_r scratch space */
	size_t cap = 0;

	setservent(0);
	while (getservent_r(&se, tmp, sizeof(tmp), &res) == 0 && res) {
		if (!res->s_proto || strcmp(res->s_proto, t->proto) || !res->s_name)
			continue;
		pg_grow(&t->e, &cap, t->n + 1, sizeof(*t->e));
		t->e[t->n].port = ntohs((uint16_t)res->s_port);
		pg_strlcpy(t->e[t->n].name, res->s_name, sizeof(t->e[t->n].name));
		t->n++;
	}
	endservent();
	/* stable order; the first name listed for a port wins, as with getservbyport */
	for (size_t i = 1; i < t->n; i++) {
		struct service_entry e = t->e[i];
		size_t j = i;
		for (; j > 0 && t->e[j - 1].port > e.port; j--)
			t->e[j] = t->e[j - 1];
		t->e[j] = e;
	}
}

static void tcp_services_load(void)
{
	services_load(&tcp_services);
}

static void udp_services_load(void)
{
	services_load(&udp_services);
}

static const char *service_find(struct service_table *t, uint16_t port, char *buf, size_t len)
{
	struct service_entry key = { .port = port }, *hit;

	hit = t->n ? bsearch(&key, t->e, t->n, sizeof(*t->e), service_cmp) : NULL;
	/* bsearch may land on any entry of a run of equal ports: walk to the first */
	while (hit && hit > t->e && hit[-1].port == port)
		hit--;
	pg_strlcpy(buf, hit ? hit->name : "unknown", len);
	return buf;
}

const char *pg_service_by_port(uint16_t port, char *buf, size_t len)
{
	pthread_once(&tcp_services.once, tcp_services_load);
	return service_find(&tcp_services, port, buf, len);
}

const char *pg_service_by_port_udp(uint16_t port, char *buf, size_t len)
{
	pthread_once(&udp_services.once, udp_services_load);
	return service_find(&udp_services, port, buf, len);
}

/* Append s to out (at *o, capacity outlen incl. NUL) only if it fits whole,
 * keeping reserve bytes free for the "..." marker. */
static bool put(char *out, size_t outlen, size_t *o, const char *s, size_t reserve)
{
	size_t n = strlen(s);

	if (*o + n + reserve + 1 > outlen)
		return false;
	memcpy(out + *o, s, n);
	*o += n;
	out[*o] = '\0';
	return true;
}

size_t pg_banner_sanitize(const void *in, size_t n, char *out, size_t outlen)
{
	const unsigned char *b = in;
	size_t o = 0;
	bool sep = false; /* a CR/LF run is pending: print " | " before the next char */

	if (outlen == 0)
		return 0;
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		char tok[8];

		if (b[i] == '\r' || b[i] == '\n') {
			sep = o > 0;
			continue;
		}
		if (b[i] == '\t')
			snprintf(tok, sizeof(tok), " ");
		else if (b[i] >= 0x20 && b[i] < 0x7f && b[i] != '\\')
			snprintf(tok, sizeof(tok), "%c", b[i]);
		else
			snprintf(tok, sizeof(tok), "\\x%02x", b[i]);
		if ((sep && !put(out, outlen, &o, " | ", 3)) || !put(out, outlen, &o, tok, 3)) {
			put(out, outlen, &o, "...", 0);
			break;
		}
		sep = false;
	}
	return o;
}

bool pg_probe_starts(const unsigned char *b, size_t n, const char *lit)
{
	size_t l = strlen(lit);

	return n >= l && memcmp(b, lit, l) == 0;
}

/* Case-insensitive search for needle in the first n bytes of b. */
static bool contains_ci(const unsigned char *b, size_t n, const char *needle)
{
	size_t l = strlen(needle);

	for (size_t i = 0; l && i + l <= n; i++)
		if (strncasecmp((const char *)b + i, needle, l) == 0)
			return true;
	return false;
}

static bool is_mysql(const unsigned char *b, size_t n)
{
	size_t plen;

	if (n < 5)
		return false;
	plen = b[0] | (size_t)b[1] << 8 | (size_t)b[2] << 16;
	/* Initial handshake (protocol 10) or an error packet (host blocked),
	 * always sequence 0 and small. */
	return b[3] == 0 && plen > 1 && plen < 1024 && (b[4] == 0x0a || b[4] == 0xff);
}

const char *pg_probe_classify(const unsigned char *b, size_t n, const char *portname)
{
	size_t line = 0;

	if (n >= 3 && (b[0] == 0x15 || b[0] == 0x16) && b[1] == 0x03 && b[2] <= 0x04)
		return "tls";
	if (pg_probe_starts(b, n, "SSH-"))
		return "ssh";
	if (pg_probe_starts(b, n, "HTTP/1.") || pg_probe_starts(b, n, "HTTP/2"))
		return "http";
	if (pg_probe_starts(b, n, "+OK"))
		return "pop3";
	if (pg_probe_starts(b, n, "* OK") || pg_probe_starts(b, n, "* PREAUTH"))
		return "imap";
	while (line < n && b[line] != '\n')
		line++;
	if (pg_probe_starts(b, n, "220")) {
		if (contains_ci(b, line, "FTP"))
			return "ftp";
		if (contains_ci(b, line, "SMTP") || contains_ci(b, line, "mail"))
			return "smtp";
		return portname && strncmp(portname, "ftp", 3) == 0 ? "ftp" : "smtp";
	}
	if (is_mysql(b, n))
		return "mysql";
	/* Redis in protected mode greets a client from another host with this line and
	 * hangs up (3.2+); "-DENIED Redis" keeps a POP3 "-ERR" greeting out */
	if (pg_probe_starts(b, n, "-DENIED Redis"))
		return "redis";
	return NULL;
}

size_t pg_probe_line_len(const unsigned char *b, size_t n)
{
	size_t i = 0;

	while (i < n && b[i] != '\n' && b[i] != '\r')
		i++;
	return i;
}

static size_t skip_eol(const unsigned char *b, size_t n, size_t i)
{
	if (i < n && b[i] == '\r')
		i++;
	if (i < n && b[i] == '\n')
		i++;
	return i;
}

bool pg_http_parse(const unsigned char *b, size_t n, int *status, char *line, size_t linelen,
		   char *server, size_t serverlen)
{
	size_t l = pg_probe_line_len(b, n), i;

	if (serverlen)
		server[0] = '\0';
	if (!pg_probe_starts(b, n, "HTTP/") || l < 12 || b[8] != ' ' || !isdigit(b[9]) ||
	    !isdigit(b[10]) || !isdigit(b[11]))
		return false;
	*status = (b[9] - '0') * 100 + (b[10] - '0') * 10 + (b[11] - '0');
	pg_banner_sanitize(b, l, line, linelen);
	for (i = skip_eol(b, n, l); i < n;) {
		size_t hl = pg_probe_line_len(b + i, n - i);

		if (hl == 0)
			break; /* end of the head */
		if (hl > 7 && strncasecmp((const char *)b + i, "server:", 7) == 0) {
			size_t v = i + 7;

			while (v < i + hl && (b[v] == ' ' || b[v] == '\t'))
				v++;
			pg_banner_sanitize(b + v, i + hl - v, server, serverlen);
			break;
		}
		i = skip_eol(b, n, i + hl);
	}
	return true;
}
