/*
 * upstream.c - the upstream side of a channel's ts session (sd-relay(7)):
 * the source read once into the channel's ring, whatever the number of
 * viewers, reconnecting with backoff. MPEG-TS over HTTP(S) is read by
 * fetch.c byte for byte; MPEG-TS over UDP or RTP by dgram.c datagram by
 * datagram; HLS and DASH by our own readers (upstream_hls.c,
 * upstream_dash.c), one round at a time, unless they find the source is
 * ffmpeg's; every other source (ingest.c) by one
 * `ffmpeg -c copy -f mpegts` whose stdout is the stream.
 *
 * Failover: a proxy may list several sources (sd-session -u, in order).
 * A source that cannot be connected to, answers nothing or stalls (no
 * byte for upstream_timeout) gives way to the next one at once; after the
 * last, the first again after a backoff. A stream that ran and ended is
 * reconnected to the same source first. While a later source is in use,
 * the first one is tried again every failover_retry seconds beside it,
 * and taken back as soon as it answers. Each change is a new connection
 * in the ring (sd_ring_new_conn): viewers see a discontinuity, never an
 * error. The state record names the source in use and each source's last
 * error and its time (/status).
 */
#include <sys/ioctl.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sd.h"
#include "util_int.h"
#include "spool.h"
#include "ring.h"
#include "fetch.h"
#include "guard.h"
#include "ingest.h"
#include "dgram.h"
#include "supervise.h"
#include "upstream_own.h"

/* Once a second while pumping: bytes into the state record; 1 when the
 * session has been idle long enough to end. */
static int
pump_tick(struct sess *s, const struct sd_ring *rg)
{
	sd_rec_set(&s->st, "bytes", "%llu", rg->bytes);
	sd_session_state_write(s->dir, &s->st);
	return sup_idle_over(s);
}

/* ------------------------------------------------ the sources */

/* Who reads source i (sd_ingest_reader's names, as ingest= has them). */
static const char *
source_reader(const struct sess *s, int i)
{
	const char *r;

	if (s->src[i].ffargv != NULL)
		return "ffmpeg";
	r = sd_ingest_reader(s->src[i].url, NULL);
	return r != NULL ? r : "ts";
}

/*
 * source and source_N=URL, with source_N_ingest= who reads it, in the
 * state record, and ingest= of the source in use.
 */
static void
source_use(struct sess *s, int i)
{
	char key[32];
	int k;

	if (s->cur == 0 && i != 0)
		s->left_first = sd_real_s();
	s->cur = i;
	strlcpy(s->source, s->src[i].url, sizeof(s->source));
	sd_rec_set(&s->st, "source", "%s", s->src[i].url);
	sd_rec_set(&s->st, "ingest", "%s", source_reader(s, i));
	for (k = 0; k < s->nsrc; k++) {
		snprintf(key, sizeof(key), "source_%d", k);
		sd_rec_set(&s->st, key, "%s", s->src[k].url);
		snprintf(key, sizeof(key), "source_%d_ingest", k);
		sd_rec_set(&s->st, key, "%s", source_reader(s, k));
	}
}

/* Source i's last error, and when, for /status. */
static void
source_failed(struct sess *s, int i, const char *why)
{
	char key[32];

	strlcpy(s->src[i].last_error, why, sizeof(s->src[i].last_error));
	s->src[i].error_at = sd_real_s();
	snprintf(key, sizeof(key), "source_%d_error", i);
	sd_rec_set(&s->st, key, "%s", why);
	snprintf(key, sizeof(key), "source_%d_error_at", i);
	sd_rec_set(&s->st, key, "%.0f", s->src[i].error_at);
}

/* 1 when a later source is in use and the first is due another try. */
static int
first_due(const struct sess *s)
{
	return s->cur != 0 && sd_real_s() - s->left_first >=
	    s->failover_retry;
}

/* ------------------------------------------------ the ffmpeg ingest */

/*
 * The upstream session of a source fetch.c does not read (HLS, DASH,
 * udp://, srt://, files, see ingest.c): `ffmpeg -c copy -f mpegts` with
 * its stdout into the ring, restarted with backoff when it exits or
 * stalls (no byte for the timeout). Its stderr goes to the log, and its
 * last line becomes last_error (an HLS segment's 404, a refused SRT).
 */
