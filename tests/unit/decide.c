/*
 * decide.c - unit tests of the pure decide logic: client-format rules on
 * hostile and odd headers, the classification reader's bounds, the argv
 * builder's options per encoder family, and sd_decide/sd_decide_proxy with
 * profiles built in C. (tests/decide.t runs the program and ffmpeg.)
 */
#include <errno.h>

#include "sd.h"
#include "config.h"
#include "decide_int.h"
#include "util_int.h"
#include "mtap.h"

/* ---------------------------------------------------------------- helpers */

static void
rec_of(struct sd_rec *r, const char *text)
{
	sd_rec_init(r);
	if (sd_rec_parse(r, text, strlen(text), "test") == -1) {
		printf("Bail out! bad test record\n");
		exit(2);
	}
}

/* The argv joined by blanks, for matching. */
static const char *
joined(const struct sd_argv *av)
{
	static char buf[8192];
	size_t i;

	buf[0] = '\0';
	for (i = 0; i < av->n; i++) {
		if (i)
			strlcat(buf, " ", sizeof(buf));
		strlcat(buf, av->v[i], sizeof(buf));
	}
	return buf;
}

static void
has(const char *hay, const char *needle, const char *desc)
{
	int yes = strstr(hay, needle) != NULL;

	ok(yes, desc);
	if (!yes)
		printf("# no \"%s\" in:\n# %s\n", needle, hay);
}

static void
hasnt(const char *hay, const char *needle, const char *desc)
{
	int no = strstr(hay, needle) == NULL;

	ok(no, desc);
	if (!no)
		printf("# \"%s\" is in:\n# %s\n", needle, hay);
}

static struct sd_profile
prof(const char *name, const char *v, const char *a)
{
	struct sd_profile p;

	sd_profile_defaults(&p, name);
	strlcpy(p.video_codec, v, sizeof(p.video_codec));
	strlcpy(p.audio_codec, a, sizeof(p.audio_codec));
	return p;
}

static const char H264_MP2[] =
    "format=mpegts\ncontainer=mpegts\nvideo_codec=h264\nwidth=1280\n"
    "height=720\nframe_rate=25\nvideo_bitrate=3000000\naudio_codec=mp2\n"
    "audio_tracks=2\nchannels=2\nsample_rate=48000\naudio_bitrate=192000\n";

/* ---------------------------------------------------------------- client */

