/*
 * passthru.c - HLS to HLS and DASH to DASH: the upstream's manifests with
 * their URIs rewritten to go through sd-serve, and every file they name
 * fetched once into SPOOL/PROXY/pass and shared from there.
 *
 * A rewritten URI names a hash, never a URL: pass/HASH.url holds the URL
 * (written when the manifest naming it was rewritten), so a client can
 * only ask for what an upstream manifest listed. HLS URIs become
 * p/HASH.m3u8 (playlists) and s/HASH.EXT (segments, keys, headers); a DASH
 * MPD gets a BaseURL d/HASH/ for its own folder, under which its
 * SegmentTemplate names resolve (d/HASH/REST is the folder's URL + REST).
 * Fetches happen under a lock per file, so many clients make one; files
 * older than the live window are removed by the "pass" session, and all
 * of pass/ when it ends (sd_relay_ensure_pass).
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sd.h"
#include "spool.h"
#include "session.h"
#include "util_int.h"
#include "manifest_common.h"
#include "classify.h"
#include "passthru.h"
#include "url.h"
#include "fetch.h"

#define MANIFEST_MAX (4 << 20)
#define SEGMENT_MAX (64 << 20)
#define MANIFEST_FRESH_S 1.0	/* a manifest fetched this recently is reused */
#define PLAYLIST_ENTRIES_MAX 50000	/* URIs in one playlist (24 h of 2 s) */

static void
hash_hex(const char *s, char out[17])
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	snprintf(out, 17, "%016llx", (unsigned long long)h);
}

/*
 * The source passthrough reads: of a proxy listing several (failover),
 * the one sd-classify found answering (sd_serve_classified of the cached
 * classification, renewed every classify_ttl); else the first. Passthrough
 * does not fail over within a classification's life.
 */
static void
pass_source(const struct sd_config *cfg, const struct sd_proxy *px,
    char *url, size_t len)
{
	char path[PATH_MAX], *buf, want[SD_URL_MAX];
	const char *v;
	struct sd_rec cls;
	size_t n;
	int k;

	strlcpy(url, px->source, len);
	if (px->nsources < 2 || sd_spool_path(path, sizeof(path),
	    cfg->settings.spool, px->id, "classify") == -1 ||
	    sd_read_file(path, 256 * 1024, &buf, &n) == -1)
		return;
	sd_rec_init(&cls);
	if (sd_rec_parse(&cls, buf, n, path) == 0 &&
	    (v = sd_rec_get(&cls, "sd_serve_classified")) != NULL)
		for (k = 0; sd_proxy_source(px, k, want, sizeof(want)) == 0;
		    k++)
			if (strcmp(want, v) == 0)
				strlcpy(url, v, len);
	sd_rec_free(&cls);
	free(buf);
}

static int
opts_of(const struct sd_config *cfg, struct sd_fetch_opts *o)
{
	int t = cfg->settings.upstream_timeout > 0 ?
	    cfg->settings.upstream_timeout : 10;

	sd_fetch_opts_default(o);
	o->connect_timeout_ms = o->read_timeout_ms = t * 1000;
	return 0;
}

/* Remember url under its hash; the hash in h. */
static int
url_remember(const char *pass, const char *url, char h[17])
{
	char p[PATH_MAX];

	hash_hex(url, h);
	if (pass == NULL)
		return 0;	/* sd_pass_rewrite for a test: no files */
	if (sd_pathf(p, sizeof(p), "%s/%s.url", pass, h) == -1)
		return -1;
	if (access(p, F_OK) == 0)
		return utimensat(AT_FDCWD, p, NULL, 0);
	return sd_write_atomic(p, url, strlen(url), 0644, 0);
}

