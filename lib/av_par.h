/*
 * av_par.h - libavcodec's codec parameters as sd's own (av_par.c), for
 * the libav* edge of sd-cmafmux (av_edge.c) and sd-classify.
 */
#ifndef AV_PAR_H
#define AV_PAR_H

#include <libavcodec/avcodec.h>

#include "av_edge.h"

/* extradata is borrowed from par: sd_par_copy keeps its own. */
void sd_par_from_av(struct sd_par *p, const AVCodecParameters *par);

#endif