static void
test_client(void)
{
	enum sd_client c = SD_CLIENT_DASH;
	char big[9000];
	const char *why;

	ok(sd_client_parse("HLS", &c) == 0 && c == SD_CLIENT_HLS,
	    "parse: HLS, any case");
	ok(sd_client_parse("mpegts", &c) == 0 && c == SD_CLIENT_TS,
	    "parse: mpegts is ts");
	ok(sd_client_parse("flv", &c) == -1 && sd_client_parse(NULL, &c) == -1,
	    "parse: flv and NULL are not formats");
	is_str(sd_client_name(SD_CLIENT_HLS_TS), "hls-ts", "name: hls-ts");
	is_str(sd_client_name((enum sd_client)42), "?", "name: out of range");

	ok(sd_client_from_url("/a.mpd?format=", &c) == 0 &&
	    c == SD_CLIENT_DASH, "url: empty format= falls back to the path");
	ok(sd_client_from_url("/a?format=dashdashdashdashdash", &c) == -1,
	    "url: an over-long format= is ignored");
	ok(sd_client_from_url("/a#x.m3u8", &c) == -1,
	    "url: a fragment is not the path");
	ok(sd_client_from_url("/a;format=ts", &c) == -1,
	    "url: format= only in the query");
	ok(sd_client_from_url("/a?format=ts#f", &c) == 0 && c == SD_CLIENT_TS,
	    "url: format= before a fragment");
	ok(sd_client_from_url("/a?b=1;format=hls-ts", &c) == 0 &&
	    c == SD_CLIENT_HLS_TS, "url: ; separates parameters too");
	ok(sd_client_from_url("/.ts", &c) == 0 && sd_client_from_url("ts", &c)
	    == -1, "url: .ts needs the dot");

	ok(sd_client_from_accept("video/mp2t;q=0.1,application/dash+xml;"
	    "q=0.2", &c) == 0 && c == SD_CLIENT_DASH, "accept: higher q wins");
	ok(sd_client_from_accept("video/mp2t, application/dash+xml", &c) ==
	    0 && c == SD_CLIENT_TS, "accept: the first of equal q wins");
	ok(sd_client_from_accept("video/mp2t;q=0", &c) == -1,
	    "accept: q=0 means not acceptable");
	ok(sd_client_from_accept("video/mp2t;q=1.000,audio/mpegurl;q=7", &c)
	    == 0 && c == SD_CLIENT_TS, "accept: a q above 1 is not believed");
	ok(sd_client_from_accept("video/mp2tx, text/video/mp2t", &c) == -1,
	    "accept: only whole media types");
	ok(sd_client_from_accept(";;;,,,;q=", &c) == -1,
	    "accept: garbage decides nothing");
	memset(big, ' ', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big + 8000, "video/mp2t", 10);
	ok(sd_client_from_accept(big, &c) == -1,
	    "accept: only the first 4 KiB are looked at");
	memcpy(big + 8000, "VLC/3.0.0", 9);
	ok(sd_client_from_ua(big, &c) == -1,
	    "ua: only the first 4 KiB are looked at");

	ok(sd_client_from_ua("", &c) == -1 && sd_client_from_ua(NULL, &c) ==
	    -1, "ua: empty or absent decides nothing");
	ok(sd_client_from_ua("Mozilla/5.0 (iPad; CPU OS 9_3_5 like Mac OS X) "
	    "AppleWebKit/601.1.46 Version/9.0 Mobile/13G36 Safari/601.1", &c)
	    == 0 && c == SD_CLIENT_HLS_TS, "ua: iPad on iOS 9: HLS v3");
	ok(sd_client_from_ua("AppleCoreMedia/1.0.0.21A329 (iPhone; U; CPU OS "
	    "17_0 like Mac OS X)", &c) == 0 && c == SD_CLIENT_HLS,
	    "ua: iOS 17 AppleCoreMedia: HLS");
	ok(sd_client_from_ua("Mozilla/5.0 (iPhone; CPU iPhone OS 10_0 like "
	    "Mac OS X) Safari/602.1", &c) == 0 && c == SD_CLIENT_HLS,
	    "ua: iOS 10 takes fMP4");

	c = sd_client_format(NULL, NULL, NULL, &why);
	ok(c == SD_CLIENT_HLS && strstr(why, "no rule") != NULL,
	    "format: nothing known gives HLS, and says so");
	c = sd_client_format("/x", "application/dash+xml", "VLC/3", &why);
	ok(c == SD_CLIENT_DASH && strstr(why, "Accept") != NULL,
	    "format: Accept before User-Agent");
}

/* ---------------------------------------------------------------- source */

