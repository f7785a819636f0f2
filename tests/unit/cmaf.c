/*
 * cmaf.c - the box writer byte for byte: Annex B to length-prefixed NAL
 * units, avcC, dac3, dOps, esds lengths, and a segment's sizes and offsets
 * read back the way a demuxer walks them.
 */
#include <stdlib.h>
#include <string.h>

#include "sd.h"
#include "cmaf.h"
#include "codec_config.h"
#include "nal.h"
#include "mtap.h"

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* The offset of the first box of type inside [p, p + n), walking boxes. */
static long
find_box(const uint8_t *p, size_t n, const char *type)
{
	size_t at = 0;

	while (at + 8 <= n) {
		uint32_t sz = be32(p + at);
		if (memcmp(p + at + 4, type, 4) == 0)
			return (long)at;
		if (sz < 8 || at + sz > n)
			return -1;
		at += sz;
	}
	return -1;
}

static int
same(const struct sd_bytes *b, const uint8_t *want, size_t n)
{
	return b->len == n && memcmp(b->p, want, n) == 0;
}

static void
test_annexb(void)
{
	static const uint8_t in[] = {
		0, 0, 0, 1, 0x09, 0xf0,				/* AUD */
		0, 0, 0, 1, 0x67, 0x42, 0xc0, 0x1e, 0xab,	/* SPS */
		0, 0, 1, 0x68, 0xce, 0x3c, 0x80,		/* PPS */
		0, 0, 1, 0x06, 0x05, 0x01, 0x80,		/* SEI */
		0, 0, 1, 0x65, 0x88, 0x00, 0x00, 0x03, 0x01, 0x00, 0x00,
	};
	static const uint8_t want[] = {
		0, 0, 0, 4, 0x06, 0x05, 0x01, 0x80,
		0, 0, 0, 6, 0x65, 0x88, 0x00, 0x00, 0x03, 0x01,
	};
	struct sd_bytes out = { NULL, 0, 0, 0 };
	int key, params;
	long n;

	n = sd_annexb_to_lp(0, in, sizeof(in), &out, &key, &params);
	ok(n == (long)sizeof(want) && same(&out, want, sizeof(want)),
	    "Annex B: AUD and parameter sets dropped, lengths, trailing zeros");
	ok(key == 1 && params == 1, "Annex B: IDR and parameter sets seen");
	ok(sd_is_annexb(in, sizeof(in)) && !sd_is_annexb(want, sizeof(want)),
	    "sd_is_annexb");
	out.len = 0;
	n = sd_annexb_to_lp(0, in + 4, 3, &out, &key, &params);
	ok(n == 0 && key == 0, "no start code: nothing");

	static const uint8_t avcc[] = {
		1, 0x42, 0xc0, 0x1e, 0xff, 0xe1, 0, 5, 0x67, 0x42, 0xc0, 0x1e,
		0xab, 1, 0, 4, 0x68, 0xce, 0x3c, 0x80,
	};
	out.len = 0;
	ok(sd_avcc_from_annexb(in, sizeof(in), &out) == 0 &&
	    same(&out, avcc, sizeof(avcc)), "avcC from baseline SPS and PPS");
	out.len = 0;
	ok(sd_avcc_from_annexb(in + 15, sizeof(in) - 15, &out) == -1,
	    "avcC: no SPS, no record");
	sd_bytes_free(&out);
}

static void
test_avcc_high(void)
{
	/* High profile 4:2:0 8 bit: sps id 0, chroma 1, depths 0 (ue 1, 010,
	 * 1, 1 = 1010 11..). */
	static const uint8_t in[] = {
		0, 0, 0, 1, 0x67, 0x64, 0x00, 0x1f, 0xac, 0x80,
		0, 0, 0, 1, 0x68, 0xeb, 0xe3, 0xcb,
	};
	struct sd_bytes out = { NULL, 0, 0, 0 };
	static const uint8_t tail[] = { 0xfd, 0xf8, 0xf8, 0x00 };

	ok(sd_avcc_from_annexb(in, sizeof(in), &out) == 0 && out.len >= 4 &&
	    memcmp(out.p + out.len - 4, tail, 4) == 0 && out.p[1] == 0x64,
	    "avcC high profile: chroma 4:2:0, 8-bit extension");
	sd_bytes_free(&out);
}

