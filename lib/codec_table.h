/*
 * codec_table.h - what sd knows of codecs, encoders and hardware encoder
 * families, in one place (codec_table.c). For config.c, decide.c and
 * ffargs.c; not a public interface (programs use the few functions sd.h
 * declares). Not to be confused with av_codecs.c, which reads RFC 6381
 * strings out of a stream's extradata.
 */
#ifndef CODEC_TABLE_H
#define CODEC_TABLE_H

#include <stddef.h>

/* Hardware encoder families, as FFmpeg names its encoders' suffixes. */
enum sd_hw {
	SD_HW_NONE,		/* a software encoder */
	SD_HW_NVENC,		/* NVIDIA: h264_nvenc */
	SD_HW_QSV,		/* Intel Quick Sync: h264_qsv */
	SD_HW_VAAPI,		/* VA-API: h264_vaapi */
	SD_HW_AMF,		/* AMD AMF: h264_amf */
	SD_HW_VIDEOTOOLBOX,	/* Apple: h264_videotoolbox */
	SD_HW_V4L2M2M,		/* V4L2 memory-to-memory: h264_v4l2m2m */
	SD_HW_MF,		/* Windows Media Foundation: h264_mf */
};

/* A codec as FFmpeg names it (the family of its encoders). */
struct sd_codec {
	const char *name;	/* h264, aac: ffprobe's codec_name */
	const char *label;	/* H.264, AAC: for messages */
	char kind;		/* 'v' video, 'a' audio */
	int ts;			/* MPEG-TS carries it (ISO/IEC 13818-1) */
	int fmp4;		/* sd-cmafmux writes its sample entry */
	const char *software;	/* what its hardware encoders fall back to */
};

/* An encoder as profiles.ini and ffmpeg -c name it. */
struct sd_encoder {
	const char *name;	/* libx264, h264_vaapi, aac */
	const char *codec;	/* the row of the codec table it makes */
	enum sd_hw hw;
};

/* The rows, for walking the table (tests); NULL past the last. */
const struct sd_codec *sd_codec_at(size_t i);
const struct sd_encoder *sd_encoder_at(size_t i);

/* The row of a codec (h264) or an encoder (libx264); NULL: unknown. */
const struct sd_codec *sd_codec_find(const char *name);
const struct sd_encoder *sd_encoder_find(const char *name);

/* 1 when sd-cmafmux writes the codec (FFmpeg name) into fMP4. */
int sd_codec_in_fmp4(const char *codec);

/*
 * An encoder's hardware family: its row's, else (an encoder sd has no row
 * for, such as mjpeg_vaapi) the family its _suffix names.
 */
enum sd_hw sd_encoder_hw(const char *encoder);
/* nvenc, qsv, ...; "" for SD_HW_NONE. */
const char *sd_hw_name(enum sd_hw hw);
/* A profile's hwaccel: a family's name, or cuda or nvidia for NVENC. */
enum sd_hw sd_hw_parse(const char *hwaccel);
/*
 * The device node a family's encoders open by default, which decide.c
 * checks before it chooses one (/dev/nvidia0, /dev/dri/renderD128); NULL
 * for families whose device sd does not check (AMF, VideoToolbox, ...).
 */
const char *sd_hw_device(enum sd_hw hw);
/*
 * The software encoder a hardware one falls back to (h264_vaapi: libx264);
 * NULL for a software encoder and for one sd does not know.
 */
const char *sd_software_encoder(const char *encoder);
/* codec's encoder of family hw (h264 + vaapi: h264_vaapi), or NULL. */
const char *sd_hw_encoder(const char *codec, enum sd_hw hw);

/* A plan's track action (copy, none, or an encoder): 1 when it encodes. */
int sd_action_encodes(const char *action);

/* 1 when MPEG-TS carries the codec; 0 for VP9, AV1, Opus and the unknown. */
int sd_codec_in_mpegts(const char *codec);

#endif
