#!/bin/sh
# transcode-hw.t - hardware encoders in a profile: with the device present
# (a stand-in device tree under SD_DEV_ROOT, since this machine has no GPU) the
# ffmpeg argv has the hwaccel, device and upload/scale filters each family
# needs; without it a clear error names encoder and device; with fallback =
# software the software encoder runs, with a warning, and the output plays.
. "${0%/*}/lib.sh"
. "${0%/*}/transcode.sh"

# HEVC in, so that an H.264 profile must encode the video.
src=$(tc_media hevc-aac.ts)
mkdir -p "$T_TMP/root/dev/dri"
: >"$T_TMP/root/dev/dri/renderD128"
: >"$T_TMP/root/dev/nvidia0"

# argv_of PROFILE: decide with the device present; a is the argv on one
# line, each argument between blanks.
argv_of() {
	SD_DEV_ROOT="$T_TMP/root"
	export SD_DEV_ROOT
	tc_decide "$src" hls "$1"
	unset SD_DEV_ROOT
	a=" $(printf '%s\n' "$TC_ARGV" | tr '\n' ' ') "
}

# before_i ARGV OPTION: OPTION comes before -i (an input/device option).
before_i() {
	case $1 in *" $2 "*" -i "*) return 0 ;; esac
	return 1
}

argv_of Nvenc
t_is "$TC_RC:$(tc_get video)" 0:h264_nvenc "nvenc: decided h264_nvenc"
t_is "$(tc_get hwaccel)" nvenc "nvenc: hwaccel=nvenc in the record"
t_like "$a" ' -hwaccel cuda .* -i ' "nvenc: CUDA decoding before -i"
t_like "$a" ' -hwaccel_output_format cuda ' "nvenc: frames stay on the GPU"
t_like "$a" ' -hwaccel_device 0 ' "nvenc: the GPU of /dev/nvidia0"
t_like "$a" ' -c:v h264_nvenc ' "nvenc: the encoder"
t_unlike "$a" ' -pix_fmt yuv420p ' "nvenc: no software pixel format"

argv_of Qsv
t_is "$TC_RC:$(tc_get video)" 0:h264_qsv "qsv: decided h264_qsv"
t_like "$a" ' -init_hw_device qsv=hw[^ ]*child_device=/dev/dri/renderD128 ' \
    "qsv: the device, initialised on /dev/dri/renderD128"
t_ok "$(before_i "$a" -init_hw_device && echo 0 || echo 1)" "qsv: the device before -i"
t_like "$a" ' -filter_hw_device hw ' "qsv: filters upload to it"
t_like "$a" ' -vf [^ ]*format=nv12,hwupload' "qsv: nv12 upload filter"
t_like "$a" ' -c:v h264_qsv ' "qsv: the encoder"

argv_of Vaapi
t_is "$TC_RC:$(tc_get video)" 0:h264_vaapi "vaapi: decided h264_vaapi"
t_is "$(tc_get hwaccel_device)" /dev/dri/renderD128 "vaapi: the device in the record"
t_like "$a" ' -vaapi_device /dev/dri/renderD128 ' "vaapi: the device"
t_ok "$(before_i "$a" -vaapi_device && echo 0 || echo 1)" "vaapi: the device before -i"
t_like "$a" ' -vf scale=[^ ]*256[^ ]*144[^ ]*,format=nv12,hwupload ' \
    "vaapi: scale in software, then nv12 upload"
t_like "$a" ' -c:v h264_vaapi ' "vaapi: the encoder"

# ffmpeg itself takes each argv as far as opening the device, which is
# missing here: the options parse, and the failure is the hardware's.
for prof in Nvenc Qsv Vaapi; do
	argv_of "$prof"
	set --
	while IFS= read -r arg; do set -- "$@" "$arg"; done <<EOF2
$TC_ARGV
EOF2
	t_run -t 30 -- "$@"
	t_like "$T_ERR" 'Device creation failed' "$prof: ffmpeg runs the argv up to the missing device"
	t_unlike "$T_ERR" 'Unrecognized option|Option not found|Error splitting' \
	    "$prof: the failure is the device, not an unknown option"
done

# No device here: an error naming encoder and device, status 78.
for p in Nvenc:h264_nvenc:/dev/nvidia0 Qsv:h264_qsv:/dev/dri/renderD128 \
    Vaapi:h264_vaapi:/dev/dri/renderD128; do
	prof=${p%%:*} rest=${p#*:}
	enc=${rest%%:*} dev=${rest#*:}
	tc_decide "$src" hls "$prof"
	t_is "$TC_RC" 78 "$prof without hardware: sd-decide exits 78"
	t_like "$TC_DERR" "$enc.*$dev|$dev.*$enc" "$prof without hardware: the error names $enc and $dev"
	t_like "$TC_DERR" 'fallback = software' "$prof without hardware: the error says how to fall back"
	t_is "$TC_ARGV" "" "$prof without hardware: no ffmpeg command"
done
# sd-batch passes the error on and makes nothing.
tc_batch Vaapi "$src"
t_is "$T_RC" 1 "Vaapi through sd-batch without hardware: exit 1"
t_like "$T_ERR" 'fail .*h264_vaapi.*renderD128' "Vaapi through sd-batch: the error reaches the user"
t_is "$(ls "$TC_OUT")" "" "Vaapi through sd-batch: no output"

# fallback = software: libx265 instead of hevc_vaapi, a warning, a real
# transcode (of H.264, which an HEVC profile encodes).
src=$(tc_media h264-aac.ts)
tc_decide "$src" hls VaapiFallback
t_is "$TC_RC:$(tc_get video)" 0:libx265 "fallback: the software encoder"
t_like "$(tc_get warning)" 'hevc_vaapi.*renderD128.*libx265' "fallback: the record warns"
t_like "$TC_DERR" 'warning' "fallback: sd-decide warns on stderr"
t_unlike "$(printf '%s\n' "$TC_ARGV" | tr '\n' ' ')" 'vaapi|hwupload' "fallback: no hardware option left"
: >"$TC_FFLOG"
tc_batch VaapiFallback "$src"
t_is "$T_RC" 0 "fallback through sd-batch: exit status"
t_like "$T_ERR" 'warning: .*hevc_vaapi.*libx265' "fallback through sd-batch: the warning reaches the user"
t_like "$(cat "$TC_FFLOG")" '-c:v libx265 ' "fallback: ffmpeg ran libx265"
st=$(tc_store "$src")
tc_track "$st" video "$T_TMP/v.mp4"
t_is "$(tc_probe "$T_TMP/v.mp4" stream=codec_name)" codec_name=hevc "fallback: ffprobe: HEVC"
t_run -- ffmpeg -nostdin -v error -i "$st/master.m3u8" -map 0 -f null -
t_is "$T_RC:$T_ERR" "0:" "fallback: ffmpeg decodes the output"
t_done
