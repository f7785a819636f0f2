/*
 * upstream.c - the upstream side of a channel's ts session (sd-relay(7)):
 * the source read once into the channel's ring, whatever the number of
 * viewers, reconnecting with backoff. MPEG-TS over HTTP(S) is read by
 * fetch.c byte for byte; every other source (ingest.c) by one
 * `ffmpeg -c copy -f mpegts` whose stdout is the stream.
 */
#include <ctype.h>
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
#include "supervise.h"

/* Once a second while pumping: bytes into the state record; 1 when the
 * session has been idle long enough to end. */
static int
pump_tick(struct sess *s, const struct sd_ring *rg)
{
	sd_rec_set(&s->st, "bytes", "%llu", rg->bytes);
	sd_session_state_write(s->dir, &s->st);
	return sup_idle_over(s);
}

/* Read one connection into the ring until it ends or the session must. */
static int
pump_upstream(struct sess *s, struct sd_fetch *f, struct sd_ring *rg)
{
	char buf[65536];
	double last_check = sd_mono_s(), now;
	ssize_t n;

	for (;;) {
		n = sd_fetch_read(f, buf, sizeof(buf));
		if (n <= 0)
			return n == 0 ? 0 : -1;
		if (sd_ring_write(rg, buf, (size_t)n) == -1)
			return -1;
		now = sd_mono_s();
		if (now - last_check >= 1) {
			last_check = now;
			if (pump_tick(s, rg))
				return 1;
		}
	}
}

#define BACKOFF_MAX_MS 60000

/*
 * Why a connection that answered got nowhere, in err: 1 when retrying at
 * once would only repeat it (a full disk, an empty 200), 0 otherwise.
 */
static int
pump_stuck(int rv, int saved, unsigned long long got, char *err, size_t len)
{
	if (rv == -1 && (saved == ENOSPC || saved == EDQUOT)) {
		snprintf(err, len, "the spool's disk is full: %s",
		    strerror(saved));
		return 1;
	}
	if (rv == 0 && got == 0) {
		snprintf(err, len, "upstream answered with an empty body");
		return 1;
	}
	snprintf(err, len, "upstream %s", rv == 0 ? "ended the stream" :
	    strerror(saved));
	return 0;
}

int
sup_upstream_session(struct sess *s)
{
	struct sd_fetch_opts o;
	struct sd_fetch f;
	struct sd_ring rg;
	unsigned long long conns = 0, before;
	int fails = 0, backoff_ms = 500, rv, saved, stuck;
	char err[256];

	sd_fetch_opts_default(&o);
	o.connect_timeout_ms = o.read_timeout_ms = s->l.timeout * 1000;
	o.headers = s->headers;
	if (sd_ring_open(&rg, s->dir, SD_RING_KEEP) == -1) {
		warn("%s", s->dir);
		return SD_EX_IOERR;
	}
	while (!sup_idle_over(s)) {
		sup_state_put(s, fails >= 3 ? "down" : conns > 0 || fails > 0 ?
		    "retrying" : "connecting", NULL);
		if (sd_fetch_open_stream(&f, s->source, &o, &s->guard) == -1) {
			if (errno == EACCES)
				strlcpy(err, "refused: a redirect leads outside "
				    "the source's origin and allow_hosts",
				    sizeof(err));
			else if (f.status != 0)
				snprintf(err, sizeof(err), "HTTP %d", f.status);
			else if (errno == EHOSTUNREACH &&
			    sd_fetch_host_error() != NULL)
				strlcpy(err, sd_fetch_host_error(), sizeof(err));
			else
				snprintf(err, sizeof(err), "connect: %s",
				    strerror(errno));
			fails++;
			s->restarts++;
			sd_rec_set(&s->st, "retry_after", "%d",
			    backoff_ms / 1000 + 1);
			sup_state_put(s, fails >= 3 ? "down" : "retrying", err);
			sd_fetch_close(&f);
			if (sup_nap(s, backoff_ms))
				break;
			backoff_ms = backoff_ms * 2 > BACKOFF_MAX_MS ?
			    BACKOFF_MAX_MS : backoff_ms * 2;
			continue;
		}
		conns++;
		fails = 0;
		sd_ring_new_conn(&rg);
		before = rg.bytes;
		sd_rec_set(&s->st, "connections", "%llu", conns);
		sup_state_put(s, "up", NULL);
		rv = pump_upstream(s, &f, &rg);
		saved = errno;
		sd_ring_flush(&rg);
		stuck = pump_stuck(rv, saved, rg.bytes - before, err,
		    sizeof(err));
		sd_fetch_close(&f);
		if (rv == 1)
			break;
		s->restarts++;
		/* A stream that ran: again at once. A full disk or an empty
		 * answer: later and later, up to a minute. */
		if (!stuck)
			backoff_ms = 300;
		sd_rec_set(&s->st, "retry_after", "%d", backoff_ms / 1000 + 1);
		sup_state_put(s, "retrying", err);
		warnx("%s: %s; reconnecting in %d ms", s->proxy, err,
		    backoff_ms);
		if (sup_nap(s, backoff_ms))
			break;
		backoff_ms = !stuck ? 500 : backoff_ms * 2 > BACKOFF_MAX_MS ?
		    BACKOFF_MAX_MS : backoff_ms * 2;
	}
	sup_state_put(s, "stopping", NULL);
	sd_ring_close(&rg);
	sup_remove_proxy_spool(s);
	return SD_EX_OK;
}

