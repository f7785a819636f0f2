/*
 * av_seg.c - the segmenter of sd-cmafmux: samples held for the segment in
 * hand (by reference to the demuxer's buffers where possible), cuts shared
 * by every track, each segment written as one atomic file, and cuts
 * published to the store (index and manifests) once all their segments
 * are on disk, in order.
 *
 * A cut closes segment seq of every track at one presentation time: the
 * video (or, without video, the first audio track) declares it at a
 * keyframe; the others close at their first sample at or after it, which
 * may come later in the input. The index only ever names files that are
 * complete: a cut enters it when every track's segment for it is written.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>

#include "sd.h"
#include "av_mux.h"

#define SEG_SAMPLES_MAX	100000		/* one segment, one track */
#ifndef IOV_MAX
#define IOV_MAX		1024
#endif

/* ---------------------------------------------------------------- files */

/* Write all of iov[0..n) to fd, IOV_MAX at a time; iov is consumed. */
static int
writev_all(int fd, struct iovec *iov, size_t n)
{
	size_t i = 0;
	ssize_t w;

	while (i < n) {
		if (iov[i].iov_len == 0) {
			i++;
			continue;
		}
		w = writev(fd, iov + i, (int)(n - i < IOV_MAX ? n - i : IOV_MAX));
		if (w == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		while (i < n && (size_t)w >= iov[i].iov_len) {
			w -= (ssize_t)iov[i].iov_len;
			iov[i++].iov_len = 0;
		}
		if (i < n) {
			iov[i].iov_base = (char *)iov[i].iov_base + w;
			iov[i].iov_len -= (size_t)w;
		}
	}
	return 0;
}

/*
 * Write iov to DIR/NAME through a temporary and rename(2): a reader sees
 * the whole file or none.
 */
int
sd_mux_write_iov(const char *dir, const char *name, struct iovec *iov,
    size_t n)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	int fd, saved;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path) || (size_t)snprintf(tmp, sizeof(tmp),
	    "%s/.%s.XXXXXX", dir, name) >= sizeof(tmp)) {
		warnx("%s/%s: path too long", dir, name);
		return -1;
	}
	if ((fd = mkstemp(tmp)) == -1) {
		warn("%s", tmp);
		return -1;
	}
	if (writev_all(fd, iov, n) == -1 || fchmod(fd, 0644) == -1) {
		saved = errno;
		close(fd);
		goto fail;
	}
	if (close(fd) == -1 || rename(tmp, path) == -1) {
		saved = errno;
		goto fail;
	}
	return 0;
fail:
	unlink(tmp);
	errno = saved;
	warn("%s", path);
	return -1;
}

int
sd_mux_write_file(const char *dir, const char *name, const void *head,
    size_t hlen, const void *body, size_t blen)
{
	struct iovec iov[2];

	iov[0].iov_base = (void *)(uintptr_t)head;
	iov[0].iov_len = hlen;
	iov[1].iov_base = (void *)(uintptr_t)body;
	iov[1].iov_len = blen;
	return sd_mux_write_iov(dir, name, iov, 2);
}

/* ---------------------------------------------------------------- samples */

int
sd_mux_samples_reserve(struct trk *t)
{
	struct sample *s;
	size_t cap;

	if (t->n < t->cap)
		return 0;
	if (t->n >= SEG_SAMPLES_MAX) {
		warnx("%s: more than %d samples in one segment (no keyframe?)",
		    t->id, SEG_SAMPLES_MAX);
		return -1;
	}
	cap = t->cap ? t->cap * 2 : 256;
	if ((s = reallocarray(t->s, cap, sizeof(*s))) == NULL)
		return -1;
	t->s = s;
	t->cap = cap;
	return 0;
}

/* The next sample's bytes are len bytes of the packet: keep a reference. */
int
sd_mux_sample_ref(struct trk *t, const AVPacket *pkt, size_t len)
{
	struct sample *s = &t->s[t->n];

	if ((s->buf = av_buffer_ref(pkt->buf)) == NULL)
		return -1;
	s->p = pkt->data;
	(void)len;
	return 0;
}

