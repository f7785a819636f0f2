/*
 * session.h - the start path of sd-relay(7) (session.c) for sd-serve's
 * smart routes and the passthrough (passthru.c): starting sessions,
 * readiness, /status. Not public: sd.h has sd_supervise for sd-session(8).
 *
 * The relay is the upstream side of sd-serve(8) smart mode. One upstream
 * connection per proxy: a detached session process, sd-session(8), reads
 * the source once into a ring of TS chunk files in the spool; TS clients
 * tail the ring, and each repackage/transcode variant is a second session
 * feeding `[ffmpeg ARGV |] sd-cmafmux -l -o DIR` from the same ring. No
 * libav* here. In layers, each using only those above it in this list:
 *
 *   spool.c	paths, locks, stamps, state files, the clock (spool.h)
 *   ring.c	the TS ring and TS clients (ring.h); viewers.c: max_clients
 *   supervise.c	the session's loops: upstream, pipeline, passthrough
 *   session.c	starting sessions, readiness, /status (session.h)
 *
 * fetch.c (HTTP) serves supervise.c and passthru.c; passthru.c (HLS/DASH
 * passthrough) stands on spool.c and session.c. The spool's files are
 * listed in sd-relay(7) FILES.
 */
#ifndef SD_SESSION_H
#define SD_SESSION_H

#include <stddef.h>

#include "sd.h"

/* The passthrough cache's session (variant "pass"): started, used now. */
int sd_relay_ensure_pass(const struct sd_config *cfg,
    const struct sd_proxy *px, char *dir, size_t dirlen);

/*
 * Make sure PROXY's upstream session runs (variant "ts"), and for another
 * variant its pipeline session too, starting each detached under its lock
 * when it is not running; mark it used now; write the variant's spool
 * directory (SPOOL/PROXY/VAR) into dir. decision: the sd-decide record
 * whose ffmpeg_arg= list is the transcoder's argv (its input is replaced
 * by pipe:0); NULL or no ffmpeg_arg: sd-cmafmux reads the source's TS
 * directly. A first start waits (bounded by upstream_timeout) for the
 * upstream's first answer. Returns 0, or -1 with errno EAGAIN
 * (max_sessions reached: 503), EHOSTDOWN (the upstream stays down: 503
 * with Retry-After: sd_relay_retry_after), EUSERS (every connection
 * of the proxy's provider is in use: 503, sd_relay_busy), ETIMEDOUT (a first start
 * that is neither up nor down in that time: a stalled upstream, 504),
 * EINVAL (bad names), other.
 */
int sd_relay_ensure(const struct sd_config *cfg, const struct sd_proxy *px,
    const char *variant, const struct sd_rec *decision, char *dir,
    size_t dirlen);
/*
 * Why sd_relay_ensure or sd_relay_ensure_pass failed with EUSERS (the
 * proxy's provider has no free connection: 503), and the Retry-After;
 * NULL when no start of this process was refused so.
 */
const char *sd_relay_busy(int *retry_after);
/*
 * Before a request of its own opens an upstream connection of px (the
 * classification of a manifest source): 0 when px's provider has room or
 * px holds one of its connections; -1 with EUSERS (sd_relay_busy) if not.
 */
int sd_relay_provider_room(const struct sd_config *cfg,
    const struct sd_proxy *px);
/* Seconds a client should wait before asking again (Retry-After). */
int sd_relay_retry_after(const char *dir);
/* Wait at most timeout s until the store in dir lists a segment: 0 or -1. */
int sd_session_wait_ready(const char *dir, int timeout);
/*
 * /status: appends {"sessions":[{"proxy","variant","pid","state",
 * "connections","restarts","bytes","started","since","last_used",
 * "clients","retry_after","last_error"}...]} (valid JSON); the upstream
 * session (variant ts) adds "source" (in use) and "sources":[{"url",
 * "last_error","error_at"}...] in the order tried.
 */
int sd_relay_status(const struct sd_config *cfg, struct sd_buf *out);

#endif /* SD_SESSION_H */
