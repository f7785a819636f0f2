/*
 * dgram.c - MPEG-TS over UDP (udp://) and RTP (rtp://, RFC 2250) read by
 * the upstream session itself (upstream.c), with no ffmpeg: each
 * datagram's TS packets go into the ring as they come, as fetch.c's bytes
 * do for MPEG-TS over HTTP.
 *
 * Why not ffmpeg: the ingest ffmpeg binds the port only after loading its
 * libraries (0.1 s on an idle machine, 0.7-0.9 s measured at load 17), and
 * a live stream's datagrams sent before that are gone, so each zap waited
 * that long more for its first keyframe; then it analysed a second of the
 * stream before its first byte out. Reading a datagram needs neither. A
 * URL with options ffmpeg's reader would honour (a source filter, a local
 * address, a host name) stays with ffmpeg (ingest.c).
 */
#include <sys/socket.h>
#include <sys/types.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "sd.h"
#include "dgram.h"

#define TS_PACKET 188
#define RTP_HEADER 12
#define DGRAMS_A_READ 512	/* datagrams one sd_dgram_read looks at */
#define RCVBUF_BYTES (4 << 20)	/* a stall of the ring's disk: ~10 s of
				 * a 3 Mbit/s channel wait in the kernel */

/* ---------------------------------------------------------------- URL */

/* Query options that change nothing for a reader of the whole stream. */
static const char *const harmless[] = {
	"pkt_size", "buffer_size", "fifo_size", "overrun_nonfatal",
	"timeout", "reuse",
};

static int
query_ok(const char *q)
{
	size_t k, i;
	int known;

	while (*q != '\0') {
		k = strcspn(q, "=&");
		known = 0;
		for (i = 0; i < sizeof(harmless) / sizeof(harmless[0]); i++)
			if (strlen(harmless[i]) == k &&
			    strncmp(q, harmless[i], k) == 0)
				known = 1;
		if (!known)
			return 0;
		q += strcspn(q, "&");
		if (*q == '&')
			q++;
	}
	return 1;
}

/* host (bracketed for IPv6) and :port of an authority of len bytes. */
static int
authority(const char *a, size_t len, struct sd_dgram_url *u)
{
	const char *colon, *errstr, *end = a + len;
	unsigned char addr[sizeof(struct in6_addr)];
	size_t hlen;

	if (len > 0 && a[0] == '@') {		/* VLC's "@group:port" */
		a++;
		len--;
	}
	if (len > 0 && a[0] == '[') {
		colon = memchr(a, ']', len);
		if (colon == NULL || colon + 1 >= end || colon[1] != ':')
			return -1;
		hlen = (size_t)(colon - a) - 1;
		a++;
		colon++;
	} else {
		colon = memchr(a, ':', len);
		if (colon == NULL || memchr(colon + 1, ':', len -
		    (size_t)(colon + 1 - a)) != NULL)
			return -1;
		hlen = (size_t)(colon - a);
	}
	if (hlen >= sizeof(u->host))
		return -1;
	memcpy(u->host, a, hlen);
	u->host[hlen] = '\0';
	if (hlen > 0 && inet_pton(AF_INET, u->host, addr) != 1 &&
	    inet_pton(AF_INET6, u->host, addr) != 1)
		return -1;		/* a name: ffmpeg resolves it */
	hlen = (size_t)(end - colon) - 1;
	if (hlen == 0 || hlen >= sizeof(u->port))
		return -1;
	memcpy(u->port, colon + 1, hlen);
	u->port[hlen] = '\0';
	sd_strtonum(u->port, 1, 65535, &errstr);
	return errstr == NULL ? 0 : -1;
}

int
sd_dgram_url(const char *url, struct sd_dgram_url *u)
{
	size_t len;

	memset(u, 0, sizeof(*u));
	if (strncasecmp(url, "rtp://", 6) == 0)
		u->rtp = 1;
	else if (strncasecmp(url, "udp://", 6) != 0)
		return -1;
	url += 6;
	len = strcspn(url, "/?#");
	if (authority(url, len, u) == -1)
		return -1;
	url += len;
	if (*url == '/')		/* "udp://:1234/" */
		url++;
	if (*url == '?')
		return query_ok(url + 1) ? 0 : -1;
	return *url == '\0' ? 0 : -1;
}

/* ---------------------------------------------------------------- payload */

/* The RTP header's length, or 0 when d is no RTP packet with a payload. */
static size_t
rtp_header(const unsigned char *d, size_t *n)
{
	size_t h, pad = 0;

	if (*n < RTP_HEADER || (d[0] >> 6) != 2)
		return 0;
	h = RTP_HEADER + 4 * (size_t)(d[0] & 0x0f);	/* CSRCs */
	if ((d[0] & 0x10) != 0) {			/* an extension */
		if (*n < h + 4)
			return 0;
		h += 4 + 4 * (size_t)(d[h + 2] << 8 | d[h + 3]);
	}
	if ((d[0] & 0x20) != 0)				/* padding */
		pad = d[*n - 1];
	if (h + pad >= *n)
		return 0;
	*n -= pad;
	return h;
}

ssize_t
sd_dgram_payload(const unsigned char *d, size_t n, int rtp, size_t *off)
{
	size_t i;

	*off = 0;
	if (rtp && (*off = rtp_header(d, &n)) == 0)
		return -1;
	n -= *off;
	if (n == 0 || n % TS_PACKET != 0)
		return -1;
	for (i = 0; i < n; i += TS_PACKET)
		if (d[*off + i] != 0x47)
			return -1;
	return (ssize_t)n;
}