/* The packet's bytes as the next sample: by reference, else copied. */
int
sd_mux_sample_keep(struct trk *t, const AVPacket *pkt)
{
	struct sample *s = &t->s[t->n];

	s->buf = NULL;
	if (pkt->buf != NULL)
		return sd_mux_sample_ref(t, pkt, (size_t)pkt->size);
	s->off = t->data.len;
	return sd_bytes_put(&t->data, pkt->data, (size_t)pkt->size);
}

/* An AV1 sample: the packet without temporal delimiters. */
int
sd_mux_av1_sample(struct trk *t, const AVPacket *pkt, long *len)
{
	struct sample *s = &t->s[t->n];

	if (pkt->buf != NULL && av_buffer_is_writable(pkt->buf)) {
		*len = (long)sd_av1_strip(pkt->data, (size_t)pkt->size);
		return sd_mux_sample_ref(t, pkt, (size_t)*len);
	}
	s->buf = NULL;
	s->off = t->data.len;
	if (sd_bytes_put(&t->data, pkt->data, (size_t)pkt->size) == -1)
		return -1;
	*len = (long)sd_av1_strip(t->data.p + s->off, (size_t)pkt->size);
	t->data.len = s->off + (size_t)*len;
	return 0;
}

/* Forget the first k samples of the segment in hand. */
void
sd_mux_samples_drop(struct trk *t, size_t k)
{
	size_t bytes = 0, i;

	if (k == 0)
		return;
	for (i = 0; i < k; i++) {
		t->hand_bytes -= t->s[i].size;
		if (t->s[i].buf != NULL)
			av_buffer_unref(&t->s[i].buf);
		else
			bytes += t->s[i].size;
	}
	memmove(t->s, t->s + k, (t->n - k) * sizeof(*t->s));
	t->n -= k;
	if (bytes == 0)
		return;
	memmove(t->data.p, t->data.p + bytes, t->data.len - bytes);
	t->data.len -= bytes;
	for (i = 0; i < t->n; i++)
		if (t->s[i].buf == NULL)
			t->s[i].off -= bytes;
}

/* ---------------------------------------------------------------- output */

int64_t
sd_mux_origin_in(const struct mux *m, const struct trk *t)
{
	return av_rescale_rnd(m->origin, t->ts, m->origin_ts, AV_ROUND_DOWN);
}

/* The first presentation time of the segment in hand. */
static int64_t
first_time(const struct trk *t)
{
	return t->video ? t->s[0].dts + t->delay : t->s[0].dts;
}

/* t=0: the earliest first presentation time over the tracks. */
static void
fix_origin(struct mux *m)
{
	int64_t best_us = INT64_MAX;
	size_t i;

	if (m->have_origin)
		return;
	for (i = 0; i < m->ntrk; i++) {
		struct trk *t = &m->trk[i];
		if (t->n == 0 || t->gone)
			continue;
		if (sd_mux_us(t, first_time(t)) < best_us) {
			best_us = sd_mux_us(t, first_time(t));
			m->origin = first_time(t);
			m->origin_ts = t->ts;
		}
	}
	m->have_origin = 1;
	m->store.start = m->wall_start;
}

/* The track whose cuts the MPEG-TS segments follow. */
static struct trk *
ts_driver(struct mux *m)
{
	return m->has_video ? &m->trk[0] : m->driver;
}

struct cut *
sd_mux_cut_of(struct mux *m, uint64_t seq)
{
	return &m->cuts[seq % CUTS_MAX];
}

/* The segment's boxes, then each sample's bytes where they lie. */
static int
seg_iov(struct mux *m, const struct trk *t, size_t k)
{
	struct iovec *iov = m->iov;
	size_t i;

	if (k + 1 > m->iov_cap) {
		if ((iov = reallocarray(m->iov, k + 1, sizeof(*iov))) == NULL)
			return -1;
		m->iov = iov;
		m->iov_cap = k + 1;
	}
	iov[0].iov_base = m->head.p;
	iov[0].iov_len = m->head.len;
	for (i = 0; i < k; i++) {
		const struct sample *s = &t->s[i];
		iov[i + 1].iov_base = (void *)(uintptr_t)(s->buf != NULL ?
		    s->p : t->data.p + s->off);
		iov[i + 1].iov_len = s->size;
	}
	return 0;
}

