#!/bin/sh
# serve-players.t - hls.js and dash.js in headless Chromium play every
# H.264/AAC source kind the tests can make live here, through sd-serve:
# MPEG-TS over HTTP (a live channel joined mid-stream), HLS with TS
# segments, HLS with fMP4 segments, DASH, UDP, RTP, and SRT and RIST when
# ffmpeg has them. One channel config, a proxy a source; one Chromium run
# per player plays every proxy at once, each page until 6 s of media have
# played, with no fatal player error (tests/play/chromium.js: the errors
# hls.js recovers from and plays on are printed, and fail nothing). The HLS and DASH clients are fed by the
# proxies' sessions (profiles that make each source's own format a
# repackage), but for the DASH source's DASH client, which is passed
# through. The UDP and RTP sources are read by the session itself, and
# /status says so.
. "${0%/*}/lib.sh"
. "${0%/*}/play.sh"

if [ ! -x /usr/bin/chromium ] ||
    [ ! -d "$SD_TOP/tests/node_modules/playwright-core" ]; then
	t_skip 1 "needs chromium and playwright-core"
	t_done
	exit 0
fi
serve_need_mux 1

# Ten minutes of media: the sources play it once (serve_src_live) and
# must outlast the test.
media=$("$SD_TOP/scripts/gen-media" -t 600 h264-aac.ts)
web=$T_TMP/web
serve_dirs "$web/hls" "$web/fmp4" "$web/dash"
serve_dir "$web"
t_ok $? "lighttpd serves the sources' folder and the player page"
web_url=$SERVE_URL
export PLAY_ORIGIN=$web_url
serve_upstream "$media" 600

serve_src_hls "$media" "$web/hls"
serve_src_hls "$media" "$web/fmp4" 1 fmp4
serve_src_dash "$media" "$web/dash"
udp=$(t_free_port)
serve_src_sender "$media" mpegts "udp://127.0.0.1:$udp?pkt_size=1316"
rtp=$(t_free_port)
serve_src_sender "$media" rtp_mpegts "rtp://127.0.0.1:$rtp?pkt_size=1316"
kinds="ts hls fmp4 dash udp rtp"
if serve_src_proto srt; then
	srt=$(t_free_port)
	serve_src_sender "$media" mpegts "srt://127.0.0.1:$srt?mode=listener"
	kinds="$kinds srt"
fi
if serve_src_proto rist; then
	rist=$(t_free_port)
	serve_src_sender "$media" mpegts "rist://127.0.0.1:$rist?pkt_size=1316"
	kinds="$kinds rist"
fi
t_wait 20 '[ -s "$web/hls/live.m3u8" ] && [ -s "$web/fmp4/live.m3u8" ] &&
    [ -s "$web/dash/live.mpd" ]'
t_ok $? "ffmpeg writes the live HLS, fMP4 HLS and DASH sources"

# Profiles that send each HLS source's HLS client through the session:
# CMAF for the TS segments, MPEG-TS segments for the fMP4 ones (a client
# of the source's own kind would be passed through).
printf '[Cmaf]\nvideo_codec = copy\naudio_codec = copy\ncontainer_format = fmp4\n\n[TsSegs]\nvideo_codec = copy\naudio_codec = copy\ncontainer_format = mpegts\n' \
    >"$conf/profiles.ini"
# (librist's handshake and ffmpeg's probe take seconds before the first
# byte on a loaded machine; no session may end idle between the warm-up
# and the players, or between the two players; eight channels of two
# sessions each, and the DASH source's passthrough, pass the default
# max_sessions of 16)
serve_ini "$conf" "$spool" "idle_timeout = $(t_secs 180)" \
    "upstream_timeout = $(t_secs 12)" "max_sessions = 32"
serve_proxy "$conf" ts "$SERVE_UP/channel.ts" "profile = Universal"
serve_proxy "$conf" hls "$web_url/hls/live.m3u8" "profile = Cmaf"
serve_proxy "$conf" fmp4 "$web_url/fmp4/live.m3u8" "profile = TsSegs"
serve_proxy "$conf" dash "$web_url/dash/live.mpd" "profile = Universal"
serve_proxy "$conf" udp "udp://127.0.0.1:$udp" "profile = Universal"
serve_proxy "$conf" rtp "rtp://127.0.0.1:$rtp" "profile = Universal"
[ -z "${srt:-}" ] ||
    serve_proxy "$conf" srt "srt://127.0.0.1:$srt" "profile = Universal"
