/*
 * av_pkt.c - sd-cmafmux's packets and codec parameters (av_edge.h),
 * without libav*: buffers shared by count, so that a held sample keeps
 * the packet's bytes without a copy.
 */
#include <stdlib.h>
#include <string.h>

#include "av_edge.h"

#define PADDING	64	/* zeroed bytes past the end, as libavcodec pads */

static void
buf_release(struct sd_pktbuf *b)
{
	free(b->p);
	free(b);
}

struct sd_pktbuf *
sd_pktbuf_new(size_t n)
{
	struct sd_pktbuf *b;

	if (n > SIZE_MAX - PADDING || (b = calloc(1, sizeof(*b))) == NULL)
		return NULL;
	if ((b->p = malloc(n + PADDING)) == NULL) {
		free(b);
		return NULL;
	}
	memset(b->p + n, 0, PADDING);
	b->refs = 1;
	b->release = buf_release;
	return b;
}

struct sd_pktbuf *
sd_pktbuf_ref(struct sd_pktbuf *b)
{
	if (b != NULL)
		b->refs++;
	return b;
}

void
sd_pktbuf_unref(struct sd_pktbuf **bp)
{
	struct sd_pktbuf *b = *bp;

	*bp = NULL;
	if (b != NULL && --b->refs == 0)
		b->release(b);
}

int
sd_pkt_alloc(struct sd_pkt *pkt, size_t n)
{
	memset(pkt, 0, sizeof(*pkt));
	pkt->pts = pkt->dts = AV_NOPTS_VALUE;
	pkt->stream_index = -1;
	if (n > INT32_MAX || (pkt->buf = sd_pktbuf_new(n)) == NULL)
		return -1;
	pkt->data = pkt->buf->p;
	pkt->size = (int)n;
	return 0;
}

void
sd_pkt_unref(struct sd_pkt *pkt)
{
	sd_pktbuf_unref(&pkt->buf);
	memset(pkt, 0, sizeof(*pkt));
	pkt->pts = pkt->dts = AV_NOPTS_VALUE;
}

int
sd_pkt_writable(const struct sd_pkt *pkt)
{
	return pkt->buf != NULL && pkt->buf->refs == 1 && !pkt->buf->shared;
}

int
sd_pkt_move(struct sd_pkt *dst, struct sd_pkt *pkt)
{
	*dst = *pkt;
	dst->new_extra = NULL;	/* the sender's, gone with its packet */
	dst->new_extra_len = 0;
	if (pkt->buf == NULL && pkt->size > 0) {
		if ((dst->buf = sd_pktbuf_new((size_t)pkt->size)) == NULL) {
			sd_pkt_unref(dst);
			return -1;
		}
		memcpy(dst->buf->p, pkt->data, (size_t)pkt->size);
		dst->data = dst->buf->p;
	}
	memset(pkt, 0, sizeof(*pkt));
	pkt->pts = pkt->dts = AV_NOPTS_VALUE;
	return 0;
}

void
sd_par_init(struct sd_par *p)
{
	memset(p, 0, sizeof(*p));
	p->codec_id = AV_CODEC_ID_NONE;
	p->profile = -99;	/* FF_PROFILE_UNKNOWN */
	p->level = -99;		/* FF_LEVEL_UNKNOWN */
	p->color_primaries = AVCOL_PRI_UNSPECIFIED;
	p->color_trc = AVCOL_TRC_UNSPECIFIED;
	p->color_space = AVCOL_SPC_UNSPECIFIED;
}

int
sd_par_copy(struct sd_par *dst, const struct sd_par *src)
{
	*dst = *src;
	dst->extradata = NULL;
	dst->extradata_size = 0;
	if (src->extradata == NULL || src->extradata_size <= 0)
		return 0;
	if ((dst->extradata = malloc((size_t)src->extradata_size +
	    PADDING)) == NULL)
		return -1;
	memcpy(dst->extradata, src->extradata, (size_t)src->extradata_size);
	memset(dst->extradata + src->extradata_size, 0, PADDING);
	dst->extradata_size = src->extradata_size;
	return 0;
}

void
sd_par_free(struct sd_par *p)
{
	free(p->extradata);
	p->extradata = NULL;
	p->extradata_size = 0;
}
