/*
 * tsentry.h - clean entry points of a TS stream (tsentry.c), for the ring
 * writer (ring.c): a PAT, then its PMT, then a video random access point
 * before any other video payload, found one 188-byte packet at a time;
 * positions are the caller's (chunk, offset).
 */
#ifndef SD_TSENTRY_H
#define SD_TSENTRY_H

#include <stddef.h>

#define SD_TS_PACKET 188
#define SD_TS_ES_PACKETS 32		/* NAL types looked for this far */

struct sd_ts_scan {
	int pmt_pid, video_pid, video_type;
	int pending, pmt_seen;		/* a PAT seen (2: reading its key
					 * PES for the NAL type), its PMT */
	unsigned window;		/* last ES bytes: start codes */
	int es_packets;
	unsigned long long cand_chunk, entry_chunk, key_chunk;
	size_t cand_off, entry_off, key_off;
	unsigned long long found;	/* entry points so far */
};
void sd_ts_scan_init(struct sd_ts_scan *s);
/* 1 when pkt completes an entry point (tsentry.c says where it is). */
int sd_ts_scan_packet(struct sd_ts_scan *s, const unsigned char *pkt,
    unsigned long long chunk, size_t off);

#endif /* SD_TSENTRY_H */
