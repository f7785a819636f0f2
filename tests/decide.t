#!/bin/sh
# sd-decide: every leaf of the seed's decision diagram (2.1/2.2), the
# per-track cases, refusals, the client-format rules, proxies, hardware
# checks; and each transcode argv run for real by ffmpeg on generated media,
# its output checked by ffprobe.
. "${0%/*}/lib.sh"

conf=$T_TMP/conf
mkdir -p "$conf"
cat >"$conf/profiles.ini" <<'EOF'
[VP9Opus]
description = VP9 + Opus for browsers
video_codec = libvpx-vp9
audio_codec = libopus
video_bitrate = 300k
audio_bitrate = 64k

[AV1Opus]
description = AV1 (SVT) + Opus
video_codec = libsvtav1
audio_codec = libopus
video_bitrate = 300k
preset = 12

[AomOpus]
description = AV1 (libaom, realtime) + Opus
video_codec = libaom-av1
audio_codec = libopus
video_bitrate = 300k

[Small]
description = H.264 at most 160x160, 12.5 frame/s, 44.1 kHz
video_codec = libx264
audio_codec = aac
width = 160
height = 160
framerate = 12.5
maxrate = 200k
audio_sample_rate = 44100
preset = veryfast

[TSOnly]
video_codec = libx264
audio_codec = aac
container_format = mpegts

[Low]
video_codec = libx264
audio_codec = aac
video_bitrate = 500k

[GPU]
video_codec = h264_vaapi
audio_codec = aac

[GPUfb]
video_codec = h264_vaapi
audio_codec = aac
fallback = software
preset = veryfast

[NV]
video_codec = h264_nvenc
audio_codec = aac
hwaccel_device = 1
fallback = software

[QSV]
video_codec = hevc_qsv
audio_codec = aac
hwaccel_device = /dev/dri/renderD129

[HWX]
video_codec = libx264
audio_codec = aac
hwaccel = vaapi
EOF
cat >"$conf/proxies.ini" <<'EOF'
[news]
name = News
source = http://provider.example/live/news.ts
mode = direct

[sport]
name = Sport
source = http://provider.example/live/sport.ts
mode = smart
profile = Universal

[film]
source = http://provider.example/film.ts
mode = smart

EOF

# rec NAME KIND VIDEO AUDIO [KEY=VALUE...]: a classification record.
rec() {
	_f=$T_TMP/$1.rec _k=$2 _v=$3 _a=$4
	shift 4
	case $_k in
	hls-ts)   printf 'format=hls\ncontainer=hls\nhls_playlist=master\nhls_segments=ts\n' ;;
	hls-fmp4) printf 'format=hls\ncontainer=hls\nhls_playlist=master\nhls_segments=fmp4\n' ;;
	dash)     printf 'format=dash\ncontainer=dash\n' ;;
	mpegts)   printf 'format=mpegts\ncontainer=mpegts\n' ;;
	other)    printf 'format=other\ncontainer=mov,mp4,m4a,3gp,3g2,mj2\n' ;;
	esac >"$_f"
	# The first value of a key counts: extra keys override the defaults.
	for kv in "$@"; do printf '%s\n' "$kv" >>"$_f"; done
	printf 'live=no\nencrypted=no\n' >>"$_f"
	[ "$_v" = - ] || printf 'video_codec=%s\nwidth=320\nheight=180\nframe_rate=25\nvideo_bitrate=400000\n' "$_v" >>"$_f"
	[ "$_a" = - ] || printf 'audio_codec=%s\naudio_tracks=1\nsample_rate=48000\nchannels=1\naudio_bitrate=96000\n' "$_a" >>"$_f"
	printf 'reason=written by decide.t\n' >>"$_f"
}

# key K: the value of K in $T_OUT ("-" when absent).
key() {
	printf '%s\n' "$T_OUT" | awk -F= -v k="$1" \
	    '$1 == k { sub(/^[^=]*=/, ""); print; f = 1; exit } END { if (!f) print "-" }'
}

# summary: exit status, delivery, container, video, audio, hls_version.
summary() {
	echo "$T_RC $(key delivery) $(key container) $(key video) $(key audio) $(key hls_version)"
}

decide() {	# decide RECORD ARGS...
	_r=$1
	shift
	t_run -i "$T_TMP/$_r.rec" -- sd-decide -C "$conf" "$@"
}

for k in hls-ts hls-fmp4 dash mpegts other; do
	rec "$k" "$k" h264 aac
done

