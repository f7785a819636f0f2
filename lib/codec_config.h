/*
 * codec_config.h - the codec configuration records of the sample entries
 * other than avcC and hvcC (those are in nal.h): av1C and the AV1 OBUs
 * under it, vpcC, dac3, dec3, dOps, esds (codec_config.c). Pure: no
 * libav*, no I/O. Inside lib/ only: not part of sd.h.
 */
#ifndef SD_CODEC_CONFIG_H
#define SD_CODEC_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "bytes.h"

/* What a sequence header OBU says (AV1 5.5.1), for operating point 0. */
struct sd_av1_seq {
	unsigned profile, level, tier;
	unsigned high, twelve, mono, ssx, ssy, csp;	/* color_config */
};

/*
 * The profile, level and tier of the first sequence header OBU in p (the
 * OBUs of a temporal unit, or an extradata that is one). Nothing past
 * operating point 0 is read: -1 only when that much is not there.
 */
int sd_av1_seq_level(const uint8_t *p, size_t n, struct sd_av1_seq *q);
/* av1C from the sequence header OBU in p: the whole header must parse. */
int sd_av1c_from_obus(const uint8_t *p, size_t n, struct sd_bytes *out);
/* Drop temporal delimiter and padding OBUs in place; the new length. */
size_t sd_av1_strip(uint8_t *p, size_t n);

/* The VP9 level (10 ... 62) a picture size and frame rate (<= 0: 30) need. */
int sd_vp9_level(int w, int h, double fps);
/* vpcC version 1 payload (VP Codec ISO Media File Format 2.2). */
int sd_vpcc(unsigned profile, unsigned level, unsigned depth,
    unsigned chroma, unsigned full_range, unsigned prim, unsigned trc,
    unsigned matrix_co, struct sd_bytes *out);

/* dac3 from an AC-3 sync frame, dec3 from an E-AC-3 one; the sample
 * rate, and for E-AC-3 the samples a frame. -1: not such a frame. */
int sd_dac3(const uint8_t *frame, size_t n, uint8_t out[3], int *rate);
int sd_dec3(const uint8_t *frame, size_t n, uint8_t out[5], int *rate,
    int *samples);

/* dOps from an OpusHead, or for a stream that came without one. */
int sd_dops_from_opushead(const uint8_t *h, size_t n, struct sd_bytes *out);
int sd_dops_default(int channels, struct sd_bytes *out);

/* The payload of esds: object type 0x40 (AAC, with its
 * AudioSpecificConfig asc), 0x6B or 0x69 (MPEG audio). */
int sd_esds(unsigned oti, const uint8_t *asc, size_t asc_len,
    uint32_t bitrate, struct sd_bytes *out);
/* The audio object type an AudioSpecificConfig starts with; 0 when it
 * has none. */
unsigned sd_asc_object_type(const uint8_t *asc, size_t n);

#endif
