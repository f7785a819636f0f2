/*
 * av_probe.c - sd_classify: open a source (http(s) URL, file or stdin),
 * decide its format from the content (classify.c), read HLS and DASH
 * manifests, follow an HLS master to its best variant, and probe the media
 * with libavformat for codecs, sizes, rates and RFC 6381 strings.
 *
 * Bounded everywhere: one deadline for the whole classification, checked
 * by the AVIOInterruptCB that libavformat polls while it connects and
 * waits for data (so a server that accepts and never answers ends at the
 * deadline too), a probe size, caps on manifest sizes. Sub-URIs from a
 * manifest are resolved by us and must stay on http(s) (or files, for a
 * manifest that is a file): a remote playlist never opens a local file.
 *
 * This file holds the entry; the deadline and the input are av_probe_io.c's,
 * what libavformat finds is read and reported by av_probe_media.c,
 * manifests are read by av_probe_manifest.c (av_probe_int.h says what they share).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libavformat/avformat.h>
#include <libavutil/opt.h>

#include "sd.h"
#include "av_probe_int.h"
#include "util_int.h"
#include "classify.h"
#include "fetch.h"
#include "guard.h"

#define HEAD_BYTES (64 * 1024)		/* enough to sniff any format */

void
sd_classify_opts_init(struct sd_classify_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->timeout = 10;
	o->probesize = 5000000;
	o->follow = 1;
}

/*
 * A stream rather than a file: no size is known (an HTTP response without
 * Content-Length, a pipe). A live TS channel is such a stream; a recording
 * served as a file has a size.
 */
static int
is_stream(const struct cls *c, AVIOContext *under)
{
	struct stat sb;

	if (under != NULL)
		return avio_size(under) < 0;
	return fstat(0, &sb) == -1 || !S_ISREG(sb.st_mode);
}

static enum sd_exit
classify_media(struct cls *c, enum sd_format f, struct sd_buf *head,
    AVIOContext *under)
{
	struct replay r = { c, head, under, 0, (int64_t)head->len };
	AVIOContext *pb;
	uint8_t *iobuf;
	struct media_info mi;
	int rv;

	if ((iobuf = av_malloc(32768)) == NULL)
		return SD_EX_SOFTWARE;
	pb = avio_alloc_context(iobuf, 32768, 0, &r, cls_replay_read, NULL,
	    cls_replay_seek);
	if (pb == NULL) {
		av_free(iobuf);
		return SD_EX_SOFTWARE;
	}
	pb->seekable = under != NULL ? under->seekable : 0;
	rv = cls_probe(c, c->is_stdin ? "pipe:" : c->source, pb, &mi);
	av_freep(&pb->buffer);
	avio_context_free(&pb);
	if (rv < 0) {
		enum sd_exit ex = cls_fail(c, rv, "libavformat");

		if (ex == SD_EX_DATAERR)
			cls_reason(c, "Not HLS, DASH or MPEG-TS, and no format "
			    "libavformat reads with audio or video.");
		return ex;
	}
	if (f == SD_FMT_OTHER && strcmp(mi.container, "mpegts") == 0) {
		f = SD_FMT_MPEGTS;
		sd_rec_set(c->out, "format", "%s", sd_format_name(f));
	}
	sd_rec_add(c->out, "container", "%s", mi.container);
	sd_rec_add(c->out, "live", "%s", is_stream(c, under) ? "yes" : "no");
	if (f == SD_FMT_MPEGTS) {
		int scr = sd_ts_scrambled(head->p, head->len);

		sd_rec_add(c->out, "encrypted", "%s", scr ? "yes" : "no");
		if (scr)
			cls_reason(c, "Most packets are scrambled (conditional "
			    "access).");
	}
	cls_emit_media(c, &mi, 0);
	cls_reason(c, "%s", f == SD_FMT_MPEGTS ? "MPEG-TS: sync bytes at a "
	    "packet stride." : "Not HLS, DASH or MPEG-TS: libavformat reads "
	    "it as the container named.");
	return SD_EX_OK;
}

