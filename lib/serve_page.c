/*
 * serve_page.c - the two answers about the whole server: "/" (a page that
 * lists the proxies and plays one with hls.js or dash.js) and "/status"
 * (JSON for scripts and monitoring).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sd.h"
#include "serve_int.h"
#include "util_int.h"
#include "config.h"
#include "session.h"
#include "provider.h"

/*
 * The player: native HLS where the browser has it (Safari), else hls.js;
 * dash.js for DASH. ?play=ID&format=hls|dash starts one at load, which is
 * also what the browser tests use. window.sdState tells a test (or a
 * curious admin) what the player is doing.
 */
static const char page_script[] =
"\n"
"var v = document.getElementById('v'), cur = null;\n"
"window.sdState = { playing: false, start: null, error: null, url: null };\n"
"v.addEventListener('playing', function () {\n"
"  if (sdState.start === null) sdState.start = v.currentTime;\n"
"  sdState.playing = true; });\n"
"v.addEventListener('error', function () {\n"
"  sdState.error = 'video: ' + (v.error ? v.error.code : '?'); });\n"
"function stop() {\n"
"  if (cur && cur.destroy) cur.destroy();\n"
"  if (cur && cur.reset) cur.reset();\n"
"  cur = null; v.removeAttribute('src'); v.load();\n"
"}\n"
"function play(base, id, fmt) {\n"
"  var url = base + '/' + encodeURIComponent(id) +\n"
"    (fmt === 'dash' ? '/manifest.mpd' : '/master.m3u8');\n"
"  stop(); sdState.url = url; sdState.playing = false; sdState.error = null;\n"
"  sdState.start = null;\n"
"  document.getElementById('now').textContent = id + ' (' + fmt + ')';\n"
"  if (fmt === 'dash') {\n"
"    if (!window.dashjs) { sdState.error = 'dash.js missing'; return; }\n"
"    cur = dashjs.MediaPlayer().create();\n"
"    cur.on('error', function (e) {\n"
"      sdState.error = 'dash.js: ' + JSON.stringify(e.error || e); });\n"
"    cur.initialize(v, url, true);\n"
"  } else if (window.Hls && Hls.isSupported()) {\n"
"    cur = new Hls();\n"
"    cur.on(Hls.Events.ERROR, function (e, d) {\n"
"      if (d.fatal) sdState.error = 'hls.js: ' + d.details; });\n"
"    cur.loadSource(url); cur.attachMedia(v);\n"
"    v.play().catch(function () {});\n"
"  } else if (v.canPlayType('application/vnd.apple.mpegurl')) {\n"
"    v.src = url; v.play().catch(function () {});\n"
"  } else {\n"
"    sdState.error = 'no HLS player';\n"
"  }\n"
"}\n"
"var SD_BASE = document.body.getAttribute('data-base');\n"
"document.addEventListener('click', function (e) {\n"
"  var b = e.target.closest ? e.target.closest('button[data-play]') : null;\n"
"  if (b) play(SD_BASE, b.getAttribute('data-play'),\n"
"    b.getAttribute('data-format')); });\n"
"var q = new URLSearchParams(location.search);\n"
"if (q.get('play')) play(SD_BASE, q.get('play'), q.get('format') || 'hls');\n"
"</script>\n";

/* HTML text: & < > " ' escaped, controls dropped. */
static void
html_text(struct sd_buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': sd_buf_printf(b, "&amp;"); break;
		case '<': sd_buf_printf(b, "&lt;"); break;
		case '>': sd_buf_printf(b, "&gt;"); break;
		case '"': sd_buf_printf(b, "&quot;"); break;
		case '\'': sd_buf_printf(b, "&#39;"); break;
		default:
			if ((unsigned char)*s >= 0x20)
				sd_buf_append(b, s, 1);
		}
	}
}

static void
page_proxy_row(struct sd_buf *b, const char *base, const struct sd_proxy *px)
{
	sd_buf_printf(b, "<tr><td>");
	html_text(b, px->name[0] ? px->name : px->id);
	sd_buf_printf(b, "</td><td>");
	html_text(b, px->group);
	sd_buf_printf(b, "</td><td>");
	html_text(b, sd_mode_name(px->mode));
	sd_buf_printf(b, "</td><td>");
	if (px->mode == SD_MODE_SMART && sd_safe_name(px->id)) {
		/* ids are safe names: no quoting needed in an attribute; no
		 * handler in the markup (the policy allows none) */
		sd_buf_printf(b, "<button data-play=\"%s\" data-format=\"hls\">"
		    "HLS</button> <button data-play=\"%s\" data-format="
		    "\"dash\">DASH</button> ", px->id, px->id);
	}
	sd_buf_printf(b, "<a href=\"");
	html_text(b, base);
	sd_buf_printf(b, "/%s\">%s</a>", px->id,
	    px->mode == SD_MODE_SMART ? "stream" : "source");
	sd_buf_printf(b, "</td></tr>\n");
}

