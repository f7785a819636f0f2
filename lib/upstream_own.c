/*
 * upstream_own.c - what the upstream session's own readers share
 * (upstream_own.h): a fetch under the source's guard and headers into a
 * sink, with why it failed in words, the state's "up" once a round, and
 * an ffmpeg's stderr with its last line (upstream.c's ingest uses that
 * too).
 * upstream_hls.c and upstream_dash.c both use these; neither uses the
 * other's, so the readers stand side by side.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sd.h"
#include "util_int.h"
#include "fetch.h"
#include "supervise.h"
#include "upstream_own.h"

void
own_stderr_read(int fd, struct own_stderr *e)
{
	char buf[1024];
	ssize_t n, i;

	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		(void)!write(2, buf, (size_t)n);
		for (i = 0; i < n; i++) {
			if (buf[i] == '\n') {
				e->part[e->plen] = '\0';
				if (e->plen > 0)
					memcpy(e->line, e->part, e->plen + 1);
				e->plen = 0;
			} else if (e->plen < sizeof(e->part) - 1 &&
			    !iscntrl((unsigned char)buf[i]))
				e->part[e->plen++] = buf[i];
		}
	}
}

int
own_sink_buf(void *ctx, const char *p, size_t n)
{
	return sd_buf_append(ctx, p, n);
}

/* Why a fetch failed, in r->why, with what was fetched. */
static void
fetch_why(struct own_reader *r, const struct sd_fetch *f, const char *what,
    int saved)
{
	if (f->status != 0 && (f->status < 200 || f->status >= 300))
		snprintf(r->why, sizeof(r->why), "%s: HTTP %d", what,
		    f->status);
	else if (saved == EHOSTUNREACH && sd_fetch_host_error() != NULL)
		snprintf(r->why, sizeof(r->why), "%s: %s", what,
		    sd_fetch_host_error());
	else
		snprintf(r->why, sizeof(r->why), "%s: %s", what,
		    saved == EFBIG ? "too large" : strerror(saved));
}

/* own_fetch (upstream_own.h) */
int
own_fetch(struct own_reader *r, const char *url, const char *what,
    size_t max, own_sink_fn sink, void *ctx, char *final)
{
	struct sd_fetch f;
	char buf[65536];
	size_t total = 0;
	ssize_t n;
	int saved = 0;

	if (sd_fetch_open_guarded(&f, url, &r->o, &r->g) == -1) {
		fetch_why(r, &f, what, errno);
		sd_fetch_close(&f);
		return -1;
	}
	if (final != NULL)
		strlcpy(final, f.url, SD_URL_MAX);
	while ((n = sd_fetch_read(&f, buf, sizeof(buf))) > 0) {
		if ((total += (size_t)n) > max) {
			saved = EFBIG;
			break;
		}
		if (sink(ctx, buf, (size_t)n) == -1) {
			saved = errno ? errno : EIO;
			break;
		}
	}
	if (n < 0)
		saved = errno;
	/* https: curl's exit status tells whether the body is whole */
	if (sd_fetch_close(&f) == -1 && saved == 0)
		saved = EPROTO;
	if (saved != 0) {
		fetch_why(r, &f, what, saved);
		return -1;
	}
	return 0;
}

void
own_announce(struct own_reader *r)
{
	if (!r->announced) {
		r->announced = 1;
		sup_state_put(r->s, "up", NULL);
	}
}

/* own_playlist_after (upstream_own.h) */
int
own_playlist_after(struct own_reader *r, const struct sd_hls_live *l,
    unsigned long long before, double *wait)
{
	if (l->endlist) {
		snprintf(r->why, sizeof(r->why), "the playlist ended "
		    "(EXT-X-ENDLIST)");
		return OWN_ENDED;
	}
	if (sd_mono_s() - r->last_new > r->s->l.timeout) {
		snprintf(r->why, sizeof(r->why), "no new segment for %d s",
		    r->s->l.timeout);
		return OWN_STALLED;
	}
	*wait = l->target > 0 ? l->target : 1;
	if (r->segs == before)
		*wait /= 2;
	return 0;
}
