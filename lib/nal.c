/*
 * nal.c - H.264 (ITU-T H.264) and HEVC (ITU-T H.265) bitstreams: Annex B
 * start codes and emulation prevention, access units turned into the
 * length-prefixed samples ISO BMFF carries, the avcC and hvcC records
 * built from the parameter sets, and the sizes and profiles sd reads from
 * a sequence parameter set.
 *
 * Pure functions of what they are handed: no libav*, no I/O. Every byte
 * comes from outside and every read is bounded.
 */
#include <string.h>

#include "bits.h"
#include "nal.h"

/* ---------------------------------------------------------------- Annex B */

int
sd_is_annexb(const uint8_t *p, size_t n)
{
	return n >= 3 && p[0] == 0 && p[1] == 0 &&
	    (p[2] == 1 || (n >= 4 && p[2] == 0 && p[3] == 1));
}

int
sd_annexb_next(const uint8_t *p, size_t n, size_t *pos,
    const uint8_t **nal, size_t *len)
{
	size_t i = *pos, start, end;
	const uint8_t *q;

	/* Find a start code 00 00 01. */
	for (;;) {
		if (i + 3 > n)
			return 0;
		q = memchr(p + i + 2, 1, n - i - 2);
		if (q == NULL)
			return 0;
		i = (size_t)(q - p);	/* the 01 */
		if (p[i - 1] == 0 && p[i - 2] == 0)
			break;
		i -= 1;
	}
	start = i + 1;
	for (i = start;;) {
		if (i + 3 > n) {
			end = n;
			break;
		}
		q = memchr(p + i + 2, 1, n - i - 2);
		if (q == NULL) {
			end = n;
			break;
		}
		i = (size_t)(q - p);
		if (p[i - 1] == 0 && p[i - 2] == 0) {
			end = i - 2;
			break;
		}
		i -= 1;
	}
	*pos = end;
	while (end > start && p[end - 1] == 0)
		end--;
	*nal = p + start;
	*len = end - start;
	return 1;
}

static unsigned
nal_type(int hevc, const uint8_t *nal)
{
	return hevc ? (nal[0] >> 1) & 0x3f : nal[0] & 0x1f;
}

/*
 * Whether a NAL unit stays in a sample: access unit delimiters, filler
 * data and parameter sets do not (they live in the sample entry:
 * avc1/hvc1). Notes IDR/IRAP pictures and parameter sets on the way.
 */
static int
keep_nal(int hevc, const uint8_t *nal, size_t len, int *key, int *params)
{
	unsigned ty;

	if (len < (size_t)(hevc ? 2 : 1))
		return 0;
	ty = nal_type(hevc, nal);
	if (hevc) {
		if (ty >= 32 && ty <= 34)
			*params = 1;
		if ((ty >= 32 && ty <= 35) || ty == 38)
			return 0;
		if (ty >= 16 && ty <= 23)
			*key = 1;
		return 1;
	}
	if (ty == 7 || ty == 8 || ty == 13)
		*params = 1;
	if (ty == 7 || ty == 8 || ty == 13 || ty == 9 || ty == 12)
		return 0;
	if (ty == 5)
		*key = 1;
	return 1;
}

long
sd_annexb_to_lp(int hevc, const uint8_t *p, size_t n, struct sd_bytes *out,
    int *key, int *params)
{
	const uint8_t *nal;
	size_t pos = 0, len, before = out->len;

	*key = *params = 0;
	while (sd_annexb_next(p, n, &pos, &nal, &len)) {
		if (!keep_nal(hevc, nal, len, key, params))
			continue;
		if (sd_bytes_reserve(out, len + 4) == -1)
			return -1;
		sd_put_u32(out, (uint32_t)len);
		sd_bytes_put(out, nal, len);
	}
	return out->failed ? -1 : (long)(out->len - before);
}

#define INPLACE_NALS 64

/*
 * The conversion in place, with no copy of the picture, is possible when
 * no length lands on bytes not yet moved (4-byte start codes, or dropped
 * units before 3-byte ones, as encoders write them); else the caller
 * copies.
 */
