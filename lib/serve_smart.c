/*
 * serve_smart.c - smart mode: classify the source (sd-classify, run as a
 * program and cached in the spool for classify_ttl seconds, so that
 * sd-serve itself never loads libav*), decide in-process, then hand over
 * to the relay side: the TS ring for a TS client, a session's store for
 * HLS and DASH.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sd.h"
#include "serve_int.h"
#include "spool.h"
#include "store.h"
#include "util_int.h"
#include "http.h"
#include "passthru.h"
#include "ring.h"
#include "session.h"
#include "viewers.h"

#define CLASSIFY_MAX (256 * 1024)	/* a record is a few hundred bytes */
#define CLASSIFY_GRACE_S 10		/* beyond upstream_timeout */

/* Read a child's stdout into out within timeout s; its exit status. */
static int
collect(pid_t pid, int fd, int timeout, struct sd_buf *out)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	long long until = sd_mono_ms() + timeout * 1000LL;
	char chunk[8192];
	ssize_t n;
	int st, left;

	for (;;) {
		if ((left = (int)(until - sd_mono_ms())) <= 0) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			return SD_EX_TEMPFAIL;
		}
		if (poll(&pfd, 1, left) <= 0)
			continue;
		n = read(fd, chunk, sizeof(chunk));
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (out->len + (size_t)n > CLASSIFY_MAX) {
			kill(pid, SIGKILL);
			break;
		}
		sd_buf_append(out, chunk, (size_t)n);
	}
	while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
		;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return SD_EX_SOFTWARE;
}

/*
 * HLS and DASH sources are classified from their URL (manifests are small,
 * separate requests). Anything else is read from the proxy's one upstream
 * connection, the relay's ring: a provider that allows one connection
 * must not see a second one for the probe.
 */
static int
source_is_manifest(const char *url)
{
	size_t n = strcspn(url, "?#");

	return (n >= 5 && strncasecmp(url + n - 5, ".m3u8", 5) == 0) ||
	    (n >= 4 && strncasecmp(url + n - 4, ".mpd", 4) == 0);
}

/* A child copying the live ring of dir into fd until its reader leaves. */
static pid_t
start_tail(const char *dir, int fd, const int *others, size_t nothers)
{
	pid_t pid = fork();
	size_t i;

	if (pid == 0) {
		/* classify's stdout must see EOF when classify exits */
		for (i = 0; i < nothers; i++)
			close(others[i]);
		signal(SIGPIPE, SIG_IGN);
		sd_relay_tail(dir, fd);
		_exit(0);
	}
	return pid;
}

/*
 * sd-classify on the source (argv, no shell), or on "-" fed from the ring
 * in ringdir; its record into out. Returns its exit status.
 */
/*
 * -H LINE for each "Name: value\r\n" of headers (a copy cut in place,
 * in the child): at most max argv slots used. Returns how many.
 */
static size_t
headers_argv(const char *headers, char **argv, size_t max)
{
	static char copy[sizeof(((struct sd_proxy *)0)->headers)];
	char *p = copy, *e;
	size_t n = 0;

	strlcpy(copy, headers ? headers : "", sizeof(copy));
	while (*p != '\0' && n + 2 <= max && (e = strstr(p, "\r\n")) != NULL) {
		*e = '\0';
		argv[n++] = "-H";
		argv[n++] = p;
		p = e + 2;
	}
	return n;
}

/*
 * -A HOST for each entry of allow_hosts (blanks or commas between), the
 * same way: at most max argv slots used. Returns how many.
 */
static size_t
hosts_argv(const char *hosts, char **argv, size_t max)
{
	static char copy[sizeof(((struct sd_proxy *)0)->allow_hosts)];
	char *p = copy;
	size_t n = 0, len;

	strlcpy(copy, hosts ? hosts : "", sizeof(copy));
	for (;;) {
		p += strspn(p, " \t,");
		if ((len = strcspn(p, " \t,")) == 0 || n + 2 > max)
			return n;
		argv[n++] = "-A";
		argv[n++] = p;
		p += len;
		if (*p != '\0')
			*p++ = '\0';
	}
}