/*
 * Write the segment of the first k samples of t, which ends at end
 * (internal time), as its seq; remember its index line for the cut.
 */
int
sd_mux_flush_seg(struct mux *m, struct trk *t, size_t k, int64_t end)
{
	struct sd_cmaf_sample *cs = m->cs;
	struct sd_store_seg *rec;
	struct cut *c = sd_mux_cut_of(m, t->seq);
	int64_t t0, origin;
	size_t i, bytes = 0;
	int rv;

	if (k == 0 || k > t->n)
		return 0;
	fix_origin(m);
	origin = sd_mux_origin_in(m, t);
	if (k > m->cs_cap) {
		if ((cs = reallocarray(m->cs, k, sizeof(*cs))) == NULL)
			return -1;
		m->cs = cs;
		m->cs_cap = k;
	}
	for (i = 0; i < k; i++) {
		int64_t next = i + 1 < k ? t->s[i + 1].dts : end;
		int64_t d = next - t->s[i].dts;
		cs[i].size = t->s[i].size;
		cs[i].duration = d > 0 && d < UINT32_MAX ? (uint32_t)d : 1;
		cs[i].sync = t->s[i].key;
		cs[i].cto = (int32_t)(t->s[i].pts - t->s[i].dts - t->delay);
		bytes += t->s[i].size;
	}
	t0 = t->s[0].dts + (t->video ? t->delay : 0) - origin;
	if (t0 < 0)
		t0 = 0;
	m->head.len = 0;
	if (sd_cmaf_segment(&t->ct, (uint32_t)(t->seq + 1), (uint64_t)t0, cs,
	    k, &m->head) == -1) {
		warnx("%s: segment %llu: cannot build its boxes", t->id,
		    (unsigned long long)t->seq);
		return -1;
	}
	rec = &c->seg[t - m->trk];
	memset(rec, 0, sizeof(*rec));
	rec->track = (uint8_t)t->store_idx;
	rec->seq = t->seq;
	rec->t = t0;
	rec->d = end - t->s[0].dts > 0 ? end - t->s[0].dts : 1;
	rec->bytes = m->head.len + bytes;
	rec->disc = (uint8_t)t->disc_next;
	snprintf(rec->file, sizeof(rec->file), "%s-%llu.m4s", t->id,
	    (unsigned long long)t->seq);
	strlcpy(rec->init, t->init, sizeof(rec->init));
	if (seg_iov(m, t, k) == -1)
		return -1;
	rv = sd_mux_write_iov(m->o->dir, rec->file, m->iov, k + 1);
	if (rv == -1)
		return -1;
	c->have |= 1u << (t - m->trk);
	if (m->tsseg != NULL && t == ts_driver(m)) {
		int64_t t90 = av_rescale(rec->t, 90000, t->ts);
		if (sd_tsseg_cut(m, t->seq, t90, av_rescale(rec->t + rec->d,
		    90000, t->ts) - t90) == -1)
			return -1;
	}
	t->bytes_total += rec->bytes;
	t->dur_total += rec->d;
	sd_mux_samples_drop(t, k);
	t->disc_next = 0;
	t->seq++;
	return 0;
}

static void
store_track(struct mux *m, struct trk *t)
{
	struct sd_store_track *s = &m->store.tracks[m->store.ntracks];
	AVRational fr = t->st->avg_frame_rate;

	memset(s, 0, sizeof(*s));
	strlcpy(s->id, t->id, sizeof(s->id));
	strlcpy(s->type, t->video ? "video" : "audio", sizeof(s->type));
	strlcpy(s->codec, avcodec_get_name(t->par->codec_id), sizeof(s->codec));
	strlcpy(s->codecs, t->codecs, sizeof(s->codecs));
	s->timescale = t->ts;
	if (t->video) {
		s->width = t->par->width;
		s->height = t->par->height;
		if (fr.num > 0 && fr.den > 0 && fr.num < 1000000 &&
		    fr.den < 100000) {
			if (fr.den == 1)
				snprintf(s->frame_rate, sizeof(s->frame_rate),
				    "%d", fr.num);
			else
				snprintf(s->frame_rate, sizeof(s->frame_rate),
				    "%d/%d", fr.num, fr.den);
		}
	} else {
		s->sample_rate = t->sample_rate;
		s->channels = t->channels;
	}
	strlcpy(s->lang, t->lang, sizeof(s->lang));
	t->store_idx = (int)m->store.ntracks++;
}

