#!/bin/sh
# tsdemux.t - lib/tsdemux.c against libavformat on real ffmpeg-made TS:
# every access unit the demuxer hands out (tests/drive/tsdemux) equals the
# packet ffprobe shows with its parsers off (same PID, PTS, DTS, size and
# byte position, in the same order), and the video keyframes equal the ones
# ffprobe's parsers find. Then the H.264 -> HEVC switch on the same PIDs
# (which libavformat 5.1 misses), input in small chunks, resync over junk,
# and the hostile inputs of cmafmux.t.
. "${0%/*}/lib.sh"

drv="$SD_BUILD/tests/drive/tsdemux"
m="$T_TMP/media"
mkdir -p "$m"
gen() { "$SD_TOP/scripts/gen-media" "$@"; }

# lavfi NAME ARGS...: t_lavfi_ts into the media folder.
lavfi() {
	out=$m/$1
	shift
	t_lavfi_ts "$out" "$@"
}
x264=$T_X264
lavfi hevc-ac3.ts -c:v libx265 -preset ultrafast -x265-params \
    keyint=50:min-keyint=50:scenecut=0:bframes=2:log-level=error \
    -pix_fmt yuv420p -c:a ac3
lavfi h264-opus.ts $x264 -c:a libopus -b:a 64k
lavfi h264-eac3-only.ts -map 1:a -c:a eac3
lavfi h264-ac3-open.ts -c:v libx264 -preset veryfast -g 50 -bf 2 \
    -pix_fmt yuv420p -x264-params open-gop=1 -c:a ac3
src=$(gen h264-aac.ts)
# AC-3 / E-AC-3 as stream_type 0x06 with descriptors 0x6a / 0x7a; M2TS
ffmpeg -nostdin -v error -y -i "$(gen h264-ac3.ts)" -c copy \
    -mpegts_flags system_b -f mpegts "$m/sysb-ac3.ts"
ffmpeg -nostdin -v error -y -i "$(gen h264-eac3.ts)" -c copy \
    -mpegts_flags system_b -f mpegts "$m/sysb-eac3.ts"
# (M2TS from h264-ac3: ffmpeg's M2TS marks AAC as 0x06 and nothing more,
# which libavformat then tells by probing the payload)
ffmpeg -nostdin -v error -y -i "$(gen h264-ac3.ts)" -c copy \
    -mpegts_m2ts_mode 1 -f mpegts "$m/m2ts-192.ts"

# want FILE: ffprobe's packets (parsers off) as PID,PTS,DTS,SIZE,POS,
# timestamps folded into 33 bits (libavformat unwraps, we report raw).
want() {
	map=$(ffprobe -v error -show_entries stream=index,id -of csv=p=0 "$1" |
	    while IFS=, read -r i id; do printf '%s=%d ' "$i" "$id"; done)
	ffprobe -v error -fflags +noparse+nofillin -show_entries \
	    packet=stream_index,pts,dts,size,pos -of csv=p=0 "$1" |
	    awk -F, -v map="$map" 'function w(t) {
		if (t == "N/A") return t
		t += 0; while (t < 0) t += 8589934592
		while (t >= 8589934592) t -= 8589934592
		return sprintf("%.0f", t) }
	    BEGIN { n = split(map, m, " ")
		for (i = 1; i <= n; i++) { split(m[i], kv, "="); pid[kv[1]] = kv[2] } }
	    NF >= 5 && $1 ~ /^[0-9]+$/ {
		print pid[$1] "," w($2) "," w($3) "," $4 "," $5 }'
}

# got FILE [ARGS]: the driver's access units as PID,PTS,DTS,SIZE,POS.
got() {
	f=$1
	shift
	"$drv" "$@" "$f" | awk -F, '$1 == "au" { print $2 "," $3 "," $4 "," $5 "," $7 }'
}

# keys FILE: PTS,K|_ of each video packet, by ffprobe's parsers; gotkeys
# the same from the driver.
keys() {
	ffprobe -v error -select_streams v:0 -show_entries packet=pts,flags \
	    -of csv=p=0 "$1" | awk -F, '$1 ~ /^[0-9]/ {
		print $1 "," ($2 ~ /K/ ? "K" : "_") }'
}
gotkeys() {
	vpid=$(ffprobe -v error -select_streams v:0 -show_entries stream=id \
	    -of csv=p=0 "$1" | head -1)
	"$drv" "$1" | awk -F, -v p="$(printf %d "$vpid")" '
	    $1 == "au" && $2 == p { print $3 "," ($6 ~ /K/ ? "K" : "_") }'
}

