/*
 * supervise.c - the body of sd-session(8): one live session of
 * sd-relay(7), a detached process that holds its lock (fd 3) for its whole
 * life and ends when its activity stamp is older than idle_timeout,
 * removing its files. Three kinds, by variant:
 *
 *   ts		the upstream session (upstream.c): reads the source once
 *		into the ring, reconnecting with backoff;
 *   pass	the passthrough cache's reaper: old files go;
 *   other	a pipeline session: feeds the ring into
 *		`[ffmpeg ARGV |] sd-cmafmux -l [-T] -N NUMBERS -o SPOOL/PROXY/VAR`
 *		and restarts that pipeline when it exits or stalls.
 *
 * Stands on spool.c and ring.c; supervise.h is what upstream.c shares; session.c starts the process, and
 * bin/sd-session.c reads its command line.
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sd.h"
#include "util_int.h"
#include "spool.h"
#include "ring.h"
#include "supervise.h"

/* ------------------------------------------------ the pipeline session */

/*
 * sd-cmafmux lives as long as it can: its store (sequence numbers, the
 * live window) must go on across ffmpeg restarts. So with a transcoder the
 * session sits in the middle: ring -> ffmpeg -> session -> sd-cmafmux.
 * When ffmpeg writes MPEG-TS, a new ffmpeg's stream simply follows the old
 * one on sd-cmafmux's input (new PAT/PMT, a timestamp jump: disc=1).
 * Another container cannot be continued, so then both restart.
 */

struct pipeline {
	struct child ff, mux;	/* ff.pid 0: no transcoder running */
	int ff_in, ff_out;	/* our ends: ring -> ffmpeg -> us */
	int mux_in;		/* our end: -> sd-cmafmux */
	char *mbuf;		/* ffmpeg's output on its way to sd-cmafmux */
	size_t mlen;
};

#define MBUF_SIZE 65536

/*
 * Room in the pipe for a batch of chunks (feed_load), so that it goes in
 * one write and the reader takes it in few reads: Linux's 64 kB default
 * splits every chunk. Without it (a user over fs.pipe-user-pages-soft)
 * the pipe keeps its default size.
 */
#define PIPE_ROOM (256 << 10)

static void
pipe_room(int fd)
{
#ifdef F_SETPIPE_SZ
	(void)fcntl(fd, F_SETPIPE_SZ, PIPE_ROOM);
#else
	(void)fd;
#endif
}

static int
mux_start(struct sess *s, struct pipeline *p)
{
	char *mux[15], numbers[PATH_MAX];
	int a[2], i = 0;

	/* the names' numbers outlive the store (livenum.h) */
	if (sd_spool_numbers_path(numbers, sizeof(numbers), s->spool,
	    s->proxy, s->variant) == -1)
		return -1;

	mux[i++] = s->mux;
	mux[i++] = "-l";
	/* sd-serve builds playlists from the index: per cut only what changed */
	if (!s->manifests)
		mux[i++] = "-I";
	if (s->ts_segs)
		mux[i++] = "-T";
	mux[i++] = "-d";
	mux[i++] = s->segdur_arg;
	mux[i++] = "-w";
	mux[i++] = s->window_arg;
	mux[i++] = "-N";
	mux[i++] = numbers;
	mux[i++] = "-o";
	mux[i++] = s->dir;
	mux[i++] = "-";
	mux[i] = NULL;
	if (pipe2(a, O_CLOEXEC) == -1)
		return -1;
	sup_child_start(&p->mux, "sd-cmafmux", mux, a[0], -1, -1);
	close(a[0]);
	p->mux_in = a[1];
	fcntl(p->mux_in, F_SETFL, O_NONBLOCK);
	pipe_room(p->mux_in);
	return p->mux.pid == -1 ? -1 : 0;
}

