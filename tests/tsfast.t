#!/bin/sh
# tsfast.t - sd-cmafmux's MPEG-TS fast path (av_tsin.c on tsdemux.c)
# against the libavformat path it replaces (SD_CMAFMUX_LIBAV=1): the same
# store byte for byte (the index but for its wall-clock start) from every
# TS the tests make, with and without -T, from a file and from stdin, and
# from the hostile inputs of cmafmux.t; stdin that is not TS still goes
# to libavformat. Then what only the fast path does: an H.264 -> HEVC
# switch on the same PIDs reaches the store as a new header after a
# discontinuity, and both halves decode.
. "${0%/*}/lib.sh"

gen() { "$SD_TOP/scripts/gen-media" "$@"; }
m=$T_TMP/media
mkdir -p "$m"

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
lavfi h264-aac44.ts $x264 -c:a aac -ar 44100
lavfi h264-mp2-32k.ts $x264 -c:a mp2 -ac 1 -ar 32000
lavfi h264-ac3-open.ts $x264 -x264-params open-gop=1 -c:a ac3
lavfi eac3-only.ts -map 1:a -c:a eac3
lavfi aac-only.ts -map 1:a -c:a aac
lavfi h264-opus.ts $x264 -c:a libopus -b:a 64k
ffmpeg -nostdin -v error -y -i "$(gen h264-eac3.ts)" -c copy \
    -mpegts_flags system_b -f mpegts "$m/sysb-eac3.ts"
# audio that begins 8 s in, after both probes gave up on it
ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=320x180:rate=25:duration=12 \
    -itsoffset 8 -f lavfi -i sine=duration=4 -map 0:v -map 1:a $x264 \
    -c:a aac -f mpegts "$m/late-audio.ts"
ffmpeg -nostdin -v error -y -i "$(gen h264-ac3.ts)" -c copy \
    -mpegts_m2ts_mode 1 -f mpegts "$m/m2ts-192.ts"

# hostile inputs, made as cmafmux.t makes them
src=$(gen h264-aac.ts)
head -c 300000 "$src" >"$m/trunc.ts"
ffmpeg -nostdin -v error -y -i "$src" -c copy -output_ts_offset 95440 \
    -f mpegts "$m/wrap.ts"
ffmpeg -nostdin -v error -y -i "$src" -c copy -output_ts_offset 5000 \
    -f mpegts "$T_TMP/later.ts"
cat "$src" "$T_TMP/later.ts" >"$m/concat.ts"
ffmpeg -nostdin -v error -y -i "$src" -i "$(gen h264-ac3.ts)" -map 0:v \
    -map 0:a -map 1:v -map 1:a -c copy -program title=one:st=0:st=1 \
    -program title=two:st=2:st=3 -f mpegts "$m/mpts.ts"
ffmpeg -nostdin -v error -y -i "$src" -vf scale=640:360 -c:v libx264 \
    -preset ultrafast -g 50 -bf 2 -c:a copy -output_ts_offset 10 \
    -f mpegts "$T_TMP/big.ts"
cat "$src" "$T_TMP/big.ts" >"$m/change.ts"

# mux WAY OUT ARGS...: a store by the fast path (WAY=ts) or libavformat.
mux() {
	_way=$1 _out=$2
	shift 2
	rm -rf "$_out"
	if [ "$_way" = lav ]; then
		SD_CMAFMUX_LIBAV=1 t_run -- sd-cmafmux -o "$_out" "$@"
	else
		t_run -- sd-cmafmux -o "$_out" "$@"
	fi
	sed -i 's/ start=[0-9.]*//' "$_out/index" 2>/dev/null
}

# same NAME ARGS...: both ways, the same files with the same bytes.
same() {
	_n=$1
	shift
	mux lav "$T_TMP/lav" "$@"
	_rc=$T_RC
	mux ts "$T_TMP/ts" "$@"
	t_is "$_rc:$T_RC:$T_ERR" "0:0:" "$_n: both ways exit 0, quiet"
	t_is "$(diff -r "$T_TMP/lav" "$T_TMP/ts" 2>&1 | head -5)" "" \
	    "$_n: the same store"
}

# frames SEL FILE: frames ffprobe decodes
frames() {
	ffprobe -v error -count_frames -select_streams "$1" \
	    -show_entries stream=nb_read_frames -of csv=p=0 "$2" |
	    sed -n '1s/,*$//p'
}

