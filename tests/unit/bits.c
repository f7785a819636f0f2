/*
 * bits.c - the bit reader: fields most significant bit first, exp-Golomb
 * ue(v) and se(v) against the code tables of ITU-T H.264 9.1, and reads
 * past the end that fail, return 0 and stay failed.
 */
#include <stdint.h>

#include "bits.h"
#include "mtap.h"

static void
test_fields(void)
{
	static const uint8_t p[] = { 0xa5, 0x0f, 0xde, 0xad, 0xbe, 0xef };
	struct sd_bits b;
	uint32_t v[5];

	sd_bits_init(&b, p, sizeof(p));
	v[0] = sd_bits_get(&b, 1);
	v[1] = sd_bits_get(&b, 3);
	v[2] = sd_bits_get(&b, 4);
	v[3] = sd_bits_get(&b, 0);
	v[4] = sd_bits_get(&b, 8);
	ok(v[0] == 1 && v[1] == 2 && v[2] == 5 && v[3] == 0 && v[4] == 0x0f &&
	    b.pos == 16 && !b.failed, "fields of 1, 3, 4, 0 and 8 bits");
	ok(sd_bits_get(&b, 32) == 0xdeadbeefu && b.pos == 48 && !b.failed,
	    "a 32-bit field");
	sd_bits_init(&b, p, sizeof(p));
	sd_bits_skip(&b, 12);
	ok(sd_bits_get(&b, 12) == 0xfde && !b.failed, "skip, then a field");
	ok(sd_bits_get(&b, 33) == 0 && b.failed, "more than 32 bits fail");
}

static void
test_past_end(void)
{
	static const uint8_t p[] = { 0xff, 0xff };
	struct sd_bits b;

	sd_bits_init(&b, p, 1);
	ok(sd_bits_get(&b, 4) == 0xf && !b.failed, "4 of 8 bits");
	capture_start();
	ok(sd_bits_get(&b, 5) == 0 && b.failed, "5 more: 0, failed");
	is_str(capture_end(), "", "a failed read prints nothing: the "
	    "parser above it decides");
	ok(b.pos == 8, "the position stays at the end, not past it");
	ok(sd_bits_get(&b, 1) == 0 && sd_bits_ue(&b) == 0 && b.failed,
	    "failed sticks: later reads give 0");
	sd_bits_init(&b, p, 1);
	sd_bits_skip(&b, 8);
	ok(!b.failed, "a skip to the very end is fine");
	ok(sd_bits_get(&b, 1) == 0 && b.failed, "one bit more fails");
	sd_bits_init(&b, p, 1);
	sd_bits_skip(&b, 9);
	ok(b.failed && b.pos == 8, "a skip past the end fails");
	sd_bits_init(&b, NULL, 0);
	ok(sd_bits_get(&b, 1) == 0 && b.failed, "an empty buffer: nothing");
}

static void
test_golomb(void)
{
	/* 1 010 011 00100 00101 00110 00111 0001000 000011110 */
	static const uint8_t p[] = { 0xa6, 0x42, 0x98, 0xe2, 0x03, 0xc0 };
	static const uint32_t want[] = { 0, 1, 2, 3, 4, 5, 6, 7, 29 };
	/* se of the same code words */
	static const int32_t want_se[] = { 0, 1, -1, 2, -2, 3, -3, 4, 15 };
	struct sd_bits b;
	size_t i;
	int good = 1;

	sd_bits_init(&b, p, sizeof(p));
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		good &= sd_bits_ue(&b) == want[i];
	ok(good && !b.failed, "ue(v): 0 to 7, and 29");
	sd_bits_init(&b, p, sizeof(p));
	for (good = 1, i = 0; i < sizeof(want_se) / sizeof(want_se[0]); i++)
		good &= sd_bits_se(&b) == want_se[i];
	ok(good && !b.failed, "se(v): 0, 1, -1, 2, -2 ... 15");
}

static void
test_golomb_edges(void)
{
	/* 31 zeros, a one, 31 ones: the largest ue(v) */
	static const uint8_t big[] = { 0, 0, 0, 0x01, 0xff, 0xff, 0xff, 0xfe };
	/* 31 zeros, a one, 30 ones and a zero: 2^32 - 3 */
	static const uint8_t big_odd[] = { 0, 0, 0, 0x01, 0xff, 0xff, 0xff,
	    0xfc };
	static const uint8_t zeros32[] = { 0, 0, 0, 0, 0x80 };
	static const uint8_t cut[] = { 0x01 };	/* 7 zeros, a one, then? */
	struct sd_bits b;

	sd_bits_init(&b, big, sizeof(big));
	ok(sd_bits_ue(&b) == UINT32_MAX - 1 && !b.failed,
	    "ue(v): 31 leading zeros give 2^32 - 2");
	sd_bits_init(&b, big, sizeof(big));
	ok(sd_bits_se(&b) == -INT32_MAX && !b.failed, "se(v): -(2^31 - 1)");
	sd_bits_init(&b, big_odd, sizeof(big_odd));
	ok(sd_bits_se(&b) == INT32_MAX && !b.failed, "se(v): 2^31 - 1");
	sd_bits_init(&b, zeros32, sizeof(zeros32));
	ok(sd_bits_ue(&b) == 0 && b.failed, "ue(v): 32 leading zeros fail");
	sd_bits_init(&b, cut, sizeof(cut));
	ok(sd_bits_ue(&b) == 0 && b.failed,
	    "ue(v): a code word cut by the end fails");
	sd_bits_init(&b, zeros32, 2);
	ok(sd_bits_ue(&b) == 0 && b.failed, "ue(v): only zeros to the end");
}

int
main(void)
{
	test_fields();
	test_past_end();
	test_golomb();
	test_golomb_edges();
	return done();
}