static void
test_audio(void)
{
	/* AC-3, 48 kHz, frmsizecod 16 (128 kbit/s), bsid 8, 2/0 */
	static const uint8_t ac3[] = { 0x0b, 0x77, 0, 0, 0x10, 0x40, 0x40, 0 };
	static const uint8_t dac3[] = { 0x10, 0x11, 0x00 };
	/* fscod 0, frmsizecod 0, bsid 0, bsmod 0, acmod 0 (1+1), no LFE */
	static const uint8_t ac3_escaped[] = { 0x0b, 0x77, 0, 0, 0, 0, 0x03,
	    0xf8 };
	static const uint8_t dac3_escaped[] = { 0, 0, 0 };
	static const uint8_t head[] = { 'O', 'p', 'u', 's', 'H', 'e', 'a', 'd',
	    1, 2, 0x38, 0x01, 0x80, 0xbb, 0, 0, 0, 0, 0 };
	static const uint8_t dops[] = { 0, 2, 0x01, 0x38, 0, 0, 0xbb, 0x80,
	    0, 0, 0 };
	static const uint8_t asc[] = { 0x11, 0x90 };
	struct sd_bytes b = { NULL, 0, 0, 0 };
	uint8_t out[3];
	int rate = 0;

	ok(sd_dac3(ac3, sizeof(ac3), out, &rate) == 0 &&
	    memcmp(out, dac3, 3) == 0 && rate == 48000, "dac3 from a frame");
	capture_start();
	ok(sd_dac3(ac3 + 1, sizeof(ac3) - 1, out, &rate) == -1,
	    "dac3: no sync word");
	ok(strcmp(capture_end(), "") == 0, "dac3: quiet about it");
	ok(sd_dac3(ac3_escaped, sizeof(ac3_escaped), out, &rate) == 0 &&
	    memcmp(out, dac3_escaped, 3) == 0,
	    "dac3: 00 00 03 in an AC-3 header is read as it is (no NAL "
	    "emulation prevention there)");
	ok(sd_dops_from_opushead(head, sizeof(head), &b) == 0 &&
	    same(&b, dops, sizeof(dops)), "dOps from OpusHead: big-endian");
	b.len = 0;
	ok(sd_dops_from_opushead(head, 18, &b) == -1, "dOps: short head");
	b.len = 0;
	ok(sd_esds(0x40, asc, 2, 96000, &b) == 0 && b.p[0] == 3 &&
	    b.p[4] == (uint8_t)(b.len - 5) && b.p[8] == 4 &&
	    b.p[13] == 0x40 && b.p[26] == 5 && b.p[30] == 2 &&
	    b.p[31] == 0x11 && b.p[32] == 0x90 && b.p[33] == 6,
	    "esds: descriptor tags and lengths nest");
	sd_bytes_free(&b);
}

