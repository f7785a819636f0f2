#!/bin/sh
# relay-pass.t - HLS to HLS and DASH to DASH passthrough: live HLS and DASH
# sources (ffmpeg's own muxers, paced in real time, served by
# tests/upstream.pl, which logs every request), their manifests rewritten
# through a CGI (the test driver under lighttpd), every segment fetched once
# however many players, GStreamer playing both for 20 s, hostile names
# refused, the cache removed with the session.
. "${0%/*}/lib.sh"
. "${0%/*}/play.sh"

D="$SD_BUILD/tests/drive/relay"
UP="$SD_TOP/tests/upstream.pl"
PORT=$(t_free_port)
U="http://127.0.0.1:$PORT"
SPOOL="$T_TMP/spool"
mkdir -p "$T_TMP/up/files/hls" "$SPOOL"
[ -x "$SD_BUILD/bin/sd-cmafmux" ] || { t_skip 1 "bin/sd-cmafmux not built"; t_done; exit 0; }

# Live sources: ffmpeg writes HLS and DASH windows in real time.
src="-re -f lavfi -i testsrc2=size=320x180:rate=25 -f lavfi -i sine=frequency=440:sample_rate=48000
-c:v libx264 -preset veryfast -g 50 -keyint_min 50 -sc_threshold 0 -pix_fmt yuv420p -c:a aac -b:a 64k"
# shellcheck disable=SC2086
t_bg ffmpeg -nostdin -loglevel error $src -f hls -hls_time 2 -hls_list_size 6 \
    -hls_flags delete_segments -master_pl_name master.m3u8 "$T_TMP/up/files/hls/index.m3u8"
# The DASH source: sd-cmafmux's live store (GStreamer 1.22 calls ffmpeg's
# own live MPD application/xml: its MPD start tag is too long for the
# typefinder), written from a TS that ffmpeg paces in real time.
mkfifo "$T_TMP/dash.fifo"
t_bg "$SD_BUILD/bin/sd-cmafmux" -l -d 2 -w 6 -o "$T_TMP/up/files/dash" "$T_TMP/dash.fifo"
# shellcheck disable=SC2086
t_bg ffmpeg -nostdin -loglevel fatal $src -f mpegts -y "$T_TMP/dash.fifo"
t_bg perl "$UP" -p "$PORT" -d "$T_TMP/up"

# The test driver as a CGI at /r.
cgi=$(cat <<EOF
\$HTTP["url"] =~ "^/r(/|\$)" {
	alias.url = ( "/r" => "$D" )
	cgi.assign = ( "$D" => "" )
}
setenv.add-environment = ( "RELAY_SPOOL" => "$SPOOL",
    "RELAY_SOURCE_hls" => "$U/files/hls/master.m3u8",
    "RELAY_SOURCE_dash" => "$U/files/dash/manifest.mpd",
    "ASAN_OPTIONS" => "$ASAN_OPTIONS", "UBSAN_OPTIONS" => "$UBSAN_OPTIONS" )
EOF
)
serve_dir "$T_TMP" 'server.modules += ( "mod_cgi" )' "$cgi" || exit 1
W="$SERVE_URL/r"
sources_up() {
	[ -s "$T_TMP/up/files/hls/index.m3u8" ] &&
	    [ -s "$T_TMP/up/files/dash/manifest.mpd" ] &&
	    [ "$(grep -c '^seg track=v0' "$T_TMP/up/files/dash/index" 2>/dev/null)" -ge 2 ] &&
	    [ "$(grep -c EXTINF "$T_TMP/up/files/hls/index.m3u8" 2>/dev/null)" -ge 3 ]
}
t_wait 15 sources_up

