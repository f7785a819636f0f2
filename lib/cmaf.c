/*
 * cmaf.c - the ISO BMFF boxes of a CMAF track (ISO/IEC 23000-19), written
 * by hand: the header (ftyp with the cmfc brand, moov with one trak and
 * mvex) and each segment's styp, moof and mdat header. The codec
 * configuration record inside the sample entry comes ready made (nal.c:
 * avcC, hvcC; codec_config.c: the others).
 *
 * Each box is opened by box() and closed by box_end(), which patches its
 * size, so the code reads like the box tree of the specification; a
 * failed write sticks in the buffer and is checked once, at the end.
 * Pure functions of what they are handed: no libav*, no I/O, so they are
 * cheap to test byte for byte.
 */
#include <err.h>
#include <string.h>

#include "cmaf.h"

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

	sd_put_u32(b, 0);
	fourcc(b, type);
	return at;
}

static size_t
fullbox(struct sd_bytes *b, const char *type, unsigned version,
    uint32_t flags)
{
	size_t at = box(b, type);

	sd_put_u32(b, (uint32_t)version << 24 | (flags & 0xffffff));
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
		sd_put_u32(b, m[i]);
}

/* ---------------------------------------------------------------- header */

static void
ftyp(struct sd_bytes *b)
{
	size_t at = box(b, "ftyp");

	fourcc(b, "cmfc");
	sd_put_u32(b, 0);
	fourcc(b, "cmfc");
	fourcc(b, "iso6");
	fourcc(b, "mp41");
	box_end(b, at);
}

static void
mvhd(struct sd_bytes *b)
{
	size_t at = fullbox(b, "mvhd", 0, 0);

	sd_put_u32(b, 0);	/* creation */
	sd_put_u32(b, 0);	/* modification */
	sd_put_u32(b, 1000);	/* timescale */
	sd_put_u32(b, 0);	/* duration: fragmented */
	sd_put_u32(b, 0x10000);	/* rate 1.0 */
	sd_put_u16(b, 0x100);	/* volume 1.0 */
	sd_put_zeros(b, 10);
	matrix(b);
	sd_put_zeros(b, 24);	/* pre_defined */
	sd_put_u32(b, 2);	/* next_track_ID */
	box_end(b, at);
}

static void
tkhd(struct sd_bytes *b, const struct sd_cmaf_track *t)
{
	size_t at = fullbox(b, "tkhd", 0, 3);	/* enabled, in movie */

	sd_put_u32(b, 0);
	sd_put_u32(b, 0);
	sd_put_u32(b, 1);	/* track_ID */
	sd_put_u32(b, 0);
	sd_put_u32(b, 0);	/* duration */
	sd_put_zeros(b, 8);
	sd_put_u16(b, 0);	/* layer */
	sd_put_u16(b, t->video ? 0 : 1);	/* alternate group */
	sd_put_u16(b, t->video ? 0 : 0x100);
	sd_put_u16(b, 0);
	matrix(b);
	sd_put_u32(b, t->video ? (uint32_t)t->width << 16 : 0);
	sd_put_u32(b, t->video ? (uint32_t)t->height << 16 : 0);
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

	sd_put_u32(b, 0);
	sd_put_u32(b, 0);
	sd_put_u32(b, t->timescale);
	sd_put_u32(b, 0);
	sd_put_u16(b, packed_lang(t->lang));
	sd_put_u16(b, 0);
	box_end(b, at);
}

static void
hdlr(struct sd_bytes *b, const struct sd_cmaf_track *t)
{
	size_t at = fullbox(b, "hdlr", 0, 0);
	const char *name = t->video ? "VideoHandler" : "SoundHandler";

	sd_put_u32(b, 0);
	fourcc(b, t->video ? "vide" : "soun");
	sd_put_zeros(b, 12);
	sd_bytes_put(b, name, strlen(name) + 1);
	box_end(b, at);
}

static void
visual_entry(struct sd_bytes *b, const struct sd_cmaf_track *t)
{
	sd_put_zeros(b, 6);
	sd_put_u16(b, 1);	/* data_reference_index */
	sd_put_zeros(b, 16);	/* pre_defined, reserved */
	sd_put_u16(b, (unsigned)t->width);
	sd_put_u16(b, (unsigned)t->height);
	sd_put_u32(b, 0x480000);	/* 72 dpi */
	sd_put_u32(b, 0x480000);
	sd_put_u32(b, 0);
	sd_put_u16(b, 1);	/* frame_count */
	sd_put_zeros(b, 32);	/* compressorname */
	sd_put_u16(b, 0x18);	/* depth */
	sd_put_u16(b, 0xffff);	/* pre_defined = -1 */
}

static void
audio_entry(struct sd_bytes *b, const struct sd_cmaf_track *t)
{
	uint32_t rate = t->sample_rate > 0 && t->sample_rate < 65536 ?
	    (uint32_t)t->sample_rate : 0;

	sd_put_zeros(b, 6);
	sd_put_u16(b, 1);
	sd_put_zeros(b, 8);
	sd_put_u16(b, t->channels > 0 && t->channels < 65536 ?
	    (unsigned)t->channels : 2);
	sd_put_u16(b, 16);	/* samplesize */
	sd_put_u32(b, 0);
	sd_put_u32(b, rate << 16);
}

