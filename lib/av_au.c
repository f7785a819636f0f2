/*
 * av_au.c - sd-cmafmux's codec handling: what each access unit is made
 * into before it joins a segment. The codec configuration and sample entry
 * from the first access unit (and again when the parameters change), the
 * RFC 6381 string, Annex B to length-prefixed NAL units, AV1 without
 * temporal delimiters, audio frame durations and the parameters a header
 * fixes. libavformat's own packets in, the track's samples out.
 */
#include <err.h>
#include <limits.h>
#include <string.h>

#include "av_mux.h"
#include "bits.h"

/* ---------------------------------------------------------------- headers */

/* The RFC 6381 string from the header we wrote (our own config). */
void
sd_au_codecs(struct trk *t, double fps)
{
	struct sd_par p = *t->par;

	t->codecs[0] = '\0';
	if (strcmp(t->ct.cfg_type, "avcC") == 0 ||
	    strcmp(t->ct.cfg_type, "hvcC") == 0 ||
	    strcmp(t->ct.cfg_type, "av1C") == 0 || (t->asc_len > 0)) {
		p.extradata = t->asc_len > 0 ? t->asc : t->cfg.p;
		p.extradata_size = (int)(t->asc_len > 0 ? t->asc_len :
		    t->cfg.len);
	}
	/* The frame rate: a VP9 level as vpcC says it (vp9_config). */
	if (sd_codecs_of(&p, fps, t->codecs, sizeof(t->codecs)) == -1)
		t->codecs[0] = '\0';
}

static unsigned
mpeg_audio_oti(const struct trk *t)
{
	return t->sample_rate >= 32000 || t->sample_rate == 0 ? 0x6B : 0x69;
}

static int
vp9_config(struct trk *t, double fps)
{
	const struct sd_par *d = t->par->pix_known ? t->par : NULL;
	unsigned depth = d ? (unsigned)d->pix_depth : 8, chroma = 1;
	int prof = t->par->profile, level = t->par->level;

	if (d != NULL && d->pix_log2_cw == 1 && d->pix_log2_ch == 0)
		chroma = 2;
	else if (d != NULL && d->pix_log2_cw == 0 && d->pix_log2_ch == 0)
		chroma = 3;
	else if (t->par->chroma_location == AVCHROMA_LOC_LEFT)
		chroma = 0;
	if (prof < 0 || prof > 3)
		prof = (depth > 8 ? 2 : 0) + (chroma >= 2 ? 1 : 0);
	if (level < 10 || level > 62)
		level = sd_vp9_level(t->par->width, t->par->height, fps);
	return sd_vpcc((unsigned)prof, (unsigned)level, depth, chroma,
	    t->par->color_range == AVCOL_RANGE_JPEG,
	    (unsigned)t->par->color_primaries & 0xff,
	    (unsigned)t->par->color_trc & 0xff,
	    (unsigned)t->par->color_space & 0xff, &t->cfg);
}

