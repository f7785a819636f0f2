/*
 * scgi.h - an SCGI request head (scgi.c), for sd-serve(8) behind a web
 * server's SCGI gateway (lighttpd's mod_scgi): the netstring of header
 * pairs read from the connection and made the environment a CGI request
 * would have had. Parsers return 0 or the HTTP status to answer.
 */
#ifndef SD_SCGI_H
#define SD_SCGI_H

#include <stddef.h>

#define SD_SCGI_HEAD_MAX 65536	/* the headers' netstring, bytes */
#define SD_SCGI_ENV_MAX 256	/* header pairs, and the NULL after them */

/*
 * Read the netstring "LENGTH:HEADERS," from fd, and nothing after it (the
 * body follows), for at most timeout_ms in all. 0 with the headers in
 * buf[0..*len), 408 (timeout), 431 (longer than cap) or 400 (not a
 * netstring, EOF, a read error).
 */
int sd_scgi_read_head(int fd, char *buf, size_t cap, size_t *len,
    int timeout_ms);

/*
 * The headers buf[0..len) as an environment, in place: each pair
 * "NAME\0VALUE\0" becomes the string "NAME=VALUE", pointed to from envp,
 * which ends with NULL. 0, 400 when it is not an SCGI request (an odd
 * string, an empty name or one with '=', CONTENT_LENGTH not first or not
 * a number, no SCGI=1), 431 with more than max - 1 pairs.
 */
int sd_scgi_env(char *buf, size_t len, char **envp, size_t max);

#endif /* SD_SCGI_H */