# The diagram: source x client x profile, an H.264 + AAC source. "none" is
# no profile at all. Expected: status delivery container video audio hls.
while read -r src client prof want; do
	[ -n "$src" ] || continue
	case $prof in none) p= ;; *) p="-p $prof" ;; esac
	# shellcheck disable=SC2086
	decide "$src" -f "$client" $p
	t_is "$(summary)" "$want" "$src source, $client client, profile $prof"
done <<'EOF'
hls-ts   hls  none        0 passthrough mpegts copy copy -
hls-ts   dash none        0 repackage fmp4 copy copy -
hls-ts   ts   none        0 repackage mpegts copy copy -
hls-fmp4 hls  none        0 passthrough fmp4 copy copy -
hls-fmp4 dash none        0 repackage fmp4 copy copy -
hls-fmp4 ts   none        0 repackage mpegts copy copy -
dash     hls  none        0 repackage fmp4 copy copy 7
dash     dash none        0 passthrough fmp4 copy copy -
dash     ts   none        0 repackage mpegts copy copy -
mpegts   hls  none        0 repackage fmp4 copy copy 7
mpegts   dash none        0 repackage fmp4 copy copy -
mpegts   ts   none        0 passthrough mpegts copy copy -
other    hls  none        0 transcode fmp4 copy copy 7
other    dash none        0 transcode fmp4 copy copy -
other    ts   none        0 transcode mpegts copy copy -
hls-ts   hls  Passthrough 0 passthrough mpegts copy copy -
hls-ts   dash Passthrough 0 repackage fmp4 copy copy -
hls-ts   ts   Passthrough 0 repackage mpegts copy copy -
hls-fmp4 hls  Passthrough 0 passthrough fmp4 copy copy -
hls-fmp4 dash Passthrough 0 repackage fmp4 copy copy -
hls-fmp4 ts   Passthrough 0 repackage mpegts copy copy -
dash     hls  Passthrough 0 repackage fmp4 copy copy 7
dash     dash Passthrough 0 passthrough fmp4 copy copy -
dash     ts   Passthrough 0 repackage mpegts copy copy -
mpegts   hls  Passthrough 0 repackage fmp4 copy copy 7
mpegts   dash Passthrough 0 repackage fmp4 copy copy -
mpegts   ts   Passthrough 0 passthrough mpegts copy copy -
other    hls  Passthrough 0 transcode fmp4 copy copy 7
other    dash Passthrough 0 transcode fmp4 copy copy -
other    ts   Passthrough 0 transcode mpegts copy copy -
hls-ts   hls  Universal   0 passthrough mpegts copy copy -
hls-ts   dash Universal   0 repackage fmp4 copy copy -
hls-ts   ts   Universal   0 repackage mpegts copy copy -
hls-fmp4 hls  Universal   0 passthrough fmp4 copy copy -
hls-fmp4 dash Universal   0 repackage fmp4 copy copy -
hls-fmp4 ts   Universal   0 repackage mpegts copy copy -
dash     hls  Universal   0 repackage fmp4 copy copy 7
dash     dash Universal   0 passthrough fmp4 copy copy -
dash     ts   Universal   0 repackage mpegts copy copy -
mpegts   hls  Universal   0 repackage fmp4 copy copy 7
mpegts   dash Universal   0 repackage fmp4 copy copy -
mpegts   ts   Universal   0 passthrough mpegts copy copy -
other    hls  Universal   0 transcode fmp4 copy copy 7
other    dash Universal   0 transcode fmp4 copy copy -
other    ts   Universal   0 transcode mpegts copy copy -
hls-ts   hls  Efficiency  0 transcode fmp4 libx265 copy 7
hls-ts   dash Efficiency  0 transcode fmp4 libx265 copy -
hls-ts   ts   Efficiency  3 refused - - - -
hls-fmp4 hls  Efficiency  0 transcode fmp4 libx265 copy 7
hls-fmp4 dash Efficiency  0 transcode fmp4 libx265 copy -
hls-fmp4 ts   Efficiency  3 refused - - - -
dash     hls  Efficiency  0 transcode fmp4 libx265 copy 7
dash     dash Efficiency  0 transcode fmp4 libx265 copy -
dash     ts   Efficiency  3 refused - - - -
mpegts   hls  Efficiency  0 transcode fmp4 libx265 copy 7
mpegts   dash Efficiency  0 transcode fmp4 libx265 copy -
mpegts   ts   Efficiency  3 refused - - - -
other    hls  Efficiency  0 transcode fmp4 libx265 copy 7
other    dash Efficiency  0 transcode fmp4 libx265 copy -
other    ts   Efficiency  3 refused - - - -
hls-ts   hls  VP9Opus     0 transcode fmp4 libvpx-vp9 libopus 7
hls-ts   dash VP9Opus     0 transcode fmp4 libvpx-vp9 libopus -
hls-ts   ts   VP9Opus     3 refused - - - -
hls-fmp4 hls  VP9Opus     0 transcode fmp4 libvpx-vp9 libopus 7
hls-fmp4 dash VP9Opus     0 transcode fmp4 libvpx-vp9 libopus -
hls-fmp4 ts   VP9Opus     3 refused - - - -
dash     hls  VP9Opus     0 transcode fmp4 libvpx-vp9 libopus 7
dash     dash VP9Opus     0 transcode fmp4 libvpx-vp9 libopus -
dash     ts   VP9Opus     3 refused - - - -
mpegts   hls  VP9Opus     0 transcode fmp4 libvpx-vp9 libopus 7
mpegts   dash VP9Opus     0 transcode fmp4 libvpx-vp9 libopus -
mpegts   ts   VP9Opus     3 refused - - - -
other    hls  VP9Opus     0 transcode fmp4 libvpx-vp9 libopus 7
other    dash VP9Opus     0 transcode fmp4 libvpx-vp9 libopus -
other    ts   VP9Opus     3 refused - - - -
hls-ts   hls  AV1Opus     0 transcode fmp4 libsvtav1 libopus 7
hls-ts   dash AV1Opus     0 transcode fmp4 libsvtav1 libopus -
hls-ts   ts   AV1Opus     3 refused - - - -
hls-fmp4 hls  AV1Opus     0 transcode fmp4 libsvtav1 libopus 7
hls-fmp4 dash AV1Opus     0 transcode fmp4 libsvtav1 libopus -
hls-fmp4 ts   AV1Opus     3 refused - - - -
dash     hls  AV1Opus     0 transcode fmp4 libsvtav1 libopus 7
dash     dash AV1Opus     0 transcode fmp4 libsvtav1 libopus -
dash     ts   AV1Opus     3 refused - - - -
mpegts   hls  AV1Opus     0 transcode fmp4 libsvtav1 libopus 7
mpegts   dash AV1Opus     0 transcode fmp4 libsvtav1 libopus -
mpegts   ts   AV1Opus     3 refused - - - -
other    hls  AV1Opus     0 transcode fmp4 libsvtav1 libopus 7
other    dash AV1Opus     0 transcode fmp4 libsvtav1 libopus -
other    ts   AV1Opus     3 refused - - - -
EOF

