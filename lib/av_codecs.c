/*
 * av_codecs.c - RFC 6381 codecs strings built from a stream's own
 * parameters and extradata, for HLS CODECS and DASH @codecs.
 *
 * The extradata came from outside (a TS or MP4 the user handed us): it is
 * read by the same bounded parsers the CMAF writer uses (nal.c for
 * H.264/HEVC, codec_config.c for AV1 and AAC), and a parameter set that
 * cannot be read falls back to what libavcodec already parsed into
 * AVCodecParameters (profile, level, pixel format) rather than guessing.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <libavcodec/avcodec.h>	/* FF_PROFILE_*: constants only */

#include "sd.h"
#include "av_codecs.h"
#include "av_edge.h"
#include "codec_config.h"
#include "nal.h"
#include "util_int.h"

/* Every codecs string is written whole or not at all. */
#define put sd_pathf

/* ------------------------------------------------------------ H.264 */

/*
 * avc1.PPCCLL: profile_idc, the constraint_set flags byte and level_idc, the
 * three bytes after the SPS NAL header (also bytes 1-3 of an avcC).
 */
static int
codec_h264(const struct sd_par *par, char *out, size_t len)
{
	size_t n = par->extradata_size > 0 ? (size_t)par->extradata_size : 0;
	uint8_t pcl[3];
	int prof, cons;

	if (sd_h264_profile_level(par->extradata, n, pcl) == 0)
		return put(out, len, "avc1.%02x%02x%02x", pcl[0], pcl[1],
		    pcl[2]);
	if (par->profile <= 0 || par->level <= 0)
		return -1;
	/* What libavcodec keeps of the constraint flags: set1 (constrained
	 * baseline) and set3 (intra profiles, or level 1b). */
	prof = par->profile & 0xff;
	cons = 0;
	if (par->profile & FF_PROFILE_H264_CONSTRAINED)
		cons |= 0x40;
	if (par->profile & FF_PROFILE_H264_INTRA)
		cons |= 0x10;
	return put(out, len, "avc1.%02x%02x%02x", prof, cons, par->level);
}

/* ------------------------------------------------------------ HEVC */

/* general_profile_tier_level: the 12 bytes ISO/IEC 14496-15 E.3 needs. */
struct hevc_ptl {
	unsigned space, tier, idc;
	uint32_t compat;
	uint8_t cons[6];
	unsigned level;
};

static void
ptl_read(const uint8_t *p, struct hevc_ptl *ptl)
{
	ptl->space = p[0] >> 6;
	ptl->tier = (p[0] >> 5) & 1;
	ptl->idc = p[0] & 0x1f;
	ptl->compat = (uint32_t)p[1] << 24 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 8 | p[4];
	memcpy(ptl->cons, p + 5, 6);
	ptl->level = p[11];
}

/* The PTL from hvcC, or an Annex B SPS (or VPS when no SPS is there). */
static int
hevc_find_ptl(const uint8_t *x, size_t n, struct hevc_ptl *ptl)
{
	uint8_t p[12];

	if (sd_hevc_profile_tier_level(x, n, p) == -1)
		return -1;
	ptl_read(p, ptl);
	return 0;
}

static uint32_t
reverse32(uint32_t v)
{
	uint32_t r = 0;
	int i;

	for (i = 0; i < 32; i++, v >>= 1)
		r = (r << 1) | (v & 1);
	return r;
}

/*
 * hvc1.[A-C]P.C.TL.B0.B1...: profile space (none, A, B, C) and idc, the
 * compatibility flags in reverse bit order, tier L/H and level_idc, then the
 * constraint bytes with trailing zero bytes dropped (ISO/IEC 14496-15 E.3).
 * hvc1 rather than hev1: the writers put parameter sets in the sample entry,
 * and Apple players take only hvc1.
 */