static void
test_boxes(void)
{
	static const uint8_t cfg[] = { 1, 0x42, 0xc0, 0x1e, 0xff, 0xe0, 0 };
	struct sd_cmaf_track t;
	struct sd_cmaf_sample s[2] = { { 100, 3600, 0, 1 },
	    { 50, 3600, -3600, 0 } };
	struct sd_bytes b = { NULL, 0, 0, 0 };
	long moof, traf, tfdt, trun, mdat;

	memset(&t, 0, sizeof(t));
	t.video = 1;
	strlcpy(t.entry, "avc1", sizeof(t.entry));
	strlcpy(t.cfg_type, "avcC", sizeof(t.cfg_type));
	t.cfg = cfg;
	t.cfg_len = sizeof(cfg);
	t.timescale = 90000;
	t.width = 320;
	t.height = 180;
	strlcpy(t.lang, "eng", sizeof(t.lang));
	ok(sd_cmaf_header(&t, &b) == 0, "header");
	ok(memcmp(b.p + 4, "ftypcmfc", 8) == 0, "ftyp: major brand cmfc");
	ok(find_box(b.p, b.len, "moov") == (long)be32(b.p) &&
	    be32(b.p) + be32(b.p + be32(b.p)) == b.len,
	    "ftyp then moov, sizes add up");
	ok(memmem(b.p, b.len, "trex", 4) != NULL &&
	    memmem(b.p, b.len, "avcC", 4) != NULL, "mvex/trex, avc1/avcC");
	b.len = 0;
	ok(sd_cmaf_segment(&t, 7, 123456789012ULL, s, 2, &b) == 0, "segment");
	moof = find_box(b.p, b.len, "moof");
	mdat = find_box(b.p, b.len, "mdat");
	ok(memcmp(b.p + 8, "cmfs", 4) == 0 && moof == 24, "styp cmfs first");
	ok(mdat == moof + (long)be32(b.p + moof) && (size_t)mdat + 8 == b.len &&
	    be32(b.p + mdat) == 8 + 150, "mdat header last, size 8 + data");
	traf = find_box(b.p + moof + 8, (size_t)(mdat - moof - 8), "traf");
	ok(traf > 0, "traf in moof");
	traf += moof + 8;
	tfdt = find_box(b.p + traf + 8, be32(b.p + traf) - 8, "tfdt");
	ok(tfdt > 0 && b.p[traf + 8 + tfdt + 8] == 1 &&
	    ((uint64_t)be32(b.p + traf + 8 + tfdt + 12) << 32 |
	    be32(b.p + traf + 8 + tfdt + 16)) == 123456789012ULL,
	    "tfdt version 1, 64-bit time");
	trun = find_box(b.p + traf + 8, be32(b.p + traf) - 8, "trun");
	ok(trun > 0, "trun in traf");
	trun += traf + 8;
	ok(b.p[trun + 8] == 1 && be32(b.p + trun + 8) == 0x01000f01 &&
	    be32(b.p + trun + 12) == 2, "trun v1: offset, durations, sizes, "
	    "flags, composition offsets");
	ok((long)be32(b.p + trun + 16) == mdat + 8 - moof,
	    "data_offset: the first byte after the mdat header");
	ok(be32(b.p + trun + 20 + 8) == 0x02000000 &&
	    be32(b.p + trun + 36 + 8) == 0x01010000 &&
	    (int32_t)be32(b.p + trun + 36 + 12) == -3600,
	    "sync flags on the first sample, signed offset on the second");
	ok(find_box(b.p + traf + 8, be32(b.p + traf) - 8, "tfhd") == 0 &&
	    (be32(b.p + traf + 16) & 0x020000), "tfhd: default-base-is-moof");
	b.len = 0;
	ok(sd_cmaf_segment(&t, 1, 0, s, 0, &b) == -1, "no samples: refused");
	sd_bytes_free(&b);
}

/* An H.264 SPS written bit by bit, into an avcC record. */
struct sps_writer {
	uint8_t rbsp[64];
	size_t bits;
};

static void
sps_put(struct sps_writer *wr, unsigned n, uint32_t v)
{
	while (n-- > 0) {
		if (v >> n & 1)
			wr->rbsp[wr->bits / 8] |= (uint8_t)(0x80 >> wr->bits % 8);
		wr->bits++;
	}
}

static void
sps_put_ue(struct sps_writer *wr, uint32_t v)
{
	unsigned zeros = 0;

	while (((uint64_t)v + 1) >> (zeros + 1) != 0)
		zeros++;
	sps_put(wr, zeros, 0);
	sps_put(wr, zeros + 1, (uint32_t)((uint64_t)v + 1));
}

/* wr's bytes into rec from n on, escaped as a NAL unit is; the new end. */
static size_t
sps_escaped(const struct sps_writer *wr, uint8_t *rec, size_t n, size_t cap)
{
	size_t i, zeros = 0;

	for (i = 0; i < (wr->bits + 7) / 8 && n + 2 < cap; i++) {
		if (zeros >= 2 && wr->rbsp[i] <= 3) {
			rec[n++] = 3;
			zeros = 0;
		}
		zeros = wr->rbsp[i] == 0 ? zeros + 1 : 0;
		rec[n++] = wr->rbsp[i];
	}
	return n;
}

/* Baseline, 320x192 in macroblocks, frame cropping by left/right/top/
 * bottom crop units; the record's SPS escaped as a NAL unit is. */
