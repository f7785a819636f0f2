/*
 * decide_int.h - the parts of the delivery decision inside lib/ beyond
 * what sd.h offers: the client rules (client.c), the facts of a
 * classification record and the plan of a transcode (decide.c), and the
 * ffmpeg argv built from them (ffargs.c, the seed's command_builder).
 * Pure logic: no libav*, no I/O but the hardware-device check (access(2)
 * on a device path). Not a public interface.
 */
#ifndef DECIDE_INT_H
#define DECIDE_INT_H

#include "sd.h"

const char *sd_client_name(enum sd_client c);	/* hls|hls-ts|dash|ts */
/*
 * One rule each, 0 when it decides (*c set), -1 when it has no opinion:
 * the URL (?format=, else a path ending .m3u8, .mpd or .ts), the Accept
 * header (the media range with the highest q among the HLS, DASH and
 * MPEG-TS types) and the User-Agent (VLC, Kodi, Plex, Jellyfin, Emby,
 * ffmpeg/Lavf: ts; AppleCoreMedia, Safari that is not Chrome: hls, or
 * hls-ts for iOS before 10).
 */
int sd_client_from_url(const char *url, enum sd_client *c);
int sd_client_from_accept(const char *accept, enum sd_client *c);
int sd_client_from_ua(const char *ua, enum sd_client *c);

/* The facts of a classification record (sd-classify(1)) that decide uses. */
struct sd_source {
	char format[16];	/* hls | dash | mpegts | other */
	char segments[8];	/* HLS: ts | fmp4 */
	char container[32];
	char video_codec[32];	/* "": no video */
	int width, height;	/* 0: unknown */
	double frame_rate;	/* 0: unknown */
	long long video_bitrate;	/* bit/s; 0: unknown */
	char audio_codec[32];	/* "": no audio; else the first track's */
	int audio_tracks;
	int channels, sample_rate;	/* 0: unknown */
	long long audio_bitrate;
	int live, encrypted;
	char video_profile[32];	/* "High", "High 10", "Main 10"; "" unknown */
};
/* Read a classification record; -1 with a warning when a key is bad. */
int sd_source_from_rec(const struct sd_rec *cls, struct sd_source *src);

/* What a transcode does, track by track: the input of the argv builder. */
struct sd_plan {
	char video[32];		/* "copy", "none" or the encoder */
	char audio[32];
	enum sd_container container;	/* SD_CONT_FMP4 or SD_CONT_MPEGTS */
	char hw[8];		/* "", nvenc, qsv, vaapi: from the encoder */
	char hw_device[256];	/* the device the encoder opens */
	double segment_duration;	/* s: keyframe every segment */
};

/* A NULL-terminated argv that owns its strings. */
struct sd_argv {
	char **v;
	size_t n, cap;
};
void sd_argv_init(struct sd_argv *av);
void sd_argv_free(struct sd_argv *av);
int sd_argv_add(struct sd_argv *av, const char *arg);
/* Add each blank-separated word of s (profile option strings). */
int sd_argv_add_words(struct sd_argv *av, const char *s);

/*
 * The ffmpeg argv of a plan (argv[0] is "ffmpeg"): input options, hardware
 * device, -i input (NULL: pipe:0), maps (the first video, every audio),
 * codecs with preset, crf, bitrates, scaling, frame rate and keyframes on
 * segment boundaries, the profile's output options, then -f mpegts pipe:1
 * when MPEG-TS carries every output codec, else -f matroska pipe:1 (nut
 * for libaom-av1; see sd_plan_pipe_format).
 */
int sd_ffmpeg_argv(const struct sd_profile *p, const struct sd_source *src,
    const struct sd_plan *plan, const char *input, struct sd_argv *av);
/* "mpegts", "matroska" or (libaom-av1) "nut": what the argv writes. */
const char *sd_plan_pipe_format(const struct sd_source *src,
    const struct sd_plan *plan);

/* The ffmpeg_arg= lines of a decision as an argv; -1 when there are none. */
int sd_decision_argv(const struct sd_rec *decision, struct sd_argv *av);

#endif /* DECIDE_INT_H */
