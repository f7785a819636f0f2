/*
 * av_tsin.c - sd-cmafmux's MPEG-TS input without libavformat's demuxer:
 * tsdemux.c finds the access units, tsframes.c splits audio PES into
 * frames, and each goes down the same flow as a libavformat packet
 * (sd_ingest_packet, av_ingest.c). The streams sd carries get the
 * parameters libavformat's probe would have found (rate, channels, frame
 * rate), read from the bitstream here. No libav* function is called:
 * an MPEG-TS input never loads libavformat (av_edge.h).
 *
 * The head of the input is read first: bytes that are not TS, or a
 * program with a stream only libavcodec can read (Opus, LATM), go to
 * libavformat instead (the edge, av_edge.h), the head replayed on stdin.
 * SD_CMAFMUX_LIBAV=1 in the environment forces libavformat for every
 * input (tests compare).
 *
 * A PMT that changes a PID's video codec (H.264 -> HEVC, a broadcast
 * switch libavformat 5.1 misses) switches the video track: a
 * discontinuity, then a new header at the new codec's first keyframe.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "av_mux.h"
#include "tsdemux.h"
#include "tsframes.h"

#define CHUNK		(348 * 188)	/* one read while probing */
#define RUN_READ	(1394 * 188)	/* one read after: a live session's
					   batch of ring chunks (256 kB) */
#define HEAD_MIN	(8 * 188)	/* bytes to tell TS by */
#define PROBE_MAX	(8 << 20)	/* bytes read before setup at most */
#define PROBE_VIDEO	25		/* video AUs to measure the rate by */
#define PROBE_TIME	(5 * 90000)	/* media time read before setup at
					   most: a stream silent that long is
					   left out, as libavformat's probe
					   leaves it */
#define ES_MAX		(2 * SD_TSD_MAX_STREAMS)
#define CARRY_MAX	(64 << 10)	/* an audio frame across PES */
/*
 * The AAC bit rate esds states is what libavformat's probe averaged
 * (aac_ac3_parser.c): over the frames of the audio PES read before the
 * video's 22nd access unit (its parser's 21st frame, the 20 frame
 * durations it measures the rate by); over the first PES without video.
 * Stores made either way then hold the same bytes.
 */
#define RATE_VIDEO_AUS	22

/* What one TS stream (tsdemux stream id) is to the mux. */
struct es {
	int sid, pid, video;
	enum sd_tsd_codec codec;
	char lang[4];
	int sidx;			/* its sd_stream, or -1: not carried */
	/* probe */
	struct sd_tsf first;
	int have_first, nvideo, have_key;
	int64_t dts0, dtsn;
	int64_t avg_rate;		/* AAC: the running average, bits/s */
	int nrate, npes;
	/* audio frames across PES */
	uint8_t *carry;
	size_t ncarry;
	int64_t carry_pts;
	unsigned carry_flags;
	struct sd_pkt *held;		/* video, AC-3: the AU before */
	int64_t frame_dur;		/* video, 90 kHz */
	int rate_unknown;		/* audio silent through the probe */
};

struct queued {
	int sid;
	struct sd_pkt *pkt;
};

struct tsin {
	struct mux *m;
	struct sd_tsd *d;
	int fd, own_fd;
	int probing, fallback, program_seen, eof, ended;
	uint8_t *head;			/* every byte read while probing */
	size_t nhead, head_cap, replayed;
	struct es es[ES_MAX];
	size_t nes;
	int has_video, video_aus;	/* in the probe */
	int64_t t_first;		/* the first AU's time, or NOTS */
	int probe_timed_out;
	struct queued *q;
	size_t nq, qcap;
	int err;
};

/* ---------------------------------------------------------------- input */

static int
forced_libav(void)
{
	const char *e = getenv("SD_CMAFMUX_LIBAV");

	return e != NULL && *e != '\0' && strcmp(e, "0") != 0;
}

/* Sync bytes at one packet stride from some offset: TS (188, 192, 204). */
static int
looks_ts(const uint8_t *p, size_t n)
{
	static const size_t strides[] = { 188, 192, 204 };
	size_t s, off, k;

	for (s = 0; s < 3; s++)
		for (off = 0; off < strides[s] && off < n; off++) {
			for (k = 0; k < 5 && off + k * strides[s] < n; k++)
				if (p[off + k * strides[s]] != 0x47)
					break;
			if (k == 5)
				return 1;
		}
	return 0;
}