static void
test_source(void)
{
	struct sd_source s;
	struct sd_rec r;
	const char *err;
	static const char *const bad[] = {
		"format=hls\nwidth=70000\n",
		"format=hls\nframe_rate=30000/0\n",
		"format=hls\nframe_rate=25fps\n",
		"format=hls\nframe_rate=-1\n",
		"format=hls\nvideo_bitrate=1e6\n",
		"format=hls\nvideo_codec=h264;rm\n",
		"format=hls\nvideo_codec=h264h264h264h264h264h264h264h264h\n",
		"format=HLS\n",
		"container=mpegts\n",
	};
	size_t i;

	rec_of(&r, "format=hls\nhls_segments=fmp4\nvideo_codec=h264\n"
	    "frame_rate=30000/1001\nbitrate=2128000\naudio_codec=aac\n"
	    "audio_bitrate=64000\naudio_tracks=2\n");
	ok(sd_source_from_rec(&r, &s) == 0, "a good record reads");
	ok(s.frame_rate > 29.97 && s.frame_rate < 29.98, "30000/1001 frame/s");
	ok(s.video_bitrate == 2000000, "video rate: the total less 2 audio tracks");
	is_str(s.segments, "fmp4", "hls_segments=fmp4");
	sd_rec_free(&r);
	rec_of(&r, "format=hls\n");
	ok(sd_source_from_rec(&r, &s) == 0 && strcmp(s.segments, "ts") == 0 &&
	    s.video_codec[0] == '\0', "bare HLS: TS segments, no tracks");
	sd_rec_free(&r);
	for (i = 0; i < SD_ARRAY_LEN(bad); i++) {
		char desc[160];

		rec_of(&r, bad[i]);
		capture_start();
		snprintf(desc, sizeof(desc), "bad record %zu rejected with a "
		    "warning", i);
		ok(sd_source_from_rec(&r, &s) == -1 &&
		    (err = capture_end(), strstr(err, "classification") != NULL),
		    desc);
		sd_rec_free(&r);
	}
}

/* ---------------------------------------------------------------- argv */

static int
argv_of(const struct sd_profile *p, const char *rec, const char *v,
    const char *a, const char *hw, struct sd_argv *av)
{
	struct sd_source s;
	struct sd_plan plan;
	struct sd_rec r;
	int rv;

	rec_of(&r, rec);
	sd_source_from_rec(&r, &s);
	sd_rec_free(&r);
	memset(&plan, 0, sizeof(plan));
	strlcpy(plan.video, v, sizeof(plan.video));
	strlcpy(plan.audio, a, sizeof(plan.audio));
	strlcpy(plan.hw, hw, sizeof(plan.hw));
	strlcpy(plan.hw_device, "/dev/dri/renderD128", sizeof(plan.hw_device));
	plan.segment_duration = 4;
	sd_argv_init(av);
	rv = sd_ffmpeg_argv(p, &s, &plan, "http://x/y.ts", av);
	return rv;
}

