/*
 * Fuzz the live HLS reader's playlist parser (hls_live.c) over bytes an
 * upstream sent: every segment it lists has a URI and consecutive media
 * sequence numbers, and the next segment chosen after any sequence is
 * one of the list. A master read the same way gives a variant with a URI
 * or none.
 */
#include <stdint.h>
#include <stdlib.h>

#include "sd.h"
#include "hls_live.h"
#include "fuzz.h"

FUZZ_QUIET_INITIALIZE

static void
check_next(const struct sd_hls_live *l, long long last)
{
	long i;
	int jump;

	i = sd_hls_live_next(l, last, &jump);
	if (i < -1 || (i >= 0 && (size_t)i >= l->n) || (jump != 0 &&
	    jump != 1))
		abort();
}

static void
check_master(const char *text, size_t size)
{
	struct sd_hls *m = malloc(sizeof(*m));
	int v;

	if (m == NULL)
		return;
	if (sd_hls_parse(text, size, m) == 0) {
		v = sd_hls_live_variant(m, (int)(size % 5) - 1);
		if (v >= 0 && ((size_t)v >= m->nvariants ||
		    m->variants[v].uri[0] == '\0'))
			abort();
		(void)sd_hls_live_variant_unfit(m, v);
	}
	free(m);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sd_hls_live l;
	char words[256];
	size_t i;

	fuzz_quiet();
	if (sd_hls_live_parse(&l, (const char *)data, size) == 0) {
		for (i = 0; i < l.n; i++)
			if (l.seg[i].uri == NULL || l.seg[i].uri[0] == '\0' ||
			    l.seg[i].seq != l.first_seq + (long long)i)
				abort();
		check_next(&l, -1);
		check_next(&l, l.first_seq);
		check_next(&l, l.first_seq + (long long)l.n);
		check_next(&l, l.first_seq - 3);
		sd_hls_live_unfit_text(l.unfit, words, sizeof(words));
	}
	sd_hls_live_free(&l);
	check_master((const char *)data, size);
	fuzz_loud();
	return 0;
}
