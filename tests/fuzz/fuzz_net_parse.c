/* fuzz_net_parse.c - MAC, IP and CIDR text parsers; what parses must format and parse back equal. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/net.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char s[128], buf[NET_CIDR_STRLEN];
	struct mac m, m2;
	struct ipaddr ip, ip2;
	struct cidr c, c2;
	bool host_bits;

	if (size >= sizeof(s))
		size = sizeof(s) - 1;
	memcpy(s, data, size);
	s[size] = '\0';

	if (net_mac_parse(s, &m)) {
		net_mac_format(&m, buf);
		if (!net_mac_parse(buf, &m2) || memcmp(&m, &m2, sizeof(m)) != 0)
			abort();
	}
	if (net_ip_parse(s, &ip)) {
		net_ip_format(&ip, buf);
		if (!net_ip_parse(buf, &ip2) || !net_ip_equal(&ip, &ip2) ||
		    net_ip_cmp(&ip, &ip2) != 0)
			abort();
		(void)net_ip_is_loopback(&ip);
		(void)net_ip_is_multicast(&ip);
		(void)net_ip_is_link_local(&ip);
		(void)net_ip_is_unspecified(&ip);
	}
	if (net_cidr_parse(s, &c, &host_bits)) {
		net_cidr_format(&c, buf);
		if (!net_cidr_parse_strict(buf, &c2) || memcmp(&c, &c2, sizeof(c)) != 0)
			abort();
		if (!net_cidr_contains(&c, &c.addr))
			abort();
		if (net_cidr_parse_strict(s, &c2) == host_bits)
			abort();
		if (c.addr.family == AF_INET) {
			struct ipaddr first, last, it;
			uint64_t n = net_cidr_v4_hosts(&c);

			if (n == 0 || !net_cidr_v4_first(&c, &first) ||
			    !net_cidr_v4_last(&c, &last) ||
			    (uint64_t)net_ip_v4(&last) - net_ip_v4(&first) + 1 != n)
				abort();
			it = first;
			for (int i = 0; i < 4 && net_cidr_v4_next(&c, &it); i++)
				if (!net_cidr_contains(&c, &it))
					abort();
		}
	}
	return 0;
}
