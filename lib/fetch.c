/*
 * fetch.c - a small bounded HTTP/1.1 client for the upstreams of sd-serve.
 *
 * http:// is spoken here: a connect timeout, a read timeout on every read,
 * at most SD_FETCH_MAX_REDIRECTS redirects, chunked transfer coding, 16 KiB
 * of response headers at most, and one request per connection
 * ("Connection: close": a live stream has no second request). https:// is
 * handed to curl(1) as a child process (fork/exec, an argv, no shell) whose
 * standard output is read as the body: TLS stays out of sd-serve, which
 * links neither libav* nor a TLS library. Where a fetch may go, and the
 * connection there, is fetch_guard.c's.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "sd.h"
#include "util_int.h"
#include "fetch.h"
#include "fetch_int.h"
#include "url.h"

#define HEADER_MAX	16384
#define LINE_MAX_LEN	8192

/* ---------------------------------------------------------------- reading */

/* Read more into f->buf (compacting it); 0 on EOF, -1 on error/timeout. */
static ssize_t
fill(struct sd_fetch *f)
{
	ssize_t n;

	if (f->off > 0) {
		memmove(f->buf, f->buf + f->off, f->len - f->off);
		f->len -= f->off;
		f->off = 0;
	}
	if (f->len == sizeof(f->buf)) {
		errno = EMSGSIZE;
		return -1;
	}
	for (;;) {
		/* One deadline for the exchange: a byte a second is no
		 * progress that keeps a process forever. */
		if (f->deadline > 0 && fetch_left_ms(f->deadline, -1) == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (sd_wait_fd(f->fd, POLLIN, fetch_left_ms(f->deadline,
		    f->timeout_ms)) == -1)
			return -1;
		n = read(f->fd, f->buf + f->len, sizeof(f->buf) - f->len);
		if (n == -1 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n > 0)
			f->len += (size_t)n;
		return n;
	}
}

/* One CRLF (or LF) line into line (NUL-terminated, CR stripped). */
static int
read_line(struct sd_fetch *f, char *line, size_t len)
{
	char *nl;
	size_t n;
	ssize_t r;

	for (;;) {
		nl = memchr(f->buf + f->off, '\n', f->len - f->off);
		if (nl != NULL)
			break;
		if (f->len - f->off >= len) {
			errno = EMSGSIZE;
			return -1;
		}
		if ((r = fill(f)) <= 0) {
			if (r == 0)
				errno = ECONNRESET;
			return -1;
		}
	}
	n = (size_t)(nl - (f->buf + f->off));
	if (n >= len) {
		errno = EMSGSIZE;
		return -1;
	}
	memcpy(line, f->buf + f->off, n);
	line[n] = '\0';
	if (n > 0 && line[n - 1] == '\r')
		line[n - 1] = '\0';
	f->off += n + 1;
	return 0;
}

static void
header_value(const char *line, const char *name, char *out, size_t len)
{
	size_t n = strlen(name);

	if (strncasecmp(line, name, n) != 0 || line[n] != ':')
		return;
	line += n + 1;
	while (*line == ' ' || *line == '\t')
		line++;
	strlcpy(out, line, len);
	sd_trim(out);
}

/* 1 when s holds a control byte other than a tab (RFC 9110 5.5). */
static int
has_ctl(const char *s)
{
	for (; *s; s++)
		if (((unsigned char)*s < 0x20 && *s != '\t') || *s == 0x7f)
			return 1;
	return 0;
}

/* Status line and headers; sets status, framing, location, type. */
static int
read_head(struct sd_fetch *f)
{
	char line[LINE_MAX_LEN], te[64] = "", cl[32] = "";
	size_t total = 0;
	const char *errstr;

	if (read_line(f, line, sizeof(line)) == -1)
		return -1;
	if (strncmp(line, "HTTP/1.", 7) != 0 || strlen(line) < 12 ||
	    !isdigit((unsigned char)line[9]) ||
	    (line[12] != ' ' && line[12] != '\0')) {
		warnx("%s: not an HTTP/1.x response", f->url);
		errno = EPROTO;
		return -1;
	}
	line[12] = '\0';
	f->status = (int)strtonum(line + 9, 100, 599, &errstr);
	if (errstr != NULL) {
		errno = EPROTO;
		return -1;
	}
	f->location[0] = f->content_type[0] = '\0';
	for (;;) {
		if (read_line(f, line, sizeof(line)) == -1)
			return -1;
		if (line[0] == '\0')
			break;
		if (has_ctl(line)) {
			/* A bare CR or another control byte (fuzz: a CR
			 * inside Content-Type was kept): not HTTP. */
			warnx("%s: control byte in a response header", f->url);
			errno = EPROTO;
			return -1;
		}
		if ((total += strlen(line)) > HEADER_MAX) {
			errno = EMSGSIZE;
			return -1;
		}
		header_value(line, "Transfer-Encoding", te, sizeof(te));
		header_value(line, "Content-Length", cl, sizeof(cl));
		header_value(line, "Location", f->location,
		    sizeof(f->location));
		header_value(line, "Content-Type", f->content_type,
		    sizeof(f->content_type));
	}
	f->chunked = strcasestr(te, "chunked") != NULL;
	f->remaining = -1;
	if (!f->chunked && cl[0] != '\0') {
		f->remaining = sd_strtonum(cl, 0, INT64_MAX, &errstr);
		if (errstr != NULL) {
			errno = EPROTO;
			return -1;
		}
	}
	f->chunk_left = 0;
	f->eof = 0;
	return 0;
}

/* Does a proxy's header block set its own User-Agent? */
static int
has_user_agent(const char *h)
{
	return h != NULL && (strncasecmp(h, "User-Agent:", 11) == 0 ||
	    strcasestr(h, "\nUser-Agent:") != NULL);
}

static int
send_request(struct sd_fetch *f, const struct sd_url *u)
{
	char req[SD_URL_MAX + 512 + SD_FETCH_HEADERS_MAX], hostport[300];
	int n;

	sd_url_hostport(u, hostport, sizeof(hostport));
	n = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: %s\r\n"
	    "%sAccept: */*\r\nConnection: close\r\n%s\r\n",
	    u->path, hostport, has_user_agent(f->headers) ? "" :
	    "User-Agent: sd/1\r\n", f->headers ? f->headers : "");
	if (n < 0 || (size_t)n >= sizeof(req)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return sd_write_all(f->fd, req, (size_t)n, f->timeout_ms);
}

static int
is_redirect(int status)
{
	return status == 301 || status == 302 || status == 303 ||
	    status == 307 || status == 308;
}

/*
 * https: curl(1) writes the body on a pipe; redirects and status are its.
 * Under a guard curl follows no redirect (it could not be checked) and
 * the whole exchange has a deadline (--max-time).
 */
static int
open_https(struct sd_fetch *f, const struct sd_fetch_opts *o,
    const struct sd_url *u)
{
	char ct[16], st[16], redirs[16], mt[16], pin[SD_URL_MAX];
	char hcopy[SD_FETCH_HEADERS_MAX], *h, *e;
	char *argv[32 + 2 * 32];
	int p[2], nul, pinned, i = 0;
	pid_t pid;

	strlcpy(hcopy, f->headers ? f->headers : "", sizeof(hcopy));

	snprintf(ct, sizeof(ct), "%d", o->connect_timeout_ms / 1000 + 1);
	snprintf(st, sizeof(st), "%d", o->read_timeout_ms / 1000 + 1);
	snprintf(mt, sizeof(mt), "%d", (o->connect_timeout_ms +
	    o->read_timeout_ms) / 1000 + 1);
	snprintf(redirs, sizeof(redirs), "%d", f->guard ? 0 :
	    SD_FETCH_MAX_REDIRECTS);
	if ((pinned = fetch_https_pin(f->guard, u, pin, sizeof(pin))) == -1)
		return -1;
	argv[i++] = "curl";
	argv[i++] = "-sSfL";
	argv[i++] = "-N";
	argv[i++] = "--proto";
	argv[i++] = "=https";
	argv[i++] = "--proto-redir";
	argv[i++] = "=http,https";
	argv[i++] = "--max-redirs";
	argv[i++] = redirs;
	argv[i++] = "--connect-timeout";
	argv[i++] = ct;
	argv[i++] = "--speed-time";
	argv[i++] = st;
	argv[i++] = "--speed-limit";
	argv[i++] = "1";
	if (f->guard != NULL) {
		if (!f->stream) {
			argv[i++] = "--max-time";
			argv[i++] = mt;
		}
		if (pinned) {
			argv[i++] = "--resolve";
			argv[i++] = pin;
		}
	}
	argv[i++] = "-A";
	argv[i++] = "sd/1";
	/* the proxy's headers, one -H each (a User-Agent overrides -A) */
	for (h = hcopy; *h != '\0' && i < 32 + 2 * 32 - 4 &&
	    (e = strstr(h, "\r\n")) != NULL; h = e + 2) {
		*e = '\0';
		argv[i++] = "-H";
		argv[i++] = h;
	}
	argv[i++] = "--url";
	argv[i++] = f->url;
	argv[i] = NULL;
	if (pipe2(p, O_CLOEXEC) == -1)
		return -1;
	if ((pid = fork()) == -1) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		nul = open("/dev/null", O_RDWR);
		dup2(nul, 0);
		dup2(p[1], 1);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	f->fd = p[0];
	f->pid = pid;
	f->status = 200;	/* curl -f ends the body early otherwise */
	f->remaining = -1;
	return 0;
}

static int
waitpid_eintr(pid_t pid, int *status)
{
	pid_t r;

	while ((r = waitpid(pid, status, 0)) == -1 && errno == EINTR)
		;
	return r == pid ? 0 : -1;
}

void
sd_fetch_opts_default(struct sd_fetch_opts *o)
{
	o->connect_timeout_ms = 5000;
	o->read_timeout_ms = 10000;
	o->headers = NULL;
}

static int
fetch_open(struct sd_fetch *f, const char *url,
    const struct sd_fetch_opts *o, const struct sd_fetch_guard *g, int stream)
{
	struct sd_url u;
	char next[SD_URL_MAX];
	int hops;

	memset(f, 0, sizeof(*f));
	f->fd = -1;
	f->guard = g;
	f->stream = stream;
	f->timeout_ms = o->read_timeout_ms;
	/* One deadline for connecting, asking and the head, redirects
	 * included (sd_fetch_all: the body too). */
	f->deadline = sd_mono_ms() + o->connect_timeout_ms +
	    o->read_timeout_ms;
	f->headers = o->headers != NULL && strlen(o->headers) <
	    SD_FETCH_HEADERS_MAX ? o->headers : NULL;
	if (strlcpy(f->url, url, sizeof(f->url)) >= sizeof(f->url)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (hops = 0; hops <= SD_FETCH_MAX_REDIRECTS; hops++) {
		if (sd_url_parse(f->url, &u) == -1) {
			errno = EINVAL;
			return -1;
		}
		if (fetch_hop_refused(g, f->url, hops))
			return -1;
		if (strcmp(u.scheme, "https") == 0)
			return open_https(f, o, &u);
		if ((f->fd = fetch_tcp(g, &u, o->connect_timeout_ms,
		    f->deadline)) == -1)
			return -1;
		f->off = f->len = 0;
		if (send_request(f, &u) == -1 || read_head(f) == -1) {
			sd_fetch_close(f);
			return -1;
		}
		if (f->status >= 200 && f->status < 300)
			return 0;
		close(f->fd);
		f->fd = -1;
		if (!is_redirect(f->status) || f->location[0] == '\0')
			break;
		if (sd_url_resolve(f->url, f->location, next,
		    sizeof(next)) == -1)
			break;
		strlcpy(f->url, next, sizeof(f->url));
	}
	errno = is_redirect(f->status) ? ELOOP : EPROTO;
	return -1;
}

int
sd_fetch_open_guarded(struct sd_fetch *f, const char *url,
    const struct sd_fetch_opts *o, const struct sd_fetch_guard *g)
{
	return fetch_open(f, url, o, g, 0);
}

/* The relay's endless stream: the deadline bounds the head only. */
int
sd_fetch_open_stream(struct sd_fetch *f, const char *url,
    const struct sd_fetch_opts *o, const struct sd_fetch_guard *g)
{
	if (fetch_open(f, url, o, g, 1) == -1)
		return -1;
	f->deadline = 0;
	return 0;
}

int
sd_fetch_open(struct sd_fetch *f, const char *url,
    const struct sd_fetch_opts *o)
{
	return sd_fetch_open_stream(f, url, o, NULL);
}

/*
 * The response on fd, already asked for (a test, or a fuzzer, gives a pipe):
 * the head read, f ready for sd_fetch_read; fd is f's from now on.
 */
int
sd_fetch_fd(struct sd_fetch *f, int fd, const char *url, int timeout_ms)
{
	memset(f, 0, sizeof(*f));
	f->fd = fd;
	f->timeout_ms = timeout_ms;
	strlcpy(f->url, url, sizeof(f->url));
	if (read_head(f) == -1)
		return -1;
	if (f->status < 200 || f->status >= 300) {
		errno = EPROTO;
		return -1;
	}
	return 0;
}

/* Bytes already buffered, then the socket; never past limit. */
static ssize_t
raw_read(struct sd_fetch *f, void *buf, size_t n)
{
	ssize_t r;

	if (f->off == f->len) {
		f->off = f->len = 0;
		if ((r = fill(f)) <= 0)
			return r;
	}
	if (n > f->len - f->off)
		n = f->len - f->off;
	memcpy(buf, f->buf + f->off, n);
	f->off += n;
	return (ssize_t)n;
}

static int
next_chunk(struct sd_fetch *f)
{
	char line[128];
	char *end;
	unsigned long long size;

	if (f->chunk_started && (read_line(f, line, sizeof(line)) == -1 ||
	    line[0] != '\0'))
		goto bad;
	f->chunk_started = 1;
	if (read_line(f, line, sizeof(line)) == -1)
		goto bad;
	line[strcspn(line, "; \t")] = '\0';
	errno = 0;
	size = strtoull(line, &end, 16);
	if (line[0] == '\0' || *end != '\0' || errno != 0 ||
	    size > INT64_MAX)
		goto bad;
	if (size == 0) {
		/* Trailers up to the empty line; then the body is over. */
		do
			if (read_line(f, line, sizeof(line)) == -1)
				goto bad;
		while (line[0] != '\0');
		f->eof = 1;
		return 0;
	}
	f->chunk_left = (long long)size;
	return 0;
bad:
	if (errno == 0)
		errno = EPROTO;
	return -1;
}

ssize_t
sd_fetch_read(struct sd_fetch *f, void *buf, size_t n)
{
	ssize_t r;

	if (f->eof || n == 0)
		return 0;
	if (f->chunked && f->chunk_left == 0) {
		if (next_chunk(f) == -1)
			return -1;
		if (f->eof)
			return 0;
	}
	if (f->chunked && (long long)n > f->chunk_left)
		n = (size_t)f->chunk_left;
	if (!f->chunked && f->remaining >= 0) {
		if (f->remaining == 0) {
			f->eof = 1;
			return 0;
		}
		if ((long long)n > f->remaining)
			n = (size_t)f->remaining;
	}
	if ((r = raw_read(f, buf, n)) == 0 && (f->chunked ||
	    f->remaining > 0)) {
		errno = ECONNRESET;	/* the body was cut short */
		return -1;
	}
	if (r > 0) {
		if (f->chunked)
			f->chunk_left -= r;
		else if (f->remaining > 0)
			f->remaining -= r;
	} else if (r == 0)
		f->eof = 1;
	return r;
}

int
sd_fetch_close(struct sd_fetch *f)
{
	int status = 0, rv = 0;

	if (f->fd != -1)
		close(f->fd);
	f->fd = -1;
	if (f->pid > 0) {
		kill(f->pid, SIGTERM);
		if (waitpid_eintr(f->pid, &status) == -1)
			rv = -1;
		else
			rv = WIFEXITED(status) && WEXITSTATUS(status) == 0 ?
			    0 : -1;
		f->pid = 0;
	}
	return rv;
}

/* The whole body under g; one deadline from connecting to the end. */
static int
fetch_all(const char *url, const struct sd_fetch_opts *o,
    const struct sd_fetch_guard *g, size_t max, struct sd_buf *out,
    char *final_url, size_t final_len)
{
	struct sd_fetch f;
	char chunk[8192];
	ssize_t n;

	if (sd_fetch_open_guarded(&f, url, o, g) == -1)
		return -1;
	while ((n = sd_fetch_read(&f, chunk, sizeof(chunk))) > 0) {
		if (out->len + (size_t)n > max ||
		    fetch_left_ms(f.deadline, -1) == 0) {
			errno = out->len + (size_t)n > max ? EFBIG : ETIMEDOUT;
			n = -1;
			break;
		}
		if (sd_buf_append(out, chunk, (size_t)n) == -1) {
			n = -1;
			break;
		}
	}
	if (f.pid > 0 && n == 0) {
		/* curl's exit status tells whether the body is whole. */
		close(f.fd);
		f.fd = -1;
		if (waitpid_eintr(f.pid, &f.status) == -1 ||
		    !WIFEXITED(f.status) || WEXITSTATUS(f.status) != 0) {
			errno = EPROTO;
			n = -1;
		}
		f.pid = 0;
	}
	if (final_url != NULL)
		strlcpy(final_url, f.url, final_len);
	sd_fetch_close(&f);
	return n < 0 ? -1 : 0;
}

int
sd_fetch_all(const char *url, const struct sd_fetch_opts *o, size_t max,
    struct sd_buf *out, char *final_url, size_t final_len)
{
	return fetch_all(url, o, NULL, max, out, final_url, final_len);
}

int
sd_fetch_all_guarded(const char *url, const struct sd_fetch_opts *o,
    const struct sd_fetch_guard *g, size_t max, struct sd_buf *out)
{
	return fetch_all(url, o, g, max, out, NULL, 0);
}