# Per track, and the HLS version 3 leaves.
rec mp2 mpegts h264 mp2
rec ac3 mpegts h264 ac3
rec hevc mpegts hevc aac
rec vp9src other vp9 opus container=matroska,webm video_bitrate=250000 audio_bitrate=64000
rec big mpegts h264 aac width=1920 height=1080 frame_rate=50 video_bitrate=6000000
rec silent mpegts h264 -
rec radio mpegts - mp2
rec hi10 mpegts h264 aac "video_profile=High 10"
rec main mpegts h264 aac "video_profile=Main"
while read -r src client prof want; do
	[ -n "$src" ] || continue
	case $prof in none) p= ;; *) p="-p $prof" ;; esac
	# shellcheck disable=SC2086
	decide "$src" -f "$client" $p
	t_is "$(summary)" "$want" "per track: $src source, $client client, profile $prof"
done <<'EOF'
mp2      hls    Universal  0 transcode fmp4 copy aac 7
mp2      ts     Universal  0 transcode mpegts copy aac -
ac3      dash   Universal  0 transcode fmp4 copy aac -
ac3      ts     Universal  0 transcode mpegts copy aac -
hevc     hls    Universal  0 transcode fmp4 libx264 copy 7
hevc     ts     Universal  0 transcode mpegts libx264 copy -
hevc     hls    Efficiency 0 repackage fmp4 copy copy 7
mpegts   hls    Efficiency 0 transcode fmp4 libx265 copy 7
big      hls    Small      0 transcode fmp4 libx264 aac 7
big      hls    Low        0 transcode fmp4 libx264 copy 7
mpegts   hls    Low        0 repackage fmp4 copy copy 7
mpegts   hls    Small      0 transcode fmp4 libx264 aac 7
mpegts   hls    TSOnly     0 repackage mpegts copy copy 3
mp2      hls    TSOnly     0 transcode mpegts copy aac 3
hls-ts   hls    TSOnly     0 passthrough mpegts copy copy -
hls-fmp4 hls    TSOnly     0 repackage mpegts copy copy 3
mpegts   hls-ts none       0 repackage mpegts copy copy 3
hls-ts   hls-ts none       0 passthrough mpegts copy copy -
hls-fmp4 hls-ts none       0 repackage mpegts copy copy 3
mpegts   dash   TSOnly     0 repackage fmp4 copy copy -
vp9src   hls    none       0 transcode fmp4 copy copy 7
vp9src   ts     none       3 refused - - - -
vp9src   hls-ts none       3 refused - - - -
vp9src   ts     Universal  0 transcode mpegts libx264 aac -
vp9src   hls    VP9Opus    0 transcode fmp4 copy copy 7
hls-ts   hls-ts VP9Opus    3 refused - - - -
hls-ts   hls-ts Efficiency 3 refused - - - -
silent   hls    Universal  0 repackage fmp4 copy none 7
radio    ts     Universal  0 transcode mpegts none aac -
hi10     hls    Universal  0 transcode fmp4 libx264 copy 7
hi10     hls    Passthrough 0 repackage fmp4 copy copy 7
hi10     hls    Efficiency 0 transcode fmp4 libx265 copy 7
main     dash   Universal  0 repackage fmp4 copy copy -
EOF