/* One read into buf; 0 at the end, -1 on error or at the signal. */
static ssize_t
read_some(struct tsin *in, uint8_t *buf, size_t cap)
{
	const struct sd_mux_opts *o = in->m->o;
	ssize_t n;

	for (;;) {
		if (o->stop != NULL && *o->stop) {
			in->m->interrupted = 1;
			return -1;
		}
		if ((n = read(in->fd, buf, cap)) >= 0)
			return n;
		if (errno != EINTR) {
			warn("%s", o->input);
			return -1;
		}
	}
}

static int
head_grow(struct tsin *in, size_t more)
{
	uint8_t *p;
	size_t cap = in->head_cap ? in->head_cap : CHUNK;

	while (cap - in->nhead < more)
		cap *= 2;
	if (cap == in->head_cap)
		return 0;
	if ((p = realloc(in->head, cap)) == NULL)
		return -1;
	in->head = p;
	in->head_cap = cap;
	return 0;
}

static int let_go(struct tsin *, struct es *);

/* ---------------------------------------------------------------- streams */

static struct es *
es_of(struct tsin *in, int sid)
{
	size_t i;

	for (i = 0; i < in->nes; i++)
		if (in->es[i].sid == sid)
			return &in->es[i];
	return NULL;
}

/* Is e still in the program now followed? */
static int
es_live(const struct sd_tsd_program *p, const struct es *e)
{
	int i;

	for (i = 0; i < p->nstreams; i++)
		if (p->streams[i].id == e->sid)
			return 1;
	return 0;
}

/*
 * A slot for a stream of program p: a new one, or one of a stream gone
 * that feeds no track (a channel switching codecs back and forth for
 * days gets a new stream id each time).
 */
static struct es *
es_slot(struct tsin *in, const struct sd_tsd_program *p)
{
	size_t i;
	struct es *e;

	if (in->nes < ES_MAX)
		return &in->es[in->nes++];
	for (i = 0; i < in->nes; i++) {
		e = &in->es[i];
		if (e->sidx < 0 && e->held == NULL && !es_live(p, e)) {
			free(e->carry);
			return e;
		}
	}
	return NULL;
}

static void
es_add(struct tsin *in, const struct sd_tsd_program *p,
    const struct sd_tsd_stream *s)
{
	struct es *e;

	if (es_of(in, s->id) != NULL || s->codec == SD_TSD_NONE ||
	    (e = es_slot(in, p)) == NULL)
		return;
	memset(e, 0, sizeof(*e));
	e->sid = s->id;
	e->pid = s->pid;
	e->video = s->is_video;
	e->codec = s->codec;
	strlcpy(e->lang, s->lang, sizeof(e->lang));
	e->sidx = -1;
}

static enum AVCodecID
codec_id(const struct es *e)
{
	switch (e->codec) {
	case SD_TSD_H264: return AV_CODEC_ID_H264;
	case SD_TSD_HEVC: return AV_CODEC_ID_HEVC;
	case SD_TSD_AAC_ADTS: return AV_CODEC_ID_AAC;
	case SD_TSD_AC3: return AV_CODEC_ID_AC3;
	case SD_TSD_EAC3: return AV_CODEC_ID_EAC3;
	case SD_TSD_MPEG_AUDIO:
		/* unknown until a frame came: MP3, as libavformat says */
		return e->first.layer == 2 ? AV_CODEC_ID_MP2 :
		    e->first.layer == 1 ? AV_CODEC_ID_MP1 : AV_CODEC_ID_MP3;
	default: return AV_CODEC_ID_NONE;
	}
}

/* The track a stream new in this PMT takes over: its PID's, or one gone. */
static struct es *
es_heir(struct tsin *in, const struct sd_tsd_program *p, const struct es *n)
{
	size_t i;
	struct es *o;

	for (i = 0; i < in->nes; i++) {
		o = &in->es[i];
		if (o == n || o->sidx < 0 || o->video != n->video ||
		    es_live(p, o))
			continue;
		if (o->pid == n->pid || o->video || o->codec == n->codec)
			return o;
	}
	return NULL;
}