static int
ff_start(struct sess *s, struct pipeline *p)
{
	int a[2], b[2];

	if (pipe2(a, O_CLOEXEC) == -1)
		return -1;
	if (pipe2(b, O_CLOEXEC) == -1) {
		close(a[0]);
		close(a[1]);
		return -1;
	}
	sup_child_start(&p->ff, "ffmpeg", s->ffargv, a[0], b[1], -1);
	close(a[0]);
	close(b[1]);
	p->ff_in = a[1];
	p->ff_out = b[0];
	fcntl(p->ff_in, F_SETFL, O_NONBLOCK);
	pipe_room(p->ff_in);
	fcntl(p->ff_out, F_SETFL, O_NONBLOCK);
	return p->ff.pid == -1 ? -1 : 0;
}

static void
ff_stop(struct pipeline *p)
{
	sup_child_end(&p->ff, &p->ff_in, &p->ff_out);
}

static void
pipeline_stop(struct pipeline *p)
{
	ff_stop(p);
	/* sd-cmafmux finishes the segments in hand on SIGTERM (-l). */
	sup_child_end(&p->mux, &p->mux_in, NULL);
	p->mlen = 0;
}

/* Has c exited? Reaps it and says how in why. */
static int
child_exited(struct child *c, char *why, size_t len)
{
	int status;

	if (c->pid <= 0 || waitpid(c->pid, &status, WNOHANG) != c->pid)
		return 0;
	snprintf(why, len, "%s %s %d", c->name, WIFEXITED(status) ?
	    "exited with" : "killed by signal", WIFEXITED(status) ?
	    WEXITSTATUS(status) : WTERMSIG(status));
	c->pid = 0;
	return 1;
}

static double
index_mtime(const char *dir)
{
	char p[PATH_MAX];
	struct stat sb;

	if (sd_pathf(p, sizeof(p), "%s/index", dir) == -1 ||
	    stat(p, &sb) == -1)
		return 0;
	return (double)sb.st_mtim.tv_sec + sb.st_mtim.tv_nsec / 1e9;
}

/*
 * How late segments come out: from the segment's last byte reaching the
 * ring to the rename of the index that lists it. The ring writes a chunk
 * the moment a segment can end (ring.c: the keyframe after it complete,
 * and a whole audio sample past it), so that byte is the last of a chunk:
 * the newest one whose batch began going into the pipe before the index
 * while the feed keeps up (a batch of one chunk, the cut published before
 * the next batch). The index's time minus that chunk's (lag_max_ms,
 * lag_late) is then the whole delay; minus the time its batch began going
 * into the pipe, the part after the ring (lag_out_max_ms, lag_out_late:
 * the pipe and sd-cmafmux). A feed or sd-cmafmux that fell behind has a
 * later chunk fed before the index than the one that ended the segment:
 * both then count too little. The index is looked at once a second
 * (pipeline_run): two cuts between looks count as one.
 *
 * The times compared with the files' are read from the clock the kernel
 * stamps files with (file_clock_s), and a batch is dated before its
 * first write, when sd-cmafmux cannot have read it yet: a precise clock
 * read after the write runs up to a tick ahead of the index sd-cmafmux
 * renames a millisecond later; its batch then looked fed after the index,
 * the one before it was taken, and the cut counted a chunk (about 0.4 s)
 * late. Two cuts in three were, in 32 channels whose sd-cmafmux wrote
 * every index within 5 ms of its last read.
 */
#define LAG_FED 16		/* batches remembered */
#define LAG_LATE_MS 100		/* a segment later than this is late */
#define LAG_WRITE_S 5		/* the lag_* keys: at most this often */
#define FEED_MAX (SD_RING_CHUNK * 2)	/* chunks read at once, bytes */
#define FEED_LOOK_S 1.0		/* a missing chunk: the head read at most
				 * this often (a reader behind the ring) */

