/*
 * tsdemux.c unit tests: hand-built TS packets for each branch of
 * lib/tsdemux.c (sync at 188/192/204 bytes, resync, CRC failure, sections
 * across packets and pointer_field, CC gaps and duplicates, the 33-bit
 * wrap, PMT changes, descriptors, caps, hostile lengths). Real ffmpeg TS
 * is held against ffprobe in tests/tsdemux.t.
 */
#include <stdint.h>
#include <string.h>

#include "sd.h"
#include "tsdemux.h"
#include "mtap.h"

/* ------------------------------------------------------- the writer */

struct tsw {
	uint8_t buf[1 << 20];
	size_t len;
	int cc[8192];
	int stride;		/* 188, 192, 204 */
	int drop_next;		/* leave the next packet out (a loss) */
};

static int cc_start;		/* the first CC of every PID */

static void
tsw_init(struct tsw *w, int stride)
{
	int i;

	for (i = 0; i < 8192; i++)
		w->cc[i] = cc_start;
	w->len = 0;
	w->stride = stride;
	w->drop_next = 0;
}

/*
 * One packet: up to 184 payload bytes of p[0..n), an adaptation field
 * (stuffing, and af_flags such as 0x40 RAI, 0x80 discontinuity) when the
 * payload is short or flags are asked. Returns the payload bytes used.
 */
static size_t
ts_packet(struct tsw *w, int pid, int pusi, const uint8_t *p, size_t n,
    int af_flags)
{
	uint8_t *k = w->buf + w->len + (w->stride == 192 ? 4 : 0);
	size_t room = 184, used;

	if (w->stride == 192)
		memset(w->buf + w->len, 0x11, 4);
	k[0] = 0x47;
	k[1] = (uint8_t)((pusi ? 0x40 : 0) | (pid >> 8));
	k[2] = (uint8_t)pid;
	if (af_flags != 0 || n < 184) {
		size_t afl = n >= 183 ? 1 : 183 - n;	/* flags byte at least */

		if (af_flags == 0 && n == 183)
			afl = 0;
		k[3] = (uint8_t)(0x30 | (w->cc[pid] & 15));
		k[4] = (uint8_t)afl;
		if (afl > 0) {
			k[5] = (uint8_t)af_flags;
			memset(k + 6, 0xff, afl - 1);
		}
		room = 183 - afl;
	} else
		k[3] = (uint8_t)(0x10 | (w->cc[pid] & 15));
	used = n < room ? n : room;
	memcpy(k + 188 - room, p, used);
	w->cc[pid]++;
	if (w->stride == 204)
		memset(k + 188, 0x22, 16);
	if (w->drop_next)
		w->drop_next = 0;
	else
		w->len += (size_t)w->stride;
	return used;
}

/* The same bytes as the packet just written, again (a duplicate). */
static void
ts_repeat(struct tsw *w)
{
	memcpy(w->buf + w->len, w->buf + w->len - w->stride, (size_t)w->stride);
	w->len += (size_t)w->stride;
}

static uint32_t
crc32_mpeg(const uint8_t *p, size_t n)
{
	uint32_t crc = 0xffffffffu;
	int k;

	while (n-- > 0) {
		crc ^= (uint32_t)*p++ << 24;
		for (k = 0; k < 8; k++)
			crc = crc & 0x80000000u ? (crc << 1) ^ 0x04c11db7u :
			    crc << 1;
	}
	return crc;
}

/* Finish section s (body written from byte 3 to n): length and CRC. */
static size_t
section_end(uint8_t *s, size_t n)
{
	uint32_t crc;

	s[1] = (uint8_t)(0xb0 | ((n + 4 - 3) >> 8));
	s[2] = (uint8_t)(n + 4 - 3);
	crc = crc32_mpeg(s, n);
	s[n] = (uint8_t)(crc >> 24);
	s[n + 1] = (uint8_t)(crc >> 16);
	s[n + 2] = (uint8_t)(crc >> 8);
	s[n + 3] = (uint8_t)crc;
	return n + 4;
}

static size_t
make_pat(uint8_t *s, int prog, int pmt_pid)
{
	s[0] = 0;
	s[3] = 0;
	s[4] = 1;
	s[5] = 0xc1;
	s[6] = s[7] = 0;
	s[8] = (uint8_t)(prog >> 8);
	s[9] = (uint8_t)prog;
	s[10] = (uint8_t)(0xe0 | pmt_pid >> 8);
	s[11] = (uint8_t)pmt_pid;
	return section_end(s, 12);
}

struct es_def {
	int type, pid;
	const char *desc;	/* descriptor bytes */
	size_t dlen;
};

static size_t
make_pmt(uint8_t *s, int prog, int version, int pcr,
    const struct es_def *es, int nes)
{
	size_t n = 12;
	int i;

	s[0] = 2;
	s[3] = (uint8_t)(prog >> 8);
	s[4] = (uint8_t)prog;
	s[5] = (uint8_t)(0xc1 | (version & 31) << 1);
	s[6] = s[7] = 0;
	s[8] = (uint8_t)(0xe0 | pcr >> 8);
	s[9] = (uint8_t)pcr;
	s[10] = 0xf0;
	s[11] = 0;
	for (i = 0; i < nes; i++) {
		s[n] = (uint8_t)es[i].type;
		s[n + 1] = (uint8_t)(0xe0 | es[i].pid >> 8);
		s[n + 2] = (uint8_t)es[i].pid;
		s[n + 3] = (uint8_t)(0xf0 | es[i].dlen >> 8);
		s[n + 4] = (uint8_t)es[i].dlen;
		memcpy(s + n + 5, es[i].desc, es[i].dlen);
		n += 5 + es[i].dlen;
	}
	return section_end(s, n);
}

