/*
 * tsframes.c - audio frames out of a PES payload (tsframes.h): ADTS AAC,
 * AC-3, E-AC-3 and MPEG audio frame headers read for the frame's length,
 * its duration in samples and the parameters a track header needs. No
 * libav*: this is what libavcodec's parsers did for the TS fast path.
 * Every field is read from bytes checked to be there.
 */
#include <string.h>

#include "tsframes.h"

static const int aac_rates[16] = {
	96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000,
	12000, 11025, 8000, 7350, 0, 0, 0 };

/* ADTS (ISO/IEC 13818-7 6.2): 7 bytes of header, 9 with a CRC. */
static int
adts(const uint8_t *p, size_t n, struct sd_tsf *f)
{
	size_t len, head;
	unsigned sr, ch;

	if (n < 7)
		return n >= 2 && p[0] == 0xff && (p[1] & 0xf6) == 0xf0 ? -1 :
		    n >= 1 && p[0] == 0xff ? -1 : 0;
	if (p[0] != 0xff || (p[1] & 0xf6) != 0xf0)
		return 0;
	head = (p[1] & 1) ? 7 : 9;
	len = (size_t)(p[3] & 3) << 11 | (size_t)p[4] << 3 | p[5] >> 5;
	sr = (p[2] >> 2) & 0xf;
	ch = (unsigned)(p[2] & 1) << 2 | p[3] >> 6;
	if (len < head || aac_rates[sr] == 0)
		return 0;
	if (len > n)
		return -1;
	f->len = len;
	f->sample_rate = aac_rates[sr];
	f->channels = ch == 7 ? 8 : (int)ch;
	f->samples = ((p[6] & 3) + 1) * 1024;
	f->bit_rate = 0;
	f->layer = 0;
	return 1;
}

/* AC-3 frame sizes in 16-bit words at 48, 44.1 and 32 kHz (A/52 5.4.1.4). */
static const uint16_t ac3_words[38][3] = {
	{ 64, 69, 96 }, { 64, 70, 96 }, { 80, 87, 120 }, { 80, 88, 120 },
	{ 96, 104, 144 }, { 96, 105, 144 }, { 112, 121, 168 },
	{ 112, 122, 168 }, { 128, 139, 192 }, { 128, 140, 192 },
	{ 160, 174, 240 }, { 160, 175, 240 }, { 192, 208, 288 },
	{ 192, 209, 288 }, { 224, 243, 336 }, { 224, 244, 336 },
	{ 256, 278, 384 }, { 256, 279, 384 }, { 320, 348, 480 },
	{ 320, 349, 480 }, { 384, 417, 576 }, { 384, 418, 576 },
	{ 448, 487, 672 }, { 448, 488, 672 }, { 512, 557, 768 },
	{ 512, 558, 768 }, { 640, 696, 960 }, { 640, 697, 960 },
	{ 768, 835, 1152 }, { 768, 836, 1152 }, { 896, 975, 1344 },
	{ 896, 976, 1344 }, { 1024, 1114, 1536 }, { 1024, 1115, 1536 },
	{ 1152, 1253, 1728 }, { 1152, 1254, 1728 }, { 1280, 1393, 1920 },
	{ 1280, 1394, 1920 } };
static const int ac3_rates[3] = { 48000, 44100, 32000 };
static const int ac3_nfchans[8] = { 2, 1, 2, 3, 3, 4, 4, 5 };

/* lfeon after acmod and its mix levels: 3 to 9 bits in. */
static int
ac3_lfe(const uint8_t *p, unsigned acmod)
{
	unsigned bit = 3;	/* bits after acmod's first */

	if ((acmod & 1) && acmod != 1)
		bit += 2;
	if (acmod & 4)
		bit += 2;
	if (acmod == 2)
		bit += 2;
	/* p[0] holds acmod in its top 3 bits */
	return (((unsigned)p[0] << 8 | p[1]) >> (15 - bit)) & 1;
}

static int
ac3(const uint8_t *p, size_t n, struct sd_tsf *f)
{
	unsigned fscod, code, bsid, acmod;
	size_t len;

	if (n < 8)
		return n >= 1 && p[0] == 0x0b && (n < 2 || p[1] == 0x77) ?
		    -1 : 0;
	if (p[0] != 0x0b || p[1] != 0x77)
		return 0;
	bsid = p[5] >> 3;
	if (bsid > 10)
		return 0;
	fscod = p[4] >> 6;
	code = p[4] & 0x3f;
	if (fscod == 3 || code >= 38)
		return 0;
	len = 2 * (size_t)ac3_words[code][fscod];
	if (len > n)
		return -1;
	acmod = p[6] >> 5;
	f->len = len;
	f->sample_rate = ac3_rates[fscod];
	f->channels = ac3_nfchans[acmod] + ac3_lfe(p + 6, acmod);
	f->samples = 1536;
	f->bit_rate = 0;
	f->layer = 0;
	return 1;
}