# ---------------------------------------------------------------- manifests
t_run -- curl -sS -f "$W/hls/master.m3u8"
t_is "$T_RC" 0 "HLS master through the CGI"
t_like "$T_OUT" '^/r/hls/p/[0-9a-f]{16}\.m3u8$' "master: the media playlist URI goes through sd-serve"
t_unlike "$T_OUT" "127\.0\.0\.1:$PORT" "master: no upstream URL left"
media=$(echo "$T_OUT" | grep '^/r/' | head -1)
t_run -- curl -sS -f "$SERVE_URL$media"
t_like "$T_OUT" '^/r/hls/s/[0-9a-f]{16}\.ts$' "media playlist: segment URIs go through sd-serve"
t_like "$T_OUT" '^#EXT-X-MEDIA-SEQUENCE:' "media playlist: the upstream's tags kept"
seg=$(echo "$T_OUT" | grep '^/r/' | tail -1)
curl -sS -f -o "$T_TMP/seg1.ts" "$SERVE_URL$seg"
t_ok $? "a segment through the CGI"
t_run -- ffprobe -v error -show_entries stream=codec_name -of csv=p=0 "$T_TMP/seg1.ts"
t_is "$(echo "$T_OUT" | grep . | sort -u | tr '\n' ' ')" "aac h264 " "ffprobe reads it: h264 + aac"
t_run -- curl -sS -f "$W/dash/manifest.mpd"
t_is "$T_RC" 0 "DASH MPD through the CGI"
echo "$T_OUT" >"$T_TMP/mpd.xml"
xmllint --noout "$T_TMP/mpd.xml" 2>/dev/null
t_ok $? "DASH MPD: well-formed (xmllint)"
t_like "$T_OUT" '<BaseURL>/r/dash/d/[0-9a-f]{16}/</BaseURL>' "DASH MPD: a BaseURL through sd-serve"

# ---------------------------------------------------------------- hostile
for bad in "s/0123456789abcdef.ts" "s/zz" "d/0123456789abcdef/x.m4s" \
    "p/0123456789abcdef.m3u8" "s/..%2f..%2fetc%2fpasswd"; do
	code=$(curl -s -o /dev/null -w '%{http_code}' "$W/hls/$bad")
	t_is "$code" 404 "hostile name $bad: 404"
done
h=$(grep -o 'd/[0-9a-f]*/' "$T_TMP/mpd.xml" | head -1)
code=$(curl -s -o /dev/null -w '%{http_code}' --path-as-is "$W/dash/${h}../../../etc/passwd")
t_is "$code" 404 "a known folder with ../ after it: 404"

# ---------------------------------------------------------------- players
# Three players at once, 14 s of media each.
T_GST_MAX=60
t_gst_start "$W/hls/master.m3u8" 14
g1=$T_GST_PID l1=$T_GST_LOG
t_gst_start "$W/hls/master.m3u8" 14
g2=$T_GST_PID l2=$T_GST_LOG
t_gst_start "$W/dash/manifest.mpd" 14
g3=$T_GST_PID l3=$T_GST_LOG
T_GST_MAX=
t_gst_wait "$g1" "$l1" "$W/hls/master.m3u8" 14 \
    "GStreamer 1 plays 14 s of the HLS passthrough"
t_gst_wait "$g2" "$l2" "$W/hls/master.m3u8" 14 \
    "GStreamer 2 plays 14 s of the HLS passthrough"
t_gst_wait "$g3" "$l3" "$W/dash/manifest.mpd" 14 \
    "GStreamer 3 plays 14 s of the DASH passthrough"

# Each segment fetched once from the source, whatever the players asked.
for kind in 'hls/.*\.ts' 'dash/.*\.m4s'; do
	total=$(awk -v re="^/files/$kind\$" '$3 ~ re' "$T_TMP/up/connections" | wc -l)
	distinct=$(awk -v re="^/files/$kind\$" '$3 ~ re { print $3 }' "$T_TMP/up/connections" | sort -u | wc -l)
	t_ok "$([ "$total" -gt 5 ]; echo $?)" "$kind: the players fetched $total segments"
	t_is "$total" "$distinct" "$kind: each fetched once from the source"
done

# ---------------------------------------------------------------- reaping
t_wait 15 '[ ! -e "$SPOOL/hls/pass" ] && [ ! -e "$SPOOL/dash/pass" ]'
t_ok $? "idle: the passthrough caches are removed"

t_done
