#!/bin/sh
# serve-sources.t - sd-serve in smart mode on live sources that are not
# MPEG-TS over HTTP: HLS with TS segments (a master whose first variant is
# dead and whose best one has an alternate audio rendition), HLS with fMP4
# segments, DASH, a UDP stream and an SRT stream (when ffmpeg has srt). The
# upstream session reads each through one `ffmpeg -c copy -f mpegts`
# (ingest.c); a TS client, an HLS client and a DASH client each decode at
# least 6 s; every upstream segment is fetched once whatever the viewers.
# A DASH source with two audio languages keeps both. hls.js and dash.js in
# Chromium play, from the session: the HLS-TS source to an HLS client as
# CMAF, the DASH source to an HLS client, the HLS source to a DASH client.
# HLS with TS segments and nothing only ffmpeg reads goes through the
# session's own reader (ingest=hls), the two newest segments first; one
# whose segments 404 is an upstream error with a growing backoff.
# A source of an unsupported scheme is refused at config load.
. "${0%/*}/lib.sh"
. "${0%/*}/play.sh"

# The live sources must outlast the test: one that ended leaves a finished
# playlist (an MPD gone static) that the session reads again and again, and
# players of that fail for reasons this test is not about. A run on a
# loaded machine takes over 10 minutes; 20 are made (cached once).
media=$("$SD_TOP/scripts/gen-media" -t 1200 h264-aac.ts)
media2=$("$SD_TOP/scripts/gen-media" -t 1200 h264-2aac.ts)
web=$T_TMP/web
serve_dirs "$web/hls" "$web/fmp4" "$web/dash" "$web/dash2"

# A bad scheme: refused at load with path:line.
mkdir -p "$T_TMP/bad"
printf '[bad]\nsource = gopher://127.0.0.1/x.ts\nmode = smart\n' \
    >"$T_TMP/bad/proxies.ini"
out=$("$SD_BUILD/bin/sd-decide" -C "$T_TMP/bad" -l 2>&1)
t_like "$out" "proxies.ini:2: .*gopher" \
    "gopher:// source: refused with path:line"

serve_dir "$web" 'server.modules += ( "mod_accesslog" )' \
    "accesslog.filename = \"$T_TMP/access.log\"" \
    'accesslog.format = "%r %s [%{X-Sd-Test}i] \"%{User-Agent}i\""'
t_ok $? "lighttpd serves the upstream folder"
web_url=$SERVE_URL

# The live sources: the same media in real time, copied, once
# (serve_src_live: no loop).
serve_src_live "$media" -map 0:v -map 0:a -c copy -f hls -hls_time 1 \
    -hls_list_size 8 -hls_flags delete_segments -var_stream_map \
    'a:0,agroup:aud,language:eng,name:en v:0,agroup:aud' \
    -master_pl_name master.m3u8 "$web/hls/v%v.m3u8"
serve_src_hls "$media" "$web/fmp4" 1 fmp4
serve_src_dash "$media" "$web/dash"
# two audio languages (eng, fra), each an adaptation set of its own
serve_src_live "$media2" -map 0 -c copy -bsf:a aac_adtstoasc -tag:v avc1 \
    -tag:a mp4a -f dash -seg_duration 1 -window_size 8 -use_template 1 \
    -use_timeline 1 -streaming 0 \
    -adaptation_sets "id=0,streams=v id=1,streams=1 id=2,streams=2" \
    "$web/dash2/live.mpd"
udp=$(t_free_port)
serve_src_live "$media" -c copy -f mpegts "udp://127.0.0.1:$udp?pkt_size=1316"
srt=
if serve_src_proto srt; then
	srt=$(t_free_port)
	# (sd-classify calls first, the ingest after it, again after a
	# restart: serve_src_sender starts the listener again each time)
	serve_src_sender "$media" mpegts "srt://127.0.0.1:$srt?mode=listener"
fi
t_wait 20 '[ -s "$web/hls/master.m3u8" ] && [ -s "$web/fmp4/live.m3u8" ] &&
    [ -s "$web/dash/live.mpd" ] && [ -s "$web/dash2/live.mpd" ]'
