#!/bin/sh
# Live in the browser: the live store of sd-cmafmux -l -w 5, fed a TS in
# real time through a pipe (as in live.t), played by dash.js and hls.js in
# headless Chromium for 15 s each from lighttpd: no fatal error, and the
# playhead still moving at the end.
. "${0%/*}/lib.sh"
. "${0%/*}/play.sh"

W=5
st="$T_TMP/store"
mkdir -p "$st"
t_live_start "$st" "$W" 100
t_serve_dir "$st" || t_diag "lighttpd did not start"
t_live_wait "$st" "$W"

t_browser_play dash "$T_URL/manifest.mpd" 15 "dash.js plays the live MPD for 15 s"
t_browser_play hls "$T_URL/master.m3u8" 15 "hls.js plays the live HLS for 15 s"

kill -TERM "$T_MUX"
rc=0
wait "$T_MUX" || rc=$?
t_is "$rc" 0 "sd-cmafmux exits 0 on SIGTERM"
t_done
