/*
 * codec_table.c - the codecs and encoders sd knows, and what carries them.
 *
 * One table of codecs (may MPEG-TS or fMP4 carry it), one of encoders (the
 * codec each makes, its hardware family) and one of hardware families.
 * config.c validates profiles with them, decide.c chooses and falls back
 * with them, ffargs.c picks the pipe format and the encoder options; pure
 * code, no libav*.
 *
 * The MPEG-TS column: the codec has a stream type of ISO/IEC 13818-1 (or
 * one FFmpeg 5.1's mpegts muxer writes and its demuxer reads back: AC-3
 * 0x81, E-AC-3 0x87 of ATSC A/52, DTS 0x82) rather than private data
 * (0x06), which that muxer writes, with "may not be recognized upon
 * reading", for VP8, VP9, AV1, FLAC and Vorbis. Opus it writes as private
 * data with a registration descriptor; neither HLS nor sd's TS writer takes
 * it. The fMP4 column: CMAF or ISO BMFF defines a sample entry and
 * sd-cmafmux writes it (av_ingest.c): avc1, hvc1, vp09, av01, mp4a (AAC,
 * and MPEG-1/2 audio per ISO/IEC 14496-1's object types), Opus, ac-3, ec-3.
 */
#include <string.h>

#include "sd.h"
#include "codec_table.h"

/* The stream type and sample entry of each verdict follow the row. */
static const struct sd_codec codecs[] = {
	/* name, label, kind, MPEG-TS, fMP4, software encoder */
	{ "h264", "H.264", 'v', 1, 1, "libx264" },		/* 0x1B avc1 */
	{ "hevc", "HEVC", 'v', 1, 1, "libx265" },		/* 0x24 hvc1 */
	{ "vp9", "VP9", 'v', 0, 1, "libvpx-vp9" },		/* - vp09 */
	{ "av1", "AV1", 'v', 0, 1, "libsvtav1" },		/* - av01 */
	/* vp08 exists (VP codec ISO binding); sd-cmafmux leaves VP8 out. */
	{ "vp8", "VP8", 'v', 0, 0, "libvpx" },
	{ "mpeg2video", "MPEG-2", 'v', 1, 0, "mpeg2video" },	/* 0x02 */
	{ "mpeg1video", "MPEG-1", 'v', 1, 0, NULL },		/* 0x01 */
	{ "mpeg4", "MPEG-4 Part 2", 'v', 1, 0, NULL },		/* 0x10 */
	{ "aac", "AAC", 'a', 1, 1, NULL },			/* 0x0F mp4a */
	{ "aac_latm", "AAC (LATM)", 'a', 1, 0, NULL },		/* 0x11 */
	/*
	 * 0x03 covers Layer I, but FFmpeg 5.1 muxes AV_CODEC_ID_MP1 as
	 * private data. Kept as the MPEG-TS list before this table had it.
	 */
	{ "mp1", "MP1", 'a', 1, 0, NULL },
	{ "mp2", "MP2", 'a', 1, 1, NULL },			/* 0x03 mp4a */
	{ "mp3", "MP3", 'a', 1, 1, NULL },			/* 0x03 mp4a */
	{ "ac3", "AC-3", 'a', 1, 1, NULL },			/* 0x81 ac-3 */
	{ "eac3", "E-AC-3", 'a', 1, 1, NULL },			/* 0x87 ec-3 */
	{ "dts", "DTS", 'a', 1, 0, NULL },			/* 0x82 */
	{ "opus", "Opus", 'a', 0, 1, NULL },			/* - Opus */
	/* fLaC exists (FLAC in ISO BMFF); sd-cmafmux leaves FLAC out. */
	{ "flac", "FLAC", 'a', 0, 0, NULL },
	{ "vorbis", "Vorbis", 'a', 0, 0, NULL },
};

