/*
 * av_probe_io.c - sd_classify's input: the deadline that libavformat polls,
 * opening sub-URIs under the protocol whitelist, reading the source (or
 * stdin) into buffers, replaying the sniffed head to libavformat, and the
 * reasons and exit statuses every part reports with. Below av_probe.c,
 * av_probe_media.c and av_probe_manifest.c; it calls none of them.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libavformat/avformat.h>
#include <libavutil/opt.h>

#include "sd.h"
#include "av_probe_int.h"
#include "util_int.h"

/* ---------------------------------------------------------------- time */

int
cls_interrupted(void *opaque)
{
	struct cls *c = opaque;

	if (sd_mono_ms() >= c->deadline)
		c->timed_out = 1;
	return c->timed_out;
}

static int64_t
remaining_us(const struct cls *c)
{
	int64_t left = (int64_t)(c->deadline - sd_mono_ms()) * 1000;

	return left > 1000 ? left : 1000;
}

void
cls_reason(struct cls *c, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	sd_rec_addm(c->out, "reason", "%s", buf);
}

/*
 * An AVERROR as an exit status, with a reason naming what failed. Timeouts
 * (our deadline, or a socket's) are SD_EX_TEMPFAIL; a missing file
 * SD_EX_NOINPUT; refused, unreachable and HTTP errors SD_EX_UNAVAILABLE;
 * content libavformat cannot read SD_EX_DATAERR.
 */
enum sd_exit
cls_fail(struct cls *c, int err, const char *what)
{
	char msg[AV_ERROR_MAX_STRING_SIZE];

	/* (cls_interrupted: a failure past the deadline is the timeout's,
	 * even when the guard's own timeout answered before libav asked) */
	if (cls_interrupted(c) || err == AVERROR_EXIT ||
	    err == AVERROR(ETIMEDOUT)) {
		cls_reason(c, "%s: no answer within the %g s timeout.", what,
		    c->o->timeout);
		return SD_EX_TEMPFAIL;
	}
	av_strerror(err, msg, sizeof(msg));
	cls_reason(c, "%s: %s.", what, msg);
	if (err == AVERROR_INVALIDDATA || err == AVERROR_EOF ||
	    err == AVERROR_DECODER_NOT_FOUND ||
	    err == AVERROR_DEMUXER_NOT_FOUND)
		return SD_EX_DATAERR;
	if ((err == AVERROR(ENOENT) || err == AVERROR(EACCES) ||
	    err == AVERROR(EISDIR)) && !c->is_http)
		return SD_EX_NOINPUT;
	return SD_EX_UNAVAILABLE;
}

/* ---------------------------------------------------------------- input */

/* The protocols a URL found in a manifest may use (httpproxy: https
 * through the guard's CONNECT). */
static const char *
whitelist(const struct cls *c)
{
	return c->is_http || c->is_stdin ?
	    "http,https,tcp,tls,crypto,httpproxy" :
	    "file,http,https,tcp,tls,crypto";
}

void
cls_io_options(const struct cls *c, AVDictionary **d)
{
	char us[32];

	snprintf(us, sizeof(us), "%lld", (long long)remaining_us(c));
	av_dict_set(d, "rw_timeout", us, 0);
	av_dict_set(d, "timeout", us, 0);
	av_dict_set(d, "protocol_whitelist", whitelist(c), 0);
	/* The environment says it too; the option also reaches the
	 * demuxers' own opens when they copy it (hls, dash). */
	if (c->proxy != NULL)
		av_dict_set(d, "http_proxy", c->proxy, 0);
	/* The provider's headers (User-Agent, Referer, ...): http only. */
	if (c->o->headers != NULL && c->o->headers[0] != '\0')
		av_dict_set(d, "headers", c->o->headers, 0);
}

/* May a URI found in a manifest be opened? http(s) always; a local path
 * only when the manifest itself was a local file. */
int
cls_uri_allowed(const struct cls *c, const char *url)
{
	if (sd_url_is_http(url))
		return 1;
	if (c->is_http || c->is_stdin)
		return 0;
	return strchr(url, ':') == NULL || strncmp(url, "file:", 5) == 0;
}

