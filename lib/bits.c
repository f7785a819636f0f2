/*
 * bits.c - the bit reader under every codec header sd parses (H.264 and
 * HEVC parameter sets, AV1 sequence headers, AC-3 frames, AAC's
 * AudioSpecificConfig). Reads come from outside: each one is checked
 * against the end before a byte is touched.
 */
#include <stdint.h>

#include "bits.h"

void
sd_bits_init(struct sd_bits *b, const uint8_t *p, size_t len)
{
	b->p = p;
	b->len = len < SIZE_MAX / 8 ? len : SIZE_MAX / 8;
	b->pos = 0;
	b->failed = 0;
}

uint32_t
sd_bits_get(struct sd_bits *b, unsigned n)
{
	uint32_t v = 0;

	if (n > 32)
		b->failed = 1;
	if (b->failed)
		return 0;
	if (n > b->len * 8 - b->pos) {
		b->pos = b->len * 8;
		b->failed = 1;
		return 0;
	}
	for (; n > 0; n--, b->pos++)
		v = v << 1 | ((b->p[b->pos / 8] >> (7 - b->pos % 8)) & 1);
	return v;
}

void
sd_bits_skip(struct sd_bits *b, size_t n)
{
	if (b->failed)
		return;
	if (n > b->len * 8 - b->pos) {
		b->pos = b->len * 8;
		b->failed = 1;
		return;
	}
	b->pos += n;
}

uint32_t
sd_bits_ue(struct sd_bits *b)
{
	unsigned zeros = 0;
	uint32_t v;

	while (sd_bits_get(b, 1) == 0) {
		if (b->failed)
			return 0;
		if (++zeros == 32) {
			b->failed = 1;
			return 0;
		}
	}
	if (zeros == 0)
		return 0;
	v = sd_bits_get(b, zeros);
	return b->failed ? 0 : (UINT32_C(1) << zeros) - 1 + v;
}

int32_t
sd_bits_se(struct sd_bits *b)
{
	uint32_t v = sd_bits_ue(b);

	return v & 1 ? (int32_t)((v + 1) / 2) : -(int32_t)(v / 2);
}