struct lag {
	struct {
		double fed;		/* a batch began going into the pipe */
		double ring;		/* its last chunk written to the ring */
	} fed[LAG_FED];
	unsigned long long nfed;
	double index, written;	/* the index's time; the keys' */
	unsigned long long cuts, late, out_late, noted;
	long max_ms, out_max_ms;
};

/* The chunks being fed: their bytes and how far they went. */
struct feed {
	char *buf;
	size_t len, off, cap;
	unsigned long long cursor;
	int have_cursor;
	int watch;		/* on the ring (sd_ring_watch), -1 */
	int woken;		/* the watch saw a rename since the last look */
	double looked;		/* when the head was last read for a gap */
	double last_write;
	double began;		/* when the batch in hand began going into the
				 * pipe (file_clock_s) */
	double mtime;		/* when the newest chunk read was written to
				 * the ring */
	struct lag lag;
	double resumed;		/* when input came again after a pause */
};

/* Chunk fd->cursor appended whole to the bytes in hand; 0: not there. */
static int
feed_read(const char *tsdir, struct feed *fd)
{
	char p[PATH_MAX];
	struct stat sb;
	ssize_t n;
	int in;

	if (sd_pathf(p, sizeof(p), "%s/%016llu.ts", tsdir, fd->cursor) == -1 ||
	    (in = open(p, O_RDONLY | O_CLOEXEC)) == -1)
		return 0;
	if (fstat(in, &sb) == -1 || sb.st_size <= 0 ||
	    sb.st_size > SD_RING_CHUNK || fd->len + (size_t)sb.st_size >
	    fd->cap) {
		close(in);
		return 0;
	}
	n = read(in, fd->buf + fd->len, (size_t)sb.st_size);
	close(in);
	if (n <= 0)
		return 0;
	fd->len += (size_t)n;
	fd->mtime = (double)sb.st_mtim.tv_sec + sb.st_mtim.tv_nsec / 1e9;
	return 1;
}

/*
 * The next chunks, as many as are there (up to FEED_MAX): one batch, one
 * write to the pipe. A chunk that is not there is looked for again only
 * when the ring's folder changed; the head (has the ring left the cursor
 * behind?) at most every FEED_LOOK_S.
 */
static int
feed_load(const char *tsdir, struct feed *fd)
{
	double now = sd_mono_s();

	if (!fd->have_cursor) {
		if (sd_ring_start(tsdir, &fd->cursor) == -1)
			return 0;
		fd->have_cursor = 1;
		fd->woken = 1;
		if (fd->watch == -1)
			fd->watch = sd_ring_watch(tsdir);
	}
	if (fd->buf == NULL) {
		if ((fd->buf = malloc(FEED_MAX)) == NULL)
			return 0;
		fd->cap = FEED_MAX;
	}
	if (!fd->woken && fd->watch != -1 && now - fd->looked < FEED_LOOK_S)
		return 0;
	fd->woken = 0;
	fd->len = fd->off = 0;
	while (feed_read(tsdir, fd))
		fd->cursor++;
	if (fd->len == 0 && now - fd->looked >= FEED_LOOK_S) {
		fd->looked = now;
		if (sd_ring_next(tsdir, &fd->cursor) == 1)
			while (feed_read(tsdir, fd))
				fd->cursor++;
	}
	return fd->len > 0;
}

/*
 * The real time as files are stamped with it: Linux dates a write by the
 * coarse clock, up to a tick behind CLOCK_REALTIME.
 */
static double
file_clock_s(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME_COARSE, &ts) == -1)
		return sd_real_s();
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The chunks in hand went whole into the pipe. */
static void
lag_fed(struct feed *fd)
{
	struct lag *l = &fd->lag;

	l->fed[l->nfed % LAG_FED].fed = fd->began;
	l->fed[l->nfed % LAG_FED].ring = fd->mtime;
	l->nfed++;
}

