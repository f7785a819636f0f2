/*
 * av_pub.c - sd-cmafmux's cuts into the store: the tracks enter the index
 * with their first segment, each header generation is noted, and a cut is
 * published (index and manifests written again) once every track's
 * segment for it is on disk, in order: the index only ever names files
 * that are complete. A live store then slides its window (av_live.c).
 */
#include <stdio.h>
#include <string.h>

#include "av_mux.h"
#include "manifest_common.h"
#include "store.h"

/* The stream's frame rate as the index writes it ("25", "30000/1001"). */
static void
frame_rate(const struct trk *t, char *out, size_t len)
{
	int num = t->st->fr_num, den = t->st->fr_den;

	if (num <= 0 || den <= 0 || num >= 1000000 || den >= 100000)
		return;
	if (den == 1)
		snprintf(out, len, "%d", num);
	else
		snprintf(out, len, "%d/%d", num, den);
}

/* The CODECS of the TS variant: every track's. */
static void
ts_codecs(const struct mux *m, char *out, size_t len)
{
	size_t i;

	out[0] = '\0';
	for (i = 0; i < m->ntrk; i++) {
		if (m->trk[i].gone || !m->trk[i].codecs[0])
			continue;
		if (out[0])
			strlcat(out, ",", len);
		strlcat(out, m->trk[i].codecs, len);
	}
}

/*
 * What this header says goes into the index next to it (sd-store(5)
 * "header"), so each DASH Period describes its own generation.
 */
int
sd_pub_note_header(struct mux *m, const struct trk *t)
{
	struct sd_store_header h;

	memset(&h, 0, sizeof(h));
	strlcpy(h.track, t->id, sizeof(h.track));
	strlcpy(h.file, t->init, sizeof(h.file));
	strlcpy(h.codecs, t->codecs, sizeof(h.codecs));
	if (t->video) {
		h.width = t->par->width;
		h.height = t->par->height;
		frame_rate(t, h.frame_rate, sizeof(h.frame_rate));
	} else {
		h.sample_rate = t->sample_rate;
		h.channels = t->channels;
	}
	/* The TS track has no header: its codecs follow the newest. */
	if (m->ts_store_idx >= 0 && m->tsseg != NULL)
		ts_codecs(m, m->store.tracks[m->ts_store_idx].codecs,
		    sizeof(m->store.tracks[0].codecs));
	return sd_store_note_header(&m->store, &h);
}

/* A new header: the track in the index describes it from now on. */
void
sd_pub_retrack(struct mux *m, const struct trk *t)
{
	struct sd_store_track *st;

	if (t->store_idx < 0)
		return;
	st = &m->store.tracks[t->store_idx];
	strlcpy(st->codec, sd_codec_name(t->par->codec_id),
	    sizeof(st->codec));	/* a PMT may switch it (av_tsin.c) */
	if (t->video) {
		st->width = t->par->width;
		st->height = t->par->height;
	}
	strlcpy(st->codecs, t->codecs, sizeof(st->codecs));
}

static void
store_track(struct mux *m, struct trk *t)
{
	struct sd_store_track *s = &m->store.tracks[m->store.ntracks];

	memset(s, 0, sizeof(*s));
	strlcpy(s->id, t->id, sizeof(s->id));
	strlcpy(s->type, t->video ? "video" : "audio", sizeof(s->type));
	strlcpy(s->codec, sd_codec_name(t->par->codec_id), sizeof(s->codec));
	strlcpy(s->codecs, t->codecs, sizeof(s->codecs));
	s->timescale = t->clk.ts;
	if (t->video) {
		s->width = t->par->width;
		s->height = t->par->height;
		frame_rate(t, s->frame_rate, sizeof(s->frame_rate));
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
		ts_codecs(m, s->codecs, sizeof(s->codecs));
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
			    (long long)((double)t->bytes_total * 8 * t->clk.ts /
			    (double)t->dur_total);
	}
}

/*
 * The index and the manifests, at most once a second for VOD. With -I
 * the index alone: a reader that builds its playlists from it (sd-serve)
 * has no use for four more files a cut.
 */
int
sd_pub_write(struct mux *m, int force)
{
	double now = sd_mux_mono();

	if (!force && !m->o->live && now - m->last_index < 1.0)
		return 0;
	/* -s: the files are whole, and can be named, only at the end. */
	if (m->o->single && !m->store.ended)
		return 0;
	m->last_index = now;
	measured_rates(m);
	if (sd_store_write(&m->store, m->o->dir) == -1)
		return -1;
	if (m->o->index_only) {
		if (!m->stale_manifests_gone)
			sd_manifest_remove_all(m->o->dir, &m->store);
		m->stale_manifests_gone = 1;
		return 0;
	}
	return sd_manifest_write_all(m->o->dir, &m->store, NULL);
}

static double
seg_secs(const struct mux *m, const struct sd_store_seg *s, size_t k)
{
	return (double)s->t / m->trk[k].clk.ts;
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
sd_pub_publish(struct mux *m)
{
	struct cut *c;
	int any = 0;

	while (m->cq.pub_seq < m->cq.open_seq) {
		c = cutq_of(&m->cq, m->cq.pub_seq);
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
		m->cq.pub_seq++;
		m->segments++;
		any = 1;
		if (m->o->live && sd_live_trim(m) == -1)
			return -1;
		if (m->o->live && sd_pub_write(m, 1) == -1)
			return -1;
	}
	if (any && !m->o->live && sd_pub_write(m, 0) == -1)
		return -1;
	return 0;
}
