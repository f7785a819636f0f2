#!/bin/sh
# relay-browser.t - hls.js and dash.js in headless Chromium each play 10 s
# of the live store that a repackage session feeds from a proxy's ring
# (the upstream a real TS source on 127.0.0.1, paced in real time), with a
# TS client on the same ring and one upstream connection in all.
. "${0%/*}/lib.sh"
. "${0%/*}/play.sh"

D="$SD_BUILD/tests/drive/relay"
[ -x "$SD_BUILD/bin/sd-cmafmux" ] || { t_skip 1 "bin/sd-cmafmux not built"; t_done; exit 0; }
command -v chromium >/dev/null && [ -d "$SD_TOP/tests/node_modules/playwright-core" ] ||
	{ t_skip 1 "chromium or playwright-core missing"; t_done; exit 0; }
MEDIA=$("$SD_TOP/scripts/gen-media" -t 150 h264-aac.ts) || exit 1
PORT=$(t_free_port)
U="http://127.0.0.1:$PORT"
SPOOL="$T_TMP/spool"
mkdir -p "$T_TMP/up" "$SPOOL"
t_bg perl "$SD_TOP/tests/upstream.pl" -p "$PORT" -d "$T_TMP/up" -f "$MEDIA" -s 150
t_wait_http "$U/none"
serve_dir "$SPOOL" || { t_ok 1 "lighttpd serves the spool"; t_done; exit 1; }

# The session idles out after -i s without a request: scaled, as the test
# may be slow to ask again on a busy machine.
# -m: manifest files too (live_manifests = 1), served as plain files
P="-S $SPOOL -p tv -u $U/live.ts -i $(t_secs 8) -t $(t_secs 3) -d 2 -w 6 -m"
touch_loop() {	# each manifest request touches the session (serve side)
	while [ ! -e "$T_TMP/stop" ]; do
		"$D" ensure $P -v cmaf >/dev/null 2>&1
		sleep 1
	done
}
t_bg touch_loop
t_bg "$D" tail $P >"$T_TMP/c.ts"
segs() { _n=$(grep -c '^seg track=v0' "$SPOOL/tv/cmaf/index" 2>/dev/null); echo "${_n:-0}"; }
t_wait 20 '[ "$(segs)" -ge 3 ]'
t_ok $? "the live store lists 3 segments"
t_browser_play hls "$SERVE_URL/tv/cmaf/master.m3u8" 10 "hls.js plays 10 s of the live store"
t_browser_play dash "$SERVE_URL/tv/cmaf/manifest.mpd" 10 "dash.js plays 10 s of the live store"
t_is "$(awk '$3 == "/live.ts"' "$T_TMP/up/connections" | wc -l | tr -d ' ')" 1 \
    "two players and a TS client: one upstream connection"
touch "$T_TMP/stop"
t_done