long
sd_annexb_to_lp_inplace(int hevc, uint8_t *p, size_t n, int *key,
    int *params)
{
	const uint8_t *nal;
	size_t pos = 0, len, w = 0, at[INPLACE_NALS], ln[INPLACE_NALS];
	size_t k = 0, i;

	*key = *params = 0;
	while (sd_annexb_next(p, n, &pos, &nal, &len)) {
		if (!keep_nal(hevc, nal, len, key, params))
			continue;
		if (k == INPLACE_NALS || len > UINT32_MAX ||
		    w + 4 > (size_t)(nal - p))
			return -1;
		at[k] = (size_t)(nal - p);
		ln[k++] = len;
		w += 4 + len;
	}
	for (w = 0, i = 0; i < k; i++) {
		memmove(p + w + 4, p + at[i], ln[i]);
		p[w] = (uint8_t)(ln[i] >> 24);
		p[w + 1] = (uint8_t)(ln[i] >> 16);
		p[w + 2] = (uint8_t)(ln[i] >> 8);
		p[w + 3] = (uint8_t)ln[i];
		w += 4 + ln[i];
	}
	return (long)w;
}

/* ---------------------------------------------------------------- RBSP */

size_t
sd_nal_unescape(const uint8_t *nal, size_t len, uint8_t *out, size_t max)
{
	size_t i, n = 0, zeros = 0;

	for (i = 0; i < len && n < max; i++) {
		if (zeros >= 2 && nal[i] == 3) {
			zeros = 0;
			continue;
		}
		zeros = nal[i] == 0 ? zeros + 1 : 0;
		out[n++] = nal[i];
	}
	return n;
}

/* The start of a NAL unit unescaped (every field sd reads of a parameter
 * set is in its first 512 bytes), and a bit reader over it. */
struct rbsp {
	uint8_t buf[512];
	struct sd_bits b;
};

static void
rbsp_load(struct rbsp *r, const uint8_t *nal, size_t len)
{
	sd_bits_init(&r->b, r->buf,
	    sd_nal_unescape(nal, len, r->buf, sizeof(r->buf)));
}

/*
 * The first NAL unit of a type in Annex B data, its start unescaped into
 * out. Returns the bytes written, 0 when there is none.
 */
static size_t
first_nal(int hevc, unsigned type, const uint8_t *p, size_t n,
    uint8_t *out, size_t max)
{
	const uint8_t *nal;
	size_t pos = 0, len;

	while (sd_annexb_next(p, n, &pos, &nal, &len))
		if (len > 0 && nal_type(hevc, nal) == type)
			return sd_nal_unescape(nal, len, out, max);
	return 0;
}

/* ---------------------------------------------------------------- avcC */

struct nals {
	const uint8_t *p[3][8];	/* by kind: 0 SPS, 1 PPS, 2 VPS */
	size_t len[3][8];
	size_t n[3];
};

static void
collect(int hevc, const uint8_t *p, size_t n, struct nals *ps)
{
	const uint8_t *nal;
	size_t pos = 0, len;
	int k;

	memset(ps, 0, sizeof(*ps));
	while (sd_annexb_next(p, n, &pos, &nal, &len)) {
		if (len < 2 || len > 0xffff)
			continue;
		switch (nal_type(hevc, nal)) {
		case 7: k = hevc ? -1 : 0; break;
		case 8: k = hevc ? -1 : 1; break;
		case 33: k = hevc ? 0 : -1; break;
		case 34: k = hevc ? 1 : -1; break;
		case 32: k = hevc ? 2 : -1; break;
		default: k = -1; break;
		}
		if (k < 0 || ps->n[k] == 8)
			continue;
		ps->p[k][ps->n[k]] = nal;
		ps->len[k][ps->n[k]++] = len;
	}
}

static int
high_profile(unsigned p)
{
	return p == 100 || p == 110 || p == 122 || p == 244 || p == 44 ||
	    p == 83 || p == 86 || p == 118 || p == 128 || p == 138 ||
	    p == 139 || p == 134 || p == 135 || p == 144;
}

/* The chroma and bit depth extension of avcC comes for the high profiles;
 * -1 when there is no SPS or PPS. */