static int
run_classify(struct srv *s, const struct sd_proxy *px, const char *source,
    const char *ringdir, int timeout, struct sd_buf *out)
{
	char prog[PATH_MAX], secs[16];
	int p[2], in[2] = { -1, -1 }, rc, st;
	pid_t pid, tail = -1;

	sd_sibling_path("sd-classify", prog, sizeof(prog));
	snprintf(secs, sizeof(secs), "%d", s->cfg->settings.upstream_timeout);
	if (pipe2(p, O_CLOEXEC) == -1)
		return SD_EX_SOFTWARE;
	if (ringdir && (pipe2(in, O_CLOEXEC) == -1 ||
	    (tail = start_tail(ringdir, in[1], p, 2)) == -1)) {
		close(p[0]);
		close(p[1]);
		return SD_EX_SOFTWARE;
	}
	if (in[1] != -1)
		close(in[1]);
	if ((pid = fork()) == 0) {
		char *argv[192];
		size_t n = 0;

		argv[n++] = "sd-classify";
		argv[n++] = "-t";
		argv[n++] = secs;
		/* the provider's headers, one -H each */
		n += headers_argv(px->headers, argv + n, 64 - 4 - n);
		/* where else the guard lets it fetch, one -A each */
		n += hosts_argv(px->allow_hosts, argv + n, 192 - 4 - n);
		argv[n++] = "--";
		argv[n++] = ringdir ? "-" : (char *)source;
		argv[n] = NULL;

		dup2(p[1], 1);
		/* Under inetd stdin is the client's request: never classify's. */
		if (in[0] != -1)
			dup2(in[0], 0);
		else if ((rc = open("/dev/null", O_RDONLY)) != -1)
			dup2(rc, 0);
		execvp(prog, argv);
		warn("%s", prog);
		_exit(SD_EX_SOFTWARE);
	}
	close(p[1]);
	if (in[0] != -1)
		close(in[0]);
	rc = pid == -1 ? SD_EX_SOFTWARE : collect(pid, p[0], timeout, out);
	close(p[0]);
	if (tail > 0) {
		kill(tail, SIGTERM);
		while (waitpid(tail, &st, 0) == -1 && errno == EINTR)
			;
	}
	return rc;
}

/* 1 when the relay's upstream reader of ring has a connection up. */
static int
ring_up(const char *ring)
{
	struct sd_rec r;
	const char *v;
	int up;

	if (sd_session_state_read(ring, &r) == -1)
		return 0;
	up = (v = sd_rec_get(&r, "state")) != NULL && strcmp(v, "up") == 0;
	sd_rec_free(&r);
	return up;
}

/* Keep a classification for the next requests (atomically). */
static void
cache_write(struct srv *s, const struct sd_proxy *px, const char *path,
    const struct sd_rec *cls)
{
	char dir[PATH_MAX], *buf = NULL;
	size_t len = 0;
	FILE *fp;
	int rc;

	if (sd_spool_path(dir, sizeof(dir), s->cfg->settings.spool, px->id,
	    NULL) == -1 || sd_spool_mkdirs(dir) == -1 ||
	    (fp = open_memstream(&buf, &len)) == NULL)
		return;
	rc = sd_rec_print(cls, fp, 0);
	if (fclose(fp) == 0 && rc == 0)
		sd_write_atomic(path, buf, len, 0644, 0);
	free(buf);
}

/* What a failed sd-classify answers: 504, 503 or 502. */
static int
classify_failed(const struct sd_proxy *px, const char *url, int rc,
    const char *ring)
{
	if (rc == SD_EX_TEMPFAIL)
		return 504;	/* it answered too slowly, if at all */
	if (rc == SD_EX_UNAVAILABLE || rc == SD_EX_NOINPUT ||
	    (ring != NULL && !ring_up(ring)))
		return 503;
	warnx("%s: sd-classify %s: exit status %d", px->id, url, rc);
	return 502;
}