# A frame rate of 0 is sd-classify's unknown: decided on. One past 1000 a
# second (a 90 kHz time base taken for one) is no frame rate: refused as
# input, which is why sd-classify never writes one.
rec rate0 mpegts h264 aac frame_rate=0
rec rate90k mpegts h264 aac frame_rate=90000
decide rate0 -f hls
t_is "$(summary)" "0 repackage fmp4 copy copy 7" "frame_rate=0 (unknown): decided"
decide rate90k -f hls
t_is "$T_RC:$(key delivery)" "65:-" "frame_rate=90000: refused as input"
t_like "$T_ERR" "frame_rate=90000: not a frame rate" \
    "frame_rate=90000: the message says so"

# Reasons a person can read; the refusal says what to change.
decide mp2 -f hls -p Universal
t_like "$T_OUT" '^reason=.*H\.264 video .*copied' "H.264 + MP2: the reason says the video is copied"
t_like "$T_OUT" '^reason=.*audio is MP2, not the AAC' "H.264 + MP2: the reason names MP2 and AAC"
decide mpegts -f ts -p VP9Opus
t_is "$T_RC" 3 "TS client, VP9 profile: refused (exit 3)"
t_like "$T_OUT" '^reason=.*VP9 video.*MPEG-TS.*ask for HLS or DASH' "the refusal says what to change"
t_like "$T_ERR" 'refused: .*VP9' "the refusal is on stderr too"
decide vp9src -f ts
t_like "$T_OUT" "^reason=The source's VP9 video cannot be carried in MPEG-TS" "VP9 source to a TS client: reason"
decide hls-ts -f ts -p Efficiency
t_like "$T_OUT" '^reason=Profile Efficiency sets container_format = fmp4' "Efficiency to a TS client: reason"
decide mpegts -f dash -p TSOnly
t_like "$T_OUT" '^reason=DASH takes fMP4 only' "mpegts profile, DASH client: fMP4 explained"

# Client format from the request: URL, then Accept, then User-Agent.
while IFS='|' read -r url accept ua want; do
	set --
	[ -n "$url" ] && set -- "$@" -U "$url"
	[ -n "$accept" ] && set -- "$@" -a "$accept"
	[ -n "$ua" ] && set -- "$@" -u "$ua"
	t_run -i "$T_TMP/mpegts.rec" -- sd-decide "$@"
	t_is "$T_RC $(key client)" "0 $want" "client format: url=$url accept=$accept ua=$ua"
