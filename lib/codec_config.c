/*
 * codec_config.c - the codec configuration records that go in the sample
 * entries besides avcC and hvcC: av1C (with the AV1 OBU and sequence
 * header parsing under it), vpcC, dac3, dec3, dOps and esds; and the
 * audio object type of an AudioSpecificConfig.
 *
 * Pure functions of what they are handed: no libav*, no I/O. Every read
 * of codec data is bounded.
 */
#include <string.h>

#include "bits.h"
#include "codec_config.h"

/* ---------------------------------------------------------------- AV1 */

/* One OBU at p: its type, header and payload sizes. -1: malformed. */
static int
obu_at(const uint8_t *p, size_t n, unsigned *type, size_t *hdr,
    size_t *len)
{
	size_t h = 1, v = 0, i;

	if (n < 1 || (p[0] & 0x80))
		return -1;
	*type = (p[0] >> 3) & 0xf;
	if (p[0] & 4)
		h++;
	if (!(p[0] & 2)) {		/* no size field: to the end */
		if (h > n)
			return -1;
		*hdr = h;
		*len = n - h;
		return 0;
	}
	for (i = 0; i < 8; i++) {	/* leb128 */
		if (h >= n)
			return -1;
		v |= (size_t)(p[h] & 0x7f) << (7 * i);
		if (!(p[h++] & 0x80))
			break;
	}
	if (i == 8 || v > n - h)
		return -1;
	*hdr = h;
	*len = v;
	return 0;
}

/* The first sequence header OBU (type 1) before anything malformed: its
 * offset in p, header and payload sizes. */
static int
find_seq_obu(const uint8_t *p, size_t n, size_t *at, size_t *hdr,
    size_t *len)
{
	unsigned type;

	for (*at = 0; *at < n; *at += *hdr + *len) {
		if (obu_at(p + *at, n - *at, &type, hdr, len) == -1)
			return -1;
		if (type == 1)
			return 0;
	}
	return -1;
}

/* How the rest of a sequence header is laid out. */
struct av1_layout {
	unsigned reduced;	/* reduced_still_picture_header */
	unsigned dmi, bdl;	/* decoder model info, its delay length */
	unsigned idd;		/* initial_display_delay_present */
	unsigned ops;		/* operating points */
};

static void
av1_op_level(struct sd_bits *r, unsigned *level, unsigned *tier)
{
	sd_bits_skip(r, 12);			/* operating_point_idc */
	*level = sd_bits_get(r, 5);
	*tier = *level > 7 ? sd_bits_get(r, 1) : 0;
}

/* What follows an operating point's level and tier. */
static void
av1_op_rest(struct sd_bits *r, const struct av1_layout *l)
{
	if (l->dmi && sd_bits_get(r, 1))
		sd_bits_skip(r, 2 * l->bdl + 1);
	if (l->idd && sd_bits_get(r, 1))
		sd_bits_skip(r, 4);
}

/* seq_profile to seq_tier[0] (AV1 5.5.1). */
static void
av1_head(struct sd_bits *r, struct sd_av1_seq *q, struct av1_layout *l)
{
	memset(q, 0, sizeof(*q));
	memset(l, 0, sizeof(*l));
	q->profile = sd_bits_get(r, 3);
	sd_bits_skip(r, 1);			/* still_picture */
	if ((l->reduced = sd_bits_get(r, 1))) {
		q->level = sd_bits_get(r, 5);
		return;
	}
	if (sd_bits_get(r, 1)) {		/* timing_info_present */
		sd_bits_skip(r, 64);
		if (sd_bits_get(r, 1))		/* equal_picture_interval */
			(void)sd_bits_ue(r);	/* uvlc() */
		if ((l->dmi = sd_bits_get(r, 1))) {
			l->bdl = sd_bits_get(r, 5) + 1;
			sd_bits_skip(r, 32 + 5 + 5);
		}
	}
	l->idd = sd_bits_get(r, 1);
	l->ops = sd_bits_get(r, 5) + 1;
	av1_op_level(r, &q->level, &q->tier);
}

