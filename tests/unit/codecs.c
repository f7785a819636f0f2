/*
 * codecs.c - sd_codec_string on extradata copied from real files.
 *
 * The byte arrays were read with libavformat (codecpar->extradata after
 * avformat_find_stream_info) from scripts/gen-media output and from small
 * files made the same way with other encoder settings (noted per case).
 * Each expected string was derived by a tool we did not write: FFmpeg 5.1's
 * dash muxer (its MPD @codecs, for avc1, vp09, av01, mp4a.40, ac-3, ec-3,
 * opus), or for HEVC the fields `ffmpeg -bsf:v trace_headers` prints from
 * the SPS (general_profile_idc, compatibility flags, progressive and
 * frame-only flags, general_level_idc), assembled per ISO/IEC 14496-15 E.3.
 * The truncated and garbage cases check that hostile extradata neither
 * crashes nor yields a made-up string.
 */
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavutil/mem.h>

#include "mtap.h"
#include "sd.h"
#include "av_codecs.h"

/* 10s-h264-aac.mp4: avcC (x264 High, 320x180). dashenc: avc1.64000c */
static const uint8_t avcc_high[] = {
	0x01, 0x64, 0x00, 0x0c, 0xff, 0xe1, 0x00, 0x1a, 0x67, 0x64, 0x00, 0x0c,
	0xac, 0xd9, 0x41, 0x41, 0x9f, 0x9f, 0x01, 0x10, 0x00, 0x00, 0x03, 0x00,
	0x10, 0x00, 0x00, 0x03, 0x03, 0x20, 0xf1, 0x42, 0x99, 0x60, 0x01, 0x00,
	0x04, 0x68, 0xef, 0x8f, 0xcb, 0xfd, 0xf8, 0xf8, 0x00,
};
/* 10s-h264-aac.ts: Annex B SPS + PPS. dashenc (after remux): avc1.64000c */
static const uint8_t annexb_high[] = {
	0x00, 0x00, 0x01, 0x67, 0x64, 0x00, 0x0c, 0xac, 0xd9, 0x41, 0x41, 0x9f,
	0x9f, 0x01, 0x10, 0x00, 0x00, 0x03, 0x00, 0x10, 0x00, 0x00, 0x03, 0x03,
	0x20, 0xf1, 0x42, 0x99, 0x60, 0x00, 0x00, 0x00, 0x01, 0x68, 0xef, 0x8f,
	0xcb,
};
/* x264 -profile:v baseline in TS (constraint_set0+1). dashenc:
 * avc1.42c00c */
static const uint8_t annexb_base[] = {
	0x00, 0x00, 0x01, 0x67, 0x42, 0xc0, 0x0c, 0xda, 0x05, 0x06, 0x7e, 0x7c,
	0x04, 0x40, 0x00, 0x00, 0x03, 0x00, 0x40, 0x00, 0x00, 0x0c, 0x83, 0xc5,
	0x0a, 0xa8, 0x00, 0x00, 0x00, 0x01, 0x68, 0xce, 0x0f, 0xc8,
};
/* 10s-hevc-aac.ts: Annex B VPS, SPS, PPS (x265 Main, level 60). The SPS's
 * PTL has emulation prevention bytes inside it. trace_headers: idc 1,
 * compat flags 1 and 2, progressive + frame-only, level 60:
 * hvc1.1.6.L60.90 */
static const uint8_t annexb_hevc[] = {
	0x00, 0x00, 0x01, 0x40, 0x01, 0x0c, 0x01, 0xff, 0xff, 0x01, 0x60, 0x00,
	0x00, 0x03, 0x00, 0x90, 0x00, 0x00, 0x03, 0x00, 0x00, 0x03, 0x00, 0x3c,
	0x95, 0x90, 0x09, 0x00, 0x00, 0x00, 0x01, 0x42, 0x01, 0x01, 0x01, 0x60,
	0x00, 0x00, 0x03, 0x00, 0x90, 0x00, 0x00, 0x03, 0x00, 0x00, 0x03, 0x00,
	0x3c, 0xa0, 0x0a, 0x08, 0x0c, 0x1f, 0x3e, 0x59, 0x59, 0x12, 0x93, 0x0b,
	0xc0, 0x5a, 0x02, 0x00, 0x00, 0x03, 0x00, 0x02, 0x00, 0x00, 0x03, 0x00,
	0x32, 0x10, 0x00, 0x00, 0x00, 0x01, 0x44, 0x01, 0xc0, 0x73, 0xc1, 0x89,
};
/* x265 Main 10, 640x360 at 30 in MP4 (-tag:v hvc1): the first bytes of its
 * hvcC. trace_headers: idc 2, compat flag 2, level 63: hvc1.2.4.L63.90 */