/* A video track now fed another codec: new header at its first key. */
static void
switch_video(struct tsin *in, struct es *e)
{
	struct mux *m = in->m;
	struct trk *t;
	int ti = m->by_stream[e->sidx];

	if (ti < 0)
		return;
	t = &m->trk[ti];
	t->par->codec_id = codec_id(e);
	t->st->par.codec_id = t->par->codec_id;
	t->hevc = e->codec == SD_TSD_HEVC;
	t->codec_switch = 1;
	t->need_key = t->started;
	m->cq.disc_pending = 1;
	if (m->o->verbose)
		warnx("%s: the PMT says %s now: new header at its first "
		    "keyframe", t->id, sd_tsd_codec_name(e->codec));
}

static int
on_program(void *arg, const struct sd_tsd_program *p)
{
	struct tsin *in = arg;
	struct es *e, *o;
	int i;

	in->program_seen = 1;
	for (i = 0; i < p->nstreams; i++) {
		const struct sd_tsd_stream *s = &p->streams[i];
		if (in->probing && (s->codec == SD_TSD_OPUS ||
		    s->codec == SD_TSD_AAC_LATM)) {
			in->fallback = 1;	/* libavcodec reads these */
			return 1;
		}
		es_add(in, p, s);
		in->has_video |= s->is_video;
	}
	for (i = 0; (size_t)i < in->nes; i++)
		if (!es_live(p, &in->es[i]) && let_go(in, &in->es[i]) == -1)
			return -1;
	if (in->probing)
		return 0;
	for (i = 0; i < p->nstreams; i++) {
		if (!p->is_new[i] || (e = es_of(in, p->streams[i].id)) == NULL ||
		    e->sidx >= 0 || (o = es_heir(in, p, e)) == NULL)
			continue;
		if (!e->video && e->codec != o->codec)
			continue;	/* an audio codec change: left out */
		e->sidx = o->sidx;
		e->first = o->first;
		o->sidx = -1;
		if (e->video && e->codec != o->codec)
			switch_video(in, e);
	}
	return 0;
}

/* ---------------------------------------------------------------- packets */

/* A packet of n bytes of its own. */
static struct sd_pkt *
pkt_new(size_t n)
{
	struct sd_pkt *pkt = malloc(sizeof(*pkt));

	if (pkt != NULL && sd_pkt_alloc(pkt, n) == -1) {
		sd_pkt_unref(pkt);
		free(pkt);
		return NULL;
	}
	return pkt;
}

static void
pkt_free(struct sd_pkt **pkt)
{
	if (*pkt == NULL)
		return;
	sd_pkt_unref(*pkt);
	free(*pkt);
	*pkt = NULL;
}

static int
enqueue(struct tsin *in, int sid, struct sd_pkt *pkt)
{
	struct queued *q;

	if (in->nq == in->qcap) {
		size_t cap = in->qcap ? 2 * in->qcap : 256;
		if ((q = reallocarray(in->q, cap, sizeof(*q))) == NULL)
			return -1;
		in->q = q;
		in->qcap = cap;
	}
	in->q[in->nq].sid = sid;
	in->q[in->nq].pkt = pkt;
	in->nq++;
	return 0;
}

/* A packet on its way down the flow (or queued while probing). */
static int
out(struct tsin *in, struct es *e, struct sd_pkt *pkt)
{
	int rv = 0;

	if (in->probing)
		return enqueue(in, e->sid, pkt);
	pkt->stream_index = e->sidx;
	if (e->video && pkt->duration == 0)
		pkt->duration = e->frame_dur;
	if (e->sidx >= 0)
		rv = sd_ingest_packet(in->m, pkt);
	pkt_free(&pkt);
	return rv;
}

/* The video AU held back, let go (a stream's end, a program change). */
static int
let_go(struct tsin *in, struct es *e)
{
	struct sd_pkt *held = e->held;

	e->held = NULL;
	return held != NULL ? out(in, e, held) : 0;
}

/*
 * An access unit as a packet of its stream. Video and AC-3 go one AU
 * late, as libavcodec's parsers hand such a frame out when the next one
 * begins (its ADTS and MPEG audio parsers do not wait): the tracks then
 * see the packets in libavformat's order, and the -T segments interleave
 * the same.
 */
