/*
 * decide.c - the delivery decision (seed 2.1/2.2), made per track.
 *
 * A profile re-encodes only the tracks it is not already satisfied with:
 * an H.264 + MP2 source under Universal (libx264 + aac) copies the video
 * and encodes the audio. With nothing to encode, the source passes through
 * when the client takes its format, is repackaged when it is HLS, DASH or
 * MPEG-TS, and otherwise goes through ffmpeg with its tracks copied (the
 * seed's "Other -> FFmpeg" leaf).
 */
#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sd.h"
#include "codec_table.h"
#include "util_int.h"
#include "decide_int.h"
#include "ingest.h"

/* Bit rates are estimates: a source within 10% of a limit meets it. */
#define RATE_SLACK 1.10

enum delivery { D_PASSTHROUGH, D_REPACKAGE, D_TRANSCODE };

static const char *const delivery_names[] = {
	"passthrough", "repackage", "transcode",
};

/* ---------------------------------------------------------------- source */

/* A codec or container name: short, [A-Za-z0-9_.,-] only. */
static int
copy_token(char *dst, size_t len, const char *v, const char *key)
{
	const char *p;

	if (v == NULL) {
		dst[0] = '\0';
		return 0;
	}
	for (p = v; *p; p++)
		if (!isalnum((unsigned char)*p) && strchr("_.,-", *p) == NULL)
			break;
	if (*p != '\0' || strlcpy(dst, v, len) >= len) {
		warnx("classification: %s=%.40s: not a codec or format name",
		    key, v);
		return -1;
	}
	return 0;
}

/* A codec profile name as FFmpeg spells it: "High 10", "High 4:2:2". */
static int
copy_profile(char *dst, size_t len, const char *v)
{
	const char *p;

	dst[0] = '\0';
	if (v == NULL || strcmp(v, "-") == 0)
		return 0;
	for (p = v; *p; p++)
		if (!isalnum((unsigned char)*p) && strchr(" :._-", *p) == NULL)
			break;
	if (*p != '\0' || strlcpy(dst, v, len) >= len) {
		warnx("classification: video_profile=%.40s: not a profile name",
		    v);
		return -1;
	}
	return 0;
}

static int
rec_num(const struct sd_rec *r, const char *key, long long max,
    long long *out)
{
	const char *v = sd_rec_get(r, key), *errstr;

	*out = 0;
	if (v == NULL || *v == '\0')
		return 0;
	*out = sd_strtonum(v, 0, max, &errstr);
	if (errstr != NULL) {
		warnx("classification: %s=%.40s: %s", key, v, errstr);
		return -1;
	}
	return 0;
}

/* 25, 29.97 or 30000/1001; 0 when absent. 0 (sd-classify's unknown) is
 * taken too, which sd_frame_rate_ok would refuse: hence its own bound. */
static int
rec_rate(const struct sd_rec *r, const char *key, double *out)
{
	const char *v = sd_rec_get(r, key);
	long long num, den;

	*out = 0;
	if (v == NULL || *v == '\0')
		return 0;
	if (sd_frame_rate_parse(v, &num, &den) == -1 ||
	    num > SD_MAX_FRAME_RATE * den) {
		warnx("classification: %s=%.40s: not a frame rate", key, v);
		return -1;
	}
	*out = (double)num / (double)den;
	return 0;
}

static int
rec_yes(const struct sd_rec *r, const char *key)
{
	const char *v = sd_rec_get(r, key);

	return v != NULL && (strcmp(v, "yes") == 0 || strcmp(v, "1") == 0);
}

