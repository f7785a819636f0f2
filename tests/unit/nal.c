/*
 * nal.c - Annex B as nal.c reads it: start codes of 3 and 4 bytes, the
 * zero bytes between units, emulation prevention removed from what is
 * parsed (and kept in what is copied), the in-place conversion and when
 * it must refuse, and the profile bytes a codecs string is made of.
 */
#include <string.h>

#include "nal.h"
#include "mtap.h"

/* The units sd_annexb_next finds, as "len:first-byte" words. */
static const char *
units(const uint8_t *p, size_t n)
{
	static char out[256];
	const uint8_t *nal;
	size_t pos = 0, len, at = 0;

	out[0] = '\0';
	while (sd_annexb_next(p, n, &pos, &nal, &len) && at < 200)
		at += (size_t)snprintf(out + at, sizeof(out) - at, "%s%zu:%02x",
		    at ? " " : "", len, len ? nal[0] : 0);
	return out;
}

static void
test_start_codes(void)
{
	static const uint8_t mixed[] = {
		0, 0, 0, 1, 0x09, 0xf0,		/* 4-byte start code */
		0, 0, 1, 0x67, 0x42,		/* 3-byte */
		0, 0, 0, 1, 0x68, 0xce,		/* 4-byte after a unit */
		0, 0, 1, 0x65, 0x88, 0x80,	/* 3-byte, at the end */
	};
	static const uint8_t junk[] = { 0x47, 0x11, 0, 0, 1, 0x06, 0x05 };
	static const uint8_t none[] = { 0, 0, 2, 0x67, 0, 1, 0x68 };
	static const uint8_t trailing[] = { 0, 0, 1, 0x06, 0x01, 0, 0, 0 };
	static const uint8_t bare[] = { 0, 0, 1 };

	is_str(units(mixed, sizeof(mixed)), "2:09 2:67 2:68 3:65",
	    "3- and 4-byte start codes: the zero before a 4-byte one is not "
	    "part of the unit before it");
	is_str(units(junk, sizeof(junk)), "2:06",
	    "bytes before the first start code are skipped");
	is_str(units(none, sizeof(none)), "", "00 00 02 is no start code");
	is_str(units(trailing, sizeof(trailing)), "2:06",
	    "trailing zero bytes at the end are no part of the unit");
	is_str(units(bare, sizeof(bare)), "0:00",
	    "a start code with nothing after it: one empty unit");
	ok(sd_is_annexb(mixed, sizeof(mixed)) && sd_is_annexb(mixed + 1, 5) &&
	    !sd_is_annexb(junk, sizeof(junk)) && !sd_is_annexb(mixed, 3) &&
	    !sd_is_annexb(none, sizeof(none)),
	    "sd_is_annexb: 00 00 01 and 00 00 00 01 only, at the start");
}

static void
test_unescape(void)
{
	static const uint8_t in[] = { 0x67, 0, 0, 3, 1, 0, 0, 3, 0, 0, 0, 3,
	    3, 0, 3, 0, 0, 3 };
	static const uint8_t want[] = { 0x67, 0, 0, 1, 0, 0, 0, 0, 0, 3, 0, 3,
	    0, 0 };
	uint8_t out[32];
	size_t n;

	n = sd_nal_unescape(in, sizeof(in), out, sizeof(out));
	ok(n == sizeof(want) && memcmp(out, want, n) == 0,
	    "00 00 03 -> 00 00; the 03 after it, and 00 03, stay");
	n = sd_nal_unescape(in, sizeof(in), out, 5);
	ok(n == 5 && memcmp(out, want, 5) == 0, "at most max bytes");
}

/*
 * An HEVC SPS from x265 (main, level 2) whose profile, tier and level
 * hold two emulation prevention bytes; behind a 3-byte and a 4-byte
 * start code.
 */