/* The codec configuration and sample entry, from the first access unit. */
int
sd_au_config(struct trk *t, const uint8_t *au, size_t n, double fps)
{
	const struct sd_par *p = t->par;
	const uint8_t *x = p->extradata;
	size_t xn = p->extradata_size > 0 ? (size_t)p->extradata_size : 0;
	int rate = 0, samples = 0, rv = -1, w, h;
	uint8_t small[5];

	t->cfg.len = 0;
	t->ct.cfg_full = 0;
	switch (p->codec_id) {
	case AV_CODEC_ID_H264:
	case AV_CODEC_ID_HEVC:
		strlcpy(t->ct.entry, t->hevc ? "hvc1" : "avc1", 5);
		strlcpy(t->ct.cfg_type, t->hevc ? "hvcC" : "avcC", 5);
		if (!t->annexb) {
			rv = sd_bytes_put(&t->cfg, x, xn);
			break;
		}
		/* In-band parameter sets first: they are what the
		 * pictures use; extradata is a probe's guess. */
		rv = t->hevc ? sd_hvcc_from_annexb(au, n, &t->cfg) :
		    sd_avcc_from_annexb(au, n, &t->cfg);
		if (rv == -1 && xn > 0) {
			t->cfg.len = 0;
			t->cfg.failed = 0;
			rv = t->hevc ? sd_hvcc_from_annexb(x, xn, &t->cfg) :
			    sd_avcc_from_annexb(x, xn, &t->cfg);
		}
		if (rv == 0 && sd_sps_size(t->hevc, t->cfg.p, t->cfg.len,
		    &w, &h) == 0) {
			t->par->width = w;	/* the pictures' own size */
			t->par->height = h;
		}
		break;
	case AV_CODEC_ID_VP9:
		strlcpy(t->ct.entry, "vp09", 5);
		strlcpy(t->ct.cfg_type, "vpcC", 5);
		t->ct.cfg_full = 1;
		rv = vp9_config(t, fps);
		break;
	case AV_CODEC_ID_AV1:
		strlcpy(t->ct.entry, "av01", 5);
		strlcpy(t->ct.cfg_type, "av1C", 5);
		if (xn >= 4 && x[0] == 0x81)
			rv = sd_bytes_put(&t->cfg, x, xn);
		else if ((rv = sd_av1c_from_obus(x, xn, &t->cfg)) == -1) {
			/* libaom gives its sequence header with the first
			 * packet only (through a NUT pipe, say) */
			t->cfg.len = 0;
			t->cfg.failed = 0;
			rv = sd_av1c_from_obus(au, n, &t->cfg);
		}
		break;
	case AV_CODEC_ID_AAC:
	case AV_CODEC_ID_MP2:
	case AV_CODEC_ID_MP3:
		strlcpy(t->ct.entry, "mp4a", 5);
		strlcpy(t->ct.cfg_type, "esds", 5);
		t->ct.cfg_full = 1;
		if (p->codec_id == AV_CODEC_ID_AAC && t->asc_len == 0)
			break;
		rv = sd_esds(p->codec_id == AV_CODEC_ID_AAC ? 0x40 :
		    mpeg_audio_oti(t), t->asc, t->asc_len,
		    p->bit_rate > 0 && p->bit_rate < UINT32_MAX ?
		    (uint32_t)p->bit_rate : 0, &t->cfg);
		break;
	case AV_CODEC_ID_OPUS:
		strlcpy(t->ct.entry, "Opus", 5);
		strlcpy(t->ct.cfg_type, "dOps", 5);
		rv = sd_dops_from_opushead(x, xn, &t->cfg);
		if (rv == -1) {
			t->cfg.len = 0;
			t->cfg.failed = 0;
			rv = sd_dops_default(t->channels, &t->cfg);
		}
		t->sample_rate = 48000;
		break;
	case AV_CODEC_ID_AC3:
		strlcpy(t->ct.entry, "ac-3", 5);
		strlcpy(t->ct.cfg_type, "dac3", 5);
		if ((rv = sd_dac3(au, n, small, &rate)) == 0)
			rv = sd_bytes_put(&t->cfg, small, 3);
		t->sample_rate = rate;
		break;
	case AV_CODEC_ID_EAC3:
		strlcpy(t->ct.entry, "ec-3", 5);
		strlcpy(t->ct.cfg_type, "dec3", 5);
		if ((rv = sd_dec3(au, n, small, &rate, &samples)) == 0)
			rv = sd_bytes_put(&t->cfg, small, 5);
		t->sample_rate = rate;
		t->eac3_samples = samples;
		break;
	default:
		break;
	}
	if (rv == -1 || t->cfg.failed) {
		warnx("%s: no usable %s configuration in the stream", t->id,
		    sd_codec_name(p->codec_id));
		return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- video */

/* A keyframe with parameter sets other than the header's. */
int
sd_au_new_params(const struct trk *t, const uint8_t *au, size_t n)
{
	struct sd_bytes cand = { NULL, 0, 0, 0 };
	int r, differ;

	r = t->hevc ? sd_hvcc_from_annexb(au, n, &cand) :
	    sd_avcc_from_annexb(au, n, &cand);
	differ = r == 0 && (cand.len != t->cfg.len ||
	    memcmp(cand.p, t->cfg.p, cand.len) != 0);
	sd_bytes_free(&cand);
	return differ;
}

/* An AV1 sample: the packet without temporal delimiters. */
static int
av1_sample(struct trk *t, const struct sd_pkt *pkt, long *len)
{
	struct sample *s = &t->s[t->n];

	if (sd_pkt_writable(pkt)) {
		*len = (long)sd_av1_strip(pkt->data, (size_t)pkt->size);
		return sd_seg_ref(t, pkt);
	}
	s->buf = NULL;
	s->off = t->data.len;
	if (sd_bytes_put(&t->data, pkt->data, (size_t)pkt->size) == -1)
		return -1;
	*len = (long)sd_av1_strip(t->data.p + s->off, (size_t)pkt->size);
	t->data.len = s->off + (size_t)*len;
	return 0;
}

/*
 * The video packet as the next sample of the segment in hand: Annex B
 * made length-prefixed in place where the packet's buffer is ours alone
 * (else into the track's own bytes), AV1 stripped, the rest as it came.
 * *len: the sample's size.
 */
int
sd_au_video_sample(struct trk *t, const struct sd_pkt *pkt, long *len)
{
	int key, params = 0;

	t->s[t->n].buf = NULL;
	if (t->annexb && sd_pkt_writable(pkt) &&
	    (*len = sd_annexb_to_lp_inplace(t->hevc, pkt->data,
	    (size_t)pkt->size, &key, &params)) >= 0)
		return sd_seg_ref(t, pkt);
	if (t->annexb) {
		t->s[t->n].off = t->data.len;
		*len = sd_annexb_to_lp(t->hevc, pkt->data, (size_t)pkt->size,
		    &t->data, &key, &params);
		return *len < 0 ? -1 : 0;
	}
	if (t->par->codec_id == AV_CODEC_ID_AV1)
		return av1_sample(t, pkt, len);
	*len = pkt->size;
	return sd_seg_keep(t, pkt);
}

/* ---------------------------------------------------------------- audio */

static int64_t
opus_samples(const uint8_t *p, size_t n)
{
	static const int ms10[32] = {
		100, 200, 400, 600, 100, 200, 400, 600, 100, 200, 400, 600,
		100, 200, 100, 200, 25, 50, 100, 200, 25, 50, 100, 200,
		25, 50, 100, 200, 25, 50, 100, 200 };
	int frames;

	if (n < 1)
		return 0;
	switch (p[0] & 3) {
	case 0: frames = 1; break;
	case 3: frames = n >= 2 ? p[1] & 0x3f : 0; break;
	default: frames = 2; break;
	}
	return (int64_t)frames * ms10[p[0] >> 3] * 48000 / 10000;
}

/* The frame's duration in samples (the track's timescale). */
int64_t
sd_au_audio_duration(const struct trk *t, const struct sd_pkt *pkt)
{
	int64_t d = 0;

	switch (t->par->codec_id) {
	case AV_CODEC_ID_AAC: d = t->par->frame_size > 0 ?
		    t->par->frame_size : 1024; break;
	case AV_CODEC_ID_AC3: d = 1536; break;
	case AV_CODEC_ID_EAC3: d = t->eac3_samples; break;
	case AV_CODEC_ID_OPUS: d = opus_samples(pkt->data,
		    (size_t)pkt->size); break;
	default: break;
	}
	if (d <= 0 && pkt->duration > 0)
		d = tl_from_input(&t->clk, pkt->duration);
	if (d <= 0)
		d = t->par->codec_id == AV_CODEC_ID_OPUS ? 960 : 1152;
	return d;
}

/* The ASC that aac_adtstoasc found, once. */
void
sd_au_aac_asc(struct trk *t, const struct sd_pkt *pkt)
{
	size_t n = 0;
	const uint8_t *x;

	if (t->asc_len > 0)
		return;
	x = pkt->new_extra;
	n = pkt->new_extra_len;
	if (x == NULL && t->par->extradata_size > 0) {
		x = t->par->extradata;
		n = (size_t)t->par->extradata_size;
	}
	if (x != NULL && n > 0 && n <= sizeof(t->asc)) {
		memcpy(t->asc, x, n);
		t->asc_len = n;
	}
}

/*
 * The audio parameters a header fixes, from a raw frame (ADTS before
 * aac_adtstoasc, an AC-3 or E-AC-3 sync frame): profile, rate, channels.
 * 0: not a frame we read.
 */
uint32_t
sd_au_audio_sig(const struct trk *t, const struct sd_pkt *pkt, uint8_t asc[2])
{
	const uint8_t *d = pkt->data;
	uint8_t x[5];
	unsigned prof, sr, ch;
	int rate, samples;

	switch (t->par->codec_id) {
	case AV_CODEC_ID_AAC:
		if (pkt->size < 7 || d[0] != 0xff || (d[1] & 0xf6) != 0xf0)
			return 0;
		prof = d[2] >> 6;
		sr = (d[2] >> 2) & 0xf;
		ch = (unsigned)(d[2] & 1) << 2 | d[3] >> 6;
		asc[0] = (uint8_t)((prof + 1) << 3 | sr >> 1);
		asc[1] = (uint8_t)((sr & 1) << 7 | ch << 3);
		return 1u << 16 | prof << 8 | sr << 4 | ch;
	case AV_CODEC_ID_AC3:
		if (sd_dac3(d, (size_t)pkt->size, x, &rate) == -1)
			return 0;
		return 1u << 16 | (uint32_t)x[0] << 8 | (x[1] & 0xfc);
	case AV_CODEC_ID_EAC3:
		if (sd_dec3(d, (size_t)pkt->size, x, &rate, &samples) == -1)
			return 0;
		return 1u << 16 | (uint32_t)x[2] << 8 | x[3];
	default:
		return 0;
	}
}


/* ---------------------------------------------------------------- ADTS */

#define ADTS_HEADER	7
#define PCE_MAX		320	/* libavcodec's MAX_PCE_SIZE */

struct bitw {
	uint8_t *p;
	size_t cap, pos;	/* bytes, bits written */
};

static void
bitw_put(struct bitw *w, unsigned n, uint32_t v)
{
	while (n-- > 0) {
		size_t byte = w->pos / 8;
		if (byte >= w->cap)
			return;
		if (w->pos % 8 == 0)
			w->p[byte] = 0;
		if ((v >> n) & 1)
			w->p[byte] |= (uint8_t)(0x80 >> (w->pos % 8));
		w->pos++;
	}
}

static uint32_t
pce_copy(struct bitw *w, struct sd_bits *b, unsigned n)
{
	uint32_t v = sd_bits_get(b, n);

	bitw_put(w, n, v);
	return v;
}

/*
 * A program_config_element copied bit for bit behind the ASC, as
 * libavcodec's aac_adtstoasc does (ff_copy_pce_data): the channel
 * layout of an ADTS frame with channel_configuration 0.
 */
static int
pce_copy_all(struct bitw *w, struct sd_bits *b)
{
	unsigned five, four, comment, bits;

	pce_copy(w, b, 10);	/* tag, object type, rate */
	five = pce_copy(w, b, 4);	/* front */
	five += pce_copy(w, b, 4);	/* side */
	five += pce_copy(w, b, 4);	/* back */
	four = pce_copy(w, b, 2);	/* LFE */
	four += pce_copy(w, b, 3);	/* data */
	five += pce_copy(w, b, 4);	/* coupling */
	if (pce_copy(w, b, 1))
		pce_copy(w, b, 4);	/* mono mixdown */
	if (pce_copy(w, b, 1))
		pce_copy(w, b, 4);	/* stereo mixdown */
	if (pce_copy(w, b, 1))
		pce_copy(w, b, 3);	/* matrix mixdown */
	for (bits = five * 5 + four * 4; bits > 16; bits -= 16)
		pce_copy(w, b, 16);
	if (bits)
		pce_copy(w, b, bits);
	w->pos = (w->pos + 7) & ~(size_t)7;
	b->pos = (b->pos + 7) & ~(size_t)7;
	for (comment = pce_copy(w, b, 8); comment > 0; comment--)
		pce_copy(w, b, 8);
	return b->failed || w->pos / 8 > w->cap ? -1 : 0;
}

/*
 * An ADTS frame as a raw AAC frame (what aac_adtstoasc makes of it):
 * *raw shares pkt's bytes past the header (and its CRC); the first frame
 * also states the AudioSpecificConfig (with a PCE when the header says
 * channel_configuration 0). -1: not an ADTS frame we can carry, dropped.
 */
int
sd_au_adts_raw(struct trk *t, const struct sd_pkt *pkt, struct sd_pkt *raw)
{
	const uint8_t *d = pkt->data;
	unsigned crc_absent, aot, sr, ch, rdb, frame_len;
	size_t skip;
	struct sd_bits b;
	struct bitw w;

	*raw = *pkt;
	raw->new_extra = NULL;
	raw->new_extra_len = 0;
	if (t->par->extradata != NULL && pkt->size >= 2 &&
	    (((unsigned)d[0] << 8 | d[1]) >> 4) != 0xfff)
		return 0;		/* raw already */
	if (pkt->size < ADTS_HEADER || d[0] != 0xff || (d[1] & 0xf0) != 0xf0)
		return -1;
	crc_absent = d[1] & 1;
	aot = d[2] >> 6;
	sr = (d[2] >> 2) & 0xf;
	ch = (unsigned)(d[2] & 1) << 2 | d[3] >> 6;
	frame_len = (unsigned)(d[3] & 3) << 11 | (unsigned)d[4] << 3 |
	    d[5] >> 5;
	rdb = d[6] & 3;
	if (sr > 12 || frame_len < ADTS_HEADER || (!crc_absent && rdb > 0))
		return -1;
	skip = ADTS_HEADER + (crc_absent ? 0 : 2);
	if ((size_t)pkt->size <= skip)
		return -1;
	raw->data += skip;
	raw->size -= (int)skip;
	if (t->adts_done)
		return 0;
	w.p = t->adts_cfg + 2;
	w.cap = sizeof(t->adts_cfg) - 2;
	w.pos = 0;
	if (ch == 0) {
		sd_bits_init(&b, raw->data, (size_t)raw->size);
		if (sd_bits_get(&b, 3) != 5 || pce_copy_all(&w, &b) == -1)
			return -1;	/* no PCE first: libavcodec gives up */
		raw->data += b.pos / 8;
		raw->size -= (int)(b.pos / 8);
	}
	t->adts_cfg[0] = (uint8_t)((aot + 1) << 3 | sr >> 1);
	t->adts_cfg[1] = (uint8_t)((sr & 1) << 7 | ch << 3);
	raw->new_extra = t->adts_cfg;
	raw->new_extra_len = 2 + w.pos / 8;
	t->adts_done = 1;
	return 0;
}