static int
source_numbers(const struct sd_rec *cls, struct sd_source *s)
{
	long long w, h, vb, at, ch, sr, ab, total;

	if (rec_num(cls, "width", 65535, &w) == -1 ||
	    rec_num(cls, "height", 65535, &h) == -1 ||
	    rec_rate(cls, "frame_rate", &s->frame_rate) == -1 ||
	    rec_num(cls, "video_bitrate", 100000000000LL, &vb) == -1 ||
	    rec_num(cls, "audio_tracks", 64, &at) == -1 ||
	    rec_num(cls, "channels", 64, &ch) == -1 ||
	    rec_num(cls, "sample_rate", 768000, &sr) == -1 ||
	    rec_num(cls, "audio_bitrate", 100000000LL, &ab) == -1 ||
	    rec_num(cls, "bitrate", 100000000000LL, &total) == -1)
		return -1;
	s->width = (int)w;
	s->height = (int)h;
	s->audio_tracks = (int)at;
	s->channels = (int)ch;
	s->sample_rate = (int)sr;
	s->audio_bitrate = ab;
	/* No video rate measured: the total less the audio is a fair one. */
	if (vb == 0 && total > 0 && s->video_codec[0] != '\0')
		vb = total - (s->audio_codec[0] ? ab * (at > 0 ? at : 1) : 0);
	s->video_bitrate = vb > 0 ? vb : 0;
	return 0;
}

int
sd_source_from_rec(const struct sd_rec *cls, struct sd_source *s)
{
	static const char *const formats[] = { "hls", "dash", "mpegts",
	    "other" };
	const char *f = sd_rec_get(cls, "format"), *seg;
	size_t i;

	memset(s, 0, sizeof(*s));
	for (i = 0; f != NULL && i < SD_ARRAY_LEN(formats); i++)
		if (strcmp(f, formats[i]) == 0)
			break;
	if (f == NULL || i == SD_ARRAY_LEN(formats)) {
		warnx("classification: format=%.40s: expected hls, dash, "
		    "mpegts or other (is it sd-classify output?)", f ? f : "");
		return -1;
	}
	strlcpy(s->format, f, sizeof(s->format));
	/* HLS without the key: TS segments, what most HLS still has. */
	seg = sd_rec_get(cls, "hls_segments");
	strlcpy(s->segments, seg != NULL && strcmp(seg, "fmp4") == 0 ?
	    "fmp4" : "ts", sizeof(s->segments));
	if (copy_token(s->container, sizeof(s->container),
	    sd_rec_get(cls, "container"), "container") == -1 ||
	    copy_token(s->video_codec, sizeof(s->video_codec),
	    sd_rec_get(cls, "video_codec"), "video_codec") == -1 ||
	    copy_token(s->audio_codec, sizeof(s->audio_codec),
	    sd_rec_get(cls, "audio_codec"), "audio_codec") == -1 ||
	    copy_profile(s->video_profile, sizeof(s->video_profile),
	    sd_rec_get(cls, "video_profile")) == -1 ||
	    source_numbers(cls, s) == -1)
		return -1;
	if (s->audio_codec[0] != '\0' && s->audio_tracks == 0)
		s->audio_tracks = 1;
	s->live = rec_yes(cls, "live");
	s->encrypted = rec_yes(cls, "encrypted");
	return 0;
}

static const char *
source_label(const struct sd_source *s, char *buf, size_t len)
{
	if (strcmp(s->format, "hls") == 0)
		return strcmp(s->segments, "fmp4") == 0 ?
		    "HLS with fMP4 segments" : "HLS with MPEG-TS segments";
	if (strcmp(s->format, "dash") == 0)
		return "DASH";
	if (strcmp(s->format, "mpegts") == 0)
		return "MPEG-TS";
	snprintf(buf, len, "neither HLS, DASH nor MPEG-TS (container %s)",
	    s->container[0] ? s->container : "unknown");
	return buf;
}

static const char *
client_label(enum sd_client c)
{
	switch (c) {
	case SD_CLIENT_HLS:
		return "HLS";
	case SD_CLIENT_HLS_TS:
		return "HLS with MPEG-TS segments";
	case SD_CLIENT_DASH:
		return "DASH";
	default:
		return "a plain MPEG-TS stream";
	}
}

/* ---------------------------------------------------------------- tracks */

static double
profile_rate(const struct sd_profile *p)
{
	return sd_frame_rate_value(p->framerate);
}

/*
 * H.264 beyond 8-bit 4:2:0 (High 10, 4:2:2, 4:4:4) has the codec's name but
 * few players decode it: a profile that makes H.264 wants it made again.
 */
