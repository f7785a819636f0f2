/*
 * Fuzz sd_codec_string on hostile extradata: the first byte picks the codec
 * and the profile, the rest is the extradata (avcC or Annex B, hvcC or
 * Annex B, av1C or OBUs, AudioSpecificConfig, WebM VP9 CodecPrivate).
 */
#include <stdint.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavutil/mem.h>

#include "sd.h"
#include "av_codecs.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum AVCodecID ids[] = { AV_CODEC_ID_H264,
	    AV_CODEC_ID_HEVC, AV_CODEC_ID_VP9, AV_CODEC_ID_AV1,
	    AV_CODEC_ID_AAC, AV_CODEC_ID_MP2 };
	AVCodecParameters *par;
	char out[64];

	if (size < 1 || (par = avcodec_parameters_alloc()) == NULL)
		return 0;
	par->codec_id = ids[data[0] % (sizeof(ids) / sizeof(ids[0]))];
	par->profile = (data[0] >> 3) - 2;
	par->level = data[0] & 0x40 ? -99 : 31;
	par->width = 1920;
	par->height = 1080;
	par->format = AV_PIX_FMT_YUV420P10LE;
	if (size > 1) {
		par->extradata = av_mallocz(size - 1 +
		    AV_INPUT_BUFFER_PADDING_SIZE);
		if (par->extradata != NULL) {
			memcpy(par->extradata, data + 1, size - 1);
			par->extradata_size = (int)(size - 1);
		}
	}
	(void)sd_codec_string(par, out, sizeof(out));
	avcodec_parameters_free(&par);
	return 0;
}