static int
url_recall(const char *pass, const char *h, char *url, size_t len)
{
	char p[PATH_MAX], *buf;
	size_t n;

	if (strlen(h) != 16 || strspn(h, "0123456789abcdef") != 16 ||
	    sd_pathf(p, sizeof(p), "%s/%s.url", pass, h) == -1 ||
	    sd_read_file(p, SD_URL_MAX, &buf, &n) == -1) {
		errno = ENOENT;
		return -1;
	}
	if (n >= len) {
		free(buf);
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(url, buf, n);
	url[n] = '\0';
	free(buf);
	return 0;
}

/*
 * The lock of a file being fetched, waited for no longer than a fetch may
 * take (two upstream timeouts and a second): a stuck holder must not hold
 * every viewer's process. -1 (ETIMEDOUT) past that.
 */
static int
lock_bounded(int fd, const struct sd_config *cfg)
{
	int t = cfg->settings.upstream_timeout > 0 ?
	    cfg->settings.upstream_timeout : 10;
	long long deadline = sd_mono_ms() + 2000LL * t + 1000;
	struct timespec nap = { 0, 50 * 1000 * 1000 };

	while (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		if (errno != EWOULDBLOCK && errno != EINTR)
			return -1;
		if (sd_mono_ms() >= deadline) {
			errno = ETIMEDOUT;
			return -1;
		}
		nanosleep(&nap, NULL);
	}
	return 0;
}

/*
 * Fetch url once into file: when it is there (and, with fresh > 0, younger
 * than fresh s) it is used as is; else one process fetches it under
 * file.lock while the others wait for it.
 */
static int
fetch_once(const struct sd_config *cfg, const struct sd_proxy *px,
    const char *url, const char *file, double fresh, size_t max)
{
	char source[SD_URL_MAX];
	struct sd_fetch_guard g = { source, px->allow_hosts };
	struct sd_fetch_opts o;
	struct sd_buf b;
	struct stat sb;
	char lock[PATH_MAX];
	int fd, rv;

#define FRESH() (stat(file, &sb) == 0 && (fresh <= 0 || \
	(double)sd_real_ms() / 1000 - \
	((double)sb.st_mtim.tv_sec + sb.st_mtim.tv_nsec / 1e9) < fresh))
	if (FRESH())
		return 0;
	if (sd_pathf(lock, sizeof(lock), "%s.lock", file) == -1 ||
	    (fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) == -1)
		return -1;
	if (lock_bounded(fd, cfg) == -1) {
		close(fd);
		return -1;
	}
	if (FRESH()) {
		close(fd);
		return 0;
	}
#undef FRESH
	pass_source(cfg, px, source, sizeof(source));
	opts_of(cfg, &o);
	o.headers = px->headers;	/* its user_agent, referer, header */
	sd_buf_init(&b);
	rv = sd_fetch_all_guarded(url, &o, &g, max, &b);
	if (rv == 0)
		rv = sd_write_atomic(file, b.p ? b.p : "", b.len, 0644, 0);
	else if (errno != ETIMEDOUT && errno != EACCES)
		errno = EHOSTDOWN;
	sd_buf_free(&b);
	close(fd);
	return rv;
}

/* ---------------------------------------------------------------- HLS */

/* An extension for a segment's name: [a-z0-9]{1,5} from the URL's path. */
static void
url_ext(const char *url, char *ext, size_t len)
{
	const char *end = url + strcspn(url, "?#"), *dot, *p;
	size_t n;

	for (dot = end; dot > url && dot[-1] != '.' && dot[-1] != '/'; dot--)
		;
	n = (size_t)(end - dot);
	strlcpy(ext, ".bin", len);
	if (dot == url || dot[-1] != '.' || n == 0 || n > 5 || n + 2 > len)
		return;
	for (p = dot; p < end; p++)
		if (!isalnum((unsigned char)*p))
			return;
	ext[0] = '.';
	for (p = dot; p < end; p++)
		ext[p - dot + 1] = (char)tolower((unsigned char)*p);
	ext[n + 1] = '\0';
}

/* The rewriting of one manifest: where it came from, where it leads. */
struct rw {
	const char *pass;	/* where HASH.url files go (NULL: none) */
	const char *from;	/* the manifest's URL */
	const char *base;	/* the prefix of rewritten URIs */
	const struct sd_fetch_guard *guard;	/* NULL: any host */
};

/*
 * 1 when abs may be named: a URL the guard lets sd-serve fetch. Anything
 * else is left out of the manifest, with a line for the operator.
 */
