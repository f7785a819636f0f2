/*
 * store.h - the segment store (store.c, store_parse.c, store_format.c)
 * for the files of lib/ that write or read it beyond what sd.h offers:
 * sd-cmafmux's writers (av_pub.c, av_live.c) and the manifest writers.
 * Its format and rules are in sd-store(5). Not a public interface.
 */
#ifndef SD_STORE_H
#define SD_STORE_H

#include "sd.h"

#define SD_STORE_MAX_SEGS 500000	/* 3 tracks of 2 s segments: 3.8 days */
#define SD_STORE_MAX_HEADERS 512	/* header records held at once */

/* What changes with a header: the values of one generation of a track. */
struct sd_store_header {
	char track[16];		/* the track's id */
	char file[48];		/* the header's file, what seg init= names */
	char codecs[128];
	int width, height;
	char frame_rate[16];
	int sample_rate, channels;
};

struct sd_store_seg {
	uint8_t track;		/* index into tracks[] */
	uint8_t disc;
	uint64_t seq;
	int64_t t;
	int64_t d;
	uint64_t bytes;
	char file[48];
	char init[48];		/* "" for mpegts */
};

/* Parse an index (st is reset first); name is for messages (DIR/index). */
int sd_store_parse(struct sd_store *st, const char *buf, size_t len,
    const char *name);
/* Serialise to the index format; write atomically to DIR/index. */
int sd_store_format(const struct sd_store *st, struct sd_buf *out);
int sd_store_write(const struct sd_store *st, const char *dir);
/*
 * Append a segment after checking it (names safe, track known, seq the next
 * of its track, no overlap, a new init only with disc=1, at most
 * SD_STORE_MAX_SEGS); keeps longest, gens[] and the track's peak bandwidth.
 * Returns 0, or -1 with a warning.
 */
int sd_store_add_seg(struct sd_store *st, const struct sd_store_seg *seg);
/*
 * Forget the segments of every track with seq < first_seq (a live window
 * sliding), adding the cuts with a discontinuity to discseq. Deleting their
 * files later is the caller's business (sd-store(5): after their duration
 * plus the playlist's). Returns how many entries were removed.
 */
size_t sd_store_trim(struct sd_store *st, uint64_t first_seq);
/*
 * Record what a header says (replacing a record of the same file), as soon
 * as the header is written: the index carries it while a listed segment
 * names the header. Returns 0, or -1 with a warning.
 */
int sd_store_note_header(struct sd_store *st, const struct sd_store_header *h);
/*
 * Track k as its header init says: the track record with the header
 * record's codecs, size, frame rate and audio values over it (the track's
 * own where the header record has none, or init is NULL or unknown).
 */
void sd_store_track_as(const struct sd_store *st, size_t k, const char *init,
    struct sd_store_track *out);

#endif /* SD_STORE_H */
