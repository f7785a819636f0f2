/*
 * tsmux.c unit tests: access units muxed by lib/tsmux.c, then demuxed by
 * sd's own demuxer (lib/tsdemux.c), come back with their PTS, DTS and
 * bytes (Annex B with an AUD and, before keyframes, parameter sets; ADTS
 * for AAC), the keyframes flagged by random_access_indicator, every
 * segment standing alone (PAT and PMT first), continuity counters and
 * CRCs whole, the PCR on the video PID, a codec switch as a new PMT
 * version, the 33-bit wrap, and hostile input refused. Real media through
 * sd-cmafmux -T is held against ffprobe in tests/cmafmux.t and tsfast.t.
 */
#include <stdint.h>
#include <string.h>

#include "sd.h"
#include "tsdemux.h"
#include "tsmux.h"
#include "mtap.h"

#define AUS_MAX	64

/* ------------------------------------------------------- the demuxed */

struct got_au {
	int pid;
	enum sd_tsd_codec codec;
	int64_t pts, dts;
	unsigned flags;
	uint8_t *p;
	size_t n;
};

struct got {
	struct got_au au[AUS_MAX];
	int nau, nprog;
	struct sd_tsd_program prog;	/* the last one */
	struct sd_tsd_stats st;
};

static int
on_au(void *arg, const struct sd_tsd_au *a)
{
	struct got *g = arg;
	struct got_au *o;

	if (g->nau == AUS_MAX)
		return 0;
	o = &g->au[g->nau++];
	o->pid = a->stream->pid;
	o->codec = a->stream->codec;
	o->pts = a->pts;
	o->dts = a->dts;
	o->flags = a->flags;
	o->p = malloc(a->len ? a->len : 1);
	memcpy(o->p, a->data, a->len);
	o->n = a->len;
	return 0;
}

static int
on_program(void *arg, const struct sd_tsd_program *p)
{
	struct got *g = arg;

	g->prog = *p;
	g->nprog++;
	return 0;
}

static void
demux(const uint8_t *p, size_t n, struct got *g)
{
	struct sd_tsd_cb cb = { on_au, on_program, g };
	struct sd_tsd *d = sd_tsd_new(&cb, 0);

	memset(g, 0, sizeof(*g));
	sd_tsd_feed(d, p, n);
	sd_tsd_end(d);
	sd_tsd_get_stats(d, &g->st);
	sd_tsd_free(d);
}

static void
got_free(struct got *g)
{
	int i;

	for (i = 0; i < g->nau; i++)
		free(g->au[i].p);
	g->nau = 0;
}

/* The k-th AU of pid (a video PES of no length comes out when the next
 * one starts, so PIDs interleave otherwise than they went in). */
static const struct got_au *
nth(const struct got *g, int pid, int k)
{
	int i;

	for (i = 0; i < g->nau; i++)
		if (g->au[i].pid == pid && k-- == 0)
			return &g->au[i];
	return NULL;
}

static int
clean(const struct got *g)
{
	return g->st.cc_errors == 0 && g->st.crc_errors == 0 &&
	    g->st.psi_errors == 0 && g->st.pes_errors == 0 &&
	    g->st.damaged == 0 && g->st.skipped == 0;
}

/* ------------------------------------------------------- the muxed */

static uint8_t seg[1 << 20];
static size_t nseg;

/* The segment in hand into seg (appended when add). */
static void
cut(struct sd_tsm *m, int add)
{
	const uint8_t *p;
	size_t n;

	if (!add)
		nseg = 0;
	if (sd_tsm_cut(m, &p, &n) == 0 && nseg + n <= sizeof(seg)) {
		memcpy(seg + nseg, p, n);
		nseg += n;
	}
}

/* Bytes without a zero (no start code by chance), from a seed. */
static void
fill(uint8_t *p, size_t n, unsigned seed)
{
	size_t i;

	for (i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (uint8_t)(1 + (seed >> 16) % 255);
	}
}

/* The PID of packet k of seg, its PUSI, and its adaptation flags. */
static int
pkt_pid(size_t k)
{
	return (seg[k * 188 + 1] & 0x1f) << 8 | seg[k * 188 + 2];
}

static unsigned
pkt_af(size_t k)
{
	const uint8_t *p = seg + k * 188;

	return (p[3] & 0x20) && p[4] > 0 ? p[5] : 0;
}

