#!/bin/sh
# The player harness (tests/play.sh) itself: every helper passes on FFmpeg's
# own HLS (fMP4) and DASH output of a short H.264/AAC TS, our reference of
# output the players take, and fails on broken playlists and segments, so a
# helper that passes in the other tests means its player played.
. "${0%/*}/lib.sh"
. "${0%/*}/play.sh"

src=$("$SD_TOP/scripts/gen-media" -t 6 h264-aac.ts) || exit 1
ref="$T_TMP/ref"
bad="$T_TMP/bad"
mkdir -p "$ref" "$bad"
(cd "$ref" &&
ffmpeg -nostdin -v error -i "$src" -map 0 -c copy -bsf:a aac_adtstoasc \
    -f hls -hls_segment_type fmp4 -hls_time 2 -hls_playlist_type vod \
    -hls_segment_filename 'h%d.m4s' -hls_fmp4_init_filename hinit.mp4 \
    media.m3u8 &&
ffmpeg -nostdin -v error -i "$src" -map 0 -c copy -bsf:a aac_adtstoasc \
    -tag:v avc1 -tag:a mp4a -f dash -seg_duration 2 manifest.mpd)
t_is "$?" 0 "FFmpeg writes the reference HLS and DASH"

# Broken copies: an HLS segment of random bytes, a DASH segment that is an
# empty moof box (random bytes can read as the start of a huge box, which
# Chromium waits for instead of failing), playlists that name missing files
# or break the rules, a truncated MPD.
cp "$ref"/* "$bad"/
head -c 30000 /dev/urandom >"$bad/h1.m4s"
printf '\000\000\000\020moof\000\000\000\000\000\000\000\000' \
    >"$bad/chunk-stream0-00002.m4s"
printf 'not a playlist\n' >"$bad/garbage.m3u8"
sed 's/^h\([0-9]\)\.m4s$/gone\1.m4s/' "$ref/media.m3u8" >"$bad/missing.m3u8"
sed 's/^#EXTINF:2\.0*,/#EXTINF:5.000000,/' "$ref/media.m3u8" >"$bad/long.m3u8"
head -c 400 "$ref/manifest.mpd" >"$bad/trunc.mpd"
sed 's/media="chunk-/media="gone-/' "$ref/manifest.mpd" >"$bad/missing.mpd"

serve_dir "$T_TMP"
t_is "$?" 0 "lighttpd serves the test folder"
u="$SERVE_URL/ref" b="$SERVE_URL/bad"

t_ffmpeg_reads "$u/media.m3u8" "ffmpeg reads FFmpeg's HLS"
t_ffmpeg_reads "$u/manifest.mpd" "ffmpeg reads FFmpeg's MPD"
t_hls_strict "$ref/media.m3u8"
t_xmllint_mpd "$ref/manifest.mpd" "xmllint takes FFmpeg's MPD"
t_gst_play "$u/media.m3u8" "" "GStreamer plays FFmpeg's HLS to EOS"
t_near "$T_GST_VPTS" 6 0.5 "... to its last frame"
t_gst_play "$u/manifest.mpd" "" "GStreamer plays FFmpeg's MPD to EOS"
t_browser_play hls "$u/media.m3u8" "" "hls.js plays FFmpeg's HLS to the end"
t_near "$T_PLAY_TIME" 6 0.5 "... and stops at its end"
t_browser_play dash "$u/manifest.mpd" "" "dash.js plays FFmpeg's MPD to the end"

t_fails "ffmpeg fails on a playlist that is not one" \
    t_ffmpeg_reads "$b/garbage.m3u8"
t_fails "ffmpeg fails on a playlist of missing segments" \
    t_ffmpeg_reads "$b/missing.m3u8"
t_fails "hls-parser (strict) fails on EXTINF above TARGETDURATION" \
    t_hls_strict "$bad/long.m3u8"
t_fails "hls-parser (strict) fails on a file that is not a playlist" \
    t_hls_strict "$bad/garbage.m3u8"
t_fails "xmllint fails on a truncated MPD" t_xmllint_mpd "$bad/trunc.mpd"
t_fails "xmllint fails on a playlist given as an MPD" \
    t_xmllint_mpd "$bad/media.m3u8"
t_fails "GStreamer fails on a segment of random bytes" \
    t_gst_play "$b/media.m3u8" ""
t_fails "GStreamer fails on missing segments" t_gst_play "$b/missing.m3u8" ""
# dashdemux retries a missing segment for ever: no EOS is its failure.
T_GST_MAX=20
t_fails "GStreamer fails on an MPD of missing segments" \
    t_gst_play "$b/missing.mpd" ""
T_GST_MAX=
t_fails "hls.js fails on a segment of random bytes" \
    t_browser_play hls "$b/media.m3u8" ""
t_fails "dash.js fails on a segment that is an empty moof" \
    t_browser_play dash "$b/manifest.mpd" ""
t_done