static void
test_emulation_in_ptl(void)
{
	static const uint8_t sps3[] = { 0, 0, 1, 0x42, 0x01, 0x01, 0x01, 0x60,
	    0, 0, 3, 0, 0x90, 0, 0, 3, 0, 0, 3, 0, 0x3c, 0xa0, 0x0a, 0x08 };
	static const uint8_t ptl[12] = { 0x01, 0x60, 0, 0, 0, 0x90, 0, 0, 0,
	    0, 0, 0x3c };
	uint8_t sps4[sizeof(sps3) + 1], got[12];

	sps4[0] = 0;
	memcpy(sps4 + 1, sps3, sizeof(sps3));
	memset(got, 0xee, sizeof(got));
	ok(sd_hevc_profile_tier_level(sps3, sizeof(sps3), got) == 0 &&
	    memcmp(got, ptl, 12) == 0,
	    "HEVC PTL from an SPS: emulation prevention removed");
	memset(got, 0xee, sizeof(got));
	ok(sd_hevc_profile_tier_level(sps4, sizeof(sps4), got) == 0 &&
	    memcmp(got, ptl, 12) == 0, "the same behind 00 00 00 01");
	capture_start();
	ok(sd_hevc_profile_tier_level(sps3, 12, got) == -1,
	    "HEVC PTL: a cut SPS gives none");
	is_str(capture_end(), "", "a cut SPS: nothing on stderr (called for "
	    "every stream; the caller falls back)");
}

static void
test_h264_profile(void)
{
	static const uint8_t avcc[] = { 1, 0x64, 0x00, 0x1f, 0xff, 0xe1 };
	/* An SPS after an AUD. */
	static const uint8_t annexb[] = { 0, 0, 1, 0x09, 0x10, 0, 0, 1, 0x67,
	    0x42, 0xc0, 0x1e, 0xab };
	uint8_t pcl[3];

	ok(sd_h264_profile_level(avcc, sizeof(avcc), pcl) == 0 &&
	    pcl[0] == 0x64 && pcl[1] == 0 && pcl[2] == 0x1f,
	    "H.264 profile and level from avcC");
	ok(sd_h264_profile_level(annexb, sizeof(annexb), pcl) == 0 &&
	    pcl[0] == 0x42 && pcl[1] == 0xc0 && pcl[2] == 0x1e,
	    "from the first SPS in Annex B");
	ok(sd_h264_profile_level(annexb, 8, pcl) == -1,
	    "no SPS: none");
}

static void
test_inplace(void)
{
	/* 4-byte start codes: room for each length where the code was. */
	static const uint8_t four[] = { 0, 0, 0, 1, 0x09, 0xf0, 0, 0, 0, 1,
	    0x65, 0x88, 0, 0, 3, 0x01, 0, 0, 0, 1, 0x41, 0x9a };
	/* A 3-byte start code first: no room for the first length. */
	static const uint8_t three[] = { 0, 0, 1, 0x65, 0x88, 0x84, 0, 0, 1,
	    0x41, 0x9a };
	struct sd_bytes copy = { NULL, 0, 0, 0 };
	uint8_t p[sizeof(four)];
	int key, params, k2, p2;
	long n, m;

	n = sd_annexb_to_lp(0, four, sizeof(four), &copy, &key, &params);
	memcpy(p, four, sizeof(four));
	m = sd_annexb_to_lp_inplace(0, p, sizeof(p), &k2, &p2);
	ok(n == 16 && m == n && memcmp(p, copy.p, (size_t)n) == 0 &&
	    key == 1 && k2 == 1 && params == 0,
	    "in place, 4-byte start codes: the same bytes as the copy, "
	    "emulation prevention kept");
	ok(memcmp(copy.p, "\0\0\0\x06\x65\x88\0\0\x03\x01", 10) == 0,
	    "the AUD dropped, the slice's escapes left as they were");
	memcpy(p, three, sizeof(three));
	ok(sd_annexb_to_lp_inplace(0, p, sizeof(three), &k2, &p2) == -1 &&
	    memcmp(p, three, sizeof(three)) == 0,
	    "in place after a 3-byte start code: refused, bytes untouched");
	copy.len = 0;
	ok(sd_annexb_to_lp(0, three, sizeof(three), &copy, &key, &params) ==
	    13 && copy.p[3] == 3 && copy.p[4] == 0x65 && copy.p[10] == 2,
	    "the copy handles 3-byte start codes");
	sd_bytes_free(&copy);
}

int
main(void)
{
	test_start_codes();
	test_unescape();
	test_emulation_in_ptl();
	test_h264_profile();
	test_inplace();
	return done();
}
