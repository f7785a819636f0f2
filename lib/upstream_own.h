/*
 * upstream_own.h - what the upstream session's own readers share
 * (upstream_hls.c: HLS with TS segments, and which reader a source gets;
 * upstream_dash.c: DASH and HLS with fMP4 segments, remuxed by one
 * ffmpeg fed through pipes). Not a public interface.
 */
#ifndef SD_UPSTREAM_OWN_H
#define SD_UPSTREAM_OWN_H

#include <stddef.h>

#include "sd.h"
#include "ring.h"
#include "fetch.h"
#include "hls_live.h"
#include "dash_live.h"
#include "supervise.h"

/* One source as our readers follow it, kept across its rounds. */
struct own_reader {
	struct sess *s;
	int src;		/* its index in s->src */
	struct sd_ring *rg;
	own_tick_fn tick;	/* upstream.c's once-a-second check */
	struct sd_fetch_opts o;
	struct sd_fetch_guard g;
	char media[SD_URL_MAX];	/* the media playlist or MPD, after redirects */
	long long last;		/* HLS: media sequence last appended, -1 */
	/* DASH: each track's media time last fed (-1), for tlast_n tracks */
	long long tlast[SD_DASH_LIVE_TRACKS];
	size_t tlast_n;
	int dirty;		/* the ring's stream does not go on as is */
	int announced;		/* state "up" since this round's open */
	double last_new;	/* when a segment was last appended */
	unsigned long long segs;
	char why[320];
};

/* An ffmpeg's stderr (upstream.c's ingest, upstream_dash.c's remux):
 * its last whole line, which says why it ended. */
struct own_stderr {
	char line[256];		/* the last whole line, "" before one */
	char part[256];		/* the line being read */
	size_t plen;
};

/* What fd (non-blocking) has: copied to the log (our stderr), e's last
 * line kept. */
void	own_stderr_read(int fd, struct own_stderr *e);

/* Where a body goes, chunk by chunk; -1 stops the fetch. */
typedef int (*own_sink_fn)(void *ctx, const char *p, size_t n);

/*
 * GET url under the reader's guard and headers, at most max bytes, into
 * sink; final (SD_URL_MAX, may be NULL): the URL after redirects. One
 * deadline for the exchange (fetch.c). 0, or -1 with r->why ("what:
 * HTTP 404").
 */
int	own_fetch(struct own_reader *r, const char *url, const char *what,
	    size_t max, own_sink_fn sink, void *ctx, char *final);
/* A body into an sd_buf (ctx). */
int	own_sink_buf(void *ctx, const char *p, size_t n);
/* The state says "up", once a round. */
void	own_announce(struct own_reader *r);
/*
 * After a media playlist's new segments were taken (r->segs was before):
 * OWN_ENDED at EXT-X-ENDLIST, OWN_STALLED when nothing new came for the
 * timeout, else 0 with wait the seconds until its reload (RFC 8216 6.3.4:
 * the target duration, half of it when nothing was new).
 */
int	own_playlist_after(struct own_reader *r, const struct sd_hls_live *l,
	    unsigned long long before, double *wait);

/*
 * upstream_dash.c: follow a live DASH MPD (its bytes b, fetched from
 * r->media), or the HLS media playlist l (fMP4 segments, r->media) for
 * one round: an OWN_* result, r->why saying why it ended.
 */
int	own_dash_round(struct own_reader *r, const struct sd_buf *b);
int	own_fmp4_round(struct own_reader *r, struct sd_hls_live *l);

#endif /* SD_UPSTREAM_OWN_H */