/* ------------------------------------------------------- H.264 */

static const uint8_t sps[] = { 0, 0, 0, 1, 0x67, 0x64, 0x00, 0x0c, 0xac,
    0xd9, 0x41, 0x41, 0xfb };
static const uint8_t pps[] = { 0, 0, 0, 1, 0x68, 0xeb, 0xe3, 0xcb, 0x22 };
static const uint8_t aud[] = { 0, 0, 0, 1, 0x09, 0xf0 };

/* An Annex B AU: AUD, [SPS PPS], a slice of n bytes (type 5 or 1). */
static size_t
h264_au(uint8_t *p, int key, int with_ps, size_t n, unsigned seed)
{
	size_t k = 0;

	memcpy(p, aud, sizeof(aud));
	k += sizeof(aud);
	if (with_ps) {
		memcpy(p + k, sps, sizeof(sps));
		k += sizeof(sps);
		memcpy(p + k, pps, sizeof(pps));
		k += sizeof(pps);
	}
	memcpy(p + k, "\0\0\0\1", 4);
	k += 4;
	fill(p + k, n, seed);
	p[k] = key ? 0x65 : 0x41;
	return k + n;
}

static void
test_annexb(void)
{
	struct sd_tsm_stream s[2] = { { .codec = SD_TSD_H264 },
	    { .codec = SD_TSD_AC3, .lang = "eng" } };
	static uint8_t au[4][200000];
	static const size_t sizes[4] = { 10, 170, 183, 150000 };
	uint8_t ac3[600];
	size_t n[4];
	struct sd_tsm *m = sd_tsm_new(s, 2);
	struct got g;
	const struct got_au *a;
	int i, same = 1, rai = 1, pcr = 0;
	size_t k;

	ok(m != NULL, "H.264 + AC-3: a muxer");
	for (i = 0; i < 4; i++) {
		n[i] = h264_au(au[i], i == 0, i == 0, sizes[i], (unsigned)i);
		ok(sd_tsm_au(m, 0, au[i], n[i], 900000 + 7200 * i,
		    900000 - 3600 + 3600 * i, i == 0 ? SD_TSM_KEY : 0) == 0,
		    "H.264: an AU muxed");
	}
	fill(ac3, sizeof(ac3), 9);
	ac3[0] = 0x0b;
	ac3[1] = 0x77;
	ok(sd_tsm_au(m, 1, ac3, sizeof(ac3), 900000, 900000, 0) == 0,
	    "AC-3: a frame muxed");
	cut(m, 0);
	ok(nseg > 0 && nseg % 188 == 0, "the segment is whole packets");
	ok(pkt_pid(0) == 0 && pkt_pid(1) == SD_TSM_PMT_PID &&
	    (seg[1] & 0x40) && (seg[188 + 1] & 0x40),
	    "the segment starts with PAT, then PMT");
	demux(seg, nseg, &g);
	ok(clean(&g), "demuxed with no CC, CRC, PSI or PES error");
	ok(g.nprog == 1 && g.prog.nstreams == 2 &&
	    g.prog.streams[0].stream_type == 0x1b &&
	    g.prog.streams[1].stream_type == 0x81 &&
	    g.prog.pcr_pid == SD_TSM_FIRST_PID,
	    "PMT: 0x1b, 0x81 (ATSC AC-3), PCR on the video PID");
	is_str(g.prog.streams[1].lang, "eng", "PMT: the audio's language");
	ok(g.nau == 5, "five AUs come back");
	for (i = 0; i < 4; i++) {
		a = nth(&g, SD_TSM_FIRST_PID, i);
		same &= a != NULL && a->n == n[i] &&
		    memcmp(a->p, au[i], n[i]) == 0 &&
		    a->pts == 900000 + 7200 * i &&
		    a->dts == 900000 - 3600 + 3600 * i;
		rai &= a != NULL && ((a->flags & SD_TSD_RAI) != 0) == (i == 0);
	}
	ok(same, "H.264: bytes (AUD and SPS there: as given), PTS, DTS");
	ok(rai, "H.264: random_access_indicator on the keyframe only");
	ok(g.au[0].flags & SD_TSD_KEY, "H.264: the demuxer sees an IDR");
	a = nth(&g, SD_TSM_FIRST_PID + 1, 0);
	ok(a != NULL && a->n == sizeof(ac3) && memcmp(a->p, ac3,
	    sizeof(ac3)) == 0 && a->pts == 900000, "AC-3: bytes and PTS");
	for (k = 0; k < nseg / 188; k++)
		if (pkt_pid(k) == SD_TSM_FIRST_PID &&
		    (seg[k * 188 + 1] & 0x40))
			pcr += (pkt_af(k) & 0x10) != 0;
	ok(pcr == 4, "a PCR in the first packet of each video PES");
	got_free(&g);
	sd_tsm_free(m);
}