struct ingest {
	struct child ff;
	int out, err;		/* our ends of ffmpeg's stdout and stderr */
	struct own_stderr e;	/* its stderr's last whole line */
};

static int
ingest_start(char **argv, struct ingest *in)
{
	int o[2], e[2];

	in->out = in->err = -1;
	in->e.plen = 0;
	in->e.line[0] = '\0';
	if (pipe2(o, O_CLOEXEC) == -1)
		return -1;
	if (pipe2(e, O_CLOEXEC) == -1) {
		close(o[0]);
		close(o[1]);
		return -1;
	}
	sup_child_start(&in->ff, "ffmpeg", argv, -1, o[1], e[1]);
	close(o[1]);
	close(e[1]);
	in->out = o[0];
	in->err = e[0];
	fcntl(in->err, F_SETFL, O_NONBLOCK);
	return in->ff.pid == -1 ? -1 : 0;
}

/* ------------------------------------------------ one connection */

/* A source being read: by fetch.c, dgram.c or an ingest ffmpeg. */
struct conn {
	int via_ffmpeg, via_dgram;
	int answered;		/* fetch.c: a 2xx head; else a first byte */
	struct sd_fetch f;
	struct sd_dgram dg;
	struct ingest in;
};

static struct sd_fetch_opts fetch_opts;

static void
conn_close(struct conn *c)
{
	if (c->via_ffmpeg)
		sup_child_end(&c->in.ff, &c->in.out, &c->in.err);
	else if (c->via_dgram)
		sd_dgram_close(&c->dg);
	else
		sd_fetch_close(&c->f);
}

/* What a byte of the stream comes out of first (ffmpeg, dgram.c). */
static int
conn_fd(const struct conn *c)
{
	return c->via_ffmpeg ? c->in.out : c->dg.fd;
}

/* A udp:// or rtp:// source of ours: its socket bound (dgram.c). */
static int
dgram_open(const char *url, struct conn *c, char *err, size_t len)
{
	struct sd_dgram_url u;

	c->via_dgram = 1;
	if (sd_dgram_url(url, &u) == -1)
		errno = EINVAL;
	else if (sd_dgram_open(&c->dg, &u) == 0)
		return 0;
	snprintf(err, len, "%s: %s", u.rtp ? "rtp" : "udp", strerror(errno));
	conn_close(c);
	return -1;
}

/* Open source i into c: 0, or -1 with why it did not answer in err. */
static int
conn_open(struct sess *s, int i, struct conn *c, char *err, size_t len)
{
	memset(c, 0, sizeof(*c));
	c->in.out = c->in.err = c->f.fd = c->dg.fd = -1;
	if (sd_ingest_kind(s->src[i].url) == SD_INGEST_STREAM &&
	    s->src[i].ffargv == NULL)
		return dgram_open(s->src[i].url, c, err, len);
	if ((c->via_ffmpeg = s->src[i].ffargv != NULL)) {
		/* ffmpeg fetches over HTTP only through the source's guard
		 * (its http_proxy): no host, redirect or address fetch.c
		 * would refuse. */
		if ((sd_ingest_kind(s->src[i].url) == SD_INGEST_HTTP &&
		    sd_guard_ensure(&s->src[i].gd, &s->src[i].rule,
		    s->l.timeout * 1000) == -1) ||
		    ingest_start(s->src[i].ffargv, &c->in) == -1) {
			snprintf(err, len, "ffmpeg: %s", strerror(errno));
			conn_close(c);
			return -1;
		}
		return 0;
	}
	if (sd_fetch_open_stream(&c->f, s->src[i].url, &fetch_opts,
	    &s->src[i].rule) == -1) {
		if (errno == EACCES)
			strlcpy(err, "refused: a redirect leads outside the "
			    "source's origin and allow_hosts", len);
		else if (c->f.status != 0)
			snprintf(err, len, "HTTP %d", c->f.status);
		else if (errno == EHOSTUNREACH && sd_fetch_host_error() != NULL)
			strlcpy(err, sd_fetch_host_error(), len);
		else
			snprintf(err, len, "connect: %s", strerror(errno));
		conn_close(c);
		return -1;
	}
	c->answered = 1;
	return 0;
}