/* A section on pid, pointer_field 0, over as many packets as it needs. */
static void
ts_section(struct tsw *w, int pid, const uint8_t *s, size_t n)
{
	uint8_t first[184];
	size_t used, k = n < 183 ? n : 183;

	first[0] = 0;
	memcpy(first + 1, s, k);
	if (n + 1 < 184)
		memset(first + 1 + n, 0xff, 183 - n);
	ts_packet(w, pid, 1, first, 184, 0);
	for (used = k; used < n; )
		used += ts_packet(w, pid, 0, s + used, n - used, 0);
}

static void
put_ts(uint8_t *p, int marker, int64_t t)
{
	p[0] = (uint8_t)(marker << 4 | ((t >> 30) & 7) << 1 | 1);
	p[1] = (uint8_t)(t >> 22);
	p[2] = (uint8_t)((t >> 14) | 1);
	p[3] = (uint8_t)(t >> 7);
	p[4] = (uint8_t)(t << 1 | 1);
}

/*
 * A PES of payload data[0..n) on pid over packets: bounded (length set)
 * or not (0, as video); dts < 0 for a PTS alone. af_flags on its first
 * packet.
 */
static void
ts_pes(struct tsw *w, int pid, int sid, int64_t pts, int64_t dts,
    const uint8_t *data, size_t n, int bounded, int af_flags)
{
	static uint8_t pes[1 << 19];
	size_t len = 9, used = 0;

	pes[0] = pes[1] = 0;
	pes[2] = 1;
	pes[3] = (uint8_t)sid;
	pes[6] = 0x84;
	pes[7] = dts >= 0 ? 0xc0 : 0x80;
	put_ts(pes + 9, dts >= 0 ? 3 : 2, pts);
	len = 14;
	if (dts >= 0) {
		put_ts(pes + 14, 1, dts);
		len = 19;
	}
	pes[8] = (uint8_t)(len - 9);
	memcpy(pes + len, data, n);
	len += n;
	pes[4] = bounded ? (uint8_t)((len - 6) >> 8) : 0;
	pes[5] = bounded ? (uint8_t)(len - 6) : 0;
	used = ts_packet(w, pid, 1, pes, len, af_flags);
	while (used < len)
		used += ts_packet(w, pid, 0, pes + used, len - used, 0);
}

/* ---------------------------------------------------- what comes out */

#define MAXAU 64
struct rec {
	int pid, id, codec;
	int64_t pts, dts;
	size_t len;
	unsigned flags;
	uint8_t head[8];
	const uint8_t *data;
	int seq;
};

static struct got {
	struct rec au[MAXAU];
	int nau;
	struct sd_tsd_program prog[8];
	int prog_seq[8];
	int nprog, seq, stop_at;
} g;

static int
on_au(void *arg, const struct sd_tsd_au *au)
{
	struct rec *r;

	if (g.nau == MAXAU)
		return 0;
	r = &g.au[g.nau++];
	r->pid = au->stream->pid;
	r->id = au->stream->id;
	r->codec = au->stream->codec;
	r->pts = au->pts;
	r->dts = au->dts;
	r->len = au->len;
	r->flags = au->flags;
	r->data = au->data;
	memcpy(r->head, au->data, au->len < 8 ? au->len : 8);
	r->seq = g.seq++;
	return g.stop_at != 0 && g.nau == g.stop_at ? 7 : 0;
}

static int
on_prog(void *arg, const struct sd_tsd_program *p)
{
	if (g.nprog < 8) {
		g.prog[g.nprog] = *p;
		g.prog_seq[g.nprog++] = g.seq++;
	}
	return 0;
}

static struct sd_tsd_stats st;

/* Demux w's bytes in chunks of `chunk` (0: all at once); 0 or the stop. */
static int
demux(const struct tsw *w, size_t chunk, int program)
{
	struct sd_tsd_cb cb = { on_au, on_prog, NULL };
	struct sd_tsd *d;
	size_t o, n;
	int rv = 0;

	g.nau = g.nprog = g.seq = 0;
	if ((d = sd_tsd_new(&cb, program)) == NULL)
		return -1;
	for (o = 0; o < w->len && rv == 0; o += n) {
		n = chunk == 0 || chunk > w->len - o ? w->len - o : chunk;
		rv = sd_tsd_feed(d, w->buf + o, n);
	}
	if (rv == 0)
		rv = sd_tsd_end(d);
	sd_tsd_get_stats(d, &st);
	sd_tsd_free(d);
	return rv;
}

/* ------------------------------------------------------------- cases */

