# tests/transcode.sh - helpers for the transcoding tests, sourced by
# tests/transcode*.t and tests/batch.t after lib.sh:
#
#   . "${0%/*}/lib.sh"
#   . "${0%/*}/transcode.sh"
#   src=$(tc_media h264-mp2.ts)
#   tc_decide "$src" hls Universal       # sets TC_RC, TC_DEC (the record)
#   tc_batch Universal "$src"            # the store: $T_TMP/out/NAME
#   tc_track "$T_TMP/out/3s-h264-mp2" video v.mp4
#   tc_probe v.mp4 stream=codec_name     # prints codec_name=h264
#
# The runs go through sd-batch, the documented way to transcode a recording,
# which runs sd-classify | sd-decide, then ffmpeg | sd-cmafmux. A spy ffmpeg
# first on PATH logs each run to $TC_FFLOG and execs the real one, so a test
# can tell whether ffmpeg ran at all.

TC_CONF="$T_TMP/conf"
TC_OUT="$T_TMP/out"
TC_FFLOG="$T_TMP/ffmpeg-runs"
mkdir -p "$TC_CONF" "$TC_OUT" "$T_TMP/spy"
: >"$TC_FFLOG"
TC_REAL_FFMPEG=$(command -v ffmpeg)
cat >"$T_TMP/spy/ffmpeg" <<EOF
#!/bin/sh
printf '%s\n' "\$*" >>"$TC_FFLOG"
exec "$TC_REAL_FFMPEG" "\$@"
EOF
chmod +x "$T_TMP/spy/ffmpeg"
# sd-batch is a script (scripts/), the programs are in bin/ (lib.sh).
PATH="$T_TMP/spy:$SD_TOP/scripts:$PATH"
export PATH

# The test profiles: the custom ones the issue names, on top of the system
# Universal, Passthrough and Efficiency. Realtime settings keep VP9 and AV1
# faster than real time on 2 cores.
cat >"$TC_CONF/profiles.ini" <<'EOF'
[VP9Opus]
description = VP9 + Opus, fMP4 only
video_codec = libvpx-vp9
audio_codec = libopus
container_format = auto
video_bitrate = 300k
audio_bitrate = 64k

[AV1Opus]
description = AV1 (SVT-AV1) + Opus
video_codec = libsvtav1
audio_codec = libopus
container_format = fmp4
preset = 12
video_bitrate = 300k
audio_bitrate = 64k

[AV1aom]
description = AV1 (libaom, realtime) + Opus
video_codec = libaom-av1
audio_codec = libopus
container_format = fmp4
preset = ultrafast
video_bitrate = 300k

[Limits]
description = every limit a profile has
video_codec = libx264
audio_codec = aac
container_format = fmp4
video_bitrate = 250k
maxrate = 300k
bufsize = 600k
width = 256
height = 144
framerate = 15
preset = veryfast
audio_bitrate = 64k
audio_channels = 1
audio_sample_rate = 44100

[Crf40]
description = constant quality, low
video_codec = libx264
audio_codec = aac
preset = ultrafast
crf = 40

[Crf18]
description = constant quality, high
video_codec = libx264
audio_codec = aac
preset = ultrafast
crf = 18

[Nvenc]
video_codec = h264_nvenc
audio_codec = aac
hwaccel = nvenc
hwaccel_device = /dev/nvidia0

[Qsv]
video_codec = h264_qsv
audio_codec = aac
hwaccel = qsv
hwaccel_device = /dev/dri/renderD128

[Vaapi]
video_codec = h264_vaapi
audio_codec = aac
hwaccel = vaapi
hwaccel_device = /dev/dri/renderD128
width = 256
height = 144

[VaapiFallback]
video_codec = hevc_vaapi
audio_codec = aac
hwaccel = vaapi
hwaccel_device = /dev/dri/renderD128
fallback = software
preset = ultrafast
EOF

# tc_media NAME: the 3-second generated source NAME (scripts/gen-media).
tc_media() {
	# Made with the real ffmpeg: on a cold cache, media generation must
	# not count as a run of the pipeline's ffmpeg.
	PATH="${PATH#"$T_TMP/spy:"}" "$SD_TOP/scripts/gen-media" -t 3 "$1"
}