static int
h264_exotic(const struct sd_source *s, const struct sd_profile *p)
{
	const char *want = sd_encoder_codec(p->video_codec);

	return want != NULL && strcmp(want, "h264") == 0 &&
	    strcmp(s->video_codec, "h264") == 0 &&
	    (strstr(s->video_profile, "10") != NULL ||
	    strstr(s->video_profile, "4:2:2") != NULL ||
	    strstr(s->video_profile, "4:4:4") != NULL);
}

/* What of the profile's video limits the source breaks; NULL: none. */
static const char *
video_over_limit(const struct sd_source *s, const struct sd_profile *p,
    char *buf, size_t len)
{
	long long cap = p->video_bitrate;
	double fr = profile_rate(p);

	if (p->maxrate > 0 && (cap == 0 || p->maxrate < cap))
		cap = p->maxrate;
	if (h264_exotic(s, p))
		snprintf(buf, len, "is of the %s profile, which most players "
		    "cannot decode", s->video_profile);
	else if ((p->width > 0 && s->width > p->width) ||
	    (p->height > 0 && s->height > p->height))
		snprintf(buf, len, "is %dx%d, over the profile's %dx%d limit",
		    s->width, s->height, p->width, p->height);
	else if (cap > 0 && s->video_bitrate > cap * RATE_SLACK)
		snprintf(buf, len, "runs at %lld kbit/s, over the profile's "
		    "%lld kbit/s", s->video_bitrate / 1000, cap / 1000);
	else if (fr > 0 && s->frame_rate > fr * 1.001 + 0.01)
		snprintf(buf, len, "runs at %.3g frame/s, over the profile's "
		    "%s", s->frame_rate, p->framerate);
	else
		return NULL;
	return buf;
}

static const char *
audio_over_limit(const struct sd_source *s, const struct sd_profile *p,
    char *buf, size_t len)
{
	if (p->audio_channels > 0 && s->channels > p->audio_channels)
		snprintf(buf, len, "has %d channels, over the profile's %d",
		    s->channels, p->audio_channels);
	else if (p->audio_sample_rate > 0 && s->sample_rate > 0 &&
	    s->sample_rate != p->audio_sample_rate)
		snprintf(buf, len, "is sampled at %d Hz, not the profile's %d",
		    s->sample_rate, p->audio_sample_rate);
	else if (p->audio_bitrate > 0 &&
	    s->audio_bitrate > p->audio_bitrate * RATE_SLACK)
		snprintf(buf, len, "runs at %lld kbit/s, over the profile's "
		    "%lld kbit/s", s->audio_bitrate / 1000,
		    p->audio_bitrate / 1000);
	else
		return NULL;
	return buf;
}

/*
 * One track's action: none (no such track), copy, or the profile's
 * encoder. kind is "video" or "audio"; reasons go to notes.
 */
static void
choose_track(const char *kind, const char *src_codec, const char *enc,
    const char *over, const struct sd_profile *p, char *action, size_t len,
    struct sd_rec *notes)
{
	const char *want = sd_encoder_codec(enc);
	const char *have = sd_codec_label(src_codec);

	if (*src_codec == '\0') {
		strlcpy(action, "none", len);
		return;
	}
	if (p == NULL || strcmp(enc, "copy") == 0 || *enc == '\0') {
		strlcpy(action, "copy", len);
		return;
	}
	strlcpy(action, enc, len);
	if (want == NULL)
		sd_rec_addm(notes, "reason", "Profile %s names %s, an encoder "
		    "sd does not know, so the %s is encoded with it.", p->name,
		    enc, kind);
	else if (strcmp(want, src_codec) != 0)
		sd_rec_addm(notes, "reason", "The source's %s is %s, not the "
		    "%s profile %s wants: it is encoded with %s.", kind, have,
		    sd_codec_label(want), p->name, enc);
	else if (over != NULL)
		sd_rec_addm(notes, "reason", "The source's %s %s %s: it is "
		    "encoded again with %s.", have, kind, over, enc);
	else {
		strlcpy(action, "copy", len);
		sd_rec_addm(notes, "reason", "The source's %s %s already is "
		    "what profile %s wants: it is copied, not re-encoded.",
		    have, kind, p->name);
	}
}