/* ---------------------------------------------------------------- socket */

static int
is_multicast(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return IN_MULTICAST(ntohl(((const struct sockaddr_in *)
		    (const void *)sa)->sin_addr.s_addr));
	return sa->sa_family == AF_INET6 && IN6_IS_ADDR_MULTICAST(
	    &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr);
}

/* 1 when an interface of this machine has sa's address. */
static int
is_local(const struct sockaddr *sa)
{
	struct ifaddrs *ifs, *i;
	int found = 0;

	if (getifaddrs(&ifs) == -1)
		return 0;
	for (i = ifs; i != NULL && !found; i = i->ifa_next) {
		if (i->ifa_addr == NULL || i->ifa_addr->sa_family !=
		    sa->sa_family)
			continue;
		if (sa->sa_family == AF_INET)
			found = memcmp(&((struct sockaddr_in *)(void *)
			    i->ifa_addr)->sin_addr, &((const struct
			    sockaddr_in *)(const void *)sa)->sin_addr,
			    sizeof(struct in_addr)) == 0;
		else
			found = memcmp(&((struct sockaddr_in6 *)(void *)
			    i->ifa_addr)->sin6_addr, &((const struct
			    sockaddr_in6 *)(const void *)sa)->sin6_addr,
			    sizeof(struct in6_addr)) == 0;
	}
	freeifaddrs(ifs);
	return found;
}

/* The group of a multicast address joined on the default interface. */
static int
join(int fd, const struct sockaddr *sa)
{
	struct ip_mreq m4;
	struct ipv6_mreq m6;

	if (sa->sa_family == AF_INET) {
		memset(&m4, 0, sizeof(m4));
		m4.imr_multiaddr = ((const struct sockaddr_in *)
		    (const void *)sa)->sin_addr;
		m4.imr_interface.s_addr = htonl(INADDR_ANY);
		return setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &m4,
		    sizeof(m4));
	}
	memset(&m6, 0, sizeof(m6));
	m6.ipv6mr_multiaddr = ((const struct sockaddr_in6 *)
	    (const void *)sa)->sin6_addr;
	return setsockopt(fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, &m6, sizeof(m6));
}

/* A socket bound as sd_dgram_open says, for the address ai. */
static int
bind_one(const struct addrinfo *ai, int named)
{
	struct sockaddr_storage any;
	const struct sockaddr *at = ai->ai_addr;
	int fd, one = 1, rcv = RCVBUF_BYTES, mc = named &&
	    is_multicast(ai->ai_addr), saved;

	if ((fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (named && !mc && !is_local(ai->ai_addr)) {
		/* a sender's address, as ffmpeg allows: every address */
		memset(&any, 0, sizeof(any));
		memcpy(&any, ai->ai_addr, ai->ai_addrlen);
		if (any.ss_family == AF_INET)
			((struct sockaddr_in *)(void *)&any)->sin_addr.s_addr =
			    htonl(INADDR_ANY);
		else
			((struct sockaddr_in6 *)(void *)&any)->sin6_addr =
			    in6addr_any;
		at = (const struct sockaddr *)&any;
	}
	/* (several readers of one group is what multicast is for) */
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	if ((mc && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
	    sizeof(one)) == -1) || bind(fd, at, ai->ai_addrlen) == -1 ||
	    (mc && join(fd, ai->ai_addr) == -1)) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

int
sd_dgram_open(struct sd_dgram *d, const struct sd_dgram_url *u)
{
	struct addrinfo hints, *res, *ai;
	int rv, saved = EADDRNOTAVAIL;

	memset(d, 0, sizeof(*d));
	d->fd = -1;
	d->rtp = u->rtp;
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
	if ((rv = getaddrinfo(u->host[0] ? u->host : NULL, u->port, &hints,
	    &res)) != 0) {
		errno = rv == EAI_SYSTEM ? errno : EINVAL;
		return -1;
	}
	for (ai = res; ai != NULL && d->fd == -1; ai = ai->ai_next)
		if ((d->fd = bind_one(ai, u->host[0] != '\0')) == -1)
			saved = errno;
	freeaddrinfo(res);
	if (d->fd == -1) {
		errno = saved;
		return -1;
	}
	if ((d->buf = malloc(SD_DGRAM_MAX)) == NULL) {
		sd_dgram_close(d);
		return -1;
	}
	return 0;
}

ssize_t
sd_dgram_read(struct sd_dgram *d, void *out, size_t n)
{
	size_t got = 0;
	ssize_t r, len;
	int tries;

	/* (bounded: a flood of datagrams that carry no TS ends the call) */
	for (tries = 0; tries < DGRAMS_A_READ; tries++) {
		if (d->len > 0) {
			if (d->len > n - got)
				break;
			memcpy((char *)out + got, d->buf + d->off, d->len);
			got += d->len;
			d->len = 0;
		}
		r = recv(d->fd, d->buf, SD_DGRAM_MAX, MSG_DONTWAIT);
		if (r == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR || got > 0)
				break;
			return -1;
		}
		if ((len = sd_dgram_payload(d->buf, (size_t)r, d->rtp,
		    &d->off)) == -1)
			d->bad++;
		else
			d->len = (size_t)len;
	}
	return (ssize_t)got;
}

void
sd_dgram_close(struct sd_dgram *d)
{
	if (d->fd != -1)
		close(d->fd);
	d->fd = -1;
	free(d->buf);
	d->buf = NULL;
	d->len = 0;
}
