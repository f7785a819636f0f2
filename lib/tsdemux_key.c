/*
 * tsdemux_key.c - which video access units of the TS demuxer (tsdemux.c)
 * are sync samples: the first NAL units of the PES read, up to the first
 * slice, with emulation prevention taken out of SEI payloads.
 */
#include <string.h>

#include "tsdemux.h"
#include "tsdemux_int.h"

/* Index just past the next 00 00 01 at or after i, or n. */
static size_t
next_nal(const uint8_t *p, size_t i, size_t n)
{
	const uint8_t *q;

	while (i + 3 <= n) {
		if ((q = memchr(p + i + 2, 1, n - i - 2)) == NULL)
			return n;
		i = (size_t)(q - p) - 2;
		if (p[i] == 0 && p[i + 1] == 0)
			return i + 3;
		i++;
	}
	return n;
}

/* Bytes of a NAL with emulation prevention (00 00 03) taken out. */
struct rbsp {
	const uint8_t *p;
	size_t i, n;
	int zeros;
};

static int
rbsp_byte(struct rbsp *r)
{
	int b;

	if (r->i >= r->n)
		return -1;
	b = r->p[r->i++];
	if (r->zeros >= 2 && b == 3) {
		r->zeros = 0;
		if (r->i >= r->n)
			return -1;
		b = r->p[r->i++];
	}
	r->zeros = b == 0 ? r->zeros + 1 : 0;
	return b;
}

/* An SEI message's type or size: 0xff bytes add up. */
static long
sei_value(struct rbsp *r)
{
	long v = 0;
	int b;

	while ((b = rbsp_byte(r)) == 0xff && v < 1 << 20)
		v += 255;
	return b < 0 ? -1 : v + b;
}

/* Does the H.264 SEI NAL payload p[0..n) hold a recovery point? */
static int
sei_recovery_point(const uint8_t *p, size_t n)
{
	struct rbsp r = { p, 0, n, 0 };
	long type, size;

	while (r.i < r.n && r.p[r.i] != 0x80) {	/* rbsp trailing bits */
		if ((type = sei_value(&r)) < 0 || (size = sei_value(&r)) < 0)
			return 0;
		if (type == 6)
			return 1;
		while (size-- > 0)
			if (rbsp_byte(&r) < 0)
				return 0;
	}
	return 0;
}

/*
 * A video AU is a sync sample when its first picture is an H.264 IDR, or
 * carries a recovery point SEI (open GOP), or is an HEVC IRAP: what
 * libavcodec's parsers call a keyframe. Reads only up to the first slice.
 */
int
sd_tsd_video_key(enum sd_tsd_codec codec, const uint8_t *p, size_t n)
{
	size_t i = next_nal(p, 0, n), end;
	int t;

	while (i < n) {
		end = next_nal(p, i, n);
		if (codec == SD_TSD_H264) {
			t = p[i] & 0x1f;
			if (t == 5)
				return 1;
			if (t >= 1 && t <= 4)
				return 0;
			if (t == 6 && end > i + 1 &&
			    sei_recovery_point(p + i + 1, end - i - 1))
				return 1;
		} else {
			t = (p[i] >> 1) & 0x3f;
			if (t < 32)		/* VCL: IRAP is 16..23 */
				return t >= 16 && t <= 23;
		}
		i = end;
	}
	return 0;
}
