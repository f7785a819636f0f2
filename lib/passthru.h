/*
 * passthru.h - HLS->HLS, DASH->DASH passthrough (passthru.c), for
 * sd-serve's smart routes. Not a public interface.
 */
#ifndef SD_PASSTHRU_H
#define SD_PASSTHRU_H

#include "sd.h"

/*
 * HLS->HLS, DASH->DASH passthrough (passthru.c). sd_relay_manifest: the
 * upstream manifest `name` ("" or the source's own file name for the
 * source; a name this function wrote, p/HASH.m3u8, for a media playlist)
 * with every URI rewritten under base (e.g. "/sd-serve/PROXY/"); DASH
 * gets a BaseURL under base. sd_relay_segment: the file a rewritten URI
 * names (s/HASH.EXT or d/HASH/PATH), fetched once into SPOOL/PROXY/pass
 * and its path written to path. -1 with errno ENOENT (not a name we
 * gave), EHOSTDOWN (upstream failed), other.
 */
int sd_relay_manifest(const struct sd_config *cfg, const struct sd_proxy *px,
    const char *name, const char *base, struct sd_buf *out);
int sd_relay_segment(const struct sd_config *cfg, const struct sd_proxy *px,
    const char *name, char *path, size_t pathlen);

/*
 * Rewrite a manifest body (NUL-terminated at len) fetched from `from`:
 * HLS or DASH by its content. pass: where HASH.url files go (NULL: none).
 */
int sd_pass_rewrite(const char *body, size_t len, const char *pass,
    const char *from, const char *base, struct sd_buf *out);

#endif /* SD_PASSTHRU_H */
