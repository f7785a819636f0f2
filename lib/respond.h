/*
 * respond.h - how sd-serve answers one request (respond.c), shared by the
 * router (serve.c) and its parts (serve_page.c, serve_smart.c). Not a
 * public interface.
 */
#ifndef RESPOND_H
#define RESPOND_H

#include "sd.h"

struct srv {
	const struct sd_config *cfg;
	const struct sd_http_req *rq;
	const struct sd_serve_opts *opts;
	int fd;
	int head_only;
	int status;		/* what was answered */
	/* srv_file: the file is this coding of the resource (Content-
	 * Encoding, with Vary: Accept-Encoding); NULL: none. */
	const char *content_encoding;
	int vary_encoding;	/* Vary: Accept-Encoding on any answer */
};

/* Send b (freed); -1 when it failed or could not be written. */
int srv_send_buf(struct srv *s, struct sd_buf *b);
/* A short text answer (errors and the like); returns status. */
int srv_error(struct srv *s, int status, const char *msg, int retry_after);
int srv_send_body(struct srv *s, const char *type, const char *cache,
    const char *etag, const void *body, size_t len);
/* The page at /: HTML with its own Content-Security-Policy. */
int srv_send_page(struct srv *s, const char *csp, const void *body,
    size_t len);
int srv_redirect(struct srv *s, const char *url);
/* The head of an endless MPEG-TS body (the caller streams it): 200 or -1. */
int srv_stream_head(struct srv *s);
/* type_name: the name whose extension gives Content-Type (NULL: rel). */
int srv_file(struct srv *s, const char *root, const char *rel,
    const char *type_name, int live);
int srv_store_manifest(struct srv *s, const char *dir, const char *name,
    const char *base);

/* Where sd-serve is reached from outside, without a final '/': sd.ini's
 * base_url, else the request's scheme, Host and SCRIPT_NAME. */
void srv_base_url(const struct srv *s, char *buf, size_t len);

#endif
