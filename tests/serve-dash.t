#!/bin/sh
# serve-dash.t - sd-serve in smart mode on live DASH and live HLS with
# fMP4 segments, read by the session's own reader (upstream_dash.c): the
# MPD or playlist fetched by us at its own pace (an MPD about once per
# minimumUpdatePeriod, counted in lighttpd's access log), each segment
# once, remuxed by one ffmpeg fed through pipes; the state says
# ingest=dash or ingest=hls-fmp4. A TS client and an HLS client decode at
# least 6 s. A list of two DASH sources whose first is dead fails over
# through the same reader. A finished source (an MPD gone static, an HLS
# playlist with EXT-X-ENDLIST) ends like a TS stream that ended: no
# reload loop, a growing backoff.
. "${0%/*}/lib.sh"
. "${0%/*}/play.sh"

media=$("$SD_TOP/scripts/gen-media" -t 1200 h264-aac.ts)
short=$("$SD_TOP/scripts/gen-media" -t 10 h264-aac.ts)
conf=$T_TMP/conf
spool=$T_TMP/spool
web=$T_TMP/web
mkdir -p "$conf" "$spool" "$web/dash" "$web/fmp4" "$web/done" "$web/hdone"

serve_dir "$web" 'server.modules += ( "mod_accesslog" )' \
    "accesslog.filename = \"$T_TMP/access.log\"" \
    'accesslog.format = "%{%s}t %r %s"'
t_ok $? "lighttpd serves the upstream folder"
web_url=$SERVE_URL

# (TS into MP4 with stream copy: ADTS off and the TS codec tags reset)
mp4="-bsf:a aac_adtstoasc -tag:v avc1 -tag:a mp4a"
serve_src_dash "$media" "$web/dash" 2
serve_src_hls "$media" "$web/fmp4" 2 fmp4
# Finished sources: ten seconds, then the MPD is static and the playlist
# has EXT-X-ENDLIST.
ffmpeg -nostdin -v error -i "$short" -c copy $mp4 -f dash -seg_duration 2 \
    -use_template 1 -use_timeline 1 "$web/done/live.mpd" &&
ffmpeg -nostdin -v error -i "$short" -c copy $mp4 -f hls -hls_time 2 \
    -hls_segment_type fmp4 -hls_list_size 0 "$web/hdone/live.m3u8"
t_ok $? "ffmpeg writes a finished DASH and a finished HLS fMP4 source"
t_wait 20 '[ -s "$web/dash/live.mpd" ] && [ -s "$web/fmp4/live.m3u8" ]'
t_ok $? "ffmpeg writes the live DASH and HLS fMP4 sources"
mup=$(sed -n 's/.*minimumUpdatePeriod="PT\([0-9.]*\)S".*/\1/p' \
    "$web/dash/live.mpd")
t_diag "the live MPD's minimumUpdatePeriod: ${mup:-none} s"

serve_ini "$conf" "$spool" "idle_timeout = $(t_secs 6)" \
    "upstream_timeout = $(t_secs 8)" "failover_retry = 600"
serve_proxy "$conf" dash "$web_url/dash/live.mpd" "profile = Universal"
serve_proxy "$conf" fmp4 "$web_url/fmp4/live.m3u8" "profile = Universal"
dead=$(t_free_port)
serve_proxy "$conf" fo "http://127.0.0.1:$dead/gone.mpd $web_url/dash/live.mpd" \
    "profile = Universal"
serve_proxy "$conf" done "$web_url/done/live.mpd" "profile = Universal"
serve_proxy "$conf" hdone "$web_url/hdone/live.m3u8" "profile = Universal"
serve_start "$conf" "$spool"
t_ok $? "lighttpd with sd-serve starts"
base=$SERVE_BASE

# ts_decodes NAME: serve_ts_decodes, and both kinds reach the client.
ts_decodes() {
	serve_ts_decodes "$1"
	[ -s "$T_TMP/$1.dec" ] && t_diag "$(head -5 "$T_TMP/$1.dec")"
	n=$(ffprobe -v error -show_entries stream=codec_type -of csv=p=0 \
	    "$T_TMP/$1.ts" 2>/dev/null | grep . | sort -u | tr '\n' ' ')
	t_is "$n" "audio video " "$1: audio and video reach the TS client"
}