/* sd-classify's output as the record cls, kept for the next requests. */
static int
classify_keep(struct srv *s, const struct sd_proxy *px, const char *path,
    const char *url, const struct sd_buf *out, struct sd_rec *cls)
{
	if (out->failed || sd_rec_parse(cls, out->p ? out->p : "", out->len,
	    "sd-classify") == -1)
		return -1;
	sd_rec_set(cls, "sd_serve_source", "%s", px->nsources > 0 ?
	    px->sources : px->source);
	if (url != NULL)
		sd_rec_set(cls, "sd_serve_classified", "%s", url);
	cache_write(s, px, path, cls);
	return 0;
}

/*
 * HLS and DASH sources by their URL, in the proxy's order: the first
 * that answers is classified (sd_serve_classified names it). Each may
 * take upstream_timeout (sd-classify -t) and is stopped 10 s after that;
 * a later one gets what is left of the first one's time and one more
 * upstream_timeout each, so a dead first source costs one timeout, not
 * an error. *k: the first source that is no manifest (read from the
 * ring instead), or nsources. Returns 0, or the status of the last
 * failure; a provider without a free connection is *session_errno
 * EUSERS, as a session refused for it is.
 */
static int
classify_urls(struct srv *s, const struct sd_proxy *px, const char *path,
    struct sd_rec *cls, int *k, int *session_errno)
{
	int t = s->cfg->settings.upstream_timeout;
	long long until = sd_mono_ms() + (t + CLASSIFY_GRACE_S) * 1000LL;
	char url[SD_URL_MAX];
	struct sd_buf out;
	int rc, status = 502, left;

	for (*k = 0; sd_proxy_source(px, *k, url, sizeof(url)) == 0; (*k)++) {
		if (!source_is_manifest(url))
			return status;
		if ((left = (int)((until - sd_mono_ms()) / 1000)) < 1)
			break;
		/* Classifying a manifest is an upstream connection too. */
		if (sd_relay_provider_room(s->cfg, px) == -1) {
			*k = px->nsources > 0 ? px->nsources : 1;
			*session_errno = EUSERS;
			return 503;
		}
		sd_buf_init(&out);
		rc = run_classify(s, px, url, NULL, left, &out);
		if (rc == SD_EX_OK && classify_keep(s, px, path, url, &out,
		    cls) == 0) {
			sd_buf_free(&out);
			return 0;
		}
		sd_rec_free(cls);
		sd_rec_init(cls);
		status = classify_failed(px, url, rc, NULL);
		sd_buf_free(&out);
		until += t * 1000LL;
	}
	*k = px->nsources > 0 ? px->nsources : 1;
	return status;
}

/*
 * The cached classification of px, or a fresh one. The cache file
 * (SPOOL/PROXY/classify) is the record plus the sources it was made for,
 * rewritten atomically; a flock on SPOOL/.locks/PROXY.classify keeps a
 * crowd of first requests from classifying the same source at once.
 * Manifests are classified by URL (classify_urls); anything else from the
 * ring, which the upstream session fills from whichever source answers
 * (sd_relay_ensure waits for it, each source given upstream_timeout).
 * Returns 0, or the HTTP status to answer; when the upstream session or
 * the provider's connection could not be had, *session_errno says why,
 * for relay_error.
 */
static int
classify_cached(struct srv *s, const struct sd_proxy *px, struct sd_rec *cls,
    int *session_errno)
{
	char path[PATH_MAX], lockname[SD_NAME_MAX + 16], ring[PATH_MAX];
	const char *src;
	struct sd_buf out;
	struct stat sb;
	char *buf;
	size_t len;
	int lock, rc, status = 0, k = 0;

	*session_errno = 0;
	if (sd_spool_path(path, sizeof(path), s->cfg->settings.spool, px->id,
	    "classify") == -1)
		return 500;
	snprintf(lockname, sizeof(lockname), "%s.classify", px->id);
	if ((lock = sd_lock_open(s->cfg->settings.spool, lockname)) != -1)
		flock(lock, LOCK_EX);
	if (stat(path, &sb) == 0 && sb.st_mtime + s->cfg->settings.classify_ttl
	    >= sd_real_ms() / 1000 &&
	    sd_read_file(path, CLASSIFY_MAX, &buf, &len) == 0) {
		rc = sd_rec_parse(cls, buf, len, path);
		free(buf);
		src = sd_rec_get(cls, "sd_serve_source");
		if (rc == 0 && src && strcmp(src, px->nsources > 0 ?
		    px->sources : px->source) == 0)
			goto done;
		sd_rec_free(cls);
		sd_rec_init(cls);
	}
	if ((status = classify_urls(s, px, path, cls, &k,
	    session_errno)) == 0 ||
	    k >= (px->nsources > 0 ? px->nsources : 1))
		goto done;
	ring[0] = '\0';
	if (sd_relay_ensure(s->cfg, px, "ts", NULL, ring, sizeof(ring)) == -1) {
		*session_errno = errno;
		status = 503;
		goto done;
	}
	sd_buf_init(&out);
	rc = run_classify(s, px, px->source, ring,
	    s->cfg->settings.upstream_timeout + CLASSIFY_GRACE_S, &out);
	status = rc == SD_EX_OK && classify_keep(s, px, path, NULL, &out,
	    cls) == 0 ? 0 : classify_failed(px, px->source, rc, ring);
	sd_buf_free(&out);
done:
	if (lock != -1)
		close(lock);
	return status;
}