done <<'EOF'
/live/ch1.m3u8|||hls
/live/ch1.mpd|video/mp2t|VLC/3.0.18 LibVLC/3.0.18|dash
/live/ch1.ts|application/dash+xml||ts
/live/ch1?format=dash|application/vnd.apple.mpegurl||dash
/live/ch1.ts?format=hls-ts|||hls-ts
/live/ch1?x=1&format=ts||Safari|ts
/live/ch1.M3U8?token=abc|||hls
/live/ch1|application/vnd.apple.mpegurl||hls
/live/ch1|application/x-mpegURL, */*;q=0.8||hls
/live/ch1|application/dash+xml||dash
/live/ch1|video/MP2T||ts
/live/ch1|video/mp2t;q=0.5, application/dash+xml;q=0.9||dash
/live/ch1|text/html, */*|VLC/3.0.18 LibVLC/3.0.18|ts
/live/ch1|application/dash+xml;q=0|Kodi/20.2 (X11; Linux x86_64)|ts
||Kodi/20.2 (X11; Linux x86_64) Debian/12 App_Bitness/64|ts
||PlexMediaServer/1.40.0|ts
||Jellyfin-Server/10.8.13|ts
||Emby/4.7 Emby Theater|ts
||Lavf/59.27.100|ts
||ffmpeg/5.1.9|ts
||AppleCoreMedia/1.0.0.20G75 (iPhone; U; CPU OS 16_6 like Mac OS X; en_us)|hls
||Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15|hls
||Mozilla/5.0 (iPhone; CPU iPhone OS 9_3 like Mac OS X) AppleWebKit/601.1.46 (KHTML, like Gecko) Version/9.0 Mobile/13E188a Safari/601.1|hls-ts
||Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36|hls
||Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Safari/537.36|hls
||curl/8.0|hls
EOF

# Proxies: direct redirects, smart takes the profile from proxies.ini.
t_cmd "-P direct: a redirect without reading stdin" 0 "delivery=redirect
client=ts
proxy=news
location=http://provider.example/live/news.ts
reason=Proxy news is in direct mode: the client is sent to the source with an HTTP redirect." "" \
    -- sd-decide -C "$conf" -f ts -P news
t_run -i "$T_TMP/mp2.rec" -- sd-decide -C "$conf" -f hls -P sport
t_is "$(summary) $(key profile) $(key proxy)" "0 transcode fmp4 copy aac 7 Universal sport" "-P smart with Universal: per track"
t_like "$T_OUT" '^ffmpeg_arg=http://provider.example/live/sport.ts$' "-P smart: ffmpeg reads the proxy's source"
t_run -i "$T_TMP/mpegts.rec" -- sd-decide -C "$conf" -f hls -P film
t_is "$(summary) $(key profile)" "0 repackage fmp4 copy copy 7 " "-P smart without a profile: passthrough rules"
t_run -i "$T_TMP/mpegts.rec" -- sd-decide -C "$conf" -f hls -P nosuch
t_is "$T_RC" 78 "-P unknown proxy: exit 78"
t_like "$T_ERR" 'nosuch: no such proxy' "-P unknown proxy: message"

# Hardware: no /dev/dri or /dev/nvidia0 on this machine; SD_DEV_ROOT
# (for tests) puts fake device nodes under a folder.
decide hevc -f hls -p GPU
t_is "$T_RC" 78 "vaapi without the device: exit 78"
t_like "$T_ERR" 'h264_vaapi needs the device /dev/dri/renderD128.*fallback = software' "vaapi without the device: names encoder and device"
t_is "$T_OUT" "" "vaapi without the device: no decision"
decide hevc -f hls -p GPUfb
t_is "$(summary)" "0 transcode fmp4 libx264 copy 7" "vaapi missing, fallback = software: libx264"
t_like "$T_OUT" '^warning=h264_vaapi needs the device /dev/dri/renderD128.*libx264 instead' "fallback: warning line"
t_like "$T_ERR" 'warning: h264_vaapi' "fallback: warning on stderr"
t_like "$T_OUT" '^reason=The source.s video is .*: it is encoded with libx264\.$' \
    "fallback: the video's reason names libx264, the encoder used"
t_unlike "$(printf '%s\n' "$T_OUT" | grep '^reason=')" 'h264_vaapi' \
    "fallback: no reason names h264_vaapi (the warning says why)"