static void
av1_tools(struct sd_bits *r, unsigned reduced)
{
	unsigned fw, fh, order = 0, force = 2;

	fw = sd_bits_get(r, 4) + 1;
	fh = sd_bits_get(r, 4) + 1;
	sd_bits_skip(r, fw + fh);
	if (!reduced && sd_bits_get(r, 1))	/* frame_id_numbers_present */
		sd_bits_skip(r, 7);
	sd_bits_skip(r, 3);		/* 128x128, filter intra, edge */
	if (!reduced) {
		sd_bits_skip(r, 4);	/* interintra, masked, warped, dual */
		if ((order = sd_bits_get(r, 1)))
			sd_bits_skip(r, 2);
		if (!sd_bits_get(r, 1))	/* seq_choose_screen_content_tools */
			force = sd_bits_get(r, 1);
		if (force > 0 && !sd_bits_get(r, 1))
			sd_bits_skip(r, 1);
		if (order)
			sd_bits_skip(r, 3);
	}
	sd_bits_skip(r, 3);		/* superres, cdef, restoration */
}

static void
av1_color(struct sd_bits *r, struct sd_av1_seq *q)
{
	unsigned cp = 2, tc = 2, mc = 2;

	q->high = sd_bits_get(r, 1);
	if (q->profile == 2 && q->high)
		q->twelve = sd_bits_get(r, 1);
	q->mono = q->profile == 1 ? 0 : sd_bits_get(r, 1);
	if (sd_bits_get(r, 1)) {
		cp = sd_bits_get(r, 8);
		tc = sd_bits_get(r, 8);
		mc = sd_bits_get(r, 8);
	}
	q->ssx = q->ssy = 1;
	if (q->mono) {
		sd_bits_skip(r, 1);
		return;
	}
	if (cp == 1 && tc == 13 && mc == 0) {
		q->ssx = q->ssy = 0;
		return;
	}
	sd_bits_skip(r, 1);		/* color_range */
	if (q->profile == 1)
		q->ssx = q->ssy = 0;
	else if (q->profile == 2) {
		q->ssx = q->twelve ? sd_bits_get(r, 1) : 1;
		q->ssy = q->twelve && q->ssx ? sd_bits_get(r, 1) : 0;
	}
	if (q->ssx && q->ssy)
		q->csp = sd_bits_get(r, 2);
}

/* The whole sequence header, up to its color_config. */
static int
av1_parse_seq(const uint8_t *p, size_t n, struct sd_av1_seq *q)
{
	struct sd_bits r;
	struct av1_layout l;
	unsigned i, level, tier;

	sd_bits_init(&r, p, n);
	av1_head(&r, q, &l);
	if (!l.reduced) {
		av1_op_rest(&r, &l);
		for (i = 1; i < l.ops && !r.failed; i++) {
			av1_op_level(&r, &level, &tier);
			av1_op_rest(&r, &l);
		}
	}
	av1_tools(&r, l.reduced);
	av1_color(&r, q);
	return r.failed || q->profile > 2 ? -1 : 0;
}

int
sd_av1_seq_level(const uint8_t *p, size_t n, struct sd_av1_seq *q)
{
	struct sd_bits r;
	struct av1_layout l;
	size_t at, hdr, len;

	if (find_seq_obu(p, n, &at, &hdr, &len) == -1)
		return -1;
	sd_bits_init(&r, p + at + hdr, len);
	av1_head(&r, q, &l);
	return r.failed ? -1 : 0;
}

/* av1C (AV1 Codec ISO Media File Format Binding 2.3): four bytes of
 * fields, then the sequence header OBU as configOBUs. */
int
sd_av1c_from_obus(const uint8_t *p, size_t n, struct sd_bytes *out)
{
	struct sd_av1_seq q;
	size_t at, hdr, len;

	if (find_seq_obu(p, n, &at, &hdr, &len) == -1 ||
	    av1_parse_seq(p + at + hdr, len, &q) == -1)
		return -1;
	sd_put_u8(out, 0x81);
	sd_put_u8(out, q.profile << 5 | q.level);
	sd_put_u8(out, q.tier << 7 | q.high << 6 | q.twelve << 5 |
	    q.mono << 4 | q.ssx << 3 | q.ssy << 2 | q.csp);
	sd_put_u8(out, 0);
	sd_bytes_put(out, p + at, hdr + len);
	return out->failed ? -1 : 0;
}

/* A sample in ISO BMFF has no temporal delimiter or padding OBU; a
 * malformed unit is left as it is. */
size_t
sd_av1_strip(uint8_t *p, size_t n)
{
	size_t at = 0, w = 0, hdr, len;
	unsigned type;

	while (at < n) {
		if (obu_at(p + at, n - at, &type, &hdr, &len) == -1)
			return w == at ? n : w;
		if (type != 2 && type != 15) {
			memmove(p + w, p + at, hdr + len);
			w += hdr + len;
		}
		at += hdr + len;
	}
	return w;
}

/* ---------------------------------------------------------------- VP9 */

