/*
 * tsmux.c - an MPEG-TS muxer without libav* (tsmux.h): PAT and PMT at
 * each segment's start, one PES per video AU and per few audio frames,
 * 188-byte packets with continuity counters per PID, the PCR and the
 * random_access_indicator in adaptation fields, stuffing there too
 * (ISO/IEC 13818-1 2.4.3). Bytes go into one buffer per segment that the
 * caller takes at each cut.
 */
#include <stdlib.h>
#include <string.h>

#include "tsmux.h"

#define PKT		188
#define TS_MASK		((INT64_C(1) << 33) - 1)
#define PSI_MAX		(PKT - 5)	/* a section in one packet */

struct tsm_es {
	enum sd_tsd_codec codec;
	int pid, cc, video, hevc;
	int stream_type, stream_id;
	char lang[4];
	struct sd_bytes ps;	/* video: Annex B parameter sets */
	int nal_len;		/* video: avcC/hvcC prefix size, or 0 */
	int aac_ok, aac_profile, aac_sr, aac_ch;	/* raw AAC -> ADTS */
	struct sd_bytes pes;	/* audio: frames waiting as one PES */
	int64_t pes_pts, pes_dts;
};

struct sd_tsm {
	struct tsm_es es[SD_TSM_MAX_STREAMS];
	int n, pcr;		/* pcr: the stream whose PID carries it */
	int version;		/* the PMT's, 0 .. 31 */
	int pat_cc, pmt_cc;
	int need_psi;		/* PAT and PMT before the next PES */
	int taken;		/* out was handed out: start it again */
	struct sd_bytes out;
	struct sd_bytes au;	/* a video AU rewritten */
};

/* ------------------------------------------------------------ streams */

/*
 * The codecs carried: stream_type and PES stream_id (ISO/IEC 13818-1
 * Table 2-34, ATSC A/52 Annex A). MPEG audio under 32 kHz (MPEG-2's half
 * rates) has its own type, 0x04.
 */
static const struct {
	uint8_t type, id;
} es_kind[] = {
	[SD_TSD_H264] = { 0x1b, 0xe0 },
	[SD_TSD_HEVC] = { 0x24, 0xe0 },
	[SD_TSD_AAC_ADTS] = { 0x0f, 0xc0 },
	[SD_TSD_AC3] = { 0x81, 0xbd },
	[SD_TSD_EAC3] = { 0x87, 0xbd },
	[SD_TSD_MPEG_AUDIO] = { 0x03, 0xc0 },
};

int
sd_tsm_supported(const struct sd_tsm_stream *s, const char **why)
{
	int a, b, c;

	if ((size_t)s->codec >= sizeof(es_kind) / sizeof(es_kind[0]) ||
	    es_kind[s->codec].type == 0) {
		*why = "a codec this muxer does not carry";
		return -1;
	}
	/* without a config AAC frames must come as ADTS already */
	if (s->codec == SD_TSD_AAC_ADTS && s->config_len > 0 &&
	    sd_tsm_asc(s->config, s->config_len, &a, &b, &c) == -1) {
		*why = "an AAC configuration ADTS cannot state";
		return -1;
	}
	if (s->config_len > SD_TSM_CONFIG_MAX) {
		*why = "a codec configuration too long";
		return -1;
	}
	return 0;
}

/* Stream s into e (its PID and counter kept); -1: not supported. */
static int
es_set(struct tsm_es *e, const struct sd_tsm_stream *s)
{
	const char *why;

	if (sd_tsm_supported(s, &why) == -1)
		return -1;
	e->codec = s->codec;
	e->stream_type = es_kind[s->codec].type;
	if (s->codec == SD_TSD_MPEG_AUDIO && s->sample_rate > 0 &&
	    s->sample_rate < 32000)
		e->stream_type = 0x04;
	e->stream_id = es_kind[s->codec].id;
	e->video = e->stream_id == 0xe0;
	e->hevc = s->codec == SD_TSD_HEVC;
	memset(e->lang, 0, sizeof(e->lang));
	if (strlen(s->lang) == 3)
		memcpy(e->lang, s->lang, 3);
	e->nal_len = 0;
	e->ps.len = 0;
	e->ps.failed = 0;
	if (e->video && (sd_tsm_param_sets(e->hevc, s->config,
	    s->config_len, &e->ps, &e->nal_len) == -1 || e->ps.failed)) {
		e->ps.len = 0;	/* AUs must carry their own */
		e->ps.failed = 0;
	}
	e->aac_ok = s->codec == SD_TSD_AAC_ADTS && sd_tsm_asc(s->config,
	    s->config_len, &e->aac_profile, &e->aac_sr, &e->aac_ch) == 0;
	return 0;
}

