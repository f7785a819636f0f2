/*
 * cmaf.c - the ISO BMFF boxes of a CMAF track (ISO/IEC 23000-19), written
 * by hand: the header (ftyp with the cmfc brand, moov with one trak and
 * mvex) and each segment's styp, moof and mdat header; and the codec
 * configuration records that go in the sample entries (avcC and hvcC from
 * Annex B parameter sets, vpcC, dac3, dec3, dOps, esds).
 *
 * Pure functions of what they are handed: no libav*, no I/O, so they are
 * cheap to test byte for byte. Every read of codec data is bounded.
 */
#include <err.h>
#include <stdlib.h>
#include <string.h>

#include "sd.h"

#define BYTES_MAX	(256u << 20)	/* far above any segment */

/* ---------------------------------------------------------------- bytes */

void
sd_bytes_free(struct sd_bytes *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

int
sd_bytes_reserve(struct sd_bytes *b, size_t extra)
{
	size_t cap;
	uint8_t *p;

	if (b->failed)
		return -1;
	if (extra > BYTES_MAX || b->len + extra > BYTES_MAX) {
		b->failed = 1;
		return -1;
	}
	if (b->len + extra <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 4096;
	while (cap < b->len + extra)
		cap *= 2;
	if ((p = realloc(b->p, cap)) == NULL) {
		b->failed = 1;
		return -1;
	}
	b->p = p;
	b->cap = cap;
	return 0;
}

int
sd_bytes_put(struct sd_bytes *b, const void *p, size_t n)
{
	if (n == 0)
		return 0;
	if (sd_bytes_reserve(b, n) == -1)
		return -1;
	memcpy(b->p + b->len, p, n);
	b->len += n;
	return 0;
}

static void
u8(struct sd_bytes *b, unsigned v)
{
	uint8_t c = (uint8_t)v;

	sd_bytes_put(b, &c, 1);
}

static void
u16(struct sd_bytes *b, unsigned v)
{
	uint8_t c[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	sd_bytes_put(b, c, 2);
}

static void
u24(struct sd_bytes *b, uint32_t v)
{
	uint8_t c[3] = { (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };

	sd_bytes_put(b, c, 3);
}

static void
u32(struct sd_bytes *b, uint32_t v)
{
	uint8_t c[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
	    (uint8_t)(v >> 8), (uint8_t)v };

	sd_bytes_put(b, c, 4);
}

static void
u64(struct sd_bytes *b, uint64_t v)
{
	u32(b, (uint32_t)(v >> 32));
	u32(b, (uint32_t)v);
}

static void
zeros(struct sd_bytes *b, size_t n)
{
	static const uint8_t z[64];

	while (n > 0) {
		size_t k = n < sizeof(z) ? n : sizeof(z);
		sd_bytes_put(b, z, k);
		n -= k;
	}
}

static void
fourcc(struct sd_bytes *b, const char *t)
{
	sd_bytes_put(b, t, 4);
}

/* Open a box: its size is patched by box_end. */
static size_t
box(struct sd_bytes *b, const char *type)
{
	size_t at = b->len;

	u32(b, 0);
	fourcc(b, type);
	return at;
}

static size_t
fullbox(struct sd_bytes *b, const char *type, unsigned version,
    uint32_t flags)
{
	size_t at = box(b, type);

	u32(b, (uint32_t)version << 24 | (flags & 0xffffff));
	return at;
}

static void
box_end(struct sd_bytes *b, size_t at)
{
	uint32_t n = (uint32_t)(b->len - at);

	if (b->failed || at + 4 > b->len)
		return;
	b->p[at] = (uint8_t)(n >> 24);
	b->p[at + 1] = (uint8_t)(n >> 16);
	b->p[at + 2] = (uint8_t)(n >> 8);
	b->p[at + 3] = (uint8_t)n;
}

static void
matrix(struct sd_bytes *b)
{
	static const uint32_t m[9] = { 0x10000, 0, 0, 0, 0x10000, 0, 0, 0,
	    0x40000000 };
	size_t i;

	for (i = 0; i < 9; i++)
		u32(b, m[i]);
}

/* ---------------------------------------------------------------- header */

static void
ftyp(struct sd_bytes *b)
{
	size_t at = box(b, "ftyp");

	fourcc(b, "cmfc");
	u32(b, 0);
	fourcc(b, "cmfc");
	fourcc(b, "iso6");
	fourcc(b, "mp41");
	box_end(b, at);
}

static void
mvhd(struct sd_bytes *b)
{
	size_t at = fullbox(b, "mvhd", 0, 0);

	u32(b, 0);		/* creation */
	u32(b, 0);		/* modification */
	u32(b, 1000);		/* timescale */
	u32(b, 0);		/* duration: fragmented */
	u32(b, 0x10000);	/* rate 1.0 */
	u16(b, 0x100);		/* volume 1.0 */
	zeros(b, 10);
	matrix(b);
	zeros(b, 24);		/* pre_defined */
	u32(b, 2);		/* next_track_ID */
	box_end(b, at);
}

static void
tkhd(struct sd_bytes *b, const struct sd_cmaf_track *t)
{
	size_t at = fullbox(b, "tkhd", 0, 3);	/* enabled, in movie */

	u32(b, 0);
	u32(b, 0);
	u32(b, 1);		/* track_ID */
	u32(b, 0);
	u32(b, 0);		/* duration */
	zeros(b, 8);
	u16(b, 0);		/* layer */
	u16(b, t->video ? 0 : 1);	/* alternate group */
	u16(b, t->video ? 0 : 0x100);
	u16(b, 0);
	matrix(b);
	u32(b, t->video ? (uint32_t)t->width << 16 : 0);
	u32(b, t->video ? (uint32_t)t->height << 16 : 0);
	box_end(b, at);
}

/* ISO 639-2/T packed in 15 bits; anything else is "und". */
static unsigned
packed_lang(const char *l)
{
	size_t i;

	if (strlen(l) != 3)
		l = "und";
	for (i = 0; i < 3; i++)
		if (l[i] < 'a' || l[i] > 'z')
			l = "und";
	return (unsigned)(l[0] - 0x60) << 10 | (unsigned)(l[1] - 0x60) << 5 |
	    (unsigned)(l[2] - 0x60);
}

static void
mdhd(struct sd_bytes *b, const struct sd_cmaf_track *t)
{
	size_t at = fullbox(b, "mdhd", 0, 0);

	u32(b, 0);
	u32(b, 0);
	u32(b, t->timescale);
	u32(b, 0);
	u16(b, packed_lang(t->lang));
	u16(b, 0);
	box_end(b, at);
}

static void
hdlr(struct sd_bytes *b, const struct sd_cmaf_track *t)
{
	size_t at = fullbox(b, "hdlr", 0, 0);
	const char *name = t->video ? "VideoHandler" : "SoundHandler";

	u32(b, 0);
	fourcc(b, t->video ? "vide" : "soun");
	zeros(b, 12);
	sd_bytes_put(b, name, strlen(name) + 1);
	box_end(b, at);
}

static void
visual_entry(struct sd_bytes *b, const struct sd_cmaf_track *t)
{
	zeros(b, 6);
	u16(b, 1);		/* data_reference_index */
	zeros(b, 16);		/* pre_defined, reserved */
	u16(b, (unsigned)t->width);
	u16(b, (unsigned)t->height);
	u32(b, 0x480000);	/* 72 dpi */
	u32(b, 0x480000);
	u32(b, 0);
	u16(b, 1);		/* frame_count */
	zeros(b, 32);		/* compressorname */
	u16(b, 0x18);		/* depth */
	u16(b, 0xffff);		/* pre_defined = -1 */
}

static void
audio_entry(struct sd_bytes *b, const struct sd_cmaf_track *t)
{
	uint32_t rate = t->sample_rate > 0 && t->sample_rate < 65536 ?
	    (uint32_t)t->sample_rate : 0;

	zeros(b, 6);
	u16(b, 1);
	zeros(b, 8);
	u16(b, t->channels > 0 && t->channels < 65536 ?
	    (unsigned)t->channels : 2);
	u16(b, 16);		/* samplesize */
	u32(b, 0);
	u32(b, rate << 16);
}

static void
stsd(struct sd_bytes *b, const struct sd_cmaf_track *t)
{
	size_t at = fullbox(b, "stsd", 0, 0), e, c;

	u32(b, 1);
	e = box(b, t->entry);
	if (t->video)
		visual_entry(b, t);
	else
		audio_entry(b, t);
	c = t->cfg_full ? fullbox(b, t->cfg_type, 0, 0) : box(b, t->cfg_type);
	if (t->cfg_full && strcmp(t->cfg_type, "vpcC") == 0) {
		/* vpcC is version 1: patch the version byte. */
		if (!b->failed)
			b->p[c + 8] = 1;
	}
	sd_bytes_put(b, t->cfg, t->cfg_len);
	box_end(b, c);
	box_end(b, e);
	box_end(b, at);
}

static void
empty_tables(struct sd_bytes *b)
{
	size_t at;

	at = fullbox(b, "stts", 0, 0);
	u32(b, 0);
	box_end(b, at);
	at = fullbox(b, "stsc", 0, 0);
	u32(b, 0);
	box_end(b, at);
	at = fullbox(b, "stsz", 0, 0);
	u32(b, 0);
	u32(b, 0);
	box_end(b, at);
	at = fullbox(b, "stco", 0, 0);
	u32(b, 0);
	box_end(b, at);
}

static void
minf(struct sd_bytes *b, const struct sd_cmaf_track *t)
{
	size_t at = box(b, "minf"), m, d, r, u, s;

	if (t->video) {
		m = fullbox(b, "vmhd", 0, 1);
		zeros(b, 8);
	} else {
		m = fullbox(b, "smhd", 0, 0);
		zeros(b, 4);
	}
	box_end(b, m);
	d = box(b, "dinf");
	r = fullbox(b, "dref", 0, 0);
	u32(b, 1);
	u = fullbox(b, "url ", 0, 1);	/* media in this file */
	box_end(b, u);
	box_end(b, r);
	box_end(b, d);
	s = box(b, "stbl");
	stsd(b, t);
	empty_tables(b);
	box_end(b, s);
	box_end(b, at);
}

static void
mvex(struct sd_bytes *b)
{
	size_t at = box(b, "mvex"), x;

	x = fullbox(b, "trex", 0, 0);
	u32(b, 1);		/* track_ID */
	u32(b, 1);		/* sample description */
	u32(b, 0);
	u32(b, 0);
	u32(b, 0);
	box_end(b, x);
	box_end(b, at);
}

int
sd_cmaf_header(const struct sd_cmaf_track *t, struct sd_bytes *b)
{
	size_t moov, trak, mdia;

	if (strlen(t->entry) != 4 || strlen(t->cfg_type) != 4 ||
	    t->timescale == 0) {
		warnx("cmaf: incomplete track description");
		return -1;
	}
	ftyp(b);
	moov = box(b, "moov");
	mvhd(b);
	trak = box(b, "trak");
	tkhd(b, t);
	mdia = box(b, "mdia");
	mdhd(b, t);
	hdlr(b, t);
	minf(b, t);
	box_end(b, mdia);
	box_end(b, trak);
	mvex(b);
	box_end(b, moov);
	return b->failed ? -1 : 0;
}

/* ---------------------------------------------------------------- segment */

#define FLAGS_SYNC	0x02000000u	/* depends on no other sample */
#define FLAGS_NONSYNC	0x01010000u	/* depends on others, not sync */

/*
 * styp, moof and the mdat header of one segment (one fragment). The
 * samples' bytes, in order, are what follows: the caller writes them. The
 * first sample of a segment is a sync sample (the caller cuts there).
 * Video uses trun version 1 (signed composition offsets), so that the
 * first frame is presented at its decode time with no edit list.
 */
int
sd_cmaf_segment(const struct sd_cmaf_track *t, uint32_t seqno,
    uint64_t tfdt, const struct sd_cmaf_sample *s, size_t n,
    struct sd_bytes *b)
{
	size_t st, moof, traf, at, trun, off_at, i;
	uint64_t payload = 0;
	uint32_t flags;

	if (n == 0 || n > 0xffffff)
		return -1;
	for (i = 0; i < n; i++)
		payload += s[i].size;
	if (payload + 8 > 0xffffffffu)
		return -1;
	st = box(b, "styp");
	fourcc(b, "cmfs");
	u32(b, 0);
	fourcc(b, "cmfs");
	fourcc(b, "msdh");
	box_end(b, st);
	moof = box(b, "moof");
	at = fullbox(b, "mfhd", 0, 0);
	u32(b, seqno);
	box_end(b, at);
	traf = box(b, "traf");
	/* default-base-is-moof, default-sample-flags present */
	at = fullbox(b, "tfhd", 0, 0x020000 | 0x20);
	u32(b, 1);
	u32(b, t->video ? FLAGS_NONSYNC : FLAGS_SYNC);
	box_end(b, at);
	at = fullbox(b, "tfdt", 1, 0);
	u64(b, tfdt);
	box_end(b, at);
	flags = 0x1 | 0x100 | 0x200 | (t->video ? 0x400 | 0x800 : 0);
	trun = fullbox(b, "trun", t->video ? 1 : 0, flags);
	u32(b, (uint32_t)n);
	off_at = b->len;
	u32(b, 0);		/* data_offset, patched below */
	for (i = 0; i < n; i++) {
		u32(b, s[i].duration);
		u32(b, s[i].size);
		if (t->video) {
			u32(b, s[i].sync ? FLAGS_SYNC : FLAGS_NONSYNC);
			u32(b, (uint32_t)s[i].cto);
		}
	}
	box_end(b, trun);
	box_end(b, traf);
	box_end(b, moof);
	if (!b->failed) {
		uint32_t off = (uint32_t)(b->len - moof + 8);
		b->p[off_at] = (uint8_t)(off >> 24);
		b->p[off_at + 1] = (uint8_t)(off >> 16);
		b->p[off_at + 2] = (uint8_t)(off >> 8);
		b->p[off_at + 3] = (uint8_t)off;
	}
	u32(b, (uint32_t)(payload + 8));
	fourcc(b, "mdat");
	return b->failed ? -1 : 0;
}

/* ---------------------------------------------------------------- NAL units */

/*
 * The next Annex B NAL unit at or after *pos: its start and length,
 * trailing zero bytes (part of the next start code) excluded. Returns 0
 * at the end of the buffer.
 */
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

int
sd_is_annexb(const uint8_t *p, size_t n)
{
	return n >= 3 && p[0] == 0 && p[1] == 0 &&
	    (p[2] == 1 || (n >= 4 && p[2] == 0 && p[3] == 1));
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

/*
 * Copy an Annex B access unit into out as 4-byte length-prefixed NAL
 * units, leaving out what keep_nal drops. Sets *key when the unit holds an
 * IDR/IRAP picture and *params when it carried parameter sets. Returns the
 * bytes appended, or -1.
 */
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
		u32(out, (uint32_t)len);
		sd_bytes_put(out, nal, len);
	}
	return out->failed ? -1 : (long)(out->len - before);
}

#define INPLACE_NALS 64

/*
 * The same conversion in place, with no copy of the picture: possible
 * when no length lands on bytes not yet moved (4-byte start codes, or
 * dropped units before 3-byte ones, as encoders write them). Returns the
 * new length, or -1 with p untouched: the caller copies instead.
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

/* ---------------------------------------------------------------- bits */

/* A bit reader over an RBSP: emulation prevention bytes removed first. */
struct rbsp {
	uint8_t buf[512];
	size_t n, bit;
	int over;
};

static void
rbsp_load(struct rbsp *r, const uint8_t *nal, size_t len)
{
	size_t i, zeros_seen = 0;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < len && r->n < sizeof(r->buf); i++) {
		if (zeros_seen >= 2 && nal[i] == 3) {
			zeros_seen = 0;
			continue;
		}
		zeros_seen = nal[i] == 0 ? zeros_seen + 1 : 0;
		r->buf[r->n++] = nal[i];
	}
}

static unsigned
bits(struct rbsp *r, unsigned k)
{
	unsigned v = 0;

	while (k-- > 0) {
		if (r->bit >= r->n * 8) {
			r->over = 1;
			return 0;
		}
		v = v << 1 | ((r->buf[r->bit / 8] >> (7 - r->bit % 8)) & 1);
		r->bit++;
	}
	return v;
}

static void
skip(struct rbsp *r, size_t k)
{
	r->bit += k;
	if (r->bit > r->n * 8)
		r->over = 1;
}

static unsigned
ue(struct rbsp *r)
{
	unsigned lz = 0;

	while (bits(r, 1) == 0 && !r->over)
		if (++lz > 31) {
			r->over = 1;
			return 0;
		}
	return lz == 0 ? 0 : (1u << lz) - 1 + bits(r, lz);
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

/*
 * avcC (ISO/IEC 14496-15 5.3.3.1) from the SPS and PPS NAL units of an
 * Annex B buffer, with the chroma and bit depth extension for the high
 * profiles. -1 when there is no SPS or PPS.
 */
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
		(void)ue(&r);		/* seq_parameter_set_id */
		chroma = ue(&r);
		if (chroma == 3)
			skip(&r, 1);
		luma8 = ue(&r);
		chroma8 = ue(&r);
		if (r.over || chroma > 3 || luma8 > 7 || chroma8 > 7)
			return -1;
	}
	u8(out, 1);
	u8(out, sps[1]);
	u8(out, sps[2]);
	u8(out, sps[3]);
	u8(out, 0xff);		/* 4-byte lengths */
	u8(out, 0xe0 | (unsigned)ps.n[0]);
	for (i = 0; i < ps.n[0]; i++) {
		u16(out, (unsigned)ps.len[0][i]);
		sd_bytes_put(out, ps.p[0][i], ps.len[0][i]);
	}
	u8(out, (unsigned)ps.n[1]);
	for (i = 0; i < ps.n[1]; i++) {
		u16(out, (unsigned)ps.len[1][i]);
		sd_bytes_put(out, ps.p[1][i], ps.len[1][i]);
	}
	if (high_profile(sps[1])) {
		u8(out, 0xfc | chroma);
		u8(out, 0xf8 | luma8);
		u8(out, 0xf8 | chroma8);
		u8(out, 0);	/* no SPS extensions */
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
	struct rbsp r;
	unsigned i, prof_present[8], level_present[8];
	unsigned w, hh, cl = 0, cr = 0, ct = 0, cb = 0, sx, sy;

	rbsp_load(&r, nal + 2, len - 2);
	skip(&r, 4);			/* vps id */
	h->sub_layers = bits(&r, 3) + 1;
	h->nested = bits(&r, 1);
	for (i = 0; i < 12; i++)
		h->ptl[i] = (uint8_t)bits(&r, 8);
	for (i = 0; i + 1 < h->sub_layers; i++) {
		prof_present[i] = bits(&r, 1);
		level_present[i] = bits(&r, 1);
	}
	if (h->sub_layers > 1)
		skip(&r, 2 * (9 - h->sub_layers));
	for (i = 0; i + 1 < h->sub_layers; i++) {
		if (prof_present[i])
			skip(&r, 88);
		if (level_present[i])
			skip(&r, 8);
	}
	(void)ue(&r);			/* sps id */
	h->chroma = ue(&r);
	if (h->chroma == 3)
		skip(&r, 1);
	w = ue(&r);
	hh = ue(&r);
	if (bits(&r, 1)) {		/* conformance window */
		cl = ue(&r);
		cr = ue(&r);
		ct = ue(&r);
		cb = ue(&r);
	}
	sx = h->chroma == 1 || h->chroma == 2 ? 2 : 1;
	sy = h->chroma == 1 ? 2 : 1;
	h->width = (int)(w & 0xffff) - (int)(sx * ((cl + cr) & 0xffff));
	h->height = (int)(hh & 0xffff) - (int)(sy * ((ct + cb) & 0xffff));
	h->luma8 = ue(&r);
	h->chroma8 = ue(&r);
	return r.over || h->chroma > 3 || h->luma8 > 7 || h->chroma8 > 7 ?
	    -1 : 0;
}

static void
hvcc_array(struct sd_bytes *out, unsigned type, const struct nals *ps,
    int k)
{
	size_t i;

	u8(out, 0x80 | type);	/* array_completeness */
	u16(out, (unsigned)ps->n[k]);
	for (i = 0; i < ps->n[k]; i++) {
		u16(out, (unsigned)ps->len[k][i]);
		sd_bytes_put(out, ps->p[k][i], ps->len[k][i]);
	}
}

/* hvcC (ISO/IEC 14496-15 8.3.3.1) from Annex B VPS, SPS and PPS. */
int
sd_hvcc_from_annexb(const uint8_t *p, size_t n, struct sd_bytes *out)
{
	struct nals ps;
	struct hevc_sps h;

	collect(1, p, n, &ps);
	if (ps.n[0] == 0 || ps.n[1] == 0 || ps.n[2] == 0 ||
	    hevc_parse_sps(ps.p[0][0], ps.len[0][0], &h) == -1)
		return -1;
	u8(out, 1);
	sd_bytes_put(out, h.ptl, 12);
	u16(out, 0xf000);		/* min_spatial_segmentation 0 */
	u8(out, 0xfc);			/* parallelismType unknown */
	u8(out, 0xfc | h.chroma);
	u8(out, 0xf8 | h.luma8);
	u8(out, 0xf8 | h.chroma8);
	u16(out, 0);			/* avgFrameRate */
	u8(out, (h.sub_layers & 7) << 3 | (h.nested & 1) << 2 | 3);
	u8(out, 3);
	hvcc_array(out, 32, &ps, 2);
	hvcc_array(out, 33, &ps, 0);
	hvcc_array(out, 34, &ps, 1);
	return out->failed ? -1 : 0;
}

/* ---------------------------------------------------------------- sizes */

static int
se(struct rbsp *r)
{
	unsigned v = ue(r);

	return v & 1 ? (int)((v + 1) / 2) : -(int)(v / 2);
}

static void
skip_scaling_list(struct rbsp *r, int size)
{
	int last = 8, next = 8, j;

	for (j = 0; j < size && !r->over; j++) {
		if (next != 0)
			next = (last + se(r) + 256) % 256;
		last = next == 0 ? last : next;
	}
}

/* Width and height from an H.264 SPS (ITU-T H.264 7.3.2.1.1). */
static int
h264_sps_size(const uint8_t *nal, size_t len, int *w, int *h)
{
	struct rbsp r;
	unsigned prof, chroma = 1, i, n, sep = 0, fmo, poc, cl, cr, ct, cb;
	unsigned wm, hm, cx, cy;

	if (len < 4)
		return -1;
	prof = nal[1];
	rbsp_load(&r, nal + 4, len - 4);
	(void)ue(&r);
	if (high_profile(prof)) {
		if ((chroma = ue(&r)) == 3)
			sep = bits(&r, 1);
		(void)ue(&r);
		(void)ue(&r);
		skip(&r, 1);
		if (bits(&r, 1))
			for (i = 0; i < (chroma != 3 ? 8u : 12u); i++)
				if (bits(&r, 1))
					skip_scaling_list(&r, i < 6 ? 16 : 64);
	}
	(void)ue(&r);
	if ((poc = ue(&r)) == 0)
		(void)ue(&r);
	else if (poc == 1) {
		skip(&r, 1);
		(void)se(&r);
		(void)se(&r);
		n = ue(&r);
		for (i = 0; i < n && i < 256 && !r.over; i++)
			(void)se(&r);
	}
	(void)ue(&r);
	skip(&r, 1);
	wm = ue(&r) + 1;
	hm = ue(&r) + 1;
	fmo = bits(&r, 1);
	if (!fmo)
		skip(&r, 1);
	skip(&r, 1);
	cl = cr = ct = cb = 0;
	if (bits(&r, 1)) {
		cl = ue(&r);
		cr = ue(&r);
		ct = ue(&r);
		cb = ue(&r);
	}
	if (r.over || chroma > 3 || wm > 1024 || hm > 1024)
		return -1;
	cx = chroma == 0 || sep || chroma == 3 ? 1 : 2;
	cy = (chroma == 1 && !sep ? 2 : 1) * (2 - fmo);
	*w = (int)(wm * 16) - (int)(cx * (cl + cr));
	*h = (int)((2 - fmo) * hm * 16) - (int)(cy * (ct + cb));
	return *w > 0 && *h > 0 ? 0 : -1;
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

/*
 * The picture size an avcC or hvcC record's first SPS gives (cropped), so
 * that a header made after a change of parameters says the new size.
 */
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

/* ---------------------------------------------------------------- AV1 */

static void
raw_load(struct rbsp *r, const uint8_t *p, size_t len)
{
	memset(r, 0, sizeof(*r));
	r->n = len < sizeof(r->buf) ? len : sizeof(r->buf);
	memcpy(r->buf, p, r->n);
}

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
	for (i = 0; i < 8; i++) {
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

static unsigned
uvlc_skip(struct rbsp *r)
{
	unsigned lz = 0;

	while (!bits(r, 1) && !r->over)
		if (++lz >= 32)
			return r->over = 1, 0;
	if (lz < 32)
		skip(r, lz);
	return 0;
}

struct av1_seq {
	unsigned profile, level, tier, high, twelve, mono, ssx, ssy, csp;
};

static void
av1_ops(struct rbsp *r, struct av1_seq *q, unsigned *dmi, unsigned *bdl)
{
	unsigned idd, n, i, lvl, tier;

	if (bits(r, 1)) {		/* timing_info_present */
		skip(r, 64);
		if (bits(r, 1))
			uvlc_skip(r);
		if ((*dmi = bits(r, 1))) {
			*bdl = bits(r, 5) + 1;
			skip(r, 32 + 5 + 5);
		}
	}
	idd = bits(r, 1);
	n = bits(r, 5) + 1;
	for (i = 0; i < n && !r->over; i++) {
		skip(r, 12);
		lvl = bits(r, 5);
		tier = lvl > 7 ? bits(r, 1) : 0;
		if (i == 0) {
			q->level = lvl;
			q->tier = tier;
		}
		if (*dmi && bits(r, 1))
			skip(r, 2 * *bdl + 1);
		if (idd && bits(r, 1))
			skip(r, 4);
	}
}

static void
av1_tools(struct rbsp *r, unsigned reduced)
{
	unsigned fw, fh, order = 0, force = 2;

	fw = bits(r, 4) + 1;
	fh = bits(r, 4) + 1;
	skip(r, fw + fh);
	if (!reduced && bits(r, 1))	/* frame_id_numbers_present */
		skip(r, 7);
	skip(r, 3);			/* 128x128, filter intra, edge */
	if (!reduced) {
		skip(r, 4);		/* interintra, masked, warped, dual */
		if ((order = bits(r, 1)))
			skip(r, 2);
		if (!bits(r, 1))	/* seq_choose_screen_content_tools */
			force = bits(r, 1);
		if (force > 0 && !bits(r, 1))
			skip(r, 1);
		if (order)
			skip(r, 3);
	}
	skip(r, 3);			/* superres, cdef, restoration */
}

static void
av1_color(struct rbsp *r, struct av1_seq *q)
{
	unsigned cp = 2, tc = 2, mc = 2;

	q->high = bits(r, 1);
	if (q->profile == 2 && q->high)
		q->twelve = bits(r, 1);
	q->mono = q->profile == 1 ? 0 : bits(r, 1);
	if (bits(r, 1)) {
		cp = bits(r, 8);
		tc = bits(r, 8);
		mc = bits(r, 8);
	}
	q->ssx = q->ssy = 1;
	if (q->mono) {
		skip(r, 1);
		return;
	}
	if (cp == 1 && tc == 13 && mc == 0) {
		q->ssx = q->ssy = 0;
		return;
	}
	skip(r, 1);			/* color_range */
	if (q->profile == 1)
		q->ssx = q->ssy = 0;
	else if (q->profile == 2) {
		q->ssx = q->twelve ? bits(r, 1) : 1;
		q->ssy = q->twelve && q->ssx ? bits(r, 1) : 0;
	}
	if (q->ssx && q->ssy)
		q->csp = bits(r, 2);
}

static int
av1_parse_seq(const uint8_t *p, size_t n, struct av1_seq *q)
{
	struct rbsp r;
	unsigned reduced, dmi = 0, bdl = 0;

	memset(q, 0, sizeof(*q));
	raw_load(&r, p, n);
	q->profile = bits(&r, 3);
	skip(&r, 1);			/* still_picture */
	if ((reduced = bits(&r, 1)))
		q->level = bits(&r, 5);
	else
		av1_ops(&r, q, &dmi, &bdl);
	av1_tools(&r, reduced);
	av1_color(&r, q);
	return r.over || q->profile > 2 ? -1 : 0;
}

/*
 * av1C (AV1 Codec ISO Media File Format Binding 2.3) from the sequence
 * header OBU found in p (the OBUs of a temporal unit, or an extradata that
 * is one): the four bytes of fields, then that OBU as configOBUs.
 */
int
sd_av1c_from_obus(const uint8_t *p, size_t n, struct sd_bytes *out)
{
	struct av1_seq q;
	size_t at = 0, hdr, len;
	unsigned type;

	while (at < n && obu_at(p + at, n - at, &type, &hdr, &len) == 0) {
		if (type == 1) {
			if (av1_parse_seq(p + at + hdr, len, &q) == -1)
				return -1;
			u8(out, 0x81);
			u8(out, q.profile << 5 | q.level);
			u8(out, q.tier << 7 | q.high << 6 | q.twelve << 5 |
			    q.mono << 4 | q.ssx << 3 | q.ssy << 2 | q.csp);
			u8(out, 0);
			sd_bytes_put(out, p + at, hdr + len);
			return out->failed ? -1 : 0;
		}
		at += hdr + len;
	}
	return -1;
}

/*
 * Drop temporal delimiter and padding OBUs in place (a sample in ISO BMFF
 * has none). Returns the new length; a malformed unit is left as it is.
 */
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

/* ---------------------------------------------------------------- audio */

static const int ac3_rates[3] = { 48000, 44100, 32000 };

/*
 * dac3 (ETSI TS 102 366 F.4) from an AC-3 sync frame. Sets *rate and
 * *samples (1536 a frame).
 */
int
sd_dac3(const uint8_t *f, size_t n, uint8_t out[3], int *rate)
{
	struct rbsp r;
	unsigned fscod, frmsizecod, bsid, bsmod, acmod, lfeon;

	if (n < 8 || f[0] != 0x0b || f[1] != 0x77)
		return -1;
	rbsp_load(&r, f + 4, n - 4 < 16 ? n - 4 : 16);
	fscod = bits(&r, 2);
	frmsizecod = bits(&r, 6);
	bsid = bits(&r, 5);
	bsmod = bits(&r, 3);
	acmod = bits(&r, 3);
	if ((acmod & 1) && acmod != 1)
		skip(&r, 2);
	if (acmod & 4)
		skip(&r, 2);
	if (acmod == 2)
		skip(&r, 2);
	lfeon = bits(&r, 1);
	if (r.over || fscod == 3 || bsid > 10 || frmsizecod > 37)
		return -1;
	*rate = ac3_rates[fscod];
	out[0] = (uint8_t)(fscod << 6 | bsid << 1 | bsmod >> 2);
	out[1] = (uint8_t)((bsmod & 3) << 6 | acmod << 3 | lfeon << 2 |
	    (frmsizecod >> 1) >> 3);
	out[2] = (uint8_t)(((frmsizecod >> 1) & 7) << 5);
	return 0;
}

/*
 * dec3 (ETSI TS 102 366 F.6) for one independent substream, from an
 * E-AC-3 frame. Sets *rate and *samples (256 per audio block).
 */
int
sd_dec3(const uint8_t *f, size_t n, uint8_t out[5], int *rate,
    int *samples)
{
	static const int blocks[4] = { 1, 2, 3, 6 };
	struct rbsp r;
	unsigned frmsiz, fscod, fscod2 = 0, nb = 3, acmod, lfeon, bsid;
	long kbps;

	if (n < 6 || f[0] != 0x0b || f[1] != 0x77)
		return -1;
	rbsp_load(&r, f + 2, n - 2 < 16 ? n - 2 : 16);
	skip(&r, 2 + 3);		/* strmtyp, substreamid */
	frmsiz = bits(&r, 11);
	fscod = bits(&r, 2);
	if (fscod == 3)
		fscod2 = bits(&r, 2);
	else
		nb = bits(&r, 2);
	acmod = bits(&r, 3);
	lfeon = bits(&r, 1);
	bsid = bits(&r, 5);
	if (r.over || bsid <= 10 || bsid > 16 || (fscod == 3 && fscod2 == 3))
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

/*
 * dOps (Opus in ISO BMFF, 4.3.2) from an OpusHead (RFC 7845 5.1): the
 * same fields, big-endian, without the magic.
 */
int
sd_dops_from_opushead(const uint8_t *h, size_t n, struct sd_bytes *out)
{
	unsigned ch;

	if (n < 19 || memcmp(h, "OpusHead", 8) != 0)
		return -1;
	ch = h[9];
	u8(out, 0);
	u8(out, ch);
	u16(out, (unsigned)(h[10] | h[11] << 8));
	u32(out, (uint32_t)h[12] | (uint32_t)h[13] << 8 |
	    (uint32_t)h[14] << 16 | (uint32_t)h[15] << 24);
	u16(out, (unsigned)(h[16] | h[17] << 8));
	u8(out, h[18]);
	if (h[18] != 0) {
		if (n < 21 + (size_t)ch)
			return -1;
		sd_bytes_put(out, h + 19, 2 + (size_t)ch);
	}
	return out->failed ? -1 : 0;
}

/* A default OpusHead for a stream that came without one. */
int
sd_dops_default(int channels, struct sd_bytes *out)
{
	if (channels < 1 || channels > 2)
		return -1;
	u8(out, 0);
	u8(out, (unsigned)channels);
	u16(out, 312);
	u32(out, 48000);
	u16(out, 0);
	u8(out, 0);
	return out->failed ? -1 : 0;
}

static void
descr(struct sd_bytes *b, unsigned tag, size_t len)
{
	u8(b, tag);
	u8(b, 0x80 | (unsigned)((len >> 21) & 0x7f));
	u8(b, 0x80 | (unsigned)((len >> 14) & 0x7f));
	u8(b, 0x80 | (unsigned)((len >> 7) & 0x7f));
	u8(b, (unsigned)(len & 0x7f));
}

/*
 * The payload of esds (after its version and flags): an ES_Descriptor
 * with the object type (0x40 AAC, 0x6B MPEG-1 audio, 0x69 MPEG-2 audio)
 * and, for AAC, the AudioSpecificConfig.
 */
int
sd_esds(unsigned oti, const uint8_t *asc, size_t asc_len, uint32_t bitrate,
    struct sd_bytes *out)
{
	size_t dsi = asc_len > 0 ? 5 + asc_len : 0;
	size_t dcd = 13 + dsi;

	if (asc_len > 0xffff)
		return -1;
	descr(out, 0x03, 3 + 5 + dcd + 5 + 1);
	u16(out, 1);		/* ES_ID */
	u8(out, 0);
	descr(out, 0x04, dcd);
	u8(out, oti);
	u8(out, 0x15);		/* audio stream */
	u24(out, 0);
	u32(out, bitrate);
	u32(out, bitrate);
	if (asc_len > 0) {
		descr(out, 0x05, asc_len);
		sd_bytes_put(out, asc, asc_len);
	}
	descr(out, 0x06, 1);
	u8(out, 2);
	return out->failed ? -1 : 0;
}

/* vpcC version 1 payload (VP Codec ISO Media File Format 2.2). */
int
sd_vpcc(unsigned profile, unsigned level, unsigned depth, unsigned chroma,
    unsigned full_range, unsigned prim, unsigned trc, unsigned matrix_co,
    struct sd_bytes *out)
{
	u8(out, profile);
	u8(out, level);
	u8(out, (depth & 0xf) << 4 | (chroma & 7) << 1 | (full_range & 1));
	u8(out, prim);
	u8(out, trc);
	u8(out, matrix_co);
	u16(out, 0);
	return out->failed ? -1 : 0;
}