int
cls_open_io(struct cls *c, const char *url, AVIOContext **pb)
{
	AVDictionary *d = NULL;
	int rv;

	cls_io_options(c, &d);
	rv = avio_open2(pb, url, AVIO_FLAG_READ, &c->cb, &d);
	av_dict_free(&d);
	return rv;
}

/* Read from stdin until the deadline: poll first, so that a silent pipe
 * cannot hold us past it. Returns bytes, 0 at EOF, or an AVERROR. */
static int
read_stdin(struct cls *c, uint8_t *buf, int size)
{
	struct pollfd pfd = { 0, POLLIN, 0 };
	ssize_t n;
	int ms;

	for (;;) {
		if (cls_interrupted(c))
			return AVERROR_EXIT;
		ms = (int)(remaining_us(c) / 1000);
		if (ms > 200)
			ms = 200;
		if (poll(&pfd, 1, ms) == -1 && errno != EINTR)
			return AVERROR(errno);
		if (pfd.revents == 0)
			continue;
		n = read(0, buf, (size_t)size);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return AVERROR(errno);
		return (int)n;
	}
}

int
cls_replay_read(void *opaque, uint8_t *buf, int size)
{
	struct replay *r = opaque;
	int n;

	if (r->pos < (int64_t)r->head->len) {
		n = (int)FFMIN((int64_t)size, (int64_t)r->head->len - r->pos);
		memcpy(buf, r->head->p + r->pos, (size_t)n);
		r->pos += n;
		return n;
	}
	if (r->under == NULL)
		n = r->upos == r->pos ? read_stdin(r->c, buf, size) :
		    AVERROR(ESPIPE);
	else {
		if (r->upos != r->pos) {
			if (avio_seek(r->under, r->pos, SEEK_SET) < 0)
				return AVERROR(EIO);
			r->upos = r->pos;
		}
		n = avio_read_partial(r->under, buf, size);
	}
	if (n == 0)
		return AVERROR_EOF;
	if (n > 0) {
		r->pos += n;
		r->upos += n;
	}
	return n;
}

int64_t
cls_replay_seek(void *opaque, int64_t off, int whence)
{
	struct replay *r = opaque;
	int64_t size = r->under != NULL ? avio_size(r->under) : -1, to;

	if (whence & AVSEEK_SIZE)
		return size >= 0 ? size : AVERROR(ENOSYS);
	whence &= ~AVSEEK_FORCE;
	if (whence == SEEK_SET)
		to = off;
	else if (whence == SEEK_CUR)
		to = r->pos + off;
	else if (whence == SEEK_END && size >= 0)
		to = size + off;
	else
		return AVERROR(EINVAL);
	if (to < 0)
		return AVERROR(EINVAL);
	if (to > (int64_t)r->head->len &&
	    (r->under == NULL || !(r->under->seekable & AVIO_SEEKABLE_NORMAL)))
		return AVERROR(ESPIPE);
	r->pos = to;
	return to;
}

/* Append up to want bytes more from the source (pb, or stdin when NULL);
 * returns 0 at EOF or when done, an AVERROR otherwise. */
int
cls_read_into(struct cls *c, AVIOContext *pb, struct sd_buf *b, size_t want,
    int *eof)
{
	uint8_t tmp[16384];
	size_t goal = b->len + want;
	int n;

	*eof = 0;
	while (b->len < goal) {
		int ask = (int)FFMIN(sizeof(tmp), goal - b->len);

		n = pb != NULL ? avio_read_partial(pb, tmp, ask) :
		    read_stdin(c, tmp, ask);
		if (n == 0 || n == AVERROR_EOF) {
			*eof = 1;
			return 0;
		}
		if (n < 0)
			return n;
		if (sd_buf_append(b, tmp, (size_t)n) == -1)
			return AVERROR(ENOMEM);
	}
	return 0;
}

/* A manifest named in another one, whole (capped). */
int
cls_fetch_text(struct cls *c, const char *url, struct sd_buf *b)
{
	AVIOContext *pb = NULL;
	int rv, eof;

	if ((rv = cls_open_io(c, url, &pb)) < 0)
		return rv;
	rv = cls_read_into(c, pb, b, MANIFEST_MAX, &eof);
	avio_closep(&pb);
	return rv;
}

/* ---------------------------------------------------------------- entry */

