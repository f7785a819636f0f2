/*
 * tsframes.c - audio frame headers of the TS fast path: ADTS, AC-3,
 * E-AC-3 (with a dependent substream) and MPEG audio frames built by hand
 * from their specifications' fields; frames cut by the end of the buffer,
 * bad sync and reserved values; the frame rate from video times.
 */
#include <stdint.h>
#include <string.h>

#include "tsframes.h"
#include "mtap.h"

static uint8_t buf[4096];

static void
test_adts(void)
{
	static const uint8_t h[7] = { 0xff, 0xf1, 0x4c, 0x80, 0x02, 0x9f,
	    0xfc };	/* LC, 48 kHz, 2 channels, 20 bytes, no CRC */
	struct sd_tsf f;

	memset(buf, 0, sizeof(buf));
	memcpy(buf, h, 7);
	ok(sd_tsf_frame(SD_TSD_AAC_ADTS, buf, 30, &f) == 1 && f.len == 20 &&
	    f.sample_rate == 48000 && f.channels == 2 && f.samples == 1024,
	    "ADTS: length, rate, channels, 1024 samples");
	ok(sd_tsf_frame(SD_TSD_AAC_ADTS, buf, 19, &f) == -1,
	    "ADTS: a frame cut by the end");
	ok(sd_tsf_frame(SD_TSD_AAC_ADTS, buf, 5, &f) == -1,
	    "ADTS: a header cut by the end");
	buf[1] = 0xf7;	/* layer 3: not ADTS */
	ok(sd_tsf_frame(SD_TSD_AAC_ADTS, buf, 30, &f) == 0, "ADTS: bad sync");
	buf[1] = 0xf1;
	buf[2] = 0x40 | 13 << 2;	/* reserved rate */
	ok(sd_tsf_frame(SD_TSD_AAC_ADTS, buf, 30, &f) == 0,
	    "ADTS: reserved sampling frequency index");
	buf[2] = 0x4c;
	buf[4] = 0x00;
	buf[5] = 0xbf;	/* 5 bytes: shorter than its header */
	ok(sd_tsf_frame(SD_TSD_AAC_ADTS, buf, 30, &f) == 0,
	    "ADTS: a length shorter than the header");
}

static void
test_ac3(void)
{
	struct sd_tsf f;

	memset(buf, 0, sizeof(buf));
	buf[0] = 0x0b;
	buf[1] = 0x77;
	buf[4] = 0x10;		/* 48 kHz, frmsizecod 16: 256 words */
	buf[5] = 8 << 3;	/* bsid 8 */
	buf[6] = 0x44;		/* acmod 2, dsurmod, lfeon */
	ok(sd_tsf_frame(SD_TSD_AC3, buf, 600, &f) == 1 && f.len == 512 &&
	    f.sample_rate == 48000 && f.channels == 3 && f.samples == 1536,
	    "AC-3: 2/0 + LFE, 512 bytes");
	buf[6] = 0xe1;		/* acmod 7, cmixlev, surmixlev, lfeon */
	ok(sd_tsf_frame(SD_TSD_AC3, buf, 600, &f) == 1 && f.channels == 6,
	    "AC-3: 3/2 + LFE is 6 channels");
	buf[4] = 0x51;		/* 44.1 kHz, frmsizecod 17: 279 words */
	ok(sd_tsf_frame(SD_TSD_AC3, buf, 600, &f) == 1 && f.len == 558 &&
	    f.sample_rate == 44100, "AC-3: 44.1 kHz, padded size");
	ok(sd_tsf_frame(SD_TSD_AC3, buf, 500, &f) == -1,
	    "AC-3: a frame cut by the end");
	buf[4] = 0xd0;		/* fscod 3: reserved */
	ok(sd_tsf_frame(SD_TSD_AC3, buf, 600, &f) == 0,
	    "AC-3: reserved fscod");
	buf[4] = 0x10;
	buf[5] = 16 << 3;	/* E-AC-3's bsid */
	ok(sd_tsf_frame(SD_TSD_AC3, buf, 600, &f) == 0,
	    "AC-3: bsid 16 is not AC-3");
}

