/*
 * dgram.c unit tests: which udp:// and rtp:// URLs the session reads
 * itself, and the MPEG-TS packets a datagram carries (RTP headers with
 * CSRCs, an extension and padding; datagrams that carry none).
 */
#include <stdio.h>
#include <string.h>

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

static void
payloads(void)
{
	unsigned char d[2048];
	size_t off;

	packets(d, 0, 7);
	ok(sd_dgram_payload(d, 7 * 188, 0, &off) == 7 * 188 && off == 0,
	    "udp: 7 packets");
	ok(sd_dgram_payload(d, 7 * 188 - 1, 0, &off) == -1,
	    "udp: not whole packets");
	d[188 * 3] = 0x46;
	ok(sd_dgram_payload(d, 7 * 188, 0, &off) == -1, "udp: a lost sync");
	ok(sd_dgram_payload(d, 0, 0, &off) == -1, "udp: empty");

	memset(d, 0, 12);
	d[0] = 0x80;			/* version 2 */
	d[1] = 33;			/* MP2T */
	packets(d, 12, 7);
	ok(sd_dgram_payload(d, 12 + 7 * 188, 1, &off) == 7 * 188 && off == 12,
	    "rtp: 7 packets after 12 bytes");
	ok(sd_dgram_payload(d, 12 + 7 * 188, 0, &off) == -1,
	    "rtp read as udp: no sync");
	d[0] = 0x40;
	ok(sd_dgram_payload(d, 12 + 7 * 188, 1, &off) == -1, "rtp: version 1");

	d[0] = 0x80 | 0x10 | 2;		/* extension, 2 CSRCs */
	d[12 + 8 + 2] = 0;
	d[12 + 8 + 3] = 1;		/* one word of extension */
	packets(d, 12 + 8 + 8, 2);
	ok(sd_dgram_payload(d, 28 + 2 * 188, 1, &off) == 2 * 188 && off == 28,
	    "rtp: CSRCs and an extension skipped");
	d[12 + 8 + 3] = 200;
	ok(sd_dgram_payload(d, 28 + 2 * 188, 1, &off) == -1,
	    "rtp: an extension beyond the end");

	d[0] = 0x80 | 0x20;		/* padding */
	packets(d, 12, 1);
	memset(d + 12 + 188, 0, 4);
	d[12 + 188 + 3] = 4;
	ok(sd_dgram_payload(d, 12 + 188 + 4, 1, &off) == 188 && off == 12,
	    "rtp: padding left out");
	d[12 + 188 + 3] = 255;
	ok(sd_dgram_payload(d, 12 + 188 + 4, 1, &off) == -1,
	    "rtp: padding longer than the packet");
	ok(sd_dgram_payload(d, 8, 1, &off) == -1, "rtp: shorter than a header");
}

int
main(void)
{
	urls();
	payloads();
	return done();
}
