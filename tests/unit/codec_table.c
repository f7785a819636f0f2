/*
 * codec_table.c - every row of lib/codec_table.c against what the specs
 * and FFmpeg 5.1 say, written out here a second time: a row changed in the
 * library without its reason changed here fails, and so does a row added
 * there and not here.
 *
 * The MPEG-TS verdicts were checked by muxing each codec with FFmpeg 5.1's
 * mpegts muxer and reading the PMT back with ffprobe: VP8, VP9, AV1, FLAC,
 * Vorbis, MP1 and PCM come out as private data (stream type 0x06, "may not
 * be recognized upon reading"); H.264 0x1B, HEVC 0x24, MPEG-1/2 video 0x02,
 * MPEG-4 Part 2 0x10, AAC 0x0F, AAC LATM 0x11, MP2/MP3 0x03, AC-3 0x81,
 * E-AC-3 0x87, DTS 0x82 with their own stream types.
 */
#include <stdio.h>
#include <string.h>

#include "sd.h"
#include "codec_table.h"
#include "config.h"
#include "util_int.h"
#include "mtap.h"

/* ---------------------------------------------------------------- codecs */

static const struct sd_codec want_codecs[] = {
	{ "h264", "H.264", 'v', 1, 1, "libx264" },
	{ "hevc", "HEVC", 'v', 1, 1, "libx265" },
	{ "vp9", "VP9", 'v', 0, 1, "libvpx-vp9" },
	{ "av1", "AV1", 'v', 0, 1, "libsvtav1" },
	{ "vp8", "VP8", 'v', 0, 0, "libvpx" },
	{ "mpeg2video", "MPEG-2", 'v', 1, 0, "mpeg2video" },
	{ "mpeg1video", "MPEG-1", 'v', 1, 0, NULL },
	{ "mpeg4", "MPEG-4 Part 2", 'v', 1, 0, NULL },
	{ "aac", "AAC", 'a', 1, 1, NULL },
	{ "aac_latm", "AAC (LATM)", 'a', 1, 0, NULL },
	{ "mp1", "MP1", 'a', 1, 0, NULL },
	{ "mp2", "MP2", 'a', 1, 1, NULL },
	{ "mp3", "MP3", 'a', 1, 1, NULL },
	{ "ac3", "AC-3", 'a', 1, 1, NULL },
	{ "eac3", "E-AC-3", 'a', 1, 1, NULL },
	{ "dts", "DTS", 'a', 1, 0, NULL },
	{ "opus", "Opus", 'a', 0, 1, NULL },
	{ "flac", "FLAC", 'a', 0, 0, NULL },
	{ "vorbis", "Vorbis", 'a', 0, 0, NULL },
};

