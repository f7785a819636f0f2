/*
 * av_tsseg.h - the MPEG-TS segment writer of sd-cmafmux -T. It knows the
 * input's streams and the times it is given, nothing of the segmenter:
 * the segmenter says where a segment ends (sd_tsseg_cut) and files the
 * record it gets back.
 *
 * sd's own muxer (tsmux.c) writes them, without libav*: H.264, HEVC, AAC,
 * AC-3, E-AC-3, MP2 and MP3. A track it cannot carry (Opus, AAC whose
 * configuration ADTS cannot state) sends the whole program to
 * libavformat's muxer (av_tsseg_lav.c), in the edge, loaded only then.
 */
#ifndef AV_TSSEG_H
#define AV_TSSEG_H

#include "sd.h"
#include "av_edge.h"
#include "store.h"

struct tsseg;

/*
 * A TS muxer for tracks[0..n), in that order, into *out. 0 with *out NULL
 * when a track cannot be carried in MPEG-TS (said on stderr: the CMAF
 * segments go on alone); -1 when the muxer cannot be set up (or the edge
 * it needs cannot be loaded).
 */
int sd_tsseg_open(const struct sd_mux_opts *o,
    const struct tsseg_track *tracks, size_t n, struct tsseg **out);
/*
 * The input packet of track i at internal times dts, pts (timescale ts),
 * as the demuxer gave it (Annex B or length-prefixed, ADTS or raw).
 * A track whose codec changed (st->par.codec_id) gets a new PMT version.
 */
int sd_tsseg_packet(struct tsseg *s, size_t i, const struct sd_pkt *pkt,
    int64_t dts, int64_t pts, uint32_t ts);
/*
 * Close the segment in hand as seq, spanning [t90, t90 + d90), into
 * DIR/ts-SEQ.ts; r gets its index record (but its track). 1: written, 0:
 * it was empty (no file), -1: error.
 */
int sd_tsseg_cut(struct tsseg *s, const char *dir, uint64_t seq, int64_t t90,
    int64_t d90, int disc, struct sd_store_seg *r);
void sd_tsseg_close(struct tsseg *s);

/*
 * av_tsseg_lav.c, in the edge (sd_edge_ops): libavformat's muxer, on
 * tracks sd_tsseg_open checked and times sd_tsseg_packet made rising.
 * open: 0 with *out, or -1 (said). cut: the segment in hand, closed, its
 * bytes in *p (*len of them; valid until the next call on s), or -1.
 */
int sd_tsseg_lav_open(const struct tsseg_track *tracks, size_t n,
    struct tsseg_lav **out);
int sd_tsseg_lav_packet(struct tsseg_lav *s, size_t i,
    const struct sd_pkt *pkt, int64_t dts, int64_t pts, uint32_t ts);
int sd_tsseg_lav_cut(struct tsseg_lav *s, const uint8_t **p, size_t *len);
void sd_tsseg_lav_close(struct tsseg_lav *s);

#endif