mkdir -p "$T_TMP/dev/dev/dri"
: >"$T_TMP/dev/dev/dri/renderD128"
: >"$T_TMP/dev/dev/dri/renderD129"
: >"$T_TMP/dev/dev/nvidia1"
args() { printf '%s\n' "$T_OUT" | sed -n 's/^ffmpeg_arg=//p' | tr '\n' ' '; }
SD_DEV_ROOT=$T_TMP/dev decide hevc -f hls -p GPU
t_is "$(summary) $(key hwaccel_device)" "0 transcode fmp4 h264_vaapi copy 7 /dev/dri/renderD128" "vaapi with the device"
t_like "$(args)" '-vaapi_device /dev/dri/renderD128 -i .* -c:v h264_vaapi .*-vf format=nv12,hwupload ' "vaapi: device and upload"
SD_DEV_ROOT=$T_TMP/dev decide hevc -f hls -p NV
t_like "$(args)" '-hwaccel cuda -hwaccel_output_format cuda -hwaccel_device 1 -i .* -c:v h264_nvenc .*-forced-idr 1' "nvenc: cuda decode on GPU 1"
decide hevc -f hls -p NV
t_like "$T_OUT" '^warning=h264_nvenc needs the device /dev/nvidia1' "nvenc without /dev/nvidia1: fallback warning"
SD_DEV_ROOT=$T_TMP/dev decide mpegts -f hls -p QSV
t_like "$(args)" '-init_hw_device qsv=hw:hw,child_device=/dev/dri/renderD129 -filter_hw_device hw -i .* -c:v hevc_qsv .*format=nv12,hwupload=extra_hw_frames=64' "qsv: device and upload"
# No hardware here: ffmpeg must get as far as opening the device, which
# proves it parsed every option (on a machine with the device it runs).
while read -r hw r media enc; do
	SD_DEV_ROOT=$T_TMP/dev decide "$r" -s "$("$SD_TOP/scripts/gen-media" -t 2 "$media")" -f hls -p "$hw"
	t_is "$(key video)" "$enc" "$hw: the video is encoded with $enc"
	printf '%s\n' "$T_OUT" | sed -n 's/^ffmpeg_arg=//p' >"$T_TMP/argv"
	set --
	while IFS= read -r a; do set -- "$@" "$a"; done <"$T_TMP/argv"
	timeout "$(t_secs 60)" "$@" >/dev/null 2>"$T_TMP/hw.err"
	t_unlike "$(cat "$T_TMP/hw.err")" 'Unrecognized option|not found|Error splitting|Invalid (filter|stream) specifier|No such filter' \
	    "$hw: ffmpeg parses the hardware argv ($(head -c 60 "$T_TMP/hw.err" | tr '\n' ' '))"
done <<'EOF'
GPU hevc hevc-aac.ts h264_vaapi
NV hevc hevc-aac.ts h264_nvenc
QSV mp2 h264-mp2.ts hevc_qsv
EOF
SD_DEV_ROOT=$T_TMP/dev decide hevc -f hls -p HWX
t_is "$(key video)" "h264_vaapi" "hwaccel = vaapi turns libx264 into h264_vaapi"
t_like "$T_OUT" '^reason=The source.s video is .*: it is encoded with h264_vaapi\.$' \
    "hwaccel = vaapi: the video's reason names h264_vaapi"
decide hevc -f hls -p HWX
t_is "$T_RC" 78 "hwaccel = vaapi without the device and no fallback: exit 78"
decide mpegts -f hls -p GPU
t_is "$(summary)" "0 repackage fmp4 copy copy 7" "H.264 source under a vaapi profile: copied, no device needed"

# Bad input.
printf 'format=bogus\n' >"$T_TMP/bad.rec"
decide bad -f hls -p Universal
t_is "$T_RC" 65 "format=bogus: exit 65"
t_like "$T_ERR" 'format=bogus' "format=bogus: message"
printf 'format=mpegts\nvideo_codec=h264\nwidth=-5\n' >"$T_TMP/bad.rec"
decide bad -f hls -p Universal
t_is "$T_RC" 65 "width=-5: exit 65"
printf 'format=mpegts\nvideo_codec=h2 64\n' >"$T_TMP/bad.rec"
decide bad -f hls
t_is "$T_RC" 65 "a codec name with a blank: exit 65"
printf 'format=mpegts\n' >"$T_TMP/bad.rec"
decide bad -f hls
t_is "$T_RC" 65 "no tracks to repackage: exit 65"
t_run -- sd-decide -C "$conf" -i "$T_TMP/nonexistent.rec" -f hls
t_is "$T_RC" 66 "missing record file: exit 66"
t_run -- sd-decide -f hls -p Universal -P sport
t_is "$T_RC" 64 "-p and -P: usage"
t_run -- sd-decide -p Universal
t_is "$T_RC" 64 "no client format: usage"
t_run -- sd-decide -f flv
t_is "$T_RC" 64 "-f flv: usage"
decide mpegts -f hls -p Nosuch
t_is "$T_RC" 78 "-p unknown profile: exit 78"
mkdir -p "$T_TMP/conf2"
printf '[broken]\nsource = http://provider.example/x.ts\nmode = smart\nprofile = Nosuch\n' >"$T_TMP/conf2/proxies.ini"
t_run -i "$T_TMP/mpegts.rec" -- sd-decide -C "$T_TMP/conf2" -f hls -P broken
t_is "$T_RC" 78 "proxy naming an unknown profile: exit 78"
t_like "$T_ERR" 'proxies.ini:4: proxy broken names profile Nosuch' "proxy naming an unknown profile: file:line"