static int
uri_allowed(struct rw *rw, const char *abs)
{
	if (sd_fetch_allowed(rw->guard, abs))
		return 1;
	warnx("%s: %s left out: not the source's origin nor in allow_hosts",
	    rw->from, abs);
	return 0;
}

/*
 * Append the rewritten form of uri (relative to rw->from) to out: 0, 1
 * when it is left out (a host the guard refuses), -1.
 */
static int
hls_uri(struct sd_buf *out, struct rw *rw, const char *uri, int playlist)
{
	char abs[SD_URL_MAX], h[17], ext[8];
	const char *pass = rw->pass, *base = rw->base;

	if (sd_url_resolve(rw->from, uri, abs, sizeof(abs)) == -1)
		return -1;
	if (!uri_allowed(rw, abs))
		return 1;
	if (url_remember(pass, abs, h) == -1)
		return -1;
	if (playlist || strstr(uri, ".m3u8") != NULL)
		return sd_buf_printf(out, "%sp/%s.m3u8", base, h);
	url_ext(abs, ext, sizeof(ext));
	return sd_buf_printf(out, "%ss/%s%s", base, h, ext);
}

/*
 * A tag line: every URI="..." attribute rewritten; the whole tag left out
 * when one of them is (a key or a rendition from elsewhere).
 */
static int
hls_tag(struct sd_buf *out, struct rw *rw, const char *line)
{
	const char *p = line, *q, *e;
	char uri[SD_URL_MAX];
	size_t mark = out->len;
	int rv, playlist = strncmp(line, "#EXT-X-MEDIA:", 13) == 0 ||
	    strncmp(line, "#EXT-X-I-FRAME-STREAM-INF:", 26) == 0 ||
	    strncmp(line, "#EXT-X-RENDITION-REPORT:", 24) == 0;

	while ((q = strstr(p, "URI=\"")) != NULL) {
		q += 5;
		if ((e = strchr(q, '"')) == NULL || (size_t)(e - q) >=
		    sizeof(uri))
			break;
		sd_buf_append(out, p, (size_t)(q - p));
		memcpy(uri, q, (size_t)(e - q));
		uri[e - q] = '\0';
		if ((rv = hls_uri(out, rw, uri, playlist)) == -1)
			return -1;
		if (rv == 1) {
			out->len = mark;
			return 0;
		}
		p = e;
	}
	return sd_buf_printf(out, "%s\n", p);
}

/* Tags that belong to the URI line after them (left out with it). */
static int
segment_tag(const char *line)
{
	return strncmp(line, "#EXTINF:", 8) == 0 ||
	    strncmp(line, "#EXT-X-STREAM-INF:", 18) == 0 ||
	    strncmp(line, "#EXT-X-BYTERANGE:", 17) == 0;
}

/* URI lines and URI attributes of a playlist: more than it may name? */
static int
too_many_entries(const char *body, size_t len)
{
	const char *p;
	size_t i = 0, n = 0, lead;

	while (i < len) {
		lead = i;
		while (lead < len && (body[lead] == ' ' || body[lead] == '\t' ||
		    body[lead] == '\r'))
			lead++;
		if (lead < len && body[lead] != '\n' && body[lead] != '#')
			n++;
		while (lead < len && body[lead] != '\n')
			lead++;
		i = lead + 1;
	}
	for (p = body; (p = strstr(p, "URI=\"")) != NULL; p += 5)
		n++;
	return n > PLAYLIST_ENTRIES_MAX;
}