/* Tracks enter the index when their first segment does. */
static void
store_tracks(struct mux *m)
{
	size_t i;

	if (m->store_ready)
		return;
	for (i = 0; i < m->ntrk; i++)
		if (m->trk[i].have_hdr && m->trk[i].store_idx < 0)
			store_track(m, &m->trk[i]);
	if (m->o->ts && m->tsseg != NULL) {
		struct sd_store_track *s = &m->store.tracks[m->store.ntracks];
		memset(s, 0, sizeof(*s));
		strlcpy(s->id, "ts", sizeof(s->id));
		strlcpy(s->type, "mpegts", sizeof(s->type));
		sd_tsseg_codecs(m, s->codecs, sizeof(s->codecs));
		s->timescale = 90000;
		m->ts_store_idx = (int)m->store.ntracks++;
	}
	m->store_ready = 1;
}

static void
measured_rates(struct mux *m)
{
	size_t i;

	for (i = 0; i < m->ntrk; i++) {
		struct trk *t = &m->trk[i];
		if (t->dur_total > 0 && t->store_idx >= 0 && t->have_hdr)
			m->store.tracks[t->store_idx].avg_bandwidth =
			    (long long)((double)t->bytes_total * 8 * t->ts /
			    (double)t->dur_total);
	}
}

int
sd_mux_store_write(struct mux *m, int force)
{
	double now = sd_mux_mono();

	if (!force && !m->o->live && now - m->last_index < 1.0)
		return 0;
	m->last_index = now;
	measured_rates(m);
	if (sd_store_write(&m->store, m->o->dir) == -1 ||
	    sd_manifest_write_all(m->o->dir, &m->store, NULL) == -1)
		return -1;
	return 0;
}

static double
seg_secs(const struct mux *m, const struct sd_store_seg *s, size_t k)
{
	return (double)s->t / m->trk[k].ts;
}

/*
 * A cut's segments into the store, the earliest first: the store dates a
 * header generation (a DASH Period) from the first segment it is given.
 */
static int
add_cut(struct mux *m, struct cut *c)
{
	size_t order[TRACKS_MAX], n = 0, i, j;

	for (i = 0; i < m->ntrk; i++) {
		if (!(c->have & (1u << i)))
			continue;
		if (m->trk[i].store_idx < 0)
			store_track(m, &m->trk[i]);
		c->seg[i].track = (uint8_t)m->trk[i].store_idx;
		for (j = n; j > 0 && seg_secs(m, &c->seg[order[j - 1]],
		    order[j - 1]) > seg_secs(m, &c->seg[i], i); j--)
			order[j] = order[j - 1];
		order[j] = i;
		n++;
	}
	for (i = 0; i < n; i++)
		if (sd_store_add_seg(&m->store, &c->seg[order[i]]) == -1)
			return -1;
	return 0;
}

/* Publish every cut whose segments are all written, in order. */
int
sd_mux_publish(struct mux *m)
{
	struct cut *c;
	int any = 0;

	while (m->pub_seq < m->open_seq) {
		c = sd_mux_cut_of(m, m->pub_seq);
		if ((c->have & c->need) != c->need)
			break;
		store_tracks(m);
		/* The first cut after a restart follows other bytes. */
		if (m->resumed && m->store.nsegs == 0) {
			size_t i;

			for (i = 0; i < m->ntrk; i++)
				c->seg[i].disc = 1;
			c->ts_seg.disc = 1;
		}
		if (add_cut(m, c) == -1)
			return -1;
		c->ts_seg.track = (uint8_t)m->ts_store_idx;
		if (c->ts_have && m->ts_store_idx >= 0 &&
		    sd_store_add_seg(&m->store, &c->ts_seg) == -1)
			return -1;
		m->pub_seq++;
		m->segments++;
		any = 1;
		if (m->o->live && sd_mux_live_trim(m) == -1)
			return -1;
		if (m->o->live && sd_mux_store_write(m, 1) == -1)
			return -1;
	}
	if (any && !m->o->live && sd_mux_store_write(m, 0) == -1)
		return -1;
	return 0;
}