static struct tsw w;
static uint8_t sec[1024], payload[300000];
static const uint8_t idr[] = { 0, 0, 0, 1, 0x09, 0xf0, 0, 0, 1, 0x65, 0x88 };
static const uint8_t nonidr[] = { 0, 0, 0, 1, 0x09, 0xf0, 0, 0, 1, 0x41, 0x9a };
/* HEVC: an AUD (35), then an IDR_W_RADL slice (19) */
static const uint8_t hevc_idr[] = { 0, 0, 0, 1, 0x46, 0x01, 0x50, 0, 0, 1,
    0x26, 0x01, 0xaf, 0x11 };
static const struct es_def avc_aac[] = { { 0x1b, 0x100, "", 0 },
    { 0x0f, 0x101, "\x0a\x04" "eng\x00", 6 } };

/* PAT, PMT (H.264 on 0x100, AAC on 0x101), as ffmpeg lays them. */
static void
head(struct tsw *tw, int version, const struct es_def *es, int nes)
{
	ts_section(tw, 0, sec, make_pat(sec, 1, 0x1000));
	ts_section(tw, 0x1000, sec, make_pmt(sec, 1, version, 0x100, es, nes));
}

/* A video AU: start code, IDR or not, then filler to n bytes. */
static const uint8_t *
video(int key, size_t n, int fill)
{
	memcpy(payload, key ? idr : nonidr, sizeof(idr));
	memset(payload + sizeof(idr), fill, n - sizeof(idr));
	return payload;
}

/* nulls null packets (PID 0x1fff), then PAT, PMT, 3 AUs: 8 packets. */
static void
basic_stream_after(int stride, int nulls)
{
	static uint8_t aac[100], zeros[184];

	tsw_init(&w, stride);
	while (nulls-- > 0)
		ts_packet(&w, 0x1fff, 0, zeros, sizeof(zeros), 0);
	head(&w, 0, avc_aac, 2);
	ts_pes(&w, 0x100, 0xe0, 9000, 6000, video(1, 500, 0xaa), 500, 0, 0x40);
	memset(aac, 0x5a, sizeof(aac));
	aac[0] = 0xff;
	ts_pes(&w, 0x101, 0xc0, 8000, -1, aac, sizeof(aac), 1, 0);
	ts_pes(&w, 0x100, 0xe0, 12600, 9600, video(0, 300, 0xbb), 300, 0, 0);
}

static void
basic_stream(int stride)
{
	basic_stream_after(stride, 0);
}

static int
basic_ok(void)
{
	return g.nprog == 1 && g.nau == 3 &&
	    g.au[0].pid == 0x101 && g.au[0].len == 100 &&
	    g.au[0].pts == 8000 && g.au[0].dts == 8000 &&
	    g.au[0].flags == SD_TSD_KEY &&
	    g.au[1].pid == 0x100 && g.au[1].len == 500 &&
	    g.au[1].pts == 9000 && g.au[1].dts == 6000 &&
	    g.au[1].flags == (SD_TSD_KEY | SD_TSD_RAI) &&
	    memcmp(g.au[1].head, idr, 8) == 0 &&
	    g.au[2].len == 300 && g.au[2].flags == 0 && g.au[2].pts == 12600;
}

static void
test_basic(void)
{
	const struct sd_tsd_program *p = &g.prog[0];
	int chunk_ok = 1;
	size_t c;

	basic_stream(188);
	ok(demux(&w, 0, 0) == 0, "basic: demux returns 0");
	ok(basic_ok(), "basic: the audio AU, then two video AUs, whole");
	ok(g.nprog == 1 && p->generation == 1 && p->nstreams == 2 &&
	    p->changed & SD_TSD_CH_FIRST && p->pcr_pid == 0x100 &&
	    p->streams[0].codec == SD_TSD_H264 &&
	    p->streams[1].codec == SD_TSD_AAC_ADTS &&
	    strcmp(p->streams[1].lang, "eng") == 0 &&
	    p->is_new[0] && p->is_new[1] && p->streams[0].id == 0 &&
	    p->streams[1].id == 1, "basic: the program, its codecs, language");
	basic_stream_after(188, 12);	/* past the bytes sync is sought in */
	demux(&w, 0, 0);
	ok(basic_ok() && g.au[0].data >= w.buf && g.au[0].data < w.buf + w.len,
	    "basic: a PES whole in one packet is handed out in place");
	basic_stream(188);
	demux(&w, 0, 0);
	ok(st.packets == w.len / 188 && st.skipped == 0 && st.cc_errors == 0 &&
	    st.aus == 3 && st.damaged == 0, "basic: clean counters");
	for (c = 1; c < 400; c += c < 10 ? 1 : 37) {
		demux(&w, c, 0);
		chunk_ok &= basic_ok();
	}
	ok(chunk_ok, "basic: the same in chunks of 1..10, 47, 84, ...");
	basic_stream(192);
	demux(&w, 0, 0);
	ok(basic_ok() && st.skipped == 4, "192-byte packets (M2TS)");
	basic_stream(204);
	demux(&w, 0, 0);
	ok(basic_ok() && st.skipped == 0, "204-byte packets");
	basic_stream(204);
	demux(&w, 5, 0);
	ok(basic_ok(), "204-byte packets in chunks of 5");
}