static const struct sd_encoder encoders[] = {
	{ "libx264", "h264", SD_HW_NONE },
	{ "h264_nvenc", "h264", SD_HW_NVENC },
	{ "h264_qsv", "h264", SD_HW_QSV },
	{ "h264_vaapi", "h264", SD_HW_VAAPI },
	{ "h264_amf", "h264", SD_HW_AMF },
	{ "h264_videotoolbox", "h264", SD_HW_VIDEOTOOLBOX },
	{ "h264_v4l2m2m", "h264", SD_HW_V4L2M2M },
	{ "h264_mf", "h264", SD_HW_MF },
	{ "libx265", "hevc", SD_HW_NONE },
	{ "hevc_nvenc", "hevc", SD_HW_NVENC },
	{ "hevc_qsv", "hevc", SD_HW_QSV },
	{ "hevc_vaapi", "hevc", SD_HW_VAAPI },
	{ "hevc_amf", "hevc", SD_HW_AMF },
	{ "hevc_videotoolbox", "hevc", SD_HW_VIDEOTOOLBOX },
	{ "hevc_v4l2m2m", "hevc", SD_HW_V4L2M2M },
	{ "hevc_mf", "hevc", SD_HW_MF },
	{ "libvpx-vp9", "vp9", SD_HW_NONE },
	{ "vp9_qsv", "vp9", SD_HW_QSV },
	{ "vp9_vaapi", "vp9", SD_HW_VAAPI },
	{ "libaom-av1", "av1", SD_HW_NONE },
	{ "libsvtav1", "av1", SD_HW_NONE },
	{ "librav1e", "av1", SD_HW_NONE },
	{ "av1_nvenc", "av1", SD_HW_NVENC },
	{ "av1_qsv", "av1", SD_HW_QSV },
	{ "av1_vaapi", "av1", SD_HW_VAAPI },
	{ "av1_amf", "av1", SD_HW_AMF },
	{ "libvpx", "vp8", SD_HW_NONE },
	{ "vp8_vaapi", "vp8", SD_HW_VAAPI },
	{ "vp8_v4l2m2m", "vp8", SD_HW_V4L2M2M },
	{ "mpeg2video", "mpeg2video", SD_HW_NONE },
	{ "mpeg2_qsv", "mpeg2video", SD_HW_QSV },
	{ "mpeg2_vaapi", "mpeg2video", SD_HW_VAAPI },
	{ "aac", "aac", SD_HW_NONE },
	{ "libfdk_aac", "aac", SD_HW_NONE },
	{ "aac_at", "aac", SD_HW_NONE },
	{ "libopus", "opus", SD_HW_NONE },
	{ "opus", "opus", SD_HW_NONE },
	{ "ac3", "ac3", SD_HW_NONE },
	{ "ac3_fixed", "ac3", SD_HW_NONE },
	{ "eac3", "eac3", SD_HW_NONE },
	{ "libmp3lame", "mp3", SD_HW_NONE },
	{ "mp2", "mp2", SD_HW_NONE },
	{ "libtwolame", "mp2", SD_HW_NONE },
	{ "flac", "flac", SD_HW_NONE },
};

/* Indexed by enum sd_hw. */
static const struct {
	const char *name;
	const char *device;	/* the default device decide.c checks */
} hw_families[] = {
	[SD_HW_NONE] = { "", NULL },
	[SD_HW_NVENC] = { "nvenc", "/dev/nvidia0" },
	[SD_HW_QSV] = { "qsv", "/dev/dri/renderD128" },
	[SD_HW_VAAPI] = { "vaapi", "/dev/dri/renderD128" },
	[SD_HW_AMF] = { "amf", NULL },
	[SD_HW_VIDEOTOOLBOX] = { "videotoolbox", NULL },
	[SD_HW_V4L2M2M] = { "v4l2m2m", NULL },
	[SD_HW_MF] = { "mf", NULL },
};

/* ---------------------------------------------------------------- rows */

const struct sd_codec *
sd_codec_at(size_t i)
{
	return i < SD_ARRAY_LEN(codecs) ? &codecs[i] : NULL;
}

const struct sd_encoder *
sd_encoder_at(size_t i)
{
	return i < SD_ARRAY_LEN(encoders) ? &encoders[i] : NULL;
}

