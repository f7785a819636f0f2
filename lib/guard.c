/*
 * guard.c - the upstream guard: a loopback HTTP proxy for the readers we
 * do not write ourselves (libavformat in sd-classify, the ingest ffmpeg
 * of a session), so that they fetch only where passthrough may
 * (docs/SECURITY.md, "Upstreams").
 *
 * libavformat follows what an upstream names on its own: HLS variants,
 * segments and keys, a DASH BaseURL, HTTP redirects. Its io_open callback
 * sees none of the redirects and a separate ffmpeg program none at all,
 * but both honour http_proxy: http is asked for in absolute form
 * ("GET http://host:port/path"), https through a CONNECT tunnel. So every
 * connection, each redirect hop included, comes here first, and is
 * checked by fetch.c's own rule (sd_fetch_connect): the origin of the
 * source or allow_hosts, then the address actually connected to. A
 * refusal is a 403 and a log line. One request per connection: the
 * upstream and the client are told "Connection: close", so a connection
 * checked for one host never carries a request for another.
 *
 * The guard is a process of its own group, listening on 127.0.0.1 on a
 * port the kernel picks, with one child per connection (at most
 * GUARD_CONNS); it ends when its parent does.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "sd.h"
#include "util_int.h"
#include "fetch.h"
#include "guard.h"

#define GUARD_CONNS	32		/* connections at once */
#define GUARD_HEAD_MAX	16384		/* a request's or response's head */
#define GUARD_REQ_MAX	(GUARD_HEAD_MAX + SD_URL_MAX + 512)

/* ---------------------------------------------------------------- heads */

/*
 * Read fd into buf until a blank line ends the head: the head's length
 * (body bytes read with it follow, up to *len; buf[*len] is a NUL). -1
 * on EOF, a NUL in the head, no head within cap, or the timeout.
 */
