/*
 * av_seg.c - the segmenter of sd-cmafmux: samples held for the segment in
 * hand of each track (by reference to the demuxer's buffers where
 * possible), the cuts (cut.c) applied to them, and the writers: each CMAF
 * header and segment made of cmaf.c's boxes and the samples' bytes, one
 * atomic file (segfile.c); the MPEG-TS segments of -T cut at the same
 * points (av_tsseg.c). Cuts go to the store (av_pub.c) once all their
 * segments are on disk.
 *
 * Memory is one segment per track (the moof needs every sample's size
 * before the data), so it stays flat however long the input is.
 */
#include <err.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "av_mux.h"
#include "segfile.h"

#define SEG_SAMPLES_MAX	100000		/* one segment, one track */

/* ---------------------------------------------------------------- samples */

int
sd_seg_reserve(struct trk *t)
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

/* The next sample's bytes are in the packet: keep a reference. */
int
sd_seg_ref(struct trk *t, const struct sd_pkt *pkt)
{
	struct sample *s = &t->s[t->n];

	s->buf = sd_pktbuf_ref(pkt->buf);
	s->p = pkt->data;
	return 0;
}

/* The packet's bytes as the next sample: by reference, else copied. */
int
sd_seg_keep(struct trk *t, const struct sd_pkt *pkt)
{
	struct sample *s = &t->s[t->n];

	s->buf = NULL;
	if (pkt->buf != NULL)
		return sd_seg_ref(t, pkt);
	s->off = t->data.len;
	return sd_bytes_put(&t->data, pkt->data, (size_t)pkt->size);
}

