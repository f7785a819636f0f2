/*
 * guard.h - the upstream guard (guard.c): a loopback HTTP proxy that
 * holds libavformat's readers (sd-classify, a session's ingest ffmpeg)
 * to fetch.c's rule of where a fetch may go. Not a public interface.
 */
#ifndef SD_GUARD_H
#define SD_GUARD_H

#include <sys/types.h>

#include "fetch.h"

struct sd_guard {
	pid_t pid;		/* the guard's process (its group), 0: none */
	char url[40];		/* "http://127.0.0.1:PORT", for http_proxy */
};

/*
 * Start a guard for g (its strings are copied by the fork) on
 * 127.0.0.1:ephemeral. timeout_ms bounds connecting upstream and each
 * silence of a connection. 0, or -1 with errno.
 */
int sd_guard_start(struct sd_guard *gd, const struct sd_fetch_guard *g,
    int timeout_ms);
/* 1 when the guard's process still runs (it is reaped when it does not). */
int sd_guard_alive(struct sd_guard *gd);
/*
 * http_proxy=gd's URL in this process's environment, for itself and the
 * programs it runs (libavformat reads it for http and, as a CONNECT
 * tunnel, for https); no_proxy, which would exempt hosts, removed.
 */
int sd_guard_env(const struct sd_guard *gd);
/* The guard running (started again when it ended) and in the
 * environment: 0, or -1 with errno. For a session's ffmpeg. */
int sd_guard_ensure(struct sd_guard *gd, const struct sd_fetch_guard *g,
    int timeout_ms);
/* Stop the guard and its connections (SIGTERM to its group); reaped. */
void sd_guard_stop(struct sd_guard *gd);

#endif /* SD_GUARD_H */