/*
 * The page's policy: scripts from this server and the page's own inline
 * one (its nonce, new for every answer) only; no plugin, no <base>, no
 * framing. hls.js may start a worker from a blob: URL.
 */
static void
page_policy(char *csp, size_t len, const char *nonce)
{
	snprintf(csp, len, "script-src 'self' 'nonce-%s'; worker-src 'self' "
	    "blob:; object-src 'none'; base-uri 'none'; frame-ancestors "
	    "'none'", nonce);
}

int
srv_page(struct srv *s)
{
	struct sd_buf b;
	const char *base = s->rq->script_name;
	unsigned char rnd[16];
	char nonce[33], csp[256];
	size_t i;
	int rc;

	/* base lands in attributes and a JS string: no quote of either kind */
	if (!sd_manifest_base_ok(base) || strchr(base, '\'') != NULL)
		base = "";
	arc4random_buf(rnd, sizeof(rnd));
	for (i = 0; i < sizeof(rnd); i++)
		snprintf(nonce + 2 * i, 3, "%02x", rnd[i]);
	page_policy(csp, sizeof(csp), nonce);
	sd_buf_init(&b);
	sd_buf_printf(&b, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
	    "<title>sd</title>\n<style>body{font-family:sans-serif;margin:1em}"
	    "video{width:100%%;max-width:960px;background:#000}"
	    "td{padding:0 .6em}</style>\n");
	sd_buf_printf(&b, "<script src=\"%s/www/hls.min.js\"></script>\n"
	    "<script src=\"%s/www/dash.all.min.js\"></script>\n"
	    "</head><body data-base=\"%s\">\n"
	    "<h1>sd</h1>\n<video id=\"v\" controls muted autoplay "
	    "playsinline></video>\n<p>Playing: <span id=\"now\">nothing"
	    "</span></p>\n<table>\n<tr><th>Channel</th><th>Group</th>"
	    "<th>Mode</th><th>Play</th></tr>\n", base, base, base);
	for (i = 0; i < s->cfg->nproxies; i++)
		if (sd_proxy_broken(s->cfg, s->cfg->proxies[i].id) == NULL)
			page_proxy_row(&b, base, &s->cfg->proxies[i]);
	sd_buf_printf(&b, "</table>\n<p><a href=\"%s/playlist.m3u\">playlist"
	    ".m3u</a> &middot; <a href=\"%s/status\">status</a></p>\n",
	    base, base);
	sd_buf_printf(&b, "<script nonce=\"%s\">", nonce);
	sd_buf_append(&b, page_script, sizeof(page_script) - 1);
	sd_buf_printf(&b, "</body></html>\n");
	rc = srv_send_page(s, csp, b.p, b.len);
	sd_buf_free(&b);
	return rc;
}

int
srv_status(struct srv *s)
{
	struct sd_buf b;
	const struct sd_proxy *px;
	const char *why, *id;
	size_t i;
	int rc;

	sd_buf_init(&b);
	sd_buf_printf(&b, "{\"time\":%lld,\"proxies\":[", sd_real_ms() / 1000);
	for (i = 0; i < s->cfg->nproxies; i++) {
		px = &s->cfg->proxies[i];
		sd_buf_printf(&b, "%s{\"id\":", i ? "," : "");
		sd_json_string(&b, px->id);
		sd_buf_printf(&b, ",\"name\":");
		sd_json_string(&b, px->name);
		sd_buf_printf(&b, ",\"mode\":\"%s\",\"profile\":",
		    sd_mode_name(px->mode));
		sd_json_string(&b, px->profile);
		sd_buf_printf(&b, ",\"max_clients\":%d}", px->max_clients);
	}
	sd_buf_printf(&b, "],\"disabled\":[");
	for (i = 0; (why = sd_proxy_broken_nth(s->cfg, i, &id)) != NULL; i++) {
		sd_buf_printf(&b, "%s{\"id\":", i ? "," : "");
		sd_json_string(&b, id);
		sd_buf_printf(&b, ",\"error\":");
		sd_json_string(&b, why);
		sd_buf_printf(&b, "}");
	}
	sd_buf_printf(&b, "],\"providers\":");
	sd_provider_status(s->cfg, &b);
	sd_buf_printf(&b, ",\"relay\":");
	sd_relay_status(s->cfg, &b);
	sd_buf_printf(&b, "}\n");
	rc = srv_send_body(s, "application/json", "no-store", NULL, b.p,
	    b.len);
	sd_buf_free(&b);
	return rc;
}
