/*
 * fetch.h - HTTP GET (fetch.c, its guard and connection fetch_guard.c)
 * for the relay inside lib/: the upstream of supervise.c and the
 * passthrough of passthru.c. sd.h has the whole-body sd_fetch_all that
 * sd-import(1) uses. Not a public interface.
 */
#ifndef SD_FETCH_H
#define SD_FETCH_H

#include <sys/types.h>

#include "sd.h"
#include "fetch_guard.h"

#define SD_FETCH_MAX_REDIRECTS 5

/* One GET; http:// here, https:// through a curl(1) child. */
#define SD_FETCH_HEADERS_MAX 2048	/* a proxy's header block, at most */

struct sd_fetch {
	const struct sd_fetch_guard *guard;	/* NULL: anywhere */
	long long deadline;	/* sd_mono_ms() when the exchange is over */
	int fd;
	int pid;		/* the https child, 0 */
	int stream;		/* an endless body: no deadline past the head */
	int status;		/* of the final response */
	int chunked, chunk_started, eof;
	long long remaining;	/* Content-Length left, -1: to EOF */
	long long chunk_left;
	int timeout_ms;
	const char *headers;	/* the proxy's lines (sd_fetch_opts), NULL */
	char url[SD_URL_MAX];	/* after redirects */
	char location[SD_URL_MAX];
	char content_type[128];
	size_t off, len;
	char buf[32768];
};
/*
 * Connect, send the request, read the head, follow at most
 * SD_FETCH_MAX_REDIRECTS redirects. 0 with a 2xx response ready to read;
 * -1 with errno (ETIMEDOUT, ECONNREFUSED, ELOOP, EPROTO: a non-2xx status,
 * in f->status).
 */
int sd_fetch_open(struct sd_fetch *f, const char *url,
    const struct sd_fetch_opts *o);
/* sd_fetch_open under a guard (NULL: none), one deadline for all. */
int sd_fetch_open_guarded(struct sd_fetch *f, const char *url,
    const struct sd_fetch_opts *o, const struct sd_fetch_guard *g);
/*
 * A live stream under a guard (the TS relay): the deadline bounds the
 * connection, redirects and head, not the body; each hop checked.
 */
int sd_fetch_open_stream(struct sd_fetch *f, const char *url,
    const struct sd_fetch_opts *o, const struct sd_fetch_guard *g);
/* sd_fetch_all under a guard: one deadline for the whole exchange. */
int sd_fetch_all_guarded(const char *url, const struct sd_fetch_opts *o,
    const struct sd_fetch_guard *g, size_t max, struct sd_buf *out);
/* Body bytes (chunked coding removed): > 0, 0 at the end, -1 (ETIMEDOUT). */
ssize_t sd_fetch_read(struct sd_fetch *f, void *buf, size_t n);
int sd_fetch_close(struct sd_fetch *f);
/* The response already on fd (tests, fuzzing): its head read as above. */
int sd_fetch_fd(struct sd_fetch *f, int fd, const char *url, int timeout_ms);

#endif /* SD_FETCH_H */