static void
choose_tracks(const struct sd_source *s, const struct sd_profile *p,
    struct sd_plan *plan, struct sd_rec *notes)
{
	char vbuf[160], abuf[160];
	const char *vover = NULL, *aover = NULL;

	if (p != NULL) {
		vover = video_over_limit(s, p, vbuf, sizeof(vbuf));
		aover = audio_over_limit(s, p, abuf, sizeof(abuf));
	}
	choose_track("video", s->video_codec, p ? p->video_codec : "copy",
	    vover, p, plan->video, sizeof(plan->video), notes);
	choose_track("audio", s->audio_codec, p ? p->audio_codec : "copy",
	    aover, p, plan->audio, sizeof(plan->audio), notes);
}

/* ---------------------------------------------------------------- hardware */

/* The hardware family of an encoder whose device sd checks; NONE: none. */
static enum sd_hw
device_hw(enum sd_hw hw)
{
	return sd_hw_device(hw) != NULL ? hw : SD_HW_NONE;
}

/*
 * hwaccel = nvenc|qsv|vaapi with a software encoder that has a hardware
 * twin means that twin: the profile asked for the GPU. Only libx264 and
 * libx265 have one (sd-decide(1)).
 */
static void
hw_upgrade(const struct sd_profile *p, struct sd_plan *plan,
    struct sd_rec *notes)
{
	enum sd_hw hw = device_hw(sd_hw_parse(p->hwaccel));
	const char *codec, *twin = NULL;

	if (p->hwaccel[0] == '\0' ||
	    device_hw(sd_encoder_hw(plan->video)) != SD_HW_NONE)
		return;
	codec = sd_encoder_codec(plan->video);
	if (codec != NULL &&
	    (strcmp(codec, "h264") == 0 || strcmp(codec, "hevc") == 0))
		twin = sd_hw_encoder(codec, hw);
	if (twin == NULL) {
		sd_rec_addm(notes, "warning", "hwaccel = %s is ignored: sd "
		    "knows no %s twin of %s.", p->hwaccel, hw != SD_HW_NONE ?
		    sd_hw_name(hw) : p->hwaccel, plan->video);
		return;
	}
	strlcpy(plan->video, twin, sizeof(plan->video));
}

static void
hw_device(const struct sd_profile *p, enum sd_hw hw, char *buf, size_t len)
{
	const char *d = p->hwaccel_device;

	if (hw == SD_HW_NVENC && isdigit((unsigned char)*d)) {
		strlcpy(buf, "/dev/nvidia", len);
		strlcat(buf, d, len);
	} else
		strlcpy(buf, *d ? d : sd_hw_device(hw), len);
}

/*
 * A hardware encoder needs its device. Missing: the software encoder
 * with a warning when the profile says fallback = software, else an error
 * that names encoder and device.
 */
static int
check_hw(const struct sd_profile *p, const struct sd_decide_opts *o,
    struct sd_plan *plan, struct sd_rec *notes)
{
	const char *root = o && o->dev_root ? o->dev_root : "";
	const char *sw;
	enum sd_hw hw;
	char path[512];
	int e;

	if (p == NULL || !sd_action_encodes(plan->video))
		return SD_EX_OK;
	hw_upgrade(p, plan, notes);
	if ((hw = device_hw(sd_encoder_hw(plan->video))) == SD_HW_NONE)
		return SD_EX_OK;
	hw_device(p, hw, plan->hw_device, sizeof(plan->hw_device));
	snprintf(path, sizeof(path), "%s%s", root, plan->hw_device);
	if (access(path, R_OK | W_OK) == 0) {
		strlcpy(plan->hw, sd_hw_name(hw), sizeof(plan->hw));
		return SD_EX_OK;
	}
	e = errno;
	sw = sd_software_encoder(plan->video);
	if (strcmp(p->fallback, "software") == 0 && sw != NULL) {
		sd_rec_addm(notes, "warning", "%s needs the device %s, which "
		    "is not usable here (%s): encoding with %s instead "
		    "(fallback = software).", plan->video, plan->hw_device,
		    strerror(e), sw);
		strlcpy(plan->video, sw, sizeof(plan->video));
		plan->hw_device[0] = '\0';
		return SD_EX_OK;
	}
	warnx("%s:%d: profile %s: %s needs the device %s, which is not usable "
	    "here (%s); set hwaccel_device to the right one, or add "
	    "fallback = software to encode with %s instead", p->path, p->line,
	    p->name, plan->video, plan->hw_device, strerror(e),
	    sw ? sw : "a software encoder");
	return SD_EX_CONFIG;
}