/* Which client a route is for; -1 when name is no route. */
static int
client_of(struct srv *s, const char *name, enum sd_client *c)
{
	char url[SD_HTTP_PATH_MAX + 2100];

	if (name == NULL) {
		snprintf(url, sizeof(url), "%s%s%s", s->rq->path,
		    s->rq->query[0] ? "?" : "", s->rq->query);
		*c = sd_client_format(url, s->rq->accept[0] ? s->rq->accept :
		    NULL, s->rq->user_agent[0] ? s->rq->user_agent : NULL,
		    NULL);
		return 0;
	}
	if (strcmp(name, "stream.ts") == 0)
		*c = SD_CLIENT_TS;
	else if (strcmp(name, "master.m3u8") == 0)
		*c = SD_CLIENT_HLS;
	else if (strcmp(name, "master-ts.m3u8") == 0)
		*c = SD_CLIENT_HLS_TS;
	else if (strcmp(name, "manifest.mpd") == 0)
		*c = SD_CLIENT_DASH;
	else
		return -1;
	return 0;
}

/* /PROXY with a format: TS is streamed here, HLS and DASH redirected. */
static int
redirect_to_manifest(struct srv *s, const struct sd_proxy *px,
    enum sd_client c)
{
	char url[1024];
	const char *m = c == SD_CLIENT_DASH ? "manifest.mpd" :
	    c == SD_CLIENT_HLS_TS ? "master-ts.m3u8" : "master.m3u8";

	if (!sd_manifest_base_ok(s->rq->script_name))
		return srv_error(s, 400, "bad SCRIPT_NAME", 0);
	snprintf(url, sizeof(url), "%s/%s/%s", s->rq->script_name, px->id, m);
	return srv_redirect(s, url);
}

/* The 503 of a provider without a free connection (EUSERS). */
static int
provider_busy(struct srv *s)
{
	const char *why;
	int retry = 5;

	if ((why = sd_relay_busy(&retry)) == NULL)
		why = "the provider's connections are in use";
	return srv_error(s, 503, why, retry);
}

/* Map sd_relay_ensure's errno to an answer. */
static int
relay_error(struct srv *s, const char *dir)
{
	if (errno == EUSERS)
		return provider_busy(s);
	if (errno == EAGAIN)
		return srv_error(s, 503, "too many live sessions", 5);
	if (errno == EHOSTDOWN)
		return srv_error(s, 503, "the upstream is down",
		    sd_relay_retry_after(dir));
	if (errno == ETIMEDOUT)
		return srv_error(s, 504, "the upstream did not answer", 5);
	return srv_error(s, 500, "the session could not start", 0);
}

/* TS client of a TS source: the ring, byte for byte, until it leaves. */
static int
serve_ts(struct srv *s, const struct sd_proxy *px)
{
	char dir[PATH_MAX];
	int h, rc;

	if ((h = sd_viewer_enter(s->cfg, px)) == -1)
		return errno == EBUSY ? srv_error(s, 503,
		    "this channel has max_clients viewers", 10) :
		    srv_error(s, 500, "clients cannot be counted", 0);
	if (sd_relay_ensure(s->cfg, px, "ts", NULL, dir, sizeof(dir)) == -1) {
		rc = relay_error(s, dir);
		sd_viewer_leave(h);
		return rc;
	}
	if (srv_stream_head(s) == -1) {
		sd_viewer_leave(h);
		return -1;
	}
	if (!s->head_only)
		sd_relay_tail(dir, s->fd);
	sd_viewer_leave(h);
	return 200;
}

