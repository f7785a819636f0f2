/*
 * serve_int.h - the parts of sd-serve's router that serve.c dispatches to
 * (serve_page.c: the page and /status; serve_smart.c: classify, decide and
 * the hand-over to the relay). All of them answer through respond.h. Not
 * a public interface.
 */
#ifndef SERVE_INT_H
#define SERVE_INT_H

#include "respond.h"

/* serve_epg.c: /epg.xml, the provider's guide for the proxies. */
int srv_epg(struct srv *s);

/* hdhr.c: /discover.json, /lineup.json, /lineup_status.json,
 * /device.xml: sd as an HDHomeRun network tuner. */
int srv_hdhr_route(const char *path);
int srv_hdhr(struct srv *s, const char *path);

/* serve_page.c */
int srv_page(struct srv *s);
int srv_status(struct srv *s);

/* serve_smart.c */
/* name: NULL for /PROXY, else stream.ts, master.m3u8, ... */
int srv_smart(struct srv *s, const struct sd_proxy *px, const char *name);
void srv_session_used(struct srv *s, const char *dir);
/* Count an HLS/DASH client in (max_clients): 0, or the 503 answered. */
int srv_manifest_client(struct srv *s, const struct sd_proxy *px);
/* /PROXY/p/..., s/..., d/...: the relay's passthrough names. */
int srv_pass(struct srv *s, const struct sd_proxy *px, const char *name);

#endif
