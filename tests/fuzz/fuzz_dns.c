/* fuzz_dns.c - libFuzzer harness for the DNS/mDNS/LLMNR decoder (sensor/decode/dns.c). */
#include <stddef.h>
#include <stdint.h>

#include "sensor/decode/dns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct dns_msg msg;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	volatile size_t sink = 0;

	for (int mdns = 0; mdns <= 1; mdns++) {
		struct cursor c = cursor_init(data, size);

		if (!dns_decode(&c, mdns, &msg))
			continue;
		for (unsigned i = 0; i < msg.nrrs; i++) {
			const struct dns_rr *rr = &msg.rr[i];
			const uint8_t *v;
			size_t n;

			/* Touch every view so ASan checks it stays inside the input. */
			for (size_t k = 0; k < rr->rdlen; k++)
				sink += rr->rdata[k];
			if (dns_txt_find(rr, "model", &v, &n))
				for (size_t k = 0; k < n; k++)
					sink += v[k];
			if (rr->type == DNS_T_HINFO)
				sink += rr->u.hinfo.cpu_len + rr->u.hinfo.os_len;
		}
	}
	{
		struct cursor c = cursor_init(data, size);
		struct dns_name n;
		bool partial;

		if (dns_name_read_flat(&c, &n, &partial))
			sink += n.len;
	}
	(void)sink;
	return 0;
}
