/*
 * dgram.h - MPEG-TS over UDP and over RTP read by the upstream session
 * itself (dgram.c), for lib/ only: which udp:// and rtp:// URLs it reads
 * (the rest go to the ingest ffmpeg, ingest.c), what a datagram carries,
 * and the socket. sd-relay(7), "The ingest".
 */
#ifndef SD_DGRAM_H
#define SD_DGRAM_H

#include <sys/types.h>
#include <stddef.h>

#define SD_DGRAM_MAX 65536	/* a datagram's bytes, at most */

/* A udp:// or rtp:// URL we read: [@][HOST]:PORT[?harmless options]. */
struct sd_dgram_url {
	int rtp;		/* rtp://: each datagram has an RTP header */
	char host[256];		/* "" or an address (no [] for IPv6) */
	char port[8];		/* 1-65535 */
};

/*
 * 0 and u filled when url is a udp:// or rtp:// URL we read ourselves: a
 * numeric host (or none) and a port, and no query option but those that
 * change nothing for a reader (pkt_size, buffer_size, fifo_size,
 * overrun_nonfatal, timeout, reuse). -1 otherwise: a host name, a source
 * filter, a local address... are left to ffmpeg. Pure.
 */
int sd_dgram_url(const char *url, struct sd_dgram_url *u);

/*
 * The MPEG-TS packets one datagram carries: their length (a multiple of
 * 188, each packet starting with 0x47) and where they start in *off, past
 * an RTP header when rtp; -1 when it carries none (not RTP version 2,
 * padding or extension beyond its end, a length that is not whole
 * packets, a lost sync byte). Pure.
 */
ssize_t sd_dgram_payload(const unsigned char *d, size_t n, int rtp,
    size_t *off);

/* An open socket and the datagram in hand. */
struct sd_dgram {
	int fd;
	int rtp;
	unsigned char *buf;	/* SD_DGRAM_MAX: the datagram read last */
	size_t off, len;	/* its TS packets not handed on yet */
	unsigned long long bad;	/* datagrams that carried no TS */
};

/*
 * The socket of u bound to its port: on the group, joined, when HOST is
 * a multicast address; on HOST when it is one of this machine's; else on
 * every address, as ffmpeg's udp:// reader binds. -1 with errno.
 */
int sd_dgram_open(struct sd_dgram *d, const struct sd_dgram_url *u);
/*
 * Every whole TS packet of the datagrams waiting, into out (n at least
 * SD_DGRAM_MAX): their bytes, 0 when none waits, -1 with errno. A
 * datagram that does not fit waits for the next call.
 */
ssize_t sd_dgram_read(struct sd_dgram *d, void *out, size_t n);
void sd_dgram_close(struct sd_dgram *d);

#endif /* SD_DGRAM_H */
