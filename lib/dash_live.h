/*
 * dash_live.h - a live DASH MPD read for the upstream session's own
 * segment reader (dash_live.c, upstream_dash.c): per chosen
 * representation (the video one ingest.c chooses, the best of every
 * audio adaptation set) its initialization URL and its newest media
 * segments with their numbers and times, the update period that paces
 * the reloads, and whether the MPD ended (type static). Pure: bytes and
 * a clock in, bounded tracks out. Not a public interface.
 */
#ifndef SD_DASH_LIVE_H
#define SD_DASH_LIVE_H

#include <stddef.h>

#include "sd.h"
#include "classify.h"

#define SD_DASH_LIVE_MAX (4 << 20)	/* an MPD's bytes, at most */
#define SD_DASH_LIVE_TRACKS 8		/* one video, the audio sets */
#define SD_DASH_LIVE_SEGS 64		/* a track's newest segments kept */
#define SD_DASH_LIVE_S 100000		/* SegmentTimeline S entries */

struct sd_dash_seg {
	long long number;	/* $Number$ */
	long long time;		/* $Time$, in the track's timescale */
	long long dur;		/* same unit */
};

struct sd_dash_track {
	int video;		/* 1: the video representation; 0: audio */
	char id[64];		/* $RepresentationID$ */
	long long bandwidth;	/* $Bandwidth$ */
	char base[SD_URL_MAX];	/* the BaseURLs resolved against the MPD */
	char init[SD_URI_MAX];	/* SegmentTemplate@initialization */
	char media[SD_URI_MAX];	/* SegmentTemplate@media */
	long long timescale;	/* >= 1 */
	long long pto;		/* presentationTimeOffset */
	struct sd_dash_seg seg[SD_DASH_LIVE_SEGS];	/* oldest first */
	size_t n;
};

struct sd_dash_live {
	int dynamic;		/* type="dynamic"; static: the source ended */
	double min_update;	/* minimumUpdatePeriod, s; 0: absent */
	double ast;		/* availabilityStartTime, s since 1970; 0 */
	double tsbd;		/* timeShiftBufferDepth, s; 0: absent */
	double duration;	/* mediaPresentationDuration, s; 0: absent */
	double period_start;	/* the last Period's @start, s */
	int video_reps;		/* video representations of that Period */
	int video_pick;		/* the one read, among them; -1: none */
	struct sd_dash_track trk[SD_DASH_LIVE_TRACKS];	/* video first */
	size_t ntrk;
};

/*
 * Read an MPD of len bytes fetched from url (the base of its BaseURLs),
 * at now (s since 1970: the live edge of a template without a
 * timeline). Only the last Period is read. hint: the video
 * representation to read, counted in the Period's order (ingest.c's
 * 0:v:N, see sd_ingest_argv_variant); -1 or out of range: ingest.c's
 * choice with no profile. 0, or -1 with errno: EINVAL (not an MPD),
 * E2BIG (too large), ENOTSUP (segments not described by a
 * SegmentTemplate: SegmentBase, SegmentList, ContentProtection),
 * ENOENT (no video or audio representation), ENAMETOOLONG. A static MPD
 * (dynamic = 0: the source ended) lists its last segments, up to its
 * mediaPresentationDuration, and is not loaded again.
 */
int sd_dash_live_parse(struct sd_dash_live *d, const char *buf, size_t len,
    const char *url, double now, int hint);

/* The URL of segment s of t, or of its initialization when s is NULL:
 * the template's $RepresentationID$, $Number$, $Time$, $Bandwidth$ (with
 * a %0Nd width) and $$ filled in, resolved against t->base. 0, or -1
 * (ENAMETOOLONG, EINVAL: an identifier the template may not hold). */
int sd_dash_live_url(const struct sd_dash_track *t,
    const struct sd_dash_seg *s, char *out, size_t len);

/* Segment i's start in seconds of the Period (PTO taken off). */
double sd_dash_live_start(const struct sd_dash_track *t, size_t i);

/*
 * The segment of t to fetch after the one that started at media time
 * last: the first to start later; -1 when none is new. last < 0 (none
 * yet): the one at from (s, sd_dash_live_start's scale) when from >= 0,
 * else the one before the newest (a whole GOP at once, as hls_live.c
 * starts).
 */
long sd_dash_live_next(const struct sd_dash_track *t, long long last,
    double from);

#endif /* SD_DASH_LIVE_H */
