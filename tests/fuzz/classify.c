/*
 * Fuzz the pure readers of sd-classify: format sniffing, the HLS and DASH
 * parsers, URL resolution of what they found, and CODECS names.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sd.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sd_hls h;
	static struct sd_dash d;
	char url[SD_URI_MAX + 64];
	size_t i;

	(void)sd_sniff_format(data, size);
	if (sd_hls_parse((const char *)data, size, &h) == 0) {
		(void)sd_hls_best_variant(&h);
		for (i = 0; i < h.nvariants; i++) {
			(void)sd_url_resolve("http://h/a/m.m3u8?q",
			    h.variants[i].uri, url, sizeof(url));
			(void)sd_codec_from_rfc6381(h.variants[i].codecs);
		}
		(void)sd_url_resolve(h.first_uri, h.map_uri, url, sizeof(url));
	}
	if (sd_dash_parse((const char *)data, size, &d) == 0)
		for (i = 0; i < d.nreps; i++)
			(void)sd_codec_from_rfc6381(d.reps[i].codecs);
	return 0;
}