/* ------------------------------------------------------- avcC, ADTS */

static void
test_lp(void)
{
	/* avcC: version 1, profile, compat, level, 4-byte lengths, 1 SPS,
	 * 1 PPS */
	uint8_t avcc[64], asc[2] = { 0x11, 0x90 };	/* LC, 48 kHz, 2 ch */
	uint8_t lp[300], lp2[304], anb[200], want[400], frame[3][100];
	size_t an_n;
	struct sd_tsm_stream s[2] = { { .codec = SD_TSD_H264 },
	    { .codec = SD_TSD_AAC_ADTS, .config = asc, .config_len = 2 } };
	struct sd_tsm *m;
	struct got g;
	const struct got_au *v;
	size_t k = 0, w = 0, an = 0;
	uint8_t all[400];
	int i, ok_a = 1;

	memcpy(avcc, "\x01\x64\x00\x0c\xff\xe1", 6);
	k = 6;
	avcc[k++] = 0;
	avcc[k++] = sizeof(sps) - 4;
	memcpy(avcc + k, sps + 4, sizeof(sps) - 4);
	k += sizeof(sps) - 4;
	avcc[k++] = 1;
	avcc[k++] = 0;
	avcc[k++] = sizeof(pps) - 4;
	memcpy(avcc + k, pps + 4, sizeof(pps) - 4);
	k += sizeof(pps) - 4;
	s[0].config = avcc;
	s[0].config_len = k;
	m = sd_tsm_new(s, 2);
	ok(m != NULL, "avcC + raw AAC: a muxer");
	/* one IDR slice of 200 bytes, length-prefixed */
	memcpy(lp, "\0\0\0\xc8", 4);
	fill(lp + 4, 200, 3);
	lp[4] = 0x65;
	ok(sd_tsm_au(m, 0, lp, 204, 3600, 0, SD_TSM_KEY) == 0,
	    "length-prefixed: muxed");
	/* a P slice of 300 bytes: its prefix 00 00 01 2c looks like a
	 * start code */
	memcpy(lp2, "\0\0\1\x2c", 4);
	fill(lp2 + 4, 300, 4);
	lp2[4] = 0x41;
	ok(sd_tsm_au(m, 0, lp2, 304, 10800, 3600, 0) == 0,
	    "length-prefixed, a 300-byte NAL unit: muxed");
	/* the same stream may bring Annex B (an AUD first: as given) */
	an_n = h264_au(anb, 0, 0, 100, 5);
	ok(sd_tsm_au(m, 0, anb, an_n, 7200, 7200, 0) == 0,
	    "Annex B on an avcC stream: muxed");
	memcpy(want, aud, sizeof(aud));
	w = sizeof(aud);
	memcpy(want + w, sps, sizeof(sps));
	w += sizeof(sps);
	memcpy(want + w, pps, sizeof(pps));
	w += sizeof(pps);
	memcpy(want + w, "\0\0\0\1", 4);
	memcpy(want + w + 4, lp + 4, 200);
	w += 204;
	for (i = 0; i < 3; i++) {
		fill(frame[i], sizeof(frame[i]), 20 + (unsigned)i);
		ok(sd_tsm_au(m, 1, frame[i], sizeof(frame[i]), 1920 * i,
		    1920 * i, 0) == 0, "raw AAC: muxed");
		/* ADTS: LC, 48 kHz (3), 2 ch, 107 bytes */
		memcpy(all + an, "\xff\xf1\x4c\x80\x0d\x7f\xfc", 7);
		memcpy(all + an + 7, frame[i], sizeof(frame[i]));
		an += 7 + sizeof(frame[i]);
	}
	cut(m, 0);
	demux(seg, nseg, &g);
	ok(clean(&g), "demuxed cleanly");
	ok(g.nau == 4, "three video AUs, one audio PES (frames gathered)");
	v = nth(&g, SD_TSM_FIRST_PID, 0);
	ok(v != NULL && v->n == w && memcmp(v->p, want, w) == 0,
	    "avcC: AUD, SPS and PPS before the keyframe, Annex B");
	v = nth(&g, SD_TSM_FIRST_PID, 1);
	ok(v != NULL && v->n == sizeof(aud) + 304 &&
	    memcmp(v->p, aud, sizeof(aud)) == 0 &&
	    memcmp(v->p + sizeof(aud), "\0\0\0\1", 4) == 0 &&
	    memcmp(v->p + sizeof(aud) + 4, lp2 + 4, 300) == 0,
	    "a prefix that reads as a start code: length-prefixed still");
	v = nth(&g, SD_TSM_FIRST_PID, 2);
	ok(v != NULL && v->n == an_n && memcmp(v->p, anb, an_n) == 0,
	    "Annex B on an avcC stream: as given");
	v = nth(&g, SD_TSM_FIRST_PID + 1, 0);
	ok_a = v != NULL && v->n == an && memcmp(v->p, all, an) == 0 &&
	    v->pts == 0 && (v->flags & SD_TSD_RAI);
	ok(ok_a, "AAC: each frame with its ADTS header, the PES at the "
	    "first frame's PTS, RAI");
	got_free(&g);
	/* hostile: a length prefix past the AU's end */
	memcpy(lp, "\0\1\0\0", 4);
	ok(sd_tsm_au(m, 0, lp, 20, 0, 0, 0) == 1,
	    "a length prefix that overruns: left out");
	ok(sd_tsm_au(m, 0, lp, (size_t)SD_TSM_AU_MAX + 1, 0, 0, 0) == 1,
	    "an AU over the cap: left out");
	ok(sd_tsm_au(m, 2, lp, 4, 0, 0, 0) == 1 &&
	    sd_tsm_au(m, -1, lp, 4, 0, 0, 0) == 1, "no such stream: left out");
	sd_tsm_free(m);
}