/*
 * Bytes of c: > 0; 0 when none came within a moment (ffmpeg); -1 when
 * the connection ended, with why and *saved (errno, 0 at an end).
 */
static ssize_t
conn_read(struct conn *c, char *buf, size_t n, char *why, size_t len,
    int *saved)
{
	struct pollfd pfd[2];
	ssize_t r;

	*saved = 0;
	if (c->via_dgram) {
		if (sd_wait_fd(c->dg.fd, POLLIN, 200) == -1)
			return 0;
		if ((r = sd_dgram_read(&c->dg, buf, n)) >= 0)
			return r;
		*saved = errno;
		snprintf(why, len, "%s: %s", c->dg.rtp ? "rtp" : "udp",
		    strerror(*saved));
		return -1;
	}
	if (!c->via_ffmpeg) {
		if ((r = sd_fetch_read(&c->f, buf, n)) > 0)
			return r;
		*saved = r == 0 ? 0 : errno;
		snprintf(why, len, "upstream %s", r == 0 ? "ended the stream" :
		    strerror(*saved));
		return -1;
	}
	pfd[0] = (struct pollfd){ .fd = c->in.out, .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = c->in.err, .events = POLLIN };
	if (poll(pfd, 2, 200) <= 0)
		return 0;
	if (pfd[1].revents)
		own_stderr_read(c->in.err, &c->in.e);
	if (!pfd[0].revents)
		return 0;
	if ((r = read(c->in.out, buf, n)) > 0)
		return r;
	own_stderr_read(c->in.err, &c->in.e);
	snprintf(why, len, "ffmpeg ended the stream%s%s", c->in.e.line[0] ?
	    ": " : "", c->in.e.line);
	return -1;
}

/* ------------------------------------------------ the session */

enum { PUMP_END, PUMP_FAILED, PUMP_STALLED, PUMP_FIRST_DUE, PUMP_ENDED,
	PUMP_FFMPEG };

/*
 * c into the ring until it ends (PUMP_FAILED), stalls (no byte for the
 * timeout: PUMP_STALLED), the session must end (PUMP_END) or the first
 * source is due another try (PUMP_FIRST_DUE, c still open). got: bytes.
 */
static int
pump(struct sess *s, struct conn *c, struct sd_ring *rg,
    unsigned long long *got, char *why, size_t len, int *saved)
{
	char buf[65536];
	double last_data = sd_mono_s(), last_check = last_data, now;
	ssize_t n;

	for (;;) {
		if ((n = conn_read(c, buf, sizeof(buf), why, len, saved)) < 0) {
			if (*saved == 0 && *got == 0 && !c->via_ffmpeg)
				snprintf(why, len, "upstream answered with an "
				    "empty body");
			return *saved == ETIMEDOUT ? PUMP_STALLED : PUMP_FAILED;
		}
		if (n > 0) {
			if (sd_ring_write(rg, buf, (size_t)n) == -1) {
				*saved = errno;
				snprintf(why, len, "%s: %s", errno == ENOSPC ||
				    errno == EDQUOT ? "the spool's disk is full" :
				    "ring", strerror(errno));
				return PUMP_FAILED;
			}
			*got += (size_t)n;
			last_data = sd_mono_s();
			if (!c->answered) {
				c->answered = 1;
				sup_state_put(s, "up", NULL);
			}
		}
		now = sd_mono_s();
		if (now - last_data > s->l.timeout) {
			snprintf(why, len, "no data for %d s%s%s",
			    s->l.timeout, c->via_ffmpeg && c->in.e.line[0] ?
			    ": " : "", c->via_ffmpeg ? c->in.e.line : "");
			return PUMP_STALLED;
		}
		if (now - last_check >= 1) {
			last_check = now;
			if (pump_tick(s, rg))
				return PUMP_END;
			if (first_due(s))
				return PUMP_FIRST_DUE;
		}
	}
}

/*
 * The first source, tried again beside the one in use: opened into c
 * and, for ffmpeg, given the timeout to bring a first byte. 0 when it
 * answers; -1 with why otherwise (c closed).
 */