static const uint8_t hvcc_main10[] = {
	0x01, 0x02, 0x20, 0x00, 0x00, 0x00, 0x90, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x3f, 0xf0, 0x00, 0xfc, 0xfd, 0xfa, 0xfa, 0x00, 0x00, 0x0f, 0x04,
};
/* 10s-av1-opus.mkv: av1C (SVT-AV1, 8-bit). dashenc: av01.0.00M.08 */
static const uint8_t av1c_8[] = {
	0x81, 0x00, 0x0c, 0x00, 0x0a, 0x0b, 0x00, 0x00, 0x00, 0x04, 0x3c, 0xfe,
	0xcc, 0x02, 0xf8, 0x00, 0x40,
};
/* SVT-AV1 -pix_fmt yuv420p10le in MKV. dashenc: av01.0.00M.10 */
static const uint8_t av1c_10[] = {
	0x81, 0x00, 0x4c, 0x00, 0x0a, 0x0b, 0x00, 0x00, 0x00, 0x04, 0x3c, 0xfe,
	0xcc, 0x02, 0xf8, 0x40, 0x40,
};
/* The configOBUs of av1c_8 alone: a sequence header OBU, as an AV1 stream
 * without av1C (MPEG-TS, raw OBUs) carries it. */
static const uint8_t av1_obu[] = {
	0x0a, 0x0b, 0x00, 0x00, 0x00, 0x04, 0x3c, 0xfe, 0xcc, 0x02, 0xf8, 0x00,
	0x40,
};
/* 10s-h264-aac.mp4: AudioSpecificConfig, AAC LC. dashenc: mp4a.40.2 */
static const uint8_t asc_lc[] = { 0x11, 0x88, 0x56, 0xe5, 0x00 };
/* An AudioSpecificConfig with the escape: AOT 31 + 6 bits (0) = 32. */
static const uint8_t asc_escape[] = { 0xf8, 0x00, 0x00 };
/* HE-AAC v1 signalled explicitly (AOT 5, 24 kHz core). */
static const uint8_t asc_he[] = { 0x2b, 0x09, 0x88, 0x00 };
/* 10s-vp9-opus.webm: OpusHead. dashenc: opus */
static const uint8_t opus_head[] = {
	0x4f, 0x70, 0x75, 0x73, 0x48, 0x65, 0x61, 0x64, 0x01, 0x01, 0x38, 0x01,
	0x80, 0xbb, 0x00, 0x00, 0x00, 0x00, 0x00,
};
/* A WebM VP9 CodecPrivate: profile 1, level 4.1, 8-bit. */
static const uint8_t vp9_private[] = { 1, 1, 1, 2, 1, 41, 3, 1, 8 };

struct tcase {
	const char *desc;
	enum AVCodecID id;
	const uint8_t *x;
	size_t n;
	int profile, level, format, width, height, sample_rate;
	const char *want;	/* NULL: must fail */
};

#define X(a) a, sizeof(a)
#define U FF_PROFILE_UNKNOWN
#define NOPIX AV_PIX_FMT_NONE

