/*
 * hls_live.h - a live HLS media playlist read for the upstream session's
 * own segment reader (hls_live.c, upstream_hls.c): the segments with
 * their media sequence numbers and discontinuities, the target duration,
 * the end, and what in a playlist only ffmpeg's ingest reads. Pure: bytes
 * in, a bounded list out. Not a public interface.
 */
#ifndef SD_HLS_LIVE_H
#define SD_HLS_LIVE_H

#include <stddef.h>

#include "classify.h"

#define SD_HLS_LIVE_MAX (4 << 20)	/* a playlist's bytes, at most */
#define SD_HLS_LIVE_ENTRIES 50000	/* its segments (passthrough's cap) */

struct sd_hls_seg {
	long long seq;		/* media sequence number */
	double duration;	/* EXTINF, s (0: absent or bad) */
	int discontinuity;	/* EXT-X-DISCONTINUITY before it */
	const char *uri;	/* as written; into sd_hls_live.text */
	const char *map;	/* EXT-X-MAP's URI before it, or NULL */
};

/* What makes a playlist ffmpeg's (bits of sd_hls_live.unfit). */
#define SD_HLS_UNFIT_KEY	0x01	/* EXT-X-KEY other than NONE */
#define SD_HLS_UNFIT_FMP4	0x02	/* EXT-X-MAP or fMP4 segment names */
#define SD_HLS_UNFIT_RANGE	0x04	/* EXT-X-BYTERANGE */
#define SD_HLS_UNFIT_AUDIO	0x08	/* audio in a rendition's playlist */

struct sd_hls_live {
	int master;		/* a master playlist: no segments here */
	double target;		/* EXT-X-TARGETDURATION, s; 0: absent */
	long long first_seq;	/* EXT-X-MEDIA-SEQUENCE */
	int endlist;		/* EXT-X-ENDLIST */
	int unfit;		/* SD_HLS_UNFIT_* */
	struct sd_hls_seg *seg;
	size_t n;
	char *text;		/* a copy of the playlist */
};

/*
 * Read a media playlist of len bytes. 0, or -1 with errno: EINVAL (not
 * #EXTM3U), E2BIG (more than SD_HLS_LIVE_ENTRIES segments or bytes),
 * ENOMEM. A master reads as master = 1 with no segments. Free with
 * sd_hls_live_free, whatever the result.
 */
int sd_hls_live_parse(struct sd_hls_live *l, const char *buf, size_t len);
void sd_hls_live_free(struct sd_hls_live *l);

/*
 * The segment to append after the one of media sequence last (-1: none
 * yet: the one before the newest, so a zap has at once a whole segment
 * and the keyframe that ends it, and a pipeline cuts without waiting for
 * the upstream). Its index, or -1 when none is new.
 * *jump: 1 when it does not follow last (a sequence gap, a playlist that
 * restarted lower, EXT-X-DISCONTINUITY before it).
 */
long sd_hls_live_next(const struct sd_hls_live *l, long long last, int *jump);

/*
 * The variant of master m to read: hint (an index ingest.c chose, see
 * sd_ingest_argv_variant) when m has it, else ingest.c's choice over m's
 * variants with no profile. -1 when m lists none with a URI.
 */
int sd_hls_live_variant(const struct sd_hls *m, int hint);
/* SD_HLS_UNFIT_AUDIO when variant v of m takes its audio from another
 * playlist (an EXT-X-MEDIA TYPE=AUDIO of its group with a URI), else 0. */
int sd_hls_live_variant_unfit(const struct sd_hls *m, int v);
/* The unfit bits in words, "AES keys, fMP4 segments" (buf, len). */
const char *sd_hls_live_unfit_text(int unfit, char *buf, size_t len);

#endif /* SD_HLS_LIVE_H */
