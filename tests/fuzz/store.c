/*
 * Fuzz the store index reader (sd_store_parse): what it accepts must format
 * again and give every manifest without a crash, since sd-serve builds
 * playlists from an index per request.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "sd.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sd_store st;
	struct sd_buf b;
	size_t k;

	sd_store_init(&st);
	sd_buf_init(&b);
	if (sd_store_parse(&st, (const char *)data, size, "fuzz") == 0) {
		sd_store_format(&st, &b);
		b.len = 0;
		sd_hls_master(&st, NULL, &b);
		b.len = 0;
		sd_hls_master_ts(&st, NULL, &b);
		for (k = 0; k < st.ntracks; k++) {
			b.len = 0;
			sd_hls_media(&st, st.tracks[k].id, NULL, &b);
		}
		b.len = 0;
		sd_dash_mpd(&st, NULL, 1732449700.0, &b);
		sd_store_trim(&st, st.nsegs > 0 ? st.segs[st.nsegs / 2].seq : 0);
		b.len = 0;
		sd_store_format(&st, &b);
	}
	sd_buf_free(&b);
	sd_store_free(&st);
	return 0;
}