# tc_decide SOURCE FORMAT PROFILE: classify SOURCE and decide for a FORMAT
# client under PROFILE. Sets TC_RC (sd-decide's status), TC_DEC (the
# record), TC_DERR (its stderr) and TC_ARGV (the ffmpeg_arg values, one a
# line).
tc_decide() {
	sd-classify "$1" >"$T_TMP/class.rec" 2>"$T_TMP/class.err" ||
		t_diag "sd-classify $1: exit $?" "$(cat "$T_TMP/class.err")"
	TC_RC=0
	sd-decide -C "$TC_CONF" -f "$2" -p "$3" -i "$T_TMP/class.rec" \
	    >"$T_TMP/decide.rec" 2>"$T_TMP/decide.err" || TC_RC=$?
	TC_DEC=$(cat "$T_TMP/decide.rec")
	TC_DERR=$(cat "$T_TMP/decide.err")
	TC_ARGV=$(sed -n 's/^ffmpeg_arg=//p' "$T_TMP/decide.rec")
}

# tc_get KEY: KEY's first value in the last decision.
tc_get() {
	printf '%s\n' "$TC_DEC" | sed -n "s/^$1=//p" | head -n 1
}

# tc_batch PROFILE SOURCE [SD-BATCH-OPTIONS...]: sd-batch SOURCE into
# $TC_OUT under PROFILE; sets T_RC, T_OUT, T_ERR.
tc_batch() {
	_p=$1 _s=$2
	shift 2
	t_run -t 120 -- sd-batch -j 1 -C "$TC_CONF" -p "$_p" -o "$TC_OUT" \
	    "$@" "$_s"
}

# tc_store SOURCE: the store sd-batch makes of SOURCE.
tc_store() {
	_b=${1##*/}
	echo "$TC_OUT/${_b%.*}"
}

# tc_track STORE TYPE FILE: FILE is the header and every segment, in order,
# of the store's first track of TYPE (video, audio or mpegts), as one
# playable file. Returns 1 when there is no such track.
tc_track() {
	_id=$(awk -v type="type=$2" '$1 == "track" && $3 == type {
	    sub(/^id=/, "", $2); print $2; exit }' "$1/index")
	[ -n "$_id" ] || return 1
	awk -v tr="track=$_id" '$1 == "seg" && $2 == tr {
	    for (i = 3; i <= NF; i++) {
	        if ($i ~ /^init=/ && !done) { print substr($i, 6); done = 1 }
	        if ($i ~ /^file=/) f = substr($i, 6) }
	    print f }' "$1/index" >"$T_TMP/.files"
	(cd "$1" && xargs cat <"$T_TMP/.files") >"$3"
}

# tc_probe FILE ENTRIES [STREAM]: ffprobe's key=value lines for ENTRIES
# (stream=codec_name,width) of FILE's first stream, or STREAM (v:0, a:0).
tc_probe() {
	# (MPEG-TS lists a stream again under its program: once is enough.)
	ffprobe -v error -select_streams "${3:-0}" -show_entries "$2" \
	    -of default=noprint_wrappers=1 "$1" | awk '!seen[$0]++'
}

# tc_frames FILE STREAM: the md5 of each decoded frame of STREAM (v:0),
# one a line (ffmpeg -f framemd5 without the timestamps, which a new
# timeline origin changes).
tc_frames() {
	ffmpeg -nostdin -v error -i "$1" -map "0:$2" -f framemd5 - |
	    awk -F', *' '!/^#/ { print $5, $6 }'
}

# tc_packets FILE STREAM: the md5 of each compressed packet of STREAM, in
# one form: copied into MP4 first, so that Annex B (TS) and avcC (MP4)
# spellings of the same NAL units compare equal; for H.264 video without
# its parameter sets and access unit delimiters (NAL types 7, 8, 9), which
# CMAF keeps in the sample entry and does without (tc_params compares the
# parameter sets). Every other NAL unit (slices, SEI) is compared byte for
# byte.
tc_packets() {
	_c="$T_TMP/.canon-$$.mp4"
	_f=$1 _s=$2
	set --
	case $_s in
	v*) set -- -bsf:v 'filter_units=remove_types=7|8|9' ;;
	esac
	ffmpeg -nostdin -v error -y -i "$_f" -map "0:$_s" -c copy "$@" \
	    -f mp4 "$_c" &&
	    ffmpeg -nostdin -v error -i "$_c" -map 0:0 -c copy -f framemd5 - |
	    awk -F', *' '!/^#/ { print $5, $6 }'
	rm -f "$_c"
}