struct sd_tsm *
sd_tsm_new(const struct sd_tsm_stream *s, int n)
{
	struct sd_tsm *m;
	int i;

	if (n < 1 || n > SD_TSM_MAX_STREAMS || (m = calloc(1, sizeof(*m))) ==
	    NULL)
		return NULL;
	m->n = n;
	for (i = 0; i < n; i++) {
		m->es[i].pid = SD_TSM_FIRST_PID + i;
		m->es[i].cc = 15;	/* the first packet counts 0 */
		if (es_set(&m->es[i], &s[i]) == -1) {
			sd_tsm_free(m);
			return NULL;
		}
	}
	for (i = n - 1; i >= 0; i--)	/* the first video, else stream 0 */
		if (m->es[i].video || i == 0)
			m->pcr = i;
	m->pat_cc = m->pmt_cc = 15;
	m->need_psi = 1;
	return m;
}

void
sd_tsm_free(struct sd_tsm *m)
{
	int i;

	if (m == NULL)
		return;
	for (i = 0; i < m->n; i++) {
		sd_bytes_free(&m->es[i].ps);
		sd_bytes_free(&m->es[i].pes);
	}
	sd_bytes_free(&m->out);
	sd_bytes_free(&m->au);
	free(m);
}

/* ------------------------------------------------------------ packets */

/* The output, begun again once the caller took a segment. */
static struct sd_bytes *
out_of(struct sd_tsm *m)
{
	if (m->taken) {
		m->out.len = 0;
		m->taken = 0;
	}
	return &m->out;
}

static void
put_header(struct sd_bytes *o, int pid, int pusi, int afc, int cc)
{
	sd_put_u8(o, 0x47);
	sd_put_u16(o, (unsigned)((pusi ? 0x4000 : 0) | pid));
	sd_put_u8(o, (unsigned)(afc << 4 | (cc & 0xf)));
}

/* PCR: 33-bit base at 90 kHz, 6 reserved bits, a 9-bit extension. */
static void
put_pcr(struct sd_bytes *o, int64_t base)
{
	uint64_t b = (uint64_t)base & TS_MASK;

	sd_put_u32(o, (uint32_t)(b >> 1));
	sd_put_u16(o, (unsigned)((b & 1) << 15 | 0x7e00));
}

/*
 * One packet of e's PES: up to 184 bytes of the two spans (header, then
 * payload), an adaptation field with flags (0x40 RAI), a PCR when pcr >= 0
 * and stuffing when the bytes run short; the spans move past what it took.
 */
static void
pes_packet(struct sd_tsm *m, struct tsm_es *e, int pusi, unsigned flags,
    int64_t pcr, const uint8_t **span, size_t *len)
{
	struct sd_bytes *o = out_of(m);
	size_t af_min, take, af, k, left = len[0] + len[1];

	if (pcr >= 0)
		flags |= 0x10;
	af_min = flags != 0 ? 2 + (pcr >= 0 ? 6 : 0) : 0;
	take = left < 184 - af_min ? left : 184 - af_min;
	af = 184 - take;
	e->cc = (e->cc + 1) & 0xf;
	put_header(o, e->pid, pusi, af > 0 ? 3 : 1, e->cc);
	if (af > 0) {
		sd_put_u8(o, (unsigned)(af - 1));
		if (af > 1) {
			sd_put_u8(o, flags);
			if (pcr >= 0)
				put_pcr(o, pcr);
			for (k = af_min > 0 ? af_min : 2; k < af; k++)
				sd_put_u8(o, 0xff);
		}
	}
	for (k = 0; k < 2 && take > 0; k++) {
		size_t t = len[k] < take ? len[k] : take;
		sd_bytes_put(o, span[k], t);
		span[k] += t;
		len[k] -= t;
		take -= t;
	}
}

/* A section (CRC appended here) in one packet of pid, 0xff after it. */
static void
psi_packet(struct sd_tsm *m, int pid, int *cc, uint8_t *sec, size_t n)
{
	struct sd_bytes *o = out_of(m);
	uint32_t crc = sd_ts_crc32(sec, n);
	size_t k;

	sec[n] = (uint8_t)(crc >> 24);
	sec[n + 1] = (uint8_t)(crc >> 16);
	sec[n + 2] = (uint8_t)(crc >> 8);
	sec[n + 3] = (uint8_t)crc;
	n += 4;
	*cc = (*cc + 1) & 0xf;
	put_header(o, pid, 1, 1, *cc);
	sd_put_u8(o, 0);		/* pointer_field */
	sd_bytes_put(o, sec, n);
	for (k = 5 + n; k < PKT; k++)
		sd_put_u8(o, 0xff);
}

