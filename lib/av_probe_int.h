/*
 * av_probe_int.h - what the parts of sd_classify share inside lib/: one
 * classification's state (the source, the deadline, the record written),
 * the media found, and the calls between the parts:
 *
 *   av_probe.c           the entry: sniff, classify, hand on
 *   av_probe_io.c        the deadline, opening and reading the source,
 *                        reasons and exit statuses (below the others)
 *   av_probe_media.c     libavformat's probe of a URL, and its report
 *   av_probe_manifest.c  HLS and DASH manifests, followed and reported
 *
 * Not public: sd.h declares sd_classify().
 */
#ifndef AV_PROBE_INT_H
#define AV_PROBE_INT_H

#include <libavformat/avformat.h>

#include "sd.h"
#include "classify.h"

#define MANIFEST_MAX (4 * 1024 * 1024)	/* a playlist or MPD beyond: cut */

#define MAX_AUDIO 8

struct track_info {
	char codec[32], profile[48], lang[16], codecs[64];
	int level, width, height, sample_rate, channels;
	int fr_num, fr_den;
	long long bitrate;
};

struct media_info {
	char container[64];
	int has_video;
	struct track_info video;
	struct track_info audio[MAX_AUDIO];
	size_t naudio, naudio_seen;
	size_t nsubtitles;
	unsigned programs;	/* MPEG-TS programs (an MPTS has several) */
	long long bitrate;
	double duration;	/* s, -1: unknown */
};

struct cls {
	const struct sd_classify_opts *o;
	struct sd_rec *out;
	const char *source;
	int is_stdin, is_http;
	const char *proxy;	/* the guard's http://127.0.0.1:PORT, NULL */
	long long deadline;	/* sd_mono_ms() */
	int timed_out;
	AVIOInterruptCB cb;
	char mime[128];
	char base[SD_URI_MAX];	/* where the source ended up after HTTP
				 * redirects: relative URIs resolve here */
};

/*
 * The bytes we sniffed are kept and replayed to libavformat before the
 * rest of the source, so a live stream is opened once: seeks within the
 * head are served from memory, seeks past it are passed on when the source
 * can seek.
 */
struct replay {
	struct cls *c;
	struct sd_buf *head;
	AVIOContext *under;	/* NULL: stdin */
	int64_t pos, upos;	/* our position, the source's */
};

/* av_probe_io.c: the deadline, the input, reasons. */
int cls_interrupted(void *opaque);
int cls_open_io(struct cls *c, const char *url, AVIOContext **pb);
int cls_replay_read(void *opaque, uint8_t *buf, int size);
int64_t cls_replay_seek(void *opaque, int64_t off, int whence);
/* Append up to want bytes more from the source (pb, or stdin when NULL):
 * 0 at EOF or when done, an AVERROR otherwise. */
int cls_read_into(struct cls *c, AVIOContext *pb, struct sd_buf *b,
    size_t want, int *eof);
/* Add a reason= line (printf-style) to the record. */
void cls_reason(struct cls *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* An AVERROR as an exit status, with a reason naming what failed. */
enum sd_exit cls_fail(struct cls *c, int err, const char *what);
/* The deadline and the allowed protocols as libavformat options. */
void cls_io_options(const struct cls *c, AVDictionary **d);
/* May a URI found in a manifest be opened? */
int cls_uri_allowed(const struct cls *c, const char *url);
/* A manifest named in another one, whole (capped): 0 or an AVERROR. */
int cls_fetch_text(struct cls *c, const char *url, struct sd_buf *b);

/* Open url (through pb when given) and read its streams: 0 or AVERROR. */
int cls_probe(struct cls *c, const char *url, AVIOContext *pb,
    struct media_info *mi);
/* The record keys of the media found (bandwidth: when it has no rate). */
void cls_emit_media(struct cls *c, const struct media_info *mi,
    long long bandwidth);
/* A field of a space-separated record value: "-" when empty, no blanks. */
const char *cls_field(const char *s);
/* A value that may hold blanks: "-" when empty. */
const char *cls_or_dash(const char *s);

/* Classify the HLS playlist or the DASH MPD in b: the exit status. */
enum sd_exit cls_hls(struct cls *c, const struct sd_buf *b);
enum sd_exit cls_dash(struct cls *c, const struct sd_buf *b);

#endif
