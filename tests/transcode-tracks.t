#!/bin/sh
# transcode-tracks.t - decisions per track under Universal: an H.264 + MP2
# or H.264 + AC-3 source keeps its video bitstream unchanged (decoded frames
# and compressed packets hash as the source's) and has AAC audio; an
# H.264 + AAC source is not transcoded at all (no ffmpeg runs).
. "${0%/*}/lib.sh"
. "${0%/*}/transcode.sh"

# tc_audio_only SOURCE ACODEC: Universal on SOURCE copies the video and
# encodes ACODEC audio to AAC.
tc_audio_only() {
	src=$1 what="Universal on ${1##*/} ($2)"
	tc_decide "$src" hls Universal
	t_is "$TC_RC" 0 "$what: sd-decide exit status"
	t_is "$(tc_get delivery)" transcode "$what: delivery"
	t_is "$(tc_get video)" copy "$what: video=copy"
	t_is "$(tc_get audio)" aac "$what: audio=aac"
	argv=$(printf '%s\n' "$TC_ARGV" | tr '\n' ' ')
	t_like "$argv" '-c:v copy ' "$what: the argv copies the video"
	t_unlike "$argv" 'libx264' "$what: the argv encodes no video"

	: >"$TC_FFLOG"
	tc_batch Universal "$src"
	t_is "$T_RC" 0 "$what: sd-batch exit status"
	[ "$T_RC" -eq 0 ] || t_diag "$T_OUT" "$T_ERR"
	t_is "$(wc -l <"$TC_FFLOG")" 1 "$what: ffmpeg ran once"
	st=$(tc_store "$src")
	tc_track "$st" video "$T_TMP/v.mp4"
	tc_track "$st" audio "$T_TMP/a.mp4"
	tc_frames "$src" v:0 >"$T_TMP/src.frames"
	tc_frames "$T_TMP/v.mp4" v:0 >"$T_TMP/out.frames"
	t_is "$(wc -l <"$T_TMP/out.frames")" "$(wc -l <"$T_TMP/src.frames")" \
	    "$what: as many video frames as the source"
	t_is "$(md5sum <"$T_TMP/out.frames")" "$(md5sum <"$T_TMP/src.frames")" \
	    "$what: decoded frames hash as the source's (framemd5)"
	tc_packets "$src" v:0 >"$T_TMP/src.pkts"
	tc_packets "$T_TMP/v.mp4" v:0 >"$T_TMP/out.pkts"
	t_is "$(wc -l <"$T_TMP/out.pkts")" "$(wc -l <"$T_TMP/src.pkts")" \
	    "$what: as many video packets as the source"
	t_is "$(md5sum <"$T_TMP/out.pkts")" "$(md5sum <"$T_TMP/src.pkts")" \
	    "$what: compressed packets hash as the source's (-c copy -f framemd5)"
	[ -s "$T_TMP/src.pkts" ] || t_diag "no packets read from $src"
	t_is "$(tc_params "$T_TMP/v.mp4")" "$(tc_params "$src")" \
	    "$what: the same SPS and PPS"
	t_is "$(tc_probe "$T_TMP/a.mp4" stream=codec_name)" codec_name=aac \
	    "$what: audio is AAC"
	t_is "$(tc_probe "$src" stream=codec_name a:0)" "codec_name=$2" \
	    "$what: (the source's audio is $2)"
	# The AAC lasts as long as the source's audio, within the encoder's
	# priming and last frame (2 x 1024 samples, 43 ms: under 2% of 3 s).
	tc_within "$(tc_audio_secs "$T_TMP/a.mp4")" "$(tc_audio_secs "$src")" 2 \
	    "$what: as much audio as the source"
}

tc_audio_only "$(tc_media h264-mp2.ts)" mp2
tc_audio_only "$(tc_media h264-ac3.ts)" ac3

# H.264 + AAC is what Universal asks for: repackaged, nothing encoded.
src=$(tc_media h264-aac.ts)
tc_decide "$src" hls Universal
t_is "$TC_RC" 0 "Universal on H.264 + AAC: sd-decide exit status"
t_like "$(tc_get delivery)" '^(repackage|passthrough)$' \
    "Universal on H.264 + AAC: delivery is not transcode"
t_is "$(tc_get video):$(tc_get audio)" copy:copy "Universal on H.264 + AAC: both copied"
t_is "$TC_ARGV" "" "Universal on H.264 + AAC: no ffmpeg command"
: >"$TC_FFLOG"
tc_batch Universal "$src"
t_is "$T_RC" 0 "Universal on H.264 + AAC: sd-batch exit status"
t_like "$T_OUT" 'done repackage|done passthrough' "Universal on H.264 + AAC: sd-batch repackaged"
t_is "$(wc -l <"$TC_FFLOG")" 0 "Universal on H.264 + AAC: ffmpeg never ran"
st=$(tc_store "$src")
tc_track "$st" video "$T_TMP/v.mp4"
t_is "$(tc_packets "$T_TMP/v.mp4" v:0 | md5sum)" "$(tc_packets "$src" v:0 | md5sum)" \
    "Universal on H.264 + AAC: video packets unchanged"
t_is "$(tc_params "$T_TMP/v.mp4")" "$(tc_params "$src")" \
    "Universal on H.264 + AAC: the same SPS and PPS"
tc_track "$st" audio "$T_TMP/a.mp4"
t_is "$(tc_packets "$T_TMP/a.mp4" a:0 | md5sum)" "$(tc_packets "$src" a:0 | md5sum)" \
    "Universal on H.264 + AAC: audio packets unchanged"

# A recording whose audio stops before the video's last keyframe (a
# recorder cut it so): every video frame still reaches the store.
ffmpeg -nostdin -v error -y -i "$src" -t 1.9 -i "$src" -map 0:v -map 1:a \
    -c copy -f mpegts "$T_TMP/short-audio.ts"
tc_batch Universal "$T_TMP/short-audio.ts"
t_is "$T_RC" 0 "audio shorter than video: sd-batch exit status"
rm -f "$T_TMP/v.mp4"
tc_track "$(tc_store "$T_TMP/short-audio.ts")" video "$T_TMP/v.mp4"
t_is "$(tc_frames "$T_TMP/v.mp4" v:0 | md5sum)" "$(tc_frames "$src" v:0 | md5sum)" \
    "audio shorter than video: every video frame is in the store"
t_done