static void
test_resync(void)
{
	static struct tsw w2;
	size_t i, cut;

	basic_stream(188);
	/* junk first, with sync bytes off the stride */
	tsw_init(&w2, 188);
	for (i = 0; i < 700; i++)
		w2.buf[i] = i % 50 == 0 ? 0x47 : (uint8_t)(i * 7);
	memcpy(w2.buf + 700, w.buf, w.len);
	w2.len = 700 + w.len;
	demux(&w2, 0, 0);
	ok(basic_ok() && st.skipped == 700 && st.sync_lost == 0,
	    "resync: 700 bytes of junk before the first packet skipped");
	/* junk in the middle of the first video PES: sync lost and found */
	basic_stream_after(188, 3);
	cut = 188 * 7;			/* 3 nulls, PAT, PMT, 2 video packets */
	tsw_init(&w2, 188);
	memcpy(w2.buf, w.buf, cut);
	memset(w2.buf + cut, 0x33, 301);
	memcpy(w2.buf + cut + 301, w.buf + cut, w.len - cut);
	w2.len = w.len + 301;
	demux(&w2, 0, 0);
	ok(g.nau == 3 && st.sync_lost == 1 && st.skipped == 301 &&
	    g.au[1].len == 500 && g.au[1].flags & SD_TSD_DAMAGED &&
	    g.au[2].flags == 0, "resync: lost in a PES, found again; that "
	    "AU damaged, the next whole");
	demux(&w2, 3, 0);
	ok(g.nau == 3 && st.sync_lost == 1, "resync: the same in chunks of 3");
	/* a stride change: 204 then 188 */
	basic_stream(204);
	memcpy(w2.buf, w.buf, w.len);
	w2.len = w.len;
	cc_start = 5;			/* (else a true duplicate) */
	basic_stream(188);
	cc_start = 0;
	memcpy(w2.buf + w2.len, w.buf, w.len);
	w2.len += w.len;
	demux(&w2, 0, 0);
	ok(g.nau == 6 && st.sync_lost == 1 && g.au[2].flags & SD_TSD_DAMAGED &&
	    g.au[5].flags == 0 && g.au[5].pts == 12600,
	    "resync: 204-byte packets, then 188");
	/* too short to lock, cut packet at the end */
	tsw_init(&w2, 188);
	memcpy(w2.buf, w.buf, 3 * 188 + 100);
	w2.len = 3 * 188 + 100;
	demux(&w2, 0, 0);
	ok(g.nprog == 1 && st.skipped == 100,
	    "end: three packets and a cut one: PAT, PMT taken, 100 bytes left");
}