/* E-AC-3 (A/52 E.1.2.2); dependent substreams join the frame before. */
static int
eac3_one(const uint8_t *p, size_t n, struct sd_tsf *f, int *dependent)
{
	static const int blocks[4] = { 1, 2, 3, 6 };
	unsigned fscod, acmod;
	size_t len;

	if (n < 6)
		return n >= 1 && p[0] == 0x0b && (n < 2 || p[1] == 0x77) ?
		    -1 : 0;
	if (p[0] != 0x0b || p[1] != 0x77 || (p[5] >> 3) <= 10 ||
	    (p[5] >> 3) > 16)
		return 0;
	len = 2 * ((size_t)(p[2] & 7) << 8 | p[3]) + 2;
	if (len < 6)
		return 0;
	if (len > n)
		return -1;
	*dependent = (p[2] >> 6) == 1;
	fscod = p[4] >> 6;
	f->len = len;
	if (fscod == 3) {
		if (((p[4] >> 4) & 3) == 3)
			return 0;
		f->sample_rate = ac3_rates[(p[4] >> 4) & 3] / 2;
		f->samples = 1536;
	} else {
		f->sample_rate = ac3_rates[fscod];
		f->samples = 256 * blocks[(p[4] >> 4) & 3];
	}
	acmod = (p[4] >> 1) & 7;
	f->channels = ac3_nfchans[acmod] + (p[4] & 1);
	f->bit_rate = 0;
	f->layer = 0;
	return 1;
}

static int
eac3(const uint8_t *p, size_t n, struct sd_tsf *f)
{
	struct sd_tsf d;
	int rv, dep;
	size_t len;

	if ((rv = eac3_one(p, n, f, &dep)) != 1)
		return rv;
	len = f->len;
	for (;;) {
		rv = eac3_one(p + len, n - len, &d, &dep);
		if (rv != 1 || !dep)
			break;
		len += d.len;
	}
	f->len = len;
	return 1;
}

/* MPEG-1/2 audio layers I-III (ISO/IEC 11172-3 2.4.2.3, 13818-3). */
static const uint16_t mpa_kbps[2][3][15] = {
	{ { 0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384,
	    416, 448 },
	  { 0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320,
	    384 },
	  { 0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256,
	    320 } },
	{ { 0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224,
	    256 },
	  { 0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160 },
	  { 0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160 } } };
static const int mpa_rates[3] = { 44100, 48000, 32000 };

static int
mpeg_audio(const uint8_t *p, size_t n, struct sd_tsf *f)
{
	unsigned ver, layer, bri, sri, pad, lsf;
	int rate, kbps;
	size_t len;

	if (n < 4)
		return n >= 1 && p[0] == 0xff ? -1 : 0;
	if (p[0] != 0xff || (p[1] & 0xe0) != 0xe0)
		return 0;
	ver = (p[1] >> 3) & 3;		/* 3: MPEG-1, 2: MPEG-2, 0: 2.5 */
	layer = 4 - ((p[1] >> 1) & 3);	/* 4: reserved */
	bri = p[2] >> 4;
	sri = (p[2] >> 2) & 3;
	pad = (p[2] >> 1) & 1;
	if (ver == 1 || layer == 4 || bri == 0 || bri == 15 || sri == 3)
		return 0;
	lsf = ver != 3;
	rate = mpa_rates[sri] >> (ver == 3 ? 0 : ver == 2 ? 1 : 2);
	kbps = mpa_kbps[lsf][lsf && layer == 3 ? 2 : layer - 1][bri];
	if (layer == 1)
		len = ((size_t)12000 * kbps / rate + pad) * 4;
	else
		len = (size_t)(layer == 3 && lsf ? 72000 : 144000) * kbps /
		    rate + pad;
	if (len < 4)
		return 0;
	if (len > n)
		return -1;
	f->len = len;
	f->sample_rate = rate;
	f->channels = (p[3] >> 6) == 3 ? 1 : 2;
	f->samples = layer == 1 ? 384 : layer == 3 && lsf ? 576 : 1152;
	f->bit_rate = kbps * 1000;
	f->layer = (int)layer;
	return 1;
}

int
sd_tsf_frame(enum sd_tsd_codec c, const uint8_t *p, size_t n,
    struct sd_tsf *f)
{
	memset(f, 0, sizeof(*f));
	switch (c) {
	case SD_TSD_AAC_ADTS:
		return adts(p, n, f);
	case SD_TSD_AC3:
		return ac3(p, n, f);
	case SD_TSD_EAC3:
		return eac3(p, n, f);
	case SD_TSD_MPEG_AUDIO:
		return mpeg_audio(p, n, f);
	default:
		return 0;
	}
}

/* Frame rates a stream is said to have when its times come close. */
static const struct { int num, den; } std_rates[] = {
	{ 24000, 1001 }, { 24, 1 }, { 25, 1 }, { 30000, 1001 }, { 30, 1 },
	{ 48, 1 }, { 50, 1 }, { 60000, 1001 }, { 60, 1 }, { 15, 1 },
	{ 12, 1 }, { 10, 1 }, { 100, 1 }, { 120, 1 } };

int
sd_tsf_frame_rate(int64_t span, int64_t frames, int *num, int *den)
{
	double fps, want;
	size_t i;

	*num = *den = 0;
	if (span <= 0 || frames <= 0 || span > INT64_C(1) << 40)
		return -1;
	fps = 90000.0 * (double)frames / (double)span;
	for (i = 0; i < sizeof(std_rates) / sizeof(std_rates[0]); i++) {
		want = (double)std_rates[i].num / std_rates[i].den;
		if (fps > want * 0.999 && fps < want * 1.001) {
			*num = std_rates[i].num;
			*den = std_rates[i].den;
			return 0;
		}
	}
	if (fps < 1 || fps > 1000)
		return -1;
	*num = (int)(fps * 1000 + 0.5);
	*den = 1000;
	return 0;
}
