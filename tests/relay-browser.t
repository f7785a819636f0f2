#!/bin/sh
# relay-browser.t - hls.js and dash.js in headless Chromium play, for 20 s
# each, the live store that a repackage session feeds from a proxy's ring
# (the upstream a real TS source on 127.0.0.1, paced in real time), with a
# TS client on the same ring and one upstream connection in all.
. "${0%/*}/lib.sh"
. "${0%/*}/play.sh"

D="$SD_BUILD/tests/drive/relay"
[ -x "$SD_BUILD/bin/sd-cmafmux" ] || { t_skip 1 "bin/sd-cmafmux not built"; t_done; exit 0; }
command -v chromium >/dev/null && [ -d "$SD_TOP/tests/node_modules/playwright-core" ] ||
	{ t_skip 1 "chromium or playwright-core missing"; t_done; exit 0; }
MEDIA=$("$SD_TOP/scripts/gen-media" -t 60 h264-aac.ts) || exit 1
PORT=$(t_free_port)
U="http://127.0.0.1:$PORT"
SPOOL="$T_TMP/spool"
mkdir -p "$T_TMP/up" "$SPOOL"
t_bg perl "$SD_TOP/tests/upstream.pl" -p "$PORT" -d "$T_TMP/up" -f "$MEDIA" -s 60
t_wait_http "$U/none" 10
t_serve_dir "$SPOOL" || { t_ok 1 "lighttpd serves the spool"; t_done; exit 1; }

P="-S $SPOOL -p tv -u $U/live.ts -i 8 -t 3 -d 2 -w 6"
touch_loop() {	# each manifest request touches the session (serve side)
	while [ ! -e "$T_TMP/stop" ]; do
		"$D" ensure $P -v cmaf >/dev/null 2>&1
		sleep 1
	done
}
t_bg touch_loop
t_bg timeout 60 "$D" tail $P >"$T_TMP/c.ts"
segs() { _n=$(grep -c '^seg track=v0' "$SPOOL/tv/cmaf/index" 2>/dev/null); echo "${_n:-0}"; }
i=0
while [ "$(segs)" -lt 3 ] && [ $i -lt 200 ]; do
	sleep 0.1; i=$((i + 1))
done
t_browser_play hls "$T_URL/tv/cmaf/master.m3u8" 20 "hls.js plays the live store for 20 s"
t_ok "$([ "${T_PLAY_TIME%.*}" -ge 10 ] 2>/dev/null; echo $?)" "hls.js: the playhead moved ($T_PLAY_TIME s)"
t_browser_play dash "$T_URL/tv/cmaf/manifest.mpd" 20 "dash.js plays the live store for 20 s"
t_ok "$([ "${T_PLAY_TIME%.*}" -ge 10 ] 2>/dev/null; echo $?)" "dash.js: the playhead moved ($T_PLAY_TIME s)"
t_is "$(awk '$3 == "/live.ts"' "$T_TMP/up/connections" | wc -l | tr -d ' ')" 1 \
    "two players and a TS client: one upstream connection"
touch "$T_TMP/stop"
t_done