/* ------------------------------------------------ the ffmpeg ingest */

/*
 * The upstream session of a source fetch.c does not read (HLS but
 * the TS-segment kind upstream_hls.c reads, DASH, udp://, srt://,
 * files, see ingest.c): `ffmpeg -c copy -f mpegts` with
 * its stdout into the ring, restarted with backoff when it exits or
 * stalls (no byte for the timeout). Its stderr goes to the log, and its
 * last line becomes last_error (an HLS segment's 404, a refused SRT).
 */
struct ingest {
	struct child ff;
	int out, err;		/* our ends of ffmpeg's stdout and stderr */
	char line[256];		/* the last whole line of its stderr */
	char part[256];
	size_t plen;
};

static int
ingest_start(struct sess *s, struct ingest *in)
{
	int o[2], e[2];

	in->out = in->err = -1;
	in->plen = 0;
	in->line[0] = '\0';
	if (pipe2(o, O_CLOEXEC) == -1)
		return -1;
	if (pipe2(e, O_CLOEXEC) == -1) {
		close(o[0]);
		close(o[1]);
		return -1;
	}
	sup_child_start(&in->ff, "ffmpeg", s->ffargv, -1, o[1], e[1]);
	close(o[1]);
	close(e[1]);
	in->out = o[0];
	in->err = e[0];
	fcntl(in->err, F_SETFL, O_NONBLOCK);
	return in->ff.pid == -1 ? -1 : 0;
}

/* ffmpeg's stderr: copied to the log, its last line kept. */
static void
ingest_stderr(struct ingest *in)
{
	char buf[1024];
	ssize_t n, i;

	while ((n = read(in->err, buf, sizeof(buf))) > 0) {
		(void)!write(2, buf, (size_t)n);
		for (i = 0; i < n; i++) {
			if (buf[i] == '\n') {
				in->part[in->plen] = '\0';
				if (in->plen > 0)
					memcpy(in->line, in->part,
					    in->plen + 1);
				in->plen = 0;
			} else if (in->plen < sizeof(in->part) - 1 &&
			    !iscntrl((unsigned char)buf[i]))
				in->part[in->plen++] = buf[i];
		}
	}
}

/*
 * ffmpeg's stdout into the ring until it ends, stalls or the session
 * must end (1). got: bytes read. -1 with why set otherwise.
 */
