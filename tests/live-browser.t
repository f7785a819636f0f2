#!/bin/sh
# Live in the browser: the live store of sd-cmafmux -l -w 5, fed a TS in
# real time through a pipe (as in live.t), played by dash.js and hls.js in
# headless Chromium from lighttpd, each until its playhead has moved 10 s,
# with no fatal error.
. "${0%/*}/lib.sh"
. "${0%/*}/play.sh"

W=5
st="$T_TMP/store"
mkdir -p "$st"
t_live_start "$st" "$W" 600
serve_dir "$st" || t_diag "lighttpd did not start"
t_live_wait "$st" "$W"

t_browser_play dash "$SERVE_URL/manifest.mpd" 10 "dash.js plays 10 s of the live MPD"
t_browser_play hls "$SERVE_URL/master.m3u8" 10 "hls.js plays 10 s of the live HLS"

kill -TERM "$T_MUX"
rc=0
wait "$T_MUX" || rc=$?
t_is "$rc" 0 "sd-cmafmux exits 0 on SIGTERM"
t_done
