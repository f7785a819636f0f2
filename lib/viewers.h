/*
 * viewers.h - counting the clients of a proxy for max_clients
 * (viewers.c), for sd-serve's smart routes and /status. Not a public
 * interface.
 */
#ifndef SD_VIEWERS_H
#define SD_VIEWERS_H

#include "sd.h"

/*
 * Count a streaming client of px in: a handle (a held lock, >= 0) for
 * sd_viewer_leave, or -1 with errno EBUSY when max_clients (> 0) are in.
 * A client that crashes leaves nothing counted.
 */
int sd_viewer_enter(const struct sd_config *cfg, const struct sd_proxy *px);
void sd_viewer_leave(int handle);
/*
 * An HLS/DASH client (who: e.g. its address and User-Agent) asked for px
 * now: 0 when it counts, -1 with errno EBUSY when max_clients others are
 * in. Such a client counts for 30 s after its last request.
 */
int sd_viewer_seen(const struct sd_config *cfg, const struct sd_proxy *px,
    const char *who);
/* Clients of px in now (stale ones removed). */
int sd_viewer_count(const struct sd_config *cfg, const struct sd_proxy *px);

#endif /* SD_VIEWERS_H */
