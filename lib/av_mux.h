/*
 * av_mux.h - what the parts of sd-cmafmux share inside lib/ (ingest in
 * av_ingest.c, the segmenter in av_seg.c, the live window in av_live.c,
 * MPEG-TS segments in av_tsseg.c). Not public: sd.h declares
 * sd_cmafmux().
 */
#ifndef AV_MUX_H
#define AV_MUX_H

#include <libavcodec/avcodec.h>
#include <libavcodec/bsf.h>
#include <libavformat/avformat.h>

#include <sys/uio.h>
#include <time.h>

#include "sd.h"
#include "av_codecs.h"
#include "cmaf.h"
#include "codec_config.h"
#include "nal.h"

#define TRACKS_MAX	9	/* v0 and up to 8 audio tracks */
#define CUTS_MAX	64	/* cuts declared but not yet in the index */

struct sample {
	int64_t dts, pts;	/* internal times, track timescale */
	uint32_t size, dur;
	int key;
	AVBufferRef *buf;	/* the packet's own buffer (no copy) ... */
	const uint8_t *p;	/* ... holding the bytes here */
	size_t off;		/* or, with buf NULL, at trk.data + off */
};

struct trk {
	int sidx;		/* input stream */
	AVStream *st;
	AVCodecParameters *par;	/* a copy, codec_tag 0 */
	AVBSFContext *bsf;	/* aac_adtstoasc for ADTS */
	int video, hevc, annexb;
	char id[8];		/* v0, a0, a1 ... */
	char lang[4];
	uint32_t ts;		/* timescale */
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
	unsigned gen;
	char init[48];
	char codecs[128];
	int store_idx;
	/* timestamps */
	int64_t wrap_add, last_raw;
	int have_raw, have_off;
	int64_t off;		/* added to input times */
	int64_t last_dts, last_dur;
	int have_last;
	int64_t delay;		/* video: composition delay of the first key */
	int64_t acc;		/* audio: the next sample's time */
	int64_t ts_last;	/* last dts given to the TS muxer */
	int ts_fed;
	/* the segment in hand */
	struct sample *s;
	size_t n, cap;
	struct sd_bytes data;
	size_t hand_bytes;	/* the samples' bytes, wherever they are */
	uint64_t seq;		/* the segment it fills */
	int64_t seg_start;	/* its first presentation time */
	int started, gone, need_key, disc_next;
	/* totals */
	uint64_t bytes_total;
	int64_t dur_total;
};

struct cut {
	uint64_t seq;		/* the segments it closes */
	int64_t p_us;		/* at this presentation time */
	int disc;		/* the next segments start after a jump */
	unsigned need, have;	/* tracks, by bit */
	struct sd_store_seg seg[SD_STORE_MAX_TRACKS];
	struct sd_store_seg ts_seg;
	int ts_have;
};

struct grave {
	char file[48];
	double due;		/* monotonic seconds */
};

struct mux {
	const struct sd_mux_opts *o;
	AVFormatContext *ic;
	AVPacket *pkt, *fpkt;
	int *by_stream;
	unsigned nstreams;
	struct trk trk[TRACKS_MAX];
	size_t ntrk;
	int naudio, has_video;
	struct trk *driver;	/* audio-only inputs: the track that cuts */
	double fps;
	/* timeline */
	int64_t origin;		/* t=0, in origin_ts units */
	uint32_t origin_ts;
	int have_origin;
	int epoch_valid;
	int64_t epoch_in_us, epoch_off_us;
	int disc_pending;
	int resumed;		/* numbering on from a store found in dir */
	/* cuts */
	struct cut *cuts;
	uint64_t open_seq, pub_seq;
	uint64_t first_seq;	/* after the store an earlier run left */
	int continuing;
	struct sd_cmaf_sample *cs;
	size_t cs_cap;
	struct sd_bytes head;
	struct iovec *iov;
	size_t iov_cap;
	/* store */
	struct sd_store store;
	int store_ready, ts_store_idx;
	double wall_start, last_index, last_progress, t_begin;
	uint64_t segments;
	struct grave *graves;
	size_t ngraves, graves_cap;
	/* -T */
	struct tsseg *tsseg;
	/* SIGTERM: the read was interrupted; each track's last packet held */
	int interrupted;
	AVPacket *held[TRACKS_MAX];
};

/* Times: a track's timescale to and from microseconds; clocks in s. */
static inline int64_t
sd_mux_us(const struct trk *t, int64_t v)
{
	return av_rescale(v, 1000000, t->ts);
}

static inline int64_t
sd_mux_from_us(const struct trk *t, int64_t v)
{
	return av_rescale(v, t->ts, 1000000);
}

static inline double
sd_mux_clock(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}
#define sd_mux_mono()	sd_mux_clock(CLOCK_MONOTONIC)
#define sd_mux_wall()	sd_mux_clock(CLOCK_REALTIME)

/* av_seg.c: samples of the segment in hand */
int sd_mux_samples_reserve(struct trk *t);
int sd_mux_sample_ref(struct trk *t, const AVPacket *pkt, size_t len);
int sd_mux_sample_keep(struct trk *t, const AVPacket *pkt);
int sd_mux_av1_sample(struct trk *t, const AVPacket *pkt, long *len);
void sd_mux_samples_drop(struct trk *t, size_t k);
/* av_seg.c: cuts, segments, the store */
int64_t sd_mux_origin_in(const struct mux *m, const struct trk *t);
struct cut *sd_mux_cut_of(struct mux *m, uint64_t seq);
int sd_mux_flush_seg(struct mux *m, struct trk *t, size_t k, int64_t end);
struct cut *sd_mux_declare_cut(struct mux *m, int64_t p_us, int disc);
int sd_mux_follow_cuts(struct mux *m, struct trk *t, int at_end);
int sd_mux_follow_all(struct mux *m, int at_end);
int sd_mux_unstall(struct mux *m);
int sd_mux_publish(struct mux *m);
int sd_mux_write_file(const char *dir, const char *name, const void *head,
    size_t hlen, const void *body, size_t blen);
int sd_mux_write_iov(const char *dir, const char *name, struct iovec *iov,
    size_t n);
int sd_mux_store_write(struct mux *m, int force);

/* av_live.c */
int sd_mux_live_trim(struct mux *m);
void sd_mux_bury(struct mux *m, const char *file, double due);
int sd_mux_continue(struct mux *m);
void sd_mux_graveyard_free(struct mux *m);

/* av_tsseg.c */
int sd_tsseg_open(struct mux *m);
int sd_tsseg_packet(struct mux *m, struct trk *t, const AVPacket *pkt,
    int64_t dts, int64_t pts);
int sd_tsseg_cut(struct mux *m, uint64_t seq, int64_t t90, int64_t d90);
void sd_tsseg_codecs(const struct mux *m, char *out, size_t len);
void sd_tsseg_close(struct mux *m);

#endif
