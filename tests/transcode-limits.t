#!/bin/sh
# transcode-limits.t - what a profile sets is what the output has: video and
# audio bitrates, maxrate/bufsize, size and frame-rate limits, preset and
# crf (ffprobe on the output, and the settings x264 itself records in its
# SEI, compared with what x264 does for the same preset on its own).
. "${0%/*}/lib.sh"
. "${0%/*}/transcode.sh"

# x264_opts FILE KEY...: KEY=VALUE of each KEY from the x264 options string
# in FILE's video stream, one a line.
x264_opts() {
	_f=$1
	shift
	ffmpeg -nostdin -v error -i "$_f" -map 0:v:0 -c copy -f h264 - |
	    strings | grep -o 'options: .*' | head -n 1 | tr ' ' '\n' >"$T_TMP/.opts"
	for _k in "$@"; do
		grep "^$_k=" "$T_TMP/.opts" || echo "$_k=(missing)"
	done
}

# The source: H.264 + AC-3, 320x180 at 25 fps, so both tracks are encoded.
src=$(tc_media h264-ac3.ts)

tc_decide "$src" hls Limits
argv=" $(printf '%s\n' "$TC_ARGV" | tr '\n' ' ')"
t_is "$TC_RC" 0 "Limits: sd-decide exit status"
t_is "$(tc_get video):$(tc_get audio)" libx264:aac "Limits: both tracks encoded"
for want in '-b:v 250000 ' '-maxrate 300000 ' '-bufsize 600000 ' \
    '-preset veryfast ' '-r 15 ' '-b:a 64000 ' '-ac 1 ' '-ar 44100 ' \
    'scale=[^ ]*256[^ ]*144'; do
	t_like "$argv" "$want" "Limits: the argv has $want"
done

tc_batch Limits "$src"
t_is "$T_RC" 0 "Limits: sd-batch exit status"
[ "$T_RC" -eq 0 ] || t_diag "$T_OUT" "$T_ERR"
st=$(tc_store "$src")
tc_track "$st" video "$T_TMP/v.mp4"
tc_track "$st" audio "$T_TMP/a.mp4"
t_is "$(tc_probe "$T_TMP/v.mp4" stream=width,height,r_frame_rate)" \
    "$(printf 'width=256\nheight=144\nr_frame_rate=15/1')" \
    "Limits: ffprobe: 256x144 (aspect kept) at 15 fps"
t_is "$(tc_probe "$T_TMP/a.mp4" stream=codec_name,sample_rate,channels)" \
    "$(printf 'codec_name=aac\nsample_rate=44100\nchannels=1')" \
    "Limits: ffprobe: AAC mono at 44.1 kHz"
vb=$(tc_bitrate "$T_TMP/v.mp4")
tc_within "$vb" 250000 30 "Limits: video bit rate near 250k ($vb)"
t_ok "$([ "$vb" -le 330000 ] && echo 0 || echo 1)" "Limits: video under maxrate + 10% ($vb)"
ab=$(tc_bitrate "$T_TMP/a.mp4")
tc_within "$ab" 64000 15 "Limits: audio bit rate near 64k ($ab)"
t_is "$(x264_opts "$T_TMP/v.mp4" rc bitrate vbv_maxrate vbv_bufsize)" \
    "$(printf 'rc=abr\nbitrate=250\nvbv_maxrate=300\nvbv_bufsize=600')" \
    "Limits: x264 ran with the profile's rate control"
# The preset's own analysis settings, as x264 chooses them for veryfast.
keys="ref me subme trellis analyse mixed_ref"
ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=256x144:rate=15 \
    -frames:v 1 -c:v libx264 -preset veryfast -f mp4 "$T_TMP/preset.mp4"
# shellcheck disable=SC2086
t_is "$(x264_opts "$T_TMP/v.mp4" $keys)" "$(x264_opts "$T_TMP/preset.mp4" $keys)" \
    "Limits: x264 ran with preset veryfast"

# crf: the quality the profile names; a lower crf spends more bits. (HEVC
# in: H.264 would be copied, a crf being no limit the source breaks.)
hevc=$(tc_media hevc-aac.ts)
st=$(tc_store "$hevc")
for prof in Crf40 Crf18; do
	tc_decide "$hevc" hls "$prof"
	n=${prof#Crf}
	argv=" $(printf '%s\n' "$TC_ARGV" | tr '\n' ' ')"
	t_like "$argv" "-crf $n " "$prof: the argv has -crf $n"
	t_unlike "$argv" '-b:v ' "$prof: no bitrate beside the crf"
	tc_batch "$prof" "$hevc"
	t_is "$T_RC" 0 "$prof: sd-batch exit status"
	mv "$st" "$T_TMP/$prof"
	tc_track "$T_TMP/$prof" video "$T_TMP/$prof.mp4"
	t_is "$(x264_opts "$T_TMP/$prof.mp4" rc crf)" "$(printf 'rc=crf\ncrf=%s.0' "$n")" \
	    "$prof: x264 ran with crf $n"
done
s40=$(wc -c <"$T_TMP/Crf40.mp4")
s18=$(wc -c <"$T_TMP/Crf18.mp4")
t_ok "$([ "$s40" -lt "$s18" ] && echo 0 || echo 1)" \
    "crf 40 makes less video than crf 18 ($s40 < $s18 bytes)"

# A size limit never scales up, and a frame-rate limit above the source's
# leaves its rate alone (HEVC in, so the video is encoded).
cat >>"$TC_CONF/profiles.ini" <<'EOF'

[Roomy]
video_codec = libx264
audio_codec = aac
preset = ultrafast
width = 1280
height = 720
framerate = 50
EOF
tc_decide "$hevc" hls Roomy
t_is "$(tc_get video)" libx264 "Roomy: the video is encoded"
t_unlike " $(printf '%s\n' "$TC_ARGV" | tr '\n' ' ')" ' -r ' "Roomy: no -r above the source's rate"
tc_batch Roomy "$hevc"
t_is "$T_RC" 0 "Roomy: sd-batch exit status"
tc_track "$st" video "$T_TMP/v.mp4"
t_is "$(tc_probe "$T_TMP/v.mp4" stream=width,height,r_frame_rate)" \
    "$(printf 'width=320\nheight=180\nr_frame_rate=25/1')" \
    "Roomy: 320x180 at 25 fps stay as they are"
t_done