static size_t
avcc_with_crop(uint8_t *rec, size_t cap, uint32_t l, uint32_t r,
    uint32_t t, uint32_t b)
{
	struct sps_writer wr;
	size_t n;

	memset(&wr, 0, sizeof(wr));
	sps_put(&wr, 8, 0x67);
	sps_put(&wr, 8, 66);
	sps_put(&wr, 8, 0);
	sps_put(&wr, 8, 30);
	sps_put_ue(&wr, 0);		/* sps id */
	sps_put_ue(&wr, 0);		/* log2_max_frame_num - 4 */
	sps_put_ue(&wr, 2);		/* pic_order_cnt_type */
	sps_put_ue(&wr, 1);		/* max_num_ref_frames */
	sps_put(&wr, 1, 0);
	sps_put_ue(&wr, 19);		/* 20 macroblocks wide */
	sps_put_ue(&wr, 11);		/* 12 high */
	sps_put(&wr, 1, 1);		/* frame_mbs_only */
	sps_put(&wr, 1, 1);		/* direct_8x8_inference */
	sps_put(&wr, 1, 1);		/* frame_cropping */
	sps_put_ue(&wr, l);
	sps_put_ue(&wr, r);
	sps_put_ue(&wr, t);
	sps_put_ue(&wr, b);
	sps_put(&wr, 1, 0);		/* no VUI */
	sps_put(&wr, 1, 1);		/* rbsp_stop_one_bit */
	memcpy(rec, "\x01\x42\x00\x1e\xff\xe1", 6);
	n = sps_escaped(&wr, rec, 8, cap);
	rec[6] = (uint8_t)((n - 8) >> 8);
	rec[7] = (uint8_t)(n - 8);
	return n;
}

/* An HEVC SPS of width x height and a conformance window, in a hvcC
 * record of one array. */
static size_t
hvcc_with_window(uint8_t *rec, size_t cap, uint32_t width, uint32_t height,
    uint32_t l, uint32_t r, uint32_t t, uint32_t b)
{
	struct sps_writer wr;
	size_t n;

	memset(&wr, 0, sizeof(wr));
	sps_put(&wr, 16, 0x4201);	/* NAL header: SPS */
	sps_put(&wr, 4, 0);		/* vps id */
	sps_put(&wr, 3, 0);		/* one sub-layer */
	sps_put(&wr, 1, 1);
	sps_put(&wr, 8, 0x01);		/* Main */
	sps_put(&wr, 32, 0x60000000);
	sps_put(&wr, 32, 0);		/* constraints: 48 bits */
	sps_put(&wr, 16, 0);
	sps_put(&wr, 8, 60);		/* level 2 */
	sps_put_ue(&wr, 0);		/* sps id */
	sps_put_ue(&wr, 1);		/* 4:2:0 */
	sps_put_ue(&wr, width);
	sps_put_ue(&wr, height);
	sps_put(&wr, 1, 1);		/* conformance window */
	sps_put_ue(&wr, l);
	sps_put_ue(&wr, r);
	sps_put_ue(&wr, t);
	sps_put_ue(&wr, b);
	sps_put_ue(&wr, 0);		/* 8-bit luma */
	sps_put_ue(&wr, 0);		/* 8-bit chroma */
	sps_put(&wr, 8, 0x80);		/* more bits, then the stop bit */
	memset(rec, 0, 23);
	rec[0] = 1;
	rec[22] = 1;			/* one array */
	memcpy(rec + 23, "\xa1\x00\x01", 3);	/* SPS, one NAL unit */
	n = sps_escaped(&wr, rec, 28, cap);
	rec[26] = (uint8_t)((n - 28) >> 8);
	rec[27] = (uint8_t)(n - 28);
	return n;
}

/* Crops that leave nothing, or that overflow an int when scaled by the
 * chroma factor (as a fuzzer found), give no size. */