static void
test_sections(void)
{
	static struct es_def many[14];
	uint8_t pkt[184], s2[1024];
	size_t n, n2, k;
	int i;

	/* CRC */
	tsw_init(&w, 188);
	ts_section(&w, 0, sec, make_pat(sec, 1, 0x1000));
	n = make_pmt(sec, 1, 0, 0x100, avc_aac, 2);
	sec[n - 1] ^= 1;
	ts_section(&w, 0x1000, sec, n);
	ts_pes(&w, 0x100, 0xe0, 9000, 6000, video(1, 500, 0xaa), 500, 0, 0x40);
	demux(&w, 0, 0);
	ok(g.nprog == 0 && g.nau == 0 && st.crc_errors == 1,
	    "CRC: a PMT with a bad CRC is not taken");
	sec[n - 1] ^= 1;
	ts_section(&w, 0x1000, sec, n);
	ts_pes(&w, 0x100, 0xe0, 12600, 9600, video(0, 300, 0xbb), 300, 0, 0);
	demux(&w, 0, 0);
	ok(g.nprog == 1 && g.nau == 1 && st.crc_errors == 1,
	    "CRC: the good one after it is");

	/* a PMT over three packets */
	for (i = 0; i < 14; i++) {
		many[i].type = i % 2 ? 0x0f : 0x1b;
		many[i].pid = 0x200 + i;
		many[i].desc = "\x05\x08" "ABCDEFGH" "\x0a\x04" "xyz\x00"
		    "\x0a\x04" "abc\x00";
		many[i].dlen = 22;
	}
	tsw_init(&w, 188);
	ts_section(&w, 0, sec, make_pat(sec, 1, 0x1000));
	n = make_pmt(sec, 1, 0, 0x200, many, 14);
	ts_section(&w, 0x1000, sec, n);
	demux(&w, 0, 0);
	ok(n > 2 * 184 && g.nprog == 1 && g.prog[0].nstreams == 14 &&
	    g.prog[0].streams[13].pid == 0x20d &&
	    strcmp(g.prog[0].streams[13].lang, "xyz") == 0,
	    "section over three packets: 14 streams");
	demux(&w, 1, 0);
	ok(g.nprog == 1 && g.prog[0].nstreams == 14,
	    "section over three packets: byte by byte");

	/* pointer_field: the tail of one PMT, then the next, one packet */
	tsw_init(&w, 188);
	ts_section(&w, 0, sec, make_pat(sec, 1, 0x1000));
	n = make_pmt(sec, 1, 0, 0x100, avc_aac, 2);
	n2 = make_pmt(s2, 1, 1, 0x100, avc_aac, 1);
	pkt[0] = 0;
	memcpy(pkt + 1, sec, 10);
	ts_packet(&w, 0x1000, 1, pkt, 11, 0);
	pkt[0] = (uint8_t)(n - 10);
	memcpy(pkt + 1, sec + 10, n - 10);
	memcpy(pkt + 1 + n - 10, s2, n2);
	k = 1 + n - 10 + n2;
	memset(pkt + k, 0xff, sizeof(pkt) - k);
	ts_packet(&w, 0x1000, 1, pkt, sizeof(pkt), 0);
	demux(&w, 0, 0);
	ok(g.nprog == 2 && g.prog[0].version == 0 && g.prog[1].version == 1 &&
	    g.prog[1].nstreams == 1 && g.prog[1].changed ==
	    (SD_TSD_CH_VERSION | SD_TSD_CH_STREAMS),
	    "pointer_field: the tail before it, a new section after it");

	/* a section cut by a lost packet is dropped, not glued */
	tsw_init(&w, 188);
	ts_section(&w, 0, sec, make_pat(sec, 1, 0x1000));
	n = make_pmt(sec, 1, 0, 0x200, many, 14);
	pkt[0] = 0;
	memcpy(pkt + 1, sec, 183);
	ts_packet(&w, 0x1000, 1, pkt, 184, 0);
	w.drop_next = 1;
	for (k = 183; k < n; )
		k += ts_packet(&w, 0x1000, 0, sec + k, n - k, 0);
	demux(&w, 0, 0);
	ok(g.nprog == 0 && st.cc_errors == 1 && st.crc_errors == 0,
	    "section with a lost packet: dropped, no CRC check of a patchwork");

	/* hostile lengths */
	tsw_init(&w, 188);
	ts_section(&w, 0, sec, make_pat(sec, 1, 0x1000));
	n = make_pmt(sec, 1, 0, 0x100, avc_aac, 2);
	sec[1] = 0xbf;			/* section_length 0xfxx: > 1021 */
	ts_section(&w, 0x1000, sec, n);
	n = make_pmt(sec, 1, 0, 0x100, avc_aac, 2);
	sec[15] = 0xff;			/* ES_info_length past the end */
	section_end(sec, n - 4);
	ts_section(&w, 0x1000, sec, n);
	demux(&w, 0, 0);
	ok(g.nprog == 0 && st.psi_errors == 2,
	    "hostile section and ES_info lengths: counted, not taken");

	/* section_length 0 (the fuzzer's first find: it looped), then a PMT */
	tsw_init(&w, 188);
	ts_section(&w, 0, sec, make_pat(sec, 1, 0x1000));
	n = make_pmt(sec, 1, 0, 0x100, avc_aac, 2);
	memcpy(pkt, "\x00\x02\xb0\x00", 4);
	memcpy(pkt + 4, sec, n);
	memset(pkt + 4 + n, 0xff, sizeof(pkt) - 4 - n);
	ts_packet(&w, 0x1000, 1, pkt, sizeof(pkt), 0);
	demux(&w, 0, 0);
	ok(g.nprog == 1 && st.psi_errors == 1,
	    "section_length 0: counted, the PMT after it taken");
}

static void
test_cc(void)
{
	tsw_init(&w, 188);
	head(&w, 0, avc_aac, 2);
	ts_pes(&w, 0x100, 0xe0, 9000, 6000, video(1, 184 * 3, 0xaa), 184 * 3,
	    0, 0x40);
	w.drop_next = 1;
	ts_pes(&w, 0x100, 0xe0, 12600, 9600, video(0, 184 * 3, 0xbb), 184 * 3,
	    0, 0);
	ts_pes(&w, 0x100, 0xe0, 16200, 13200, video(0, 100, 0xcc), 100, 0, 0);
	demux(&w, 0, 0);
	ok(g.nau == 2 && st.cc_errors == 1 && g.au[0].flags & SD_TSD_DAMAGED &&
	    g.au[1].flags == 0 && g.au[1].pts == 16200,
	    "CC gap: the AU it hits is damaged; one lost start: AU gone");

	tsw_init(&w, 188);
	head(&w, 0, avc_aac, 2);
	ts_pes(&w, 0x100, 0xe0, 9000, 6000, video(1, 184 * 2, 0xaa), 184 * 2,
	    0, 0x40);
	ts_repeat(&w);
	ts_pes(&w, 0x100, 0xe0, 12600, 9600, video(0, 100, 0xbb), 100, 0, 0);
	demux(&w, 0, 0);
	ok(g.nau == 2 && st.duplicates == 1 && st.cc_errors == 0 &&
	    g.au[0].flags == (SD_TSD_KEY | SD_TSD_RAI) &&
	    g.au[0].len == 184 * 2, "duplicate packet: dropped, AU whole");
	ts_repeat(&w);
	ts_repeat(&w);
	demux(&w, 0, 0);
	ok(st.duplicates == 2 && st.cc_errors == 1,
	    "the same packet three times: one duplicate, then a CC error");

	/* a new packet that reuses the last CC (a splice) is no duplicate */
	tsw_init(&w, 188);
	head(&w, 0, avc_aac, 2);
	ts_pes(&w, 0x101, 0xc0, 900, -1, payload, 20, 1, 0);
	w.cc[0x101]--;
	ts_pes(&w, 0x101, 0xc0, 2900, -1, payload, 20, 1, 0);
	demux(&w, 0, 0);
	ok(g.nau == 2 && g.au[1].pts == 2900 && st.duplicates == 0 &&
	    st.cc_errors == 1, "same CC, other bytes: a CC error, not a "
	    "duplicate");

	/* discontinuity_indicator: the CC may jump, and the AU says so */
	tsw_init(&w, 188);
	head(&w, 0, avc_aac, 2);
	ts_pes(&w, 0x100, 0xe0, 9000, 6000, video(1, 100, 0xaa), 100, 0, 0x40);
	w.cc[0x100] += 5;
	ts_pes(&w, 0x100, 0xe0, 900, 600, video(1, 100, 0xaa), 100, 0, 0xc0);
	demux(&w, 0, 0);
	ok(g.nau == 2 && st.cc_errors == 0 && !(g.au[0].flags &
	    SD_TSD_DISCONT) && g.au[1].flags & SD_TSD_DISCONT &&
	    !(g.au[1].flags & SD_TSD_DAMAGED),
	    "discontinuity_indicator: no CC error, the AU marked");

	/* transport_error_indicator */
	tsw_init(&w, 188);
	head(&w, 0, avc_aac, 2);
	ts_pes(&w, 0x100, 0xe0, 9000, 6000, video(1, 184 * 3, 0xaa), 184 * 3,
	    0, 0x40);
	w.buf[w.len - 188 + 1] |= 0x80;
	ts_pes(&w, 0x100, 0xe0, 12600, 9600, video(0, 100, 0xbb), 100, 0, 0);
	demux(&w, 0, 0);
	ok(g.nau == 2 && st.tei == 1 && g.au[0].flags & SD_TSD_DAMAGED,
	    "transport_error_indicator: the packet dropped, the AU damaged");
}

