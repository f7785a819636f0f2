/*
 * provider.h - upstream connections counted per provider for
 * max_connections (provider.c), for session.c's start path and sd-serve's
 * /status. Not a public interface.
 */
#ifndef SD_PROVIDER_H
#define SD_PROVIDER_H

#include <stddef.h>

#include "sd.h"

/* What a proxy's upstream connections count against. */
struct sd_provider_ref {
	char key[250];			/* its folder: p.NAME, h.HOST or
					 * x.PROXY (a source with no host) */
	char name[300];			/* NAME or host[:port], for people */
	int max;			/* 0: unlimited */
};

/*
 * px's provider: its [provider.NAME], else its source's host[:port], whose
 * limit is the smallest max_connections of the proxies of that host that
 * name no provider. 0, or -1 (EINVAL) when no key can be made.
 */
int sd_provider_of(const struct sd_config *cfg, const struct sd_proxy *px,
    struct sd_provider_ref *ref);

/*
 * A slot of px's provider for px's session of variant (the upstream "ts"
 * or the passthrough "pass"): *slot is a held lock to hand to the session,
 * which keeps it for its life (a crash frees it), or -1 when the provider
 * is unlimited. Returns 0, or -1: errno EUSERS when every connection is in
 * use (why says by which channels, *retry_after when the soonest may
 * free), other errno on failure. Call it under the start lock.
 */
int sd_provider_take(const struct sd_config *cfg, const struct sd_proxy *px,
    const char *variant, int *slot, char *why, size_t whylen,
    int *retry_after);

/*
 * Whether a new upstream connection of px may open now (classifying a
 * manifest source opens one before any session does): 0 when the provider
 * is unlimited, has a free slot or px holds one; -1 with EUSERS and why,
 * *retry_after as sd_provider_take.
 */
int sd_provider_room(const struct sd_config *cfg, const struct sd_proxy *px,
    char *why, size_t whylen, int *retry_after);

/*
 * /status: appends [{"provider","max","used","channels":[...]}...] for
 * every provider with a limit (valid JSON).
 */
int sd_provider_status(const struct sd_config *cfg, struct sd_buf *out);

#endif /* SD_PROVIDER_H */