static void
stsd(struct sd_bytes *b, const struct sd_cmaf_track *t)
{
	size_t at = fullbox(b, "stsd", 0, 0), e, c;

	sd_put_u32(b, 1);
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
	sd_put_u32(b, 0);
	box_end(b, at);
	at = fullbox(b, "stsc", 0, 0);
	sd_put_u32(b, 0);
	box_end(b, at);
	at = fullbox(b, "stsz", 0, 0);
	sd_put_u32(b, 0);
	sd_put_u32(b, 0);
	box_end(b, at);
	at = fullbox(b, "stco", 0, 0);
	sd_put_u32(b, 0);
	box_end(b, at);
}

static void
minf(struct sd_bytes *b, const struct sd_cmaf_track *t)
{
	size_t at = box(b, "minf"), m, d, r, u, s;

	if (t->video) {
		m = fullbox(b, "vmhd", 0, 1);
		sd_put_zeros(b, 8);
	} else {
		m = fullbox(b, "smhd", 0, 0);
		sd_put_zeros(b, 4);
	}
	box_end(b, m);
	d = box(b, "dinf");
	r = fullbox(b, "dref", 0, 0);
	sd_put_u32(b, 1);
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
	sd_put_u32(b, 1);	/* track_ID */
	sd_put_u32(b, 1);	/* sample description */
	sd_put_u32(b, 0);
	sd_put_u32(b, 0);
	sd_put_u32(b, 0);
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
	sd_put_u32(b, 0);
	fourcc(b, "cmfs");
	fourcc(b, "msdh");
	box_end(b, st);
	moof = box(b, "moof");
	at = fullbox(b, "mfhd", 0, 0);
	sd_put_u32(b, seqno);
	box_end(b, at);
	traf = box(b, "traf");
	/* default-base-is-moof, default-sample-flags present */
	at = fullbox(b, "tfhd", 0, 0x020000 | 0x20);
	sd_put_u32(b, 1);
	sd_put_u32(b, t->video ? FLAGS_NONSYNC : FLAGS_SYNC);
	box_end(b, at);
	at = fullbox(b, "tfdt", 1, 0);
	sd_put_u64(b, tfdt);
	box_end(b, at);
	flags = 0x1 | 0x100 | 0x200 | (t->video ? 0x400 | 0x800 : 0);
	trun = fullbox(b, "trun", t->video ? 1 : 0, flags);
	sd_put_u32(b, (uint32_t)n);
	off_at = b->len;
	sd_put_u32(b, 0);	/* data_offset, patched below */
	for (i = 0; i < n; i++) {
		sd_put_u32(b, s[i].duration);
		sd_put_u32(b, s[i].size);
		if (t->video) {
			sd_put_u32(b, s[i].sync ? FLAGS_SYNC : FLAGS_NONSYNC);
			sd_put_u32(b, (uint32_t)s[i].cto);
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
	sd_put_u32(b, (uint32_t)(payload + 8));
	fourcc(b, "mdat");
	return b->failed ? -1 : 0;
}

/* ---------------------------------------------------------------- sidx */

size_t
sd_cmaf_sidx_size(size_t n)
{
	return 40 + 12 * n;
}

int
sd_cmaf_sidx(uint32_t timescale, const struct sd_cmaf_ref *r, size_t n,
    struct sd_bytes *b)
{
	size_t at, i;
	uint64_t d;

	if (n == 0 || n > SD_CMAF_SIDX_MAX || timescale == 0)
		return -1;
	at = fullbox(b, "sidx", 1, 0);
	sd_put_u32(b, 1);		/* reference_ID: the track */
	sd_put_u32(b, timescale);
	sd_put_u64(b, r[0].t);		/* earliest_presentation_time */
	sd_put_u64(b, 0);		/* first_offset: segments follow */
	sd_put_u16(b, 0);
	sd_put_u16(b, (unsigned)n);
	for (i = 0; i < n; i++) {
		d = i + 1 < n && r[i + 1].t > r[i].t ? r[i + 1].t - r[i].t :
		    r[i].d;
		/* reference_type 0 (media) and a 31-bit size */
		if (r[i].size == 0 || r[i].size > 0x7fffffffu ||
		    d > 0xffffffffu)
			return -1;
		sd_put_u32(b, (uint32_t)r[i].size);
		sd_put_u32(b, (uint32_t)d);
		sd_put_u32(b, 0x90000000u);	/* starts_with_SAP, type 1 */
	}
	box_end(b, at);
	return b->failed ? -1 : 0;
}

int
sd_cmaf_free(size_t n, struct sd_bytes *b)
{
	if (n < 8 || n > 0xffffffffu)
		return -1;
	sd_put_u32(b, (uint32_t)n);
	fourcc(b, "free");
	sd_put_zeros(b, n - 8);
	return b->failed ? -1 : 0;
}