int
sd_avcc_from_annexb(const uint8_t *p, size_t n, struct sd_bytes *out)
{
	struct nals ps;
	struct rbsp r;
	const uint8_t *sps;
	unsigned chroma = 1, luma8 = 0, chroma8 = 0;
	size_t i;

	collect(0, p, n, &ps);
	if (ps.n[0] == 0 || ps.n[1] == 0 || ps.len[0][0] < 4)
		return -1;
	sps = ps.p[0][0];
	if (high_profile(sps[1])) {
		rbsp_load(&r, sps + 4, ps.len[0][0] - 4);
		(void)sd_bits_ue(&r.b);		/* seq_parameter_set_id */
		chroma = sd_bits_ue(&r.b);
		if (chroma == 3)
			sd_bits_skip(&r.b, 1);
		luma8 = sd_bits_ue(&r.b);
		chroma8 = sd_bits_ue(&r.b);
		if (r.b.failed || chroma > 3 || luma8 > 7 || chroma8 > 7)
			return -1;
	}
	sd_put_u8(out, 1);
	sd_put_u8(out, sps[1]);
	sd_put_u8(out, sps[2]);
	sd_put_u8(out, sps[3]);
	sd_put_u8(out, 0xff);		/* 4-byte lengths */
	sd_put_u8(out, 0xe0 | (unsigned)ps.n[0]);
	for (i = 0; i < ps.n[0]; i++) {
		sd_put_u16(out, (unsigned)ps.len[0][i]);
		sd_bytes_put(out, ps.p[0][i], ps.len[0][i]);
	}
	sd_put_u8(out, (unsigned)ps.n[1]);
	for (i = 0; i < ps.n[1]; i++) {
		sd_put_u16(out, (unsigned)ps.len[1][i]);
		sd_bytes_put(out, ps.p[1][i], ps.len[1][i]);
	}
	if (high_profile(sps[1])) {
		sd_put_u8(out, 0xfc | chroma);
		sd_put_u8(out, 0xf8 | luma8);
		sd_put_u8(out, 0xf8 | chroma8);
		sd_put_u8(out, 0);	/* no SPS extensions */
	}
	return out->failed ? -1 : 0;
}

/* ---------------------------------------------------------------- hvcC */

struct hevc_sps {
	uint8_t ptl[12];	/* space/tier/profile, compat, constraints, level */
	unsigned sub_layers, nested, chroma, luma8, chroma8;
	int width, height;	/* after the conformance window */
};

static int
hevc_parse_sps(const uint8_t *nal, size_t len, struct hevc_sps *h)
{
	struct rbsp rb;
	struct sd_bits *r = &rb.b;
	unsigned i, prof_present[8], level_present[8];
	unsigned w, hh, cl = 0, cr = 0, ct = 0, cb = 0, sx, sy;
	long long cw, ch;

	rbsp_load(&rb, nal + 2, len - 2);
	sd_bits_skip(r, 4);			/* vps id */
	h->sub_layers = sd_bits_get(r, 3) + 1;
	h->nested = sd_bits_get(r, 1);
	for (i = 0; i < 12; i++)
		h->ptl[i] = (uint8_t)sd_bits_get(r, 8);
	for (i = 0; i + 1 < h->sub_layers; i++) {
		prof_present[i] = sd_bits_get(r, 1);
		level_present[i] = sd_bits_get(r, 1);
	}
	if (h->sub_layers > 1)
		sd_bits_skip(r, 2 * (9 - h->sub_layers));
	for (i = 0; i + 1 < h->sub_layers; i++) {
		if (prof_present[i])
			sd_bits_skip(r, 88);
		if (level_present[i])
			sd_bits_skip(r, 8);
	}
	(void)sd_bits_ue(r);			/* sps id */
	h->chroma = sd_bits_ue(r);
	if (h->chroma == 3)
		sd_bits_skip(r, 1);
	w = sd_bits_ue(r);
	hh = sd_bits_ue(r);
	if (sd_bits_get(r, 1)) {		/* conformance window */
		cl = sd_bits_ue(r);
		cr = sd_bits_ue(r);
		ct = sd_bits_ue(r);
		cb = sd_bits_ue(r);
	}
	sx = h->chroma == 1 || h->chroma == 2 ? 2 : 1;
	sy = h->chroma == 1 ? 2 : 1;
	/* (as for H.264: counted in 64 bits; a size past 16 bits or a
	 * window that leaves nothing is 0, no size, not a wrapped one) */
	cw = (long long)w - (long long)sx * ((long long)cl + cr);
	ch = (long long)hh - (long long)sy * ((long long)ct + cb);
	h->width = w <= 0xffff && cw > 0 ? (int)cw : 0;
	h->height = hh <= 0xffff && ch > 0 ? (int)ch : 0;
	h->luma8 = sd_bits_ue(r);
	h->chroma8 = sd_bits_ue(r);
	return r->failed || h->chroma > 3 || h->luma8 > 7 || h->chroma8 > 7 ?
	    -1 : 0;
}