/*
 * The track reasons were written with the profile's encoder; hw_upgrade or
 * a fallback to software can change it: the reason names the one used (the
 * warning says why).
 */
static void
reason_encoder(struct sd_rec *notes, const char *from, const char *to)
{
	char pat[96], *v, *at, *nv;
	size_t i;

	if (strcmp(from, to) == 0 || (size_t)snprintf(pat, sizeof(pat),
	    "with %s.", from) >= sizeof(pat))
		return;
	for (i = 0; i < notes->n; i++) {
		v = notes->kv[i].value;
		if (strcmp(notes->kv[i].key, "reason") != 0 ||
		    (at = strstr(v, pat)) == NULL ||
		    asprintf(&nv, "%.*swith %s.%s", (int)(at - v), v, to,
		    at + strlen(pat)) == -1)
			continue;
		free(v);
		notes->kv[i].value = nv;
	}
}

/* ---------------------------------------------------------------- delivery */

/* The client takes the source as it is. */
static int
source_matches(const struct sd_source *s, enum sd_client c,
    const struct sd_profile *p)
{
	enum sd_container want = p ? p->container : SD_CONT_AUTO;
	int ts_segs = strcmp(s->segments, "ts") == 0;

	switch (c) {
	case SD_CLIENT_HLS:
		return strcmp(s->format, "hls") == 0 &&
		    (want == SD_CONT_AUTO ||
		    (want == SD_CONT_MPEGTS) == ts_segs);
	case SD_CLIENT_HLS_TS:
		return strcmp(s->format, "hls") == 0 && ts_segs;
	case SD_CLIENT_DASH:
		return strcmp(s->format, "dash") == 0;
	default:
		return strcmp(s->format, "mpegts") == 0;
	}
}

static enum delivery
choose_delivery(const struct sd_source *s, enum sd_client c,
    const struct sd_profile *p, const struct sd_plan *plan)
{
	if (sd_action_encodes(plan->video) || sd_action_encodes(plan->audio))
		return D_TRANSCODE;
	if (source_matches(s, c, p))
		return D_PASSTHROUGH;
	if (strcmp(s->format, "other") != 0)
		return D_REPACKAGE;
	return D_TRANSCODE;	/* ffmpeg reads it; tracks copied */
}

static enum sd_container
choose_container(const struct sd_source *s, enum sd_client c,
    const struct sd_profile *p, enum delivery d)
{
	if (d == D_PASSTHROUGH)
		return strcmp(s->format, "mpegts") == 0 ||
		    (strcmp(s->format, "hls") == 0 &&
		    strcmp(s->segments, "ts") == 0) ?
		    SD_CONT_MPEGTS : SD_CONT_FMP4;
	switch (c) {
	case SD_CLIENT_TS:
	case SD_CLIENT_HLS_TS:
		return SD_CONT_MPEGTS;
	case SD_CLIENT_DASH:
		return SD_CONT_FMP4;
	default:
		/* One CMAF store serves HLS and DASH clients alike. */
		return p && p->container == SD_CONT_MPEGTS ? SD_CONT_MPEGTS :
		    SD_CONT_FMP4;
	}
}

