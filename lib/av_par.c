/*
 * av_par.c - libavcodec's codec parameters as sd's own (av_edge.h), and
 * the codecs string of AVCodecParameters (av_codecs.h) for sd-classify's
 * probe.
 */
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavutil/pixdesc.h>

#include "av_codecs.h"
#include "av_edge.h"
#include "av_par.h"

/* What sd needs of par; extradata is borrowed (sd_par_copy keeps it). */
void
sd_par_from_av(struct sd_par *p, const AVCodecParameters *par)
{
	const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(par->format);

	memset(p, 0, sizeof(*p));
	p->codec_id = par->codec_id;
	p->media = par->codec_type == AVMEDIA_TYPE_VIDEO ? 'v' :
	    par->codec_type == AVMEDIA_TYPE_AUDIO ? 'a' : 0;
	p->extradata = par->extradata;
	p->extradata_size = par->extradata_size;
	p->bit_rate = par->bit_rate;
	p->sample_rate = par->sample_rate;
	p->channels = par->ch_layout.nb_channels;
	p->frame_size = par->frame_size;
	p->width = par->width;
	p->height = par->height;
	p->profile = par->profile;
	p->level = par->level;
	if (d != NULL) {
		p->pix_known = 1;
		p->pix_ncomp = d->nb_components;
		p->pix_depth = d->nb_components > 0 ? d->comp[0].depth : 0;
		p->pix_log2_cw = d->log2_chroma_w;
		p->pix_log2_ch = d->log2_chroma_h;
	}
	p->bits_per_raw_sample = par->bits_per_raw_sample;
	p->chroma_location = par->chroma_location;
	p->color_range = par->color_range;
	p->color_primaries = par->color_primaries;
	p->color_trc = par->color_trc;
	p->color_space = par->color_space;
}

int
sd_codec_string_fps(const AVCodecParameters *par, double fps, char *out,
    size_t len)
{
	struct sd_par p;

	if (par == NULL)
		return -1;
	sd_par_from_av(&p, par);
	return sd_codecs_of(&p, fps, out, len);
}

int
sd_codec_string(const AVCodecParameters *par, char *out, size_t len)
{
	return sd_codec_string_fps(par, 0, out, len);
}