static void
hvcc_array(struct sd_bytes *out, unsigned type, const struct nals *ps,
    int k)
{
	size_t i;

	sd_put_u8(out, 0x80 | type);	/* array_completeness */
	sd_put_u16(out, (unsigned)ps->n[k]);
	for (i = 0; i < ps->n[k]; i++) {
		sd_put_u16(out, (unsigned)ps->len[k][i]);
		sd_bytes_put(out, ps->p[k][i], ps->len[k][i]);
	}
}

int
sd_hvcc_from_annexb(const uint8_t *p, size_t n, struct sd_bytes *out)
{
	struct nals ps;
	struct hevc_sps h;

	collect(1, p, n, &ps);
	if (ps.n[0] == 0 || ps.n[1] == 0 || ps.n[2] == 0 ||
	    hevc_parse_sps(ps.p[0][0], ps.len[0][0], &h) == -1)
		return -1;
	sd_put_u8(out, 1);
	sd_bytes_put(out, h.ptl, 12);
	sd_put_u16(out, 0xf000);	/* min_spatial_segmentation 0 */
	sd_put_u8(out, 0xfc);		/* parallelismType unknown */
	sd_put_u8(out, 0xfc | h.chroma);
	sd_put_u8(out, 0xf8 | h.luma8);
	sd_put_u8(out, 0xf8 | h.chroma8);
	sd_put_u16(out, 0);		/* avgFrameRate */
	sd_put_u8(out, (h.sub_layers & 7) << 3 | (h.nested & 1) << 2 | 3);
	sd_put_u8(out, 3);
	hvcc_array(out, 32, &ps, 2);
	hvcc_array(out, 33, &ps, 0);
	hvcc_array(out, 34, &ps, 1);
	return out->failed ? -1 : 0;
}

/* ---------------------------------------------------------------- sizes */

static void
skip_scaling_list(struct sd_bits *r, int size)
{
	int last = 8, next = 8, j;

	for (j = 0; j < size && !r->failed; j++) {
		if (next != 0) {
			int32_t delta = sd_bits_se(r);

			/* delta_scale is -128..127 (7.4.2.1.1.1): else the
			 * SPS is broken, and the sum must not overflow. */
			if (delta < -128 || delta > 127) {
				r->failed = 1;
				return;
			}
			next = (last + delta + 256) % 256;
		}
		last = next == 0 ? last : next;
	}
}

/* Width and height from an H.264 SPS (ITU-T H.264 7.3.2.1.1). */
static int
h264_sps_size(const uint8_t *nal, size_t len, int *w, int *h)
{
	struct rbsp rb;
	struct sd_bits *r = &rb.b;
	unsigned prof, chroma = 1, i, n, sep = 0, fmo, poc, cl, cr, ct, cb;
	long long cw, ch;
	unsigned wm, hm, cx, cy;

	if (len < 4)
		return -1;
	prof = nal[1];
	rbsp_load(&rb, nal + 4, len - 4);
	(void)sd_bits_ue(r);
	if (high_profile(prof)) {
		if ((chroma = sd_bits_ue(r)) == 3)
			sep = sd_bits_get(r, 1);
		(void)sd_bits_ue(r);
		(void)sd_bits_ue(r);
		sd_bits_skip(r, 1);
		if (sd_bits_get(r, 1))
			for (i = 0; i < (chroma != 3 ? 8u : 12u); i++)
				if (sd_bits_get(r, 1))
					skip_scaling_list(r, i < 6 ? 16 : 64);
	}
	(void)sd_bits_ue(r);
	if ((poc = sd_bits_ue(r)) == 0)
		(void)sd_bits_ue(r);
	else if (poc == 1) {
		sd_bits_skip(r, 1);
		(void)sd_bits_se(r);
		(void)sd_bits_se(r);
		n = sd_bits_ue(r);
		for (i = 0; i < n && i < 256 && !r->failed; i++)
			(void)sd_bits_se(r);
	}
	(void)sd_bits_ue(r);
	sd_bits_skip(r, 1);
	wm = sd_bits_ue(r) + 1;
	hm = sd_bits_ue(r) + 1;
	fmo = sd_bits_get(r, 1);
	if (!fmo)
		sd_bits_skip(r, 1);
	sd_bits_skip(r, 1);
	cl = cr = ct = cb = 0;
	if (sd_bits_get(r, 1)) {
		cl = sd_bits_ue(r);
		cr = sd_bits_ue(r);
		ct = sd_bits_ue(r);
		cb = sd_bits_ue(r);
	}
	if (r->failed || chroma > 3 || wm > 1024 || hm > 1024)
		return -1;
	cx = chroma == 0 || sep || chroma == 3 ? 1 : 2;
	cy = (chroma == 1 && !sep ? 2 : 1) * (2 - fmo);
	/* (the crops are ue(v) up to 2^32 - 2: counted in 64 bits, a
	 * crop as large as the frame is refused, not wrapped) */
	cw = (long long)wm * 16 - (long long)cx * ((long long)cl + cr);
	ch = (long long)(2 - fmo) * hm * 16 -
	    (long long)cy * ((long long)ct + cb);
	if (cw <= 0 || ch <= 0)
		return -1;
	*w = (int)cw;
	*h = (int)ch;
	return 0;
}

