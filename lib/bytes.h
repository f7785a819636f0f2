/*
 * bytes.h - a growing byte buffer whose failure sticks, and the big-endian
 * writers that ISO BMFF boxes and codec configuration records are made of
 * (bytes.c). Inside lib/ only: not part of sd.h.
 */
#ifndef SD_BYTES_H
#define SD_BYTES_H

#include <stddef.h>
#include <stdint.h>

/* FNV-1a, 32 bits: hash tables and stable short ids. */
uint32_t sd_fnv1a(const char *s);

/*
 * Capped at 256 MiB. Once a write fails (no memory, over the cap) failed
 * stays set and every later write does nothing, so a writer checks once,
 * at the end.
 */
struct sd_bytes {
	uint8_t *p;
	size_t len, cap;
	int failed;
};

/*
 * Make room for want bytes at *p of *cap (doubling from first): 0, or -1
 * with *p and *cap untouched when memory is out. For sd_bytes and sd_buf.
 */
int sd_grow(void **p, size_t *cap, size_t want, size_t first);

void sd_bytes_free(struct sd_bytes *b);
int sd_bytes_reserve(struct sd_bytes *b, size_t extra);
int sd_bytes_put(struct sd_bytes *b, const void *p, size_t n);

/* Fields, most significant byte first. */
void sd_put_u8(struct sd_bytes *b, unsigned v);
void sd_put_u16(struct sd_bytes *b, unsigned v);
void sd_put_u24(struct sd_bytes *b, uint32_t v);
void sd_put_u32(struct sd_bytes *b, uint32_t v);
void sd_put_u64(struct sd_bytes *b, uint64_t v);
void sd_put_zeros(struct sd_bytes *b, size_t n);

#endif
