#!/bin/sh
# transcode.t - the system profiles end to end: Universal (H.264 + AAC) and
# Efficiency (HEVC + AAC, fMP4 only) decided, run as ffmpeg | sd-cmafmux
# through sd-batch, and the outputs checked with ffprobe.
. "${0%/*}/lib.sh"
. "${0%/*}/transcode.sh"

# tc_profile SOURCE PROFILE VCODEC ACODEC VACTION AACTION: one profile on one
# source for an HLS client, checked from the decision to the store.
tc_profile() {
	src=$1 prof=$2 vcodec=$3 acodec=$4 vact=$5 aact=$6
	what="$prof on ${src##*/}"
	tc_decide "$src" hls "$prof"
	t_is "$TC_RC" 0 "$what: sd-decide exit status"
	t_is "$(tc_get delivery)" transcode "$what: delivery"
	t_is "$(tc_get container)" fmp4 "$what: container"
	t_is "$(tc_get video)" "$vact" "$what: video"
	t_is "$(tc_get audio)" "$aact" "$what: audio"
	t_like "$TC_ARGV" "^$vact\$" "$what: the argv names the video encoder"

	tc_batch "$prof" "$src"
	t_is "$T_RC" 0 "$what: sd-batch exit status"
	[ "$T_RC" -eq 0 ] || t_diag "$T_OUT" "$T_ERR"
	st=$(tc_store "$src")
	t_like "$(cat "$st/index" 2>/dev/null)" '^store .*ended=1' "$what: store ended"
	t_unlike "$(cat "$st/index" 2>/dev/null)" 'type=mpegts' "$what: no MPEG-TS track"
	t_is "$(find "$st" -name '*.ts' | wc -l)" 0 "$what: no .ts segment"

	tc_track "$st" video "$T_TMP/v.mp4"
	t_is "$(tc_probe "$T_TMP/v.mp4" stream=codec_name)" "codec_name=$vcodec" \
	    "$what: ffprobe: video is $vcodec"
	t_like "$(tc_probe "$T_TMP/v.mp4" format=format_name)" 'mp4' \
	    "$what: ffprobe: video in MP4"
	tc_track "$st" audio "$T_TMP/a.mp4"
	t_is "$(tc_probe "$T_TMP/a.mp4" stream=codec_name)" "codec_name=$acodec" \
	    "$what: ffprobe: audio is $acodec"
	t_like "$(tc_probe "$T_TMP/a.mp4" format=format_name)" 'mp4' \
	    "$what: ffprobe: audio in MP4"
	t_is "$(tc_probe "$T_TMP/v.mp4" stream=width,height)" \
	    "$(printf 'width=320\nheight=180')" "$what: size kept"
	# The whole stream decodes without an error.
	t_run -- ffmpeg -nostdin -v error -i "$st/master.m3u8" -map 0 -f null -
	t_is "$T_RC:$T_ERR" "0:" "$what: ffmpeg decodes the HLS master"
}

# Universal: VP9 + Opus in, both tracks encoded; an HEVC source keeps its
# AAC and has only its video made H.264.
vp9=$(tc_media vp9-opus.webm)
hevc=$(tc_media hevc-aac.ts)
h264=$(tc_media h264-aac.ts)
tc_profile "$vp9" Universal h264 aac libx264 aac
tc_profile "$hevc" Universal h264 aac libx264 copy
# Efficiency: HEVC + AAC in fMP4; the AAC is kept.
tc_profile "$h264" Efficiency hevc aac libx265 copy
t_like "$(cat "$(tc_store "$h264")/master.m3u8")" 'CODECS="(hvc1|hev1)\.' \
    "Efficiency: the master says HEVC"

# A TS client cannot take Efficiency (fMP4 only) or VP9: refused, with the
# documented status 3, delivery=refused and a reason to act on.
for prof in Efficiency VP9Opus; do
	tc_decide "$h264" ts "$prof"
	t_is "$TC_RC" 3 "$prof for a TS client: sd-decide exits 3"
	t_is "$(tc_get delivery)" refused "$prof for a TS client: delivery=refused"
	t_like "$(tc_get reason)" '[Ff]MP4|fmp4' "$prof for a TS client: the reason names fMP4"
	t_is "$TC_ARGV" "" "$prof for a TS client: no ffmpeg command"
done
t_done