/* The first SPS of an avcC or hvcC record. */
static int
record_sps(int hevc, const uint8_t *c, size_t n, const uint8_t **sps,
    size_t *len)
{
	size_t at, i, k, cnt;

	if (!hevc) {
		if (n < 8 || (c[5] & 0x1f) == 0)
			return -1;
		*len = (size_t)c[6] << 8 | c[7];
		*sps = c + 8;
		return 8 + *len <= n ? 0 : -1;
	}
	if (n < 23)
		return -1;
	for (at = 23, i = 0; i < c[22] && at + 3 <= n; i++) {
		unsigned type = c[at] & 0x3f;
		cnt = (size_t)c[at + 1] << 8 | c[at + 2];
		at += 3;
		for (k = 0; k < cnt && at + 2 <= n; k++) {
			size_t l = (size_t)c[at] << 8 | c[at + 1];
			if (at + 2 + l > n)
				return -1;
			if (type == 33) {
				*sps = c + at + 2;
				*len = l;
				return 0;
			}
			at += 2 + l;
		}
	}
	return -1;
}

/* A header made after a change of parameters says the new size. */
int
sd_sps_size(int hevc, const uint8_t *cfg, size_t n, int *w, int *h)
{
	struct hevc_sps hs;
	const uint8_t *sps;
	size_t len;

	if (record_sps(hevc, cfg, n, &sps, &len) == -1)
		return -1;
	if (!hevc)
		return h264_sps_size(sps, len, w, h);
	if (len < 3 || hevc_parse_sps(sps, len, &hs) == -1)
		return -1;
	*w = hs.width;
	*h = hs.height;
	return *w > 0 && *h > 0 ? 0 : -1;
}

/* ---------------------------------------------------------------- profiles */

/* The fields sd reads for a codecs string sit in the first few dozen
 * bytes of a parameter set. */
#define NAL_HEAD_MAX 64

/* Bytes 1-3 of an SPS, which avcC repeats as its bytes 1-3. */
int
sd_h264_profile_level(const uint8_t *x, size_t n, uint8_t out[3])
{
	uint8_t sps[NAL_HEAD_MAX];

	if (n >= 4 && x[0] == 1) {
		memcpy(out, x + 1, 3);
		return 0;
	}
	if (sd_is_annexb(x, n) && first_nal(0, 7, x, n, sps,
	    sizeof(sps)) >= 4) {
		memcpy(out, sps + 1, 3);
		return 0;
	}
	return -1;
}

/* general_profile_tier_level: bytes 1-12 of hvcC. */
int
sd_hevc_profile_tier_level(const uint8_t *x, size_t n, uint8_t out[12])
{
	uint8_t nal[NAL_HEAD_MAX];

	if (n >= 13 && x[0] == 1) {
		memcpy(out, x + 1, 12);
		return 0;
	}
	if (!sd_is_annexb(x, n))
		return -1;
	/* SPS: 2-byte NAL header, then vps_id(4) max_sub_layers(3)
	 * temporal_id_nesting(1): the PTL starts at byte 3. */
	if (first_nal(1, 33, x, n, nal, sizeof(nal)) >= 3 + 12) {
		memcpy(out, nal + 3, 12);
		return 0;
	}
	/* VPS: 2-byte header, then 4 bytes of ids, flags and 0xffff. */
	if (first_nal(1, 32, x, n, nal, sizeof(nal)) >= 6 + 12) {
		memcpy(out, nal + 6, 12);
		return 0;
	}
	return -1;
}
