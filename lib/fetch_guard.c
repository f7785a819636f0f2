/*
 * fetch_guard.c - where fetch.c may go and the connection there: URLs
 * parsed (what may be fetched at all), the origin rule (the source's
 * scheme, host and port, or a host allow_hosts names) checked on every
 * hop, redirects included; the address actually connected to checked
 * against loopback, link-local and private ranges (DNS rebinding), for
 * http's socket and for the address https's curl is pinned to. Names are
 * resolved with getaddrinfo(3), which has no timeout of its own.
 * docs/SECURITY.md, "Upstreams", says why; the exchange itself is
 * fetch.c's.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <err.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "sd.h"
#include "util_int.h"
#include "fetch_guard.h"
#include "fetch_int.h"
#include "url.h"

/* 1 when the URL holds nothing that could break a request line. */
static int
url_chars_ok(const char *url)
{
	const unsigned char *p;

	for (p = (const unsigned char *)url; *p; p++)
		if (*p <= ' ' || *p == 0x7f)
			return 0;
	return 1;
}

int
sd_url_parse(const char *url, struct sd_url *u)
{
	const char *p, *host, *end, *colon;
	size_t n;
	const char *errstr;

	memset(u, 0, sizeof(*u));
	if (strlen(url) >= SD_URL_MAX || !url_chars_ok(url)) {
		warnx("%s: not a usable URL (too long, blanks or control "
		    "characters)", url);
		return -1;
	}
	if (strncasecmp(url, "http://", 7) == 0) {
		strlcpy(u->scheme, "http", sizeof(u->scheme));
		u->port = 80;
		host = url + 7;
	} else if (strncasecmp(url, "https://", 8) == 0) {
		strlcpy(u->scheme, "https", sizeof(u->scheme));
		u->port = 443;
		host = url + 8;
	} else {
		warnx("%s: only http:// and https:// sources can be fetched",
		    url);
		return -1;
	}
	end = host + strcspn(host, "/?#");
	if (memchr(host, '@', (size_t)(end - host)) != NULL) {
		warnx("%s: user:password@ in a URL is not supported; put the "
		    "credentials in the path or query as the provider allows",
		    url);
		return -1;
	}
	if (*host == '[') {
		if ((p = memchr(host, ']', (size_t)(end - host))) == NULL)
			goto bad;
		n = (size_t)(p - host - 1);
		if (n == 0 || n >= sizeof(u->host))
			goto bad;
		memcpy(u->host, host + 1, n);
		colon = p + 1 < end && p[1] == ':' ? p + 1 : NULL;
		if (p + 1 < end && colon == NULL)
			goto bad;
	} else {
		colon = memchr(host, ':', (size_t)(end - host));
		n = (size_t)((colon ? colon : end) - host);
		if (n == 0 || n >= sizeof(u->host))
			goto bad;
		memcpy(u->host, host, n);
	}
	if (colon != NULL) {
		char port[8];

		n = (size_t)(end - colon - 1);
		if (n == 0 || n >= sizeof(port))
			goto bad;
		memcpy(port, colon + 1, n);
		port[n] = '\0';
		u->port = (int)strtonum(port, 1, 65535, &errstr);
		if (errstr != NULL)
			goto bad;
	}
	if (*end == '/' || *end == '?')
		strlcpy(u->path, *end == '/' ? end : "/", sizeof(u->path));
	else
		strlcpy(u->path, "/", sizeof(u->path));
	if (*end == '?') {
		/* "http://h?q" -> "/?q" */
		if (strlcat(u->path, end, sizeof(u->path)) >= sizeof(u->path))
			goto bad;
	}
	u->path[strcspn(u->path, "#")] = '\0';
	return 0;
bad:
	warnx("%s: bad host or port in URL", url);
	return -1;
}

/* u's "host[:port]" as a Host header names it. */
void
sd_url_hostport(const struct sd_url *u, char *buf, size_t len)
{
	size_t l;

	if (strchr(u->host, ':') != NULL)
		snprintf(buf, len, "[%s]", u->host);
	else
		strlcpy(buf, u->host, len);
	if (u->port != (strcmp(u->scheme, "https") == 0 ? 443 : 80) &&
	    (l = strlen(buf)) < len)
		snprintf(buf + l, len - l, ":%d", u->port);
}

/* ---------------------------------------------------------------- guard */

static int
same_origin(const struct sd_url *a, const struct sd_url *b)
{
	return strcmp(a->scheme, b->scheme) == 0 &&
	    strcasecmp(a->host, b->host) == 0 && a->port == b->port;
}

