/*
 * serve_int.h - what the parts of sd-serve's router share (serve.c: routes
 * and files; serve_page.c: the page and /status; serve_smart.c: classify,
 * decide and the hand-over to the relay). Not a public interface.
 */
#ifndef SERVE_INT_H
#define SERVE_INT_H

#include "sd.h"

struct srv {
	const struct sd_config *cfg;
	const struct sd_http_req *rq;
	const struct sd_serve_opts *opts;
	int fd;
	int head_only;
	int status;		/* what was answered */
};

int sd_write_full(int fd, const void *buf, size_t len);
int srv_send_buf(struct srv *s, struct sd_buf *b);
int srv_error(struct srv *s, int status, const char *msg, int retry_after);
int srv_send_body(struct srv *s, const char *type, const char *cache,
    const char *etag, const void *body, size_t len);
int srv_redirect(struct srv *s, const char *url);
/* type_name: the name whose extension gives Content-Type (NULL: rel). */
int srv_file(struct srv *s, const char *root, const char *rel,
    const char *type_name, int live);
int srv_session_dir(const struct sd_config *cfg, const char *proxy,
    const char *variant, char *dir, size_t len);
int srv_store_manifest(struct srv *s, const char *dir, const char *name,
    const char *base);
void srv_html(struct sd_buf *b, const char *s);
void srv_json(struct sd_buf *b, const char *s);
void srv_base_url(const struct srv *s, char *buf, size_t len);

/* serve_page.c */
int srv_page(struct srv *s);
int srv_status(struct srv *s);

/* serve_smart.c */
/* name: NULL for /PROXY, else stream.ts, master.m3u8, ... */
int srv_smart(struct srv *s, const struct sd_proxy *px, const char *name);
void srv_session_used(struct srv *s, const char *dir);
/* Count an HLS/DASH client in (max_clients): 0, or the 503 answered. */
int srv_manifest_client(struct srv *s, const struct sd_proxy *px);
int srv_relay_status(struct srv *s, struct sd_buf *b);
/* /PROXY/p/..., s/..., d/...: the relay's passthrough names. */
int srv_pass(struct srv *s, const struct sd_proxy *px, const char *name);

#endif