static void
test_argv(void)
{
	struct sd_profile p = prof("T", "libx264", "aac");
	struct sd_argv av;
	const char *j;
	char words[2048];
	size_t i;

	p.width = 640;
	p.crf = 23;
	p.maxrate = 1000000;
	strlcpy(p.input_options, " -re\t -fflags  +genpts ", sizeof(p.input_options));
	strlcpy(p.output_options, "-metadata title=x", sizeof(p.output_options));
	ok(argv_of(&p, H264_MP2, "libx264", "aac", "", &av) == 0, "x264 argv");
	j = joined(&av);
	has(j, "ffmpeg -nostdin -hide_banner -loglevel warning -re -fflags "
	    "+genpts -i http://x/y.ts -map 0:v:0? -map 0:a? -c:v libx264",
	    "input options split on blanks, before -i");
	has(j, "-crf 23 -maxrate 1000000 -bufsize 2000000", "crf with maxrate, "
	    "bufsize twice maxrate");
	hasnt(j, "-b:v", "crf: no -b:v");
	has(j, "-vf scale='min(640,iw)':-2 ", "width limit: scale keeps aspect");
	has(j, "-g 100 -sc_threshold 0 -force_key_frames "
	    "expr:gte(t,n_forced*4)", "a keyframe every 4 s segment");
	has(j, "-metadata title=x -flush_packets 1 -f mpegts -muxdelay 0 "
	    "-muxpreload 0 pipe:1", "output options, then MPEG-TS to pipe:1");
	ok(strcmp(av.v[av.n - 1], "pipe:1") == 0 && av.v[av.n] == NULL,
	    "argv is NULL-terminated");
	sd_argv_free(&av);

	p = prof("T", "libvpx-vp9", "libopus");
	p.crf = 31;
	p.height = 360;
	strlcpy(p.framerate, "30000/1001", sizeof(p.framerate));
	argv_of(&p, H264_MP2, "libvpx-vp9", "libopus", "", &av);
	j = joined(&av);
	has(j, "-deadline realtime -row-mt 1 -cpu-used 8 -crf 31 -b:v 0",
	    "vp9: realtime, crf with -b:v 0");
	has(j, "-vf scale=-2:'min(360,ih)'", "height limit");
	hasnt(j, "-r 30000/1001", "no -r: the source's 25 is under the limit");
	has(j, "-f matroska pipe:1", "VP9 + Opus: Matroska");
	sd_argv_free(&av);

	p = prof("T", "libsvtav1", "copy");
	p.video_bitrate = 5000000;
	p.maxrate = 2000000;
	strlcpy(p.preset, "ultrafast", sizeof(p.preset));
	strlcpy(p.framerate, "12.5", sizeof(p.framerate));
	argv_of(&p, H264_MP2, "libsvtav1", "copy", "", &av);
	j = joined(&av);
	has(j, "-preset 13 -b:v 2000000 -maxrate 2000000",
	    "svt-av1: ultrafast is preset 13; maxrate caps the bitrate");
	has(j, "-r 12.5 -g 50 ", "frame-rate limit: -r, and the GOP follows it");
	has(j, "-c:a copy -sn", "copied audio");
	has(j, "-f matroska", "AV1: Matroska");
	sd_argv_free(&av);

	p = prof("T", "h264_vaapi", "aac");
	p.width = 1280;
	p.height = 720;
	p.crf = 20;
	p.audio_channels = 2;
	p.audio_sample_rate = 48000;
	p.audio_bitrate = 128000;
	argv_of(&p, H264_MP2, "h264_vaapi", "aac", "vaapi", &av);
	j = joined(&av);
	has(j, "-vaapi_device /dev/dri/renderD128 -i ", "vaapi device first");
	has(j, "-vf scale=w='min(1280,iw)':h='min(720,ih)':"
	    "force_original_aspect_ratio=decrease:force_divisible_by=2,"
	    "format=nv12,hwupload ", "scale then upload");
	has(j, "-qp 20", "vaapi: crf is -qp");
	hasnt(j, "-pix_fmt", "no -pix_fmt for a hardware encoder");
	has(j, "-c:a aac -b:a 128000 -ac 2 -ar 48000", "audio options");
	sd_argv_free(&av);

	p = prof("T", "h264_nvenc", "aac");
	p.width = 640;
	p.height = 360;
	argv_of(&p, H264_MP2, "h264_nvenc", "aac", "nvenc", &av);
	j = joined(&av);
	has(j, "-vf scale_cuda=w='min(640,iw)':h='min(360,ih)':"
	    "force_original_aspect_ratio=decrease:force_divisible_by=2 ",
	    "nvenc scales on the GPU");
	sd_argv_free(&av);

	p = prof("T", "libx264", "aac");
	argv_of(&p, "format=mpegts\naudio_codec=mp2\n", "none", "aac", "", &av);
	j = joined(&av);
	hasnt(j, "0:v", "no video: no video map");
	hasnt(j, "-c:v", "no video: no video codec");
	sd_argv_free(&av);

	/* Hostile sizes: too many words, a word too long. */
	memset(words, 0, sizeof(words));
	for (i = 0; i + 2 < sizeof(words); i += 2)
		memcpy(words + i, "x ", 2);
	sd_argv_init(&av);
	errno = 0;
	ok(sd_argv_add_words(&av, words) == -1 && errno == E2BIG &&
	    av.n < 600, "argv: at most 512 arguments");
	sd_argv_free(&av);
	memset(words, 'y', sizeof(words) - 1);
	words[sizeof(words) - 1] = '\0';
	sd_argv_init(&av);
	ok(sd_argv_add_words(&av, words) == -1 && av.n == 0,
	    "argv: a 2 KiB word is refused");
	sd_argv_free(&av);
}