static void
test_size_crops(void)
{
	uint8_t rec[96];
	size_t n;
	int w = 0, h = 0;

	n = avcc_with_crop(rec, sizeof(rec), 0, 0, 0, 6);
	ok(sd_sps_size(0, rec, n, &w, &h) == 0 && w == 320 && h == 180,
	    "written SPS: 320x180 after a bottom crop of 6 units");
	n = avcc_with_crop(rec, sizeof(rec), 0, 160, 0, 0);
	ok(sd_sps_size(0, rec, n, &w, &h) == -1,
	    "a crop as wide as the picture: no size");
	n = avcc_with_crop(rec, sizeof(rec), 0, 0x40000008, 0, 0);
	ok(sd_sps_size(0, rec, n, &w, &h) == -1,
	    "a crop of 2^30 + 8 units (2^31 + 16 pixels): no size, no overflow");
	n = avcc_with_crop(rec, sizeof(rec), 0xfffffffe, 0xfffffffe,
	    0xfffffffe, 0xfffffffe);
	ok(sd_sps_size(0, rec, n, &w, &h) == -1,
	    "crops of 2^32 - 2 units each: no size, no overflow");
	w = h = 0;
	n = hvcc_with_window(rec, sizeof(rec), 320, 184, 0, 0, 0, 2);
	ok(sd_sps_size(1, rec, n, &w, &h) == 0 && w == 320 && h == 180,
	    "written HEVC SPS: 320x180 after the window");
	n = hvcc_with_window(rec, sizeof(rec), 0x10140, 184, 0, 0, 0, 2);
	ok(sd_sps_size(1, rec, n, &w, &h) == -1,
	    "HEVC width 65856: no size (not 320, its low 16 bits)");
	n = hvcc_with_window(rec, sizeof(rec), 320, 184, 0, 0x7fffffff, 0, 0);
	ok(sd_sps_size(1, rec, n, &w, &h) == -1,
	    "HEVC window of 2^31 - 1 units: no size, no overflow");
}

/* Records x264 and x265 wrote for 320x180 (cropped from 320x192 / 320x184). */
static void
test_sizes(void)
{
	static const uint8_t avcc[] = {
		0x01, 0x64, 0x00, 0x0c, 0xff, 0xe1, 0x00, 0x1a, 0x67, 0x64,
		0x00, 0x0c, 0xac, 0xd9, 0x41, 0x41, 0x9f, 0x9f, 0x01, 0x10,
		0x00, 0x00, 0x03, 0x00, 0x10, 0x00, 0x00, 0x03, 0x03, 0x20,
		0xf1, 0x42, 0x99, 0x60, 0x01, 0x00, 0x04, 0x68, 0xef, 0x8f,
		0xcb, 0xfd, 0xf8, 0xf8, 0x00 };
	static const uint8_t hvcc[] = {
		0x01, 0x01, 0x60, 0x00, 0x00, 0x00, 0x90, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x3c, 0xf0, 0x00, 0xfc, 0xfd, 0xf8, 0xf8, 0x00,
		0x00, 0x0f, 0x03, 0xa0, 0x00, 0x01, 0x00, 0x18, 0x40, 0x01,
		0x0c, 0x01, 0xff, 0xff, 0x01, 0x60, 0x00, 0x00, 0x03, 0x00,
		0x90, 0x00, 0x00, 0x03, 0x00, 0x00, 0x03, 0x00, 0x3c, 0x95,
		0x90, 0x09, 0xa1, 0x00, 0x01, 0x00, 0x2b, 0x42, 0x01, 0x01,
		0x01, 0x60, 0x00, 0x00, 0x03, 0x00, 0x90, 0x00, 0x00, 0x03,
		0x00, 0x00, 0x03, 0x00, 0x3c, 0xa0, 0x0a, 0x08, 0x0c, 0x1f,
		0x3e, 0x59, 0x59, 0x12, 0x93, 0x0b, 0xc0, 0x5a, 0x02, 0x00,
		0x00, 0x03, 0x00, 0x02, 0x00, 0x00, 0x03, 0x00, 0x32, 0x10,
		0xa2, 0x00, 0x01, 0x00, 0x06, 0x44, 0x01, 0xc0, 0x73, 0xc1,
		0x89 };
	int w = 0, h = 0;

	ok(sd_sps_size(0, avcc, sizeof(avcc), &w, &h) == 0 && w == 320 &&
	    h == 180, "H.264 SPS: 320x180 after cropping");
	w = h = 0;
	ok(sd_sps_size(1, hvcc, sizeof(hvcc), &w, &h) == 0 && w == 320 &&
	    h == 180, "HEVC SPS: 320x180 after the conformance window");
	ok(sd_sps_size(0, avcc, 10, &w, &h) == -1, "short record: no size");
}