static int
ingest_pump(struct sess *s, struct ingest *in, struct sd_ring *rg,
    unsigned long long *got, int *announced, char *why, size_t len)
{
	char buf[65536];
	struct pollfd pfd[2];
	double last_data = sd_mono_s(), last_check = 0, now;
	ssize_t n;

	for (;;) {
		pfd[0] = (struct pollfd){ .fd = in->out, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = in->err, .events = POLLIN };
		if (poll(pfd, 2, 200) > 0) {
			if (pfd[1].revents)
				ingest_stderr(in);
			if (pfd[0].revents) {
				if ((n = read(in->out, buf, sizeof(buf))) <= 0) {
					ingest_stderr(in);
					snprintf(why, len, "ffmpeg ended the "
					    "stream%s%s", in->line[0] ? ": " :
					    "", in->line);
					return -1;
				}
				if (sd_ring_write(rg, buf, (size_t)n) == -1) {
					snprintf(why, len, "ring: %s",
					    strerror(errno));
					return -1;
				}
				*got += (size_t)n;
				last_data = sd_mono_s();
				if (!*announced) {
					*announced = 1;
					sup_state_put(s, "up", NULL);
				}
			}
		}
		now = sd_mono_s();
		if (now - last_data > s->l.timeout) {
			snprintf(why, len, "no data for %d s%s%s",
			    s->l.timeout, in->line[0] ? ": " : "", in->line);
			return -1;
		}
		if (now - last_check >= 1) {
			last_check = now;
			if (pump_tick(s, rg))
				return 1;
		}
	}
}

int
sup_ingest_session(struct sess *s)
{
	struct ingest in = { .out = -1, .err = -1 };
	struct sd_guard gd = { 0, "" };	/* ffmpeg's http_proxy */
	int http = sd_ingest_kind(s->source) == SD_INGEST_HTTP;
	struct sd_ring rg;
	unsigned long long conns = 0, got;
	int fails = 0, backoff_ms = 500, rv, announced, ours;
	char why[320];

	if (sd_ring_open(&rg, s->dir, SD_RING_KEEP) == -1) {
		warn("%s", s->dir);
		return SD_EX_IOERR;
	}
	/* HLS with TS segments: our own reader (upstream_hls.c) */
	if (!(ours = sup_hls_session(s, &rg) == 0))
		sd_rec_set(&s->st, "ingest", "ffmpeg");
	while (!ours && !sup_idle_over(s)) {
		sup_state_put(s, fails >= 3 ? "down" : conns > 0 || fails > 0 ?
		    "retrying" : "connecting", NULL);
		got = 0;
		announced = 0;
		if ((http && sd_guard_ensure(&gd, &s->guard,
		    s->l.timeout * 1000) == -1) || ingest_start(s, &in) == -1) {
			snprintf(why, sizeof(why), "ffmpeg: %s",
			    strerror(errno));
			rv = -1;
		} else {
			conns++;
			sd_ring_new_conn(&rg);
			sd_rec_set(&s->st, "connections", "%llu", conns);
			rv = ingest_pump(s, &in, &rg, &got, &announced, why,
			    sizeof(why));
		}
		sup_child_end(&in.ff, &in.out, &in.err);
		sd_ring_flush(&rg);
		if (rv == 1)
			break;
		s->restarts++;
		if (got > 0) {
			fails = 0;
			backoff_ms = 500;
		} else {
			fails++;
			backoff_ms = backoff_ms * 2 > 10000 ? 10000 :
			    backoff_ms * 2;
		}
		sd_rec_set(&s->st, "retry_after", "%d", backoff_ms / 1000 + 1);
		sup_state_put(s, fails >= 3 ? "down" : "retrying", why);
		warnx("%s: %s; restarting ffmpeg", s->proxy, why);
		if (sup_nap(s, got > 0 ? 300 : backoff_ms))
			break;
	}
	sd_guard_stop(&gd);
	sup_state_put(s, "stopping", NULL);
	sd_ring_close(&rg);
	sup_remove_proxy_spool(s);
	return SD_EX_OK;
}