static void
test_timestamps(void)
{
	const int64_t top = (INT64_C(1) << 33) - 1;
	static uint8_t aac[50];

	tsw_init(&w, 188);
	head(&w, 0, avc_aac, 2);
	ts_pes(&w, 0x101, 0xc0, top - 1000, -1, aac, sizeof(aac), 1, 0);
	ts_pes(&w, 0x101, 0xc0, top, -1, aac, sizeof(aac), 1, 0);
	ts_pes(&w, 0x101, 0xc0, 500, -1, aac, sizeof(aac), 1, 0);
	ts_pes(&w, 0x100, 0xe0, 300, top - 3000, video(1, 100, 1), 100, 0, 0);
	demux(&w, 0, 0);
	ok(g.nau == 4 && g.au[0].pts == top - 1000 && g.au[1].pts == top &&
	    g.au[2].pts == 500 && g.au[2].dts == 500 && g.au[3].pts == 300 &&
	    g.au[3].dts == top - 3000, "33-bit wrap: reported raw");

	/* PES with no timestamps, with a PTS past its header length */
	tsw_init(&w, 188);
	head(&w, 0, avc_aac, 2);
	ts_pes(&w, 0x101, 0xc0, 0, -1, aac, sizeof(aac), 1, 0);
	w.buf[w.len - 188 + 4 + 1 + (188 - 4 - 1 - 14 - 50 - 1) + 1 + 7] = 0;
	demux(&w, 0, 0);
	ok(g.nau == 1 && g.au[0].pts == SD_TSD_NOTS &&
	    g.au[0].dts == SD_TSD_NOTS, "PES without PTS: SD_TSD_NOTS");
}