static int
emit(struct tsin *in, struct es *e, const uint8_t *p, size_t n,
    int64_t pts, int64_t dts, int key, int damaged, int64_t dur)
{
	struct sd_pkt *pkt;

	if (n > INT_MAX || (pkt = pkt_new(n)) == NULL)
		return -1;
	memcpy(pkt->data, p, n);
	pkt->pts = pts == SD_TSD_NOTS ? AV_NOPTS_VALUE : pts;
	pkt->dts = dts == SD_TSD_NOTS ? AV_NOPTS_VALUE : dts;
	pkt->duration = dur;
	pkt->flags = (key ? SD_PKT_KEY : 0) | (damaged ? SD_PKT_CORRUPT : 0);
	if (!e->video && e->codec != SD_TSD_AC3 && e->codec != SD_TSD_EAC3)
		return out(in, e, pkt);
	if (e->codec == SD_TSD_HEVC && e->held != NULL && pkt->size > 4 &&
	    memcmp(pkt->data, "\0\0\0\1", 4) == 0) {
		/* libavcodec's HEVC parser cuts at 00 00 01: the zero before
		 * is the previous frame's last byte (in the zeroed padding
		 * past the held packet's end, av_pkt.c) */
		e->held->size++;
		e->held->data[e->held->size - 1] = 0;
		pkt->data++;
		pkt->size--;
	}
	if (let_go(in, e) == -1) {
		pkt_free(&pkt);
		return -1;
	}
	e->held = pkt;
	return 0;
}

/* Every video AU held back, at the end of the input. */
static int
let_all_go(struct tsin *in)
{
	size_t i;

	for (i = 0; i < in->nes; i++)
		if (let_go(in, &in->es[i]) == -1)
			return -1;
	return 0;
}

/* One frame into the bit rate libavformat's probe would have averaged. */
static void
average_rate(const struct tsin *in, struct es *e, const struct sd_tsf *f)
{
	int64_t b;

	if (!in->probing || e->codec != SD_TSD_AAC_ADTS || f->samples <= 0 ||
	    (in->has_video ? in->video_aus >= RATE_VIDEO_AUS : e->npes > 0))
		return;
	b = (int64_t)f->len * 8 * f->sample_rate / f->samples;
	e->nrate++;
	e->avg_rate += (b - e->avg_rate) / e->nrate;
}

/*
 * A frame's duration at 90 kHz, rounded down as libavformat states it;
 * the frames after a PES's first are timed as it times them
 * (av_add_stable: on the grid of whole frames from 0).
 */
static int64_t
ticks(int64_t samples, int rate)
{
	return rate > 0 ? samples * 90000 / rate : 0;
}

/*
 * ts (90 kHz) plus a frame of samples at rate, as libavutil's
 * av_add_stable steps it: exact where the step is whole, else on the
 * grid of whole frames from 0, the remainder of ts kept.
 */
static int64_t
add_stable(int64_t ts, int64_t samples, int64_t rate)
{
	int64_t m = samples * 90000, old, old_ts;

	if (m % rate == 0 && ts <= INT64_MAX - m / rate)
		return ts + m / rate;
	if (m < rate)
		return ts;
	old = tl_rescale(ts, rate, m);
	old_ts = tl_rescale(old, m, rate);
	if (old == INT64_MAX || old == AV_NOPTS_VALUE ||
	    old_ts == AV_NOPTS_VALUE)
		return ts;
	return tl_rescale(old + 1, m, rate) + (ts - old_ts);
}