/* What libaom (realtime) hands with its first packet: TD, sequence header. */
static void
test_av1(void)
{
	static const uint8_t tu[] = { 0x12, 0x00, 0x0a, 0x0b, 0x00, 0x00, 0x00,
	    0x04, 0x3c, 0xfe, 0xcc, 0xda, 0xf9, 0x00, 0x40, 0x32, 0x02, 0xaa,
	    0xbb };
	static const uint8_t av1c[] = { 0x81, 0x00, 0x0c, 0x00, 0x0a, 0x0b,
	    0x00, 0x00, 0x00, 0x04, 0x3c, 0xfe, 0xcc, 0xda, 0xf9, 0x00, 0x40 };
	struct sd_bytes b = { NULL, 0, 0, 0 };
	uint8_t buf[sizeof(tu)];
	size_t n;

	ok(sd_av1c_from_obus(tu, sizeof(tu), &b) == 0 &&
	    same(&b, av1c, sizeof(av1c)),
	    "av1C from the sequence header: as FFmpeg's MP4 muxer writes it");
	b.len = 0;
	ok(sd_av1c_from_obus(tu, 2, &b) == -1, "av1C: no sequence header");
	memcpy(buf, tu, sizeof(tu));
	n = sd_av1_strip(buf, sizeof(buf));
	ok(n == sizeof(tu) - 2 && memcmp(buf, tu + 2, n) == 0,
	    "temporal delimiter dropped");
	buf[0] = 0x80;
	ok(sd_av1_strip(buf, 5) == 5, "a malformed unit is left alone");
	sd_bytes_free(&b);
}

/* The sidx of -s: read back field by field, the way dash.js walks it. */
static void
test_sidx(void)
{
	static const struct sd_cmaf_ref r[3] = {
		{ 1920, 180000, 56811 },
		{ 181920, 180000, 66938 },
		{ 361920, 179000, 60422 },
	};
	struct sd_cmaf_ref big = { 0, 1, 0x80000000u };
	struct sd_bytes b = { NULL, 0, 0, 0 };
	const uint8_t *p;

	ok(sd_cmaf_sidx(90000, r, 3, &b) == 0 &&
	    b.len == sd_cmaf_sidx_size(3) && b.len == 76,
	    "sidx: 3 references, 76 bytes (sd_cmaf_sidx_size)");
	p = b.p;
	ok(be32(p) == 76 && memcmp(p + 4, "sidx", 4) == 0 &&
	    p[8] == 1 && be32(p + 12) == 1 && be32(p + 16) == 90000,
	    "sidx: version 1, reference_ID 1, the track's timescale");
	ok(be32(p + 20) == 0 && be32(p + 24) == 1920 && be32(p + 28) == 0 &&
	    be32(p + 32) == 0 && p[38] == 0 && p[39] == 3,
	    "sidx: earliest_presentation_time the first t, first_offset 0, "
	    "3 references");
	ok(be32(p + 40) == 56811 && be32(p + 44) == 180000 &&
	    be32(p + 48) == 0x90000000u,
	    "sidx: media reference, size, duration, starts with SAP type 1");
	ok(be32(p + 52) == 66938 && be32(p + 56) == 180000 &&
	    be32(p + 64) == 60422 && be32(p + 68) == 179000,
	    "sidx: a duration runs to the next t, the last one is its d");
	b.len = 0;
	ok(sd_cmaf_sidx(90000, r, 0, &b) == -1, "sidx: no reference refused");
	ok(sd_cmaf_sidx(90000, &big, 1, &b) == -1,
	    "sidx: a segment of 2 GiB does not fit 31 bits: refused");
	ok(sd_cmaf_sidx(90000, r, SD_CMAF_SIDX_MAX + 1, &b) == -1,
	    "sidx: more than 65535 references refused");
	b.len = 0;
	b.failed = 0;
	ok(sd_cmaf_free(20, &b) == 0 && b.len == 20 && be32(b.p) == 20 &&
	    memcmp(b.p + 4, "free", 4) == 0, "free: a box of 20 bytes");
	ok(sd_cmaf_free(7, &b) == -1, "free: under 8 bytes refused");
	sd_bytes_free(&b);
}

int
main(void)
{
	test_annexb();
	test_avcc_high();
	test_audio();
	test_boxes();
	test_sizes();
	test_size_crops();
	test_av1();
	test_sidx();
	return done();
}