/* The first output codec MPEG-TS cannot carry, or NULL. */
static const char *
ts_misfit(const struct sd_source *s, const struct sd_plan *plan,
    const char **kind, int *encoded)
{
	const char *v = strcmp(plan->video, "copy") == 0 ? s->video_codec :
	    sd_encoder_codec(plan->video);
	const char *a = strcmp(plan->audio, "copy") == 0 ? s->audio_codec :
	    sd_encoder_codec(plan->audio);

	if (strcmp(plan->video, "none") != 0 && v != NULL && *v &&
	    !sd_codec_in_mpegts(v)) {
		*kind = "video";
		*encoded = sd_action_encodes(plan->video);
		return v;
	}
	if (strcmp(plan->audio, "none") != 0 && a != NULL && *a &&
	    !sd_codec_in_mpegts(a)) {
		*kind = "audio";
		*encoded = sd_action_encodes(plan->audio);
		return a;
	}
	return NULL;
}

/*
 * Why the client cannot take the result, and what to change; 0 when it
 * can. May switch an HLS client from MPEG-TS to fMP4 segments instead.
 */
static int
refusal(const struct sd_source *s, enum sd_client c,
    const struct sd_profile *p, enum delivery d, struct sd_plan *plan,
    struct sd_rec *notes, char *buf, size_t len)
{
	const char *codec, *kind;
	int encoded, ts_client = c == SD_CLIENT_TS || c == SD_CLIENT_HLS_TS;

	if (ts_client && p != NULL && p->container == SD_CONT_FMP4 &&
	    d != D_PASSTHROUGH) {
		snprintf(buf, len, "Profile %s sets container_format = fmp4, "
		    "which %s client cannot take: ask for HLS or DASH (a .m3u8 "
		    "or .mpd URL), or give the profile container_format = "
		    "auto.", p->name, c == SD_CLIENT_TS ? "a TS" :
		    "an HLS version 3");
		return 1;
	}
	if (plan->container != SD_CONT_MPEGTS || d == D_PASSTHROUGH ||
	    (codec = ts_misfit(s, plan, &kind, &encoded)) == NULL)
		return 0;
	if (!ts_client) {
		plan->container = SD_CONT_FMP4;
		sd_rec_addm(notes, "warning", "MPEG-TS cannot carry %s %s, so "
		    "the segments are fMP4 (HLS version 7) despite "
		    "container_format = mpegts.", sd_codec_label(codec), kind);
		return 0;
	}
	if (encoded)
		snprintf(buf, len, "Profile %s encodes %s %s, which MPEG-TS "
		    "cannot carry (VP9, AV1 and Opus need fMP4): ask for HLS "
		    "or DASH (a .m3u8 or .mpd URL), or use a profile with "
		    "H.264 or HEVC and AAC, such as Universal.", p->name,
		    sd_codec_label(codec), kind);
	else
		snprintf(buf, len, "The source's %s %s cannot be carried in "
		    "MPEG-TS (VP9, AV1 and Opus need fMP4): ask for HLS or DASH "
		    "(a .m3u8 or .mpd URL), or use a profile that encodes it, "
		    "such as Universal (H.264 + AAC).", sd_codec_label(codec),
		    kind);
	return 1;
}

/* The first reason: what happens, in one sentence. */
static void
summary(const struct sd_source *s, enum sd_client c,
    const struct sd_profile *p, enum delivery d, const struct sd_plan *plan,
    struct sd_rec *out)
{
	char sbuf[128];
	const char *src = source_label(s, sbuf, sizeof(sbuf));
	const char *into = plan->container == SD_CONT_FMP4 ?
	    "CMAF fMP4 segments, one store that serves HLS and DASH alike" :
	    c == SD_CLIENT_TS ? "one MPEG-TS stream" :
	    "MPEG-TS segments (HLS version 3)";
	int ev = sd_action_encodes(plan->video);
	int ea = sd_action_encodes(plan->audio);