/* A new index since the last look: its lag counted, the keys kept. */
static void
lag_check(struct sess *s, struct lag *l, double now)
{
	double index = index_mtime(s->dir), fed = 0, ring = 0;
	unsigned long long k;
	long ms;

	if (index <= l->index)
		return;
	for (k = l->nfed; k > 0 && l->nfed - k < LAG_FED; k--)
		if (l->fed[(k - 1) % LAG_FED].fed <= index) {
			fed = l->fed[(k - 1) % LAG_FED].fed;
			ring = l->fed[(k - 1) % LAG_FED].ring;
			break;
		}
	if (l->index > 0 && ring > 0) {
		ms = (long)((index - ring) * 1000 + 0.5);
		l->cuts++;
		l->late += ms > LAG_LATE_MS;
		if (ms > l->max_ms)
			l->max_ms = ms;
		ms = (long)((index - fed) * 1000 + 0.5);
		l->out_late += ms > LAG_LATE_MS;
		if (ms > l->out_max_ms)
			l->out_max_ms = ms;
	}
	l->index = index;
	if (l->cuts == l->noted || now - l->written < LAG_WRITE_S)
		return;
	sd_rec_set(&s->st, "lag_segments", "%llu", l->cuts);
	sd_rec_set(&s->st, "lag_late", "%llu", l->late);
	sd_rec_set(&s->st, "lag_max_ms", "%ld", l->max_ms);
	sd_rec_set(&s->st, "lag_out_late", "%llu", l->out_late);
	sd_rec_set(&s->st, "lag_out_max_ms", "%ld", l->out_max_ms);
	sd_session_state_write(s->dir, &s->st);
	l->noted = l->cuts;
	l->written = now;
}

/*
 * Stalled: data waits for the pipeline (or went in lately) and no segment
 * came out for stall_s since the later of the last one, since, and the
 * input's coming back after a pause (an upstream that failed over or
 * reconnected: the pipeline waits for a keyframe and a segment's worth).
 */
static int
pipeline_stalled(const struct sess *s, const struct feed *fd, double since,
    double now)
{
	double stall_s = s->l.timeout + 3 * s->l.segdur;
	double last_out = index_mtime(s->dir);
	int demand = fd->off < fd->len || now - fd->last_write < 2;

	if (stall_s < 10)
		stall_s = 10;
	if (last_out < since)
		last_out = since;
	if (last_out < fd->resumed)
		last_out = fd->resumed;
	return demand && now - last_out > stall_s;
}

/* Move bytes: ring -> first stage, ffmpeg -> mbuf -> sd-cmafmux. */
static int
pipeline_move(struct sess *s, struct pipeline *p, struct feed *fd)
{
	struct pollfd pfd[3];
	int in = p->ff.pid > 0 ? p->ff_in : p->mux_in, n = 0, i_in = -1,
	    i_out = -1, i_mux = -1, i_watch = -1,
	    wait_ms = fd->watch == -1 ? 40 : 500;
	ssize_t r;

	/* The watch is drained before the look (sd_ring_wait, below), so a
	 * chunk that comes after the look wakes the next wait. */
	if (fd->off == fd->len) {
		if (!feed_load(s->tsdir, fd) && p->mlen == 0 &&
		    p->ff.pid <= 0) {
			fd->woken = sd_ring_wait(fd->watch, wait_ms) == 1;
			return 0;
		}
	}
	if (fd->off < fd->len) {
		pfd[i_in = n++] = (struct pollfd){ .fd = in, .events = POLLOUT };
	} else if (fd->watch != -1)
		pfd[i_watch = n++] = (struct pollfd){ .fd = fd->watch,
		    .events = POLLIN };
	if (p->ff.pid > 0 && p->mlen < MBUF_SIZE)
		pfd[i_out = n++] = (struct pollfd){ .fd = p->ff_out,
		    .events = POLLIN };
	if (p->mlen > 0)
		pfd[i_mux = n++] = (struct pollfd){ .fd = p->mux_in,
		    .events = POLLOUT };
	if (poll(pfd, (nfds_t)n, fd->off < fd->len ? 40 : wait_ms) <= 0)
		return 0;
	if (i_watch >= 0 && pfd[i_watch].revents) {
		sd_ring_watch_drain(fd->watch);
		fd->woken = 1;
	}
	if (i_in >= 0 && pfd[i_in].revents) {
		if (fd->off == 0)
			fd->began = file_clock_s();
		r = write(in, fd->buf + fd->off, fd->len - fd->off);
		if (r == -1 && errno != EAGAIN && errno != EINTR)
			return -1;
		if (r > 0) {
			fd->off += (size_t)r;
			if (sd_real_s() - fd->last_write > 2)
				fd->resumed = sd_real_s();
			fd->last_write = sd_real_s();
			if (fd->off == fd->len)
				lag_fed(fd);
		}
	}
	if (i_out >= 0 && pfd[i_out].revents) {
		r = read(p->ff_out, p->mbuf + p->mlen, MBUF_SIZE - p->mlen);
		if (r > 0)
			p->mlen += (size_t)r;
	}
	if (i_mux >= 0 && pfd[i_mux].revents) {
		r = write(p->mux_in, p->mbuf, p->mlen);
		if (r == -1 && errno != EAGAIN && errno != EINTR)
			return -1;
		if (r > 0) {
			memmove(p->mbuf, p->mbuf + r, p->mlen - (size_t)r);
			p->mlen -= (size_t)r;
		}
	}
	return 0;
}