/* The audio frames of a PES (after what the last one left). */
static int
audio_frames(struct tsin *in, struct es *e, const struct sd_tsd_au *au)
{
	const uint8_t *p = au->data;
	size_t n = au->len, i = 0;
	int64_t t = au->pts;
	unsigned damaged = au->flags & SD_TSD_DAMAGED;
	struct sd_tsf f;
	uint8_t *buf = NULL;
	int rv = 0, r;

	if (e->ncarry > 0 && !damaged && !(e->carry_flags & SD_TSD_DAMAGED) &&
	    (buf = malloc(e->ncarry + n)) != NULL) {
		memcpy(buf, e->carry, e->ncarry);
		memcpy(buf + e->ncarry, p, n);
		p = buf;
		n += e->ncarry;
		if (e->carry_pts != SD_TSD_NOTS)
			t = e->carry_pts;
	}
	e->ncarry = 0;
	while (i < n && rv == 0) {
		if ((r = sd_tsf_frame(e->codec, p + i, n - i, &f)) == 0) {
			i++;
			continue;
		}
		if (r == -1)
			break;
		if (!e->have_first) {
			e->first = f;
			e->have_first = 1;
		}
		average_rate(in, e, &f);
		rv = emit(in, e, p + i, f.len, t, t, 1, damaged != 0,
		    e->rate_unknown ? 0 : ticks(f.samples, f.sample_rate));
		if (e->rate_unknown)
			t = SD_TSD_NOTS;	/* libavformat times no more */
		else if (t != SD_TSD_NOTS && f.sample_rate > 0)
			t = add_stable(t, f.samples, f.sample_rate) &
			    ((INT64_C(1) << 33) - 1);
		i += f.len;
	}
	e->npes++;
	if (rv == 0 && i < n && n - i <= CARRY_MAX) {
		uint8_t *c = realloc(e->carry, n - i);
		if (c != NULL) {
			memcpy(c, p + i, n - i);
			e->carry = c;
			e->ncarry = n - i;
			e->carry_pts = t;
			e->carry_flags = au->flags;
		}
	}
	free(buf);
	return rv;
}

static int
on_au(void *arg, const struct sd_tsd_au *au)
{
	struct tsin *in = arg;
	struct es *e = es_of(in, au->stream->id);
	int rv;

	if (e == NULL || (!in->probing && e->sidx < 0) || au->len == 0)
		return 0;
	if (in->probing && au->pts != SD_TSD_NOTS) {
		if (in->t_first == SD_TSD_NOTS)
			in->t_first = au->pts;
		else if (((au->pts - in->t_first) & ((INT64_C(1) << 33) - 1)) >
		    PROBE_TIME && ((au->pts - in->t_first) &
		    ((INT64_C(1) << 33) - 1)) < INT64_C(1) << 32)
			in->probe_timed_out = 1;
	}
	if (!e->video)
		rv = audio_frames(in, e, au);
	else {
		if (in->probing && au->dts != SD_TSD_NOTS) {
			if (e->nvideo++ == 0)
				e->dts0 = au->dts;
			e->dtsn = au->dts;
		}
		in->video_aus += in->probing;
		e->have_key |= (au->flags & SD_TSD_KEY) != 0;
		rv = emit(in, e, au->data, au->len, au->pts, au->dts,
		    (au->flags & SD_TSD_KEY) != 0,
		    (au->flags & SD_TSD_DAMAGED) != 0, 0);
	}
	if (rv == -1)
		in->err = 1;
	return rv == -1 ? -1 : 0;
}

/* ---------------------------------------------------------------- probe */

/* Every stream has told what the tracks need to know. */
static int
probe_done(const struct tsin *in)
{
	size_t i;

	if (!in->program_seen || in->nes == 0)
		return 0;
	if (in->probe_timed_out)
		return 1;
	for (i = 0; i < in->nes; i++) {
		const struct es *e = &in->es[i];
		if (e->video ? e->nvideo < PROBE_VIDEO : !e->have_first)
			return 0;
	}
	return 1;
}

/* The stream of e, in m->streams (room for every es made). */
static void
new_stream(struct tsin *in, struct es *e)
{
	struct mux *m = in->m;
	struct sd_stream *st;
	struct sd_par *par;
	int num, den;

	/* A stream silent through the probe is kept with what the PMT
	 * says, its rate unknown, as libavformat keeps it. */
	if (codec_id(e) == AV_CODEC_ID_MP1)
		return;
	st = &m->streams[m->nstreams];
	st->index = (int)m->nstreams++;
	par = &st->par;
	sd_par_init(par);
	st->tb_num = 1;
	st->tb_den = 90000;
	st->wrap_bits = 33;
	st->duration_us = AV_NOPTS_VALUE;
	par->media = e->video ? 'v' : 'a';
	par->codec_id = codec_id(e);
	strlcpy(st->name, sd_codec_name(par->codec_id), sizeof(st->name));
	if (e->video) {
		if (e->nvideo > 1 && sd_tsf_frame_rate(e->dtsn - e->dts0,
		    e->nvideo - 1, &num, &den) == 0) {
			st->fr_num = num;
			st->fr_den = den;
			e->frame_dur = (int64_t)90000 * den / num;
		}
	} else if (!e->have_first) {
		e->rate_unknown = 1;
	} else {
		par->sample_rate = e->first.sample_rate;
		par->channels = e->first.channels;
		if (par->codec_id == AV_CODEC_ID_AAC) {
			par->frame_size = 1024;
			par->bit_rate = e->avg_rate;
		}
		if (e->codec == SD_TSD_MPEG_AUDIO)
			par->bit_rate = e->first.bit_rate;
	}
	strlcpy(st->lang, e->lang, sizeof(st->lang));
	e->sidx = st->index;
}