	if (d == D_PASSTHROUGH)
		sd_rec_addm(out, "reason", "The source is %s and the client "
		    "takes %s: it passes through unchanged.", src,
		    client_label(c));
	else if (d == D_REPACKAGE)
		sd_rec_addm(out, "reason", "The source is %s and the client "
		    "takes %s: its tracks are repackaged, not re-encoded, "
		    "into %s.", src, client_label(c), into);
	else if (!ev && !ea)
		sd_rec_addm(out, "reason", "The source is %s: ffmpeg reads it "
		    "and copies its tracks into %s.", src, into);
	else
		sd_rec_addm(out, "reason", "Profile %s needs ffmpeg to encode "
		    "%s, and its output goes into %s.", p->name, ev && ea ?
		    "video and audio" : ev ? "the video only" :
		    "the audio only", into);
}

static void
emit_head(struct sd_rec *out, const char *delivery, enum sd_client c,
    const struct sd_profile *p)
{
	sd_rec_add(out, "delivery", "%s", delivery);
	sd_rec_add(out, "client", "%s", sd_client_name(c));
	sd_rec_add(out, "profile", "%s", p ? p->name : "");
}

static void
append(struct sd_rec *out, const struct sd_rec *notes, const char *key)
{
	size_t i;

	for (i = 0; i < notes->n; i++)
		if (strcmp(notes->kv[i].key, key) == 0)
			sd_rec_addm(out, key, "%s", notes->kv[i].value);
}

static int
emit_argv(const struct sd_profile *p, const struct sd_source *s,
    const struct sd_plan *plan, const struct sd_decide_opts *o,
    struct sd_rec *out)
{
	struct sd_argv av;
	size_t i;

	sd_argv_init(&av);
	if (sd_ffmpeg_argv(p, s, plan, o ? o->input : NULL, &av) == -1) {
		sd_argv_free(&av);
		return -1;
	}
	sd_rec_add(out, "pipe_format", "%s", sd_plan_pipe_format(s, plan));
	for (i = 0; i < av.n; i++)
		sd_rec_addm(out, "ffmpeg_arg", "%s", av.v[i]);
	sd_argv_free(&av);
	return 0;
}

static int
emit(const struct sd_source *s, enum sd_client c, const struct sd_profile *p,
    enum delivery d, const struct sd_plan *plan,
    const struct sd_decide_opts *o, const struct sd_rec *notes,
    struct sd_rec *out)
{
	emit_head(out, delivery_names[d], c, p);
	sd_rec_add(out, "container", "%s", sd_container_name(plan->container));
	if (d != D_PASSTHROUGH &&
	    (c == SD_CLIENT_HLS || c == SD_CLIENT_HLS_TS))
		sd_rec_add(out, "hls_version", "%d",
		    plan->container == SD_CONT_FMP4 ? 7 : 3);
	sd_rec_add(out, "video", "%s", plan->video);
	sd_rec_add(out, "audio", "%s", plan->audio);
	if (plan->hw[0] != '\0') {
		sd_rec_add(out, "hwaccel", "%s", plan->hw);
		sd_rec_add(out, "hwaccel_device", "%s", plan->hw_device);
	}
	summary(s, c, p, d, plan, out);
	append(out, notes, "reason");
	append(out, notes, "warning");
	if (d == D_TRANSCODE)
		return emit_argv(p, s, plan, o, out);
	return 0;
}

/*
 * Which variant of an HLS master the live session reads (ingest.c picks
 * it the same way): source_variant= its index, and why.
 */
static void
note_source_variant(const struct sd_rec *cls, const struct sd_profile *p,
    struct sd_rec *out)
{
	char why[256];
	int v = sd_ingest_variant(cls, p, why, sizeof(why));

	if (v < 0)
		return;
	sd_rec_add(out, "source_variant", "%d", v);
	sd_rec_addm(out, "reason", "%s", why);
}

int
sd_decide(const struct sd_rec *cls, enum sd_client c,
    const struct sd_profile *p, const struct sd_decide_opts *o,
    struct sd_rec *out)
{
	struct sd_source s;
	struct sd_plan plan;
	struct sd_rec notes;
	enum delivery d;
	char why[512];
	int rv;

