/*
 * bytes.c - a growing byte buffer with a sticky failure flag, and its
 * big-endian field writers.
 */
#include <stdlib.h>
#include <string.h>

#include "bytes.h"

#define BYTES_MAX	(256u << 20)	/* far above any segment */

void
sd_bytes_free(struct sd_bytes *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

int
sd_grow(void **p, size_t *cap, size_t want, size_t first)
{
	size_t c = *cap ? *cap : first;
	void *q;

	if (want <= *cap)
		return 0;
	while (c < want)
		c *= 2;
	if ((q = realloc(*p, c)) == NULL)
		return -1;
	*p = q;
	*cap = c;
	return 0;
}

int
sd_bytes_reserve(struct sd_bytes *b, size_t extra)
{
	void *p = b->p;

	if (b->failed)
		return -1;
	if (extra > BYTES_MAX || b->len + extra > BYTES_MAX ||
	    sd_grow(&p, &b->cap, b->len + extra, 4096) == -1) {
		b->failed = 1;
		return -1;
	}
	b->p = p;
	return 0;
}

int
sd_bytes_put(struct sd_bytes *b, const void *p, size_t n)
{
	if (n == 0)
		return 0;
	if (sd_bytes_reserve(b, n) == -1)
		return -1;
	memcpy(b->p + b->len, p, n);
	b->len += n;
	return 0;
}

void
sd_put_u8(struct sd_bytes *b, unsigned v)
{
	uint8_t c = (uint8_t)v;

	sd_bytes_put(b, &c, 1);
}

void
sd_put_u16(struct sd_bytes *b, unsigned v)
{
	uint8_t c[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	sd_bytes_put(b, c, 2);
}

void
sd_put_u24(struct sd_bytes *b, uint32_t v)
{
	uint8_t c[3] = { (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };

	sd_bytes_put(b, c, 3);
}

void
sd_put_u32(struct sd_bytes *b, uint32_t v)
{
	uint8_t c[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
	    (uint8_t)(v >> 8), (uint8_t)v };

	sd_bytes_put(b, c, 4);
}

void
sd_put_u64(struct sd_bytes *b, uint64_t v)
{
	sd_put_u32(b, (uint32_t)(v >> 32));
	sd_put_u32(b, (uint32_t)v);
}

void
sd_put_zeros(struct sd_bytes *b, size_t n)
{
	static const uint8_t z[64];

	while (n > 0) {
		size_t k = n < sizeof(z) ? n : sizeof(z);
		sd_bytes_put(b, z, k);
		n -= k;
	}
}

uint32_t
sd_fnv1a(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}