/* 1 when list ("host" for any port, "host:port") names u's host. */
static int
host_listed(const char *list, const struct sd_url *u)
{
	char item[300], hp[300];
	const char *p = list ? list : "";
	size_t n;

	snprintf(hp, sizeof(hp), "%s:%d", u->host, u->port);
	for (;;) {
		p += strspn(p, " \t,");
		if ((n = strcspn(p, " \t,")) == 0)
			return 0;
		if (n < sizeof(item)) {
			memcpy(item, p, n);
			item[n] = '\0';
			if (strcasecmp(item, u->host) == 0 ||
			    strcasecmp(item, hp) == 0)
				return 1;
		}
		p += n;
	}
}

/* url parsed without a complaint: -1 when it is not http(s). */
static int
parse_quiet(const char *url, struct sd_url *u)
{
	if (!sd_url_is_http(url))
		return -1;
	return sd_url_parse(url, u);
}

int
sd_fetch_allowed(const struct sd_fetch_guard *g, const char *url)
{
	struct sd_url u, src;

	if (g == NULL)
		return 1;
	if (parse_quiet(url, &u) == -1)
		return 0;
	if (parse_quiet(g->source, &src) == 0 && same_origin(&u, &src))
		return 1;
	return host_listed(g->allow_hosts, &u);
}

/*
 * 1 when u's host may be any address: no guard, the source's own host
 * (the operator named it), or an address literal allow_hosts names.
 */
static int
any_address_ok(const struct sd_fetch_guard *g, const struct sd_url *u)
{
	struct sd_url src;
	unsigned char a[16];

	if (g == NULL)
		return 1;
	if (parse_quiet(g->source, &src) == 0 &&
	    strcasecmp(src.host, u->host) == 0)
		return 1;
	return (inet_pton(AF_INET, u->host, a) == 1 ||
	    inet_pton(AF_INET6, u->host, a) == 1) &&
	    host_listed(g->allow_hosts, u);
}

/* IPv4 (host order): this network, private, shared, loopback, link-local,
 * IETF, benchmarking, multicast, reserved. */
static int
v4_private(uint32_t a)
{
	return (a >> 24) == 0 || (a >> 24) == 10 || (a >> 24) == 127 ||
	    (a & 0xffc00000) == 0x64400000 || (a & 0xffff0000) == 0xa9fe0000 ||
	    (a & 0xfff00000) == 0xac100000 || (a & 0xffff0000) == 0xc0a80000 ||
	    (a & 0xffffff00) == 0xc0000000 || (a & 0xfffe0000) == 0xc6120000 ||
	    a >= 0xe0000000;
}

/* 1 when sa is no public unicast address (IPv4 inside IPv6 included). */
static int
addr_private(const struct sockaddr *sa)
{
	struct sockaddr_in s4;
	struct sockaddr_in6 s6;
	const uint8_t *b;
	static const uint8_t nat64[12] = { 0, 0x64, 0xff, 0x9b };
	uint32_t v4;

	if (sa->sa_family == AF_INET) {
		memcpy(&s4, sa, sizeof(s4));
		return v4_private(ntohl(s4.sin_addr.s_addr));
	}
	if (sa->sa_family != AF_INET6)
		return 1;
	memcpy(&s6, sa, sizeof(s6));
	b = s6.sin6_addr.s6_addr;
	if (IN6_IS_ADDR_V4MAPPED(&s6.sin6_addr) ||
	    memcmp(b, nat64, sizeof(nat64)) == 0) {
		memcpy(&v4, b + 12, 4);
		return v4_private(ntohl(v4));
	}
	return IN6_IS_ADDR_UNSPECIFIED(&s6.sin6_addr) ||
	    IN6_IS_ADDR_LOOPBACK(&s6.sin6_addr) ||
	    IN6_IS_ADDR_LINKLOCAL(&s6.sin6_addr) ||
	    IN6_IS_ADDR_SITELOCAL(&s6.sin6_addr) ||
	    IN6_IS_ADDR_MULTICAST(&s6.sin6_addr) || (b[0] & 0xfe) == 0xfc ||
	    IN6_IS_ADDR_V4COMPAT(&s6.sin6_addr);
}

static void
addr_text(const struct sockaddr *sa, char *buf, size_t len)
{
	const void *a = sa->sa_family == AF_INET ?
	    (const void *)&((const struct sockaddr_in *)(const void *)sa)->
	    sin_addr : (const void *)&((const struct sockaddr_in6 *)
	    (const void *)sa)->sin6_addr;

	if (inet_ntop(sa->sa_family, a, buf, (socklen_t)len) == NULL)
		strlcpy(buf, "?", len);
}

int
fetch_left_ms(long long deadline, int ms)
{
	long long left;

	if (deadline <= 0)
		return ms;
	left = deadline - sd_mono_ms();
	if (left <= 0)
		return 0;
	return ms < 0 || left < ms ? (int)left : ms;
}

/* ---------------------------------------------------------------- sockets */