/* The first 8 bytes of a long-form section: through last_section_number. */
static size_t
psi_head(uint8_t *s, int table_id, size_t body, unsigned ext, int version)
{
	size_t len = 5 + body + 4;	/* after section_length, CRC in */

	s[0] = (uint8_t)table_id;
	s[1] = (uint8_t)(0xb0 | len >> 8);
	s[2] = (uint8_t)len;
	s[3] = (uint8_t)(ext >> 8);
	s[4] = (uint8_t)ext;
	s[5] = (uint8_t)(0xc1 | (version & 0x1f) << 1);
	s[6] = 0;
	s[7] = 0;
	return 8;
}

static void
write_pat(struct sd_tsm *m)
{
	uint8_t s[PSI_MAX];
	size_t k = psi_head(s, 0x00, 4, 1, 0);

	s[k++] = 0;
	s[k++] = 1;		/* program_number 1 */
	s[k++] = (uint8_t)(0xe0 | SD_TSM_PMT_PID >> 8);
	s[k++] = (uint8_t)(SD_TSM_PMT_PID & 0xff);
	psi_packet(m, 0, &m->pat_cc, s, k);
}

static void
write_pmt(struct sd_tsm *m)
{
	uint8_t s[PSI_MAX];
	size_t k = 12, body;
	int i;

	for (i = 0; i < m->n; i++) {
		const struct tsm_es *e = &m->es[i];
		int dlen = e->lang[0] != '\0' ? 6 : 0;
		s[k++] = (uint8_t)e->stream_type;
		s[k++] = (uint8_t)(0xe0 | e->pid >> 8);
		s[k++] = (uint8_t)e->pid;
		s[k++] = (uint8_t)(0xf0 | dlen >> 8);
		s[k++] = (uint8_t)dlen;
		if (dlen > 0) {	/* ISO_639_language_descriptor */
			s[k++] = 0x0a;
			s[k++] = 4;
			memcpy(s + k, e->lang, 3);
			k += 3;
			s[k++] = 0;	/* audio_type undefined */
		}
	}
	body = k - 8;
	psi_head(s, 0x02, body, 1, m->version);
	s[8] = (uint8_t)(0xe0 | m->es[m->pcr].pid >> 8);
	s[9] = (uint8_t)m->es[m->pcr].pid;
	s[10] = 0xf0;		/* program_info_length 0 */
	s[11] = 0;
	psi_packet(m, SD_TSM_PMT_PID, &m->pmt_cc, s, k);
}

/* ------------------------------------------------------------ PES */

static void
put_ts(uint8_t *p, int prefix, int64_t v)
{
	uint64_t t = (uint64_t)v & TS_MASK;

	p[0] = (uint8_t)(prefix << 4 | (t >> 29 & 0x0e) | 1);
	p[1] = (uint8_t)(t >> 22);
	p[2] = (uint8_t)((t >> 14 & 0xfe) | 1);
	p[3] = (uint8_t)(t >> 7);
	p[4] = (uint8_t)((t << 1 & 0xfe) | 1);
}

/* The PES header of n payload bytes into h; its length. */
static size_t
pes_header(const struct tsm_es *e, uint8_t *h, size_t n, int64_t pts,
    int64_t dts)
{
	int both = ((pts - dts) & TS_MASK) != 0;
	size_t hl = both ? 10 : 5, len = 3 + hl + n;

	h[0] = 0;
	h[1] = 0;
	h[2] = 1;
	h[3] = (uint8_t)e->stream_id;
	if (e->video || len > 0xffff)
		len = 0;	/* unbounded: video may */
	h[4] = (uint8_t)(len >> 8);
	h[5] = (uint8_t)len;
	h[6] = 0x84;		/* '10', data_alignment_indicator */
	h[7] = both ? 0xc0 : 0x80;
	h[8] = (uint8_t)hl;
	put_ts(h + 9, both ? 3 : 2, pts);
	if (both)
		put_ts(h + 14, 1, dts);
	return 9 + hl;
}

