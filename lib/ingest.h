/*
 * ingest.h - the one ingest stage of a live session (ingest.c): which
 * sources the upstream session reads itself (MPEG-TS over HTTP, over UDP
 * and RTP) and which it reads through `ffmpeg -c copy -f mpegts` (HLS,
 * DASH, srt://, rist://, files...), that ffmpeg's argv, and the HLS
 * variant a profile allows. Pure: strings and records in, argv out.
 */
#ifndef SD_INGEST_H
#define SD_INGEST_H

#include <stddef.h>

#include "sd.h"

enum sd_ingest {
	SD_INGEST_BAD,		/* a scheme sd does not read */
	SD_INGEST_HTTP,		/* http(s): MPEG-TS read by fetch.c, or a manifest */
	SD_INGEST_STREAM,	/* udp, rtp (dgram.c, else ffmpeg), srt, rist */
	SD_INGEST_FILE		/* a path or file://: ffmpeg at its own pace (-re) */
};

/* The kind of a source URL by its scheme. */
enum sd_ingest sd_ingest_kind(const char *url);

/* 1 when url names an HLS playlist (.m3u8) or a DASH MPD (.mpd). */
int sd_ingest_is_manifest(const char *url);

/*
 * Who reads url in the upstream session, by the name the state record's
 * ingest= gives it: "ts" (fetch.c: a plain HTTP(S) stream), "udp" or
 * "rtp" (dgram.c: MPEG-TS datagrams, sd_dgram_url), "ffmpeg" (the ingest
 * ffmpeg: anything else); NULL for a scheme sd does not read. format is
 * the classification's format= (NULL: unknown); "hls" or "dash" count as
 * a manifest whatever the URL's name. (An HLS or DASH source of
 * "ffmpeg" may still be read by upstream_hls.c, which decides when it
 * reads the manifest: ingest=hls, hls-fmp4 or dash.)
 */
const char *sd_ingest_reader(const char *url, const char *format);
/* 1 when sd_ingest_reader says "ffmpeg". */
int sd_ingest_via_ffmpeg(const char *url, const char *format);

/*
 * The HLS variant (its index in the master, which is ffmpeg's program id)
 * with the highest bandwidth whose resolution the profile allows (p NULL,
 * or no width/height limit: the highest). cls holds sd-classify's
 * variant= lines ("BANDWIDTH WxH CODECS"). For a DASH MPD (representation=
 * lines, "ID TYPE BANDWIDTH WxH CODECS"), the same choice among its video
 * representations, counted in MPD order (ffmpeg's 0:v:N). Returns -1 when
 * it lists none; why says which, in words.
 */
int sd_ingest_variant(const struct sd_rec *cls, const struct sd_profile *p,
    char *why, size_t whylen);

#define SD_INGEST_ARGS 48

/* The argv of one ingest ffmpeg; strings are copied into it. */
struct sd_ingest_argv {
	char *v[SD_INGEST_ARGS + 1];
	size_t n;
	char num[2][32];
	char map[2][48];
};

/*
 * ffmpeg -nostdin -loglevel error [for http: the protocol whitelist,
 * reconnect and timeout options] [-re for files] [-analyzeduration 1 s
 * for udp & co.] [-user_agent, -referer, -headers] -i URL
 * [-map of variant (HLS program), its video and audio renditions;
 * DASH: -map 0:v:variant? (0 when variant is -1) -map 0:a?, every audio
 * representation]
 * -c copy -flush_packets 1 -f mpegts pipe:1. headers: "Name: value\r\n" lines or NULL.
 * Strings pointed to must outlive a (url, ua, referer, headers).
 */
int sd_ingest_argv(struct sd_ingest_argv *a, const char *url,
    const char *format, int variant, int timeout_s, const char *ua,
    const char *referer, const char *headers);

/*
 * The HLS variant an argv of sd_ingest_argv maps (its -map 0:p:N:v?), for
 * the session's own HLS reader; -1 when it maps none.
 */
int sd_ingest_argv_variant(char *const *argv);

#endif /* SD_INGEST_H */
