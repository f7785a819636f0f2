/*
 * cmaf.h - the ISO BMFF boxes of one CMAF track (cmaf.c): the header
 * (ftyp cmfc + moov with one trak and mvex) and each segment's styp +
 * moof (mfhd, traf: tfhd default-base-is-moof, tfdt, trun) + mdat header.
 * Pure: no libav*, no I/O. Inside lib/ only: not part of sd.h.
 */
#ifndef SD_CMAF_H
#define SD_CMAF_H

#include <stddef.h>
#include <stdint.h>

#include "bytes.h"

/* What a CMAF header says about its one track. */
struct sd_cmaf_track {
	int video;		/* 1 video, 0 audio */
	char entry[5];		/* sample entry: avc1 hvc1 vp09 av01 mp4a
				   ac-3 ec-3 Opus */
	char cfg_type[5];	/* avcC hvcC vpcC av1C esds dac3 dec3 dOps */
	int cfg_full;		/* the config box is a FullBox (esds, vpcC) */
	const uint8_t *cfg;	/* its payload */
	size_t cfg_len;
	uint32_t timescale;
	int width, height;
	int sample_rate, channels;
	char lang[4];		/* ISO 639-2/T; anything else is "und" */
};

struct sd_cmaf_sample {
	uint32_t size, duration;
	int32_t cto;		/* composition offset (video) */
	int sync;
};

/* ftyp + moov of one track, appended to out. */
int sd_cmaf_header(const struct sd_cmaf_track *t, struct sd_bytes *out);
/*
 * styp + moof + the mdat header of one segment; the samples' bytes follow
 * it in the file. seqno: mfhd's sequence number; tfdt: the decode time of
 * the first sample (the store's t).
 */
int sd_cmaf_segment(const struct sd_cmaf_track *t, uint32_t seqno,
    uint64_t tfdt, const struct sd_cmaf_sample *s, size_t n,
    struct sd_bytes *out);

/*
 * One segment of a single-file track (sd-cmafmux -s), as its sidx lists
 * it: its first presentation time (the tfdt), duration and bytes.
 */
struct sd_cmaf_ref {
	uint64_t t, d;
	uint64_t size;
};

#define SD_CMAF_SIDX_MAX	65535	/* reference_count is 16 bits */
/* The bytes of a sidx of n references. */
size_t sd_cmaf_sidx_size(size_t n);
/*
 * The segment index (ISO/IEC 14496-12 8.16.3, version 1) of n segments
 * that follow it back to back (first_offset 0), each starting with a
 * sync sample (SAP type 1): a DASH SegmentBase's indexRange. A
 * subsegment lasts until the next one's t, the last one its d. -1 when n
 * is 0 or over SD_CMAF_SIDX_MAX, or a size or duration does not fit.
 */
int sd_cmaf_sidx(uint32_t timescale, const struct sd_cmaf_ref *r, size_t n,
    struct sd_bytes *out);
/* A free box of n bytes in all (n >= 8): padding a reader skips. */
int sd_cmaf_free(size_t n, struct sd_bytes *out);

#endif