/* ---------------------------------------------------------------- decide */

static int
decide(const char *rec, enum sd_client c, const struct sd_profile *p,
    const char *dev_root, struct sd_rec *out, const char **err)
{
	struct sd_decide_opts o = { 0 };
	struct sd_rec r;
	int rv;

	o.dev_root = dev_root;
	rec_of(&r, rec);
	sd_rec_init(out);
	capture_start();
	rv = sd_decide(&r, c, p, &o, out);
	*err = capture_end();
	sd_rec_free(&r);
	return rv;
}

static void
test_decide(void)
{
	struct sd_profile uni = prof("Universal", "libx264", "aac");
	struct sd_profile p;
	struct sd_argv av;
	struct sd_rec out;
	const char *err;

	ok(decide(H264_MP2, SD_CLIENT_DASH, &uni, NULL, &out, &err) == 0,
	    "H.264 + MP2 under Universal");
	is_str(sd_rec_get(&out, "video"), "copy", "video copied");
	is_str(sd_rec_get(&out, "audio"), "aac", "audio encoded");
	ok(sd_rec_count(&out, "reason") == 3, "three reasons: summary, video, "
	    "audio");
	sd_argv_init(&av);
	ok(sd_decision_argv(&out, &av) == 0 && strcmp(av.v[0], "ffmpeg") == 0,
	    "sd_decision_argv: the argv back from the record");
	has(joined(&av), "-i pipe:0", "no input given: pipe:0");
	has(joined(&av), "-c:v copy", "-c:v copy in the argv");
	sd_argv_free(&av);
	sd_rec_free(&out);

	p = uni;
	p.audio_channels = 1;
	decide("format=mpegts\nvideo_codec=h264\naudio_codec=aac\n"
	    "channels=2\n", SD_CLIENT_HLS, &p, NULL, &out, &err);
	has(sd_rec_get_nth(&out, "reason", 2), "has 2 channels, over the "
	    "profile's 1", "a channel limit is a reason to encode AAC again");
	is_str(sd_rec_get(&out, "audio"), "aac", "AAC stereo to mono: aac");
	sd_rec_free(&out);

	p = prof("Efficiency", "libx265", "aac");
	p.container = SD_CONT_FMP4;
	ok(decide(H264_MP2, SD_CLIENT_TS, &p, NULL, &out, &err) ==
	    SD_EX_REFUSED, "Efficiency to a TS client: refused");
	is_str(sd_rec_get(&out, "delivery"), "refused", "delivery=refused");
	has(err, "refused: Profile Efficiency", "the refusal on stderr");
	sd_rec_free(&out);

	p = prof("GPU", "hevc_vaapi", "copy");
	strlcpy(p.path, "profiles.ini", sizeof(p.path));
	p.line = 7;
	ok(decide(H264_MP2, SD_CLIENT_HLS, &p, "/nonexistent", &out, &err) ==
	    SD_EX_CONFIG && out.n == 0, "vaapi, no device: SD_EX_CONFIG");
	has(err, "profiles.ini:7: profile GPU: hevc_vaapi needs the device "
	    "/dev/dri/renderD128", "the error names file:line, encoder, device");
	has(err, "fallback = software to encode with libx265", "and the fix");
	sd_rec_free(&out);
	strlcpy(p.fallback, "software", sizeof(p.fallback));
	ok(decide(H264_MP2, SD_CLIENT_HLS, &p, "/nonexistent", &out, &err) ==
	    0, "vaapi, no device, fallback = software");
	is_str(sd_rec_get(&out, "video"), "libx265", "software HEVC");
	ok(sd_rec_get(&out, "warning") != NULL, "a warning= line");
	sd_rec_free(&out);

	p = prof("Odd", "libx264", "aac");
	strlcpy(p.hwaccel, "videotoolbox", sizeof(p.hwaccel));
	decide("format=mpegts\nvideo_codec=hevc\n", SD_CLIENT_HLS, &p, NULL,
	    &out, &err);
	is_str(sd_rec_get(&out, "video"), "libx264", "hwaccel sd cannot use: "
	    "software");
	has(sd_rec_get(&out, "warning"), "hwaccel = videotoolbox is ignored",
	    "and a warning");
	sd_rec_free(&out);

	p = prof("Mystery", "libfoo264", "copy");
	decide(H264_MP2, SD_CLIENT_HLS, &p, NULL, &out, &err);
	is_str(sd_rec_get(&out, "video"), "libfoo264", "an unknown encoder is "
	    "used, not assumed satisfied");
	sd_rec_free(&out);

	ok(decide("format=mpegts\nvideo_codec=h264\n", (enum sd_client)9, &uni,
	    NULL, &out, &err) == SD_EX_SOFTWARE, "a bad client enum: "
	    "SD_EX_SOFTWARE");
	sd_rec_free(&out);
	ok(decide("format=dash\nencrypted=yes\nvideo_codec=h264\n",
	    SD_CLIENT_HLS, NULL, NULL, &out, &err) == 0 &&
	    strstr(sd_rec_get(&out, "warning"), "encrypted") != NULL,
	    "an encrypted source to repackage: warned");
	sd_rec_free(&out);
}