t_ok $? "ffmpeg writes the live HLS, fMP4 HLS and DASH sources"
# The master the provider hands out: a dead low variant listed first.
{
	grep -v -e '^#EXT-X-STREAM-INF' -e '\.m3u8$' "$web/hls/master.m3u8"
	echo '#EXT-X-STREAM-INF:BANDWIDTH=50000,RESOLUTION=160x90,CODECS="avc1.64000c,mp4a.40.2",AUDIO="group_aud"'
	echo 'gone.m3u8'
	grep -A1 '^#EXT-X-STREAM-INF:.*RESOLUTION' "$web/hls/master.m3u8" |
	    grep -v -- '^--'
} >"$web/hls/channel.m3u8"
t_diag "$(cat "$web/hls/channel.m3u8")"

serve_ini "$conf" "$spool" "idle_timeout = $(t_secs 6)" \
    "upstream_timeout = $(t_secs 6)"
# (a profile whose codecs the sources have: every client goes through
# the session, none through passthrough)
serve_proxy "$conf" hls "$web_url/hls/channel.m3u8" "profile = Universal" \
    "user_agent = sd-test-agent/1" "header = X-Sd-Test: 1"
serve_proxy "$conf" fmp4 "$web_url/fmp4/live.m3u8" "profile = Universal"
serve_proxy "$conf" dash "$web_url/dash/live.mpd" "profile = Universal"
serve_proxy "$conf" dash2 "$web_url/dash2/live.mpd" "profile = Universal"
serve_proxy "$conf" udp "udp://127.0.0.1:$udp"
[ -z "$srt" ] || serve_proxy "$conf" srt "srt://127.0.0.1:$srt"
serve_start "$conf" "$spool"
t_ok $? "lighttpd with sd-serve starts"
base=$SERVE_BASE

# A client of the source's own format gets it passed through (sd-relay(7)),
# not from the session: not what is tested here (and this HLS master's dead
# variant, ffmpeg's DASH, would fail it).
for k in hls fmp4 dash udp $srt; do
	[ "$k" = "$srt" ] && k=srt
	case $k in
	hls|fmp4) serve_source_checks -x hls "$k" ;;
	dash) serve_source_checks -x dash "$k" ;;
	*) serve_source_checks "$k" ;;
	esac
done

# The best variant was read, with its audio rendition; each segment once.
t_diag "$(grep 'GET /hls/' "$T_TMP/access.log" | head -12)"
"$SD_BUILD/bin/sd-decide" -C "$conf" -P hls -f ts \
    -i "$spool/hls/classify" >"$T_TMP/hls.dec" 2>&1
t_is "$(sed -n 's/^source_variant=//p' "$T_TMP/hls.dec")" 1 \
    "hls: the decision records variant 1, the highest bandwidth"
uas=$(grep ' /hls/' "$T_TMP/access.log" | sed 's/.*"\(.*\)"$/\1/' |
    sort -u | tr '\n' '|')
t_is "$uas" "sd-test-agent/1|" \
    "hls: every upstream request has the proxy's User-Agent"
gone=$(grep -c 'GET /hls/gone.m3u8' "$T_TMP/access.log")
t_is "$(grep ' /hls/' "$T_TMP/access.log" | grep -vc ' \[1\] ')" 0 \
    "hls: every upstream request has the proxy's header X-Sd-Test"
# whoever opens the master (sd-classify, the ingest ffmpeg) tries the dead
# variant's playlist when it starts, and nobody reads it again
masters=$(grep -c 'GET /hls/channel.m3u8' "$T_TMP/access.log")
t_ok "$([ "$gone" -le "$masters" ] && echo 0 || echo 1)" \
    "hls: the dead low variant's playlist read $gone times, masters $masters"
# (sd-classify probes the first segments of each track, which the session
# then reads: at most those twice, never one per viewer)
dup=$(grep -o 'GET /hls/v[^ ]*\.ts' "$T_TMP/access.log" | sort | uniq -d |
    wc -l)
t_ok "$([ "$dup" -le 4 ] && echo 0 || echo 1)" \
    "hls: segments fetched once by the session, whatever the viewers ($dup twice)"