static const struct tcase cases[] = {
	{ "avcC, High 1.2", AV_CODEC_ID_H264, X(avcc_high), 100, 12,
	    AV_PIX_FMT_YUV420P, 320, 180, 0, "avc1.64000c" },
	{ "Annex B SPS, High 1.2", AV_CODEC_ID_H264, X(annexb_high), 100, 12,
	    AV_PIX_FMT_YUV420P, 320, 180, 0, "avc1.64000c" },
	{ "Annex B SPS, constrained baseline", AV_CODEC_ID_H264,
	    X(annexb_base), 578, 12, AV_PIX_FMT_YUV420P, 320, 180, 0,
	    "avc1.42c00c" },
	{ "H.264 without extradata: profile and level", AV_CODEC_ID_H264,
	    NULL, 0, 578, 12, NOPIX, 320, 180, 0, "avc1.42400c" },
	{ "H.264, extradata truncated inside the SPS", AV_CODEC_ID_H264,
	    annexb_high, 6, U, U, NOPIX, 0, 0, 0, NULL },
	{ "Annex B VPS/SPS with emulation prevention, Main", AV_CODEC_ID_HEVC,
	    X(annexb_hevc), 1, 60, AV_PIX_FMT_YUV420P, 320, 180, 0,
	    "hvc1.1.6.L60.90" },
	{ "VPS alone (SPS cut off)", AV_CODEC_ID_HEVC, annexb_hevc, 27, U, U,
	    NOPIX, 0, 0, 0, "hvc1.1.6.L60.90" },
	{ "hvcC, Main 10", AV_CODEC_ID_HEVC, X(hvcc_main10), 2, 63,
	    AV_PIX_FMT_YUV420P10LE, 640, 360, 0, "hvc1.2.4.L63.90" },
	{ "HEVC garbage, no profile known", AV_CODEC_ID_HEVC, asc_lc,
	    sizeof(asc_lc), U, U, NOPIX, 0, 0, 0, NULL },
	{ "HEVC without extradata: profile and level", AV_CODEC_ID_HEVC, NULL,
	    0, 1, 93, NOPIX, 0, 0, 0, "hvc1.1.2.L93" },
	{ "VP9 in WebM, level from size and rate", AV_CODEC_ID_VP9, NULL, 0,
	    0, U, AV_PIX_FMT_YUV420P, 320, 180, 0, "vp09.00.11.08" },
	{ "VP9 profile 2, 10-bit", AV_CODEC_ID_VP9, NULL, 0, 2, U,
	    AV_PIX_FMT_YUV420P10LE, 320, 180, 0, "vp09.02.11.10" },
	{ "VP9 1080p", AV_CODEC_ID_VP9, NULL, 0, 0, U, AV_PIX_FMT_YUV420P,
	    1920, 1080, 0, "vp09.00.40.08" },
	{ "VP9 profile from the pixel format (4:4:4)", AV_CODEC_ID_VP9, NULL,
	    0, U, U, AV_PIX_FMT_YUV444P, 320, 180, 0, "vp09.01.11.08" },
	{ "VP9 WebM CodecPrivate", AV_CODEC_ID_VP9, X(vp9_private), U, U,
	    AV_PIX_FMT_YUV422P, 1920, 1080, 0, "vp09.01.41.08" },
	{ "VP9 with no size and no level", AV_CODEC_ID_VP9, NULL, 0, 0, U,
	    NOPIX, 0, 0, 0, NULL },
	{ "av1C, 8-bit", AV_CODEC_ID_AV1, X(av1c_8), 0, 0, AV_PIX_FMT_YUV420P,
	    320, 180, 0, "av01.0.00M.08" },
	{ "av1C, 10-bit", AV_CODEC_ID_AV1, X(av1c_10), 0, 0,
	    AV_PIX_FMT_YUV420P10LE, 320, 180, 0, "av01.0.00M.10" },
	{ "AV1 sequence header OBU", AV_CODEC_ID_AV1, X(av1_obu), U, U,
	    AV_PIX_FMT_YUV420P, 320, 180, 0, "av01.0.00M.08" },
	{ "AV1 OBU with a size past the end", AV_CODEC_ID_AV1, av1_obu, 5, U,
	    U, NOPIX, 0, 0, 0, NULL },
	{ "AudioSpecificConfig, AAC LC", AV_CODEC_ID_AAC, X(asc_lc), 1, U,
	    NOPIX, 0, 0, 48000, "mp4a.40.2" },
	{ "ADTS AAC (TS): no extradata, profile LC", AV_CODEC_ID_AAC, NULL, 0,
	    1, U, NOPIX, 0, 0, 48000, "mp4a.40.2" },
	{ "ADTS HE-AAC v2 by profile", AV_CODEC_ID_AAC, NULL, 0, 28, U, NOPIX,
	    0, 0, 48000, "mp4a.40.29" },
	{ "AudioSpecificConfig, explicit HE-AAC", AV_CODEC_ID_AAC, X(asc_he),
	    U, U, NOPIX, 0, 0, 48000, "mp4a.40.5" },
	{ "AudioSpecificConfig, escaped object type", AV_CODEC_ID_AAC,
	    X(asc_escape), U, U, NOPIX, 0, 0, 48000, "mp4a.40.32" },
	{ "Opus", AV_CODEC_ID_OPUS, X(opus_head), U, U, NOPIX, 0, 0, 48000,
	    "opus" },
	{ "AC-3", AV_CODEC_ID_AC3, NULL, 0, U, U, NOPIX, 0, 0, 48000, "ac-3" },
	{ "E-AC-3", AV_CODEC_ID_EAC3, NULL, 0, U, U, NOPIX, 0, 0, 48000,
	    "ec-3" },
	{ "MP3", AV_CODEC_ID_MP3, NULL, 0, U, U, NOPIX, 0, 0, 48000,
	    "mp4a.40.34" },
	{ "MP2 at 48 kHz (MPEG-1)", AV_CODEC_ID_MP2, NULL, 0, U, U, NOPIX, 0,
	    0, 48000, "mp4a.6B" },
	{ "MP2 at 24 kHz (MPEG-2 half rate)", AV_CODEC_ID_MP2, NULL, 0, U, U,
	    NOPIX, 0, 0, 24000, "mp4a.69" },
	{ "a codec sd does not know", AV_CODEC_ID_PCM_S16LE, NULL, 0, U, U,
	    NOPIX, 0, 0, 48000, NULL },
};