static int
codec_hevc(const struct sd_par *par, char *out, size_t len)
{
	struct hevc_ptl ptl;
	char cons[6 * 3 + 1] = "";
	size_t ncons, i;
	static const char *space[] = { "", "A", "B", "C" };

	memset(&ptl, 0, sizeof(ptl));
	if (hevc_find_ptl(par->extradata, par->extradata_size > 0 ?
	    (size_t)par->extradata_size : 0, &ptl) == -1) {
		if (par->profile <= 0 || par->profile > 31 || par->level <= 0)
			return -1;
		ptl.idc = (unsigned)par->profile;
		ptl.compat = 0x80000000u >> ptl.idc;
		ptl.level = (unsigned)par->level & 0xff;
	}
	for (ncons = 6; ncons > 0 && ptl.cons[ncons - 1] == 0; ncons--)
		;
	for (i = 0; i < ncons; i++)
		snprintf(cons + 3 * i, sizeof(cons) - 3 * i, ".%02X",
		    ptl.cons[i]);
	return put(out, len, "hvc1.%s%u.%X.%c%u%s", space[ptl.space & 3],
	    ptl.idc, reverse32(ptl.compat), ptl.tier ? 'H' : 'L', ptl.level,
	    cons);
}

/* ------------------------------------------------------------ VP9 */

static int
pix_depth(const struct sd_par *par)
{
	if (par->pix_known && par->pix_ncomp > 0)
		return par->pix_depth;
	if (par->bits_per_raw_sample > 0)
		return par->bits_per_raw_sample;
	return 8;
}

static int
pix_is_420(const struct sd_par *par)
{
	return !par->pix_known ||
	    (par->pix_log2_cw == 1 && par->pix_log2_ch == 1);
}

/*
 * vp09.PP.LL.DD. Profile from libavcodec (or the pixel format: 4:2:0 8-bit
 * is profile 0, other 8-bit 1, 4:2:0 high depth 2, else 3), level from the
 * stream when it says, else from size and rate, bit depth from the pixel
 * format. A WebM CodecPrivate (ID, length, value triples) wins when present.
 */
static int
codec_vp9(const struct sd_par *par, double fps, char *out, size_t len)
{
	const uint8_t *x = par->extradata;
	size_t n = par->extradata_size > 0 ? (size_t)par->extradata_size : 0;
	int prof = par->profile, level = par->level, depth = pix_depth(par);
	size_t i;

	if (prof < 0 || prof > 3)
		prof = (depth > 8 ? 2 : 0) + (pix_is_420(par) ? 0 : 1);
	for (i = 0; x != NULL && i + 2 < n && x[i + 1] == 1; i += 3) {
		if (x[i] == 1 && x[i + 2] <= 3)
			prof = x[i + 2];
		else if (x[i] == 2 && x[i + 2] >= 10 && x[i + 2] <= 62)
			level = x[i + 2];
		else if (x[i] == 3 && (x[i + 2] == 8 || x[i + 2] == 10 ||
		    x[i + 2] == 12))
			depth = x[i + 2];
	}
	if (level < 10 || level > 62) {
		if (par->width <= 0 || par->height <= 0)
			return -1;
		level = sd_vp9_level(par->width, par->height, fps > 0 ? fps : 30);
	}
	return put(out, len, "vp09.%02d.%02d.%02d", prof, level, depth);
}

/* ------------------------------------------------------------ AV1 */

/*
 * av01.P.LLT.DD: profile, seq_level_idx and tier (M or H) of operating point
 * 0, bit depth, from av1C (AV1-ISOBMFF 2.3) or a sequence header OBU.
 */
static int
codec_av1(const struct sd_par *par, char *out, size_t len)
{
	const uint8_t *x = par->extradata;
	size_t n = par->extradata_size > 0 ? (size_t)par->extradata_size : 0;
	struct sd_av1_seq s;
	int depth = pix_depth(par);

	if (n >= 4 && x[0] == 0x81) {
		s.profile = x[1] >> 5;
		s.level = x[1] & 0x1f;
		s.tier = x[2] >> 7;
		depth = (x[2] & 0x40) ? ((x[2] & 0x20) ? 12 : 10) : 8;
	} else if (n == 0 || sd_av1_seq_level(x, n, &s) == -1) {
		if (par->profile < 0 || par->profile > 2 || par->level < 0 ||
		    par->level > 31)
			return -1;
		s.profile = (unsigned)par->profile;
		s.level = (unsigned)par->level;
		s.tier = 0;
	}
	return put(out, len, "av01.%u.%02u%c.%02d", s.profile, s.level,
	    s.tier ? 'H' : 'M', depth);
}

/* ------------------------------------------------------------ audio */

