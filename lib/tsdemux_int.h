/*
 * tsdemux_int.h - what the parts of the TS demuxer share inside lib/
 * (tsdemux.c, tsdemux_key.c); not part of its interface.
 */
#ifndef SD_TSDEMUX_INT_H
#define SD_TSDEMUX_INT_H

#include <stddef.h>
#include <stdint.h>

#include "tsdemux.h"

/*
 * A video AU is a sync sample when its first picture is an H.264 IDR, or
 * carries a recovery point SEI (open GOP), or is an HEVC IRAP.
 */
int sd_tsd_video_key(enum sd_tsd_codec codec, const uint8_t *p, size_t n);

#endif
