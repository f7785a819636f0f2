/*
 * av_codecs.h - the RFC 6381 codecs string of a stream (av_codecs.c), for
 * sd-classify's probe (av_probe_media.c) and sd-cmafmux's tracks (av_au.c).
 * sd_codec_string takes libavcodec's parameters (av_par.c).
 * Inside lib/ only: not part of sd.h.
 */
#ifndef SD_AV_CODECS_H
#define SD_AV_CODECS_H

#include <stddef.h>

#include <libavcodec/codec_id.h>

struct AVCodecParameters;
struct sd_par;

/*
 * Built from the stream's own parameters and extradata (avcC or Annex B
 * SPS; hvcC or Annex B VPS/SPS; VP9 profile/level/bit depth; av1C or a
 * sequence header OBU; the AAC AudioSpecificConfig; opus, ac-3, ec-3,
 * mp4a.40.34 for MP3; for MP2 the object type FFmpeg's MP4 muxer writes in
 * esds: mp4a.6B at the MPEG-1 rates, mp4a.69 at 24 kHz and below).
 * Returns 0, or -1 when the codec is not one sd knows (or out is too
 * small).
 */
int sd_codec_string(const struct AVCodecParameters *par, char *out,
    size_t len);
/* The same with the stream's frame rate (fps <= 0: unknown), which only a
 * VP9 level needs: AVCodecParameters has no frame rate in libavcodec 59,
 * and sd_codec_string assumes 30. */
int sd_codec_string_fps(const struct AVCodecParameters *par, double fps,
    char *out, size_t len);

/* The same from sd's own parameters (av_edge.h): no libav* call. */
int sd_codecs_of(const struct sd_par *par, double fps, char *out,
    size_t len);
/* What avcodec_get_name says of the codecs sd carries. */
const char *sd_codec_name(enum AVCodecID id);

#endif
