/*
 * Fuzz what sd-cmafmux parses from a stream's own bytes: Annex B access
 * units (copied and in place), avcC/hvcC from parameter sets and the
 * picture size back from them, AC-3/E-AC-3 frame headers, OpusHead, AV1
 * OBUs; then a segment's boxes over the converted sample.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sd.h"
#include "cmaf.h"
#include "codec_config.h"
#include "nal.h"
#include "fuzz.h"

static void
configs(const uint8_t *data, size_t size)
{
	struct sd_bytes b = { NULL, 0, 0, 0 };
	uint8_t small[5];
	int w, h, rate, samples;

	if (sd_avcc_from_annexb(data, size, &b) == 0)
		sd_sps_size(0, b.p, b.len, &w, &h);
	b.len = 0;
	b.failed = 0;
	if (sd_hvcc_from_annexb(data, size, &b) == 0)
		sd_sps_size(1, b.p, b.len, &w, &h);
	sd_sps_size(size > 0 && data[0] & 1, data, size, &w, &h);
	sd_dac3(data, size, small, &rate);
	sd_dec3(data, size, small, &rate, &samples);
	b.len = 0;
	b.failed = 0;
	sd_dops_from_opushead(data, size, &b);
	b.len = 0;
	b.failed = 0;
	sd_av1c_from_obus(data, size, &b);
	sd_bytes_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sd_bytes out = { NULL, 0, 0, 0 }, head = { NULL, 0, 0, 0 };
	struct sd_cmaf_sample s = { 0, 3600, -3600, 1 };
	struct sd_cmaf_track t;
	uint8_t *copy;
	long n;
	int key, params, hevc = size > 0 && (data[size - 1] & 1);

	configs(data, size);
	n = sd_annexb_to_lp(hevc, data, size, &out, &key, &params);
	if ((copy = malloc(size + 1)) == NULL)
		return 0;
	memcpy(copy, data, size);
	if (sd_annexb_to_lp_inplace(hevc, copy, size, &key, &params) >= 0 &&
	    n >= 0 && out.len != 0)
		(void)0;	/* both ways give a sample */
	sd_av1_strip(copy, size);
	free(copy);
	memset(&t, 0, sizeof(t));
	t.video = 1;
	memcpy(t.entry, "avc1", 5);
	memcpy(t.cfg_type, "avcC", 5);
	t.cfg = out.p;
	t.cfg_len = out.len;
	t.timescale = 90000;
	if (sd_cmaf_header(&t, &head) == 0 && n > 0) {
		s.size = (uint32_t)n;
		head.len = 0;
		sd_cmaf_segment(&t, 1, 0, &s, 1, &head);
	}
	sd_bytes_free(&out);
	sd_bytes_free(&head);
	return 0;
}