static int
hls_rewrite(const char *body, size_t len, struct rw *rw, struct sd_buf *out)
{
	const char *p = body, *end = body + len, *nl;
	char buf[SD_URL_MAX + 1024], *line;
	int next_is_playlist = 0, rv;
	size_t n, mark = SIZE_MAX;

	/* Refused before any HASH.url file is written. */
	if (too_many_entries(body, len)) {
		warnx("%s: more than %d entries in a playlist", rw->from,
		    PLAYLIST_ENTRIES_MAX);
		errno = EPROTO;
		return -1;
	}

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = (size_t)((nl ? nl : end) - p);
		if (n >= sizeof(buf)) {
			warnx("%s: a playlist line too long", rw->from);
			errno = EPROTO;
			return -1;
		}
		memcpy(buf, p, n);
		buf[n] = '\0';
		line = sd_trim(buf);
		p += n + (nl != NULL);
		if (line[0] == '\0')
			continue;
		if (line[0] == '#') {
			if (strncmp(line, "#EXT-X-STREAM-INF:", 18) == 0)
				next_is_playlist = 1;
			if (segment_tag(line) && mark == SIZE_MAX)
				mark = out->len;
			if (hls_tag(out, rw, line) == -1)
				return -1;
			continue;
		}
		if ((rv = hls_uri(out, rw, line, next_is_playlist)) == -1)
			return -1;
		if (rv == 1 && mark != SIZE_MAX)
			out->len = mark;	/* its #EXTINF goes with it */
		else if (rv == 0)
			sd_buf_append(out, "\n", 1);
		next_is_playlist = 0;
		mark = SIZE_MAX;
	}
	return out->failed ? -1 : 0;
}

/* ---------------------------------------------------------------- DASH */

/* The folder of url: up to its last '/' before any query. */
static int
url_dir(const char *url, char *out, size_t len)
{
	const char *q = url + strcspn(url, "?#"), *auth = strstr(url, "://");

	if (auth == NULL)
		return -1;
	auth += 3;
	while (q > auth && q[-1] != '/')
		q--;
	if (q == auth) {	/* http://host: the root */
		if (sd_pathf(out, len, "%s/", url) == -1)
			return -1;
		out[strcspn(out + (auth - url), "?#") + (auth - url)] = '\0';
		return 0;
	}
	if ((size_t)(q - url) >= len)
		return -1;
	memcpy(out, url, (size_t)(q - url));
	out[q - url] = '\0';
	return 0;
}

/* 1 when the MPD's root tag, at mpd, says type="dynamic": read as
 * sd-classify reads it (sd_xml_attr), so both agree on what is live. */
static int
mpd_dynamic(const char *mpd, const char *end)
{
	struct sd_xml_tag t;
	size_t pos = 0;
	char type[16];

	return sd_xml_next(mpd, (size_t)(end - mpd), &pos, &t) == 0 &&
	    sd_xml_attr(&t, "type", type, sizeof(type)) &&
	    strcmp(type, "dynamic") == 0;
}

static void utc_timing(const char *, const char *, const char *,
    const char *, struct sd_buf *);

/*
 * The MPD with a BaseURL d/HASH/ for its folder (or for each absolute
 * BaseURL it has), and its Location removed (it would lead clients past
 * us).
 */