/*
 * The store's variant for a decision: one session per (proxy, variant)
 * whatever the client's format. Repackaging is the same for every
 * profile; a transcode is the profile's.
 */
static void
variant_of(const struct sd_rec *dec, char *buf, size_t len)
{
	const char *d = sd_rec_get(dec, "delivery");
	const char *p = sd_rec_get(dec, "profile");

	if (d && strcmp(d, "transcode") == 0 && p && *p)
		snprintf(buf, len, "t-%s", p);
	else
		strlcpy(buf, "cmaf", len);
}

/* Copy the file dir/name to fd; -1 when the client went away. */
static int
copy_file(const char *dir, const char *name, int fd)
{
	char path[PATH_MAX], buf[65536];
	ssize_t n;
	int in, rc = 0;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path) || (in = open(path, O_RDONLY | O_CLOEXEC |
	    O_NOFOLLOW)) == -1)
		return 0;	/* gone already: the next one follows */
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (sd_write_all(fd, buf, (size_t)n, -1) == -1) {
			rc = -1;
			break;
		}
	close(in);
	return rc;
}

/*
 * The TS segments of dir's mpegts track after *next (from the newest one
 * when *next is 0), in order. Returns how many were sent, -1 when the
 * client went away, -2 when the store has no mpegts track.
 */
static int
send_new_ts(const char *dir, int fd, uint64_t *next)
{
	struct sd_store st;
	size_t i, last = 0;
	int t, sent = 0, found = 0;

	sd_store_init(&st);
	if (sd_store_read(&st, dir) == -1) {
		sd_store_free(&st);
		return 0;
	}
	if ((t = sd_store_track_index(&st, "ts")) < 0) {
		sd_store_free(&st);
		return -2;
	}
	for (i = 0; i < st.nsegs; i++)
		if (st.segs[i].track == t)
			last = i, found = 1;
	for (i = 0; found && i < st.nsegs && sent >= 0; i++) {
		if (st.segs[i].track != t || (*next == 0 ? i != last :
		    st.segs[i].seq < *next))
			continue;
		if (copy_file(dir, st.segs[i].file, fd) == -1)
			sent = -1;
		else {
			*next = st.segs[i].seq + 1;
			sent++;
		}
	}
	sd_store_free(&st);
	return sent;
}

static int
has_ts_track(const char *dir)
{
	struct sd_store st;
	int has;

	sd_store_init(&st);
	has = sd_store_read(&st, dir) == 0 &&
	    sd_store_track_index(&st, "ts") >= 0;
	sd_store_free(&st);
	return has;
}

#define STORE_TS_STALL_S 30	/* no new segment for this long: the end */

/*
 * A TS client of a transcode: the session's MPEG-TS segments (sd-cmafmux
 * -T), one after the other from the newest, as they are written. Each
 * segment starts with PAT/PMT and a keyframe, so joining is clean.
 */
static int
serve_store_ts(struct srv *s, const struct sd_proxy *px, const char *dir)
{
	uint64_t next = 0;
	double idle = 0;
	int h, n;

	if (!has_ts_track(dir))
		return srv_error(s, 501, "this session writes no MPEG-TS "
		    "segments", 0);
	if ((h = sd_viewer_enter(s->cfg, px)) == -1)
		return srv_error(s, 503, "this channel has max_clients viewers",
		    10);
	if (srv_stream_head(s) == -1) {
		sd_viewer_leave(h);
		return -1;
	}
	while (!s->head_only && idle < STORE_TS_STALL_S) {
		sd_session_touch(dir);
		if ((n = send_new_ts(dir, s->fd, &next)) < 0)
			break;
		idle = n > 0 ? 0 : idle + 0.2;
		if (n == 0)
			sd_relay_sleep_ms(200);
	}
	sd_viewer_leave(h);
	return 200;
}