/* The queued packets, now that the tracks exist. */
static int
drain(struct tsin *in)
{
	size_t i;
	int rv = 0;

	for (i = 0; i < in->nq; i++) {
		struct sd_pkt *pkt = in->q[i].pkt;
		const struct es *e = es_of(in, in->q[i].sid);
		if (rv == 0 && e != NULL && e->sidx >= 0) {
			pkt->stream_index = e->sidx;
			if (e->video && pkt->duration == 0)
				pkt->duration = e->frame_dur;
			rv = sd_ingest_packet(in->m, pkt);
		}
		pkt_free(&in->q[i].pkt);
	}
	in->nq = 0;
	return rv;
}

static void
queue_free(struct tsin *in)
{
	size_t i;

	for (i = 0; i < in->nq; i++)
		pkt_free(&in->q[i].pkt);
	free(in->q);
	in->q = NULL;
	in->nq = in->qcap = 0;
}

/* Read and demux until every stream is known; 1: TS, 0: libavformat. */
static int
probe(struct tsin *in)
{
	ssize_t n;
	int rv;

	while (!in->eof && in->nhead < HEAD_MIN) {
		if (head_grow(in, CHUNK) == -1)
			return -1;
		if ((n = read_some(in, in->head + in->nhead, CHUNK)) < 0)
			return in->m->interrupted ? 0 : -1;
		in->eof = n == 0;
		in->nhead += (size_t)n;
	}
	if (!looks_ts(in->head, in->nhead))
		return 0;
	rv = sd_tsd_feed(in->d, in->head, in->nhead);
	while (rv == 0 && !in->eof && !probe_done(in) &&
	    in->nhead < PROBE_MAX) {
		if (head_grow(in, CHUNK) == -1)
			return -1;
		if ((n = read_some(in, in->head + in->nhead, CHUNK)) < 0)
			return in->m->interrupted ? 0 : -1;
		in->eof = n == 0;
		rv = sd_tsd_feed(in->d, in->head + in->nhead, (size_t)n);
		in->nhead += (size_t)n;
	}
	if (in->fallback || in->err)
		return in->err ? -1 : 0;
	if (!in->program_seen)
		return 0;	/* sync bytes but no PMT: libavformat judges */
	if (rv == 0 && in->eof) {
		in->ended = 1;
		if ((rv = sd_tsd_end(in->d)) == 0)
			rv = let_all_go(in);
	}
	return in->err || in->fallback || rv != 0 ? -1 : 1;
}

/* ---------------------------------------------------------------- replay */

/*
 * libavformat (the edge) reads the head again, then the rest of stdin:
 * bytes, 0 at the end, -1 at an error or the stop (m->interrupted).
 */
int
sd_tsin_replay(void *arg, uint8_t *buf, int size)
{
	struct mux *m = arg;
	struct tsin *in = m->tsin;
	size_t k;
	ssize_t n;

	if (in == NULL || size <= 0)
		return -1;
	if (in->replayed < in->nhead) {
		k = in->nhead - in->replayed;
		if (k > (size_t)size)
			k = (size_t)size;
		memcpy(buf, in->head + in->replayed, k);
		in->replayed += k;
		return (int)k;
	}
	if (in->eof)
		return 0;
	if ((n = read_some(in, buf, (size_t)size)) < 0)
		return -1;
	return (int)n;
}

/* stdin was read here and is not MPEG-TS: the edge replays its head. */
int
sd_tsin_has_replay(const struct mux *m)
{
	return m->tsin != NULL && m->tsin->own_fd;
}

/* ---------------------------------------------------------------- API */