/*
 * mp4a.40.AOT: the audio object type is the first 5 bits of the
 * AudioSpecificConfig (31 escapes to 32 + 6 more bits). ADTS streams (TS)
 * carry no extradata: libavcodec's profile is the AOT minus one.
 */
static int
codec_aac(const struct sd_par *par, char *out, size_t len)
{
	unsigned aot = sd_asc_object_type(par->extradata,
	    par->extradata_size > 0 ? (size_t)par->extradata_size : 0);

	if (aot == 0 && par->profile >= 0 && par->profile < 45)
		aot = (unsigned)par->profile + 1;
	if (aot == 0)
		aot = 2;	/* AAC LC: what an unknown ADTS stream is */
	return put(out, len, "mp4a.40.%u", aot);
}

/*
 * MPEG audio layers I and II: the MP4 object type indication, as FFmpeg's
 * MP4 muxer writes it in esds: 0x6B (ISO/IEC 11172-3) at the MPEG-1 rates
 * (32, 44.1, 48 kHz), 0x69 (13818-3) at the MPEG-2 half rates. Chromium
 * and hls.js accept both strings (neither decodes layer II in MSE), and the
 * string then names what the sample entry says. MP3 gets mp4a.40.34, the
 * form Apple's HLS authoring specification and Chromium use for MP3.
 */
static int
codec_mpeg_audio(const struct sd_par *par, char *out, size_t len)
{
	if (par->codec_id == AV_CODEC_ID_MP3)
		return put(out, len, "mp4a.40.34");
	return put(out, len, "mp4a.%s", par->sample_rate > 24000 ||
	    par->sample_rate <= 0 ? "6B" : "69");
}

/* ------------------------------------------------------------ entry */

/*
 * The codecs string with a known frame rate (fps <= 0: unknown). Only VP9
 * needs the rate, when the stream does not state its level:
 * AVCodecParameters carries no frame rate in libavcodec 59, so
 * sd_codec_string assumes 30 frames a second.
 */
int
sd_codecs_of(const struct sd_par *par, double fps, char *out, size_t len)
{
	if (par == NULL || out == NULL || len == 0)
		return -1;
	out[0] = '\0';
	switch (par->codec_id) {
	case AV_CODEC_ID_H264:
		return codec_h264(par, out, len);
	case AV_CODEC_ID_HEVC:
		return codec_hevc(par, out, len);
	case AV_CODEC_ID_VP9:
		return codec_vp9(par, fps, out, len);
	case AV_CODEC_ID_AV1:
		return codec_av1(par, out, len);
	case AV_CODEC_ID_MPEG2VIDEO:
		/* Object type 0x61: MPEG-2 Main profile, what broadcast is. */
		return put(out, len, "mp4v.61");
	case AV_CODEC_ID_AAC:
		return codec_aac(par, out, len);
	case AV_CODEC_ID_MP1:
	case AV_CODEC_ID_MP2:
	case AV_CODEC_ID_MP3:
		return codec_mpeg_audio(par, out, len);
	case AV_CODEC_ID_OPUS:
		return put(out, len, "opus");
	case AV_CODEC_ID_AC3:
		return put(out, len, "ac-3");
	case AV_CODEC_ID_EAC3:
		return put(out, len, "ec-3");
	case AV_CODEC_ID_FLAC:
		return put(out, len, "fLaC");
	default:
		return -1;
	}
}

/* avcodec_get_name's names of the codecs sd-cmafmux carries. */
const char *
sd_codec_name(enum AVCodecID id)
{
	switch (id) {
	case AV_CODEC_ID_H264: return "h264";
	case AV_CODEC_ID_HEVC: return "hevc";
	case AV_CODEC_ID_VP9: return "vp9";
	case AV_CODEC_ID_AV1: return "av1";
	case AV_CODEC_ID_MPEG2VIDEO: return "mpeg2video";
	case AV_CODEC_ID_AAC: return "aac";
	case AV_CODEC_ID_MP1: return "mp1";
	case AV_CODEC_ID_MP2: return "mp2";
	case AV_CODEC_ID_MP3: return "mp3";
	case AV_CODEC_ID_OPUS: return "opus";
	case AV_CODEC_ID_AC3: return "ac3";
	case AV_CODEC_ID_EAC3: return "eac3";
	case AV_CODEC_ID_FLAC: return "flac";
	case AV_CODEC_ID_NONE: return "none";
	default: return "unknown_codec";
	}
}