static ssize_t
head_read(int fd, char *buf, size_t cap, size_t *len, int timeout_ms)
{
	long long deadline = sd_mono_ms() + timeout_ms;
	char *end;
	ssize_t n;

	*len = 0;
	for (;;) {
		buf[*len] = '\0';
		if ((end = memmem(buf, *len, "\r\n\r\n", 4)) != NULL)
			return memchr(buf, '\0', (size_t)(end - buf)) ? -1 :
			    end + 4 - buf;
		if (*len + 1 >= cap || sd_wait_fd(fd, POLLIN,
		    (int)(deadline - sd_mono_ms() > 0 ? deadline -
		    sd_mono_ms() : 0)) == -1)
			return -1;
		n = read(fd, buf + *len, cap - 1 - *len);
		if (n == -1 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return -1;
		*len += (size_t)n;
	}
}

/* 1 when the header line names one of the hop-by-hop headers we set. */
static int
hop_header(const char *line)
{
	static const char *names[] = { "Host:", "Connection:",
	    "Proxy-Connection:", "Keep-Alive:", "Proxy-Authorization:",
	    "TE:", "Upgrade:" };
	size_t i;

	for (i = 0; i < SD_ARRAY_LEN(names); i++)
		if (strncasecmp(line, names[i], strlen(names[i])) == 0)
			return 1;
	return 0;
}

/*
 * Append the header lines of head (after its first line, up to the
 * blank line) to out, hop-by-hop ones left out. -1 when out is full.
 */
static int
copy_headers(const char *head, char *out, size_t cap)
{
	const char *p = strstr(head, "\r\n"), *e;
	size_t len = strlen(out);

	for (p = p ? p + 2 : ""; (e = strstr(p, "\r\n")) != NULL && e != p;
	    p = e + 2) {
		if (hop_header(p))
			continue;
		if (len + (size_t)(e + 2 - p) >= cap)
			return -1;
		memcpy(out + len, p, (size_t)(e + 2 - p));
		len += (size_t)(e + 2 - p);
		out[len] = '\0';
	}
	return 0;
}

static void
answer(int fd, int code, const char *reason, int timeout_ms)
{
	char buf[160];
	int n = snprintf(buf, sizeof(buf), "HTTP/1.1 %d %s\r\nContent-Length: "
	    "0\r\nConnection: close\r\n\r\n", code, reason);

	(void)sd_write_all(fd, buf, (size_t)n, timeout_ms);
}

/* ---------------------------------------------------------------- relay */

/*
 * Bytes between client and upstream until either ends or both are silent
 * for idle_ms. tunnel 0: what the client sends is read and dropped (one
 * request per connection).
 */
static void
relay(int cfd, int ufd, int tunnel, int idle_ms)
{
	struct pollfd p[2] = { { cfd, POLLIN, 0 }, { ufd, POLLIN, 0 } };
	char buf[65536];
	ssize_t n;
	int i;

	while (poll(p, 2, idle_ms) > 0) {
		for (i = 0; i < 2; i++) {
			if (p[i].revents == 0)
				continue;
			n = read(p[i].fd, buf, sizeof(buf));
			if (n == -1 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (n <= 0)
				return;
			if ((i == 1 || tunnel) && sd_write_all(p[1 - i].fd,
			    buf, (size_t)n, idle_ms) == -1)
				return;
		}
	}
}

/* The upstream's response head, told to close, then the body. */
static void
relay_response(int cfd, int ufd, int timeout_ms)
{
	char head[GUARD_HEAD_MAX], out[GUARD_HEAD_MAX + 64];
	size_t len, first;
	ssize_t hlen;

	errno = 0;
	if ((hlen = head_read(ufd, head, sizeof(head), &len,
	    timeout_ms)) == -1 || strncmp(head, "HTTP/1.", 7) != 0) {
		if (hlen == -1 && errno == ETIMEDOUT)
			answer(cfd, 504, "Gateway Timeout", timeout_ms);
		else
			answer(cfd, 502, "Bad Gateway", timeout_ms);
		return;
	}
	first = strcspn(head, "\r\n");
	snprintf(out, sizeof(out), "%.*s\r\n", (int)first, head);
	head[hlen - 2] = '\0';	/* the blank line's own CRLF */
	if (copy_headers(head, out, sizeof(out) - 24) == -1) {
		answer(cfd, 502, "Bad Gateway", timeout_ms);
		return;
	}
	strlcat(out, "Connection: close\r\n\r\n", sizeof(out));
	if (sd_write_all(cfd, out, strlen(out), timeout_ms) == -1 ||
	    ((size_t)hlen < len && sd_write_all(cfd, head + hlen,
	    len - (size_t)hlen, timeout_ms) == -1))
		return;
	relay(cfd, ufd, 0, timeout_ms);
}

/* ---------------------------------------------------------------- requests */

/*
 * The URL a request asks for: an absolute http:// target, or a CONNECT
 * host:port taken as https (libavformat tunnels only TLS). -1: neither.
 */
static int
request_url(const char *method, const char *target, char *url, size_t len)
{
	if (strcmp(method, "CONNECT") == 0)
		return target[0] != '\0' && strchr(target, '/') == NULL &&
		    snprintf(url, len, "https://%s/", target) < (int)len ? 0 :
		    -1;
	if ((strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0) &&
	    strncasecmp(target, "http://", 7) == 0)
		return strlcpy(url, target, len) < len ? 0 : -1;
	return -1;
}

/* Send the client's GET on to the upstream in origin form, closing. */
static int
forward_request(int ufd, const char *method, const char *url,
    const char *head, int timeout_ms)
{
	static char req[GUARD_REQ_MAX];
	char hostport[300];
	struct sd_url u;

	if (sd_url_parse(url, &u) == -1)
		return -1;
	sd_url_hostport(&u, hostport, sizeof(hostport));
	if (snprintf(req, sizeof(req), "%s %s HTTP/1.1\r\nHost: %s\r\n",
	    method, u.path, hostport) >= (int)sizeof(req) ||
	    copy_headers(head, req, sizeof(req) - 24) == -1)
		return -1;
	strlcat(req, "Connection: close\r\n\r\n", sizeof(req));
	return sd_write_all(ufd, req, strlen(req), timeout_ms);
}

/* One client connection: one request, checked, then relayed. */
static void
guard_conn(int cfd, const struct sd_fetch_guard *g, int timeout_ms)
{
	static char head[GUARD_HEAD_MAX];
	char method[16], target[SD_URL_MAX], url[SD_URL_MAX + 16], fmt[32];
	size_t len;
	ssize_t hlen;
	int ufd;

	if ((hlen = head_read(cfd, head, sizeof(head), &len,
	    timeout_ms)) == -1)
		return;
	head[hlen - 2] = '\0';
	snprintf(fmt, sizeof(fmt), "%%15s %%%ds HTTP/1.", SD_URL_MAX - 1);
	if (sscanf(head, fmt, method, target) != 2 ||
	    request_url(method, target, url, sizeof(url)) == -1) {
		warnx("guard: a request that is no absolute GET or CONNECT");
		answer(cfd, 405, "Method Not Allowed", timeout_ms);
		return;
	}
	if ((ufd = sd_fetch_connect(g, url, timeout_ms)) == -1) {
		if (errno == EACCES)
			answer(cfd, 403, "Forbidden", timeout_ms);
		else if (errno == ETIMEDOUT)
			answer(cfd, 504, "Gateway Timeout", timeout_ms);
		else
			answer(cfd, 502, "Bad Gateway", timeout_ms);
		return;
	}
	if (strcmp(method, "CONNECT") == 0) {
		static const char ok[] = "HTTP/1.1 200 Connection "
		    "established\r\n\r\n";

		if (sd_write_all(cfd, ok, sizeof(ok) - 1, timeout_ms) == 0)
			relay(cfd, ufd, 1, 2 * timeout_ms);
	} else if (forward_request(ufd, method, url, head, timeout_ms) == 0)
		relay_response(cfd, ufd, timeout_ms);
	else
		answer(cfd, 502, "Bad Gateway", timeout_ms);
	close(ufd);
}

/* ---------------------------------------------------------------- process */

/* The guard's loop: accept, a child per connection, until the parent
 * that started it is gone. */
static void
guard_loop(int lfd, const struct sd_fetch_guard *g, int timeout_ms,
    pid_t parent)
{
	struct pollfd p = { lfd, POLLIN, 0 };
	int conns = 0, cfd, status;
	pid_t pid;

	while (getppid() == parent) {
		while (waitpid(-1, &status, WNOHANG) > 0)
			conns--;
		if (poll(&p, conns < GUARD_CONNS ? 1 : 0, 500) <= 0)
			continue;
		if ((cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) == -1)
			continue;
		if ((pid = fork()) == 0) {
			close(lfd);
			guard_conn(cfd, g, timeout_ms);
			close(cfd);
			_exit(0);
		}
		if (pid > 0)
			conns++;
		close(cfd);
	}
}

static int
listen_loopback(char *url, size_t len)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sin);
	int fd;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(fd, 64) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &sl) == -1) {
		close(fd);
		return -1;
	}
	snprintf(url, len, "http://127.0.0.1:%d", ntohs(sin.sin_port));
	return fd;
}