/*
 * An HLS or DASH player makes one short request after another: it counts
 * against max_clients from its first request until a while after its
 * last (the relay keeps the stamps), known by address and User-Agent.
 * Returns 0, or the status answered (503).
 */
int
srv_manifest_client(struct srv *s, const struct sd_proxy *px)
{
	char who[sizeof(s->rq->remote_addr) + sizeof(s->rq->user_agent) + 2];

	if (px->max_clients <= 0)
		return 0;
	snprintf(who, sizeof(who), "%s %s", s->rq->remote_addr,
	    s->rq->user_agent);
	if (sd_viewer_seen(s->cfg, px, who) == -1 && errno == EBUSY)
		return srv_error(s, 503, "this channel has max_clients viewers",
		    10);
	return 0;
}

static int
serve_store(struct srv *s, const struct sd_proxy *px, const char *name,
    const struct sd_rec *dec, enum sd_client c)
{
	char variant[SD_NAME_MAX + 4], dir[PATH_MAX], base[SD_NAME_MAX + 8];
	int rc;

	variant_of(dec, variant, sizeof(variant));
	if (!sd_safe_name(variant))
		return srv_error(s, 500, "no usable variant name", 0);
	if (sd_relay_ensure(s->cfg, px, variant, dec, dir, sizeof(dir)) == -1)
		return relay_error(s, dir);
	if (sd_session_wait_ready(dir, s->opts ? s->opts->ready_timeout :
	    20) == -1)
		return srv_error(s, 504, "no segment yet", 2);
	if (c == SD_CLIENT_TS)
		return serve_store_ts(s, px, dir);
	if ((rc = srv_manifest_client(s, px)) != 0)
		return rc;
	snprintf(base, sizeof(base), "%s/", variant);
	return srv_store_manifest(s, dir, name, base);
}

/* The answer for a failed passthrough call. */
static int
pass_error(struct srv *s)
{
	if (errno == ENOENT)
		return srv_error(s, 404, "not a name this server gave", 0);
	if (errno == EUSERS)
		return provider_busy(s);
	if (errno == EAGAIN)	/* max_sessions, as relay_error says */
		return srv_error(s, 503, "too many live sessions", 5);
	if (errno == EHOSTDOWN)
		return srv_error(s, 503, "the upstream is down", 5);
	if (errno == ETIMEDOUT)
		return srv_error(s, 504, "the upstream did not answer", 5);
	return srv_error(s, 502, "the upstream's answer is unusable", 5);
}

/* Where a passthrough manifest's URIs lead: back to this proxy. */
static int
pass_base(struct srv *s, const struct sd_proxy *px, char *buf, size_t len)
{
	if (!sd_manifest_base_ok(s->rq->script_name) ||
	    (size_t)snprintf(buf, len, "%s/%s/", s->rq->script_name, px->id) >=
	    len)
		return -1;
	return 0;
}

/* An upstream manifest (name "" the source's own), URIs rewritten. */
static int
pass_manifest(struct srv *s, const struct sd_proxy *px, const char *name,
    const char *type_name)
{
	struct sd_buf out;
	char base[SD_HTTP_PATH_MAX];
	int rc;

	if (pass_base(s, px, base, sizeof(base)) == -1)
		return srv_error(s, 400, "bad SCRIPT_NAME", 0);
	if ((rc = srv_manifest_client(s, px)) != 0)
		return rc;
	sd_buf_init(&out);
	if (sd_relay_manifest(s->cfg, px, name, base, &out) == -1)
		rc = pass_error(s);
	else
		rc = srv_send_body(s, sd_http_content_type(type_name),
		    sd_http_cache_control(type_name, 1), NULL,
		    out.p ? out.p : "", out.len);
	sd_buf_free(&out);
	return rc;
}

/*
 * The name whose extension gives a passthrough file its Content-Type: the
 * upstream's own when it is a media type (a playlist, an MPD, MP4, TS,
 * AAC, AC-3, WebVTT, TTML), else one that makes it application/octet-
 * stream, an attachment (srv_file): "payload.html" is never a page. Not a
 * 404: keys and segments behind scripts ("get.php?id=7", "k.key") are
 * common and must still play.
 */
