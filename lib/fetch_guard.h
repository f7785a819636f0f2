/*
 * fetch_guard.h - where a fetch may go (fetch_guard.c): URLs parsed, the
 * origin and allow_hosts rule, and the connection there. fetch.c (the
 * exchange) and guard.c (the proxy for ffmpeg) build on it; it builds on
 * neither. Not a public interface.
 */
#ifndef SD_FETCH_GUARD_H
#define SD_FETCH_GUARD_H

#include <stddef.h>

#include "sd.h"

struct sd_url {
	char scheme[8];		/* http | https */
	char host[256];		/* without [] for IPv6 */
	int port;
	char path[SD_URL_MAX];	/* path and query, "/" at least */
};
/* Parse an http:// or https:// URL (no user:password@). */
int sd_url_parse(const char *url, struct sd_url *u);
/* u's "host[:port]" as a Host header names it (the scheme's port left out). */
void sd_url_hostport(const struct sd_url *u, char *buf, size_t len);

/*
 * A host name that does not resolve reads the same in sd-classify's reason,
 * a session's last_error (/status) and the log: "cannot resolve host H:
 * why". sd_host_unresolved: 1 and that text in buf when url's host does
 * not resolve; sd_fetch_host_error: the last such text, or NULL.
 */
int sd_host_unresolved(const char *url, char *buf, size_t len);
const char *sd_fetch_host_error(void);

/*
 * Where a fetch may go (docs/SECURITY.md, "Upstreams"): the origin
 * (scheme, host, port) of source, and the hosts of allow_hosts ("host" or
 * "host:port", separated by blanks or commas). The source's own host may
 * be any address (the operator named it); any other host must resolve to
 * a public address, checked on the address connected to (DNS rebinding),
 * unless allow_hosts names that address itself. A redirect leaving these
 * is refused (EACCES). A NULL guard: anywhere (sd-import, the relay).
 */
struct sd_fetch_guard {
	const char *source;
	const char *allow_hosts;
};
/* 1 when url may be fetched under g (NULL: always). */
int sd_fetch_allowed(const struct sd_fetch_guard *g, const char *url);
/*
 * A TCP connection to url's host and port, under g's rules as above (the
 * origin, then the address connected to), for the guard proxy (guard.c).
 * -1 with errno (EACCES: refused, with a log line) otherwise.
 */
int sd_fetch_connect(const struct sd_fetch_guard *g, const char *url,
    int timeout_ms);

#endif /* SD_FETCH_GUARD_H */