enum { RUN_END, RUN_RESTART_FF, RUN_RESTART_ALL };

/* Feed the pipeline until the session ends or a part must restart. */
static int
pipeline_run(struct sess *s, struct pipeline *p, struct feed *fd, char *why,
    size_t len)
{
	double last_check = 0, now, since;

	for (;;) {
		now = sd_real_s();
		if (now - last_check >= 1) {
			last_check = now;
			sd_session_touch(s->tsdir);
			if (sup_idle_over(s))
				return RUN_END;
			lag_check(s, &fd->lag, now);
			if (child_exited(&p->mux, why, len))
				return RUN_RESTART_ALL;
			if (child_exited(&p->ff, why, len))
				return s->ff_ts ? RUN_RESTART_FF :
				    RUN_RESTART_ALL;
			since = p->ff.pid > 0 && p->ff.started > p->mux.started ?
			    p->ff.started : p->mux.started;
			if (pipeline_stalled(s, fd, since, now)) {
				snprintf(why, len, "%s stalled: no segment "
				    "for %.0f s", s->ffargv ? "ffmpeg" :
				    "sd-cmafmux", now - (index_mtime(s->dir) >
				    since ? index_mtime(s->dir) : since));
				return s->ffargv && s->ff_ts ? RUN_RESTART_FF :
				    RUN_RESTART_ALL;
			}
		}
		if (pipeline_move(s, p, fd) == -1) {
			snprintf(why, len, "pipeline input: %s",
			    strerror(errno));
			return s->ffargv && s->ff_ts ? RUN_RESTART_FF :
			    RUN_RESTART_ALL;
		}
	}
}

static void
pipeline_state(struct sess *s, const struct pipeline *p, const char *state,
    const char *why)
{
	sd_rec_set(&s->st, "ffmpeg_pid", "%ld", (long)p->ff.pid);
	sd_rec_set(&s->st, "mux_pid", "%ld", (long)p->mux.pid);
	sup_state_put(s, state, why);
}

/* Start what is not running; -1 when a part cannot start. */
static int
pipeline_up(struct sess *s, struct pipeline *p)
{
	if (p->mux.pid <= 0 && mux_start(s, p) == -1)
		return -1;
	if (s->ffargv != NULL && p->ff.pid <= 0 && ff_start(s, p) == -1)
		return -1;
	return 0;
}