# cmaf_track DIR ID [SEQ...]: track ID's header and segments (those SEQs)
# of store DIR, one file on stdout.
cmaf_track() {
	_d=$1 _i=$2
	shift 2
	(cd "$_d" && awk -v id="$_i" -v want=" $* " '$1 == "seg" &&
	    $2 == "track=" id && (want == "  " || index(want, " " substr($3,
	    5) " ")) { f = h = ""; for (i = 4; i <= NF; i++) {
	    if ($i ~ /^init=/) h = substr($i, 6)
	    if ($i ~ /^file=/) f = substr($i, 6) }
	    if (!seen[h]++) print h; print f }' index | xargs cat)
}

# ts_whole NAME DIR: the -T segments of store DIR (sd's own TS muxer) each
# decode alone, and together hold the frames of each CMAF track.
ts_whole() {
	_bad=0 _n=0
	for _f in $(awk '$2 == "track=ts" { for (i = 3; i <= NF; i++)
	    if ($i ~ /^file=/) print substr($i, 6) }' "$2/index"); do
		_n=$((_n + 1))
		ffmpeg -nostdin -v error -xerror -i "$2/$_f" -f null - \
		    2>/dev/null || _bad=$((_bad + 1))
	done
	t_is "$_n:$_bad" "$(grep -c "^seg track=$(awk '$1 == "track" {
	    print substr($2, 4); exit }' "$2/index") " "$2/index"):0" \
	    "$1: as many TS segments as CMAF ones, each decodes alone"
	(cd "$2" && awk '$2 == "track=ts" { for (i = 3; i <= NF; i++)
	    if ($i ~ /^file=/) print substr($i, 6) }' index | xargs cat) \
	    >"$T_TMP/all.ts"
	_want= _got= _a=0
	for _id in $(awk '$1 == "track" && $3 != "type=mpegts" {
	    print substr($2, 4) }' "$2/index"); do
		cmaf_track "$2" "$_id" >"$T_TMP/trk.mp4"
		case $_id in
		v*) _sel=v:0 ;;
		*) _sel=a:$_a _a=$((_a + 1)) ;;
		esac
		_want="$_want $_id=$(frames 0 "$T_TMP/trk.mp4")"
		_got="$_got $_id=$(frames "$_sel" "$T_TMP/all.ts")"
	done
	t_is "$_got" "$_want" "$1: the TS segments hold each track's frames"
}

for f in h264-aac.ts hevc-aac.ts h264-ac3.ts h264-eac3.ts h264-mp2.ts \
    h264-mp3.ts h264-2aac.ts; do
	same "$f" "$(gen "$f")"
	same "$f -T" -T "$(gen "$f")"
	ts_whole "$f -T" "$T_TMP/ts"
done
for f in hevc-ac3.ts h264-aac44.ts h264-mp2-32k.ts h264-ac3-open.ts \
    eac3-only.ts aac-only.ts sysb-eac3.ts m2ts-192.ts trunc.ts wrap.ts \
    concat.ts mpts.ts change.ts late-audio.ts; do
	same "$f" "$m/$f"
done
# (audio-only input is left out of ts_whole: its TS cuts come one frame
# after the CMAF ones, as they did with libavformat's muxer: av_feed.c
# hands the TS muxer a frame before the cut it makes)
for f in h264-aac44.ts hevc-ac3.ts h264-mp2-32k.ts h264-ac3-open.ts \
    eac3-only.ts aac-only.ts sysb-eac3.ts m2ts-192.ts; do
	same "$f -T" -T "$m/$f"
	case $f in
	*-only.ts) ;;
	*) ts_whole "$f -T" "$T_TMP/ts" ;;
	esac
done

# the fast path is the one taken, and Opus (libavcodec's) is not
t_run -- sd-cmafmux -v -o "$T_TMP/v" "$src"
t_like "$T_ERR" "MPEG-TS, read by sd's own demuxer" "-v: TS read by tsdemux"
t_run -- sd-cmafmux -v -o "$T_TMP/v" "$m/h264-opus.ts"
t_unlike "$T_ERR" "read by sd's own demuxer" "Opus in TS: libavformat"
same "h264-opus.ts (libavformat both ways)" "$m/h264-opus.ts"

# stdin: TS by the fast path; other containers replayed to libavformat
for f in h264-aac.ts h264-2aac.ts av1-opus.mkv vp9-opus.webm; do
	rm -rf "$T_TMP/lav" "$T_TMP/ts"
	SD_CMAFMUX_LIBAV=1 t_run -i "$(gen "$f")" -- sd-cmafmux -o "$T_TMP/lav" -
	_rc=$T_RC
	t_run -i "$(gen "$f")" -- sd-cmafmux -o "$T_TMP/ts" -
	sed -i 's/ start=[0-9.]*//' "$T_TMP/lav/index" "$T_TMP/ts/index"
	t_is "$_rc:$T_RC" "0:0" "stdin $f: both ways exit 0"
	t_is "$(diff -r "$T_TMP/lav" "$T_TMP/ts" 2>&1 | head -5)" "" \
	    "stdin $f: the same store"