/* A local path that is missing or not a file: say so before libavformat
 * turns it into a generic I/O error. */
static enum sd_exit
check_file(struct cls *c)
{
	const char *path = c->source;
	struct stat sb;

	if (strncmp(path, "file:", 5) == 0)
		path += 5;
	if (stat(path, &sb) == -1) {
		cls_reason(c, "The file cannot be read: %s.", strerror(errno));
		return SD_EX_NOINPUT;
	}
	if (S_ISDIR(sb.st_mode)) {
		cls_reason(c, "A directory, not a file.");
		return SD_EX_NOINPUT;
	}
	if (access(path, R_OK) == -1) {
		cls_reason(c, "The file cannot be read: %s.", strerror(errno));
		return SD_EX_NOINPUT;
	}
	return SD_EX_OK;
}

/* The HTTP answer's Content-Type, and its URL after redirects. */
/*
 * A local manifest's base as an absolute path: libavformat's dash demuxer
 * resolves a relative one wrongly (it cannot find the init segments).
 */
static void
absolute_base(struct cls *c)
{
	char *abs = realpath(strncmp(c->source, "file:", 5) == 0 ?
	    c->source + 5 : c->source, NULL);

	if (abs != NULL && strlen(abs) < sizeof(c->base))
		strlcpy(c->base, abs, sizeof(c->base));
	free(abs);
}

static void
note_http(struct cls *c, AVIOContext *pb)
{
	uint8_t *mime = NULL, *loc = NULL;

	if (pb == NULL || !c->is_http)
		return;
	if (av_opt_get(pb, "mime_type", AV_OPT_SEARCH_CHILDREN, &mime) >= 0 &&
	    mime != NULL && mime[0] != '\0')
		strlcpy(c->mime, (const char *)mime, sizeof(c->mime));
	av_free(mime);
	if (av_opt_get(pb, "location", AV_OPT_SEARCH_CHILDREN, &loc) >= 0 &&
	    loc != NULL && sd_url_is_http((const char *)loc) &&
	    strlen((const char *)loc) < sizeof(c->base) &&
	    strcmp((const char *)loc, c->source) != 0) {
		strlcpy(c->base, (const char *)loc, sizeof(c->base));
		sd_rec_add(c->out, "location", "%s", c->base);
	}
	av_free(loc);
}

/* Does the Content-Type hint agree with what the content says? */
static void
hint(struct cls *c, enum sd_format f)
{
	static const struct { const char *needle; enum sd_format f; } t[] = {
		{ "mpegurl", SD_FMT_HLS }, { "dash+xml", SD_FMT_DASH },
		{ "mp2t", SD_FMT_MPEGTS },
	};
	size_t i;

	if (c->mime[0] == '\0')
		return;
	sd_rec_add(c->out, "content_type", "%s", c->mime);
	for (i = 0; i < SD_ARRAY_LEN(t); i++)
		if (strcasestr(c->mime, t[i].needle) != NULL && t[i].f != f)
			cls_reason(c, "The server calls it %s, but the content "
			    "decides.", c->mime);
}

static enum sd_exit
classify(const char *source, const struct sd_classify_opts *o,
    struct sd_rec *out, const char *proxy)
{
	struct cls c;
	struct sd_buf head;
	AVIOContext *pb = NULL;
	enum sd_format f;
	enum sd_exit ex;
	char why[512];
	int rv, eof;

	memset(&c, 0, sizeof(c));
	c.o = o;
	c.out = out;
	c.source = source;
	c.is_stdin = strcmp(source, "-") == 0;
	c.is_http = sd_url_is_http(source);
	c.proxy = proxy;
	if (strlcpy(c.base, source, sizeof(c.base)) >= sizeof(c.base)) {
		cls_reason(&c, "The source is longer than %d bytes.", SD_URI_MAX - 1);
		return SD_EX_USAGE;
	}
	c.deadline = sd_mono_ms() + (long long)(o->timeout * 1000);
	c.cb.callback = cls_interrupted;
	c.cb.opaque = &c;

