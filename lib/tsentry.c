/*
 * tsentry.c - clean entry points in an MPEG-TS byte stream, for the live
 * ring (ring.c): where a new TS client can start so that its player sees
 * a PAT, then the PMT, then a video random access point before any other
 * video payload. No libav*: the ring writer runs this over every packet.
 *
 * An entry point is a PAT packet (PID 0, payload_unit_start) followed,
 * before any video payload, by the PMT it names and then a video PES start
 * whose TS packet has random_access_indicator set, or, for sources that
 * never set it, whose payload begins an H.264 IDR / HEVC IRAP access unit
 * (read on over at most SD_TS_ES_PACKETS packets of that PES).
 * Every field is bounded by the 188 bytes of its packet.
 */
#include <string.h>

#include "tsentry.h"

void
sd_ts_scan_init(struct sd_ts_scan *s)
{
	memset(s, 0, sizeof(*s));
	s->pmt_pid = -1;
	s->video_pid = -1;
}

/* Offset of the payload in pkt, or -1 when there is none or it is bad. */
static int
ts_payload(const unsigned char *pkt, int *rai)
{
	int afc = (pkt[3] >> 4) & 3, off = 4;

	*rai = 0;
	if (afc == 2 || afc == 3) {
		int afl = pkt[4];

		if (afl > 183)
			return -1;
		if (afl > 0)
			*rai = (pkt[5] & 0x40) != 0;
		off = 5 + afl;
		if (afc == 2)
			return -1;
	}
	if (afc == 0 || off >= SD_TS_PACKET)
		return -1;
	return off;
}

/*
 * The section starting in a payload_unit_start payload (pointer_field
 * skipped): its start and length within the packet, or -1. A section cut
 * by the packet end is taken only as far as the packet goes.
 */
static int
ts_section(const unsigned char *pkt, int off, int table_id, int *len)
{
	int ptr = pkt[off], start = off + 1 + ptr, slen;

	if (start + 3 > SD_TS_PACKET || pkt[start] != table_id)
		return -1;
	slen = ((pkt[start + 1] & 0x0f) << 8) | pkt[start + 2];
	if (slen < 9)			/* header after length + CRC */
		return -1;
	/* the loop ends before the CRC, and never past the packet */
	*len = 3 + slen - 4;
	if (start + *len > SD_TS_PACKET)
		*len = SD_TS_PACKET - start;
	return start;
}

/* The first program's PMT PID from a PAT section, or -1. */
static int
pat_pmt_pid(const unsigned char *pkt, int off)
{
	int start, len, i;

	if ((start = ts_section(pkt, off, 0x00, &len)) == -1)
		return -1;
	for (i = start + 8; i + 4 <= start + len; i += 4) {
		int prog = (pkt[i] << 8) | pkt[i + 1];

		if (prog != 0)		/* 0 names the network PID */
			return ((pkt[i + 2] & 0x1f) << 8) | pkt[i + 3];
	}
	return -1;
}

static int
video_stream_type(int type)
{
	/* MPEG-1/2 video, MPEG-4 part 2, H.264, HEVC */
	return type == 0x01 || type == 0x02 || type == 0x10 || type == 0x1b ||
	    type == 0x24;
}

/* From a PMT section: the first video stream's PID and type; 0 or -1. */
static int
pmt_video(const unsigned char *pkt, int off, int *pid, int *type)
{
	int start, len, i, pil;

	if ((start = ts_section(pkt, off, 0x02, &len)) == -1 ||
	    start + 12 > SD_TS_PACKET)
		return -1;
	pil = ((pkt[start + 10] & 0x0f) << 8) | pkt[start + 11];
	*pid = -1;
	for (i = start + 12 + pil; i + 5 <= start + len;) {
		int es = ((pkt[i + 3] & 0x0f) << 8) | pkt[i + 4];

		if (video_stream_type(pkt[i])) {
			*type = pkt[i];
			*pid = ((pkt[i + 1] & 0x1f) << 8) | pkt[i + 2];
			return 0;
		}
		i += 5 + es;
	}
	return 0;
}

