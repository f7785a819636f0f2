/*
 * av_mux.h - what sd-cmafmux's files share inside lib/: the tracks and
 * the run. None of them calls libav*: packets, codec parameters and
 * streams are sd's own (av_edge.h), and libavformat (any input but
 * MPEG-TS, the muxer of -T) is the edge, loaded only when needed. One
 * packet goes one way:
 *
 *   av_ingest.c  demux: the input, its tracks, the read loop, SIGTERM;
 *                MPEG-TS through our own demuxer (av_tsin.c, tsdemux.c),
 *                anything else through the edge (av_edge.c in libsd-av.so)
 *   av_feed.c    one packet: its times (timeline.c), its codec handling
 *                (av_au.c), the cut policy's verdict (cut.c), into the
 *                segment in hand
 *   av_seg.c     the segmenter: segments in hand, cuts applied, the CMAF
 *                header and segment files (cmaf.c's boxes, segfile.c),
 *                the MPEG-TS segments of -T (av_tsseg.c on tsmux.c;
 *                libavformat's muxer in the edge for Opus)
 *   av_vod.c     -s: the segments of a track into one file with a sidx
 *   av_pub.c     cuts published to the store (store.c), its manifests and
 *                the live window (av_live.c)
 *
 * Each file calls only the ones below it. Under them, pure and without
 * libav*: cmaf.c writes the ISO BMFF boxes, nal.c reads H.264/HEVC (Annex
 * B, avcC, hvcC, SPS), codec_config.c makes the other configuration
 * records (av1C, vpcC, dac3, dec3, dOps, esds), bits.c is the bit reader
 * they share; av_codecs.c gives the RFC 6381 codecs strings. Not public:
 * sd.h declares sd_cmafmux().
 */
#ifndef AV_MUX_H
#define AV_MUX_H

#include <sys/uio.h>
#include <time.h>

#include "sd.h"
#include "av_edge.h"
#include "av_codecs.h"
#include "cmaf.h"
#include "codec_config.h"
#include "nal.h"
#include "av_tsseg.h"
#include "cut.h"
#include "livenum.h"
#include "timeline.h"
#include "util_int.h"

#define TRACKS_MAX	9	/* v0 and up to 8 audio tracks */

struct sample {
	int64_t dts, pts;	/* internal times, track timescale */
	uint32_t size, dur;
	int key;
	struct sd_pktbuf *buf;	/* the packet's own buffer (no copy) ... */
	const uint8_t *p;	/* ... holding the bytes here */
	size_t off;		/* or, with buf NULL, at trk.data + off */
};

struct trk {
	int sidx;		/* input stream */
	struct sd_stream *st;
	struct sd_par *par;	/* a copy */
	int adts;		/* AAC in ADTS: its headers cut off (av_au.c) */
	int adts_done;		/* ... and the first one's ASC told */
	uint8_t adts_cfg[2 + 320];	/* that ASC (and a PCE) */
	int video, hevc, annexb;
	char id[8];		/* v0, a0, a1 ... */
	char lang[4];
	int sample_rate, channels, eac3_samples;
	uint8_t asc[64];	/* AAC AudioSpecificConfig */
	size_t asc_len;
	uint32_t sig;		/* audio: what the header says, in brief */
	int have_sig, cfg_change;	/* ... and it changed: new header */
	uint8_t next_asc[2];	/* ADTS: the ASC of the new parameters */
	/* header */
	struct sd_bytes cfg;
	struct sd_cmaf_track ct;
	int have_hdr;
	uint64_t gen;
	char init[48];
	char codecs[128];
	int store_idx;
	/* times: clk.ts is the track's timescale */
	struct tl_clock clk;
	/* the segment in hand */
	struct sample *s;
	size_t n, cap;
	struct sd_bytes data;
	size_t hand_bytes;	/* the samples' bytes, wherever they are */
	uint64_t seq;		/* the segment it fills */
	int64_t seg_start;	/* its first presentation time */
	int started, gone, need_key, disc_next;
	int broke;		/* TL_* breaks this packet follows */
	int codec_switch;	/* the PMT changed the codec: new header */
	/* totals */
	uint64_t bytes_total;
	int64_t dur_total;
};

struct grave {
	char file[48];
	double due;		/* monotonic seconds; 0: not dated yet */
	double lag;		/* undated: due this long after the next index */
};

