/*
 * dgram.c unit tests: which udp:// and rtp:// URLs the session reads
 * itself, the MPEG-TS packets a datagram carries (RTP headers with
 * CSRCs, an extension and padding; hostile datagrams that carry none,
 * each read from a buffer of its own length, so that the sanitizer sees
 * a byte read past its end), and datagrams read off a socket.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sd.h"
#include "dgram.h"
#include "mtap.h"

static void
urls(void)
{
	struct sd_dgram_url u;

	ok(sd_dgram_url("udp://127.0.0.1:5000", &u) == 0 && !u.rtp &&
	    strcmp(u.host, "127.0.0.1") == 0 && strcmp(u.port, "5000") == 0,
	    "udp://127.0.0.1:5000");
	ok(sd_dgram_url("RTP://127.0.0.1:5000/", &u) == 0 && u.rtp,
	    "rtp://, any case, a trailing /");
	ok(sd_dgram_url("udp://@239.1.2.3:1234", &u) == 0 &&
	    strcmp(u.host, "239.1.2.3") == 0, "VLC's @group:port");
	ok(sd_dgram_url("udp://@:1234", &u) == 0 && u.host[0] == '\0' &&
	    strcmp(u.port, "1234") == 0, "no host: every address");
	ok(sd_dgram_url("udp://[ff02::1]:1234", &u) == 0 &&
	    strcmp(u.host, "ff02::1") == 0, "an IPv6 group");
	ok(sd_dgram_url("udp://[::1]:1234?pkt_size=1316", &u) == 0 &&
	    strcmp(u.host, "::1") == 0 && strcmp(u.port, "1234") == 0,
	    "an IPv6 address and an option");
	ok(sd_dgram_url("udp://@[::1]:1234/", &u) == 0 &&
	    strcmp(u.port, "1234") == 0, "@, an IPv6 address and a /");
	ok(sd_dgram_url("udp://[::1:1234", &u) == -1, "an IPv6 address unclosed");
	ok(sd_dgram_url("udp://[::1]", &u) == -1, "an IPv6 address, no port");
	ok(sd_dgram_url("udp://127.0.0.1:5000?pkt_size=1316&fifo_size=100000"
	    "&overrun_nonfatal=1", &u) == 0, "harmless options");
	ok(sd_dgram_url("udp://239.1.1.1:5000?sources=10.0.0.1", &u) == -1,
	    "a source filter: ffmpeg's");
	ok(sd_dgram_url("udp://127.0.0.1:5000?pkt_size=1316&localaddr=10.0.0.2",
	    &u) == -1, "a local address: ffmpeg's");
	ok(sd_dgram_url("udp://tv.example:5000", &u) == -1,
	    "a host name: ffmpeg resolves it");
	ok(sd_dgram_url("udp://127.0.0.1", &u) == -1, "no port");
	ok(sd_dgram_url("udp://127.0.0.1:0", &u) == -1 &&
	    sd_dgram_url("udp://127.0.0.1:65536", &u) == -1 &&
	    sd_dgram_url("udp://127.0.0.1:5x", &u) == -1, "a bad port");
	ok(sd_dgram_url("udp://127.0.0.1:5000/x", &u) == -1, "a path");
	ok(sd_dgram_url("srt://127.0.0.1:5000", &u) == -1, "srt: not ours");
	ok(sd_dgram_url("udp://1.2.3.4:5:6", &u) == -1, "two ports");
}

/* n TS packets at d + off, their sync bytes set. */
static void
packets(unsigned char *d, size_t off, int n)
{
	int i;

	memset(d + off, 0xff, (size_t)n * 188);
	for (i = 0; i < n; i++)
		d[off + (size_t)i * 188] = 0x47;
}

/* sd_dgram_payload of the n bytes at d, copied to a buffer of n bytes. */
static ssize_t
payload(const unsigned char *d, size_t n, int rtp, size_t *off)
{
	unsigned char *c = malloc(n > 0 ? n : 1);
	ssize_t r;

	if (c == NULL)
		return -2;
	memcpy(c, d, n);
	r = sd_dgram_payload(c, n, rtp, off);
	free(c);
	return r;
}

static void
payloads(void)
{
	unsigned char d[2048];
	size_t off;

	packets(d, 0, 7);
	ok(payload(d, 7 * 188, 0, &off) == 7 * 188 && off == 0,
	    "udp: 7 packets");
	ok(payload(d, 7 * 188 - 1, 0, &off) == -1,
	    "udp: not whole packets");
	d[188 * 3] = 0x46;
	ok(payload(d, 7 * 188, 0, &off) == -1, "udp: a lost sync");
	ok(payload(d, 0, 0, &off) == -1, "udp: empty");

	memset(d, 0, 12);
	d[0] = 0x80;			/* version 2 */
	d[1] = 33;			/* MP2T */
	packets(d, 12, 7);
	ok(payload(d, 12 + 7 * 188, 1, &off) == 7 * 188 && off == 12,
	    "rtp: 7 packets after 12 bytes");
	ok(payload(d, 12 + 7 * 188, 0, &off) == -1,
	    "rtp read as udp: no sync");
	d[0] = 0x40;
	ok(payload(d, 12 + 7 * 188, 1, &off) == -1, "rtp: version 1");

	d[0] = 0x80 | 0x10 | 2;		/* extension, 2 CSRCs */
	d[12 + 8 + 2] = 0;
	d[12 + 8 + 3] = 1;		/* one word of extension */
	packets(d, 12 + 8 + 8, 2);
	ok(payload(d, 28 + 2 * 188, 1, &off) == 2 * 188 && off == 28,
	    "rtp: CSRCs and an extension skipped");
	d[12 + 8 + 3] = 200;
	ok(payload(d, 28 + 2 * 188, 1, &off) == -1,
	    "rtp: an extension beyond the end");

	d[0] = 0x80 | 0x20;		/* padding */
	packets(d, 12, 1);
	memset(d + 12 + 188, 0, 4);
	d[12 + 188 + 3] = 4;
	ok(payload(d, 12 + 188 + 4, 1, &off) == 188 && off == 12,
	    "rtp: padding left out");
	d[12 + 188 + 3] = 255;
	ok(payload(d, 12 + 188 + 4, 1, &off) == -1,
	    "rtp: padding longer than the packet");
	ok(payload(d, 8, 1, &off) == -1, "rtp: shorter than a header");
	d[0] = 0x80 | 0x20;
	ok(payload(d, 1, 1, &off) == -1, "rtp: one byte, padding said");
}