/*
 * The VP9 level (10, 11, ... 62) from the picture size and the luma sample
 * rate, the first row of the VP9 level table (webmproject.org/vp9/levels)
 * whose limits hold (fps <= 0: 30).
 */
int
sd_vp9_level(int w, int h, double fps)
{
	static const struct { int level; double size, rate; } t[] = {
		{ 10, 36864, 829440 }, { 11, 73728, 2764800 },
		{ 20, 122880, 4608000 }, { 21, 245760, 9216000 },
		{ 30, 552960, 20736000 }, { 31, 983040, 36864000 },
		{ 40, 2228224, 83558400 }, { 41, 2228224, 160432128 },
		{ 50, 8912896, 311951360 }, { 51, 8912896, 588251136 },
		{ 52, 8912896, 1176502272 }, { 60, 35651584, 1176502272 },
		{ 61, 35651584, 2353004544.0 }, { 62, 35651584, 4706009088.0 },
	};
	double size = (double)w * h;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (size <= t[i].size && size * (fps > 0 ? fps : 30) <= t[i].rate)
			return t[i].level;
	return 62;
}

int
sd_vpcc(unsigned profile, unsigned level, unsigned depth, unsigned chroma,
    unsigned full_range, unsigned prim, unsigned trc, unsigned matrix_co,
    struct sd_bytes *out)
{
	sd_put_u8(out, profile);
	sd_put_u8(out, level);
	sd_put_u8(out, (depth & 0xf) << 4 | (chroma & 7) << 1 |
	    (full_range & 1));
	sd_put_u8(out, prim);
	sd_put_u8(out, trc);
	sd_put_u8(out, matrix_co);
	sd_put_u16(out, 0);
	return out->failed ? -1 : 0;
}

/* ---------------------------------------------------------------- AC-3 */

static const int ac3_rates[3] = { 48000, 44100, 32000 };

/* dac3 (ETSI TS 102 366 F.4); an AC-3 frame is 1536 samples. */
int
sd_dac3(const uint8_t *f, size_t n, uint8_t out[3], int *rate)
{
	struct sd_bits bits, *r = &bits;
	unsigned fscod, frmsizecod, bsid, bsmod, acmod, lfeon;

	if (n < 8 || f[0] != 0x0b || f[1] != 0x77)
		return -1;
	sd_bits_init(r, f + 4, n - 4);	/* after syncword and crc1 */
	fscod = sd_bits_get(r, 2);
	frmsizecod = sd_bits_get(r, 6);
	bsid = sd_bits_get(r, 5);
	bsmod = sd_bits_get(r, 3);
	acmod = sd_bits_get(r, 3);
	if ((acmod & 1) && acmod != 1)
		sd_bits_skip(r, 2);
	if (acmod & 4)
		sd_bits_skip(r, 2);
	if (acmod == 2)
		sd_bits_skip(r, 2);
	lfeon = sd_bits_get(r, 1);
	if (r->failed || fscod == 3 || bsid > 10 || frmsizecod > 37)
		return -1;
	*rate = ac3_rates[fscod];
	out[0] = (uint8_t)(fscod << 6 | bsid << 1 | bsmod >> 2);
	out[1] = (uint8_t)((bsmod & 3) << 6 | acmod << 3 | lfeon << 2 |
	    (frmsizecod >> 1) >> 3);
	out[2] = (uint8_t)(((frmsizecod >> 1) & 7) << 5);
	return 0;
}

/* dec3 (ETSI TS 102 366 F.6) for one independent substream; 256 samples
 * an audio block. */
int
sd_dec3(const uint8_t *f, size_t n, uint8_t out[5], int *rate,
    int *samples)
{
	static const int blocks[4] = { 1, 2, 3, 6 };
	struct sd_bits bits, *r = &bits;
	unsigned frmsiz, fscod, fscod2 = 0, nb = 3, acmod, lfeon, bsid;
	long kbps;

	if (n < 6 || f[0] != 0x0b || f[1] != 0x77)
		return -1;
	sd_bits_init(r, f + 2, n - 2);	/* after the syncword */
	sd_bits_skip(r, 2 + 3);		/* strmtyp, substreamid */
	frmsiz = sd_bits_get(r, 11);
	fscod = sd_bits_get(r, 2);
	if (fscod == 3)
		fscod2 = sd_bits_get(r, 2);
	else
		nb = sd_bits_get(r, 2);
	acmod = sd_bits_get(r, 3);
	lfeon = sd_bits_get(r, 1);
	bsid = sd_bits_get(r, 5);
	if (r->failed || bsid <= 10 || bsid > 16 ||
	    (fscod == 3 && fscod2 == 3))
		return -1;
	*rate = fscod == 3 ? ac3_rates[fscod2] / 2 : ac3_rates[fscod];
	*samples = 256 * blocks[nb];
	kbps = (long)(frmsiz + 1) * 16 * *rate / *samples / 1000;
	out[0] = (uint8_t)(kbps >> 5);
	out[1] = (uint8_t)((kbps & 0x1f) << 3);	/* num_ind_sub = 0 */
	out[2] = (uint8_t)((fscod == 3 ? fscod2 : fscod) << 6 | bsid << 1);
	out[3] = (uint8_t)(acmod << 1 | lfeon);	/* bsmod 0 */
	out[4] = 0;				/* no dependent substreams */
	return 0;
}