struct mux {
	const struct sd_mux_opts *o;
	const struct sd_edge_ops *edge;	/* libavformat's input, -T */
	struct sd_edge *ein;	/* ... the input it read */
	struct sd_stream *streams;	/* the input's, ours or the edge's */
	int *by_stream;
	unsigned nstreams;
	struct trk trk[TRACKS_MAX];
	size_t ntrk;
	int naudio, has_video;
	struct trk *driver;	/* audio-only inputs: the track that cuts */
	double fps;
	struct timeline tl;
	struct cutq cq;
	int resumed;		/* numbering on from a store found in dir */
	uint64_t first_seq;	/* after the store an earlier run left */
	struct sd_livenum num;	/* -N: numbers kept across stores */
	int continuing;
	/* the segment writers */
	struct sd_cmaf_sample *cs;
	size_t cs_cap;
	struct sd_bytes head;
	struct iovec *iov;
	size_t iov_cap;
	struct tsseg *tsseg;	/* -T */
	struct vodfile *vod;	/* -s: the single files (av_vod.c) */
	size_t nvod, vod_cap;
	/* store */
	struct sd_store store;
	int store_ready, ts_store_idx;
	int stale_manifests_gone;	/* -I: a continued store's old ones */
	double wall_start, last_index, last_progress, t_begin;
	uint64_t segments;
	struct grave *graves;
	size_t ngraves, graves_cap;
	/* SIGTERM: the read was interrupted; each track's last packet held */
	int interrupted;
	struct sd_pkt held[TRACKS_MAX];
	struct tsin *tsin;	/* MPEG-TS read by tsdemux.c (av_tsin.c) */
	int ts_native;		/* ... and it is the input */
};

/* Clocks in seconds (sd_mono_ms and sd_real_ms, util.c). */
#define sd_mux_mono()	sd_mono_s()
#define sd_mux_wall()	sd_real_s()

/* av_feed.c: one packet read, on its way (or held at SIGTERM). */
int sd_ingest_packet(struct mux *m, struct sd_pkt *pkt);
/* av_feed.c: the -v progress line, at most once a second (last: now). */
void sd_mux_progress(struct mux *m, int last);

/* av_tsin.c: MPEG-TS input through tsdemux.c */
int sd_tsin_open(struct mux *m, int *taken);
int sd_tsin_replay(void *arg, uint8_t *buf, int size);
int sd_tsin_has_replay(const struct mux *m);
int sd_tsin_run(struct mux *m);
void sd_tsin_free(struct mux *m);

/* av_feed.c: one packet of track t, as the demuxer gave it. */
int sd_feed(struct mux *m, struct trk *t, struct sd_pkt *pkt);

/* av_au.c: codec handling of access units */
int sd_au_config(struct trk *t, const uint8_t *au, size_t n, double fps);
void sd_au_codecs(struct trk *t, double fps);
int sd_au_new_params(const struct trk *t, const uint8_t *au, size_t n);
int sd_au_video_sample(struct trk *t, const struct sd_pkt *pkt, long *len);
int64_t sd_au_audio_duration(const struct trk *t, const struct sd_pkt *pkt);
void sd_au_aac_asc(struct trk *t, const struct sd_pkt *pkt);
int sd_au_adts_raw(struct trk *t, const struct sd_pkt *pkt,
    struct sd_pkt *raw);
uint32_t sd_au_audio_sig(const struct trk *t, const struct sd_pkt *pkt,
    uint8_t asc[2]);

/* av_seg.c: the samples of the segment in hand */
int sd_seg_reserve(struct trk *t);
int sd_seg_ref(struct trk *t, const struct sd_pkt *pkt);
int sd_seg_keep(struct trk *t, const struct sd_pkt *pkt);
void sd_seg_drop(struct trk *t, size_t k);
/* av_seg.c: headers, segments, cuts */
int sd_seg_header(struct mux *m, struct trk *t);
int sd_seg_flush(struct mux *m, struct trk *t, size_t k, int64_t end);
struct cut *sd_seg_declare(struct mux *m, int64_t p_us, int disc);
int sd_seg_follow(struct mux *m, struct trk *t, int at_end);
int sd_seg_follow_all(struct mux *m, int at_end);
int sd_seg_unstall(struct mux *m);
int sd_seg_finish(struct mux *m);

/* av_vod.c: -s, one file per track and header (av_seg.c writes into it) */
int sd_vod_open(struct mux *m, struct trk *t, const struct sd_bytes *hdr);
int sd_vod_append(struct mux *m, struct trk *t, struct iovec *iov, size_t n,
    struct sd_store_seg *rec);
int sd_vod_finish(struct mux *m);
void sd_vod_free(struct mux *m);

/* av_pub.c: the store */
int sd_pub_note_header(struct mux *m, const struct trk *t);
void sd_pub_retrack(struct mux *m, const struct trk *t);
int sd_pub_publish(struct mux *m);
int sd_pub_write(struct mux *m, int force);

/* av_live.c: the live window, a store found in dir */
int sd_live_trim(struct mux *m);
int sd_live_continue(struct mux *m);
void sd_live_free(struct mux *m);

#endif