/*
 * Look at video ES bytes for the first slice NAL unit: 1 when it is an IDR
 * (H.264) or IRAP (HEVC) one, 0 when another slice, -1 not known yet. The
 * start code window lives in s, so a NAL header in the next packet counts
 * (x264 puts a long SEI before the first IDR slice).
 */
static int
es_keyframe(struct sd_ts_scan *s, const unsigned char *p, int n)
{
	int i, nal;

	for (i = 0; i < n; i++) {
		if ((s->window & 0xffffff) == 0x000001) {
			nal = p[i];
			if (s->video_type == 0x1b) {
				nal &= 0x1f;
				if (nal == 5)
					return 1;
				if (nal >= 1 && nal <= 4)
					return 0;
			} else if (s->video_type == 0x24) {
				nal = (nal >> 1) & 0x3f;
				if (nal >= 16 && nal <= 21)
					return 1;
				if (nal <= 9)
					return 0;
			} else
				return 0;
		}
		s->window = (s->window << 8) | p[i];
	}
	return -1;
}

/* The ES bytes of a PES start: after the PES header, bounded; or -1. */
static int
pes_es_start(const unsigned char *pkt, int off)
{
	int es;

	if (off + 9 > SD_TS_PACKET || pkt[off] != 0 || pkt[off + 1] != 0 ||
	    pkt[off + 2] != 1)
		return -1;
	es = off + 9 + pkt[off + 8];
	return es <= SD_TS_PACKET ? es : -1;
}

static int
entry_found(struct sd_ts_scan *s)
{
	s->pending = 0;
	s->entry_chunk = s->cand_chunk;
	s->entry_off = s->cand_off;
	s->found++;
	return 1;
}

/*
 * Feed one packet, found at (chunk, off) of the caller's numbering. 1 when
 * it completes an entry point: s->entry_chunk / s->entry_off then name its
 * PAT, s->key_chunk / s->key_off the packet where its keyframe PES starts.
 * 0 otherwise.
 */
int
sd_ts_scan_packet(struct sd_ts_scan *s, const unsigned char *pkt,
    unsigned long long chunk, size_t off)
{
	int pid, pusi, rai, pl, es;

	if (pkt[0] != 0x47 || (pkt[1] & 0x80))	/* no sync, or TEI */
		return 0;
	pid = ((pkt[1] & 0x1f) << 8) | pkt[2];
	pusi = (pkt[1] & 0x40) != 0;
	if ((pl = ts_payload(pkt, &rai)) == -1)
		return 0;		/* no payload: changes nothing */
	if (pid == 0 && pusi) {
		int pmt = pat_pmt_pid(pkt, pl);

		s->pending = pmt >= 0;
		if (pmt >= 0) {
			s->pmt_pid = pmt;
			s->pmt_seen = 0;
			s->cand_chunk = chunk;
			s->cand_off = off;
		}
		return 0;
	}
	if (pid == s->pmt_pid && pusi) {
		int vpid, vtype = 0;

		if (pmt_video(pkt, pl, &vpid, &vtype) == 0) {
			s->video_pid = vpid;
			s->video_type = vtype;
			if (s->pending)
				s->pmt_seen = 1;
		}
		return 0;
	}
	if (pid != s->video_pid || s->video_pid < 0 || !s->pending)
		return 0;
	if (s->pending == 2) {		/* the keyframe's PES, continued */
		int k;

		if (pusi || ++s->es_packets > SD_TS_ES_PACKETS) {
			s->pending = 0;
			return 0;
		}
		k = es_keyframe(s, pkt + pl, SD_TS_PACKET - pl);
		if (k == -1)
			return 0;
		return k == 1 ? entry_found(s) : (s->pending = 0);
	}
	/* the first video payload after the PAT decides */
	s->pending = 0;
	if (!s->pmt_seen || !pusi)
		return 0;
	s->key_chunk = chunk;
	s->key_off = off;
	if (rai)
		return entry_found(s);
	if ((es = pes_es_start(pkt, pl)) == -1)
		return 0;
	s->window = 0xffffffff;
	switch (es_keyframe(s, pkt + es, SD_TS_PACKET - es)) {
	case 1:
		return entry_found(s);
	case -1:
		s->pending = 2;		/* not known yet: read on */
		s->es_packets = 0;
		return 0;
	default:
		return 0;
	}
}