/* ------------------------------------------------------- segments */

static void
test_segments(void)
{
	struct sd_tsm_stream s = { .codec = SD_TSD_H264 };
	struct sd_tsm *m = sd_tsm_new(&s, 1);
	uint8_t au[1000];
	size_t n, first;
	struct got g;
	int64_t big = (INT64_C(1) << 33) + 5;

	n = h264_au(au, 1, 0, 500, 7);	/* no SPS in it, none known */
	sd_tsm_au(m, 0, au, n, big, big, SD_TSM_KEY);
	cut(m, 0);
	first = nseg;
	n = h264_au(au, 0, 0, 300, 8);
	sd_tsm_au(m, 0, au, n, big + 3600, big + 3600, 0);
	cut(m, 1);
	ok(pkt_pid(first / 188) == 0 && pkt_pid(first / 188 + 1) ==
	    SD_TSM_PMT_PID, "the second segment starts with PAT and PMT too");
	demux(seg + first, nseg - first, &g);
	ok(g.nprog == 1 && g.nau == 1 && clean(&g),
	    "the second segment alone: its program and its AU");
	got_free(&g);
	demux(seg, nseg, &g);
	ok(g.nau == 2 && g.au[0].pts == 5 && g.au[1].pts == 3605,
	    "timestamps modulo 2^33");
	ok(clean(&g), "both segments in a row: counters continue");
	got_free(&g);
	cut(m, 0);
	ok(nseg == 0, "an empty segment: no bytes");
	sd_tsm_free(m);
}

/* ------------------------------------------------------- a switch */

