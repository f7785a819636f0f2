/*
 * supervise.h - what the parts of sd-session(8) share: its life
 * (sess_life.c: signals, state, idle clock, children), its kinds
 * (supervise.c: the pipeline and passthrough sessions, and which runs)
 * and its upstream side (upstream.c, upstream_hls.c: the sources into
 * the ring).
 */
#ifndef SD_SUPERVISE_H
#define SD_SUPERVISE_H

#include <sys/types.h>
#include <limits.h>

#include "sd.h"
#include "ring.h"
#include "fetch.h"
#include "guard.h"

/*
 * One source of the ts session (sd-session -u, in order: failover): who
 * reads it, and what went wrong with it last.
 */
struct source {
	const char *url;
	char **ffargv;		/* the ingest ffmpeg; NULL: fetch.c reads it */
	int ffmpegs;		/* 1: our own readers found it is ffmpeg's */
	char last_error[256];
	double error_at;	/* sd_real_s() of last_error; 0: none */
	struct sd_fetch_guard rule;	/* where it may lead: its origin... */
	struct sd_guard gd;	/* ...held by a guard for its ffmpeg */
};

/* One session, as sd-session's command line made it. */
struct sess {
	char spool[PATH_MAX];
	char proxy[SD_NAME_MAX];
	char variant[SD_NAME_MAX];
	char source[SD_URL_MAX];	/* the source in use */
	struct source src[SD_SOURCES_MAX];	/* the ts session's */
	int nsrc, cur;		/* how many; the one in use */
	int failover_retry;	/* s on a later source before the first again */
	double left_first;	/* sd_real_s() when the first was last left */
	char dir[PATH_MAX];	/* SPOOL/PROXY/VAR */
	char tsdir[PATH_MAX];	/* SPOOL/PROXY/ts */
	struct {
		int idle, timeout, window;
		double segdur;
	} l;
	char **ffargv;		/* NULL: no transcoder */
	const char *headers;	/* the proxy's upstream headers, NULL */
	struct sd_fetch_guard guard;	/* where the upstream may lead */
	int ff_ts;		/* ffmpeg writes MPEG-TS (-f mpegts) */
	int ts_segs;		/* -T: sd-cmafmux -T, MPEG-TS segments too */
	int manifests;		/* -m: manifest files too, else sd-cmafmux -I */
	char segdur_arg[32], window_arg[32];
	char mux[PATH_MAX];	/* sd-cmafmux (sd_sibling_path) */
	struct sd_rec st;	/* the state record */
	double started;
	unsigned long long restarts;
};

/* A child process; pid 0: none running. */
struct child {
	pid_t pid;
	double started;
	const char *name;
};

/* sess_life.c: TERM and INT end the session (sup_idle_over says so). */
void	sup_signals(void);
/* The state record written with state and, when not NULL, last_error. */
void	sup_state_put(struct sess *, const char *state, const char *error);
/* 1 when the session must end (idle long enough, or told to stop). */
int	sup_idle_over(const struct sess *);
/* Sleep ms in steps; 1 as soon as the session must end. */
int	sup_nap(const struct sess *, int ms);
/* SPOOL/PROXY/NAME and its .state, .used, .log, .decision removed. */
void	sup_remove_variant_files(const char *spool, const char *proxy,
	    const char *name);
/* The upstream session's end: the proxy's files no live session owns. */
void	sup_remove_proxy_spool(const struct sess *);

/* A child in a process group of its own; in/out/err -1: /dev/null, ours. */
void	sup_child_start(struct child *, const char *name, char **argv,
	    int in, int out, int err);
/* Our ends of its pipes closed (NULL: none), then the child stopped. */
void	sup_child_end(struct child *, int *a, int *b);

/*
 * The ts variant (upstream.c): the sources read once into the ring, one
 * at a time, by fetch.c (MPEG-TS over HTTP(S)) or an ingest ffmpeg
 * (everything else), failing over from one to the next.
 */
int	sup_upstream_session(struct sess *);

/*
 * Our own readers of an HLS or DASH source (upstream_hls.c,
 * upstream_dash.c): one round of source src, from its manifest's fetch
 * to its end, into the ring. The results: the session must end; the
 * source failed, stalled (no new segment for the timeout) or finished
 * (EXT-X-ENDLIST, a static MPD); the first source is due another try;
 * the source is ffmpeg's (keys, byte ranges, SegmentBase...: why says).
 * tick is upstream.c's once-a-second check: 0, OWN_END or OWN_FIRST_DUE.
 * conns counts the rounds that opened; got, the bytes put in the ring.
 */
enum { OWN_END = 1, OWN_FAILED, OWN_STALLED, OWN_FIRST_DUE, OWN_ENDED,
	OWN_FFMPEG };
typedef int (*own_tick_fn)(struct sess *, const struct sd_ring *);
int	sup_own_round(struct sess *, int src, struct sd_ring *, own_tick_fn,
	    unsigned long long *conns, unsigned long long *got, char *why,
	    size_t len);
/* 1 when source src may be ours: HTTP(S), meant for ffmpeg, not known
 * to be ffmpeg's. */
int	sup_own_may(const struct sess *, int src);

#endif