static int
same_str(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static void
test_codec_row(const struct sd_codec *w)
{
	const struct sd_codec *c = sd_codec_find(w->name);
	char d[160];

	snprintf(d, sizeof(d), "%s: MPEG-TS %s", w->name, w->ts ? "yes" : "no");
	ok(sd_codec_in_mpegts(w->name) == w->ts, d);
	snprintf(d, sizeof(d), "%s: fMP4 %s", w->name, w->fmp4 ? "yes" : "no");
	ok(sd_codec_in_fmp4(w->name) == w->fmp4, d);
	snprintf(d, sizeof(d), "%s: labelled %s", w->name, w->label);
	is_str(sd_codec_label(w->name), w->label, d);
	snprintf(d, sizeof(d), "%s: %s, hardware falls back to %s", w->name,
	    w->kind == 'v' ? "video" : "audio", w->software ? w->software :
	    "nothing");
	ok(c != NULL && c->kind == w->kind && same_str(c->software,
	    w->software), d);
}

static const struct sd_codec *
want_codec(const char *name)
{
	size_t i;

	for (i = 0; i < SD_ARRAY_LEN(want_codecs); i++)
		if (strcmp(want_codecs[i].name, name) == 0)
			return &want_codecs[i];
	return NULL;
}

static void
test_codecs(void)
{
	const struct sd_codec *c;
	size_t i, untested = 0;

	for (i = 0; i < SD_ARRAY_LEN(want_codecs); i++)
		test_codec_row(&want_codecs[i]);
	for (i = 0; (c = sd_codec_at(i)) != NULL; i++)
		if (want_codec(c->name) == NULL) {
			printf("# codec row %s is not tested\n", c->name);
			untested++;
		}
	ok(untested == 0 && i == SD_ARRAY_LEN(want_codecs),
	    "every codec row is tested here, once");
	/* A software fallback is an encoder of the codec itself. */
	for (i = 0; (c = sd_codec_at(i)) != NULL; i++)
		if (c->software != NULL && !same_str(sd_encoder_codec(
		    c->software), c->name))
			untested++;
	ok(untested == 0, "every software fallback makes its own codec");
}

/* ---------------------------------------------------------------- encoders */

static const struct want_encoder {
	const char *name, *codec;
	enum sd_hw hw;
	const char *software;	/* the fallback of a hardware encoder */
} want_encoders[] = {
	{ "libx264", "h264", SD_HW_NONE, NULL },
	{ "h264_nvenc", "h264", SD_HW_NVENC, "libx264" },
	{ "h264_qsv", "h264", SD_HW_QSV, "libx264" },
	{ "h264_vaapi", "h264", SD_HW_VAAPI, "libx264" },
	{ "h264_amf", "h264", SD_HW_AMF, "libx264" },
	{ "h264_videotoolbox", "h264", SD_HW_VIDEOTOOLBOX, "libx264" },
	{ "h264_v4l2m2m", "h264", SD_HW_V4L2M2M, "libx264" },
	{ "h264_mf", "h264", SD_HW_MF, "libx264" },
	{ "libx265", "hevc", SD_HW_NONE, NULL },
	{ "hevc_nvenc", "hevc", SD_HW_NVENC, "libx265" },
	{ "hevc_qsv", "hevc", SD_HW_QSV, "libx265" },
	{ "hevc_vaapi", "hevc", SD_HW_VAAPI, "libx265" },
	{ "hevc_amf", "hevc", SD_HW_AMF, "libx265" },
	{ "hevc_videotoolbox", "hevc", SD_HW_VIDEOTOOLBOX, "libx265" },
	{ "hevc_v4l2m2m", "hevc", SD_HW_V4L2M2M, "libx265" },
	{ "hevc_mf", "hevc", SD_HW_MF, "libx265" },
	{ "libvpx-vp9", "vp9", SD_HW_NONE, NULL },
	{ "vp9_qsv", "vp9", SD_HW_QSV, "libvpx-vp9" },
	{ "vp9_vaapi", "vp9", SD_HW_VAAPI, "libvpx-vp9" },
	{ "libaom-av1", "av1", SD_HW_NONE, NULL },
	{ "libsvtav1", "av1", SD_HW_NONE, NULL },
	{ "librav1e", "av1", SD_HW_NONE, NULL },
	{ "av1_nvenc", "av1", SD_HW_NVENC, "libsvtav1" },
	{ "av1_qsv", "av1", SD_HW_QSV, "libsvtav1" },
	{ "av1_vaapi", "av1", SD_HW_VAAPI, "libsvtav1" },
	{ "av1_amf", "av1", SD_HW_AMF, "libsvtav1" },
	{ "libvpx", "vp8", SD_HW_NONE, NULL },
	{ "vp8_vaapi", "vp8", SD_HW_VAAPI, "libvpx" },
	{ "vp8_v4l2m2m", "vp8", SD_HW_V4L2M2M, "libvpx" },
	{ "mpeg2video", "mpeg2video", SD_HW_NONE, NULL },
	{ "mpeg2_qsv", "mpeg2video", SD_HW_QSV, "mpeg2video" },
	{ "mpeg2_vaapi", "mpeg2video", SD_HW_VAAPI, "mpeg2video" },
	{ "aac", "aac", SD_HW_NONE, NULL },
	{ "libfdk_aac", "aac", SD_HW_NONE, NULL },
	{ "aac_at", "aac", SD_HW_NONE, NULL },
	{ "libopus", "opus", SD_HW_NONE, NULL },
	{ "opus", "opus", SD_HW_NONE, NULL },
	{ "ac3", "ac3", SD_HW_NONE, NULL },
	{ "ac3_fixed", "ac3", SD_HW_NONE, NULL },
	{ "eac3", "eac3", SD_HW_NONE, NULL },
	{ "libmp3lame", "mp3", SD_HW_NONE, NULL },
	{ "mp2", "mp2", SD_HW_NONE, NULL },
	{ "libtwolame", "mp2", SD_HW_NONE, NULL },
	{ "flac", "flac", SD_HW_NONE, NULL },
};

static void
test_encoder_row(const struct want_encoder *w)
{
	const struct sd_codec *c = want_codec(w->codec);
	char d[160];

	snprintf(d, sizeof(d), "%s makes %s", w->name, w->codec);
	is_str(sd_encoder_codec(w->name), w->codec, d);
	snprintf(d, sizeof(d), "%s: hardware family '%s'", w->name,
	    sd_hw_name(w->hw));
	ok(sd_encoder_hw(w->name) == w->hw, d);
	snprintf(d, sizeof(d), "%s: falls back to %s", w->name,
	    w->software ? w->software : "nothing");
	ok(same_str(sd_software_encoder(w->name), w->software), d);
	snprintf(d, sizeof(d), "%s fits MPEG-TS: %s", w->name,
	    c != NULL && c->ts ? "yes" : "no");
	ok(c != NULL && sd_codec_fits_mpegts(w->name) == c->ts, d);
}

static void
test_encoders(void)
{
	const struct sd_encoder *e;
	size_t i, j, bad = 0;

	for (i = 0; i < SD_ARRAY_LEN(want_encoders); i++)
		test_encoder_row(&want_encoders[i]);
	for (i = 0; (e = sd_encoder_at(i)) != NULL; i++) {
		for (j = 0; j < SD_ARRAY_LEN(want_encoders); j++)
			if (strcmp(want_encoders[j].name, e->name) == 0)
				break;
		if (j == SD_ARRAY_LEN(want_encoders) ||
		    sd_codec_find(e->codec) == NULL) {
			printf("# encoder row %s: untested or no codec row\n",
			    e->name);
			bad++;
		}
	}
	ok(bad == 0 && i == SD_ARRAY_LEN(want_encoders),
	    "every encoder row is tested here and makes a codec of the table");
}

/* ---------------------------------------------------------------- hardware */

static const struct {
	enum sd_hw hw;
	const char *name, *device, *h264;
} want_hw[] = {
	{ SD_HW_NVENC, "nvenc", "/dev/nvidia0", "h264_nvenc" },
	{ SD_HW_QSV, "qsv", "/dev/dri/renderD128", "h264_qsv" },
	{ SD_HW_VAAPI, "vaapi", "/dev/dri/renderD128", "h264_vaapi" },
	{ SD_HW_AMF, "amf", NULL, "h264_amf" },
	{ SD_HW_VIDEOTOOLBOX, "videotoolbox", NULL, "h264_videotoolbox" },
	{ SD_HW_V4L2M2M, "v4l2m2m", NULL, "h264_v4l2m2m" },
	{ SD_HW_MF, "mf", NULL, "h264_mf" },
};

static void
test_hw(void)
{
	char d[160];
	size_t i;

	for (i = 0; i < SD_ARRAY_LEN(want_hw); i++) {
		snprintf(d, sizeof(d), "family %s: named, parsed back, device "
		    "%s, H.264 encoder %s", want_hw[i].name, want_hw[i].device ?
		    want_hw[i].device : "unchecked", want_hw[i].h264);
		ok(strcmp(sd_hw_name(want_hw[i].hw), want_hw[i].name) == 0 &&
		    sd_hw_parse(want_hw[i].name) == want_hw[i].hw &&
		    same_str(sd_hw_device(want_hw[i].hw), want_hw[i].device) &&
		    same_str(sd_hw_encoder("h264", want_hw[i].hw),
		    want_hw[i].h264), d);
	}
	ok(sd_hw_parse("cuda") == SD_HW_NVENC &&
	    sd_hw_parse("nvidia") == SD_HW_NVENC, "hwaccel cuda, nvidia: NVENC");
	ok(sd_hw_parse("") == SD_HW_NONE && sd_hw_parse(NULL) == SD_HW_NONE &&
	    sd_hw_parse("NVENC") == SD_HW_NONE &&
	    sd_hw_parse("d3d11va") == SD_HW_NONE &&
	    sd_hw_parse("h264_vaapi") == SD_HW_NONE,
	    "hwaccel: empty, other case, other APIs, encoder names: none");
	ok(strcmp(sd_hw_name(SD_HW_NONE), "") == 0 &&
	    sd_hw_device(SD_HW_NONE) == NULL &&
	    strcmp(sd_hw_name((enum sd_hw)99), "") == 0 &&
	    sd_hw_device((enum sd_hw)99) == NULL,
	    "no family, and one out of range: no name, no device");
	is_str(sd_hw_encoder("hevc", SD_HW_VAAPI), "hevc_vaapi",
	    "hevc + vaapi: hevc_vaapi");
	ok(sd_hw_encoder("h264", SD_HW_NONE) == NULL &&
	    sd_hw_encoder("vp9", SD_HW_NVENC) == NULL &&
	    sd_hw_encoder("opus", SD_HW_VAAPI) == NULL &&
	    sd_hw_encoder(NULL, SD_HW_VAAPI) == NULL,
	    "no twin: software, vp9 on NVENC, audio, no codec");
	/* The families of encoders without a row: by their suffix. */
	ok(sd_encoder_hw("mjpeg_vaapi") == SD_HW_VAAPI &&
	    sd_encoder_hw("mpeg4_v4l2m2m") == SD_HW_V4L2M2M,
	    "an encoder without a row: the family its suffix names");
	ok(sd_encoder_hw("h264_bogus") == SD_HW_NONE &&
	    sd_encoder_hw("nvenc") == SD_HW_NONE &&
	    sd_encoder_hw("h264_") == SD_HW_NONE &&
	    sd_encoder_hw("libfoo") == SD_HW_NONE &&
	    sd_encoder_hw(NULL) == SD_HW_NONE,
	    "no family: unknown suffix, no underscore, empty suffix, NULL");
}

/* ---------------------------------------------------------------- unknown */

static void
test_unknown(void)
{
	static const char *const codecs[] = {
		"truehd", "pcm_s16le", "alac", "theora", "mjpeg", "H264", "",
	};
	char d[96];
	size_t i;

	for (i = 0; i < SD_ARRAY_LEN(codecs); i++) {
		snprintf(d, sizeof(d), "unknown codec '%s': no row, neither "
		    "MPEG-TS nor fMP4, labelled as named", codecs[i]);
		ok(sd_codec_find(codecs[i]) == NULL &&
		    !sd_codec_in_mpegts(codecs[i]) &&
		    !sd_codec_in_fmp4(codecs[i]) &&
		    sd_codec_label(codecs[i]) == codecs[i], d);
	}
	ok(!sd_codec_in_mpegts(NULL) && !sd_codec_in_fmp4(NULL) &&
	    sd_codec_find(NULL) == NULL, "no codec: no row");
	ok(sd_encoder_find("libfoo264") == NULL &&
	    sd_encoder_codec("libfoo264") == NULL &&
	    sd_encoder_codec("LIBX264") == NULL &&
	    sd_encoder_codec("h264") == NULL, "unknown encoders make nothing "
	    "known (a codec is not an encoder)");
	ok(sd_codec_fits_mpegts("libfoo264"), "an unknown encoder is assumed "
	    "to fit MPEG-TS (sd.ini(5))");
	is_str(sd_encoder_codec("copy"), "copy", "copy makes copy");
	is_str(sd_encoder_codec(""), "copy", "empty is copy");
	is_str(sd_encoder_codec(NULL), "copy", "NULL is copy");
	ok(sd_codec_fits_mpegts("copy") && sd_codec_fits_mpegts(""),
	    "copy fits MPEG-TS (the source decides)");
	ok(sd_software_encoder("libfoo264") == NULL &&
	    sd_software_encoder("h264_bogus") == NULL &&
	    sd_software_encoder(NULL) == NULL,
	    "no fallback for what sd does not know");
	ok(!sd_action_encodes("copy") && !sd_action_encodes("none") &&
	    sd_action_encodes("libx264") && sd_action_encodes("libfoo"),
	    "plan actions: copy and none encode nothing");
}

/* --------------------------------------------------- the changed verdicts */

static struct sd_profile
prof(const char *v, const char *a)
{
	struct sd_profile p;

	sd_profile_defaults(&p, "P");
	strlcpy(p.video_codec, v, sizeof(p.video_codec));
	strlcpy(p.audio_codec, a, sizeof(p.audio_codec));
	return p;
}

static int
decide(const char *text, enum sd_client c, const struct sd_profile *p,
    struct sd_rec *out)
{
	struct sd_rec r;
	int rv;

	sd_rec_init(&r);
	sd_rec_init(out);
	if (sd_rec_parse(&r, text, strlen(text), "test") == -1)
		return -1;
	capture_start();
	rv = sd_decide(&r, c, p, NULL, out);
	capture_end();
	sd_rec_free(&r);
	return rv;
}

/*
 * Before the table, config.c's deny-list took libvpx (VP8) for an encoder
 * it did not know and so fit for MPEG-TS, while ffargs.c's allow-list said
 * MPEG-TS cannot carry vp8. VP8 has no stream type in ISO/IEC 13818-1 and
 * FFmpeg 5.1 muxes it as private data: it does not fit.
 */
static void
test_vp8(void)
{
	static const char src[] = "format=mpegts\nvideo_codec=h264\n"
	    "audio_codec=aac\n";
	struct sd_profile p = prof("libvpx", "aac");
	struct sd_rec out;

	ok(!sd_codec_fits_mpegts("libvpx") && !sd_codec_fits_mpegts(
	    "vp8_vaapi") && !sd_codec_fits_mpegts("vp8_v4l2m2m"),
	    "changed: libvpx, vp8_vaapi, vp8_v4l2m2m do not fit MPEG-TS");
	ok(sd_profile_requires_fmp4(&p), "changed: a libvpx profile needs "
	    "fMP4");
	ok(decide(src, SD_CLIENT_TS, &p, &out) == SD_EX_REFUSED,
	    "changed: libvpx for a TS client is refused");
	sd_rec_free(&out);
	ok(decide(src, SD_CLIENT_HLS, &p, &out) == SD_EX_OK,
	    "libvpx for an HLS client");
	is_str(sd_rec_get(&out, "pipe_format"), "matroska",
	    "changed: ffmpeg writes VP8 as Matroska, not as MPEG-TS");
	sd_rec_free(&out);
}

/*
 * Encoders ffargs.c's hardware families knew and config.c's list did not:
 * sd now knows the codec they make, so a source already in that codec is
 * copied instead of encoded again with an "encoder sd does not know".
 */
static void
test_newly_known(void)
{
	static const char *const encs[][2] = {
		{ "mpeg2video", "mpeg2video" }, { "mpeg2_vaapi", "mpeg2video" },
		{ "mpeg2_qsv", "mpeg2video" }, { "hevc_v4l2m2m", "hevc" },
		{ "hevc_mf", "hevc" }, { "h264_mf", "h264" },
	};
	struct sd_profile p;
	struct sd_rec out;
	char src[128], d[128];
	size_t i;

	for (i = 0; i < SD_ARRAY_LEN(encs); i++) {
		p = prof(encs[i][0], "copy");
		snprintf(src, sizeof(src), "format=mpegts\nvideo_codec=%s\n"
		    "audio_codec=aac\n", encs[i][1]);
		snprintf(d, sizeof(d), "changed: %s, a %s source: copied",
		    encs[i][0], encs[i][1]);
		ok(decide(src, SD_CLIENT_TS, &p, &out) == SD_EX_OK &&
		    same_str(sd_rec_get(&out, "video"), "copy"), d);
		sd_rec_free(&out);
	}
}

int
main(void)
{
	test_codecs();
	test_encoders();
	test_hw();
	test_unknown();
	test_vp8();
	test_newly_known();
	return done();
}
