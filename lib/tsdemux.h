/*
 * tsdemux.h - an MPEG-TS demuxer without libav*: bytes in, access units
 * (whole PES payloads) and program changes out, through two callbacks.
 *
 *	struct sd_tsd *d = sd_tsd_new(&cb, 0);
 *	while ((n = read(fd, buf, sizeof(buf))) > 0)
 *		if (sd_tsd_feed(d, buf, n) != 0)
 *			break;
 *	sd_tsd_end(d);		(hands out the PES still open)
 *	sd_tsd_free(d);
 *
 * Input may come in any chunks. Packets of 188, 192 (M2TS) or 204 bytes;
 * sync is found by SD_TSD_SYNC_RUN sync bytes at one stride, lost at the
 * first packet without one, and found again. One program is followed: the
 * one asked for, or the first the PAT lists. Timestamps are the raw 33-bit
 * PES values (the 2^33 wrap is the timeline's to unwrap).
 *
 * An AU is one PES: for video one access unit (as encoders and ffmpeg
 * write TS), for audio often several frames (ADTS, AC-3, MPEG audio, Opus
 * with its TS control headers), which the caller splits. A PES of unbounded
 * length (video) is handed out when the next one on its PID starts, or at
 * sd_tsd_end. Continuity gaps, lost sync and transport errors mark the AU
 * they hit SD_TSD_DAMAGED; a packet repeated once (same CC, same header and
 * first and last 16 payload bytes) is dropped as a duplicate. Streams of
 * other types are listed in the program with SD_TSD_NONE and skipped.
 */
#ifndef SD_TSDEMUX_H
#define SD_TSDEMUX_H

#include <stddef.h>
#include <stdint.h>

#define SD_TSD_PACKET		188
#define SD_TSD_SYNC_RUN		5	/* sync bytes in a row to lock */
#define SD_TSD_MAX_STREAMS	16	/* PMT entries kept, others ignored */
#define SD_TSD_VIDEO_PES_MAX	(4 << 20)	/* bigger PES: truncated */
#define SD_TSD_AUDIO_PES_MAX	(256 << 10)
#define SD_TSD_NOTS		INT64_C(-1)	/* no PTS/DTS */

enum sd_tsd_codec {
	SD_TSD_NONE,		/* a stream type sd does not carry: skipped */
	SD_TSD_H264,		/* 0x1b */
	SD_TSD_HEVC,		/* 0x24 */
	SD_TSD_AAC_ADTS,	/* 0x0f */
	SD_TSD_AAC_LATM,	/* 0x11 */
	SD_TSD_AC3,		/* 0x81, or 0x06 with descriptor 0x6a / 'AC-3' */
	SD_TSD_EAC3,		/* 0x87, or 0x06 with descriptor 0x7a / 'EAC3' */
	SD_TSD_MPEG_AUDIO,	/* 0x03, 0x04: MP1/MP2/MP3, the frame says */
	SD_TSD_OPUS		/* 0x06 with registration 'Opus' */
};

struct sd_tsd_stream {
	int id;			/* unique for the demuxer's life: a PID whose
				   codec changes gets a new id */
	int pid;
	int stream_type;	/* as the PMT says */
	enum sd_tsd_codec codec;
	int is_video;
	char lang[4];		/* ISO 639-2 from descriptor 0x0a, or "" */
};

/* sd_tsd_au.flags */
#define SD_TSD_KEY	0x01	/* a sync sample: H.264 IDR or recovery
				   point SEI, HEVC IRAP; every audio AU */
#define SD_TSD_RAI	0x02	/* random_access_indicator on its packet */
#define SD_TSD_DAMAGED	0x04	/* packets lost (CC gap, sync lost, TEI)
				   or PES cut short: the bytes are not whole */
#define SD_TSD_DISCONT	0x08	/* discontinuity_indicator since the last AU
				   (on its PID or the PCR PID) */
#define SD_TSD_TRUNC	0x10	/* longer than the cap: the tail is gone */

struct sd_tsd_au {
	const struct sd_tsd_stream *stream;	/* valid in the callback */
	const uint8_t *data;	/* the PES payload; valid in the callback
				   only. Points into the fed bytes when the PES
				   lay whole in one packet, else into a buffer
				   the demuxer reuses */
	size_t len;
	int64_t pts, dts;	/* 0 .. 2^33-1, or SD_TSD_NOTS; dts = pts
				   when the PES carries a PTS alone */
	uint64_t pos;		/* input offset of its first TS packet */
	unsigned flags;
};

/* sd_tsd_program.changed */
#define SD_TSD_CH_FIRST		0x01	/* the first PMT taken */
#define SD_TSD_CH_VERSION	0x02	/* version_number differs */
#define SD_TSD_CH_STREAMS	0x04	/* a PID added, dropped, or its
					   codec changed: a new header */
#define SD_TSD_CH_PCR		0x08	/* PCR_PID differs */
#define SD_TSD_CH_OTHER		0x10	/* a kept stream's language */

struct sd_tsd_program {
	int program_number, pmt_pid, pcr_pid, version;
	unsigned generation;	/* 1 at the first PMT, +1 at each change */
	unsigned changed;	/* SD_TSD_CH_* against the previous */
	int nstreams;
	struct sd_tsd_stream streams[SD_TSD_MAX_STREAMS];
	int is_new[SD_TSD_MAX_STREAMS];	/* stream got a new id here */
};

/*
 * Callbacks return 0 to go on; any other value stops sd_tsd_feed or
 * sd_tsd_end at once, which return it (the demuxer may then only be
 * freed). A program change is reported after the open PES of the streams
 * it ends were handed out, and before any AU of the new streams.
 */
struct sd_tsd_cb {
	int (*au)(void *arg, const struct sd_tsd_au *au);
	int (*program)(void *arg, const struct sd_tsd_program *prog);
	void *arg;
};

struct sd_tsd_stats {
	uint64_t bytes, packets;
	uint64_t skipped;	/* bytes out of sync */
	uint64_t sync_lost;	/* times sync was lost after a lock */
	uint64_t cc_errors, duplicates, tei;
	uint64_t crc_errors, psi_errors;	/* bad or malformed sections */
	uint64_t pes_errors;	/* no start code, bad header, overrun */
	uint64_t truncated;	/* PES cut at the cap */
	uint64_t aus, damaged;
};

struct sd_tsd;

/* program_number 0: the first the PAT lists. NULL when out of memory. */
struct sd_tsd *sd_tsd_new(const struct sd_tsd_cb *cb, int program_number);
int sd_tsd_feed(struct sd_tsd *d, const void *buf, size_t len);
int sd_tsd_end(struct sd_tsd *d);
void sd_tsd_free(struct sd_tsd *d);
void sd_tsd_get_stats(const struct sd_tsd *d, struct sd_tsd_stats *st);
const struct sd_tsd_program *sd_tsd_program(const struct sd_tsd *d);
const char *sd_tsd_codec_name(enum sd_tsd_codec c);
/* CRC-32/MPEG-2 of PSI sections (the muxer, tsmux.c, shares it): over a
 * whole section, its CRC included, it gives 0. */
uint32_t sd_ts_crc32(const uint8_t *p, size_t n);

#endif