static void
test_program_change(void)
{
	static const struct es_def hevc_aac[] = { { 0x24, 0x100, "", 0 },
	    { 0x0f, 0x101, "\x0a\x04" "eng\x00", 6 } };
	static const struct es_def more[] = { { 0x0f, 0x101, "", 0 },
	    { 0x24, 0x100, "", 0 }, { 0x81, 0x102, "", 0 } };
	static uint8_t aac[60];

	tsw_init(&w, 188);
	head(&w, 0, avc_aac, 2);
	ts_pes(&w, 0x100, 0xe0, 9000, 6000, video(1, 300, 0xaa), 300, 0, 0x40);
	ts_pes(&w, 0x101, 0xc0, 9000, -1, aac, sizeof(aac), 1, 0);
	/* same version, new stream_type on 0x100: as ffmpeg's concatenation */
	ts_section(&w, 0x1000, sec, make_pmt(sec, 1, 0, 0x100, hevc_aac, 2));
	video(1, 300, 0xbb);
	memcpy(payload, hevc_idr, sizeof(hevc_idr));
	ts_pes(&w, 0x100, 0xe0, 9000, 6000, payload, 300, 0, 0);
	/* a version change alone */
	ts_section(&w, 0x1000, sec, make_pmt(sec, 1, 1, 0x100, hevc_aac, 2));
	/* a new PID, the order changed */
	ts_section(&w, 0x1000, sec, make_pmt(sec, 1, 2, 0x100, more, 3));
	ts_pes(&w, 0x101, 0xc0, 9000, -1, aac, sizeof(aac), 1, 0);
	ts_pes(&w, 0x102, 0xbd, 9000, -1, aac, sizeof(aac), 1, 0);
	demux(&w, 0, 0);
	ok(g.nprog == 4, "PMT change: four program events");
	ok(g.prog[1].changed == SD_TSD_CH_STREAMS &&
	    g.prog[1].streams[0].codec == SD_TSD_HEVC &&
	    g.prog[1].streams[0].id == 2 && g.prog[1].is_new[0] &&
	    g.prog[1].streams[1].id == 1 && !g.prog[1].is_new[1],
	    "PMT change: stream_type on a PID, same version: a new stream id");
	ok(g.au[1].codec == SD_TSD_H264 && g.au[1].seq < g.prog_seq[1] &&
	    g.au[1].len == 300 && g.au[4].codec == SD_TSD_HEVC &&
	    g.au[4].id == 2 && g.au[4].seq > g.prog_seq[1] &&
	    g.au[4].flags == SD_TSD_KEY,
	    "PMT change: the open H.264 AU first, then the event, then HEVC");
	ok(g.prog[2].changed == SD_TSD_CH_VERSION && g.prog[2].generation == 3,
	    "PMT change: the version alone");
	ok(g.prog[3].changed == (SD_TSD_CH_VERSION | SD_TSD_CH_STREAMS |
	    SD_TSD_CH_OTHER) && g.prog[3].streams[0].id == 1 &&
	    g.prog[3].streams[1].id == 2 && g.prog[3].streams[2].id == 3 &&
	    g.prog[3].is_new[2] && g.prog[3].streams[2].codec == SD_TSD_AC3,
	    "PMT change: a PID added, the others moved keep their ids");
	ok(g.nau == 5 && g.au[2].id == 1 && g.au[3].id == 3 &&
	    st.cc_errors == 0, "PMT change: AUs on moved and new streams, "
	    "continuity kept across the move");

	/* a program chosen by number, the PAT's second */
	tsw_init(&w, 188);
	sec[0] = 0;
	sec[3] = 0;
	sec[4] = 1;
	sec[5] = 0xc1;
	sec[6] = sec[7] = 0;
	memcpy(sec + 8, "\x00\x00\xe0\x10" "\x00\x05\xf0\x00" "\x00\x09\xf1\x00",
	    12);
	ts_section(&w, 0, sec, section_end(sec, 20));
	ts_section(&w, 0x1000, sec, make_pmt(sec, 5, 0, 0x100, avc_aac, 2));
	ts_section(&w, 0x1100, sec, make_pmt(sec, 9, 0, 0x100, hevc_aac, 1));
	demux(&w, 0, 0);
	ok(g.nprog == 1 && g.prog[0].program_number == 5 &&
	    g.prog[0].nstreams == 2, "program 0: the first the PAT lists");
	demux(&w, 0, 9);
	ok(g.nprog == 1 && g.prog[0].program_number == 9 &&
	    g.prog[0].pmt_pid == 0x1100 &&
	    g.prog[0].streams[0].codec == SD_TSD_HEVC, "program 9 asked for");
}

static void
test_codecs(void)
{
	static const struct es_def all[] = { { 0x11, 0x100, "", 0 },
	    { 0x87, 0x101, "", 0 }, { 0x03, 0x102, "", 0 },
	    { 0x04, 0x103, "", 0 }, { 0x06, 0x104, "\x6a\x01\x00", 3 },
	    { 0x06, 0x105, "\x7a\x01\x00", 3 },
	    { 0x06, 0x106, "\x05\x04Opus", 6 },
	    { 0x06, 0x107, "\x05\x04" "AC-3", 6 },
	    { 0x06, 0x108, "\x59\x08" "deu\x10\x00\x01\x00\x01", 10 },
	    { 0x02, 0x109, "", 0 }, { 0x06, 0x10a, "\x7a\xff", 2 } };
	static const int want[] = { SD_TSD_AAC_LATM, SD_TSD_EAC3,
	    SD_TSD_MPEG_AUDIO, SD_TSD_MPEG_AUDIO, SD_TSD_AC3, SD_TSD_EAC3,
	    SD_TSD_OPUS, SD_TSD_AC3, SD_TSD_NONE, SD_TSD_NONE, SD_TSD_NONE };
	static uint8_t data[40];
	int i, same = 1;

	tsw_init(&w, 188);
	ts_section(&w, 0, sec, make_pat(sec, 1, 0x1000));
	ts_section(&w, 0x1000, sec, make_pmt(sec, 1, 0, 0x1fff, all, 11));
	ts_pes(&w, 0x108, 0xbd, 900, -1, data, sizeof(data), 1, 0);
	ts_pes(&w, 0x109, 0xe0, 900, -1, data, sizeof(data), 1, 0);
	ts_pes(&w, 0x106, 0xbd, 900, -1, data, sizeof(data), 1, 0);
	demux(&w, 0, 0);
	for (i = 0; i < 11; i++)
		same &= (int)g.prog[0].streams[i].codec == want[i];
	ok(g.nprog == 1 && g.prog[0].nstreams == 11 && same,
	    "codecs: LATM, E-AC-3, MPEG audio, descriptors 0x6a 0x7a, "
	    "'Opus', 'AC-3'; subtitles, MPEG-2 video and a cut descriptor none");
	ok(g.nau == 1 && g.au[0].pid == 0x106 && g.au[0].codec == SD_TSD_OPUS,
	    "codecs: the skipped streams hand out nothing");
	ok(strcmp(sd_tsd_codec_name(SD_TSD_HEVC), "hevc") == 0 &&
	    strcmp(sd_tsd_codec_name((enum sd_tsd_codec)99), "none") == 0,
	    "codec names");
}