/* One PES of e: payload p[0..n), PAT and PMT first when a segment starts. */
static int
write_pes(struct sd_tsm *m, struct tsm_es *e, const uint8_t *p, size_t n,
    int64_t pts, int64_t dts, int key)
{
	uint8_t h[19];
	const uint8_t *span[2];
	size_t len[2];
	int pusi = 1;

	if (m->need_psi) {
		write_pat(m);
		write_pmt(m);
		m->need_psi = 0;
	}
	span[0] = h;
	len[0] = pes_header(e, h, n, pts, dts);
	span[1] = p;
	len[1] = n;
	while (len[0] + len[1] > 0) {
		int first = pusi;
		pes_packet(m, e, pusi, first && key ? 0x40 : 0,
		    first && e == &m->es[m->pcr] ? dts : -1, span, len);
		pusi = 0;
	}
	return m->out.failed ? -1 : 0;
}

/* The audio frames waiting on e, as one PES. */
static int
audio_flush(struct sd_tsm *m, struct tsm_es *e)
{
	int rv;

	if (e->pes.len == 0)
		return 0;
	/* every audio frame is a random access point (as libavformat
	 * marks it) */
	rv = write_pes(m, e, e->pes.p, e->pes.len, e->pes_pts, e->pes_dts, 1);
	e->pes.len = 0;
	return rv;
}

static int
audio_au(struct sd_tsm *m, struct tsm_es *e, const uint8_t *p, size_t n,
    int64_t pts, int64_t dts)
{
	uint8_t adts[7];
	size_t hn = 0;

	if (e->codec == SD_TSD_AAC_ADTS && !sd_tsm_is_adts(p, n)) {
		if (!e->aac_ok || sd_tsm_adts_header(adts, e->aac_profile,
		    e->aac_sr, e->aac_ch, n) == -1)
			return 1;
		hn = sizeof(adts);
	}
	if (e->pes.len > 0 && (e->pes.len + hn + n > SD_TSM_AUDIO_PES ||
	    ((pts - e->pes_pts) & TS_MASK) >= SD_TSM_AUDIO_SPAN) &&
	    audio_flush(m, e) == -1)
		return -1;
	if (e->pes.len == 0) {
		e->pes_pts = pts;
		e->pes_dts = dts;
	}
	e->pes.failed = 0;
	sd_bytes_put(&e->pes, adts, hn);
	sd_bytes_put(&e->pes, p, n);
	if (e->pes.failed)
		return -1;
	/* a frame as big as a PES goes at once */
	return e->pes.len >= SD_TSM_AUDIO_PES ? audio_flush(m, e) : 0;
}

int
sd_tsm_au(struct sd_tsm *m, int i, const uint8_t *p, size_t n, int64_t pts,
    int64_t dts, unsigned flags)
{
	struct tsm_es *e;
	const uint8_t *q;
	size_t qn;
	int rv;

	if (i < 0 || i >= m->n || n == 0 || n > SD_TSM_AU_MAX)
		return 1;
	e = &m->es[i];
	if (!e->video)
		return audio_au(m, e, p, n, pts, dts);
	rv = sd_tsm_video_au(e->hevc, p, n, (flags & SD_TSM_KEY) != 0,
	    e->ps.p, e->ps.len, e->nal_len, &m->au, &q, &qn);
	if (rv != 0)
		return rv;
	return write_pes(m, e, q, qn, pts, dts, (flags & SD_TSM_KEY) != 0);
}

int
sd_tsm_set_stream(struct sd_tsm *m, int i, const struct sd_tsm_stream *s)
{
	struct tsm_es *e;
	const char *why;

	if (i < 0 || i >= m->n || sd_tsm_supported(s, &why) == -1)
		return -1;
	e = &m->es[i];
	if (audio_flush(m, e) == -1 || es_set(e, s) == -1)
		return -1;
	m->version = (m->version + 1) & 0x1f;
	m->need_psi = 1;
	return 0;
}

int
sd_tsm_cut(struct sd_tsm *m, const uint8_t **p, size_t *len)
{
	int i;

	for (i = 0; i < m->n; i++)
		if (audio_flush(m, &m->es[i]) == -1)
			return -1;
	out_of(m);
	if (m->out.failed) {	/* this segment is lost, not the next */
		m->out.len = 0;
		m->out.failed = 0;
		m->need_psi = 1;
		return -1;
	}
	*p = m->out.p;
	*len = m->out.len;
	m->taken = 1;
	m->need_psi = 1;
	return 0;
}