/* RTP headers that claim more than the datagram holds. */
static void
hostile(void)
{
	unsigned char d[16 + 188];
	size_t off;

	memset(d, 0, sizeof(d));
	d[0] = 0x80;
	ok(payload(d, 12, 1, &off) == -1, "rtp: a header and nothing else");
	d[0] = 0x80 | 15;		/* 15 CSRCs: 72 bytes of header */
	ok(payload(d, 12, 1, &off) == -1 && payload(d, 72, 1, &off) == -1,
	    "rtp: CSRCs beyond the end");
	d[0] = 0x80 | 0x10;		/* an extension, its header cut */
	ok(payload(d, 12, 1, &off) == -1 && payload(d, 14, 1, &off) == -1,
	    "rtp: an extension header beyond the end");
	d[14] = d[15] = 0xff;		/* 65535 words of extension */
	packets(d, 16, 1);
	ok(payload(d, sizeof(d), 1, &off) == -1,
	    "rtp: the longest extension, beyond the end");
	d[0] = 0x80 | 0x20 | 0x10 | 15;	/* all of them at once */
	d[sizeof(d) - 1] = 0xff;
	ok(payload(d, sizeof(d), 1, &off) == -1,
	    "rtp: CSRCs, extension and padding beyond the end");
	d[0] = 0x80 | 0x20;		/* padding of the whole payload */
	d[sizeof(d) - 1] = (unsigned char)(sizeof(d) - 12);
	ok(payload(d, sizeof(d), 1, &off) == -1,
	    "rtp: padding that leaves no payload");
}

/* A socket on 127.0.0.1 and a port the kernel picked; -1 on failure. */
static int
sender(struct sockaddr_in *to)
{
	socklen_t len = sizeof(*to);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	memset(to, 0, sizeof(*to));
	to->sin_family = AF_INET;
	to->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd == -1 || bind(fd, (struct sockaddr *)to, sizeof(*to)) == -1 ||
	    getsockname(fd, (struct sockaddr *)to, &len) == -1)
		return -1;
	return fd;
}

/* Datagrams sent to 127.0.0.1 and read back by sd_dgram_read. */
static void
socket_reads(void)
{
	struct sd_dgram_url u;
	struct sd_dgram d;
	struct sockaddr_in to;
	unsigned char dg[7 * 188], *out;
	char url[64];
	int s, tries, opened = -1;
	ssize_t n;

	/* The kernel's pick for the sender's port, and the next ones for
	 * ours (one taken meanwhile is tried again with another). */
	if ((s = sender(&to)) == -1 || (out = malloc(SD_DGRAM_MAX)) == NULL) {
		ok(0, "a sender's socket");
		return;
	}
	for (tries = 1; tries <= 20 && opened == -1; tries++) {
		snprintf(url, sizeof(url), "udp://127.0.0.1:%d",
		    (ntohs(to.sin_port) + tries) % 65536);
		opened = sd_dgram_url(url, &u) == 0 ?
		    sd_dgram_open(&d, &u) : -1;
	}
	ok(opened == 0, "udp://127.0.0.1:PORT bound");
	if (opened != 0) {
		close(s);
		free(out);
		return;
	}
	to.sin_port = htons((unsigned short)strtol(u.port, NULL, 10));
	ok(sd_dgram_read(&d, out, SD_DGRAM_MAX) == 0, "none waits: 0");
	packets(dg, 0, 7);
	(void)sendto(s, dg, sizeof(dg), 0, (struct sockaddr *)&to, sizeof(to));
	(void)sendto(s, dg, 100, 0, (struct sockaddr *)&to, sizeof(to));
	(void)sendto(s, dg, 188, 0, (struct sockaddr *)&to, sizeof(to));
	/* (on loopback a datagram waits once sendto returns) */
	n = sd_dgram_read(&d, out, 7 * 188 + 187);
	ok(n == 7 * 188 && out[0] == 0x47 && out[188] == 0x47,
	    "the first datagram's 7 packets");
	ok(d.bad == 1, "100 bytes: a datagram that carries no TS, counted");
	ok(d.len == 188, "the third, too long for what is left of out, waits");
	ok(sd_dgram_read(&d, out, SD_DGRAM_MAX) == 188 && d.len == 0,
	    "and comes with the next read");
	sd_dgram_close(&d);
	ok(d.fd == -1 && d.buf == NULL, "closed");
	close(s);
	free(out);
}


int
main(void)
{
	urls();
	payloads();
	hostile();
	socket_reads();
	return done();
}