t_at_least "$(grep -c 'GET /hls/ven[0-9]*\.ts' "$T_TMP/access.log")" 6 \
    "hls: the audio rendition's segments are read"

# DASH with two audio adaptation sets: the session keeps both languages.
serve_ts_get dash2
# (ffprobe lists a TS's streams twice, under its program and alone, with
# a blank line between: each stream is counted once)
n=$(ffprobe -v error -select_streams a -show_entries stream=index \
    -of csv=p=0 "$T_TMP/dash2.ts" 2>/dev/null | grep . | sort -u | wc -l)
t_is "$n" 2 "dash2: both audio languages reach the TS client"
# (t_is succeeds either way: the diagnosis is asked for by the count)
[ "$n" = 2 ] || t_diag "$(tail -5 "$spool/dash2/ts.log" 2>/dev/null)" \
    "$(tail -5 "$spool/dash2/cmaf.log" 2>/dev/null)" \
    "$(ffprobe -v error -show_entries \
    stream=index,id,codec_type,codec_name:stream_tags=language -of compact \
    "$T_TMP/dash2.ts" 2>&1 | sort -u)"

# Players in Chromium, each fed by the session (not passed through). A
# profile that wants fMP4 makes the HLS-TS source's HLS client a CMAF one;
# the page comes from the upstream's lighttpd (sd-serve's has no /play/).
if [ -x /usr/bin/chromium ] &&
    [ -d "$SD_TOP/tests/node_modules/playwright-core" ]; then
	printf '[Cmaf]\nvideo_codec = copy\naudio_codec = copy\ncontainer_format = fmp4\n' \
	    >"$conf/profiles.ini"
	serve_proxy "$conf" hlscmaf "$web_url/hls/channel.m3u8" \
	    "profile = Cmaf"
	export PLAY_ORIGIN=$web_url
	t_browser_play hls "$base/hlscmaf/master.m3u8" 6 \
	    "hls: hls.js plays 6 s of the HLS-TS source as CMAF"
	t_ok "$([ -f "$spool/hlscmaf/cmaf.state" ] && echo 0 || echo 1)" \
	    "hls: the HLS client was fed by the session's CMAF store"
	[ -f "$spool/hlscmaf/cmaf.state" ] || t_diag "$(ls "$spool/hlscmaf")"
	t_browser_play hls "$base/dash/master.m3u8" 6 \
	    "dash: hls.js plays 6 s of the DASH source"
	t_browser_play dash "$base/hls/manifest.mpd" 6 \
	    "hls: dash.js plays 6 s of the HLS source"
else
	t_skip 4 "needs chromium and playwright-core"
fi

# ---- HLS with TS segments and nothing only ffmpeg reads (no rendition,
# no key, no fMP4, no byte range): the session's own reader
# (upstream_hls.c) fetches each segment once, the two newest first, into
# the ring; segments that 404 are an upstream error with a growing backoff.
mkdir -p "$web/own" "$web/bad/real"
serve_src_live "$media" -c copy -f hls -hls_time 1 -hls_list_size 6 \
    -hls_flags delete_segments "$web/own/live.m3u8"
# (the bad source names its segments under seg/, a link that goes away)
ln -s real "$web/bad/seg"
serve_src_live "$media" -c copy -f hls -hls_time 1 -hls_list_size 6 \
    -hls_flags delete_segments -hls_base_url seg/ \
    -hls_segment_filename "$web/bad/real/b%d.ts" "$web/bad/live.m3u8"
printf '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=2000000,RESOLUTION=640x360\nlive.m3u8\n' \
    >"$web/own/master.m3u8"
t_wait 20 '[ -s "$web/own/live.m3u8" ] && [ -s "$web/bad/live.m3u8" ]'
t_ok $? "ffmpeg writes two more live HLS sources (TS segments)"
serve_proxy "$conf" own "$web_url/own/master.m3u8" "profile = Universal" \
    "user_agent = sd-own-agent/2"