	if (sd_source_from_rec(cls, &s) == -1)
		return SD_EX_DATAERR;
	if ((size_t)c > SD_CLIENT_TS)
		return SD_EX_SOFTWARE;
	memset(&plan, 0, sizeof(plan));
	plan.segment_duration = p && p->segment_duration > 0 ?
	    p->segment_duration : o && o->segment_duration > 0 ?
	    o->segment_duration : 2;
	sd_rec_init(&notes);
	choose_tracks(&s, p, &plan, &notes);
	if ((rv = check_hw(p, o, &plan, &notes)) != SD_EX_OK)
		goto end;
	if (p != NULL && sd_action_encodes(plan.video))
		reason_encoder(&notes, p->video_codec, plan.video);
	d = choose_delivery(&s, c, p, &plan);
	if (d != D_PASSTHROUGH && s.video_codec[0] == '\0' &&
	    s.audio_codec[0] == '\0') {
		warnx("classification: no video_codec= or audio_codec=, so "
		    "there is nothing to %s (classify the source again)",
		    delivery_names[d]);
		rv = SD_EX_DATAERR;
		goto end;
	}
	plan.container = choose_container(&s, c, p, d);
	if (refusal(&s, c, p, d, &plan, &notes, why, sizeof(why))) {
		emit_head(out, "refused", c, p);
		sd_rec_addm(out, "reason", "%s", why);
		warnx("refused: %s", why);
		rv = SD_EX_REFUSED;
		goto end;
	}
	if (c == SD_CLIENT_DASH && p && p->container == SD_CONT_MPEGTS)
		sd_rec_addm(&notes, "reason", "DASH takes fMP4 only: "
		    "container_format = mpegts applies to HLS and TS clients.");
	if (s.encrypted && d != D_PASSTHROUGH)
		sd_rec_addm(&notes, "warning", "The source is encrypted: "
		    "only what ffmpeg can decrypt (HLS AES-128) can be %s.",
		    d == D_REPACKAGE ? "repackaged" : "transcoded");
	rv = emit(&s, c, p, d, &plan, o, &notes, out) == -1 ?
	    SD_EX_SOFTWARE : SD_EX_OK;
	if (rv == SD_EX_OK && d != D_PASSTHROUGH)
		note_source_variant(cls, p, out);
end:
	sd_rec_free(&notes);
	return rv;
}

int
sd_decide_proxy(const struct sd_config *cfg, const struct sd_proxy *px,
    const struct sd_rec *cls, enum sd_client c,
    const struct sd_decide_opts *o, struct sd_rec *out)
{
	struct sd_decide_opts po = { 0 };
	const struct sd_profile *p = NULL;
	int rv;

	if (px->mode == SD_MODE_DIRECT) {
		sd_rec_add(out, "delivery", "redirect");
		sd_rec_add(out, "client", "%s", sd_client_name(c));
		sd_rec_add(out, "proxy", "%s", px->id);
		sd_rec_add(out, "location", "%s", px->source);
		sd_rec_addm(out, "reason", "Proxy %s is in direct mode: the "
		    "client is sent to the source with an HTTP redirect.",
		    px->id);
		return SD_EX_OK;
	}
	if (px->profile[0] != '\0' &&
	    (p = sd_profile_find(cfg, px->profile)) == NULL) {
		warnx("%s:%d: proxy %s: no profile is named %s (sd-decide -l "
		    "lists them)", px->path, px->line, px->id, px->profile);
		return SD_EX_CONFIG;
	}
	if (cls == NULL)
		return SD_EX_DATAERR;
	if (o != NULL)
		po = *o;
	if (po.input == NULL)
		po.input = px->source;
	if (po.segment_duration <= 0)
		po.segment_duration = cfg->settings.segment_duration;
	rv = sd_decide(cls, c, p, &po, out);
	if (rv == SD_EX_OK || rv == SD_EX_REFUSED)
		sd_rec_add(out, "proxy", "%s", px->id);
	return rv;
}

int
sd_decision_argv(const struct sd_rec *decision, struct sd_argv *av)
{
	const char *a;
	size_t i;

	for (i = 0; (a = sd_rec_get_nth(decision, "ffmpeg_arg", i)) != NULL;
	    i++)
		if (sd_argv_add(av, a) == -1)
			return -1;
	return i > 0 ? 0 : -1;
}