static const char *
pass_type_name(const char *name)
{
	static const char *const media[] = { ".m3u8", ".mpd", ".mp4",
	    ".m4s", ".m4v", ".m4a", ".cmfv", ".cmfa", ".ts", ".aac", ".ac3",
	    ".ec3", ".vtt", ".webvtt", ".ttml", ".dfxp" };
	size_t i, n = strlen(name), m;

	for (i = 0; i < SD_ARRAY_LEN(media); i++) {
		m = strlen(media[i]);
		if (n > m && strcmp(name + n - m, media[i]) == 0)
			return name;
	}
	return "file.bin";
}

/*
 * /PROXY/p/HASH.m3u8 (a media playlist), /PROXY/s/HASH.EXT and
 * /PROXY/d/HASH/REST (files), as the relay's rewriting named them. A
 * query is not passed on: the upstream sees only names its own manifest
 * gave (docs/SECURITY.md).
 */
int
srv_pass(struct srv *s, const struct sd_proxy *px, const char *name)
{
	char path[PATH_MAX];
	const char *spool = s->cfg->settings.spool, *rel;
	size_t n = strlen(spool);

	if (name[0] == 'p')
		return pass_manifest(s, px, name, name);
	if (sd_relay_segment(s->cfg, px, name, path, sizeof(path)) == -1)
		return pass_error(s);
	if (strncmp(path, spool, n) != 0 || path[n] != '/')
		return srv_error(s, 500, "a passthrough file outside the spool",
		    0);
	rel = path + n + 1;
	return srv_file(s, spool, rel, pass_type_name(name), 1);
}

int
srv_smart(struct srv *s, const struct sd_proxy *px, const char *name)
{
	struct sd_rec cls, dec;
	enum sd_client c;
	const char *d;
	char ring[PATH_MAX];
	int rc, session_errno;

	if (client_of(s, name, &c) == -1)
		return srv_error(s, 404, "not found", 0);
	if (name == NULL && c != SD_CLIENT_TS)
		return redirect_to_manifest(s, px, c);
	if (sd_spool_path(ring, sizeof(ring), s->cfg->settings.spool, px->id,
	    "ts") == -1)
		return srv_error(s, 500, "no spool path for the channel", 0);
	sd_rec_init(&cls);
	sd_rec_init(&dec);
	rc = classify_cached(s, px, &cls, &session_errno);
	if (rc != 0 && session_errno != 0) {
		/* what the classification could not have (a session under
		 * max_sessions, the provider's connection, a source up),
		 * as a stream client is told */
		errno = session_errno;
		rc = relay_error(s, ring);
		goto done;
	}
	if (rc != 0) {
		rc = srv_error(s, rc, rc == 504 ? "the upstream did not "
		    "answer in time" : rc == 503 ? "the upstream is down" :
		    "the source cannot be classified",
		    sd_relay_retry_after(ring));
		goto done;
	}
	rc = sd_decide_proxy(s->cfg, px, &cls, c, NULL, &dec);
	d = sd_rec_get(&dec, "delivery");
	if (rc == SD_EX_REFUSED || d == NULL || rc != SD_EX_OK) {
		rc = srv_error(s, rc == SD_EX_REFUSED ? 406 : 500,
		    sd_rec_get(&dec, "reason") ? sd_rec_get(&dec, "reason") :
		    "no decision", 0);
		goto done;
	}
	if (strcmp(d, "passthrough") == 0 && c == SD_CLIENT_TS)
		rc = serve_ts(s, px);
	else if (strcmp(d, "passthrough") == 0)
		rc = pass_manifest(s, px, "", name);
	else
		/* Any source: the session's ingest makes it MPEG-TS. */
		rc = serve_store(s, px, name, &dec, c);
done:
	sd_rec_free(&cls);
	sd_rec_free(&dec);
	return rc;
}

/* A request for a store's files keeps its session alive; only a store
 * that exists: a request must not create files in the spool. */
void
srv_session_used(struct srv *s, const char *dir)
{
	struct stat sb;

	if (stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode))
		sd_session_touch(dir);
}