static void
test_proxy(void)
{
	struct sd_profile profs[1];
	struct sd_proxy px;
	struct sd_config cfg;
	struct sd_rec r, out;
	struct sd_argv av;

	memset(&cfg, 0, sizeof(cfg));
	memset(&px, 0, sizeof(px));
	profs[0] = prof("Universal", "libx264", "aac");
	cfg.profiles = profs;
	cfg.nprofiles = 1;
	cfg.settings.segment_duration = 6;
	strlcpy(px.id, "ch1", sizeof(px.id));
	strlcpy(px.source, "http://up.example/ch1.ts", sizeof(px.source));
	px.mode = SD_MODE_DIRECT;
	sd_rec_init(&out);
	ok(sd_decide_proxy(&cfg, &px, NULL, SD_CLIENT_HLS, NULL, &out) == 0,
	    "direct proxy without a classification");
	is_str(sd_rec_get(&out, "delivery"), "redirect", "delivery=redirect");
	is_str(sd_rec_get(&out, "location"), px.source, "location=source");
	sd_rec_free(&out);

	px.mode = SD_MODE_SMART;
	strlcpy(px.profile, "Universal", sizeof(px.profile));
	rec_of(&r, H264_MP2);
	sd_rec_init(&out);
	ok(sd_decide_proxy(&cfg, &px, &r, SD_CLIENT_HLS, NULL, &out) == 0,
	    "smart proxy with Universal");
	sd_argv_init(&av);
	sd_decision_argv(&out, &av);
	has(joined(&av), "-i http://up.example/ch1.ts", "ffmpeg reads the source");
	sd_argv_free(&av);
	is_str(sd_rec_get(&out, "proxy"), "ch1", "proxy=ch1");
	sd_rec_free(&out);

	px.mode = SD_MODE_SMART;
	strlcpy(px.profile, "Gone", sizeof(px.profile));
	sd_rec_init(&out);
	capture_start();
	ok(sd_decide_proxy(&cfg, &px, &r, SD_CLIENT_HLS, NULL, &out) ==
	    SD_EX_CONFIG, "a proxy naming a missing profile: SD_EX_CONFIG");
	has(capture_end(), "no profile is named Gone", "and says which");
	sd_rec_free(&out);
	sd_rec_free(&r);
}

int
main(void)
{
	test_client();
	test_source();
	test_argv();
	test_decide();
	test_proxy();
	return done();
}
