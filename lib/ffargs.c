/*
 * ffargs.c - the ffmpeg argv of a transcode (the seed's command_builder).
 * What it knows of codecs and encoders comes from codec_table.c.
 *
 * The argv is an array, never a shell string: sd-serve execs it as is.
 * Profile option strings are split on blanks, so a value from profiles.ini
 * can add arguments but never run a command.
 */
#include <err.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sd.h"
#include "codec_table.h"
#include "decide_int.h"

#define ARGV_MAX 512	/* no sane ffmpeg command is near this */
/* The end of add()'s list: a null pointer of the type va_arg reads. */
#define ARGS_END ((const char *)NULL)

/* ---------------------------------------------------------------- argv */

void
sd_argv_init(struct sd_argv *av)
{
	memset(av, 0, sizeof(*av));
}

void
sd_argv_free(struct sd_argv *av)
{
	size_t i;

	for (i = 0; i < av->n; i++)
		free(av->v[i]);
	free(av->v);
	sd_argv_init(av);
}

int
sd_argv_add(struct sd_argv *av, const char *arg)
{
	char **v;
	size_t cap;

	if (av->n + 2 > av->cap) {
		cap = av->cap ? av->cap * 2 : 32;
		if (cap > ARGV_MAX ||
		    (v = reallocarray(av->v, cap, sizeof(*v))) == NULL) {
			errno = E2BIG;
			return -1;
		}
		av->v = v;
		av->cap = cap;
	}
	if ((av->v[av->n] = strdup(arg)) == NULL)
		return -1;
	av->v[++av->n] = NULL;
	return 0;
}

int
sd_argv_add_words(struct sd_argv *av, const char *s)
{
	char word[512];
	size_t n;

	while (s != NULL && *s != '\0') {
		s += strspn(s, " \t");
		n = strcspn(s, " \t");
		if (n == 0)
			break;
		if (n >= sizeof(word)) {
			errno = E2BIG;
			return -1;
		}
		memcpy(word, s, n);
		word[n] = '\0';
		if (sd_argv_add(av, word) == -1)
			return -1;
		s += n;
	}
	return 0;
}

/* Add a NULL-terminated list of arguments. */
static int
add(struct sd_argv *av, ...)
{
	va_list ap;
	const char *a;
	int rv = 0;

	va_start(ap, av);
	while ((a = va_arg(ap, const char *)) != NULL)
		if (sd_argv_add(av, a) == -1)
			rv = -1;
	va_end(ap);
	return rv;
}

static int
addf(struct sd_argv *av, const char *opt, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Add opt and a printf-formatted value. */
static int
addf(struct sd_argv *av, const char *opt, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf)) {
		errno = E2BIG;
		return -1;
	}
	return add(av, opt, buf, ARGS_END);
}

/* ---------------------------------------------------------------- the plan */

/* The codec a track of the output has: encoded, copied, or none (NULL). */
static const char *
out_codec(const char *action, const char *src_codec)
{
	if (strcmp(action, "none") == 0 || *action == '\0')
		return NULL;
	if (strcmp(action, "copy") == 0)
		return *src_codec ? src_codec : NULL;
	return sd_encoder_codec(action);
}

const char *
sd_plan_pipe_format(const struct sd_source *src, const struct sd_plan *plan)
{
	const char *v = out_codec(plan->video, src->video_codec);
	const char *a = out_codec(plan->audio, src->audio_codec);

	/*
	 * libaom-av1 (FFmpeg 5.1) hands out its sequence header only with
	 * the first packet, which the Matroska muxer can write only by
	 * seeking back: on a pipe it fails ("Invalid data found"). NUT takes
	 * it; sd-cmafmux reads whatever libavformat does.
	 */
	if (strcmp(plan->video, "libaom-av1") == 0)
		return "nut";
	/* Matroska carries anything; sd-cmafmux reads both. */
	if ((v != NULL && !sd_codec_in_mpegts(v)) ||
	    (a != NULL && !sd_codec_in_mpegts(a)))
		return "matroska";
	return "mpegts";
}

/* ---------------------------------------------------------------- input */