const struct sd_codec *
sd_codec_find(const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < SD_ARRAY_LEN(codecs); i++)
		if (strcmp(codecs[i].name, name) == 0)
			return &codecs[i];
	return NULL;
}

const struct sd_encoder *
sd_encoder_find(const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < SD_ARRAY_LEN(encoders); i++)
		if (strcmp(encoders[i].name, name) == 0)
			return &encoders[i];
	return NULL;
}

/* ---------------------------------------------------------------- codecs */

const char *
sd_encoder_codec(const char *encoder)
{
	const struct sd_encoder *e;

	if (encoder == NULL || *encoder == '\0' || strcmp(encoder, "copy") == 0)
		return "copy";
	e = sd_encoder_find(encoder);
	return e ? e->codec : NULL;
}

const char *
sd_codec_label(const char *codec)
{
	const struct sd_codec *c = sd_codec_find(codec);

	return c ? c->label : codec;
}

int
sd_codec_in_mpegts(const char *codec)
{
	const struct sd_codec *c = sd_codec_find(codec);

	return c != NULL && c->ts;
}

int
sd_codec_in_fmp4(const char *codec)
{
	const struct sd_codec *c = sd_codec_find(codec);

	return c != NULL && c->fmp4;
}

int
sd_codec_fits_mpegts(const char *encoder)
{
	const char *codec = sd_encoder_codec(encoder);

	/* An encoder sd does not know is passed on as written (sd.ini(5)). */
	if (codec == NULL || strcmp(codec, "copy") == 0)
		return 1;
	return sd_codec_in_mpegts(codec);
}

int
sd_action_encodes(const char *action)
{
	return strcmp(action, "copy") != 0 && strcmp(action, "none") != 0;
}

/* ---------------------------------------------------------------- hardware */

enum sd_hw
sd_encoder_hw(const char *encoder)
{
	const struct sd_encoder *e = sd_encoder_find(encoder);
	const char *suffix;
	size_t i;

	if (e != NULL)
		return e->hw;
	if (encoder == NULL || (suffix = strrchr(encoder, '_')) == NULL)
		return SD_HW_NONE;
	for (i = SD_HW_NONE + 1; i < SD_ARRAY_LEN(hw_families); i++)
		if (strcmp(suffix + 1, hw_families[i].name) == 0)
			return (enum sd_hw)i;
	return SD_HW_NONE;
}

const char *
sd_hw_name(enum sd_hw hw)
{
	return (size_t)hw < SD_ARRAY_LEN(hw_families) ?
	    hw_families[hw].name : "";
}

enum sd_hw
sd_hw_parse(const char *hwaccel)
{
	size_t i;

	if (hwaccel == NULL || *hwaccel == '\0')
		return SD_HW_NONE;
	/* ffmpeg's -hwaccel cuda, and the vendor: both mean NVENC here. */
	if (strcmp(hwaccel, "cuda") == 0 || strcmp(hwaccel, "nvidia") == 0)
		return SD_HW_NVENC;
	for (i = SD_HW_NONE + 1; i < SD_ARRAY_LEN(hw_families); i++)
		if (strcmp(hwaccel, hw_families[i].name) == 0)
			return (enum sd_hw)i;
	return SD_HW_NONE;
}

const char *
sd_hw_device(enum sd_hw hw)
{
	return (size_t)hw < SD_ARRAY_LEN(hw_families) ?
	    hw_families[hw].device : NULL;
}

const char *
sd_hw_encoder(const char *codec, enum sd_hw hw)
{
	size_t i;

	for (i = 0; codec != NULL && hw != SD_HW_NONE &&
	    i < SD_ARRAY_LEN(encoders); i++)
		if (encoders[i].hw == hw && strcmp(encoders[i].codec,
		    codec) == 0)
			return encoders[i].name;
	return NULL;
}

const char *
sd_software_encoder(const char *encoder)
{
	const struct sd_encoder *e = sd_encoder_find(encoder);
	const struct sd_codec *c;

	if (e == NULL || e->hw == SD_HW_NONE ||
	    (c = sd_codec_find(e->codec)) == NULL)
		return NULL;
	return c->software;
}