static int
pipeline_session(struct sess *s)
{
	struct pipeline p = { .ff_in = -1, .ff_out = -1, .mux_in = -1 };
	struct feed fd = { .watch = -1 };
	char why[256];
	int backoff_ms = 500, rv = RUN_RESTART_ALL;
	double up_since;

	if (sd_spool_mkdirs(s->dir) == -1 ||
	    (p.mbuf = malloc(MBUF_SIZE)) == NULL) {
		warn("%s", s->dir);
		return SD_EX_IOERR;
	}
	while (!sup_idle_over(s)) {
		if (pipeline_up(s, &p) == -1) {
			s->restarts++;
			pipeline_state(s, &p, "retrying", strerror(errno));
			pipeline_stop(&p);
			if (sup_nap(s, backoff_ms))
				break;
			continue;
		}
		pipeline_state(s, &p, "up", NULL);
		why[0] = '\0';
		up_since = sd_mono_s();
		if ((rv = pipeline_run(s, &p, &fd, why, sizeof(why))) ==
		    RUN_END)
			break;
		/* Restarted like an upstream drop: the store goes on. */
		s->restarts++;
		warnx("%s/%s: %s; restarting %s", s->proxy, s->variant, why,
		    rv == RUN_RESTART_FF ? "ffmpeg" : "the pipeline");
		if (rv == RUN_RESTART_FF)
			ff_stop(&p);
		else
			pipeline_stop(&p);
		pipeline_state(s, &p, "retrying", why);
		fd.off = fd.len;	/* a new transcoder starts on a chunk */
		if (sd_mono_s() - up_since > 30)
			backoff_ms = 500;
		if (sup_nap(s, backoff_ms))
			break;
		backoff_ms = backoff_ms * 2 > 5000 ? 5000 : backoff_ms * 2;
	}
	pipeline_stop(&p);
	free(p.mbuf);
	free(fd.buf);
	if (fd.watch != -1)
		close(fd.watch);
	sup_state_put(s, "stopping", NULL);
	sup_remove_variant_files(s->spool, s->proxy, s->variant);
	return SD_EX_OK;
}

/* ------------------------------------------------ the passthrough reaper */

#define PASS_MAX_BYTES (512LL << 20)
#define PASS_MAX_FILES 60000	/* an upstream naming files without end */

static int
pass_session(struct sess *s)
{
	double keep = 60 + s->l.window * s->l.segdur * 3;

	sd_spool_mkdirs(s->dir);
	sup_state_put(s, "up", NULL);
	while (!sup_nap(s, 2000)) {
		sd_spool_cap(s->dir, keep, PASS_MAX_BYTES, PASS_MAX_FILES);
	}
	sup_state_put(s, "stopping", NULL);
	sup_remove_variant_files(s->spool, s->proxy, s->variant);
	return SD_EX_OK;
}



/* ------------------------------------------------ sd-session(8) */

void
sd_supervise_defaults(struct sd_supervise_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->variant = "ts";
	o->idle = 30;
	o->timeout = 10;
	o->segdur = 2;
	o->window = 6;
	o->failover_retry = 300;
}

int
sd_supervise_opts_ok(const struct sd_supervise_opts *o)
{
	return o->spool != NULL && o->spool[0] != '\0' && o->proxy != NULL &&
	    sd_safe_name(o->proxy) && o->variant != NULL &&
	    sd_spool_variant_ok(o->variant) && ((o->source != NULL &&
	    o->source[0] != '\0') || strcmp(o->variant, "pass") == 0);
}

static int sess_paths(struct sess *);

/*
 * The ts session's sources: the URLs of -u, each with its own ingest
 * ffmpeg from o->ffargv ("--" between them, in -u order; none: fetch.c).
 * ffargv is cut in place at each "--".
 */