# JSON: the same record, lists as arrays.
decide mp2 -j -f ts -p Universal
t_is "$(printf '%s' "$T_OUT" | perl -MJSON::PP -0777 -ne '$d = decode_json($_);
    print join(" ", $d->{delivery}, $d->{audio}, scalar(@{$d->{ffmpeg_arg}}) > 10 ? "true" : "false",
    ref($d->{reason}) eq "ARRAY" ? "array" : "scalar")')" \
    "transcode aac true array" "-j: JSON with arrays for ffmpeg_arg and reason"

# -l: profiles, codecs, containers, clients, why fMP4.
t_run -- sd-decide -C "$conf" -l
t_is "$T_RC" 0 "-l: exit 0"
t_like "$T_OUT" '^Universal \(system\)$' "-l: Universal listed as a system profile"
t_like "$T_OUT" '^  video libvpx-vp9 \(vp9\), audio libopus \(opus\), container auto$' "-l: VP9Opus codecs"
t_like "$T_OUT" '^  why fMP4\? MPEG-TS cannot carry VP9 \(libvpx-vp9\) or Opus \(libopus\); fMP4' "-l: why fMP4 for VP9 + Opus"
t_like "$(printf '%s\n' "$T_OUT" | sed -n '/^Efficiency/,/^$/p')" '^  clients: hls dash$' "-l: Efficiency takes no TS clients"
t_like "$(printf '%s\n' "$T_OUT" | sed -n '/^Universal/,/^$/p')" '^  clients: hls dash hls-ts ts$' "-l: Universal takes every client"

# ---------------------------------------------------------------- for real
# Each transcode argv run by ffmpeg on a 2 s generated source; ffprobe
# tells the codecs of what came out of the pipe.

# run_argv OUT: run the ffmpeg_arg lines of $T_OUT, stdout into OUT.
run_argv() {
	printf '%s\n' "$T_OUT" | sed -n 's/^ffmpeg_arg=//p' >"$T_TMP/argv"
	set --
	while IFS= read -r a; do set -- "$@" "$a"; done <"$T_TMP/argv"
	timeout "$(t_secs 60)" "$@" >"$RUN_OUT" 2>"$T_TMP/ffmpeg.err"
}
streams() {	# streams FILE: codec,type of each stream, joined
	ffprobe -v error -show_entries stream=codec_name,codec_type -of json \
	    "$1" | perl -MJSON::PP -0777 -ne \
	    'print map { "$_->{codec_name},$_->{codec_type} " } @{decode_json($_)->{streams}}'
}
probe() {	# probe FILE STREAM ENTRIES: one stream's values, comma-separated
	ffprobe -v error -select_streams "$2" -show_entries "stream=$3" \
	    -of json "$1" | K=$3 perl -MJSON::PP -0777 -ne \
	    '$s = decode_json($_)->{streams}[0];
	    print join(",", map { $s->{$_} } split(/,/, $ENV{K})), "\n"'
}
pkt_hashes() {	# pkt_hashes FILE: the first video track's packet hashes
	ffmpeg -nostdin -v error -i "$1" -map 0:v:0 -c copy -f framemd5 - |
	    grep -v '^#' | awk -F', *' '{ print $NF }'
}

real() {	# real NAME MEDIA PROFILE CLIENT EXPECTED_STREAMS
	_name=$1 _media=$2 _prof=$3 _client=$4 _want=$5
	_src=$(scripts_gen "$_media") || { t_skip 2 "gen-media $_media failed"; return; }
	RUN_SRC=$_src
	RUN_OUT=$T_TMP/$_name.out
	decide "$_name" -s "$_src" -f "$_client" -p "$_prof"
	if [ "$T_RC" -ne 0 ]; then
		t_ok 1 "$_name: sd-decide fails ($T_RC): $T_ERR"
		t_skip 1 "no argv"
		return
	fi
	run_argv
	_rc=$?
	t_is "$_rc" 0 "$_name: ffmpeg runs the argv of $_prof ($(key pipe_format) pipe)"
	[ "$_rc" -eq 0 ] || t_diag "$(args)" "$(cat "$T_TMP/ffmpeg.err")"
	t_is "$(streams "$RUN_OUT")" "$_want" "$_name: ffprobe finds the decided codecs"
}
scripts_gen() { "$SD_TOP/scripts/gen-media" -t 2 "$1" | tail -n 1; }