/* Hardware setup before -i: decode on the device where that helps. */
static int
hw_input(const struct sd_plan *plan, struct sd_argv *av)
{
	enum sd_hw hw = sd_hw_parse(plan->hw);

	if (hw == SD_HW_NVENC) {
		/* The GPU index: /dev/nvidiaN gives N. */
		const char *d = plan->hw_device, *n = strpbrk(d, "0123456789");
		if (add(av, "-hwaccel", "cuda", "-hwaccel_output_format",
		    "cuda", ARGS_END) == -1)
			return -1;
		if (n != NULL && add(av, "-hwaccel_device", n, ARGS_END) == -1)
			return -1;
		return 0;
	}
	if (hw == SD_HW_QSV)
		return addf(av, "-init_hw_device", "qsv=hw:hw,child_device=%s",
		    plan->hw_device) == -1 ||
		    add(av, "-filter_hw_device", "hw", ARGS_END) == -1 ? -1 : 0;
	if (hw == SD_HW_VAAPI)
		return add(av, "-vaapi_device", plan->hw_device, ARGS_END);
	return 0;
}

/* ---------------------------------------------------------------- video */

/* 1 when s is a whole non-negative decimal number. */
static int
is_number(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

/* x264's preset names as a speed number (SVT-AV1 and libvpx's scale). */
static int
preset_speed(const char *preset, int dflt, int max)
{
	static const char *const names[] = {
		"placebo", "veryslow", "slower", "slow", "medium", "fast",
		"faster", "veryfast", "superfast", "ultrafast",
	};
	size_t i;
	int v;

	if (is_number(preset) && strlen(preset) < 4) {
		v = atoi(preset);
		return v > max ? max : v;
	}
	for (i = 0; i < SD_ARRAY_LEN(names); i++)
		if (strcmp(preset, names[i]) == 0)
			return (int)(i * (size_t)max / (SD_ARRAY_LEN(names) - 1));
	return dflt;
}

/* Preset and quality options: each encoder family spells them its way. */
static int
video_quality(const struct sd_profile *p, const char *enc, struct sd_argv *av)
{
	const char *preset = p->preset;
	enum sd_hw hw = sd_encoder_hw(enc);
	int rv = 0;

	if (strcmp(enc, "libvpx-vp9") == 0 || strcmp(enc, "libvpx") == 0) {
		/* Live work: the realtime deadline keeps up (5.7x at 720p). */
		rv |= add(av, "-deadline", "realtime", "-row-mt", "1", ARGS_END);
		rv |= addf(av, "-cpu-used", "%d", preset_speed(preset, 8, 8));
		if (p->crf >= 0)
			rv |= addf(av, "-crf", "%d", p->crf);
	} else if (strcmp(enc, "libaom-av1") == 0) {
		/*
		 * libaom's default usage runs at 0.4x: realtime or nothing.
		 * FFmpeg 5.1's wrapper takes cpu-used 0 to 8 only.
		 */
		rv |= add(av, "-usage", "realtime", ARGS_END);
		rv |= addf(av, "-cpu-used", "%d", preset_speed(preset, 8, 8));
		if (p->crf >= 0)
			rv |= addf(av, "-crf", "%d", p->crf);
	} else if (strcmp(enc, "libsvtav1") == 0) {
		rv |= addf(av, "-preset", "%d", preset_speed(preset, 10, 13));
		if (p->crf >= 0)
			rv |= addf(av, "-crf", "%d", p->crf);
	} else if (strcmp(enc, "librav1e") == 0) {
		rv |= addf(av, "-speed", "%d", preset_speed(preset, 10, 10));
		if (p->crf >= 0)
			rv |= addf(av, "-qp", "%d", p->crf);
	} else if (hw == SD_HW_NVENC) {
		if (*preset)
			rv |= add(av, "-preset", preset, ARGS_END);
		/* A forced keyframe must be an IDR for a segment to start. */
		rv |= add(av, "-forced-idr", "1", ARGS_END);
		if (p->crf >= 0)
			rv |= addf(av, "-cq", "%d", p->crf);
	} else if (hw == SD_HW_QSV) {
		if (*preset)
			rv |= add(av, "-preset", preset, ARGS_END);
		if (p->crf >= 0)
			rv |= addf(av, "-global_quality", "%d", p->crf);
	} else if (hw == SD_HW_VAAPI) {
		/* VA-API has no presets. */
		if (p->crf >= 0)
			rv |= addf(av, "-qp", "%d", p->crf);
	} else {
		if (*preset)
			rv |= add(av, "-preset", preset, ARGS_END);
		if (p->crf >= 0)
			rv |= addf(av, "-crf", "%d", p->crf);
	}
	return rv ? -1 : 0;
}

/*
 * Rate control: crf when the profile sets one (a VP9 crf needs -b:v 0),
 * else the profile's bitrate, else the source's ("0: keep the source's"),
 * else the encoder's default; maxrate/bufsize cap any of them.
 */
static int
video_rate(const struct sd_profile *p, const struct sd_source *src,
    const char *enc, struct sd_argv *av)
{
	long long b = p->video_bitrate > 0 ? p->video_bitrate :
	    src->video_bitrate;
	int rv = 0;

	if (p->crf >= 0) {
		if (strcmp(enc, "libvpx-vp9") == 0 || strcmp(enc, "libvpx") == 0)
			rv |= add(av, "-b:v", "0", ARGS_END);
	} else if (b > 0) {
		if (p->maxrate > 0 && b > p->maxrate)
			b = p->maxrate;
		rv |= addf(av, "-b:v", "%lld", b);
	}
	if (p->maxrate > 0) {
		rv |= addf(av, "-maxrate", "%lld", p->maxrate);
		rv |= addf(av, "-bufsize", "%lld",
		    p->bufsize > 0 ? p->bufsize : 2 * p->maxrate);
	} else if (p->bufsize > 0)
		rv |= addf(av, "-bufsize", "%lld", p->bufsize);
	return rv ? -1 : 0;
}

/*
 * The filter chain: scale down to the size limits keeping the aspect
 * (min() never upscales; even sizes for 4:2:0), then the upload a
 * hardware encoder needs. NVENC takes CUDA frames from the decoder, so it
 * scales there. Empty when nothing is to be done.
 */
static int
video_filter(const struct sd_profile *p, const struct sd_plan *plan,
    char *buf, size_t len)
{
	enum sd_hw hw = sd_hw_parse(plan->hw);
	const char *scale = hw == SD_HW_NVENC ? "scale_cuda" : "scale";
	int n = 0, m;

	buf[0] = '\0';
	if (p->width > 0 && p->height > 0)
		n = snprintf(buf, len, "%s=w='min(%d,iw)':h='min(%d,ih)'"
		    ":force_original_aspect_ratio=decrease:force_divisible_by=2",
		    scale, p->width, p->height);
	else if (p->width > 0)
		n = snprintf(buf, len, "%s='min(%d,iw)':-2", scale, p->width);
	else if (p->height > 0)
		n = snprintf(buf, len, "%s=-2:'min(%d,ih)'", scale, p->height);
	if (n < 0 || (size_t)n >= len)
		return -1;
	if (hw == SD_HW_VAAPI || hw == SD_HW_QSV) {
		m = snprintf(buf + n, len - (size_t)n, "%sformat=nv12,hwupload%s",
		    n ? "," : "", hw == SD_HW_QSV ?
		    "=extra_hw_frames=64" : "");
		if (m < 0 || (size_t)m >= len - (size_t)n)
			return -1;
	}
	return 0;
}

/* The frame rate the output has: the profile's limit or the source's. */
static double
out_rate(const struct sd_profile *p, const struct sd_source *src)
{
	double lim = 0, num, den;
	char *end;

	if (p->framerate[0] != '\0') {
		num = strtod(p->framerate, &end);
		den = *end == '/' ? strtod(end + 1, NULL) : 1;
		if (num > 0 && den > 0)
			lim = num / den;
	}
	if (lim > 0 && (src->frame_rate <= 0 || src->frame_rate > lim))
		return lim;
	return src->frame_rate;
}

/* Keyframes on segment boundaries, so every segment can start one. */
static int
video_gop(const struct sd_profile *p, const struct sd_source *src,
    const struct sd_plan *plan, struct sd_argv *av)
{
	double seg = plan->segment_duration > 0 ? plan->segment_duration : 2;
	double fps = out_rate(p, src);
	int rv = 0;

	if (fps > 0 && fps * seg < 10000)
		rv |= addf(av, "-g", "%d", (int)(fps * seg + 0.5));
	/* No scene-cut keyframes between the forced ones: even GOPs. */
	if (strcmp(plan->video, "libx264") == 0)
		rv |= add(av, "-sc_threshold", "0", ARGS_END);
	/* x265 says it in its own parameters, and logs less there. */
	if (strcmp(plan->video, "libx265") == 0)
		rv |= add(av, "-x265-params", "scenecut=0:log-level=warning",
		    ARGS_END);
	rv |= addf(av, "-force_key_frames", "expr:gte(t,n_forced*%g)", seg);
	return rv ? -1 : 0;
}

static int
video_args(const struct sd_profile *p, const struct sd_source *src,
    const struct sd_plan *plan, struct sd_argv *av)
{
	const char *enc = plan->video;
	char vf[512];

	if (!sd_action_encodes(enc))
		return add(av, "-c:v", "copy", ARGS_END);
	if (add(av, "-c:v", enc, ARGS_END) == -1 ||
	    video_quality(p, enc, av) == -1 ||
	    video_rate(p, src, enc, av) == -1 ||
	    video_filter(p, plan, vf, sizeof(vf)) == -1)
		return -1;
	if (vf[0] != '\0' && add(av, "-vf", vf, ARGS_END) == -1)
		return -1;
	/* Players want 8-bit 4:2:0 whatever the source is. */
	if (plan->hw[0] == '\0' && strcmp(enc, "libx264rgb") != 0 &&
	    add(av, "-pix_fmt", "yuv420p", ARGS_END) == -1)
		return -1;
	if (p->framerate[0] != '\0' && out_rate(p, src) != src->frame_rate &&
	    add(av, "-r", p->framerate, ARGS_END) == -1)
		return -1;
	return video_gop(p, src, plan, av);
}

/* ---------------------------------------------------------------- audio */

static int
audio_args(const struct sd_profile *p, const struct sd_plan *plan,
    struct sd_argv *av)
{
	int rv = 0;

	if (!sd_action_encodes(plan->audio))
		return add(av, "-c:a", "copy", ARGS_END);
	rv |= add(av, "-c:a", plan->audio, ARGS_END);
	if (p->audio_bitrate > 0)
		rv |= addf(av, "-b:a", "%lld", p->audio_bitrate);
	if (p->audio_channels > 0)
		rv |= addf(av, "-ac", "%d", p->audio_channels);
	if (p->audio_sample_rate > 0)
		rv |= addf(av, "-ar", "%d", p->audio_sample_rate);
	return rv ? -1 : 0;
}

/* ---------------------------------------------------------------- argv */

static int
output_args(const struct sd_profile *p, const struct sd_source *src,
    const struct sd_plan *plan, struct sd_argv *av)
{
	const char *fmt = sd_plan_pipe_format(src, plan);

	if (sd_argv_add_words(av, p->output_options) == -1)
		return -1;
	/* Packets out as soon as they are muxed: a live pipe, not a file. */
	if (add(av, "-flush_packets", "1", "-f", fmt, ARGS_END) == -1)
		return -1;
	if (strcmp(fmt, "mpegts") == 0 &&
	    add(av, "-muxdelay", "0", "-muxpreload", "0", ARGS_END) == -1)
		return -1;
	return add(av, "pipe:1", ARGS_END);
}

int
sd_ffmpeg_argv(const struct sd_profile *p, const struct sd_source *src,
    const struct sd_plan *plan, const char *input, struct sd_argv *av)
{
	static const struct sd_profile none = { .crf = -1 };
	int has_v = strcmp(plan->video, "none") != 0;
	int has_a = strcmp(plan->audio, "none") != 0;

	if (p == NULL)
		p = &none;	/* a remux: every track copied */
	errno = 0;
	if (add(av, "ffmpeg", "-nostdin", "-hide_banner", "-loglevel",
	    "warning", ARGS_END) == -1 ||
	    sd_argv_add_words(av, p->input_options) == -1 ||
	    (sd_action_encodes(plan->video) && hw_input(plan, av) == -1) ||
	    add(av, "-i", input ? input : "pipe:0", ARGS_END) == -1)
		goto fail;
	/* The first video and every audio track (languages, commentary). */
	if (has_v && add(av, "-map", "0:v:0?", ARGS_END) == -1)
		goto fail;
	if (has_a && add(av, "-map", "0:a?", ARGS_END) == -1)
		goto fail;
	if ((has_v && video_args(p, src, plan, av) == -1) ||
	    (has_a && audio_args(p, plan, av) == -1) ||
	    add(av, "-sn", "-dn", ARGS_END) == -1 ||
	    output_args(p, src, plan, av) == -1)
		goto fail;
	return 0;
fail:
	warnx("ffmpeg arguments: %s", strerror(errno ? errno : E2BIG));
	return -1;
}