for k in dash fmp4; do
	case $k in dash) want=dash ;; fmp4) want=hls-fmp4 ;; esac
	serve_master_200 "$k"
	t_is "$SERVE_CODE" 200 "$k: HLS master 200 (the session is up)"
	T_GST_MAX=60
	t_gst_start "$base/$k/master.m3u8" 6
	g1=$T_GST_PID l1=$T_GST_LOG
	T_GST_MAX=
	from=$(date +%s)
	curl -s --max-time "$(t_secs 20)" -o "$T_TMP/$k.ts" \
	    "$base/$k/stream.ts"
	to=$(date +%s)
	[ "$k" = dash ] && dash_from=$from dash_to=$to
	t_is "$(serve_state "$k" ingest)" "$want" "$k: the state says ingest=$want"
	t_is "$(serve_state "$k" connections)" 1 "$k: one upstream connection"
	[ "$(serve_state "$k" ingest)" = "$want" ] ||
	    t_diag "$(tail -5 "$spool/$k/ts.log" 2>/dev/null)"
	ts_decodes "$k"
	t_gst_wait "$g1" "$l1" "$base/$k/master.m3u8" 6 \
	    "$k: GStreamer plays 6 s of master.m3u8"
	# each media segment fetched once by the session; sd-classify may
	# have probed the first ones before it, and GStreamer's HLS client
	# of the fMP4 source is passed through (Universal), so fetches some
	# a third time
	many=$(awk -v k="/$k/" '$3 ~ k && $3 ~ /\.m4s/ { print $3 }' \
	    "$T_TMP/access.log" | sort | uniq -c | awk '$1 > 3' | wc -l)
	t_is "$many" 0 "$k: no segment fetched more than three times"
done

# The MPD's pace: while the TS client read (to - from s), about one load
# per minimumUpdatePeriod (FFmpeg 5.1's reader: thousands).
from=$dash_from to=$dash_to
mpds=$(awk -v a="$from" -v b="$to" -v k="/dash/live.mpd" \
    '$1 >= a && $1 <= b && $3 == k' "$T_TMP/access.log" | wc -l)
t_diag "MPD loads of the dash proxy from $from to $to: $mpds"
[ -n "$mup" ] || mup=2
max=$(awk -v s=$((to - from)) -v m="$mup" 'BEGIN { print int(s / m) + 3 }')
t_ok "$([ "$mpds" -le "$max" ] && echo 0 || echo 1)" \
    "dash: the MPD loaded $mpds times in $((to - from)) s (at most $max)"

# Failover: the first source is dead, the second is read by our reader.
curl -s --max-time "$(t_secs 20)" -o "$T_TMP/fo.ts" "$base/fo/stream.ts"
t_is "$(serve_state fo ingest)" dash "fo: the second source is read by our reader"
t_like "$(serve_state fo source)" "/dash/live.mpd" "fo: the source in use is the second"
t_like "$(curl -s "$base/status")" \
    '"url":"http://127.0.0.1:[0-9]*/gone.mpd",("ingest":"[a-z-]*",)?"last_error":"[^"]' \
    "fo: /status has the dead source's error"
ts_decodes fo

# Finished sources: no reload loop. Their TS clients get what there is
# (or nothing), the sessions try again later and later.
for k in done hdone; do
	case $k in done) m=/done/live.mpd ;; hdone) m=/hdone/live.m3u8 ;; esac
	curl -s --max-time "$(t_secs 20)" -o "$T_TMP/$k.ts" \
	    "$base/$k/stream.ts" &
	c=$!
	t_wait 20 "grep -q '^last_error=' '$spool/$k/ts.state' 2>/dev/null"
	t_ok $? "$k: the session's state has a last_error"
	from=$(date +%s)
	t_wait 15 "[ \"\$(sed -n 's/^retry_after=//p' '$spool/$k/ts.state')\" -ge 3 ]"
	t_ok $? "$k: the backoff grew (retry_after $(serve_state "$k" retry_after) s)"
	to=$(date +%s)
	t_like "$(serve_state "$k" last_error)" \
	    'static: the source ended|EXT-X-ENDLIST' "$k: last_error says it ended"
	kill "$c" 2>/dev/null
	wait "$c" 2>/dev/null
	n=$(awk -v k="$m" '$3 == k' "$T_TMP/access.log" | wc -l)
	t_ok "$([ "$n" -le 20 ] && echo 0 || echo 1)" \
	    "$k: its manifest fetched $n times in all (no reload loop)"
done
t_done
