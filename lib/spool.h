/*
 * spool.h - the spool of sd-relay(7), for lib/ only: paths, locks, activity
 * stamps and state files, and the relay's clock. The bottom of the relay's
 * layers: spool.c uses nothing of ours above util.c.
 *
 * Layout (SPOOL is settings.spool; sd-relay(7) FILES says what each holds):
 *
 *   SPOOL/.locks/PROXY.lock	held (flock) by PROXY's upstream session
 *   SPOOL/.locks/PROXY@VAR.lock	held by the session of variant VAR
 *   SPOOL/.locks/start		serialises starts (max_sessions count)
 *   SPOOL/.numbers/PROXY@VAR	the next number VAR's live stores may use
 *				(sd-cmafmux -N, livenum.h): kept when an
 *				idle end deletes SPOOL/PROXY
 *   SPOOL/PROXY/ts/		the ring (ring.h)
 *   SPOOL/PROXY/VAR/		a live store written by sd-cmafmux -l
 *   SPOOL/PROXY/VAR.state	the session's state record (key=value)
 *   SPOOL/PROXY/VAR.used	its mtime: the last request (idle clock)
 *   SPOOL/PROXY/VAR.log	the session's and its children's stderr
 *   SPOOL/PROXY/clients/	one file per client (viewers.c)
 *   SPOOL/PROXY/pass/		HLS/DASH passthrough: fetched-once files
 *
 * VAR "ts" is the ring itself; "pass" the passthrough cache's session.
 */
#ifndef SD_SPOOL_H
#define SD_SPOOL_H

#include "sd.h"
#include "util_int.h"	/* sd_pathf */

/* A sleep that goes on through signals. */
void sd_relay_sleep_ms(int ms);

/* SPOOL/PROXY[/NAME]; -1 (ENAMETOOLONG, EINVAL: PROXY unsafe). */
int sd_spool_path(char *out, size_t len, const char *spool,
    const char *proxy, const char *name);
/* SPOOL/.numbers/PROXY@VARIANT, its folder made: the numbers file of the
 * variant's live stores (sd-cmafmux -N); -1 with errno. */
int sd_spool_numbers_path(char *out, size_t len, const char *spool,
    const char *proxy, const char *variant);
/* A variant name a session may have: safe, short, not a spool folder. */
int sd_spool_variant_ok(const char *variant);
int sd_spool_mkdirs(const char *path);
/* Remove a folder of plain files and folders, never through a link. */
int sd_spool_rmtree(const char *path, int depth);
/* Plain files of dir older than max_age s are removed (all: max_age < 0). */
void sd_spool_trim(const char *dir, double max_age);

/* Activity stamps (DIR.used) and state records (DIR.state) of a session. */
int sd_session_touch(const char *dir);
double sd_session_idle(const char *dir);
int sd_session_state_read(const char *dir, struct sd_rec *r);
int sd_session_state_write(const char *dir, const struct sd_rec *r);
/*
 * A record kept beside the session of dir, as DIR + sfx: ".state" (the
 * two above), ".decision" (the decision a variant session was started
 * with: a request for its files restarts it after a crash).
 */
int sd_session_rec_read(const char *dir, const char *sfx, struct sd_rec *r);
int sd_session_rec_write(const char *dir, const char *sfx,
    const struct sd_rec *r);

/* SPOOL/.locks/NAME opened (created): an fd or -1. */
int sd_lock_open(const char *spool, const char *name);
/* 1 when someone holds the lock file path, 0 when not, -1 missing. */
int sd_lock_held(const char *path);

/* Files of dir older than max_age removed, then the oldest until it holds
 * at most max_bytes in max_files files (passthrough caches); one scan. */
void sd_spool_cap(const char *dir, double max_age, long long max_bytes,
    size_t max_files);

#endif /* SD_SPOOL_H */
