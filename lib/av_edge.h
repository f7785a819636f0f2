/*
 * av_edge.h - what sd-cmafmux's segmenter and its libav* edge hand each
 * other: packets, codec parameters and streams in sd's own structs, and
 * the edge's entry points.
 *
 * The segmenter (av_feed.c, av_seg.c, av_au.c, av_pub.c ...) and the
 * MPEG-TS input (av_tsin.c, tsdemux.c) and output (-T: av_tsseg.c,
 * tsmux.c) call no libav* function: an MPEG-TS input is read, cut and
 * written, TS segments included, without libavformat, libavcodec or
 * libavutil in the process. Every other input, and the TS segments of a
 * codec tsmux does not carry (Opus), go through the edge (av_edge.c,
 * av_tsseg_lav.c), which sd-cmafmux loads with dlopen(3) from
 * libsd-av.so only then
 * (av_load.c): loading libavformat maps some 135 libraries and costs
 * about 28 MB before a byte is read.
 *
 * The headers below are read for their enums and constants only
 * (AVCodecID, colour and chroma enums, AV_NOPTS_VALUE); no function of
 * theirs is called on this side.
 */
#ifndef AV_EDGE_H
#define AV_EDGE_H

#include <stddef.h>
#include <stdint.h>

#include <libavcodec/codec_id.h>
#include <libavutil/avutil.h>
#include <libavutil/pixfmt.h>

#include "store.h"

struct sd_mux_opts;

/* ---------------------------------------------------------------- packets */

/* Bytes shared by packets and held samples, freed with the last ref. */
struct sd_pktbuf {
	unsigned refs;
	int shared;		/* someone else may read them: not ours to
				   write in place */
	uint8_t *p;
	void (*release)(struct sd_pktbuf *);	/* frees p (and the rest) */
	void *opaque;		/* the edge's: the AVBufferRef it holds */
};

#define SD_PKT_KEY	0x1
#define SD_PKT_CORRUPT	0x2
#define SD_PKT_DISCARD	0x4

/* One access unit (one audio frame) of one stream. */
struct sd_pkt {
	uint8_t *data;
	int size;
	int64_t pts, dts;	/* stream time base; AV_NOPTS_VALUE: none */
	int64_t duration;
	int flags;		/* SD_PKT_* */
	int stream_index;
	struct sd_pktbuf *buf;	/* holds data, or NULL: data is borrowed */
	const uint8_t *new_extra;	/* new codec configuration, or NULL */
	size_t new_extra_len;
};

struct sd_pktbuf *sd_pktbuf_new(size_t n);	/* n bytes and zeroed padding */
struct sd_pktbuf *sd_pktbuf_ref(struct sd_pktbuf *b);
void sd_pktbuf_unref(struct sd_pktbuf **b);
/* A packet of n bytes of its own (its times unset). */
int sd_pkt_alloc(struct sd_pkt *pkt, size_t n);
void sd_pkt_unref(struct sd_pkt *pkt);
/* pkt's bytes and times into dst (copied if pkt only borrows them);
 * pkt is left empty. */
int sd_pkt_move(struct sd_pkt *dst, struct sd_pkt *pkt);
/* The packet's bytes may be written in place (no other holder). */
int sd_pkt_writable(const struct sd_pkt *pkt);

/* ---------------------------------------------------------------- streams */

/* What sd needs of a stream's codec parameters (AVCodecParameters'). */
struct sd_par {
	enum AVCodecID codec_id;
	int media;		/* 'v' video, 'a' audio, 0 other */
	uint8_t *extradata;	/* malloc'd, or NULL */
	int extradata_size;
	int64_t bit_rate;
	int sample_rate, channels, frame_size;
	int width, height, profile, level;
	/* the pixel format, as its descriptor says (pix_known) */
	int pix_known, pix_ncomp, pix_depth, pix_log2_cw, pix_log2_ch;
	int bits_per_raw_sample;
	int chroma_location, color_range, color_primaries, color_trc,
	    color_space;
};

/* What libavcodec leaves unset: profile and level unknown, ... */
void sd_par_init(struct sd_par *p);
int sd_par_copy(struct sd_par *dst, const struct sd_par *src);
void sd_par_free(struct sd_par *p);

/* One input stream, as the demuxer (ours or libavformat) states it. */
struct sd_stream {
	int index;
	int tb_num, tb_den;	/* its time base: a demuxer may state it
				   again (mpegts at each PMT) */
	int wrap_bits;
	int fr_num, fr_den;	/* average frame rate, or 0 */
	char lang[8];		/* ISO 639-2, or "" */
	char name[32];		/* the codec's name in messages */
	int skip;		/* not to be carried (cover art, another
				   program's) */
	int64_t duration_us;	/* the input's duration, or AV_NOPTS_VALUE */
	struct sd_par par;
};

/* ---------------------------------------------------------------- the edge */

struct sd_edge;
struct tsseg_lav;

/* What the program lends the edge while it reads. */
struct sd_edge_host {
	void *arg;
	/* each packet read; -1 stops the read (an I/O error) */
	int (*packet)(void *arg, struct sd_pkt *pkt);
	/* set when a stop was asked for (SIGTERM): the read ends */
	int (*stopped)(void *arg);
	/* stdin's head, read again (av_tsin.c found no MPEG-TS in it):
	 * bytes, 0 at the end, -1 at an error or the stop; NULL: none */
	int (*replay)(void *arg, uint8_t *buf, int size);
};

/* The TS segments' tracks (av_tsseg.c). */
struct tsseg_track {
	const struct sd_stream *st;
	const char *id;
};

/* The edge's entry points: libsd-av.so's one exported symbol, sd_av_edge. */
struct sd_edge_ops {
	/* once, before the rest: libav*'s messages as -v asks */
	void (*init)(const struct sd_mux_opts *o);
	/*
	 * Open o->input (or o->pb, or the host's replay) with libavformat:
	 * its streams into (*streams)[0..*n), kept by the edge until close.
	 * Returns an SD_EX value.
	 */
	int (*open)(const struct sd_mux_opts *o, const struct sd_edge_host *h,
	    struct sd_edge **e, struct sd_stream **streams, unsigned *n);
	/* Read to the end; each stream's time base refreshed before its
	 * packet. 0 at the end or the stop, else -1 with *why set (a read
	 * error: the store ends there), -2: the host's packet failed. */
	int (*run)(struct sd_edge *e, const char **why);
	void (*close)(struct sd_edge *e);
	/* -T by libavformat's muxer, for the codecs sd's own (tsmux.c)
	 * does not carry (av_tsseg.h) */
	int (*tsseg_open)(const struct tsseg_track *tracks, size_t n,
	    struct tsseg_lav **out);
	int (*tsseg_packet)(struct tsseg_lav *s, size_t i,
	    const struct sd_pkt *pkt, int64_t dts, int64_t pts, uint32_t ts);
	int (*tsseg_cut)(struct tsseg_lav *s, const uint8_t **p, size_t *len);
	void (*tsseg_close)(struct tsseg_lav *s);
};

/* av_edge.c: the edge itself (in libsd-av.so, or linked in by a test). */
extern const struct sd_edge_ops sd_av_edge;

/* av_load.c: the edge, loaded at the first need; NULL: said why. */
const struct sd_edge_ops *sd_edge_load(const struct sd_mux_opts *o);

#endif
