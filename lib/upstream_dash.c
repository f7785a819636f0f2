/*
 * upstream_dash.c - the upstream session's own reader of a live DASH
 * MPD and of an HLS media playlist with fMP4 segments (sd-relay(7), "The
 * ingest"). We fetch: the MPD (once per minimumUpdatePeriod) or the
 * playlist (as RFC 8216 6.3.4 says), each track's initialization
 * segment once and each new media segment once, in order, starting at
 * the live edge (the two newest video segments, the audio from their
 * start). One `ffmpeg -copyts -c copy -f mpegts` only remuxes: its
 * inputs are pipes, one fragmented-MP4 byte stream per track (init, then
 * segments), its stdout goes into the ring. It never touches the network
 * or the manifest: FFmpeg 5.1's DASH reader re-reads a live MPD in a
 * tight loop, whatever minimumUpdatePeriod says.
 *
 * -copyts keeps each track's own media times (tfdt), so the tracks stay
 * in step whichever segment each one starts with; presentationTimeOffset
 * is taken off per input (-itsoffset). Our writes to the pipes never
 * block: each track has a queue, and one poll loop moves the queues into
 * ffmpeg and its output into the ring.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sd.h"
#include "util_int.h"
#include "ring.h"
#include "url.h"
#include "ingest.h"
#include "dash_live.h"
#include "hls_live.h"
#include "supervise.h"
#include "upstream_own.h"

#define TRACKS SD_DASH_LIVE_TRACKS
#define SEGMENT_MAX (64 << 20)	/* one segment's bytes, at most */
#define QUEUED_MAX (96 << 20)	/* bytes waiting for ffmpeg, all tracks */
#define RELOAD_MAX 30		/* s between two MPD loads, at most */

/* ------------------------------------------------ the remuxing ffmpeg */

struct remux {
	struct child ff;
	int n;			/* tracks: ffmpeg's inputs 0..n-1 */
	int in[TRACKS];		/* our ends of its input pipes; -1: closed */
	struct sd_buf q[TRACKS];	/* bytes for them, from qoff on */
	size_t qoff[TRACKS];
	int out, err;		/* its stdout (MPEG-TS), its stderr */
	struct own_stderr e;	/* its stderr's last whole line */
	struct sd_ring *rg;
	int ended;		/* its stdout is at its end */
};

/* The argv: an input per track at fd 3 + k, PTO taken off each. */
static void
remux_argv(char **v, char num[][48], int n, const double *offset)
{
	int a = 0, k;

	v[a++] = "ffmpeg"; v[a++] = "-nostdin"; v[a++] = "-hide_banner";
	v[a++] = "-loglevel"; v[a++] = "error";
	/* every track its own times, not each moved to start at 0 */
	v[a++] = "-copyts";
	for (k = 0; k < n; k++) {
		if (offset[k] != 0) {
			snprintf(num[2 * k], sizeof(num[0]), "%.6f",
			    -offset[k]);
			v[a++] = "-itsoffset"; v[a++] = num[2 * k];
		}
		/* the moov has the codec parameters: no long probing */
		v[a++] = "-analyzeduration"; v[a++] = "500000";
		v[a++] = "-f"; v[a++] = "mp4";
		snprintf(num[2 * k + 1], sizeof(num[0]), "pipe:%d", 3 + k);
		v[a++] = "-i"; v[a++] = num[2 * k + 1];
	}
	for (k = 0; k < n; k++) {
		snprintf(num[2 * TRACKS + k], sizeof(num[0]), "%d", k);
		v[a++] = "-map"; v[a++] = num[2 * TRACKS + k];
	}
	v[a++] = "-c"; v[a++] = "copy";
	v[a++] = "-flush_packets"; v[a++] = "1";
	v[a++] = "-f"; v[a++] = "mpegts"; v[a++] = "pipe:1";
	v[a] = NULL;
}

/* In the child: the pipes' read ends onto 3..3+n-1, stdout, stderr. */
static void
remux_child(char **argv, const int *rd, int n, int out, int err)
{
	int high[TRACKS], k, nul;

	setpgid(0, 0);
	for (k = 0; k < n; k++)
		if ((high[k] = fcntl(rd[k], F_DUPFD, 3 + TRACKS + 8)) == -1)
			_exit(127);
	if ((nul = open("/dev/null", O_RDONLY)) == -1 || dup2(nul, 0) == -1 ||
	    dup2(out, 1) == -1 || dup2(err, 2) == -1)
		_exit(127);
	for (k = 0; k < n; k++)
		if (dup2(high[k], 3 + k) == -1)
			_exit(127);
	sd_close_from(3 + n);
	signal(SIGPIPE, SIG_DFL);
	execvp(argv[0], argv);
	warn("%s", argv[0]);
	_exit(127);
}