# (the same source with fMP4 wanted: its HLS client is fed by the
# session, not passed through; a TS client is refused there)
printf '\n[OwnCmaf]\nvideo_codec = copy\naudio_codec = copy\ncontainer_format = fmp4\n' \
    >>"$conf/profiles.ini"
serve_proxy "$conf" ownc "$web_url/own/master.m3u8" "profile = OwnCmaf" \
    "user_agent = sd-own-agent/2"
serve_proxy "$conf" bad "$web_url/bad/live.m3u8" "profile = Universal"

T_GST_MAX=60
t_gst_start "$base/ownc/master.m3u8" 6
g1=$T_GST_PID l1=$T_GST_LOG
t_gst_start "$base/own/manifest.mpd" 6
g2=$T_GST_PID l2=$T_GST_LOG
T_GST_MAX=
t_wait 30 '[ -f "$spool/ownc/cmaf.state" ] &&
    grep -q "^ingest=" "$spool/ownc/ts.state" 2>/dev/null'
t_ok $? "ownc: the HLS client is fed by the session's CMAF store"
t_is "$(serve_state ownc ingest)" hls "ownc: the state says ingest=hls"
serve_ts_get own
serve_ts_decodes own
t_is "$(serve_state own ingest)" hls \
    "own: the state says ingest=hls (the session's own reader)"
t_is "$(serve_state own connections)" 1 "own: one upstream session"
t_like "$(cat "$spool/own/ts.log" 2>/dev/null)" \
    'own: HLS variant 0, 2000000 bit/s' "own: the master's variant is read"
t_gst_wait "$g1" "$l1" "$base/ownc/master.m3u8" 6 \
    "ownc: GStreamer plays 6 s of master.m3u8 (CMAF from the session)"
t_gst_wait "$g2" "$l2" "$base/own/manifest.mpd" 6 \
    "own: GStreamer plays 6 s of manifest.mpd"
uas=$(grep ' /own/' "$T_TMP/access.log" | sed 's/.*"\(.*\)"$/\1/' |
    sort -u | tr '\n' '|')
t_is "$uas" "sd-own-agent/2|" \
    "own: every upstream request has the proxy's User-Agent"
# (two proxies: each one's sd-classify probes the first segments, each
# one's session reads a segment once, whatever its viewers)
many=$(grep -o 'GET /own/live[0-9]*\.ts' "$T_TMP/access.log" | sort |
    uniq -c | awk '$1 > 4' | wc -l)
t_is "$many" 0 "own: no segment read more than once by a session"

# The HLS source above (its audio in a rendition's playlist) is ffmpeg's.
curl -s --max-time "$(t_secs 20)" -o /dev/null "$base/hls/stream.ts" &
hls_client=$!
t_wait 20 'grep -q "^ingest=" "$spool/hls/ts.state" 2>/dev/null'
t_is "$(serve_state hls ingest)" ffmpeg \
    "hls (an audio rendition): the state says ingest=ffmpeg"
t_like "$(serve_state hls ingest_reason)" "rendition" \
    "hls: ingest_reason names the rendition"
kill "$hls_client" 2>/dev/null
wait "$hls_client" 2>/dev/null

# Segments that 404: the session runs, then its segments go away.
curl -s --max-time "$(t_secs 40)" -o "$T_TMP/bad.ts" \
    "$base/bad/stream.ts" &
bad_client=$!
t_wait 30 '[ -s "$T_TMP/bad.ts" ]'
t_ok $? "bad: the TS client gets data while the segments are there"
rm "$web/bad/seg"
t_wait 30 'curl -s "$base/status" |
    grep -q "\"proxy\":\"bad\",\"variant\":\"ts\",\"state\":\"down\""'
t_ok $? "bad: the session is down once its segments 404"
t_like "$(curl -s "$base/status")" \
    '"proxy":"bad","variant":"ts".*"last_error":"segment [0-9]*: HTTP 404"' \
    "bad: /status's last_error names the segment's 404"
ra=$(serve_state bad retry_after)
t_at_least "${ra:-0}" 2 "bad: the backoff grew (retry_after $ra s)"
kill "$bad_client" 2>/dev/null
wait "$bad_client" 2>/dev/null
t_done