static int
first_again(struct sess *s, struct conn *c, char *why, size_t len)
{
	struct pollfd pfd;
	double until = sd_mono_s() + s->l.timeout;
	int ready = 0, ended = 0;

	if (conn_open(s, 0, c, why, len) == -1)
		return -1;
	while (!c->answered && !ended && sd_mono_s() < until) {
		pfd = (struct pollfd){ .fd = conn_fd(c), .events = POLLIN };
		/* bytes waiting (left for the pump), or an end with none */
		if (poll(&pfd, 1, 200) > 0 && ioctl(pfd.fd, FIONREAD,
		    &ready) == 0 && ready > 0)
			c->answered = 1;
		else if (pfd.revents & (POLLHUP | POLLERR))
			ended = 1;
		if (c->via_ffmpeg)
			own_stderr_read(c->in.err, &c->in.e);
	}
	if (c->answered)
		return 0;
	if (ended)
		snprintf(why, len, "ffmpeg ended the stream%s%s",
		    c->in.e.line[0] ? ": " : "", c->in.e.line);
	else
		snprintf(why, len, "no data for %d s%s%s", s->l.timeout,
		    c->in.e.line[0] ? ": " : "", c->in.e.line);
	conn_close(c);
	return -1;
}

/* ------------------------------------------------ our own readers */

/* The once-a-second check of an own reader's round. */
static int
own_tick(struct sess *s, const struct sd_ring *rg)
{
	if (pump_tick(s, rg))
		return OWN_END;
	return first_due(s) ? OWN_FIRST_DUE : 0;
}

/*
 * One round of our own HLS or DASH reader on s->cur (upstream_hls.c), its
 * result as pump's: a finished source is PUMP_ENDED, one that turned out
 * to be ffmpeg's PUMP_FFMPEG (marked so: the next round is ffmpeg's).
 */
static int
own_round(struct sess *s, struct sd_ring *rg, unsigned long long *conns,
    unsigned long long *got, char *why, size_t len)
{
	switch (sup_own_round(s, s->cur, rg, own_tick, conns, got, why,
	    len)) {
	case OWN_END:
		return PUMP_END;
	case OWN_STALLED:
		return PUMP_STALLED;
	case OWN_FIRST_DUE:
		return PUMP_FIRST_DUE;
	case OWN_ENDED:
		return PUMP_ENDED;
	case OWN_FFMPEG:
		return PUMP_FFMPEG;
	default:
		return PUMP_FAILED;
	}
}

#define BACKOFF_MAX_MS 60000	/* fetch.c's sources */
#define BACKOFF_MAX_FF_MS 10000	/* ffmpeg's: a player of files restarts */

/* A connection: c open on s->cur, a new one in the ring, counted. */
static void
conn_counted(struct sess *s, struct conn *c, struct sd_ring *rg,
    unsigned long long *conns)
{
	(*conns)++;
	sd_ring_new_conn(rg);
	sd_rec_set(&s->st, "connections", "%llu", *conns);
	if (c->answered)
		sup_state_put(s, "up", NULL);
}

/*
 * After a connection that ended or never came: which source next, and
 * how long to wait first (ms). A disk that is full: the same, later and
 * later. A stream that ran and ended: the same, at once. One that did
 * not answer, answered nothing or stalled: the next one at once; after
 * the last, the first after a backoff.
 */
static int
next_after(struct sess *s, int rv, int saved, unsigned long long got,
    const char *why, int *fails, int *backoff_ms)
{
	int max = s->src[s->cur].ffargv ? BACKOFF_MAX_FF_MS : BACKOFF_MAX_MS;
	int wait = 0;

	if (saved == ENOSPC || saved == EDQUOT) {
		wait = *backoff_ms;
		*backoff_ms = *backoff_ms * 2 > max ? max : *backoff_ms * 2;
		return wait;
	}
	if (got > 0 && rv != PUMP_STALLED && rv != PUMP_ENDED) {
		*fails = 0;
		*backoff_ms = 500;
		return 300;
	}
	if (got > 0)
		*fails = 0;
	(*fails)++;
	source_failed(s, s->cur, why);
	if (s->cur + 1 < s->nsrc) {
		source_use(s, s->cur + 1);
		return 0;
	}
	wait = *backoff_ms;
	*backoff_ms = *backoff_ms * 2 > max ? max : *backoff_ms * 2;
	source_use(s, 0);
	return wait;
}

