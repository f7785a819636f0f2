/*
 * classify.h - the pure sniffers and playlist readers of classify.c,
 * over a byte buffer they are handed (bounded and hostile-safe), for the
 * libavformat edge (av_probe*.c) and the relay's passthrough. Not a
 * public interface: sd.h declares sd_classify().
 */
#ifndef SD_CLASSIFY_H
#define SD_CLASSIFY_H

#include "sd.h"

enum sd_format { SD_FMT_OTHER, SD_FMT_HLS, SD_FMT_DASH, SD_FMT_MPEGTS };

/* From the content only: #EXTM3U, an <MPD> root, or 0x47 sync bytes at a
 * 188, 192 or 204 byte stride. SD_FMT_OTHER when none holds. */
enum sd_format sd_sniff_format(const void *buf, size_t len);
const char *sd_format_name(enum sd_format f);	/* hls|dash|mpegts|other */
/* 1 when most MPEG-TS packets with a payload are scrambled (conditional
 * access): such a source cannot be repackaged or transcoded. */
int sd_ts_scrambled(const void *buf, size_t len);

#define SD_HLS_MAX_VARIANTS 64
#define SD_HLS_MAX_MEDIA 32
#define SD_URI_MAX 2048

struct sd_hls_variant {
	long long bandwidth, avg_bandwidth;	/* bit/s; 0: not given */
	int width, height;			/* 0: no RESOLUTION */
	char frame_rate[16];
	char codecs[256];			/* "" : no CODECS */
	char audio[64];				/* AUDIO group id */
	char uri[SD_URI_MAX];
};

struct sd_hls_media {				/* EXT-X-MEDIA */
	char type[16], group[64], lang[16], name[64];
	char uri[SD_URI_MAX];			/* "" : in the variant */
	int is_default;
};

enum sd_hls_segs { SD_SEGS_UNKNOWN, SD_SEGS_TS, SD_SEGS_FMP4 };

struct sd_hls {
	int master;			/* 1: master, 0: media playlist */
	int version;			/* EXT-X-VERSION, 0: absent */
	struct sd_hls_variant variants[SD_HLS_MAX_VARIANTS];
	size_t nvariants;
	size_t nvariants_seen;		/* past SD_HLS_MAX_VARIANTS too */
	struct sd_hls_media media[SD_HLS_MAX_MEDIA];
	size_t nmedia;
	/* media playlist */
	int encrypted;			/* EXT-X-KEY or EXT-X-SESSION-KEY
					 * with METHOD other than NONE */
	char key_method[32];
	int endlist;
	char playlist_type[16];		/* VOD, EVENT or "" */
	double target_duration;		/* s, 0: absent */
	long long media_sequence;
	size_t nsegments;
	double duration;		/* sum of EXTINF, s */
	enum sd_hls_segs segs;
	char map_uri[SD_URI_MAX];	/* EXT-X-MAP */
	char first_uri[SD_URI_MAX];	/* the first segment */
	int has_target;			/* EXT-X-TARGETDURATION seen */
	size_t nchannels;		/* EXTINF entries of an IPTV channel
					 * list: duration <= 0, tvg- or
					 * group-title attributes */
};

/* 1 when an #EXTM3U file is an IPTV channel list (an M3U of channel URLs,
 * EXTINF:-1 tvg-id=...), not an HLS playlist: no EXT-X-TARGETDURATION,
 * channel-style entries. */
int sd_hls_is_channel_list(const struct sd_hls *h);

/*
 * Read an HLS playlist. Returns 0, or -1 when it does not start with
 * #EXTM3U. Unknown tags are ignored; over-long lines and lists are cut, never
 * overrun.
 */
int sd_hls_parse(const char *buf, size_t len, struct sd_hls *h);
/* The variant to follow: the highest BANDWIDTH, then the largest picture;
 * -1 when there is none. */
int sd_hls_best_variant(const struct sd_hls *h);
/* Where the value of attribute name of an HLS attribute list (RFC 8216
 * 4.2) starts in list, its length in *n (a quoted string's quotes left
 * out: the one before it is at [-1]); NULL when it is not there. */
const char *sd_hls_attr_at(const char *list, const char *name, size_t *n);

#define SD_DASH_MAX_REPS 64

struct sd_dash_rep {
	char id[64];
	char content_type[16];		/* video|audio|text|"" */
	char mime[64];
	char codecs[128];
	long long bandwidth;
	int width, height;
	char frame_rate[16];
	int sample_rate;
	char lang[16];
};

struct sd_dash {
	int dynamic;			/* type="dynamic" */
	char profiles[256];
	double min_buffer_time;		/* s */
	double duration;		/* mediaPresentationDuration, s */
	int encrypted;			/* a ContentProtection element */
	size_t nperiods;
	struct sd_dash_rep reps[SD_DASH_MAX_REPS];
	size_t nreps;
	size_t nreps_seen;
};

/* One XML tag of a bounded, hostile-safe reader (sd_dash_parse's, and
 * dash_live.c's): its name and the attribute text after it. */
struct sd_xml_tag {
	char name[64];		/* without namespace prefix */
	const char *attrs;	/* into the buffer */
	size_t alen;
	int closing;		/* </name> */
};

/*
 * The next tag at or after *pos (then just past its '>'). Comments,
 * processing instructions and CDATA are skipped; quoted attribute values
 * may hold '>'. Returns 0, or -1 at the end of the buffer.
 */
int sd_xml_next(const char *p, size_t len, size_t *pos,
    struct sd_xml_tag *t);
/* The value of attribute name in t, as written (entities left as they
 * are), into out; 1 when found. */
int sd_xml_attr(const struct sd_xml_tag *t, const char *name, char *out,
    size_t len);
/* Attribute name of t as a number in [0, max]; def when it is absent
 * or not one. */
long long sd_xml_num(const struct sd_xml_tag *t, const char *name,
    long long max, long long def);

/* Read a DASH MPD (a minimal, bounded XML reader). Returns 0, or -1 when
 * there is no MPD root element. */
int sd_dash_parse(const char *buf, size_t len, struct sd_dash *d);

/* ISO 8601 duration (PT1M30.5S, P1DT2H) in seconds; -1 when invalid. */
double sd_iso8601_duration(const char *s);

/* The FFmpeg codec name a CODECS entry names (avc1.64001f -> h264), or
 * NULL. */
const char *sd_codec_from_rfc6381(const char *entry);

#endif /* SD_CLASSIFY_H */