static int
connect_one(const struct addrinfo *ai, int timeout_ms)
{
	int fd, soerr = 0;
	socklen_t sl = sizeof(soerr);

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, ai->ai_protocol);
	if (fd == -1)
		return -1;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == -1) {
		if (errno != EINPROGRESS ||
		    sd_wait_fd(fd, POLLOUT, timeout_ms) == -1 ||
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == -1 ||
		    soerr != 0) {
			if (soerr != 0)
				errno = soerr;
			close(fd);
			return -1;
		}
	}
	return fd;
}

/* The last host name that did not resolve, worded once for every place. */
static char host_error[512];

static void
host_error_set(const char *host, int gai_rv)
{
	snprintf(host_error, sizeof(host_error), "cannot resolve host %s: %s",
	    host, gai_strerror(gai_rv));
}

const char *
sd_fetch_host_error(void)
{
	return host_error[0] != '\0' ? host_error : NULL;
}

int
sd_host_unresolved(const char *url, char *buf, size_t len)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res;
	struct sd_url u;
	int rv;

	if (sd_url_parse(url, &u) == -1)
		return 0;
	if ((rv = getaddrinfo(u.host, NULL, &hints, &res)) == 0) {
		freeaddrinfo(res);
		return 0;
	}
	host_error_set(u.host, rv);
	strlcpy(buf, host_error, len);
	return 1;
}

/*
 * A connection to host:port. public_only: an address that is not public
 * is skipped with a message, whatever the name resolved to, so that the
 * check is on the address connected to (DNS rebinding).
 */
static int
tcp_connect(const char *host, int port, int timeout_ms, long long deadline,
    int public_only)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	char serv[8], at[64];
	int fd = -1, rv, saved = ECONNREFUSED;

	snprintf(serv, sizeof(serv), "%d", port);
	if ((rv = getaddrinfo(host, serv, &hints, &res)) != 0) {
		host_error_set(host, rv);
		warnx("%s", host_error);
		errno = EHOSTUNREACH;
		return -1;
	}
	for (ai = res; ai != NULL && fd == -1; ai = ai->ai_next) {
		if (public_only && addr_private(ai->ai_addr)) {
			addr_text(ai->ai_addr, at, sizeof(at));
			warnx("%s: refused: %s is a loopback, link-local or "
			    "private address (allow_hosts may name it)", host,
			    at);
			saved = EACCES;
			continue;
		}
		if (fetch_left_ms(deadline, timeout_ms) == 0) {
			saved = ETIMEDOUT;
			break;
		}
		if ((fd = connect_one(ai, fetch_left_ms(deadline,
		    timeout_ms))) == -1)
			saved = errno;
	}
	freeaddrinfo(res);
	if (fd == -1)
		errno = saved;
	return fd;
}

int
fetch_tcp(const struct sd_fetch_guard *g, const struct sd_url *u,
    int timeout_ms, long long deadline)
{
	return tcp_connect(u->host, u->port, timeout_ms, deadline,
	    !any_address_ok(g, u));
}

/*
 * Under a guard, curl connects to an address checked here: the first
 * public one of u's host, pinned with --resolve (curl resolves nothing
 * itself). 0 with pin written, or -1 (EACCES) when there is none.
 */
static int
https_pin(const struct sd_url *u, char *pin, size_t len)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	char at[64];
	int rv = -1;

	if (getaddrinfo(u->host, NULL, &hints, &res) != 0) {
		errno = EHOSTUNREACH;
		return -1;
	}
	for (ai = res; ai != NULL && rv == -1; ai = ai->ai_next) {
		addr_text(ai->ai_addr, at, sizeof(at));
		if (addr_private(ai->ai_addr)) {
			warnx("%s: refused: %s is a loopback, link-local or "
			    "private address (allow_hosts may name it)",
			    u->host, at);
			continue;
		}
		rv = snprintf(pin, len, ai->ai_family == AF_INET6 ?
		    "%s:%d:[%s]" : "%s:%d:%s", u->host, u->port, at) <
		    (int)len ? 0 : -1;
	}
	freeaddrinfo(res);
	if (rv == -1)
		errno = EACCES;
	return rv;
}

int
fetch_https_pin(const struct sd_fetch_guard *g, const struct sd_url *u,
    char *pin, size_t len)
{
	if (any_address_ok(g, u))
		return 0;
	return https_pin(u, pin, len) == -1 ? -1 : 1;
}

int
fetch_hop_refused(const struct sd_fetch_guard *g, const char *url, int hops)
{
	if (sd_fetch_allowed(g, url))
		return 0;
	warnx("%s: refused: %s the source's origin nor in allow_hosts",
	    url, hops ? "a redirect to a host that is not" : "not");
	errno = EACCES;
	return 1;
}

int
sd_fetch_connect(const struct sd_fetch_guard *g, const char *url,
    int timeout_ms)
{
	struct sd_url u;

	if (sd_url_parse(url, &u) == -1) {
		errno = EINVAL;
		return -1;
	}
	if (fetch_hop_refused(g, url, 0))
		return -1;
	return fetch_tcp(g, &u, timeout_ms, sd_mono_ms() + timeout_ms);
}