static int
dash_rewrite(const char *body, size_t len, struct rw *rw, struct sd_buf *out)
{
	char dir[SD_URL_MAX], h[17], url[SD_URL_MAX], abs[SD_URL_MAX];
	const char *p = body, *end = body + len, *mpd, *gt, *q, *e, *period;
	const char *pass = rw->pass, *from = rw->from, *base = rw->base, *tag;
	int mpd_level = 0;

	if (url_dir(from, dir, sizeof(dir)) == -1 ||
	    url_remember(pass, dir, h) == -1 ||
	    (mpd = strstr(body, "<MPD")) == NULL ||
	    (gt = strchr(mpd, '>')) == NULL) {
		errno = EPROTO;
		return -1;
	}
	period = strstr(body, "<Period");
	q = strstr(body, "<BaseURL");
	mpd_level = q != NULL && (period == NULL || q < period);
	sd_buf_append(out, p, (size_t)(gt + 1 - p));
	if (!mpd_level)
		sd_buf_printf(out, "\n  <BaseURL>%sd/%s/</BaseURL>", base, h);
	p = gt + 1;
	while (p < end) {
		q = strstr(p, "<BaseURL");
		e = strstr(p, "<Location");
		if (e != NULL && (q == NULL || e < q)) {
			sd_buf_append(out, p, (size_t)(e - p));
			if ((e = strstr(e, "</Location>")) == NULL)
				break;
			p = e + 11;
			continue;
		}
		if ((tag = q) == NULL || (q = strchr(q, '>')) == NULL ||
		    (e = strstr(q, "</BaseURL>")) == NULL)
			break;
		q++;
		if ((size_t)(e - q) < sizeof(url)) {
			memcpy(url, q, (size_t)(e - q));
			url[e - q] = '\0';
			/* sd_trim skips leading blanks by its result. */
			memmove(url, sd_trim(url), strlen(sd_trim(url)) + 1);
		} else
			url[0] = '\0';
		if (url[0] != '\0' && (sd_url_resolve(from, url, abs,
		    sizeof(abs)) == -1 || !uri_allowed(rw, abs))) {
			/* A folder elsewhere: the element goes. */
			sd_buf_append(out, p, (size_t)(tag - p));
			p = e + 10;
			continue;
		}
		sd_buf_append(out, p, (size_t)(q - p));
		if (strncmp(url, "http://", 7) == 0 ||
		    strncmp(url, "https://", 8) == 0 || url[0] == '/') {
			/* Absolute: a folder of its own. */
			if (sd_url_resolve(from, url, abs, sizeof(abs)) == -1 ||
			    url_dir(abs, dir, sizeof(dir)) == -1 ||
			    url_remember(pass, dir, h) == -1)
				return -1;
			sd_buf_printf(out, "%sd/%s/", base, h);
		} else if (mpd_level && q < (period ? period : end)) {
			if ((url[0] ? sd_url_resolve(from, url, abs,
			    sizeof(abs)) : sd_pathf(abs, sizeof(abs), "%s",
			    from)) == -1 || url_dir(abs, dir, sizeof(dir)) == -1 ||
			    url_remember(pass, dir, h) == -1)
				return -1;
			sd_buf_printf(out, "%sd/%s/", base, h);
		} else
			sd_buf_append(out, q, (size_t)(e - q));
		p = e;
	}
	utc_timing(body, end, mpd, p, out);
	return out->failed ? -1 : 0;
}

/*
 * The rest of the MPD from p, with a UTCTiming (the time now, direct)
 * before its end when it is live and has none. A live MPD without one
 * leaves dash.js to ask a time server on the Internet (its default),
 * which fails where there is none, and a player set by its own clock
 * misplaces the live edge. The body is rewritten at each request, so the
 * time is the answer's.
 */
static void
utc_timing(const char *body, const char *end, const char *mpd,
    const char *p, struct sd_buf *out)
{
	const char *close = NULL;
	size_t i;
	char when[40];

	/* (the MPD's end tag is its last bytes but for blanks: looked for
	 * from there back) */
	if (mpd_dynamic(mpd, end) && strstr(body, "<UTCTiming") == NULL)
		for (i = (size_t)(end - p); i >= 6 && close == NULL; i--)
			if (memcmp(p + i - 6, "</MPD>", 6) == 0)
				close = p + i - 6;
	if (close == NULL) {
		sd_buf_append(out, p, (size_t)(end - p));
		return;
	}
	sd_iso8601_time(when, sizeof(when), sd_real_s());
	sd_buf_append(out, p, (size_t)(close - p));
	sd_buf_printf(out, "%s  <UTCTiming schemeIdUri=\"urn:mpeg:dash:utc:"
	    "direct:2014\" value=\"%s\"/>\n",
	    close > body && close[-1] != '\n' ? "\n" : "", when);
	sd_buf_append(out, close, (size_t)(end - close));
}

/* ---------------------------------------------------------------- entry */

static int
pass_rewrite(const char *body, size_t len, const char *pass,
    const char *from, const char *base, const struct sd_fetch_guard *g,
    struct sd_buf *out)
{
	struct rw rw = { pass, from, base, g };

	if (memchr(body, '\0', len) != NULL) {
		warnx("%s: a NUL byte in the manifest", from);
		errno = EPROTO;
		return -1;
	}
	if (len >= 7 && memcmp(body, "#EXTM3U", 7) == 0)
		return hls_rewrite(body, len, &rw, out);
	if (strstr(body, "<MPD") != NULL)
		return dash_rewrite(body, len, &rw, out);
	warnx("%s: neither an HLS playlist nor a DASH MPD", from);
	errno = EPROTO;
	return -1;
}