/* Forget the first k samples of the segment in hand. */
void
sd_seg_drop(struct trk *t, size_t k)
{
	size_t bytes = 0, i;

	if (k == 0)
		return;
	for (i = 0; i < k; i++) {
		t->hand_bytes -= t->s[i].size;
		if (t->s[i].buf != NULL)
			sd_pktbuf_unref(&t->s[i].buf);
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

/* ---------------------------------------------------------------- CMAF */

/* The track's CMAF header, from its configuration, as t->init. */
int
sd_seg_header(struct mux *m, struct trk *t)
{
	struct sd_bytes b = { NULL, 0, 0, 0 };
	int rv;

	t->ct.video = t->video;
	t->ct.cfg = t->cfg.p;
	t->ct.cfg_len = t->cfg.len;
	t->ct.timescale = t->clk.ts;
	t->ct.width = t->par->width;
	t->ct.height = t->par->height;
	t->ct.sample_rate = t->sample_rate;
	t->ct.channels = t->channels;
	strlcpy(t->ct.lang, t->lang, sizeof(t->ct.lang));
	snprintf(t->init, sizeof(t->init), "%s-init-%llu.mp4", t->id,
	    (unsigned long long)t->gen);
	rv = sd_cmaf_header(&t->ct, &b);
	if (rv == 0 && m->o->single)
		rv = sd_vod_open(m, t, &b);	/* names t->init */
	else if (rv == 0)
		rv = sd_segfile_write(m->o->dir, t->init, b.p, b.len, NULL, 0);
	sd_bytes_free(&b);
	return rv;
}

/* The first presentation time of the segment in hand. */
static int64_t
first_time(const struct trk *t)
{
	return t->video ? t->s[0].dts + t->clk.delay : t->s[0].dts;
}

/* t=0: the earliest first presentation time over the tracks. */
static void
fix_origin(struct mux *m)
{
	int64_t first[TRACKS_MAX];
	size_t i;

	if (m->tl.have_origin)
		return;
	for (i = 0; i < m->ntrk; i++) {
		struct trk *t = &m->trk[i];
		first[i] = t->n == 0 || t->gone ? TL_NONE : first_time(t);
	}
	tl_fix_origin(&m->tl, first);
	m->store.start = m->wall_start;
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

/* The track whose cuts the MPEG-TS segments follow. */
static struct trk *
ts_driver(struct mux *m)
{
	return m->has_video ? &m->trk[0] : m->driver;
}

/* The TS segment in hand closes where segment rec of the driver does. */
static int
ts_cut(struct mux *m, const struct trk *t, struct cut *c,
    const struct sd_store_seg *rec)
{
	int64_t t90 = tl_rescale(rec->t, 90000, t->clk.ts);
	int rv;

	rv = sd_tsseg_cut(m->tsseg, m->o->dir, t->seq, t90,
	    tl_rescale(rec->t + rec->d, 90000, t->clk.ts) - t90,
	    m->trk[0].disc_next, &c->ts_seg);
	if (rv == -1)
		return -1;
	if (rv == 1)
		c->ts_have = 1;
	c->ts_seg.track = (uint8_t)m->ts_store_idx;
	return 0;
}

/*
 * Write the segment of the first k samples of t, which ends at end
 * (internal time), as its seq; remember its index line for the cut.
 */
int
sd_seg_flush(struct mux *m, struct trk *t, size_t k, int64_t end)
{
	struct sd_cmaf_sample *cs = m->cs;
	struct sd_store_seg *rec;
	struct cut *c = cutq_of(&m->cq, t->seq);
	int64_t t0, origin;
	size_t i, bytes = 0;

	if (k == 0 || k > t->n)
		return 0;
	fix_origin(m);
	origin = tl_origin_in(&m->tl, t->clk.ts);
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
		cs[i].cto = (int32_t)(t->s[i].pts - t->s[i].dts - t->clk.delay);
		bytes += t->s[i].size;
	}
	t0 = t->s[0].dts + (t->video ? t->clk.delay : 0) - origin;
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
	if (m->o->single ? sd_vod_append(m, t, m->iov, k + 1, rec) == -1 :
	    sd_segfile_writev(m->o->dir, rec->file, m->iov, k + 1) == -1)
		return -1;
	c->have |= 1u << (t - m->trk);
	if (m->tsseg != NULL && t == ts_driver(m) && ts_cut(m, t, c, rec) == -1)
		return -1;
	t->bytes_total += rec->bytes;
	t->dur_total += rec->d;
	sd_seg_drop(t, k);
	t->disc_next = 0;
	t->seq++;
	return 0;
}

/* ---------------------------------------------------------------- cuts */

/*
 * Declare a cut at presentation time p_us (INT64_MAX: the end): the
 * segments now open close at it. Tracks with nothing yet sit it out.
 */
struct cut *
sd_seg_declare(struct mux *m, int64_t p_us, int disc)
{
	unsigned need = 0;
	size_t i;

	for (i = 0; i < m->ntrk; i++) {
		struct trk *t = &m->trk[i];
		if (!t->gone && t->started)
			need |= 1u << i;
	}
	/* the next segment (and maybe a header) takes open_seq + 1 */
	sd_livenum_reserve(&m->num, m->cq.open_seq + 1);
	return cutq_declare(&m->cq, p_us, disc, need);
}

/*
 * Where the segment of t's first k samples (k > 0) ends: at the next
 * sample, or at the end of its last one when a hole (a break) lies
 * between: a segment does not span one.
 */
static int64_t
seg_end(const struct trk *t, size_t k)
{
	const struct sample *last = &t->s[k - 1];
	int64_t own = last->dts + last->dur;

	if (k == t->n || t->s[k].dts - own > (int64_t)TL_GAP_MS *
	    t->clk.ts / 1000)
		return own;
	return t->s[k].dts;
}

/*
 * Audio (and every track that follows the driver): close each pending cut
 * before the first sample at or after its time, or after the last sample
 * in hand once that one lasts to the time (cut_follow).
 */
int
sd_seg_follow(struct mux *m, struct trk *t, int at_end)
{
	struct cut *c;
	size_t k;

	while (t->seq < m->cq.open_seq && !t->gone) {
		c = cutq_of(&m->cq, t->seq);
		if (!(c->need & (1u << (t - m->trk)))) {
			t->seq++;
			continue;
		}
		for (k = 0; k < t->n && tl_us(&t->clk, t->s[k].dts) < c->p_us;
		    k++)
			;
		switch (cut_follow(&k, t->n, t->n > 0 && tl_us(&t->clk,
		    t->s[t->n - 1].dts + t->s[t->n - 1].dur) >= c->p_us,
		    at_end)) {
		case CUT_F_WAIT:
			return 0;
		case CUT_F_SKIP:
			c->need &= ~(1u << (t - m->trk));
			t->seq++;
			continue;
		case CUT_F_CLOSE:
			break;
		}
		if (sd_seg_flush(m, t, k, seg_end(t, k)) == -1)
			return -1;
		t->disc_next = c->disc;
	}
	return 0;
}

int
sd_seg_follow_all(struct mux *m, int at_end)
{
	size_t i;

	for (i = 0; i < m->ntrk; i++)
		if (&m->trk[i] != m->driver &&
		    sd_seg_follow(m, &m->trk[i], at_end) == -1)
			return -1;
	return sd_pub_publish(m);
}

/* Lagging tracks must not stall the index forever (audio that stops). */
int
sd_seg_unstall(struct mux *m)
{
	size_t i;

	if (!cutq_crowded(&m->cq))
		return 0;
	for (i = 0; i < m->ntrk; i++) {
		struct trk *t = &m->trk[i];
		if (t == m->driver || t->gone || t->seq >= m->cq.pub_seq + 1)
			continue;
		warnx("%s: fell %d segments behind; track left out", t->id,
		    CUTS_MAX - 2);
		t->gone = 1;
	}
	for (i = m->cq.pub_seq; i < m->cq.open_seq; i++) {
		struct cut *c = cutq_of(&m->cq, i);
		size_t j;
		for (j = 0; j < m->ntrk; j++)
			if (m->trk[j].gone)
				c->need &= ~(1u << j);
	}
	return sd_pub_publish(m);
}

/* The input ends (or a signal came): close every segment in hand. */
int
sd_seg_finish(struct mux *m)
{
	size_t i;
	int any = 0;

	for (i = 0; i < m->ntrk; i++)
		if (m->trk[i].started && !m->trk[i].gone && m->trk[i].n > 0)
			any = 1;
	if (!any)
		return sd_pub_publish(m);
	if (sd_seg_declare(m, INT64_MAX, 0) == NULL && (sd_seg_unstall(m) ==
	    -1 || sd_seg_declare(m, INT64_MAX, 0) == NULL))
		return -1;
	for (i = 0; i < m->ntrk; i++) {
		struct trk *t = &m->trk[i];
		if (t->gone || !t->started)
			continue;
		if (t->video && t->n > 0) {
			if (sd_seg_flush(m, t, t->n, t->s[t->n - 1].dts +
			    t->s[t->n - 1].dur) == -1)
				return -1;
		} else if (sd_seg_follow(m, t, 1) == -1)
			return -1;
	}
	return sd_pub_publish(m);
}
