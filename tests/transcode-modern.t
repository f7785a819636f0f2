#!/bin/sh
# transcode-modern.t - custom profiles VP9 + Opus and AV1 + Opus (SVT-AV1
# and libaom in realtime mode) from a test profiles.ini: decided, run as
# ffmpeg | sd-cmafmux, checked with ffprobe; VP9, AV1 and Opus only ever in
# fMP4 (no .ts segment, no -f mpegts in the argv, even with sd-batch -T).
. "${0%/*}/lib.sh"
. "${0%/*}/transcode.sh"

src=$(tc_media h264-ac3.ts)

# tc_modern PROFILE VENC VCODEC CODECS_ERE: PROFILE on the H.264 + AC-3
# source for an HLS client that would also take TS segments (-T).
tc_modern() {
	prof=$1 venc=$2 vcodec=$3 codecs=$4
	tc_decide "$src" hls "$prof"
	t_is "$TC_RC" 0 "$prof: sd-decide exit status"
	t_is "$(tc_get delivery)" transcode "$prof: delivery"
	t_is "$(tc_get container)" fmp4 "$prof: container fmp4"
	t_is "$(tc_get video)" "$venc" "$prof: video encoder"
	t_is "$(tc_get audio)" libopus "$prof: audio encoder"
	# The pipe to sd-cmafmux is never MPEG-TS for these codecs.
	t_unlike "$(printf '%s\n' "$TC_ARGV" | tr '\n' ' ')" '-f mpegts' \
	    "$prof: no -f mpegts in the argv"
	t_like "$(printf '%s\n' "$TC_ARGV" | tr '\n' ' ')" \
	    '-f (matroska|webm|mp4|nut) ' "$prof: the pipe carries the codec"

	tc_batch "$prof" "$src" -T
	t_is "$T_RC" 0 "$prof: sd-batch -T exit status"
	[ "$T_RC" -eq 0 ] || t_diag "$T_OUT" "$T_ERR"
	st=$(tc_store "$src")
	idx=$(cat "$st/index" 2>/dev/null)
	t_like "$idx" '^store .*ended=1' "$prof: store ended"
	t_unlike "$idx" 'type=mpegts' "$prof: no MPEG-TS track, even with -T"
	t_is "$(find "$st" -name '*.ts' | wc -l)" 0 "$prof: no .ts file"
	t_is "$(ls "$st" | grep -c 'master-ts')" 0 "$prof: no HLS v3 (TS) master"

	tc_track "$st" video "$T_TMP/v.mp4"
	t_is "$(tc_probe "$T_TMP/v.mp4" stream=codec_name)" "codec_name=$vcodec" \
	    "$prof: ffprobe: video is $vcodec"
	t_like "$(tc_probe "$T_TMP/v.mp4" format=format_name)" mp4 \
	    "$prof: ffprobe: video in fMP4"
	tc_track "$st" audio "$T_TMP/a.mp4"
	t_is "$(tc_probe "$T_TMP/a.mp4" stream=codec_name)" "codec_name=opus" \
	    "$prof: ffprobe: audio is Opus"
	t_like "$(tc_probe "$T_TMP/a.mp4" format=format_name)" mp4 \
	    "$prof: ffprobe: audio in fMP4"
	# The profile's 300k video (Opus: its 64k, or libopus' default 64k).
	vb=$(tc_bitrate "$T_TMP/v.mp4")
	tc_within "$vb" 300000 30 "$prof: video bit rate near 300k ($vb)"
	ab=$(tc_bitrate "$T_TMP/a.mp4")
	tc_within "$ab" 64000 25 "$prof: audio bit rate near 64k ($ab)"
	t_like "$(cat "$st/master.m3u8" 2>/dev/null)" "CODECS=\"[^\"]*$codecs" \
	    "$prof: the master's CODECS"
	t_like "$(cat "$st/master.m3u8" 2>/dev/null)" 'CODECS="[^"]*opus' \
	    "$prof: the master's CODECS have Opus"
	t_run -- ffmpeg -nostdin -v error -i "$st/manifest.mpd" -map 0 -f null -
	t_is "$T_RC:$T_ERR" "0:" "$prof: ffmpeg decodes the MPD"
	# sd-batch -F redoes it next time: make room for the next profile.
	rm -rf "$st"
}

tc_modern VP9Opus libvpx-vp9 vp9 'vp09\.'
tc_modern AV1Opus libsvtav1 av1 'av01\.'
tc_modern AV1aom libaom-av1 av1 'av01\.'
t_like "$(grep -F -- '-usage' "$TC_FFLOG")" '-usage realtime' \
    "libaom ran in realtime mode"

# A profile that asks for VP9 in MPEG-TS does not load.
cat >"$T_TMP/bad.ini" <<'EOF'
[VP9TS]
video_codec = libvpx-vp9
audio_codec = libopus
container_format = mpegts
EOF
mkdir -p "$T_TMP/badconf"
cp "$T_TMP/bad.ini" "$T_TMP/badconf/profiles.ini"
sd-classify "$src" >"$T_TMP/c.rec" 2>/dev/null
t_run -i "$T_TMP/c.rec" -- sd-decide -C "$T_TMP/badconf" -f hls -p VP9TS
t_is "$T_RC" 78 "VP9 in MPEG-TS: a configuration error"
t_like "$T_ERR" 'profiles\.ini:[0-9]+:' "VP9 in MPEG-TS: the error names file:line"
t_done