static void
remux_end(struct remux *m)
{
	int k;

	for (k = 0; k < m->n; k++) {
		if (m->in[k] != -1)
			close(m->in[k]);
		m->in[k] = -1;
		sd_buf_free(&m->q[k]);
	}
	sup_child_end(&m->ff, &m->out, &m->err);
}

/* ffmpeg started with n inputs: 0, or -1 (errno). */
static int
remux_start(struct remux *m, struct sd_ring *rg, int n, const double *offset)
{
	char *argv[16 + 10 * TRACKS], num[3 * TRACKS][48];
	int rd[TRACKS], o[2], e[2], k, saved;
	pid_t pid;

	memset(m, 0, sizeof(*m));
	m->rg = rg;
	m->out = m->err = -1;
	for (k = 0; k < TRACKS; k++)
		m->in[k] = rd[k] = -1;
	remux_argv(argv, num, n, offset);
	o[0] = o[1] = e[0] = e[1] = -1;
	for (k = 0; k < n; k++) {
		int p[2];

		if (pipe2(p, O_CLOEXEC) == -1)
			goto fail;
		rd[k] = p[0];
		m->in[k] = p[1];
		m->n = k + 1;
	}
	if (pipe2(o, O_CLOEXEC) == -1 || pipe2(e, O_CLOEXEC) == -1)
		goto fail;
	if ((pid = fork()) == -1)
		goto fail;
	if (pid == 0)
		remux_child(argv, rd, n, o[1], e[1]);
	setpgid(pid, pid);
	m->ff = (struct child){ .pid = pid, .started = sd_real_s(),
	    .name = "ffmpeg" };
	for (k = 0; k < n; k++) {
		close(rd[k]);
		fcntl(m->in[k], F_SETFL, O_NONBLOCK);
	}
	close(o[1]);
	close(e[1]);
	m->out = o[0];
	m->err = e[0];
	fcntl(m->err, F_SETFL, O_NONBLOCK);
	return 0;
fail:
	saved = errno;
	for (k = 0; k < n; k++)
		if (rd[k] != -1)
			close(rd[k]);
	for (k = 0; k < 2; k++) {
		if (o[k] != -1)
			close(o[k]);
		if (e[k] != -1)
			close(e[k]);
	}
	remux_end(m);
	errno = saved;
	return -1;
}

static size_t
remux_queued(const struct remux *m)
{
	size_t total = 0;
	int k;

	for (k = 0; k < m->n; k++)
		total += m->q[k].len - m->qoff[k];
	return total;
}

