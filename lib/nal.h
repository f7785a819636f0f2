/*
 * nal.h - H.264 and HEVC bitstreams (nal.c): Annex B start codes,
 * emulation prevention, length-prefixed samples, the avcC and hvcC
 * records, and what sd reads from a sequence parameter set. Pure: no
 * libav*, no I/O. Inside lib/ only: not part of sd.h.
 */
#ifndef SD_NAL_H
#define SD_NAL_H

#include <stddef.h>
#include <stdint.h>

#include "bytes.h"

/* 1 when p starts with a start code (00 00 01 or 00 00 00 01). */
int sd_is_annexb(const uint8_t *p, size_t n);
/*
 * The next NAL unit at or after *pos: its first byte and length, the
 * zero bytes before the next start code left out. 0 at the end.
 */
int sd_annexb_next(const uint8_t *p, size_t n, size_t *pos,
    const uint8_t **nal, size_t *len);
/*
 * Append an Annex B access unit to out as 4-byte length-prefixed NAL
 * units without AUD, filler and parameter sets; *key: an IDR/IRAP picture
 * is in it; *params: it carried parameter sets. Bytes appended, or -1.
 */
long sd_annexb_to_lp(int hevc, const uint8_t *p, size_t n,
    struct sd_bytes *out, int *key, int *params);
/* The same in place (no copy); -1 with p untouched when it cannot be. */
long sd_annexb_to_lp_inplace(int hevc, uint8_t *p, size_t n, int *key,
    int *params);

/*
 * A NAL unit's bytes without emulation prevention (00 00 03 -> 00 00),
 * at most max of them into out. Returns how many.
 */
size_t sd_nal_unescape(const uint8_t *nal, size_t len, uint8_t *out,
    size_t max);

/* avcC (ISO/IEC 14496-15 5.3.3.1) and hvcC (8.3.3.1) from the parameter
 * sets in Annex B data. -1: not enough or bad input. */
int sd_avcc_from_annexb(const uint8_t *p, size_t n, struct sd_bytes *out);
int sd_hvcc_from_annexb(const uint8_t *p, size_t n, struct sd_bytes *out);
/* The picture size an avcC or hvcC record's first SPS gives (cropped). */
int sd_sps_size(int hevc, const uint8_t *cfg, size_t n, int *w, int *h);
/* profile_idc, the constraint flags and level_idc from an avcC or the
 * first Annex B SPS. */
int sd_h264_profile_level(const uint8_t *x, size_t n, uint8_t out[3]);
/* HEVC's general profile, tier and level (12 bytes, as in hvcC) from an
 * hvcC, or the first Annex B SPS, else VPS. */
int sd_hevc_profile_tier_level(const uint8_t *x, size_t n, uint8_t out[12]);

#endif
