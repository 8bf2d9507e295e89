/* fuzz_p0f_fp.c - bytes as a p0f.fp file: load, then match a few observations against it. */
#include <stdint.h>
#include <string.h>

#include "sensor/fingerprint/p0f.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t layouts[][6] = {
	        {P0F_OPT_MSS, P0F_OPT_SOK, P0F_OPT_TS, P0F_OPT_NOP, P0F_OPT_WS},
	        {P0F_OPT_MSS, P0F_OPT_NOP, P0F_OPT_WS, P0F_OPT_NOP, P0F_OPT_NOP, P0F_OPT_SOK},
	        {P0F_OPT_MSS},
	};
	static const uint8_t nopts[] = {5, 6, 1};
	struct fp_errors errs;
	struct p0f_db *db;
	struct p0f_match m;

	fp_errors_init(&errs);
	if ((db = p0f_load_buf("fuzz.fp", data, size, &errs)) == NULL)
		return 0;
	for (unsigned i = 0; i < 3 * 4; i++) {
		struct p0f_tcp_obs o;

		memset(&o, 0, sizeof(o));
		o.ip_ver = (i & 1) ? 6 : 4;
		o.ttl = (uint8_t)(i * 23);
		o.has_mss = i != 5;
		o.mss = (uint16_t)(1460 - i);
		o.win = (uint16_t)(i * 4096);
		o.wscale = (int8_t)(i % 3 == 0 ? -1 : (int)i);
		memcpy(o.olayout, layouts[i % 3], nopts[i % 3]);
		o.olayout_len = nopts[i % 3];
		o.quirks = (i & 2) ? (P0F_Q_DF | P0F_Q_ID_NZ) : P0F_Q_ECN;
		o.syn_ack = (i & 4) != 0;
		o.syn_mss = o.syn_ack ? 1400 : 0;
		o.mtu = (i & 8) ? 1500 : 0;
		if (p0f_match_tcp(db, &o, &m)) {
			struct fp_guess g;
			(void)p0f_match_to_guess(&m, &g);
		}
	}
	(void)p0f_match_mtu(db, 1500);
	p0f_free(db);
	return 0;
}