	if (!c.is_stdin && !c.is_http && strchr(source, ':') != NULL &&
	    strncmp(source, "file:", 5) != 0 && source[0] != '/' &&
	    source[0] != '.') {
		cls_reason(&c, "%s: only http(s) URLs, files and - are read.",
		    source);
		return SD_EX_USAGE;
	}
	sd_rec_add(out, "source", "%s", source);
	if (!c.is_stdin && !c.is_http) {
		if ((ex = check_file(&c)) != SD_EX_OK)
			return ex;
		absolute_base(&c);
	}
	sd_buf_init(&head);
	if (!c.is_stdin && (rv = cls_open_io(&c, source, &pb)) < 0) {
		/* libav says "Input/output error": say what the log says. */
		if (c.is_http && !c.timed_out && sd_host_unresolved(source,
		    why, sizeof(why))) {
			cls_reason(&c, "Opening the source: %s.", why);
			return SD_EX_UNAVAILABLE;
		}
		return cls_fail(&c, rv, "Opening the source");
	}
	note_http(&c, pb);
	if ((rv = cls_read_into(&c, pb, &head, HEAD_BYTES, &eof)) < 0) {
		ex = cls_fail(&c, rv, "Reading the source");
		goto end;
	}
	if (head.len == 0) {
		cls_reason(&c, "The source is empty.");
		ex = SD_EX_DATAERR;
		goto end;
	}
	f = sd_sniff_format(head.p, head.len);
	if ((f == SD_FMT_HLS || f == SD_FMT_DASH) && !eof &&
	    (rv = cls_read_into(&c, pb, &head, MANIFEST_MAX - head.len, &eof)) < 0) {
		ex = cls_fail(&c, rv, "Reading the manifest");
		goto end;
	}
	if ((f == SD_FMT_HLS || f == SD_FMT_DASH) && !eof)
		cls_reason(&c, "The manifest is longer than %d bytes: the rest "
		    "was not read.", MANIFEST_MAX);
	sd_rec_add(out, "format", "%s", sd_format_name(f));
	hint(&c, f);
	if (f == SD_FMT_HLS)
		ex = cls_hls(&c, &head);
	else if (f == SD_FMT_DASH)
		ex = cls_dash(&c, &head);
	else
		ex = classify_media(&c, f, &head, pb);
end:
	avio_closep(&pb);
	sd_buf_free(&head);
	return ex;
}

/*
 * What an URL or stdin names is fetched through a guard (guard.c): the
 * source's origin and o->allow_hosts only, whatever a manifest or a
 * redirect says. http_proxy names it for every libavformat open, the
 * ones its demuxers make on their own included; the previous value comes
 * back after.
 */
enum sd_exit
sd_classify(const char *source, const struct sd_classify_opts *o,
    struct sd_rec *out)
{
	struct sd_fetch_guard g = { "", o->allow_hosts };
	struct sd_guard gd = { 0, "" };
	const char *was = getenv("http_proxy");
	char *saved = was != NULL ? strdup(was) : NULL;
	enum sd_exit ex;

	if (sd_url_is_http(source) || strcmp(source, "-") == 0) {
		g.source = sd_url_is_http(source) ? source : "";
		if (sd_guard_start(&gd, &g, (int)(o->timeout * 1000)) == -1 ||
		    sd_guard_env(&gd) == -1) {
			sd_rec_addm(out, "reason", "The guard cannot start: "
			    "%s.", strerror(errno));
			sd_guard_stop(&gd);
			free(saved);
			return SD_EX_SOFTWARE;
		}
	}
	ex = classify(source, o, out, gd.pid > 0 ? gd.url : NULL);
	if (gd.pid > 0) {
		sd_guard_stop(&gd);
		if (saved != NULL)
			setenv("http_proxy", saved, 1);
		else
			unsetenv("http_proxy");
	}
	free(saved);
	return ex;
}
