/*
 * Fuzz the XMLTV filter (epg.c) over bytes a provider sent: the input
 * fed whole and fed in two pieces (split where its first byte says) must
 * give the same answer and the same output; what the filter accepts,
 * filtered again, must come out the same (its output is a guide it
 * reads) and must end in </tv>.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sd.h"
#include "epg.h"
#include "fuzz.h"

FUZZ_QUIET_INITIALIZE

static const char *const ids[] = { "one.uk", "a", "b&c" };

static int
to_buf(void *arg, const char *p, size_t n)
{
	return sd_buf_append(arg, p, n);
}

/* Filter data in pieces split at cut; 0 or -1, the output in out. */
static int
filter(const char *data, size_t size, size_t cut, struct sd_buf *out)
{
	struct epg_filter f;
	int rc;

	sd_buf_init(out);
	epg_filter_init(&f, ids, sizeof(ids) / sizeof(ids[0]), to_buf, out);
	rc = epg_filter_feed(&f, data, cut);
	if (rc == 0)
		rc = epg_filter_feed(&f, data + cut, size - cut);
	if (rc == 0)
		rc = epg_filter_end(&f);
	epg_filter_free(&f);
	return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	struct sd_buf whole, split, again;
	size_t cut = size ? (data[0] * size) / 256 : 0;
	int a, b, c;

	fuzz_quiet();
	a = filter(p, size, size, &whole);
	b = filter(p, size, cut, &split);
	if (a != b || (a == 0 && (whole.len != split.len ||
	    memcmp(whole.p, split.p, whole.len) != 0)))
		abort();	/* the pieces changed the answer */
	if (a == 0) {
		c = filter(whole.p, whole.len, whole.len, &again);
		if (c != 0 || again.len != whole.len ||
		    memcmp(again.p, whole.p, whole.len) != 0 ||
		    whole.len < 6 ||
		    memcmp(whole.p + whole.len - 6, "</tv>\n", 6) != 0)
			abort();	/* its own output is not a guide */
		sd_buf_free(&again);
	}
	sd_buf_free(&whole);
	sd_buf_free(&split);
	fuzz_loud();
	return 0;
}