static void
test_switch(void)
{
	struct sd_tsm_stream s[2] = { { .codec = SD_TSD_H264 },
	    { .codec = SD_TSD_MPEG_AUDIO, .sample_rate = 24000 } };
	struct sd_tsm_stream hevc = { .codec = SD_TSD_HEVC };
	struct sd_tsm *m = sd_tsm_new(s, 2);
	static const uint8_t aud_hevc[] = { 0, 0, 0, 1, 0x46, 0x01, 0x50 };
	uint8_t au[600], mp2[100];
	size_t n;
	struct got g;

	n = h264_au(au, 1, 1, 300, 1);
	sd_tsm_au(m, 0, au, n, 0, 0, SD_TSM_KEY);
	fill(mp2, sizeof(mp2), 5);
	mp2[0] = 0xff;
	mp2[1] = 0xf5;
	sd_tsm_au(m, 1, mp2, sizeof(mp2), 0, 0, 0);
	cut(m, 0);
	ok(sd_tsm_set_stream(m, 0, &hevc) == 0, "the video switches to HEVC");
	/* an HEVC IDR_W_RADL without AUD: VPS, SPS, PPS, slice */
	memcpy(au, "\0\0\0\1\x40\x01\x0c", 7);
	memcpy(au + 7, "\0\0\0\1\x42\x01\x01", 7);
	memcpy(au + 14, "\0\0\0\1\x44\x01\xc1", 7);
	memcpy(au + 21, "\0\0\0\1", 4);
	fill(au + 25, 200, 2);
	au[25] = 0x26;
	au[26] = 0x01;
	sd_tsm_au(m, 0, au, 225, 3600, 3600, SD_TSM_KEY);
	cut(m, 1);
	demux(seg, nseg, &g);
	ok(clean(&g), "demuxed cleanly");
	ok(g.nprog == 2 && (g.prog.changed & SD_TSD_CH_STREAMS) &&
	    g.prog.version == 1 && g.prog.streams[0].codec == SD_TSD_HEVC &&
	    g.prog.streams[0].stream_type == 0x24,
	    "a new PMT version says HEVC (0x24) on the same PID");
	ok(g.prog.streams[1].stream_type == 0x04,
	    "MPEG audio at 24 kHz: stream_type 0x04");
	ok(g.nau == 3 && g.au[2].codec == SD_TSD_HEVC &&
	    g.au[2].n == 225 + sizeof(aud_hevc) &&
	    memcmp(g.au[2].p, aud_hevc, sizeof(aud_hevc)) == 0 &&
	    memcmp(g.au[2].p + sizeof(aud_hevc), au, 225) == 0 &&
	    (g.au[2].flags & SD_TSD_KEY),
	    "HEVC: an AUD first, then the AU as given, a keyframe");
	got_free(&g);
	sd_tsm_free(m);
}

static void
test_supported(void)
{
	struct sd_tsm_stream s = { .codec = SD_TSD_OPUS };
	uint8_t he[2] = { 0x2b, 0x10 };	/* AOT 5 (SBR): not in ADTS */
	const char *why = NULL;

	ok(sd_tsm_supported(&s, &why) == -1 && why != NULL,
	    "Opus: not carried, and why");
	ok(sd_tsm_new(&s, 1) == NULL, "Opus: no muxer");
	s.codec = SD_TSD_AAC_ADTS;
	s.config = he;
	s.config_len = 2;
	ok(sd_tsm_supported(&s, &why) == -1,
	    "AAC with an ASC ADTS cannot state: not carried");
	s.config_len = 0;
	ok(sd_tsm_supported(&s, &why) == 0, "AAC with no ASC (ADTS input)");
	ok(sd_tsm_new(&s, 0) == NULL && sd_tsm_new(&s, SD_TSM_MAX_STREAMS + 1)
	    == NULL, "no streams, or too many: no muxer");
}

/* hvcC to Annex B; records that lie about their lengths refused, and a
 * muxer on one still made (its AUs must carry their parameter sets). */
