/*
 * session.h - what the start path (session.c) offers inside lib/ beyond
 * sd.h's sd_relay_ensure: the passthrough cache's session (passthru.c).
 */
#ifndef SD_SESSION_H
#define SD_SESSION_H

#include <stddef.h>

#include "sd.h"

/* The passthrough cache's session (variant "pass"): started, used now. */
int sd_relay_ensure_pass(const struct sd_config *cfg,
    const struct sd_proxy *px, char *dir, size_t dirlen);

#endif /* SD_SESSION_H */
