/*
 * bits.h - a bit reader for codec headers (bits.c): most significant bit
 * first, bounded by its buffer, with a failure that sticks. Inside lib/
 * only: not part of sd.h.
 */
#ifndef SD_BITS_H
#define SD_BITS_H

#include <stddef.h>
#include <stdint.h>

/*
 * A read that would go past the end reads nothing, returns 0 and sets
 * failed; from then on every read returns 0. A parser reads its fields
 * one after the other and checks failed once, at the end.
 */
struct sd_bits {
	const uint8_t *p;
	size_t len;		/* bytes */
	size_t pos;		/* bits read */
	int failed;
};

void sd_bits_init(struct sd_bits *b, const uint8_t *p, size_t len);
/* n bits as an unsigned number; n is 0 to 32. */
uint32_t sd_bits_get(struct sd_bits *b, unsigned n);
void sd_bits_skip(struct sd_bits *b, size_t n);
/*
 * Exp-Golomb ue(v) (H.264 9.1), which is also AV1's uvlc() (4.10.3):
 * 0 to 2^32 - 2. 32 leading zeros fail (uvlc() would give 2^32 - 1).
 */
uint32_t sd_bits_ue(struct sd_bits *b);
/* se(v): -(2^31 - 1) to 2^31 - 1. */
int32_t sd_bits_se(struct sd_bits *b);

#endif
