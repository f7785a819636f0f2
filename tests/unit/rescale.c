/*
 * rescale.c unit tests: timeline.c's tl_rescale and tl_rescale_down give
 * what libavutil's av_rescale and av_rescale_rnd(AV_ROUND_DOWN) give, which
 * sd-cmafmux used before its clock went pure: the fast path, the long one
 * (b or c past INT_MAX), negative values, overflow, and a million random
 * triples of every magnitude.
 */
#include <stdio.h>

#include <libavutil/mathematics.h>

#include "timeline.h"
#include "mtap.h"

static uint64_t state = 0x9e3779b97f4a7c15ULL;

/* xorshift64*: the same numbers every run. */
static uint64_t
next(void)
{
	state ^= state >> 12;
	state ^= state << 25;
	state ^= state >> 27;
	return state * 0x2545f4914f6cdd1dULL;
}

/* A value of some magnitude: 0 to 63 bits, signed when asked. */
static int64_t
some(int sign)
{
	int bits = (int)(next() % 64);
	int64_t v = bits == 0 ? 0 : (int64_t)(next() >> (64 - bits) >> 1);

	return sign && (next() & 1) ? -v : v;
}

static int
same(int64_t a, int64_t b, int64_t c)
{
	int64_t n = tl_rescale(a, b, c), d = tl_rescale_down(a, b, c);

	if (n == av_rescale(a, b, c) &&
	    d == av_rescale_rnd(a, b, c, AV_ROUND_DOWN))
		return 1;
	printf("# %lld * %lld / %lld: near %lld (libav %lld), down %lld "
	    "(libav %lld)\n", (long long)a, (long long)b, (long long)c,
	    (long long)n, (long long)av_rescale(a, b, c), (long long)d,
	    (long long)av_rescale_rnd(a, b, c, AV_ROUND_DOWN));
	return 0;
}

int
main(void)
{
	static const int64_t edge[] = { 0, 1, -1, 2, 3, 90000, 1000000,
		INT32_MAX, (int64_t)INT32_MAX + 1, -(int64_t)INT32_MAX - 1,
		(int64_t)1 << 33, ((int64_t)1 << 33) - 1, INT64_MAX,
		-INT64_MAX, INT64_MIN, INT64_MAX / 3 };
	size_t i, j, k, nedge = sizeof(edge) / sizeof(edge[0]);
	long bad = 0, n;

	for (i = 0; i < nedge; i++)
		for (j = 0; j < nedge; j++)
			for (k = 0; k < nedge; k++)
				if (edge[j] >= 0 && edge[k] > 0 &&
				    !same(edge[i], edge[j], edge[k]) && ++bad > 5)
					goto edges;
edges:
	ok(bad == 0, "edge values: the same as libav's");
	bad = 0;
	for (n = 0; n < 1000000 && bad < 5; n++) {
		int64_t a = some(1), b = some(0), c = some(0);
		if (c == 0)
			c = 1;
		if (!same(a, b, c))
			bad++;
	}
	ok(bad == 0, "a million random triples: the same as libav's");
	bad = 0;
	for (n = 0; n < 200000 && bad < 5; n++) {	/* times x time bases */
		int64_t a = some(1) >> (next() % 30);
		int64_t b = (int64_t)(next() % 1000000 + 1);
		int64_t c = (int64_t)(next() % 1000000 + 1);
		if (!same(a, b, c))
			bad++;
	}
	ok(bad == 0, "timestamps over time bases: the same as libav's");
	return done();
}
