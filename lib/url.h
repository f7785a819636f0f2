/*
 * url.h - URI references (url.c), for lib/ only; sd_url_is_http is in
 * sd.h.
 */
#ifndef SD_URL_H
#define SD_URL_H

#include <stddef.h>

/*
 * url.c: resolve a URI reference against the URL it was found in (a
 * playlist, an MPD, a redirect's request), as RFC 3986 section 5.2 says:
 * "?x" keeps the base's path, "../" and "./" are removed. A base that is a
 * relative file path keeps the reference's dot segments for the file
 * system. Returns 0, or -1 (ENAMETOOLONG) when out is too small.
 */
int sd_url_resolve(const char *base, const char *ref, char *out, size_t len);

#endif /* SD_URL_H */