static void
test_eac3(void)
{
	struct sd_tsf f;

	memset(buf, 0, sizeof(buf));
	buf[0] = 0x0b;
	buf[1] = 0x77;
	buf[2] = 0x01;		/* independent, frmsiz 0x1ff: 1024 bytes */
	buf[3] = 0xff;
	buf[4] = 0x34;		/* 48 kHz, 6 blocks, acmod 2, no LFE */
	buf[5] = 16 << 3;
	ok(sd_tsf_frame(SD_TSD_EAC3, buf, 1024, &f) == 1 && f.len == 1024 &&
	    f.sample_rate == 48000 && f.channels == 2 && f.samples == 1536,
	    "E-AC-3: one independent frame");
	memcpy(buf + 1024, buf, 6);
	buf[1024 + 2] = 0x41;	/* a dependent substream after it */
	ok(sd_tsf_frame(SD_TSD_EAC3, buf, 2048, &f) == 1 && f.len == 2048,
	    "E-AC-3: a dependent substream joins the frame");
	buf[1024 + 2] = 0x01;
	ok(sd_tsf_frame(SD_TSD_EAC3, buf, 2048, &f) == 1 && f.len == 1024,
	    "E-AC-3: the next independent frame does not");
	buf[4] = 0x04;		/* 1 block */
	ok(sd_tsf_frame(SD_TSD_EAC3, buf, 1024, &f) == 1 && f.samples == 256,
	    "E-AC-3: numblkscod 0 is 256 samples");
	buf[4] = 0xe4;		/* fscod 3, fscod2 2: 16 kHz */
	ok(sd_tsf_frame(SD_TSD_EAC3, buf, 1024, &f) == 1 &&
	    f.sample_rate == 16000 && f.samples == 1536,
	    "E-AC-3: half rates");
	ok(sd_tsf_frame(SD_TSD_EAC3, buf, 1000, &f) == -1,
	    "E-AC-3: a frame cut by the end");
}

static void
test_mpeg_audio(void)
{
	struct sd_tsf f;

	memset(buf, 0, sizeof(buf));
	buf[0] = 0xff;
	buf[1] = 0xfd;		/* MPEG-1 layer II, no CRC */
	buf[2] = 0xa4;		/* 192 kbit/s, 48 kHz */
	buf[3] = 0xc0;		/* mono */
	ok(sd_tsf_frame(SD_TSD_MPEG_AUDIO, buf, 1000, &f) == 1 &&
	    f.len == 576 && f.sample_rate == 48000 && f.channels == 1 &&
	    f.samples == 1152 && f.bit_rate == 192000 && f.layer == 2,
	    "MP2: 192 kbit/s mono at 48 kHz");
	buf[1] = 0xf3;		/* MPEG-2 layer III */
	buf[2] = 0x80;		/* 64 kbit/s, 22.05 kHz */
	buf[3] = 0x00;
	ok(sd_tsf_frame(SD_TSD_MPEG_AUDIO, buf, 1000, &f) == 1 &&
	    f.len == 208 && f.sample_rate == 22050 && f.samples == 576 &&
	    f.channels == 2 && f.layer == 3, "MP3: MPEG-2 LSF, 576 samples");
	buf[2] = 0x82;		/* padded */
	ok(sd_tsf_frame(SD_TSD_MPEG_AUDIO, buf, 1000, &f) == 1 &&
	    f.len == 209, "MP3: a padding byte");
	ok(sd_tsf_frame(SD_TSD_MPEG_AUDIO, buf, 100, &f) == -1,
	    "MPEG audio: a frame cut by the end");
	buf[2] = 0xf0;		/* bitrate index 15 */
	ok(sd_tsf_frame(SD_TSD_MPEG_AUDIO, buf, 1000, &f) == 0,
	    "MPEG audio: bad bitrate index");
	buf[2] = 0x80;
	buf[1] = 0xeb;		/* version 01: reserved */
	ok(sd_tsf_frame(SD_TSD_MPEG_AUDIO, buf, 1000, &f) == 0,
	    "MPEG audio: reserved version");
	ok(sd_tsf_frame(SD_TSD_H264, buf, 1000, &f) == 0,
	    "video: no audio frame");
}

static void
test_frame_rate(void)
{
	int num, den;

	ok(sd_tsf_frame_rate(3600 * 24, 24, &num, &den) == 0 && num == 25 &&
	    den == 1, "frame rate: 25");
	ok(sd_tsf_frame_rate(3003 * 10, 10, &num, &den) == 0 &&
	    num == 30000 && den == 1001, "frame rate: 30000/1001");
	ok(sd_tsf_frame_rate(4000 * 5, 5, &num, &den) == 0 && num == 22500 &&
	    den == 1000, "frame rate: 22.5, not a common one");
	ok(sd_tsf_frame_rate(0, 5, &num, &den) == -1 && num == 0,
	    "frame rate: no time span");
	ok(sd_tsf_frame_rate(90000 * 10, 1, &num, &den) == -1,
	    "frame rate: under one a second");
}

int
main(void)
{
	test_adts();
	test_ac3();
	test_eac3();
	test_mpeg_audio();
	test_frame_rate();
	return done();
}