static AVCodecParameters *
make_par(const struct tcase *c)
{
	AVCodecParameters *par = avcodec_parameters_alloc();

	if (par == NULL)
		return NULL;
	par->codec_id = c->id;
	par->codec_type = avcodec_get_type(c->id);
	par->profile = c->profile;
	par->level = c->level;
	par->format = c->format;
	par->width = c->width;
	par->height = c->height;
	par->sample_rate = c->sample_rate;
	if (c->n > 0) {
		par->extradata = av_mallocz(c->n + AV_INPUT_BUFFER_PADDING_SIZE);
		if (par->extradata == NULL) {
			avcodec_parameters_free(&par);
			return NULL;
		}
		memcpy(par->extradata, c->x, c->n);
		par->extradata_size = (int)c->n;
	}
	return par;
}

static void
run_case(const struct tcase *c)
{
	AVCodecParameters *par = make_par(c);
	char out[64];
	int rc;

	if (par == NULL) {
		ok(0, c->desc);
		return;
	}
	rc = sd_codec_string(par, out, sizeof(out));
	if (c->want == NULL) {
		ok(rc == -1, c->desc);
		if (rc != -1)
			printf("# got %s\n", out);
	} else {
		ok(rc == 0, c->desc);
		is_str(out, c->want, "  ... the string");
	}
	avcodec_parameters_free(&par);
}

/* A buffer too small for the string fails instead of truncating it. */
static void
small_buffer(void)
{
	AVCodecParameters *par = make_par(&cases[0]);
	char out[8];

	ok(par != NULL && sd_codec_string(par, out, sizeof(out)) == -1,
	    "a buffer too small for avc1.64000c fails");
	avcodec_parameters_free(&par);
}

/* Every prefix of every extradata is safe to read (ASan watches). */
static void
all_prefixes(void)
{
	size_t i, k;
	int fine = 1;
	const char *err;

	capture_start();
	for (i = 0; i < SD_ARRAY_LEN(cases); i++) {
		for (k = 0; k < cases[i].n; k++) {
			struct tcase c = cases[i];
			AVCodecParameters *par;
			char out[64];

			c.n = k;
			if ((par = make_par(&c)) == NULL) {
				fine = 0;
				continue;
			}
			(void)sd_codec_string(par, out, sizeof(out));
			if (memchr(out, '\0', sizeof(out)) == NULL)
				fine = 0;
			avcodec_parameters_free(&par);
		}
	}
	err = capture_end();
	ok(fine, "every truncation of every extradata gives a string or -1");
	/* Hostile extradata is not an error of the program: no warnings. */
	is_str(err, "", "truncated extradata prints nothing on stderr");
}

/* The frame rate moves a VP9 level: 1080p fits level 4 at 30 frames a
 * second (62 M luma samples/s of 83.6 M), needs 4.1 at 60 (124 M). */
static void
vp9_rate(void)
{
	struct tcase c = { "VP9 1080p", AV_CODEC_ID_VP9, NULL, 0, 0, U,
	    AV_PIX_FMT_YUV420P, 1920, 1080, 0, NULL };
	AVCodecParameters *par = make_par(&c);
	char out[64] = "";

	ok(par != NULL && sd_codec_string_fps(par, 60, out, sizeof(out)) == 0,
	    "VP9 1080p60");
	is_str(out, "vp09.00.41.08", "  ... level 4.1");
	if (par != NULL)
		sd_codec_string_fps(par, 30, out, sizeof(out));
	is_str(out, "vp09.00.40.08", "VP9 1080p30: level 4");
	avcodec_parameters_free(&par);
}

int
main(void)
{
	size_t i;

	for (i = 0; i < SD_ARRAY_LEN(cases); i++)
		run_case(&cases[i]);
	small_buffer();
	vp9_rate();
	all_prefixes();
	return done();
}
