/*
 * Fuzz the classification sniffers and readers of classify.c: the format
 * sniffer (HLS, MPD, MPEG-TS at each packet stride), the HLS playlist and
 * DASH MPD readers, the ISO 8601 durations, URL resolution and the
 * RFC 6381 codec names, all over bytes a server we do not control sent.
 * The input is split at its first NUL: what follows is a second string
 * (a URI reference, a CODECS entry) for the functions that take two.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sd.h"
#include "classify.h"
#include "url.h"
#include "fuzz.h"

/* One HLS reader at a time; a struct sd_hls is ~200 KB, not for the stack. */
static struct sd_hls hls;
static struct sd_dash dash;

static void
strings(const char *a, const char *b)
{
	char out[SD_URI_MAX];
	const char *codec;
	double d;

	if (sd_url_resolve(a, b, out, sizeof(out)) == 0 &&
	    strlen(out) >= sizeof(out))
		abort();
	sd_url_resolve(b, a, out, 8);
	sd_url_is_http(a);
	d = sd_iso8601_duration(a);
	if (d != -1 && !(d >= 0))
		abort();	/* a duration is -1 or a real >= 0 */
	if ((codec = sd_codec_from_rfc6381(b)) != NULL && *codec == '\0')
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	enum sd_format f;
	char *a, *b;
	size_t alen;
	int v;

	f = sd_sniff_format(data, size);
	if (sd_format_name(f) == NULL)
		abort();
	if (sd_hls_parse(buf, size, &hls) == 0) {
		if (hls.nvariants > SD_HLS_MAX_VARIANTS ||
		    hls.nmedia > SD_HLS_MAX_MEDIA)
			abort();
		v = sd_hls_best_variant(&hls);
		if (v >= (int)hls.nvariants)
			abort();
	}
	if (sd_dash_parse(buf, size, &dash) == 0 &&
	    dash.nreps > SD_DASH_MAX_REPS)
		abort();
	/* Two NUL-terminated strings, each a copy of its own size. */
	alen = strnlen(buf, size);
	if ((a = fuzz_string(data, alen)) == NULL)
		return 0;
	if ((b = alen < size ? fuzz_string(data + alen + 1, size - alen - 1) :
	    fuzz_string(data, 0)) != NULL) {
		strings(a, b);
		free(b);
	}
	free(a);
	return 0;
}