done

# random bytes on stdin: refused as from a file
head -c 200000 /dev/urandom >"$T_TMP/random.bin"
t_run -i "$T_TMP/random.bin" -- sd-cmafmux -o "$T_TMP/random" -
t_is "$T_RC" 65 "random bytes on stdin: exit 65"

# H.264 then HEVC on the same PIDs, one PMT version: libavformat 5.1
# feeds the HEVC to its H.264 parser; the fast path switches the track.
b=$(gen hevc-aac.ts)
cat "$src" "$b" >"$T_TMP/switch.ts"
t_run -- sd-cmafmux -o "$T_TMP/sw" "$T_TMP/switch.ts"
t_is "$T_RC:$T_ERR" "0:" "switch: exits 0, quiet"
idx=$T_TMP/sw/index
t_is "$(awk '$1 == "header" && $2 == "track=v0" { print $4 }' "$idx")" \
    "codecs=avc1.64000c
codecs=hvc1.1.6.L60.90" "switch: an H.264 header, then an HEVC one"
t_like "$(cat "$idx")" '^track id=v0 type=video codec=hevc ' \
    "switch: the track says HEVC now"
hv=$(awk '$1 == "header" && $2 == "track=v0" { print $3 }' "$idx" |
    sed -n '2s/^file=//p')
t_like "$(grep "^seg track=v0 .* init=$hv " "$idx" | head -1)" ' disc=1$' \
    "switch: its first segment starts a discontinuity"
t_like "$(grep "^seg track=a0 " "$idx" | awk -v s="$(grep "init=$hv " \
    "$idx" | head -1 | sed 's/.* seq=\([0-9]*\) .*/\1/')" \
    '$3 == "seq=" s')" ' disc=1$' "switch: the audio marks it too"
for n in 1 2; do
	h=$(awk '$1 == "header" && $2 == "track=v0" { print $3 }' "$idx" |
	    sed -n "${n}s/^file=//p")
	(cd "$T_TMP/sw" && cat "$h" $(awk -v h="$h" '$2 == "track=v0" &&
	    index($0, " init=" h " ") { for (i = 3; i <= NF; i++)
	    if ($i ~ /^file=/) print substr($i, 6) }' index)) \
	    >"$T_TMP/half$n.mp4"
	t_run -- ffmpeg -nostdin -v error -i "$T_TMP/half$n.mp4" -f null -
	t_is "$T_RC:$T_ERR" "0:" "switch: half $n decodes with no error"
done
t_is "$(frames v "$T_TMP/half1.mp4")" "$(frames v "$src")" \
    "switch: every H.264 frame"
t_is "$(frames v "$T_TMP/half2.mp4")" "$(frames v "$b")" \
    "switch: every HEVC frame"
t_is "$(ffprobe -v error -show_entries stream=codec_name -of csv=p=0 \
    "$T_TMP/half2.mp4")" hevc "switch: the second half is HEVC"
# -T on the switch: sd's own TS muxer gives the HEVC half a new PMT
# version (stream_type 0x24); those segments decode, every HEVC frame
t_run -- sd-cmafmux -T -o "$T_TMP/swT" "$T_TMP/switch.ts"
t_is "$T_RC:$T_ERR" "0:" "switch -T: exits 0, quiet"
idx=$T_TMP/swT/index
hv=$(awk '$1 == "header" && $2 == "track=v0" { print $3 }' "$idx" |
    sed -n '2s/^file=//p')
seqs=$(awk -v h="$hv" '$2 == "track=v0" && index($0, " init=" h " ") {
    print substr($3, 5) }' "$idx")
bad=0
for q in $seqs; do
	ffmpeg -nostdin -v error -xerror -i "$T_TMP/swT/ts-$q.ts" -f null - \
	    2>/dev/null || bad=$((bad + 1))
	cat "$T_TMP/swT/ts-$q.ts"
done >"$T_TMP/hevc-half.ts"
t_is "$bad" 0 "switch -T: each TS segment of the HEVC half decodes alone"
t_is "$(ffprobe -v error -select_streams v -show_entries stream=codec_name \
    -of csv=p=0 "$T_TMP/hevc-half.ts" | sed -n '1s/,*$//p')" hevc \
    "switch -T: the HEVC half is HEVC"
t_is "$(frames v "$T_TMP/hevc-half.ts")" "$(frames v "$b")" \
    "switch -T: every HEVC frame"
t_is "$(frames a "$T_TMP/hevc-half.ts")" "$(frames a "$b")" \
    "switch -T: and every audio frame of the HEVC file"
t_done
