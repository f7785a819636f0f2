/*
 * manifest_common.h - what the HLS and DASH writers share inside lib/
 * (manifest_common.c). Not public: sd.h has the writers themselves.
 */
#ifndef MANIFEST_COMMON_H
#define MANIFEST_COMMON_H

#include <stddef.h>

#include "sd.h"

/* Unix time as 2024-11-24T12:00:00.120Z (milliseconds, UTC). */
void sd_iso8601_time(char *buf, size_t len, double t);
/* Peak and average bit/s of a track: declared values or measured ones. */
void sd_track_rates(const struct sd_store *st, size_t track,
    long long *peak, long long *avg);

/*
 * manifest.c: every manifest of the store written into DIR, each
 * atomically: TRACK.m3u8 per track, then master.m3u8, master-ts.m3u8
 * (with an mpegts track) and manifest.mpd (with CMAF tracks); a store with
 * no segment yet gets none. sd-cmafmux calls this after each index write;
 * sd_manifest_write_all_at (sd.h) takes the time.
 */
int sd_manifest_write_all(const char *dir, const struct sd_store *st,
    const char *base_url);
/* Removes those files (an index-only store continued from a run that
 * wrote them: stale, they would contradict the index). */
void sd_manifest_remove_all(const char *dir, const struct sd_store *st);

#endif
