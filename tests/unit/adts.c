/*
 * adts.c - sd_au_adts_raw (av_au.c) against libavcodec's aac_adtstoasc,
 * which sd-cmafmux used before its MPEG-TS path dropped libav*: the same
 * raw frames and the same AudioSpecificConfig (with the PCE of a header
 * that says channel_configuration 0), the same frames refused.
 */
#include <libavcodec/avcodec.h>
#include <libavcodec/bsf.h>

#include "av_mux.h"
#include "mtap.h"

static uint64_t state = 0x2545f4914f6cdd1dULL;

static unsigned
next(void)
{
	state ^= state >> 12;
	state ^= state << 25;
	state ^= state >> 27;
	return (unsigned)((state * 0x2545f4914f6cdd1dULL) >> 32);
}

/* An ADTS header: profile, rate index, channels, CRC or not, n bytes. */
static void
adts(uint8_t *p, unsigned prof, unsigned sr, unsigned ch, int crc,
    unsigned rdb, size_t n)
{
	p[0] = 0xff;
	p[1] = (uint8_t)(0xf0 | (crc ? 0 : 1));
	p[2] = (uint8_t)(prof << 6 | sr << 2 | ch >> 2);
	p[3] = (uint8_t)((ch & 3) << 6 | (n >> 11 & 3));
	p[4] = (uint8_t)(n >> 3);
	p[5] = (uint8_t)((n & 7) << 5 | 0x1f);
	p[6] = (uint8_t)(0xfc | rdb);
}

static void
put(uint8_t *p, size_t *pos, unsigned n, unsigned v)
{
	while (n-- > 0) {
		if ((v >> n) & 1)
			p[*pos / 8] |= (uint8_t)(0x80 >> (*pos % 8));
		else
			p[*pos / 8] &= (uint8_t)~(0x80 >> (*pos % 8));
		(*pos)++;
	}
}

/*
 * A program_config_element as the first element of a raw frame (ID 5):
 * 2 front, 1 back, 1 LFE channel elements, some mixdowns, a comment.
 * (One that runs past the frame libavcodec hands out as a frame of
 * negative size; sd refuses it: that case is not compared.)
 */
static void
put_pce(uint8_t *p)
{
	size_t pos = 0;
	unsigned i, c;

	put(p, &pos, 3, 5);
	put(p, &pos, 10, next() & 0x3ff);
	put(p, &pos, 4, 2);	/* front */
	put(p, &pos, 4, 0);	/* side */
	put(p, &pos, 4, 1);	/* back */
	put(p, &pos, 2, 1);	/* LFE */
	put(p, &pos, 3, 0);	/* assoc data */
	put(p, &pos, 4, 0);	/* coupling */
	for (i = 0; i < 3; i++) {
		c = next() & 1;
		put(p, &pos, 1, c);
		if (c)
			put(p, &pos, i == 2 ? 3 : 4, next() & 7);
	}
	for (i = 0; i < 3; i++)
		put(p, &pos, 5, next() & 0x1f);
	put(p, &pos, 4, next() & 0xf);
	pos = (pos + 7) & ~(size_t)7;
	c = next() % 12;
	put(p, &pos, 8, c);
	for (i = 0; i < c; i++)
		put(p, &pos, 8, next() & 0xff);
}

/* libavcodec's answer: 0 and the frame, or -1; *asc from the first. */
static int
theirs(AVBSFContext *bsf, const uint8_t *p, size_t n, AVPacket *out,
    const uint8_t **asc, size_t *asc_len)
{
	AVPacket *in = av_packet_alloc();
	int rv;

	av_new_packet(in, (int)n);
	memcpy(in->data, p, n);
	rv = av_bsf_send_packet(bsf, in);
	av_packet_free(&in);
	if (rv < 0 || av_bsf_receive_packet(bsf, out) < 0)
		return -1;
	*asc = av_packet_get_side_data(out, AV_PKT_DATA_NEW_EXTRADATA,
	    asc_len);
	return 0;
}

static int
one_stream(int pce)
{
	const AVBitStreamFilter *f = av_bsf_get_by_name("aac_adtstoasc");
	AVBSFContext *bsf = NULL;
	AVPacket *out = av_packet_alloc();
	struct sd_par par;
	struct trk t;
	uint8_t buf[600];
	int i, bad = 0;

	av_bsf_alloc(f, &bsf);
	bsf->par_in->codec_id = AV_CODEC_ID_AAC;
	av_bsf_init(bsf);
	memset(&t, 0, sizeof(t));
	sd_par_init(&par);
	par.codec_id = AV_CODEC_ID_AAC;
	t.par = &par;
	for (i = 0; i < 400; i++) {
		size_t n = 8 + next() % 500, k;
		unsigned ch = pce ? 0 : 1 + next() % 7;
		int crc = next() % 4 == 0, r1, r2;
		struct sd_pkt pkt, raw;
		const uint8_t *asc = NULL;
		size_t asc_len = 0;

		for (k = 0; k < n; k++)
			buf[k] = (uint8_t)next();
		adts(buf, next() % 4, next() % 16, ch, crc,
		    next() % 8 == 0 ? 1 : 0, n);
		if (pce) {
			/* each its own stream: the ASC is the first frame's */
			av_bsf_free(&bsf);
			av_bsf_alloc(f, &bsf);
			bsf->par_in->codec_id = AV_CODEC_ID_AAC;
			av_bsf_init(bsf);
			t.adts_done = 0;
			n = 64 + next() % 400;
			adts(buf, next() % 4, next() % 13, 0, crc, 0, n);
			put_pce(buf + (crc ? 9 : 7));
		}
		memset(&pkt, 0, sizeof(pkt));
		pkt.data = buf;
		pkt.size = (int)n;
		r1 = theirs(bsf, buf, n, out, &asc, &asc_len);
		r2 = sd_au_adts_raw(&t, &pkt, &raw);
		if (r1 != r2 || (r1 == 0 && (out->size != raw.size ||
		    memcmp(out->data, raw.data, (size_t)raw.size) != 0 ||
		    asc_len != raw.new_extra_len || (asc_len > 0 &&
		    memcmp(asc, raw.new_extra, asc_len) != 0)))) {
			printf("# frame %d: theirs %d (%d bytes, asc %zu), "
			    "ours %d (%d bytes, asc %zu)\n", i, r1, out->size,
			    asc_len, r2, raw.size, raw.new_extra_len);
			bad++;
		}
		av_packet_unref(out);
	}
	av_packet_free(&out);
	av_bsf_free(&bsf);
	return bad;
}

int
main(void)
{
	av_log_set_level(AV_LOG_QUIET);
	ok(one_stream(0) == 0, "400 frames, channel configurations 1-7: "
	    "the same raw frames, ASC and refusals as aac_adtstoasc");
	ok(one_stream(1) == 0, "400 streams whose first frame has a PCE: the "
	    "same as aac_adtstoasc");
	return done();
}