static void
test_config(void)
{
	/* hvcC: 22 bytes of fields (4-byte lengths), 3 arrays: VPS, SPS,
	 * PPS of one 3-byte NAL unit each, and an SEI array (not kept) */
	uint8_t hvcc[80] = { 1 };
	static const uint8_t want[] = { 0, 0, 0, 1, 0x40, 0x01, 0x0c,
	    0, 0, 0, 1, 0x42, 0x01, 0x01, 0, 0, 0, 1, 0x44, 0x01, 0xc1 };
	uint8_t avcc[] = { 1, 0x64, 0, 0x0c, 0xff, 0xe1, 0, 9, 0x67, 0x64 };
	struct sd_tsm_stream s = { .codec = SD_TSD_HEVC };
	struct sd_bytes out = { 0 };
	struct sd_tsm *m;
	size_t k = 23;
	int nal_len, i;

	hvcc[21] = 0x03;
	hvcc[22] = 4;
	for (i = 0; i < 4; i++) {
		static const uint8_t nal[4][3] = { { 0x40, 0x01, 0x0c },
		    { 0x42, 0x01, 0x01 }, { 0x44, 0x01, 0xc1 },
		    { 0x4e, 0x01, 0x05 } };
		hvcc[k++] = (uint8_t)(0x80 | nal[i][0] >> 1);
		hvcc[k++] = 0;
		hvcc[k++] = 1;
		hvcc[k++] = 0;
		hvcc[k++] = 3;
		memcpy(hvcc + k, nal[i], 3);
		k += 3;
	}
	ok(sd_tsm_param_sets(1, hvcc, k, &out, &nal_len) == 0 &&
	    nal_len == 4 && out.len == sizeof(want) &&
	    memcmp(out.p, want, sizeof(want)) == 0,
	    "hvcC: VPS, SPS, PPS in Annex B, 4-byte prefixes, no SEI");
	ok(sd_tsm_param_sets(1, hvcc, k - 1, &out, &nal_len) == -1,
	    "hvcC: its last NAL unit cut short: refused");
	hvcc[22] = 5;
	ok(sd_tsm_param_sets(1, hvcc, k, &out, &nal_len) == -1,
	    "hvcC: an array more than there are: refused");
	ok(sd_tsm_param_sets(0, avcc, sizeof(avcc), &out, &nal_len) == -1,
	    "avcC: an SPS longer than the record: refused");
	ok(sd_tsm_param_sets(0, avcc, 6, &out, &nal_len) == -1,
	    "avcC: shorter than its fields: refused");
	s.config = hvcc;
	s.config_len = k;
	m = sd_tsm_new(&s, 1);
	ok(m != NULL, "a muxer on a refused hvcC all the same");
	sd_tsm_free(m);
	sd_bytes_free(&out);
}

/* Random AUs (bytes, sizes, flags, times) into each form: no crash, no
 * sanitizer report, whole packets that demux with no error. */
static void
test_random(void)
{
	uint8_t avcc[] = { 1, 0x64, 0, 0x0c, 0xfd, 0xe1, 0, 2, 0x67, 0x64, 1,
	    0, 1, 0x68 }, asc[2] = { 0x12, 0x10 };
	struct sd_tsm_stream s[3] = { { .codec = SD_TSD_H264, .config = avcc,
	    .config_len = sizeof(avcc) }, { .codec = SD_TSD_AAC_ADTS,
	    .config = asc, .config_len = 2 }, { .codec = SD_TSD_EAC3 } };
	static uint8_t au[70000];
	struct sd_tsm *m = sd_tsm_new(s, 3);
	unsigned seed = 1;
	struct got g;
	int i, whole = 1, bad = 0;

	for (i = 0; i < 3000; i++) {
		size_t n;
		int rv;
		seed = seed * 1103515245u + 12345u;
		n = 1 + (seed >> 8) % (i % 10 == 0 ? sizeof(au) : 400);
		fill(au, n, seed);
		if (seed & 0x100)
			memset(au, 0, (seed >> 9) % 5);	/* prefixes, codes */
		rv = sd_tsm_au(m, (int)(seed % 3), au, n, (int64_t)i * 3600,
		    (int64_t)i * 3600 - (seed & 0x200 ? 7200 : 0),
		    seed & 0x400 ? SD_TSM_KEY : 0);
		bad += rv == -1;
		if (i % 100 == 99) {
			cut(m, 0);
			whole &= nseg % 188 == 0;
		}
	}
	ok(bad == 0 && whole, "random AUs: muxed or left out, whole packets");
	demux(seg, nseg, &g);
	ok(g.st.cc_errors == 0 && g.st.crc_errors == 0 &&
	    g.st.skipped == 0, "random AUs: the last segment demuxes cleanly");
	got_free(&g);
	sd_tsm_free(m);
}

int
main(void)
{
	test_annexb();
	test_lp();
	test_segments();
	test_switch();
	test_supported();
	test_config();
	test_random();
	(void)is_str;
	(void)capture_start;
	(void)capture_end;
	return done();
}