int
sd_relay_manifest(const struct sd_config *cfg, const struct sd_proxy *px,
    const char *name, const char *base, struct sd_buf *out)
{
	char pass[PATH_MAX], url[SD_URL_MAX], file[PATH_MAX], h[17];
	char source[SD_URL_MAX];
	struct sd_fetch_guard g = { source, px->allow_hosts };
	char *body;
	size_t len;
	int rv;

	if (base == NULL)
		base = "";
	if (!sd_manifest_base_ok(base)) {
		errno = EINVAL;
		return -1;
	}
	if (sd_relay_ensure_pass(cfg, px, pass, sizeof(pass)) == -1)
		return -1;
	pass_source(cfg, px, source, sizeof(source));
	if (strncmp(name, "p/", 2) == 0) {
		if (strlen(name) != 2 + 16 + 5 ||
		    strcmp(name + 18, ".m3u8") != 0) {
			errno = ENOENT;
			return -1;
		}
		memcpy(h, name + 2, 16);
		h[16] = '\0';
		if (url_recall(pass, h, url, sizeof(url)) == -1)
			return -1;
	} else if (strlcpy(url, source, sizeof(url)) >= sizeof(url)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	hash_hex(url, h);
	if (sd_pathf(file, sizeof(file), "%s/m-%s", pass, h) == -1 ||
	    fetch_once(cfg, px, url, file, MANIFEST_FRESH_S, MANIFEST_MAX) == -1)
		return -1;
	if (sd_read_file(file, MANIFEST_MAX, &body, &len) == -1)
		return -1;
	/* Redirects are not followed here: relative URIs resolve on url. */
	rv = pass_rewrite(body, len, pass, url, base, &g, out);
	free(body);
	return rv;
}

int
sd_pass_rewrite(const char *body, size_t len, const char *pass,
    const char *from, const char *base, struct sd_buf *out)
{
	return pass_rewrite(body, len, pass, from, base, NULL, out);
}

/*
 * d/HASH/REST: REST must be a plain relative path, so that the folder's URL
 * + REST stays inside the folder whatever the upstream decodes: no '%'
 * (a "%252e" decoded twice is a dot), no query or fragment, no "." or
 * ".." segment, no empty segment, nothing but unreserved characters and a
 * few sub-delimiters a template may hold.
 */
static int
rest_ok(const char *rest)
{
	const char *p, *seg;
	size_t n;

	if (*rest == '\0' || strlen(rest) > 1024)
		return 0;
	for (p = rest; *p; p++)
		if (!isalnum((unsigned char)*p) && strchr("._-~/=,+", *p) ==
		    NULL)
			return 0;
	for (seg = rest; *seg; seg += n + (seg[n] == '/')) {
		n = strcspn(seg, "/");
		if (n == 0 || (n == 1 && seg[0] == '.') ||
		    (n == 2 && seg[0] == '.' && seg[1] == '.'))
			return 0;
	}
	return 1;
}

int
sd_relay_segment(const struct sd_config *cfg, const struct sd_proxy *px,
    const char *name, char *path, size_t pathlen)
{
	char pass[PATH_MAX], url[SD_URL_MAX], h[17];
	const char *rest = NULL;

	if ((strncmp(name, "s/", 2) != 0 && strncmp(name, "d/", 2) != 0) ||
	    strlen(name) < 2 + 16 + 1 || (name[0] == 'd' && name[18] != '/')) {
		errno = ENOENT;
		return -1;
	}
	memcpy(h, name + 2, 16);
	h[16] = '\0';
	if (name[0] == 'd' && !rest_ok(rest = name + 19)) {
		errno = ENOENT;
		return -1;
	}
	if (sd_relay_ensure_pass(cfg, px, pass, sizeof(pass)) == -1 ||
	    url_recall(pass, h, url, sizeof(url)) == -1)
		return -1;
	if (rest != NULL && strlcat(url, rest, sizeof(url)) >= sizeof(url)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	hash_hex(url, h);
	if (sd_pathf(path, pathlen, "%s/f-%s", pass, h) == -1)
		return -1;
	return fetch_once(cfg, px, url, path, 0, SEGMENT_MAX);
}