int
sup_upstream_session(struct sess *s)
{
	static struct conn cs[2];
	struct conn *c = &cs[0], *t;
	struct sd_ring rg;
	unsigned long long conns = 0, got = 0;
	int fails = 0, backoff_ms = 500, rv, saved = 0, open = 0, wait;
	int down_after = s->nsrc > 3 ? s->nsrc : 3, i;
	char why[320];

	sd_fetch_opts_default(&fetch_opts);
	fetch_opts.connect_timeout_ms = fetch_opts.read_timeout_ms =
	    s->l.timeout * 1000;
	fetch_opts.headers = s->headers;
	if (sd_ring_open(&rg, s->dir, SD_RING_KEEP) == -1) {
		warn("%s", s->dir);
		return SD_EX_IOERR;
	}
	for (i = 0; i < s->nsrc; i++) {
		s->src[i].rule.source = s->src[i].url;
		s->src[i].rule.allow_hosts = s->guard.allow_hosts;
	}
	source_use(s, 0);
	while (!sup_idle_over(s)) {
		rv = PUMP_FAILED;
		if (!open) {
			sup_state_put(s, fails >= down_after ? "down" :
			    conns > 0 || fails > 0 ? "retrying" : "connecting",
			    NULL);
			got = 0;
			saved = 0;
			/* The reader is chosen per source: an HLS or DASH
			 * one is ours (upstream_hls.c) unless it turns out
			 * to be ffmpeg's. */
			if (sup_own_may(s, s->cur))
				rv = own_round(s, &rg, &conns, &got, why,
				    sizeof(why));
			else if (conn_open(s, s->cur, c, why, sizeof(why)) ==
			    0) {
				open = 1;
				if (c->via_ffmpeg)
					sd_rec_set(&s->st, "ingest", "ffmpeg");
				conn_counted(s, c, &rg, &conns);
			}
		}
		if (open)
			rv = pump(s, c, &rg, &got, why, sizeof(why), &saved);
		if (rv == PUMP_FFMPEG)
			continue;
		if (rv == PUMP_END)
			break;
		if (rv == PUMP_FIRST_DUE) {
			/* The first is asked beside the source in use, which
			 * goes on (an own reader's next round resumes where
			 * this one paused) unless the first answers. */
			t = c == &cs[0] ? &cs[1] : &cs[0];
			if (first_again(s, t, why, sizeof(why)) == -1) {
				source_failed(s, 0, why);
				s->left_first = sd_real_s();
				continue;
			}
			warnx("%s: %s answers again; leaving %s", s->proxy,
			    s->src[0].url, s->source);
			if (open)
				conn_close(c);
			sd_ring_flush(&rg);
			source_use(s, 0);
			got = 0;
			if (sup_own_may(s, 0)) {
				/* it was only asked: our reader reads it */
				conn_close(t);
				open = 0;
				continue;
			}
			c = t;
			open = 1;
			conn_counted(s, c, &rg, &conns);
			continue;
		}
		if (open)
			conn_close(c);
		open = 0;
		sd_ring_flush(&rg);
		s->restarts++;
		wait = next_after(s, rv, saved, got, why, &fails, &backoff_ms);
		sd_rec_set(&s->st, "retry_after", "%d", wait / 1000 + 1);
		sup_state_put(s, fails >= down_after ? "down" : "retrying",
		    why);
		warnx("%s: %s; %s %s in %d ms", s->proxy, why, got > 0 &&
		    rv != PUMP_STALLED ? "reconnecting to" : "trying",
		    s->source, wait);
		if (sup_nap(s, wait))
			break;
	}
	if (open)
		conn_close(c);
	for (i = 0; i < s->nsrc; i++)
		sd_guard_stop(&s->src[i].gd);
	sup_state_put(s, "stopping", NULL);
	sd_ring_close(&rg);
	sup_remove_proxy_spool(s);
	return SD_EX_OK;
}