int
sd_guard_start(struct sd_guard *gd, const struct sd_fetch_guard *g,
    int timeout_ms)
{
	pid_t parent = getpid();
	int lfd, nul;

	gd->pid = 0;
	if ((lfd = listen_loopback(gd->url, sizeof(gd->url))) == -1)
		return -1;
	if ((gd->pid = fork()) == -1) {
		gd->pid = 0;
		close(lfd);
		return -1;
	}
	if (gd->pid > 0) {
		setpgid(gd->pid, gd->pid);
		close(lfd);
		return 0;
	}
	/* Nothing of the parent's but its log: a pipe held open here would
	 * keep its reader waiting (sd-serve reads sd-classify's stdout to
	 * the end), and a session's lock (fd 3) must die with it. */
	setpgid(0, 0);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	if ((nul = open("/dev/null", O_RDWR)) == -1 || dup2(nul, 0) == -1 ||
	    dup2(nul, 1) == -1 || dup2(lfd, 3) == -1)
		_exit(SD_EX_SOFTWARE);
	sd_close_from(4);
	guard_loop(3, g, timeout_ms, parent);
	_exit(0);
}

int
sd_guard_alive(struct sd_guard *gd)
{
	int status;

	if (gd->pid <= 0)
		return 0;
	if (waitpid(gd->pid, &status, WNOHANG) == 0)
		return 1;
	gd->pid = 0;
	return 0;
}

int
sd_guard_ensure(struct sd_guard *gd, const struct sd_fetch_guard *g,
    int timeout_ms)
{
	if (sd_guard_alive(gd))
		return 0;
	if (sd_guard_start(gd, g, timeout_ms) == -1)
		return -1;
	return sd_guard_env(gd);
}

int
sd_guard_env(const struct sd_guard *gd)
{
	if (setenv("http_proxy", gd->url, 1) == -1)
		return -1;
	unsetenv("no_proxy");
	unsetenv("NO_PROXY");
	return 0;
}

void
sd_guard_stop(struct sd_guard *gd)
{
	int status;

	if (gd->pid <= 0)
		return;
	kill(-gd->pid, SIGTERM);
	while (waitpid(gd->pid, &status, 0) == -1 && errno == EINTR)
		;
	gd->pid = 0;
}