/*
 * Declare a cut at presentation time p_us (INT64_MAX: the end): the
 * segments now open close at it. Tracks with nothing yet sit it out.
 */
struct cut *
sd_mux_declare_cut(struct mux *m, int64_t p_us, int disc)
{
	struct cut *c;
	size_t i;

	if (m->open_seq - m->pub_seq >= CUTS_MAX - 1)
		return NULL;
	c = sd_mux_cut_of(m, m->open_seq);
	memset(c, 0, sizeof(*c));
	c->seq = m->open_seq;
	c->p_us = p_us;
	c->disc = disc;
	for (i = 0; i < m->ntrk; i++) {
		struct trk *t = &m->trk[i];
		if (!t->gone && t->started)
			c->need |= 1u << i;
	}
	m->open_seq++;
	return c;
}

/*
 * Audio (and every track that follows the driver): close each pending cut
 * at the first sample at or after its time.
 */
int
sd_mux_follow_cuts(struct mux *m, struct trk *t, int at_end)
{
	struct cut *c;
	size_t k;

	while (t->seq < m->open_seq && !t->gone) {
		c = sd_mux_cut_of(m, t->seq);
		if (!(c->need & (1u << (t - m->trk)))) {
			t->seq++;
			continue;
		}
		for (k = 0; k < t->n && sd_mux_us(t, t->s[k].dts) < c->p_us; k++)
			;
		/*
		 * Wait for a sample past the cut, unless the input has ended:
		 * then what is left belongs to this cut (audio that stops
		 * before the video's last keyframes must not hold them back).
		 */
		if (k == t->n && !at_end)
			break;
		if (k == 0 && t->n > 0)
			k = 1;	/* a gap: no empty segment */
		if (t->n == 0 && at_end) {
			c->need &= ~(1u << (t - m->trk));
			t->seq++;
			continue;
		}
		if (t->n == 0) {
			warnx("%s: no samples for segment %llu; track left out",
			    t->id, (unsigned long long)t->seq);
			t->gone = 1;
			c->need &= ~(1u << (t - m->trk));
			break;
		}
		if (sd_mux_flush_seg(m, t, k, k < t->n ? t->s[k].dts :
		    t->s[t->n - 1].dts + t->s[t->n - 1].dur) == -1)
			return -1;
		t->disc_next = c->disc;
	}
	return 0;
}

int
sd_mux_follow_all(struct mux *m, int at_end)
{
	size_t i;

	for (i = 0; i < m->ntrk; i++)
		if (&m->trk[i] != m->driver &&
		    sd_mux_follow_cuts(m, &m->trk[i], at_end) == -1)
			return -1;
	return sd_mux_publish(m);
}

/* Lagging tracks must not stall the index forever (audio that stops). */
int
sd_mux_unstall(struct mux *m)
{
	size_t i;

	if (m->open_seq - m->pub_seq < CUTS_MAX - 2)
		return 0;
	for (i = 0; i < m->ntrk; i++) {
		struct trk *t = &m->trk[i];
		if (t == m->driver || t->gone || t->seq >= m->pub_seq + 1)
			continue;
		warnx("%s: fell %d segments behind; track left out", t->id,
		    CUTS_MAX - 2);
		t->gone = 1;
	}
	for (i = m->pub_seq; i < m->open_seq; i++) {
		struct cut *c = sd_mux_cut_of(m, i);
		size_t j;
		for (j = 0; j < m->ntrk; j++)
			if (m->trk[j].gone)
				c->need &= ~(1u << j);
	}
	return sd_mux_publish(m);
}