/* ---------------------------------------------------------------- Opus */

/* dOps (Opus in ISO BMFF 4.3.2): the OpusHead's fields (RFC 7845 5.1),
 * big-endian, without the magic. */
int
sd_dops_from_opushead(const uint8_t *h, size_t n, struct sd_bytes *out)
{
	unsigned ch;

	if (n < 19 || memcmp(h, "OpusHead", 8) != 0)
		return -1;
	ch = h[9];
	sd_put_u8(out, 0);
	sd_put_u8(out, ch);
	sd_put_u16(out, (unsigned)(h[10] | h[11] << 8));
	sd_put_u32(out, (uint32_t)h[12] | (uint32_t)h[13] << 8 |
	    (uint32_t)h[14] << 16 | (uint32_t)h[15] << 24);
	sd_put_u16(out, (unsigned)(h[16] | h[17] << 8));
	sd_put_u8(out, h[18]);
	if (h[18] != 0) {
		if (n < 21 + (size_t)ch)
			return -1;
		sd_bytes_put(out, h + 19, 2 + (size_t)ch);
	}
	return out->failed ? -1 : 0;
}

int
sd_dops_default(int channels, struct sd_bytes *out)
{
	if (channels < 1 || channels > 2)
		return -1;
	sd_put_u8(out, 0);
	sd_put_u8(out, (unsigned)channels);
	sd_put_u16(out, 312);		/* pre-skip */
	sd_put_u32(out, 48000);
	sd_put_u16(out, 0);
	sd_put_u8(out, 0);
	return out->failed ? -1 : 0;
}

/* ---------------------------------------------------------------- esds */

static void
descr(struct sd_bytes *b, unsigned tag, size_t len)
{
	sd_put_u8(b, tag);
	sd_put_u8(b, 0x80 | (unsigned)((len >> 21) & 0x7f));
	sd_put_u8(b, 0x80 | (unsigned)((len >> 14) & 0x7f));
	sd_put_u8(b, 0x80 | (unsigned)((len >> 7) & 0x7f));
	sd_put_u8(b, (unsigned)(len & 0x7f));
}

/* An ES_Descriptor (ISO/IEC 14496-1 7.2.6.5) with its
 * DecoderConfigDescriptor and, for AAC, the AudioSpecificConfig. */
int
sd_esds(unsigned oti, const uint8_t *asc, size_t asc_len, uint32_t bitrate,
    struct sd_bytes *out)
{
	size_t dsi = asc_len > 0 ? 5 + asc_len : 0;
	size_t dcd = 13 + dsi;

	if (asc_len > 0xffff)
		return -1;
	descr(out, 0x03, 3 + 5 + dcd + 5 + 1);
	sd_put_u16(out, 1);		/* ES_ID */
	sd_put_u8(out, 0);
	descr(out, 0x04, dcd);
	sd_put_u8(out, oti);
	sd_put_u8(out, 0x15);		/* audio stream */
	sd_put_u24(out, 0);
	sd_put_u32(out, bitrate);
	sd_put_u32(out, bitrate);
	if (asc_len > 0) {
		descr(out, 0x05, asc_len);
		sd_bytes_put(out, asc, asc_len);
	}
	descr(out, 0x06, 1);
	sd_put_u8(out, 2);
	return out->failed ? -1 : 0;
}

/* The first 5 bits of the AudioSpecificConfig; 31 escapes to 32 + 6 more
 * bits (ISO/IEC 14496-3 1.6.2.1). */
unsigned
sd_asc_object_type(const uint8_t *asc, size_t n)
{
	struct sd_bits b;
	unsigned aot;

	if (n < 2)
		return 0;
	sd_bits_init(&b, asc, n);
	aot = sd_bits_get(&b, 5);
	if (aot == 31)
		aot = 32 + sd_bits_get(&b, 6);
	return b.failed ? 0 : aot;
}