rec h264mp2 mpegts h264 mp2
real h264mp2 h264-mp2.ts Universal hls "h264,video aac,audio "
t_is "$(pkt_hashes "$RUN_OUT")" "$(pkt_hashes "$RUN_SRC")" \
    "h264mp2: the H.264 bitstream is copied unchanged (framemd5)"
t_is "$(key pipe_format)" mpegts "h264mp2: MPEG-TS pipe"

rec h264ac3 mpegts h264 ac3
real h264ac3 h264-ac3.ts Universal ts "h264,video aac,audio "

rec hevcaac mpegts hevc aac
real hevcaac hevc-aac.ts Universal hls "h264,video aac,audio "

rec effi mpegts h264 aac
real effi h264-aac.ts Efficiency dash "hevc,video aac,audio "

rec vp9 mpegts h264 aac
real vp9 h264-aac.ts VP9Opus hls "vp9,video opus,audio "
t_is "$(key pipe_format)" matroska "vp9: Matroska pipe (MPEG-TS cannot carry VP9)"

rec av1 mpegts h264 aac
real av1 h264-aac.ts AV1Opus dash "av1,video opus,audio "

rec aom mpegts h264 aac
real aom h264-aac.ts AomOpus hls "av1,video opus,audio "
t_is "$(key pipe_format)" nut "aom: NUT pipe (libaom's sequence header comes with its first packet)"

rec small mpegts h264 aac width=320 height=180
real small h264-aac.ts Small hls "h264,video aac,audio "
t_is "$(probe "$RUN_OUT" v:0 width,height,r_frame_rate)" "160,90,25/2" "small: 160x90 (aspect kept) at 12.5 frame/s"
t_is "$(probe "$RUN_OUT" a:0 sample_rate)" "44100" "small: audio at 44.1 kHz"
# The keyframes every segment (2 s) starts from.
t_is "$(ffprobe -v error -select_streams v:0 -show_entries frame=key_frame,pts_time -of csv=p=0 "$RUN_OUT" | awk -F, '$1 == 1 { if (!n++) f = $2; printf "%.1f ", $2 - f }' | cut -d' ' -f1-2)" \
    "0.0 2.0" "small: a keyframe on the 2 s segment boundary"

rec twoaudio mpegts h264 aac audio_tracks=2
real twoaudio h264-2aac.ts Small hls "h264,video aac,audio aac,audio "

rec fb mpegts hevc aac
real fb hevc-aac.ts GPUfb hls "h264,video aac,audio "

rec webm other vp9 opus container=matroska,webm
real webm vp9-opus.webm Universal ts "h264,video aac,audio "

rec mp4 other h264 aac
real mp4 h264-aac.mp4 Passthrough ts "h264,video aac,audio "

rec webmcopy other vp9 opus container=matroska,webm video_bitrate=250000 audio_bitrate=64000
real webmcopy vp9-opus.webm Passthrough dash "vp9,video opus,audio "
t_is "$(key video) $(key audio) $(key pipe_format)" "copy copy matroska" "webmcopy: VP9 + Opus copied into a Matroska pipe"

# With sd-classify built (the classify work), its own record of real media
# goes through sd-decide and the argv runs.
if [ -x "$SD_BUILD/bin/sd-classify" ]; then
	src=$("$SD_TOP/scripts/gen-media" -t 2 h264-ac3.ts)
	sd-classify "$src" >"$T_TMP/classified.rec"
	t_run -i "$T_TMP/classified.rec" -- sd-decide -f dash -p Universal
	t_is "$(summary)" "0 transcode fmp4 copy aac -" "sd-classify | sd-decide: H.264 + AC-3 under Universal"
	RUN_OUT=$T_TMP/classified.out
	run_argv
	t_is "$?" 0 "sd-classify | sd-decide: ffmpeg reads the record's source"
	t_is "$(streams "$RUN_OUT")" "h264,video aac,audio " "sd-classify | sd-decide: the decided codecs"
else
	t_skip 3 "sd-classify is not built"
fi

t_done