void
sd_tsin_free(struct mux *m)
{
	struct tsin *in = m->tsin;
	size_t i;

	if (in == NULL)
		return;
	sd_tsd_free(in->d);
	queue_free(in);
	for (i = 0; i < in->nes; i++) {
		free(in->es[i].carry);
		pkt_free(&in->es[i].held);
	}
	if (in->fd > 0)
		close(in->fd);
	free(in->head);
	free(in);
	m->tsin = NULL;
}

static int
tsin_new(struct mux *m, struct tsin **out)
{
	struct sd_tsd_cb cb;
	struct tsin *in;

	*out = NULL;
	if ((in = calloc(1, sizeof(*in))) == NULL)
		return SD_EX_SOFTWARE;
	in->m = m;
	in->probing = 1;
	in->t_first = SD_TSD_NOTS;
	in->fd = -1;
	m->tsin = in;
	if (strcmp(m->o->input, "-") == 0) {
		in->fd = 0;
		in->own_fd = 1;		/* stdin: replayed if not TS */
	} else if ((in->fd = open(m->o->input, O_RDONLY | O_CLOEXEC)) ==
	    -1) {
		warn("%s", m->o->input);
		return errno == ENOENT || errno == EACCES ? SD_EX_NOINPUT :
		    SD_EX_IOERR;
	}
	memset(&cb, 0, sizeof(cb));
	cb.au = on_au;
	cb.program = on_program;
	cb.arg = in;
	if ((in->d = sd_tsd_new(&cb, 0)) == NULL)
		return SD_EX_SOFTWARE;
	*out = in;
	return 0;
}

/*
 * Is the input MPEG-TS we read ourselves? *taken 1: m->streams holds its
 * streams and sd_tsin_run reads it. *taken 0: open it with libavformat
 * (the edge; sd_tsin_replay for stdin). Returns an SD_EX value.
 */
int
sd_tsin_open(struct mux *m, int *taken)
{
	const struct sd_mux_opts *o = m->o;
	struct tsin *in;
	size_t i;
	int rv;

	*taken = 0;
	if (forced_libav() || o->pb != NULL || (o->format != NULL &&
	    strcmp(o->format, "mpegts") != 0) || strstr(o->input, ":") != NULL)
		return 0;
	if ((rv = tsin_new(m, &in)) != 0)
		return rv;
	if ((rv = probe(in)) == -1)
		return in->err ? SD_EX_SOFTWARE : SD_EX_IOERR;
	if (rv == 0) {
		queue_free(in);
		if (!in->own_fd)
			sd_tsin_free(m);	/* libavformat opens the file */
		return 0;
	}
	if ((m->streams = calloc(in->nes ? in->nes : 1,
	    sizeof(*m->streams))) == NULL)
		return SD_EX_SOFTWARE;
	m->nstreams = 0;
	/* the streams of the program as it is now: a switch during the
	 * probe leaves the old codec's out */
	for (i = 0; i < in->nes; i++)
		if (sd_tsd_program(in->d) != NULL &&
		    es_live(sd_tsd_program(in->d), &in->es[i]))
			new_stream(in, &in->es[i]);
	free(in->head);
	in->head = NULL;
	in->nhead = in->head_cap = 0;
	*taken = 1;
	if (o->verbose)
		warnx("%s: MPEG-TS, read by sd's own demuxer", o->input);
	return 0;
}

/* Demux to the end (or the signal); -1: the flow failed (I/O). */
int
sd_tsin_run(struct mux *m)
{
	struct tsin *in = m->tsin;
	uint8_t *buf;
	ssize_t n;
	int rv;

	in->probing = 0;
	if (drain(in) == -1)
		return -1;
	if ((buf = malloc(RUN_READ)) == NULL)
		return -1;
	rv = 0;
	while (rv == 0 && !in->eof) {
		if ((n = read_some(in, buf, RUN_READ)) < 0)
			break;
		if (n == 0)
			in->eof = 1;
		else
			rv = sd_tsd_feed(in->d, buf, (size_t)n);
	}
	free(buf);
	if (rv == 0 && in->eof && !in->ended) {
		in->ended = 1;
		if ((rv = sd_tsd_end(in->d)) == 0)
			rv = let_all_go(in);
	}
	return rv != 0 || in->err ? -1 : 0;
}