# codecs FILE: the codec names of the first program, in PMT order.
codecs() {
	"$drv" "$1" | awk -F, '$1 == "stream" && $2 == 1 { printf "%s%s", s, $6; s = " " }'
}

# same GOT WANT DESC: t_is on two files, the first difference shown.
same() {
	if cmp -s "$1" "$2"; then
		t_ok 0 "$3 ($(wc -l <"$1") lines)"
	else
		t_ok 1 "$3"
		t_diag "$(diff "$2" "$1" | head -8)"
	fi
}

t_ok "$([ -x "$drv" ]; echo $?)" "the driver is built (make units)"
for name in h264-aac.ts hevc-aac.ts h264-ac3.ts h264-eac3.ts h264-mp2.ts \
    h264-mp3.ts h264-2aac.ts hevc-ac3.ts h264-opus.ts h264-eac3-only.ts \
    h264-ac3-open.ts sysb-ac3.ts sysb-eac3.ts m2ts-192.ts; do
	f=$m/$name
	[ -f "$f" ] || f=$(gen "$name")
	want "$f" >"$T_TMP/want"
	got "$f" >"$T_TMP/got"
	[ -s "$T_TMP/want" ] || t_diag "$name: ffprobe shows no packet"
	same "$T_TMP/got" "$T_TMP/want" "$name: every AU as ffprobe's packet"
	case $name in *-only.ts) continue ;; esac
	keys "$f" >"$T_TMP/want"
	gotkeys "$f" >"$T_TMP/got"
	same "$T_TMP/got" "$T_TMP/want" "$name: video keyframes as ffprobe's"
done
t_is "$(codecs "$(gen hevc-aac.ts)")" "hevc aac" "hevc-aac: codecs"
t_is "$(codecs "$m/sysb-ac3.ts")" "h264 ac3" "0x06 + descriptor 0x6a: ac3"
t_is "$(codecs "$m/sysb-eac3.ts")" "h264 eac3" "0x06 + descriptor 0x7a: eac3"
t_is "$(codecs "$m/h264-opus.ts")" "h264 opus" "0x06 + 'Opus': opus"
t_is "$(codecs "$(gen h264-mp2.ts)")" "h264 mpeg_audio" "0x03: mpeg_audio"
t_is "$("$drv" "$(gen h264-2aac.ts)" | awk -F, '$1 == "stream" { printf "%s ", $7 }')" \
    "- eng fra " "h264-2aac: languages"
t_like "$(keys "$m/h264-ac3-open.ts" | grep -c K)" '^[2-9]' \
    "open GOP: keyframes by recovery point SEI (x264 open-gop)"

# ------------------------------------------------------ H.264 -> HEVC
b=$(gen hevc-aac.ts)
cat "$src" "$b" >"$T_TMP/switch.ts"
out=$("$drv" -s "$T_TMP/switch.ts")
t_is "$(printf '%s\n' "$out" | grep -c '^program,')" 2 \
    "switch: two program events"
t_like "$out" '^program,2,0,256,0x4$' \
    "switch: the second names a stream change (same PMT version 0)"
t_like "$out" '^stream,2,2,256,0x24,hevc,-,1$' \
    "switch: PID 256 is HEVC under a new stream id"
t_like "$out" '^stream,2,1,257,0x0f,aac,-,0$' \
    "switch: the AAC on PID 257 goes on under its id"
size=$(wc -c <"$src")
printf '%s\n' "$out" | awk -F, '$1 == "program" { g = $2 }
    $1 == "au" && g == 2 { print $2 "," $3 "," $4 "," $5 "," $7 - '"$size"' }' \
    >"$T_TMP/got"
want "$b" >"$T_TMP/want"
same "$T_TMP/got" "$T_TMP/want" \
    "switch: after it, every AU of the HEVC file as ffprobe's packet"
printf '%s\n' "$out" | awk -F, '$1 == "program" { g = $2 }
    $1 == "au" && g == 1 { print $2 "," $3 "," $4 "," $5 "," $7 }' \
    >"$T_TMP/got"
want "$src" >"$T_TMP/want"
same "$T_TMP/got" "$T_TMP/want" "switch: before it, the H.264 file's"
t_like "$out" '^stats,.*,damaged=0$' "switch: no AU damaged"