[ -z "${rist:-}" ] ||
    serve_proxy "$conf" rist "rist://@127.0.0.1:$rist" "profile = Universal"
serve_start "$conf" "$spool"
t_ok $? "lighttpd with sd-serve starts"
base=$SERVE_BASE

# Every channel started at once, as a player would (sd-serve waits for
# the first segment; a 503 or 504 is asked again), so that the players
# below do not each wait for a cold start on a loaded machine.
warm_try() {
	[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time "$(t_secs 30)" \
	    "$base/$1/master.m3u8")" = 200 ]
}
warm() {
	t_wait 60 warm_try "$1"
}
pids=
for k in $kinds; do
	warm "$k" &
	pids="$pids $!"
done
n=0
for p in $pids; do wait "$p" || n=$((n + 1)); done
t_is "$n" 0 "every channel's HLS master answers 200"

# play PLAYER FILE URL...: one Chromium run, its lines in FILE; four
# pages at once (eight starve each other on two busy cores, and a player
# that falls behind its live window jumps ahead: what it skipped is not
# played).
play() {
	_p=$1 _f=$2
	shift 2
	timeout -k 5 "$(t_secs 150)" env PLAY_MAX_S="$(t_secs 45)" \
	    PLAY_PARALLEL=4 node "$SD_TOP/tests/play/play-many.js" "$_p" 6 \
	    "$@" >"$_f" 2>&1
}
# judge PLAYER WHAT FILE NAME: a TAP line for NAME's page; on a failure,
# what the run saw, the session's log and the manifest as it is now.
judge() {
	_l=$(grep "^url=$base/$4/" "$3")
	_m=$(printf '%s\n' "$_l" | sed -n 's/.* moved=\([0-9.]*\) .*/\1/p')
	if awk -v m="${_m:-0}" 'BEGIN { exit !(m >= 6) }' &&
	    printf '%s\n' "$_l" | grep -q ' error=$'; then
		t_ok 0 "$4: $1 plays 6 s of its $2 (${_m} s)"
	else
		t_ok 1 "$4: $1 plays 6 s of its $2, no fatal player error"
		_u=$base/$4/master.m3u8
		[ "$2" = DASH ] && _u=$base/$4/manifest.mpd
		t_diag "$(grep -A12 "^url=$base/$4/" "$3")" \
		    "$(tail -5 "$spool/$4/ts.log" 2>/dev/null)" \
		    "$(curl -s --max-time 5 "$_u" | head -40)"
	fi
}

urls=
for k in $kinds; do urls="$urls $base/$k/master.m3u8"; done
play hls "$T_TMP/hls.out" $urls
for k in $kinds; do judge hls.js HLS "$T_TMP/hls.out" "$k"; done
# (the sessions fed them: a store of the proxy's, not its passthrough)
for k in $kinds; do
	ls "$spool/$k"/*/index >/dev/null 2>&1 || echo "$k"
done >"$T_TMP/nostore"
t_is "$(tr '\n' ' ' <"$T_TMP/nostore")" "" \
    "every HLS client was fed by its proxy's session"

urls=
for k in $kinds; do urls="$urls $base/$k/manifest.mpd"; done
play dash "$T_TMP/dash.out" $urls
# (the DASH source's DASH client is passed through: sd-serve adds the
# UTCTiming ffmpeg's MPD lacks, or dash.js would ask a time server on the
# Internet)
for k in $kinds; do judge dash.js DASH "$T_TMP/dash.out" "$k"; done

# Who reads each source: the UDP and RTP ones the session itself.
st=$(curl -s --max-time "$(t_secs 5)" "$base/status")
for k in udp rtp ts; do
	t_like "$st" "\"proxy\":\"$k\",\"variant\":\"ts\".*\"ingest\":\"$k\"" \
	    "/status: $k's ingest is $k"
done
t_like "$st" "\"proxy\":\"udp\",\"variant\":\"ts\".*\"sources\":\[\{\"url\":\"udp://127.0.0.1:$udp\",\"ingest\":\"udp\"" \
    "/status: the UDP source's own ingest"
t_done
