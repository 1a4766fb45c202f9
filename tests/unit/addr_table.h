/* addr_table.h - one table of addresses and their class, run through the one
 * internal-address check (common/netaddr.c): as the host builds it (behind
 * refuse_internal) in tests/unit/test_addr.c and as the plugins build it (the
 * redirect guards of netlib) in plugins/netlib/tests/test_netlib.c. */
#ifndef PG_TEST_ADDR_TABLE_H
#define PG_TEST_ADDR_TABLE_H

#include <stdbool.h>

struct pg_addr_case {
	const char *addr;
	bool internal;
};

static const struct pg_addr_case pg_addr_cases[] = {
	{ "127.0.0.1", true },
	{ "127.255.255.254", true },
	{ "10.1.2.3", true },
	{ "172.16.0.1", true },
	{ "172.31.255.255", true },
	{ "192.168.1.1", true },
	{ "169.254.169.254", true },
	{ "100.64.0.1", true },
	{ "100.127.255.255", true },
	{ "0.0.0.0", true },
	{ "0.1.2.3", true },
	{ "224.0.0.1", true },
	{ "239.255.255.250", true },
	{ "255.255.255.255", true },
	{ "::1", true },
	{ "::", true },
	{ "::2", true },
	{ "fe80::1", true },
	{ "febf::1", true },
	{ "fd00::1", true },
	{ "fc12::3", true },
	{ "ff02::1", true },
	{ "::ffff:10.0.0.1", true },
	{ "::ffff:127.0.0.1", true },
	{ "::ffff:169.254.169.254", true },
	{ "8.8.8.8", false },
	/* IPv4 inside IPv6: NAT64 (RFC 6052 well-known and RFC 8215 local-use) and
	 * 6to4 (RFC 3056) addresses reach the embedded IPv4 address */
	{ "64:ff9b::127.0.0.1", true },
	{ "64:ff9b::a9fe:a9fe", true },
	{ "64:ff9b:1::10.0.0.1", true },
	{ "2002:7f00:1::1", true },
	{ "2002:c0a8:101::", true },
	{ "64:ff9b::8.8.8.8", false },
	{ "2002:808:808::1", false },
	{ "64:ff9b:1::1.1.1.1", false },
	{ "172.32.0.1", false },
	{ "172.15.255.255", false },
	{ "100.128.0.1", false },
	{ "100.63.255.255", false },
	{ "192.167.255.255", false },
	{ "169.253.0.1", false },
	{ "223.255.255.255", false },
	{ "198.51.100.7", false },
	{ "1.0.0.1", false },
	{ "2001:db8::1", false },
	{ "2606:4700::1111", false },
	{ "fec0::1", false },
	{ "fb00::1", false },
	{ "::100", false },
	{ "::ffff:1.1.1.1", false },
	{ "example.com", false },
	{ "", false },
	{ "1.2.3", false },
	{ "127.0.0.1 ", false },
	{ "[::1]", false },
};

#define PG_ADDR_CASES (sizeof(pg_addr_cases) / sizeof(pg_addr_cases[0]))

#endif