# --------------------------------------------------- chunks and resync
head -c 200000 "$src" >"$T_TMP/head.ts"
"$drv" "$T_TMP/head.ts" >"$T_TMP/whole"
for c in 1 7 187 189 4096; do
	"$drv" -c "$c" "$T_TMP/head.ts" >"$T_TMP/chunked"
	same "$T_TMP/chunked" "$T_TMP/whole" "read in chunks of $c: the same"
done

# junk before, and 1000 bytes of junk (a sync byte every 100) after
# packet 500
junk=$(printf 'xxxxxxxxxx%.0s' 1 2 3 4 5 6 7 8 9)
{ printf 'GGGG junk G'; head -c 94000 "$src"
  for i in 0 1 2 3 4 5 6 7 8 9; do printf 'G%s' "$junk"; done
  tail -c +94001 "$src"; } >"$T_TMP/junk.ts"
out=$("$drv" -s "$T_TMP/junk.ts")
t_like "$out" '^stats,.*,sync_lost=1,cc_errors=0,' "junk: sync lost once, no CC gap"
t_like "$out" '^stats,.*,damaged=[12]$' "junk: the AUs open at the loss are damaged"
printf '%s\n' "$out" | awk -F, '$1 == "au" { print $2 "," $3 "," $4 "," $5 }' \
    >"$T_TMP/got"
want "$src" | cut -d, -f1-4 >"$T_TMP/want"
same "$T_TMP/got" "$T_TMP/want" "junk: every AU still handed out"

# ---------------------------------------------- cmafmux.t's hostile inputs
h=$T_TMP/hostile
mkdir -p "$h"
head -c 300000 "$src" >"$h/trunc.ts"
head -c 200000 /dev/urandom >"$h/random.bin"
ffmpeg -nostdin -v error -y -i "$src" -c copy -output_ts_offset 95440 \
    -f mpegts "$h/wrap.ts"
ffmpeg -nostdin -v error -y -i "$src" -c copy -output_ts_offset 5000 \
    -f mpegts "$h/later.ts"
cat "$src" "$h/later.ts" >"$h/concat.ts"
src2=$(gen h264-ac3.ts)
ffmpeg -nostdin -v error -y -i "$src" -i "$src2" -map 0:v -map 0:a \
    -map 1:v -map 1:a -c copy -program title=one:st=0:st=1 \
    -program title=two:st=2:st=3 -f mpegts "$h/mpts.ts"
cp "$src" "$h/flipped.ts"
off=1000
while [ "$off" -lt 500000 ]; do
	printf '\377' | dd of="$h/flipped.ts" bs=1 seek="$off" conv=notrunc \
	    2>/dev/null
	off=$((off + 4099))
done
for f in trunc.ts random.bin wrap.ts concat.ts mpts.ts flipped.ts; do
	t_run -- "$drv" -s "$h/$f"
	t_is "$T_RC" 0 "$f: exits 0"
	t_unlike "$T_ERR" 'Sanitizer|runtime error' "$f: no sanitizer report"
done
want "$h/wrap.ts" >"$T_TMP/want"
got "$h/wrap.ts" >"$T_TMP/got"
same "$T_TMP/got" "$T_TMP/want" "PTS wrap: raw 33-bit, ffprobe's modulo 2^33"
t_like "$(got "$h/wrap.ts" | cut -d, -f2 | sort -n | sed -n '1p;$p' | tr '\n' ' ')" \
    '^[0-9]{1,6} 858[0-9]{7} $' "PTS wrap: both ends of the 33 bits seen"
t_run -- "$drv" "$h/random.bin"
t_is "$T_OUT" "" "random bytes: no program, no AU"
t_is "$(got "$h/concat.ts" | wc -l)" $(($(want "$src" | wc -l) * 2)) \
    "concatenated: the AUs of both"
t_is "$(codecs "$h/mpts.ts")" "h264 aac" "two programs: the first one"
t_is "$("$drv" -p 2 "$h/mpts.ts" | awk -F, '$1 == "stream" { printf "%s ", $6 }')" \
    "h264 ac3 " "two programs: -p 2 the second one"
t_like "$("$drv" -s "$h/flipped.ts" | tail -1)" 'damaged=[1-9]' \
    "flipped bytes: damage reported"
t_done
