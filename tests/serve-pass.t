#!/bin/sh
# serve-pass.t - HLS to HLS and DASH to DASH passthrough through lighttpd
# and sd-serve: the upstream's manifests with every URI rewritten back to
# sd-serve, players (ffmpeg, GStreamer) reading to the end through it,
# each upstream file fetched once for many clients, forged names refused,
# a passthrough past max_sessions refused with its reason.
. "${0%/*}/lib.sh"
. "${0%/*}/serve/lib.sh"

ts=$("$SD_TOP/scripts/gen-media" h264-aac.ts)
mp4=$("$SD_TOP/scripts/gen-media" h264-aac.mp4)
serve_dirs "$T_TMP/up/files/hls" "$T_TMP/up/files/dash"
ffmpeg -nostdin -v error -i "$ts" -c copy -f hls -hls_time 2 \
    -hls_playlist_type vod -hls_segment_filename "$up/files/hls/seg%d.ts" \
    "$up/files/hls/index.m3u8"
t_ok $? "ffmpeg writes an HLS source"
ffmpeg -nostdin -v error -i "$mp4" -c copy -f dash -seg_duration 2 \
    "$up/files/dash/manifest.mpd"
t_ok $? "ffmpeg writes a DASH source"
serve_upstream
uport=$SERVE_UPORT
{
	printf '[hlsp]\nsource = http://127.0.0.1:%s/files/hls/index.m3u8\n' \
	    "$uport"
	printf 'mode = smart\n\n'
	printf '[dashp]\nsource = http://127.0.0.1:%s/files/dash/manifest.mpd\n' \
	    "$uport"
	printf 'mode = smart\n\n'
	printf '[hlsq]\nsource = http://127.0.0.1:%s/files/hls/index.m3u8\n' \
	    "$uport"
	printf 'mode = smart\n'
} >"$conf/proxies.ini"
serve_ini "$conf" "$spool" "idle_timeout = $(t_secs 30)" "max_sessions = 3"
serve_start "$conf" "$spool"
base=$SERVE_BASE

# HLS
code=$(curl -s -D "$T_TMP/h" -o "$T_TMP/m.m3u8" -w '%{http_code}' \
    --max-time "$(t_secs 30)" "$base/hlsp/master.m3u8")
t_is "$code" 200 "HLS passthrough: the playlist"
t_like "$(tr -d '\r' <"$T_TMP/h")" \
    '^Content-Type: application/vnd.apple.mpegurl$' \
    "HLS passthrough: Content-Type"
t_unlike "$(cat "$T_TMP/m.m3u8")" "127.0.0.1:$uport|seg[0-9]" \
    "HLS passthrough: no upstream URL or name left"
t_like "$(cat "$T_TMP/m.m3u8")" '^/sd/hlsp/[ps]/[0-9a-f]{16}\.(m3u8|ts)$' \
    "HLS passthrough: URIs lead back to sd-serve"
# (sd-classify read a segment or two itself to probe the source)
segs() { grep -c ' /files/hls/seg[0-9]*\.ts$' "$up/connections"; }
n0=$(segs)
for i in 1 2; do
	t_run -t 60 -- ffmpeg -nostdin -v error -i "$base/hlsp/master.m3u8" \
	    -map 0 -f null -
	t_is "$T_RC:$T_ERR" "0:" \
	    "HLS passthrough: ffmpeg reads it all (client $i)"
done
t_run -t 60 -- gst-launch-1.0 -q playbin uri="$base/hlsp/master.m3u8" \
    video-sink="fakesink sync=false" audio-sink="fakesink sync=false"
t_is "$T_RC" 0 "HLS passthrough: GStreamer plays to the end"
nseg=$(ls "$up/files/hls" | grep -c '\.ts$')
t_is "$(($(segs) - n0))" "$nseg" \
    "HLS passthrough: each of $nseg segments fetched once for 3 clients"
seg=$(grep '^/sd/' "$T_TMP/m.m3u8" | head -1)
code=$(curl -s -r 0-187 -D "$T_TMP/h" -o "$T_TMP/b" -w '%{http_code}' \
    "${base%/sd}$seg")
t_is "$code:$(wc -c <"$T_TMP/b")" "206:188" \
    "HLS passthrough: a segment's range"
t_like "$(tr -d '\r' <"$T_TMP/h")" '^Content-Type: video/mp2t$' \
    "HLS passthrough: segment Content-Type"
code=$(curl -s -o /dev/null -w '%{http_code}' \
    "$base/hlsp/s/0123456789abcdef.ts")
t_is "$code" 404 "HLS passthrough: a forged name is a 404"

# DASH
code=$(curl -s -o "$T_TMP/m.mpd" -w '%{http_code}' \
    --max-time "$(t_secs 30)" "$base/dashp/manifest.mpd")
t_is "$code" 200 "DASH passthrough: the MPD"
xmllint --noout "$T_TMP/m.mpd" 2>/dev/null
t_ok $? "DASH passthrough: well-formed"
t_like "$(cat "$T_TMP/m.mpd")" \
    '<BaseURL>/sd/dashp/d/[0-9a-f]{16}/</BaseURL>' \
    "DASH passthrough: a BaseURL back to sd-serve"
t_run -t 60 -- ffmpeg -nostdin -v error -i "$base/dashp/manifest.mpd" \
    -map 0 -f null -
t_is "$T_RC:$T_ERR" "0:" "DASH passthrough: ffmpeg reads it all"
t_run -t 60 -- gst-launch-1.0 -q playbin uri="$base/dashp/manifest.mpd" \
    video-sink="fakesink sync=false" audio-sink="fakesink sync=false"
t_is "$T_RC" 0 "DASH passthrough: GStreamer plays to the end"

# max_sessions (3) sessions live, stood for by three held session locks:
# a passthrough past them is refused 503 "too many live sessions", as the
# smart path says, not "the upstream is down".
mkdir -p "$spool/.locks"
busy=
for i in 1 2 3; do
	t_bg sh -c 'exec 9>"$0" && flock 9 && exec sleep 600' \
	    "$spool/.locks/busy$i.lock"
	busy="$busy $T_BGPID"
done
t_wait 10 '! flock -n "$spool/.locks/busy1.lock" true &&
    ! flock -n "$spool/.locks/busy2.lock" true &&
    ! flock -n "$spool/.locks/busy3.lock" true'
t_ok $? "three session locks held"
serve_refused "$base/hlsq/master.m3u8" 30 "a passthrough past max_sessions" \
    'too many live sessions'
for p in $busy; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
t_done
