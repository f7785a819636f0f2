/*
 * tsframes.h - audio frames of a TS elementary stream (tsframes.c): the
 * frame at the head of a buffer, its length, duration and parameters.
 * Inside lib/ only: not part of sd.h.
 */
#ifndef SD_TSFRAMES_H
#define SD_TSFRAMES_H

#include <stddef.h>
#include <stdint.h>

#include "tsdemux.h"

struct sd_tsf {
	size_t len;		/* the whole frame, header included */
	int sample_rate, channels;
	int samples;		/* the frame's duration, at sample_rate */
	int bit_rate;		/* MPEG audio: the header's, bits/s */
	int layer;		/* MPEG audio: 1, 2 or 3 */
};

/*
 * The frame of codec c at p[0..n): 1 and *f when one lies whole there, -1
 * when its header is there but the frame goes on past n (or the header
 * itself is cut), 0 when p holds no frame header (skip a byte and look
 * again). E-AC-3 dependent substreams are counted into the frame before.
 */
int sd_tsf_frame(enum sd_tsd_codec c, const uint8_t *p, size_t n,
    struct sd_tsf *f);

/*
 * The frame rate of frames video access units over span 90 kHz ticks,
 * a common rate (25, 30000/1001, ...) when within 0.1% of one.
 */
int sd_tsf_frame_rate(int64_t span, int64_t frames, int *num, int *den);

#endif