/* Queue k's bytes into its pipe, as many as it takes now. */
static int
remux_write(struct remux *m, int k)
{
	ssize_t w = write(m->in[k], m->q[k].p + m->qoff[k],
	    m->q[k].len - m->qoff[k]);

	if (w < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	m->qoff[k] += (size_t)w;
	if (m->qoff[k] == m->q[k].len)
		m->q[k].len = m->qoff[k] = 0;
	return 0;
}

/*
 * One pass of the loop, waiting at most ms: queues into ffmpeg, its
 * output into the ring, its stderr into the log. 0; -1 when ffmpeg ended
 * its output or failed (why), or the ring failed.
 */
static int
remux_io(struct remux *m, int ms, char *why, size_t len)
{
	struct pollfd p[2 + TRACKS];
	char buf[65536];
	int k, np = 2, idx[TRACKS];
	ssize_t n;

	p[0] = (struct pollfd){ .fd = m->out, .events = POLLIN };
	p[1] = (struct pollfd){ .fd = m->err, .events = POLLIN };
	for (k = 0; k < m->n; k++) {
		idx[k] = -1;
		if (m->in[k] != -1 && m->q[k].len > m->qoff[k]) {
			idx[k] = np;
			p[np++] = (struct pollfd){ .fd = m->in[k],
			    .events = POLLOUT };
		}
	}
	if (poll(p, (nfds_t)np, ms) <= 0)
		return 0;
	if (p[1].revents)
		own_stderr_read(m->err, &m->e);
	for (k = 0; k < m->n; k++)
		if (idx[k] >= 0 && p[idx[k]].revents && remux_write(m, k) ==
		    -1) {
			snprintf(why, len, "ffmpeg stopped reading track %d%s%s",
			    k, m->e.line[0] ? ": " : "", m->e.line);
			return -1;
		}
	if (!p[0].revents)
		return 0;
	if ((n = read(m->out, buf, sizeof(buf))) > 0) {
		if (sd_ring_write(m->rg, buf, (size_t)n) == -1) {
			snprintf(why, len, "%s: %s", errno == ENOSPC ||
			    errno == EDQUOT ? "the spool's disk is full" :
			    "ring", strerror(errno));
			return -1;
		}
		return 0;
	}
	own_stderr_read(m->err, &m->e);
	m->ended = 1;
	snprintf(why, len, "ffmpeg ended the stream%s%s", m->e.line[0] ?
	    ": " : "", m->e.line);
	return -1;
}

/*
 * The end of a finished source: every queued byte into ffmpeg, its
 * inputs closed, its output into the ring to its end (at most timeout
 * s), as a TS stream that ended.
 */
static void
remux_finish(struct remux *m, int timeout)
{
	double until = sd_mono_s() + timeout;
	char why[64];
	int k;

	while (remux_queued(m) > 0 && sd_mono_s() < until)
		if (remux_io(m, 200, why, sizeof(why)) == -1)
			return;
	for (k = 0; k < m->n; k++) {
		if (m->in[k] != -1)
			close(m->in[k]);
		m->in[k] = -1;
	}
	while (!m->ended && sd_mono_s() < until)
		if (remux_io(m, 200, why, sizeof(why)) == -1)
			return;
}

/* ------------------------------------------------ fetching into tracks */

struct track_sink {
	struct remux *m;
	int k;
	struct own_reader *r;
	int failed;
};

/* A chunk of a segment into its track's queue, moved on at once. */
static int
sink_track(void *ctx, const char *p, size_t n)
{
	struct track_sink *t = ctx;

	if (remux_queued(t->m) + n > QUEUED_MAX) {
		snprintf(t->r->why, sizeof(t->r->why), "ffmpeg takes no more "
		    "(%d MiB waiting)", QUEUED_MAX >> 20);
		t->failed = 1;
		errno = ENOBUFS;
		return -1;
	}
	if (sd_buf_append(&t->m->q[t->k], p, n) == -1)
		return -1;
	if (remux_io(t->m, 0, t->r->why, sizeof(t->r->why)) == -1) {
		t->failed = 1;
		errno = EPIPE;
		return -1;
	}
	return 0;
}

/* url (what: "video segment 12") into track k: 0, or -1 (r->why). */
static int
track_fetch(struct own_reader *r, struct remux *m, int k, const char *url,
    const char *what)
{
	struct track_sink t = { .m = m, .k = k, .r = r };
	char why[sizeof(r->why)];

	errno = 0;
	if (own_fetch(r, url, what, SEGMENT_MAX, sink_track, &t, NULL) == 0)
		return 0;
	if (t.failed) {		/* the sink's reason, not the fetch's */
		strlcpy(why, r->why, sizeof(why));
		strlcpy(r->why, why, sizeof(r->why));
	}
	return -1;
}

/*
 * Wait until when (sd_mono_s) moving bytes; every second the session's
 * tick. 0, an OWN_* result, or OWN_FAILED (r->why) when ffmpeg ended.
 */
static int
remux_wait(struct own_reader *r, struct remux *m, double when,
    double *ticked)
{
	double now;
	int rv;

	while ((now = sd_mono_s()) < when) {
		if (remux_io(m, (int)((when - now) * 1000) + 1 > 200 ? 200 :
		    (int)((when - now) * 1000) + 1, r->why, sizeof(r->why)) ==
		    -1)
			return OWN_FAILED;
		if (now - *ticked >= 1) {
			*ticked = now;
			if ((rv = r->tick(r->s, r->rg)) != 0)
				return rv;
		}
	}
	return 0;
}

/* A segment appended: the reader's clock and count, the state "up". */
static void
segment_done(struct own_reader *r, const char *kind, const char *what)
{
	if (r->segs++ == 0)
		warnx("%s: first %s segment (%s) %.0f ms after the session "
		    "started", r->s->proxy, kind, what,
		    (sd_real_s() - r->s->started) * 1000);
	r->last_new = sd_mono_s();
	own_announce(r);
}

/* ------------------------------------------------ DASH */

struct dash_round {
	struct own_reader *r;
	struct sd_dash_live *d;
	struct remux m;
	long long last[TRACKS];	/* media time of the last one fed, -1 */
	double from;		/* where the zap starts (s), -1 */
	int hint;
};

/* The next segment of track k: its index, or -1. */
static long
dash_next(struct dash_round *x, int k)
{
	const struct sd_dash_track *t = &x->d->trk[k];

	return sd_dash_live_next(t, x->last[k], x->last[k] < 0 &&
	    (k > 0 || !t->video) ? x->from : -1);
}

/* Every new segment of every track, the earliest start first. */
static int
dash_feed(struct dash_round *x)
{
	char url[SD_URL_MAX], what[64];
	int k, best, rv;
	long i, bi = -1;
	double s, bs;

	for (k = 0; k < (int)x->d->ntrk; k++) {
		const struct sd_dash_track *t = &x->d->trk[k];

		if (t->n > 0 && t->seg[t->n - 1].time < x->last[k])
			x->last[k] = -1;	/* it started again lower */
	}
	for (;;) {
		for (best = -1, bs = 0, k = 0; k < (int)x->d->ntrk; k++) {
			if ((i = dash_next(x, k)) < 0)
				continue;
			s = sd_dash_live_start(&x->d->trk[k], (size_t)i);
			if (best == -1 || s < bs) {
				best = k;
				bs = s;
				bi = i;
			}
		}
		if (best == -1)
			return 0;
		const struct sd_dash_track *t = &x->d->trk[best];

		if (x->from < 0 && t->video)
			x->from = bs;	/* the audio starts there too */
		snprintf(what, sizeof(what), "%s segment %lld", t->video ?
		    "video" : "audio", t->seg[bi].number);
		if (sd_dash_live_url(t, &t->seg[bi], url, sizeof(url)) == -1) {
			snprintf(x->r->why, sizeof(x->r->why), "%s: bad "
			    "template or URL too long", what);
			return OWN_FAILED;
		}
		if (track_fetch(x->r, &x->m, best, url, what) == -1)
			return OWN_FAILED;
		x->last[best] = t->seg[bi].time;
		segment_done(x->r, "DASH", what);
		if ((rv = x->r->tick(x->r->s, x->r->rg)) != 0)
			return rv;
	}
}

/* An MPD at r->media, parsed into x->d (now: the clock). */
static int
dash_load(struct dash_round *x, const struct sd_buf *given)
{
	struct own_reader *r = x->r;
	struct sd_buf b;
	int rv = 0;

	sd_buf_init(&b);
	if (given == NULL && own_fetch(r, r->media, "MPD", SD_DASH_LIVE_MAX,
	    own_sink_buf, &b, NULL) == -1) {
		sd_buf_free(&b);
		return OWN_FAILED;
	}
	if (given == NULL)
		given = &b;
	if (sd_dash_live_parse(x->d, given->p ? given->p : "", given->len,
	    r->media, sd_real_s(), x->hint) == -1) {
		snprintf(r->why, sizeof(r->why), "MPD: %s", errno == ENOTSUP ?
		    "segments not in a SegmentTemplate, or keys" : errno ==
		    ENOENT ? "no video or audio representation" : errno ==
		    EINVAL ? "not an MPD, or numbers out of range" :
		    strerror(errno));
		rv = errno == ENOTSUP || errno == EINVAL ? OWN_FFMPEG :
		    OWN_FAILED;
	}
	sd_buf_free(&b);
	return rv;
}

/* 1 when a reload still lists the tracks the round started with. */
static int
dash_same(const struct sd_dash_track *was, size_t nwas,
    const struct sd_dash_live *d)
{
	size_t k;

	if (nwas != d->ntrk)
		return 0;
	for (k = 0; k < nwas; k++)
		if (strcmp(was[k].id, d->trk[k].id) != 0 ||
		    strcmp(was[k].init, d->trk[k].init) != 0 ||
		    strcmp(was[k].base, d->trk[k].base) != 0)
			return 0;
	return 1;
}

/* The tracks' inits into ffmpeg, in order. */
static int
dash_inits(struct dash_round *x)
{
	char url[SD_URL_MAX], what[32];
	size_t k;

	for (k = 0; k < x->d->ntrk; k++) {
		snprintf(what, sizeof(what), "init of %s", x->d->trk[k].id);
		if (sd_dash_live_url(&x->d->trk[k], NULL, url, sizeof(url)) ==
		    -1) {
			snprintf(x->r->why, sizeof(x->r->why), "%s: bad "
			    "template or URL too long", what);
			return OWN_FAILED;
		}
		if (track_fetch(x->r, &x->m, (int)k, url, what) == -1)
			return OWN_FAILED;
	}
	return 0;
}

/* Follow the MPD: feed, wait out minimumUpdatePeriod, reload. */
static int
dash_follow(struct dash_round *x, struct sd_dash_track *was)
{
	struct own_reader *r = x->r;
	double loaded = sd_mono_s(), ticked = loaded, period;
	size_t nwas = x->d->ntrk;
	int rv;

	memcpy(was, x->d->trk, nwas * sizeof(*was));
	for (;;) {
		if ((rv = dash_feed(x)) != 0)
			return rv;
		if (!x->d->dynamic) {
			snprintf(r->why, sizeof(r->why), "the MPD is static: "
			    "the source ended");
			return OWN_ENDED;
		}
		if (sd_mono_s() - r->last_new > r->s->l.timeout) {
			snprintf(r->why, sizeof(r->why), "no new segment for "
			    "%d s", r->s->l.timeout);
			return OWN_STALLED;
		}
		/* minimumUpdatePeriod; none: the MPD lists what comes by the
		 * clock, read again after a segment */
		period = x->d->min_update > 0 ? x->d->min_update :
		    x->d->trk[0].n > 0 ? (double)x->d->trk[0].seg[0].dur /
		    (double)x->d->trk[0].timescale : 2;
		period = period < 0.5 ? 0.5 : period > RELOAD_MAX ? RELOAD_MAX :
		    period;
		if ((rv = remux_wait(r, &x->m, loaded + period, &ticked)) != 0)
			return rv;
		loaded = sd_mono_s();
		if ((rv = dash_load(x, NULL)) != 0)
			return rv;
		if (!dash_same(was, nwas, x->d)) {
			snprintf(r->why, sizeof(r->why), "the MPD changed its "
			    "representations");
			return OWN_FAILED;
		}
	}
}

int
own_dash_round(struct own_reader *r, const struct sd_buf *b)
{
	struct dash_round *x = calloc(1, sizeof(*x));
	struct sd_dash_track *was = NULL;
	double offset[TRACKS];
	size_t k;
	int rv;

	if (x == NULL || (x->d = malloc(sizeof(*x->d))) == NULL ||
	    (was = malloc(TRACKS * sizeof(*was))) == NULL) {
		snprintf(r->why, sizeof(r->why), "%s", strerror(ENOMEM));
		rv = OWN_FAILED;
		goto end;
	}
	x->r = r;
	x->from = -1;
	x->m.out = x->m.err = -1;
	x->hint = sd_ingest_argv_variant(r->s->src[r->src].ffargv);
	for (k = 0; k < TRACKS; k++)
		x->last[k] = -1;
	if ((rv = dash_load(x, b)) != 0)
		goto end;
	/* the same tracks as the round before: on from where it stopped */
	if (r->tlast_n == x->d->ntrk)
		memcpy(x->last, r->tlast, sizeof(x->last));
	warnx("%s: DASH: video representation %d of %d, %zu track%s, MPD "
	    "every %.1f s: %s", r->s->proxy, x->d->video_pick,
	    x->d->video_reps, x->d->ntrk, x->d->ntrk == 1 ? "" : "s",
	    x->d->min_update, r->media);
	for (k = 0; k < x->d->ntrk; k++)
		offset[k] = (double)x->d->trk[k].pto /
		    (double)x->d->trk[k].timescale;
	if (sd_ring_new_conn(r->rg) == -1 || remux_start(&x->m, r->rg,
	    (int)x->d->ntrk, offset) == -1) {
		snprintf(r->why, sizeof(r->why), "ffmpeg: %s", strerror(errno));
		rv = OWN_FAILED;
		goto end;
	}
	if ((rv = dash_inits(x)) == 0)
		rv = dash_follow(x, was);
	if (rv == OWN_ENDED)
		remux_finish(&x->m, r->s->l.timeout);
	memcpy(r->tlast, x->last, sizeof(r->tlast));
	r->tlast_n = x->d->ntrk;
end:
	if (x != NULL) {
		remux_end(&x->m);
		free(x->d);
	}
	free(was);
	free(x);
	return rv;
}

/* ------------------------------------------------ HLS, fMP4 segments */

/* Every new segment of l into the one track; the MAP must not change. */
static int
fmp4_feed(struct own_reader *r, struct remux *m, const struct sd_hls_live *l,
    const char *map, int *fed)
{
	char url[SD_URL_MAX], what[64];
	long i;
	int jump, rv;

	while ((i = sd_hls_live_next(l, r->last, &jump)) >= 0) {
		if (strcmp(l->seg[i].map, map) != 0 || (*fed > 0 &&
		    l->seg[i].discontinuity)) {
			snprintf(r->why, sizeof(r->why), "segment %lld: a new "
			    "EXT-X-MAP or a discontinuity", l->seg[i].seq);
			r->last = l->seg[i].seq - 1;	/* from it, anew */
			return OWN_FAILED;
		}
		snprintf(what, sizeof(what), "segment %lld", l->seg[i].seq);
		if (sd_url_resolve(r->media, l->seg[i].uri, url, sizeof(url)) ==
		    -1) {
			snprintf(r->why, sizeof(r->why), "%s: URI too long",
			    what);
			return OWN_FAILED;
		}
		if (track_fetch(r, m, 0, url, what) == -1)
			return OWN_FAILED;
		r->last = l->seg[i].seq;
		(*fed)++;
		segment_done(r, "HLS fMP4", what);
		if ((rv = r->tick(r->s, r->rg)) != 0)
			return rv;
	}
	return 0;
}

/* Reload l from r->media: 0, or an OWN_* result. */
static int
fmp4_reload(struct own_reader *r, struct sd_hls_live *l)
{
	struct sd_buf b;

	sd_buf_init(&b);
	sd_hls_live_free(l);
	if (own_fetch(r, r->media, "playlist", SD_HLS_LIVE_MAX, own_sink_buf,
	    &b, NULL) == -1) {
		sd_buf_free(&b);
		return OWN_FAILED;
	}
	if (sd_hls_live_parse(l, b.p ? b.p : "", b.len) == -1 || l->master ||
	    (l->unfit & ~SD_HLS_UNFIT_FMP4) != 0) {
		snprintf(r->why, sizeof(r->why), "the media playlist changed "
		    "kind");
		sd_buf_free(&b);
		return OWN_FFMPEG;
	}
	sd_buf_free(&b);
	return 0;
}

/* Follow the playlist l whose segments follow map's init. */
static int
fmp4_follow(struct own_reader *r, struct remux *m, struct sd_hls_live *l,
    const char *map)
{
	double loaded = sd_mono_s(), ticked = loaded, wait;
	unsigned long long before;
	int rv, fed = 0;

	for (;;) {
		before = r->segs;
		if ((rv = fmp4_feed(r, m, l, map, &fed)) != 0 ||
		    (rv = own_playlist_after(r, l, before, &wait)) != 0)
			return rv;
		if (wait > 10)
			wait = 10;
		if ((rv = remux_wait(r, m, loaded + wait, &ticked)) != 0)
			return rv;
		loaded = sd_mono_s();
		if ((rv = fmp4_reload(r, l)) != 0)
			return rv;
	}
}

int
own_fmp4_round(struct own_reader *r, struct sd_hls_live *l)
{
	struct remux m;
	char url[SD_URL_MAX], map[SD_URL_MAX];
	double offset = 0;
	long i;
	int jump, rv;

	m.out = m.err = -1;
	m.n = 0;
	m.ff.pid = 0;
	if ((i = sd_hls_live_next(l, r->last, &jump)) < 0)
		i = (long)l->n - 1;	/* nothing new: the map of the newest */
	if (i < 0) {
		snprintf(r->why, sizeof(r->why), "the playlist lists no "
		    "segment");
		return OWN_FAILED;
	}
	/* one round, one init: the map of the segment it starts with */
	strlcpy(map, l->seg[i].map, sizeof(map));
	if (sd_url_resolve(r->media, map, url, sizeof(url)) == -1) {
		snprintf(r->why, sizeof(r->why), "EXT-X-MAP: URI too long");
		return OWN_FAILED;
	}
	if (sd_ring_new_conn(r->rg) == -1 || remux_start(&m, r->rg, 1,
	    &offset) == -1) {
		snprintf(r->why, sizeof(r->why), "ffmpeg: %s", strerror(errno));
		return OWN_FAILED;
	}
	rv = track_fetch(r, &m, 0, url, "EXT-X-MAP") == -1 ? OWN_FAILED :
	    fmp4_follow(r, &m, l, map);
	if (rv == OWN_ENDED)
		remux_finish(&m, r->s->l.timeout);
	remux_end(&m);
	return rv;
}