static void
test_hostile_pes(void)
{
	uint8_t *k;

	/* an unbounded audio PES past the cap */
	tsw_init(&w, 188);
	head(&w, 0, avc_aac, 2);
	memset(payload, 0x11, 270000);
	ts_pes(&w, 0x101, 0xc0, 900, -1, payload, 270000, 0, 0);
	ts_pes(&w, 0x101, 0xc0, 2900, -1, payload, 10, 1, 0);
	demux(&w, 0, 0);
	ok(g.nau == 2 && g.au[0].flags & SD_TSD_TRUNC &&
	    g.au[0].flags & SD_TSD_DAMAGED &&
	    g.au[0].len == SD_TSD_AUDIO_PES_MAX - 14 && st.truncated == 1 &&
	    g.au[1].len == 10 && g.au[1].flags == SD_TSD_KEY,
	    "PES past the cap: cut there, marked, the next whole");

	/* a bounded PES cut short by the next start */
	tsw_init(&w, 188);
	head(&w, 0, avc_aac, 2);
	ts_pes(&w, 0x101, 0xc0, 900, -1, payload, 400, 1, 0);
	w.len -= 188;
	w.cc[0x101]--;
	ts_pes(&w, 0x101, 0xc0, 2900, -1, payload, 10, 1, 0);
	demux(&w, 0, 0);
	ok(g.nau == 2 && g.au[0].flags & SD_TSD_DAMAGED &&
	    g.au[0].len < 400 && g.au[1].len == 10,
	    "PES shorter than its length: damaged");

	/* no start code; header length past the PES; AF length 184 */
	tsw_init(&w, 188);
	head(&w, 0, avc_aac, 2);
	ts_pes(&w, 0x101, 0xc0, 900, -1, payload, 10, 1, 0);
	w.buf[w.len - 188 + 4 + 1 + (183 - 24) + 2] = 7;
	ts_pes(&w, 0x101, 0xc0, 900, -1, payload, 10, 1, 0);
	w.buf[w.len - 188 + 4 + 1 + (183 - 24) + 8] = 200;
	ts_pes(&w, 0x101, 0xc0, 900, -1, payload, 10, 1, 0);
	k = w.buf + w.len - 188;
	k[3] = (k[3] & 0xcf) | 0x30;
	k[4] = 184;
	ts_pes(&w, 0x101, 0xc0, 900, -1, payload, 10, 1, 0);
	demux(&w, 0, 0);
	ok(g.nau == 1 && st.pes_errors == 2,
	    "no start code, header past the end, AF too long: none handed out");

	/* random bytes at the sync stride */
	tsw_init(&w, 188);
	head(&w, 0, avc_aac, 2);
	for (k = w.buf + w.len; k < w.buf + 188 * 400; k++)
		*k = (uint8_t)((k - w.buf) * 2654435761u >> 13);
	for (k = w.buf + w.len; k < w.buf + 188 * 400; k += 188) {
		k[0] = 0x47;
		k[1] &= 0xe1;		/* PIDs 0x100-0x1ff and 0 */
	}
	w.len = 188 * 400;
	ok(demux(&w, 0, 0) == 0 && st.packets == 400,
	    "random packets on the followed PIDs: no crash");
}

static void
test_api(void)
{
	struct sd_tsd_cb cb = { on_au, on_prog, NULL };
	struct sd_tsd *d;

	basic_stream(188);
	g.stop_at = 1;
	ok(demux(&w, 0, 0) == 7 && g.nau == 1,
	    "a callback's non-zero return stops the feed and is returned");
	g.stop_at = 0;
	ok(sd_tsd_new(&cb, -1) == NULL && sd_tsd_new(&cb, 65536) == NULL,
	    "program numbers out of range refused");
	d = sd_tsd_new(NULL, 0);
	ok(d != NULL && sd_tsd_feed(d, w.buf, w.len) == 0 &&
	    sd_tsd_end(d) == 0 && sd_tsd_program(d) != NULL &&
	    sd_tsd_program(d)->nstreams == 2, "no callbacks: the program "
	    "is still read");
	sd_tsd_free(d);
	sd_tsd_free(NULL);
}

/* The sections here are signed with this file's CRC, so it is checked
 * against the standard's check value first: a CRC wrong in both the test
 * and the demuxer would otherwise pass. */
static void
test_crc(void)
{
	ok(crc32_mpeg((const uint8_t *)"123456789", 9) == 0x0376e6e7u,
	    "CRC-32/MPEG-2 of \"123456789\" is the check value 0x0376E6E7");
}

int
main(void)
{
	test_crc();
	test_basic();
	test_resync();
	test_sections();
	test_cc();
	test_timestamps();
	test_program_change();
	test_codecs();
	test_hostile_pes();
	test_api();
	(void)capture_start;
	(void)capture_end;
	return done();
}