static int
sources_init(struct sess *s, const struct sd_supervise_opts *o)
{
	char **a = o->ffargv;
	int i;

	s->nsrc = o->nsources > 0 ? o->nsources : 1;
	if (s->nsrc > SD_SOURCES_MAX)
		return -1;
	for (i = 0; i < s->nsrc; i++) {
		s->src[i].url = o->nsources > 0 ? o->sources[i] : o->source;
		s->src[i].ffargv = a != NULL && *a != NULL &&
		    strcmp(*a, "--") != 0 ? a : NULL;
		while (a != NULL && *a != NULL && strcmp(*a, "--") != 0)
			a++;
		if (a != NULL && *a != NULL)
			*a++ = NULL;	/* the "--" ends this argv */
	}
	return a != NULL && *a != NULL ? -1 : 0;	/* argvs left over */
}

static int
sess_init(struct sess *s, const struct sd_supervise_opts *o)
{
	size_t i;

	memset(s, 0, sizeof(*s));
	strlcpy(s->spool, o->spool, sizeof(s->spool));
	strlcpy(s->proxy, o->proxy, sizeof(s->proxy));
	strlcpy(s->variant, o->variant, sizeof(s->variant));
	strlcpy(s->source, o->source ? o->source : "", sizeof(s->source));
	s->l.idle = o->idle;
	s->l.timeout = o->timeout;
	s->l.window = o->window;
	s->l.segdur = o->segdur > 0 && o->segdur <= 60 ? o->segdur : 2;
	s->ts_segs = o->ts_segs;
	s->manifests = o->manifests;
	s->failover_retry = o->failover_retry > 0 ? o->failover_retry : 300;
	s->headers = o->headers;
	s->guard.source = s->source;	/* the source in use: upstream.c */
	s->guard.allow_hosts = o->allow_hosts ? o->allow_hosts : "";
	if (strcmp(s->variant, "ts") == 0)
		return sources_init(s, o) == -1 ? -1 : sess_paths(s);
	s->ffargv = o->ffargv;
	/* The output's format: the last -f after the input's. */
	for (i = 0; s->ffargv != NULL && s->ffargv[i] != NULL &&
	    s->ffargv[i + 1] != NULL; i++)
		if (strcmp(s->ffargv[i], "-i") == 0)
			s->ff_ts = 0;
		else if (strcmp(s->ffargv[i], "-f") == 0)
			s->ff_ts = strcmp(s->ffargv[i + 1], "mpegts") == 0;
	snprintf(s->segdur_arg, sizeof(s->segdur_arg), "%g", s->l.segdur);
	snprintf(s->window_arg, sizeof(s->window_arg), "%d", s->l.window);
	return sess_paths(s);
}

/* The session's folders and sd-cmafmux's path. */
static int
sess_paths(struct sess *s)
{
	if (sd_spool_path(s->dir, sizeof(s->dir), s->spool, s->proxy,
	    s->variant) == -1 || sd_spool_path(s->tsdir, sizeof(s->tsdir),
	    s->spool, s->proxy, "ts") == -1)
		return -1;
	return sd_sibling_path("sd-cmafmux", s->mux, sizeof(s->mux));
}

int
sd_supervise(const struct sd_supervise_opts *o)
{
	static struct sess s;
	int rv;

	sup_signals();
	if (sess_init(&s, o) == -1)
		return SD_EX_USAGE;
	sd_rec_init(&s.st);
	s.started = sd_real_s();
	sd_rec_add(&s.st, "state", "starting");
	sd_rec_add(&s.st, "pid", "%ld", (long)getpid());
	sd_rec_add(&s.st, "started", "%.0f", s.started);
	sd_rec_add(&s.st, "connections", "0");
	sd_rec_add(&s.st, "bytes", "0");
	warnx("%s/%s: session %ld started", s.proxy, s.variant,
	    (long)getpid());
	if (strcmp(s.variant, "ts") == 0)
		rv = sup_upstream_session(&s);
	else if (strcmp(s.variant, "pass") == 0)
		rv = pass_session(&s);
	else
		rv = pipeline_session(&s);
	sd_rec_free(&s.st);
	return rv;
}
