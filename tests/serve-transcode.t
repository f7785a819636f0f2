#!/bin/sh
# serve-transcode.t - a transcode through lighttpd and sd-serve: an
# H.264 + MP2 live source under the Universal profile (video copied, audio
# made AAC). HLS clients get CMAF; a TS client and an HLS version 3 client
# get the same session's MPEG-TS segments (sd-cmafmux -T), decoded by
# ffmpeg as H.264 + AAC.
. "${0%/*}/lib.sh"
. "${0%/*}/play.sh"

serve_need_mux 10
media=$("$SD_TOP/scripts/gen-media" -t 150 h264-mp2.ts)
serve_dirs
serve_upstream "$media" 150
serve_proxy "$conf" mp2 "$SERVE_UP/live.ts" "profile = Universal"
serve_ini "$conf" "$spool" "idle_timeout = $(t_secs 20)"
serve_start "$conf" "$spool"
t_ok $? "lighttpd with sd-serve answers"
base=$SERVE_BASE

code=$(curl -s -o "$T_TMP/master.m3u8" -w '%{http_code}' \
    --max-time "$(t_secs 40)" "$base/mp2/master.m3u8")
t_is "$code" 200 "HLS master of the transcode"
t_like "$(cat "$T_TMP/master.m3u8")" 'CODECS="avc1\.[0-9a-f]+,mp4a\.40\.2"' \
    "HLS master: H.264 and AAC (the MP2 made AAC)"

code=$(curl -s -D "$T_TMP/h" -o "$T_TMP/out.ts" -w '%{http_code}' \
    --max-time "$(t_secs 12)" "$base/mp2/stream.ts")
t_is "$code" 200 "TS client of the transcode: 200"
t_like "$(tr -d '\r' <"$T_TMP/h")" '^Content-Type: video/mp2t$' \
    "TS client of the transcode: video/mp2t"
t_is "$(ffprobe -v quiet -show_entries stream=codec_name -of csv=p=0 \
    "$T_TMP/out.ts" | grep . | sort -u | tr '\n' ' ')" "aac h264 " \
    "TS client: ffprobe reads H.264 and AAC"
t_run -t 60 -- ffmpeg -nostdin -v error -i "$T_TMP/out.ts" -f null -
t_is "$T_RC:$T_ERR" "0:" "TS client: ffmpeg decodes it without an error"
t_run -t 60 -- ffmpeg -nostdin -v error -t 6 -i "$base/mp2/master-ts.m3u8" \
    -f null -
t_is "$T_RC:$T_ERR" "0:" "HLS version 3 (TS segments): ffmpeg reads 6 s"
t_gst_play "$base/mp2/master-ts.m3u8" 6 \
    "GStreamer plays 6 s of live video from master-ts.m3u8"
t_is "$(grep -c ' /live.ts$' "$up/connections")" 1 \
    "every client of the transcode: one upstream connection"
t_done