# tc_params FILE: the distinct H.264 parameter sets (SPS, PPS) of FILE's
# video, in hex, one a line: in band (TS) or in the sample entry (MP4).
tc_params() {
	ffmpeg -nostdin -v error -i "$1" -map 0:v:0 -c copy \
	    -bsf:v 'h264_mp4toannexb,filter_units=pass_types=7|8' -f h264 - |
	    od -An -v -tx1 | tr -s ' \n' '  ' |
	    sed 's/ 00 00 00 01/\n/g; s/ 00 00 01/\n/g' | tr -d ' ' | grep . | sort -u
}

# tc_audio_secs FILE: seconds of audio FILE's first audio stream decodes
# to (samples over the rate: a TS stream's duration misses its last frame).
tc_audio_secs() {
	_r=$(tc_probe "$1" stream=sample_rate a:0 | sed 's/.*=//')
	ffprobe -v error -select_streams a:0 -show_entries frame=nb_samples \
	    -of csv=p=0 "$1" | awk -v r="$_r" '{ n += $1 }
	    END { if (r > 0) printf "%.3f\n", n / r; else print 0 }'
}

# tc_bitrate FILE: the mean bit/s of FILE's first stream, from its packets.
tc_bitrate() {
	ffprobe -v error -select_streams 0 -show_entries packet=size,pts_time \
	    -of csv=p=0 "$1" | awk -F, '{ s += $2; t = $1 + 0
	    if (n++ == 0 || t < lo) lo = t; if (t > hi) hi = t }
	    END { if (n > 1 && hi > lo) printf "%d\n", s * 8 / (hi - lo) * (n - 1) / n
	          else print 0 }'
}

# tc_within GOT WANT PERCENT DESCRIPTION: GOT within PERCENT of WANT.
tc_within() {
	if awk -v g="$1" -v w="$2" -v p="$3" \
	    'BEGIN { d = g - w; if (d < 0) d = -d; exit !(w > 0 && d <= w * p / 100) }'; then
		t_ok 0 "$4"
	else
		t_ok 1 "$4"
		t_diag "got $1, want $2 within $3%"
	fi
}

# tc_play PROFILE SOURCE SECONDS CODECS: transcode SOURCE with PROFILE
# (into a store named after the profile), whose HLS master must name
# CODECS; serve it with lighttpd and play its HLS master with hls.js and
# its MPD with dash.js in Chromium, each to the end, SECONDS (within half
# a second). tests/play.sh, which the caller sources, has the players.
tc_play() {
	_src="$T_TMP/$1.${2##*.}"
	cp "$2" "$_src"
	tc_batch "$1" "$_src"
	t_is "$T_RC" 0 "$1: sd-batch exit status"
	[ "$T_RC" -eq 0 ] || t_diag "$T_OUT" "$T_ERR"
	t_is "$(sed -n 's/.*CODECS="\([^"]*\)".*/\1/p' "$TC_OUT/$1/master.m3u8")" \
	    "$4" "$1: the HLS master names $4"
	if [ -z "${SERVE_URL:-}" ]; then
		serve_dir "$TC_OUT" || t_diag "lighttpd did not start"
	fi
	for _f in hls:master.m3u8 dash:manifest.mpd; do
		t_browser_play "${_f%%:*}" "$SERVE_URL/$1/${_f#*:}" "" \
		    "$1: ${_f%%:*}.js plays ${_f#*:} to the end in Chromium"
		t_is "$T_PLAY_ENDED" true "$1: ${_f%%:*}.js reached the end"
		t_near "${T_PLAY_TIME:-0}" "$3" 0.5 \
		    "$1: ${_f%%:*}.js played the whole $3 s"
	done
}
