/*
 * tsmux.h - an MPEG-TS muxer without libav* (tsmux.c, tsmux_au.c): access
 * units in, 188-byte packets out, cut into segments that each stand
 * alone (PAT and PMT first, video from a keyframe), as HLS version 3 and
 * TS clients want them.
 *
 *	struct sd_tsm *m = sd_tsm_new(streams, n);
 *	sd_tsm_au(m, i, p, len, pts, dts, SD_TSM_KEY);	... each AU
 *	sd_tsm_cut(m, &seg, &seglen);	the segment in hand, whole
 *	sd_tsm_free(m);
 *
 * One program (number 1, PMT on PID 0x1000), stream i on PID 0x100 + i,
 * as libavformat's muxer lays it out. Each video AU is one PES (its
 * length left 0, as ISO/IEC 13818-1 allows for video), in Annex B with an
 * access unit delimiter, and before each keyframe its parameter sets
 * unless it carries them; AUs in the avcC/hvcC length-prefixed form are
 * rewritten so. Audio frames are gathered into PES of at most 50 ms (the
 * PCR stays within ISO/IEC 13818-1's 100 ms when audio carries it) and
 * SD_TSM_AUDIO_PES bytes; raw AAC frames get ADTS headers from the
 * AudioSpecificConfig. The PCR rides on the video PID (the first audio's
 * without video), in the first packet of each PES, at the PES's DTS: what
 * libavformat writes with no mux delay, so segments keep the input's
 * times. Timestamps are taken modulo 2^33.
 *
 * AC-3 and E-AC-3 are carried the ATSC way (A/52 Annex A: stream_type
 * 0x81 and 0x87, private_stream_1): it is what Apple's HLS specification
 * names, what libavformat writes by default (so stores keep the bytes
 * they had) and what DVB receivers read as well; DVB's way (0x06 with a
 * descriptor) would need the receiver to parse descriptors. Opus (a
 * control header per frame, a descriptor of its channel mapping) is not
 * carried here: sd_tsm_supported says so, and the caller keeps
 * libavformat's muxer for it.
 */
#ifndef SD_TSMUX_H
#define SD_TSMUX_H

#include <stddef.h>
#include <stdint.h>

#include "bytes.h"
#include "tsdemux.h"

#define SD_TSM_MAX_STREAMS	12	/* the PMT fits one packet */
#define SD_TSM_PMT_PID		0x1000
#define SD_TSM_FIRST_PID	0x100
#define SD_TSM_AU_MAX		(16 << 20)	/* bigger AUs: refused */
#define SD_TSM_CONFIG_MAX	(64 << 10)	/* codec configuration */
#define SD_TSM_AUDIO_PES	2930	/* audio PES payload, as libavformat */
#define SD_TSM_AUDIO_SPAN	4500	/* 50 ms of 90 kHz in one audio PES */

struct sd_tsm_stream {
	enum sd_tsd_codec codec;	/* SD_TSD_* but NONE, LATM, OPUS */
	int sample_rate;	/* MPEG audio under 32 kHz (MPEG-2 LSF):
				   stream_type 0x04, else 0x03 */
	char lang[4];		/* ISO 639-2, or "": no descriptor */
	/* H.264/HEVC: avcC, hvcC or Annex B parameter sets; AAC: the
	 * AudioSpecificConfig; else unused. Copied. */
	const uint8_t *config;
	size_t config_len;
};

#define SD_TSM_KEY	0x1	/* a sync sample: RAI, parameter sets */

struct sd_tsm;

/* 0 when s can be carried, else -1 and *why says why not. */
int sd_tsm_supported(const struct sd_tsm_stream *s, const char **why);
/* A muxer of streams s[0..n); NULL when out of memory or one of them is
 * not supported (sd_tsm_supported). */
struct sd_tsm *sd_tsm_new(const struct sd_tsm_stream *s, int n);
/*
 * Stream i carries another codec from its next AU on (a broadcast's
 * H.264 -> HEVC switch): a new PMT version, written before that AU.
 * 0, or -1 (not supported, out of memory) with the stream unchanged.
 */
int sd_tsm_set_stream(struct sd_tsm *m, int i, const struct sd_tsm_stream *s);
/*
 * One access unit (video) or audio frame of stream i, times in 90 kHz.
 * 0 when muxed; 1 when it was left out (no stream i, longer than
 * SD_TSM_AU_MAX, malformed: length prefixes that overrun, raw AAC with
 * no usable configuration); -1 when memory is out.
 */
int sd_tsm_au(struct sd_tsm *m, int i, const uint8_t *p, size_t n,
    int64_t pts, int64_t dts, unsigned flags);
/*
 * The segment in hand, closed: its bytes in *p (*len of them, a multiple
 * of 188; valid until the next call on m). The next AU starts the next
 * segment, PAT and PMT first. 0, or -1 when memory is out.
 */
int sd_tsm_cut(struct sd_tsm *m, const uint8_t **p, size_t *len);
void sd_tsm_free(struct sd_tsm *m);

/* tsmux_au.c: AUs as MPEG-TS carries them (tsmux.c's helpers). */

/* Annex B parameter sets (4-byte start codes) from an avcC, hvcC or Annex
 * B config into out; *nal_len: the length prefix size avcC/hvcC name, 0
 * for Annex B. -1: malformed. */
int sd_tsm_param_sets(int hevc, const uint8_t *cfg, size_t n,
    struct sd_bytes *out, int *nal_len);
/*
 * A video AU as it goes into its PES: AUD first, parameter sets before a
 * keyframe that lacks them, Annex B. It is read with the nal_len-byte
 * prefixes the configuration names when they walk it whole, else as
 * Annex B. *q is p itself when nothing needs changing, else scratch's
 * bytes. 0, 1: malformed, -1: no memory.
 */
int sd_tsm_video_au(int hevc, const uint8_t *p, size_t n, int key,
    const uint8_t *ps, size_t ps_len, int nal_len, struct sd_bytes *scratch,
    const uint8_t **q, size_t *qn);
/* The ADTS header of a raw AAC frame of n bytes (an ASC's profile,
 * sampling frequency index, channel configuration). -1: too long. */
int sd_tsm_adts_header(uint8_t h[7], int profile, int sr_index, int ch,
    size_t n);
/* An AudioSpecificConfig's fields as ADTS carries them; -1: it cannot
 * (an object type past 4, an explicit rate, channel configuration 0). */
int sd_tsm_asc(const uint8_t *asc, size_t n, int *profile, int *sr_index,
    int *ch);
/* p starts with an ADTS sync word. */
int sd_tsm_is_adts(const uint8_t *p, size_t n);

#endif
