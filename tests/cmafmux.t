#!/bin/sh
# cmafmux.t - sd-cmafmux: every codec pair gen-media makes goes through the
# muxer; ffmpeg/ffprobe (not our code) decode each track's header and
# segments and count frames against the source; -T segments decode; hostile
# inputs; a live run from a real-time pipe, polled while it runs.
. "${0%/*}/lib.sh"

media="h264-aac.ts hevc-aac.ts h264-ac3.ts h264-eac3.ts h264-mp2.ts
	h264-mp3.ts h264-2aac.ts vp9-opus.webm av1-opus.mkv h264-aac.mp4"
gen() { "$SD_TOP/scripts/gen-media" "$@"; }

# tracks DIR: the CMAF track ids of the index.
tracks() {
	awk '$1 == "track" { id = ""; ty = ""
		for (i = 2; i <= NF; i++) {
			if ($i ~ /^id=/) id = substr($i, 4)
			if ($i ~ /^type=/) ty = substr($i, 6) }
		if (ty != "mpegts") print id }' "$1/index"
}

# field LINE KEY: the value of KEY= in an index line.
field() {
	printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"
}

# track_files DIR TRACK: the header, then each segment, in order (a new
# header before the first segment that names it).
track_files() {
	awk -v t="$2" '$1 == "seg" && $2 == "track=" t {
		for (i = 3; i <= NF; i++) {
			if ($i ~ /^file=/) f = substr($i, 6)
			if ($i ~ /^init=/) h = substr($i, 6) }
		if (h != last) { print h; last = h }
		print f }' "$1/index"
}

# inits DIR TRACK: the track's headers, in order; gen_file DIR TRACK N OUT:
# the N-th (1-based) header and the segments it heads.
inits() {
	awk -v t="$2" '$1 == "seg" && $2 == "track=" t { for (i = 3; i <= NF;
	    i++) if ($i ~ /^init=/) print substr($i, 6) }' "$1/index" | uniq
}
gen_file() {
	_h=$(inits "$1" "$2" | sed -n "$3p")
	(cd "$1" && cat "$_h" $(awk -v t="$2" -v h="$_h" '$1 == "seg" &&
	    $2 == "track=" t && index($0, " init=" h " ") {
	    for (i = 3; i <= NF; i++) if ($i ~ /^file=/) print substr($i, 6) }' \
	    index)) >"$4"
}

# cat_track DIR TRACK OUT: the bytes a player would append.
cat_track() {
	(cd "$1" && track_files . "$2" | xargs cat) >"$3"
}

# frames FILE SEL: frames ffprobe counts (decoding) in stream SEL.
frames() {
	ffprobe -v error -count_frames -select_streams "$2" \
	    -show_entries stream=nb_read_frames \
	    -of default=noprint_wrappers=1:nokey=1 "$1" | head -1
}

# src_secs FILE SEL: the source's content: frames / rate for video,
# decoded samples / rate for audio (what lavf guesses from a TS's first and
# last time is no measure).
src_secs() {
	case $2 in
	v*) ffprobe -v error -count_frames -select_streams "$2" -show_entries \
	    stream=nb_read_frames,r_frame_rate \
	    -of default=noprint_wrappers=1 "$1" | awk -F= '
		$1 == "r_frame_rate" { split($2, q, "/"); r = q[1] / q[2] }
		$1 == "nb_read_frames" { n = $2 }
		END { printf "%.6f\n", n / r }' ;;
	*) ffprobe -v error -select_streams "$2" -show_entries \
	    frame=nb_samples:stream=sample_rate -of default=noprint_wrappers=1 \
	    "$1" | awk -F= '$1 == "sample_rate" { r = $2 }
		$1 == "nb_samples" { n += $2 }
		END { printf "%.6f\n", n / r }' ;;
	esac
}

# secs FILE: our track's duration, as the fragments say.
secs() {
	ffprobe -v error -show_entries stream=duration -of csv=p=0 "$1"
}

# check_track SRC SRCSEL DIR TRACK NAME
check_track() {
	out="$T_TMP/$5-$4.mp4"
	cat_track "$3" "$4" "$out"
	t_run -- ffmpeg -nostdin -v error -xerror -i "$out" -f null -
	t_is "$T_RC:$T_ERR" "0:" "$5 $4: header + segments decode with no error"
	want=$(frames "$1" "$2")
	got=$(frames "$out" 0)
	t_is "$got" "$want" "$5 $4: frame count equals the source's"
	sd=$(src_secs "$1" "$2")
	od=$(secs "$out")
	ok=$(awk -v a="$sd" -v b="$od" -v n="$want" 'BEGIN {
		d = a - b; if (d < 0) d = -d
		print (n > 0 && d <= a / n + 0.002) ? 0 : 1 }')
	t_ok "$ok" "$5 $4: duration $od within one frame of $sd"
}

# check_video_times DIR NAME: decode times rise, presentation times are
# distinct and start where the index says (FFmpeg's mov demuxer adds back
# the largest negative composition offset, so allow up to 3 frames).
check_video_times() {
	out="$T_TMP/$2-v0.mp4"
	t0=$(field "$(grep -m1 '^seg track=v0 ' "$1/index")" t)
	ts=$(field "$(grep -m1 '^track id=v0 ' "$1/index")" timescale)
	ffprobe -v error -select_streams v -show_entries packet=pts,dts \
	    -of csv=p=0 "$out" >"$T_TMP/pk"
	ok=$(awk -F, -v t0="$t0" -v ts="$ts" '
		NR > 1 && $2 <= ld { bad = "dts not rising at " NR }
		{ ld = $2; if (NR == 1 || $1 < mn) mn = $1; pts[$1]++ }
		END { for (p in pts) if (pts[p] > 1) bad = "pts " p " twice"
			if (mn < t0 || mn > t0 + 3 * ts / 25 + 1)
				bad = "first pts " mn " vs t " t0
			print bad == "" ? "ok" : bad }' "$T_TMP/pk")
	t_is "$ok" "ok" "$2 v0: dts rising, pts distinct, first pts at t"
}

# ---------------------------------------------------------------- -I
# Index only: the same store without its manifest files, which sd-manifest
# then makes from the index byte for byte as sd-cmafmux does.
if src=$(gen h264-aac.ts); then
	t_run -- sd-cmafmux -T -o "$T_TMP/full" "$src"
	t_run -- sd-cmafmux -I -T -o "$T_TMP/ionly" "$src"
	t_is "$T_RC:$T_ERR" "0:" "-I: sd-cmafmux exits 0, quiet"
	t_is "$(cd "$T_TMP/ionly" && ls | grep -c '[.]m3u8$\|[.]mpd$')" 0 \
	    "-I: no manifest file"
	media_sums() {	# the headers and segments of store $1
		(cd "$1" && ls | grep -v '[.]m3u8$\|[.]mpd$\|^index$' | xargs cksum)
	}
	t_is "$(media_sums "$T_TMP/ionly")" "$(media_sums "$T_TMP/full")" \
	    "-I: headers and segments as without it"
	t_is "$(sed 's/ start=[0-9.]*//' "$T_TMP/ionly/index")" \
	    "$(sed 's/ start=[0-9.]*//' "$T_TMP/full/index")" \
	    "-I: the same index (but the clock's start)"
	sd-manifest -w "$T_TMP/ionly"
	t_is "$(cd "$T_TMP/ionly" && cksum *.m3u8 *.mpd)" \
	    "$(cd "$T_TMP/full" && cksum *.m3u8 *.mpd)" \
	    "-I: sd-manifest -w makes the manifests sd-cmafmux leaves out"
	# A live store continued with -I drops the manifests of the run
	# before: they would contradict its index.
	sd-cmafmux -l -o "$T_TMP/cont" <"$src" 2>/dev/null
	before=$(cd "$T_TMP/cont" && ls | grep -c '[.]m3u8$\|[.]mpd$')
	sd-cmafmux -l -I -o "$T_TMP/cont" <"$src" 2>/dev/null
	t_is "$before:$(cd "$T_TMP/cont" && ls | grep -c '[.]m3u8$\|[.]mpd$')" \
	    "4:0" "-l -I: a continued store's old manifests are removed"
else
	t_skip 6 "gen-media h264-aac.ts failed"
fi

# ---------------------------------------------------------------- codecs
for name in $media; do
	src=$(gen "$name") || { t_skip 1 "gen-media $name failed"; continue; }
	dir="$T_TMP/$name"
	t_run -- sd-cmafmux -o "$dir" "$src"
	t_is "$T_RC:$T_ERR" "0:" "$name: sd-cmafmux exits 0, quiet"
	t_run -- sd-manifest -f hls "$dir"
	t_is "$T_RC" 0 "$name: sd-manifest reads the index"
	t_like "$(head -2 "$dir/index")" '^store live=0 ended=1 ' \
	    "$name: VOD store ended"
	na=0
	for tr in $(tracks "$dir"); do
		case $tr in
		v0) check_track "$src" v:0 "$dir" v0 "$name"
		    check_video_times "$dir" "$name" ;;
		a*) check_track "$src" "a:$na" "$dir" "$tr" "$name"
		    na=$((na + 1)) ;;
		esac
	done
	want_a=$(ffprobe -v error -select_streams a -show_entries \
	    stream=index -of csv=p=0 "$src" | sort -u | grep -c .)
	t_is "$na" "$want_a" "$name: every audio stream kept"
done

# AV1 from libaom through a NUT pipe: the sequence header comes with the
# first packet only (what sd-decide's libaom transcodes send)
ffmpeg -nostdin -v error -f lavfi -i testsrc2=size=320x180:rate=25:duration=4 \
    -f lavfi -i sine=frequency=440:sample_rate=48000:duration=4 \
    -c:v libaom-av1 -usage realtime -cpu-used 8 -g 50 -b:v 300k \
    -c:a libopus -f nut "$T_TMP/aom.nut"
t_run -i "$T_TMP/aom.nut" -- sd-cmafmux -o "$T_TMP/aom" -
t_is "$T_RC:$T_ERR" "0:" "libaom AV1 in NUT on stdin: exits 0"
check_track "$T_TMP/aom.nut" v:0 "$T_TMP/aom" v0 aom.nut
check_track "$T_TMP/aom.nut" a:0 "$T_TMP/aom" a0 aom.nut

# languages travel
dir="$T_TMP/h264-2aac.ts"
t_like "$(grep '^track id=a0 ' "$dir/index")" ' lang=eng' "a0 is eng"
t_like "$(grep '^track id=a1 ' "$dir/index")" ' lang=fra' "a1 is fra"
t_is "$(ffprobe -v error -show_entries stream_tags=language -of \
    csv=p=0 "$T_TMP/h264-2aac.ts-a1.mp4")" fra "a1 header says fra"

# every cut at the same presentation time (within one audio frame)
ok=$(awk '$1 == "seg" {
	for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
	tr = f["track"]; s = f["seq"]
	sc = (tr == "v0") ? 90000 : 48000
	at[s, tr] = f["t"] / sc; seqs[s] = 1; trs[tr] = 1 }
	END { for (s in seqs) for (a in trs) for (b in trs)
		if (s > 0 && ((s, a) in at) && ((s, b) in at) &&
		    (at[s, a] - at[s, b] > 0.025 || at[s, b] - at[s, a] > 0.025))
			bad = bad " " s
		print bad == "" ? "ok" : "seq" bad }' "$dir/index")
t_is "$ok" ok "h264-2aac: tracks cut at the same times"

# ---------------------------------------------------------------- -T
src=$(gen h264-aac.ts)
dir="$T_TMP/ts"
t_run -- sd-cmafmux -T -o "$dir" "$src"
t_is "$T_RC:$T_ERR" "0:" "-T: exits 0"
t_like "$(cat "$dir/index")" '^track id=ts type=mpegts ' "-T: a ts track"
bad=0 n=0
for f in $(awk '$2 == "track=ts" { for (i = 3; i <= NF; i++)
    if ($i ~ /^file=/) print substr($i, 6) }' "$dir/index"); do
	n=$((n + 1))
	ffmpeg -nostdin -v error -xerror -i "$dir/$f" -f null - 2>/dev/null ||
	    bad=$((bad + 1))
done
t_is "$bad" 0 "-T: each of the $n TS segments decodes alone"
t_is "$n" "$(grep -c '^seg track=v0 ' "$dir/index")" \
    "-T: as many TS segments as CMAF ones"
(cd "$dir" && awk '$2 == "track=ts" { for (i = 3; i <= NF; i++)
    if ($i ~ /^file=/) print substr($i, 6) }' index | xargs cat) \
    >"$T_TMP/all.ts"
t_is "$(frames "$T_TMP/all.ts" v:0)" "$(frames "$src" v:0)" \
    "-T: TS segments hold every video frame"
t_is "$(frames "$T_TMP/all.ts" a:0)" "$(frames "$src" a:0)" \
    "-T: and every audio frame"
t_is "$(sed -n 2p "$dir/ts.m3u8")" "#EXT-X-VERSION:3" "-T: ts.m3u8 is v3"

# ---------------------------------------------------------------- hostile
h="$T_TMP/hostile"
mkdir -p "$h"

# all_listed DIR [INDEX]: the files the index names that DIR lacks
all_listed() {
	awk '$1 == "seg" { for (i = 3; i <= NF; i++)
	    if ($i ~ /^(file|init)=/) { sub(/^[a-z]+=/, "", $i); print $i } }' \
	    "${2:-$1/index}" | sort -u | while read -r f; do
		[ -f "$1/$f" ] || echo "$f"
	done
}

head -c 300000 "$src" >"$h/trunc.ts"
t_run -- sd-cmafmux -o "$h/trunc" "$h/trunc.ts"
t_is "$T_RC" 0 "truncated TS: a store"
t_is "$(all_listed "$h/trunc")" "" "truncated TS: every listed file exists"
cat_track "$h/trunc" v0 "$T_TMP/trunc.mp4"
t_run -- ffmpeg -nostdin -v error -i "$T_TMP/trunc.mp4" -f null -
t_is "$T_RC" 0 "truncated TS: its video reads to the end"

head -c 200000 /dev/urandom >"$h/random.bin"
t_run -- sd-cmafmux -o "$h/random" "$h/random.bin"
t_is "$T_RC" 65 "random bytes: exit 65 (data error)"
t_like "$T_ERR" 'random.bin: ' "random bytes: the message names the input"
t_is "$(ls "$h/random" 2>/dev/null | grep -c . )" 0 \
    "random bytes: no file in the store"

t_run -- sd-cmafmux -o "$h/none" "$h/missing.ts"
t_is "$T_RC" 66 "missing input: exit 66"

# 2^33 / 90000 = 95443.7 s: the PTS wraps 4 s in
ffmpeg -nostdin -v error -y -i "$src" -c copy -output_ts_offset 95440 \
    -f mpegts "$h/wrap.ts"
t_run -- sd-cmafmux -o "$h/wrap" "$h/wrap.ts"
t_is "$T_RC" 0 "PTS wrap: exits 0"
t_unlike "$(cat "$h/wrap/index")" ' disc=1' "PTS wrap: no discontinuity"
for tr in v0 a0; do
	cat_track "$h/wrap" "$tr" "$T_TMP/wrap-$tr.mp4"
	sel=$(case $tr in v0) echo v:0 ;; *) echo a:0 ;; esac)
	t_is "$(frames "$T_TMP/wrap-$tr.mp4" 0)" "$(frames "$src" "$sel")" \
	    "PTS wrap: $tr keeps every frame"
done
t_like "$(tail -1 "$h/wrap/index")" ' seq=4 ' "PTS wrap: 5 cuts, not more"

ffmpeg -nostdin -v error -y -i "$src" -c copy -output_ts_offset 5000 \
    -f mpegts "$h/later.ts"
cat "$src" "$h/later.ts" >"$h/concat.ts"
t_run -- sd-cmafmux -o "$h/concat" "$h/concat.ts"
t_is "$T_RC" 0 "two TS concatenated: exits 0"
discs=$(awk '/ disc=1/ { for (i = 2; i <= NF; i++) if ($i ~ /^seq=/)
    print substr($i, 5) }' "$h/concat/index" | sort -u)
t_is "$(echo "$discs" | grep -c .)" 1 "concatenated: one cut has disc=1"
t_is "$(grep -c " seq=$discs .* disc=1" "$h/concat/index")" 2 \
    "concatenated: every track marks it"
ok=$(awk '$1 == "seg" { for (i = 2; i <= NF; i++) { split($i, kv, "=")
	f[kv[1]] = kv[2] }
	if ((f["track"] in end) && (f["t"] < end[f["track"]] ||
	    f["t"] > end[f["track"]] + 9000 * 3)) bad = bad " " f["seq"]
	end[f["track"]] = f["t"] + f["d"] }
	END { print bad == "" ? "ok" : "gap or overlap at" bad }' \
	"$h/concat/index")
t_is "$ok" ok "concatenated: the timeline stays continuous"
cat_track "$h/concat" v0 "$T_TMP/concat.mp4"
t_is "$(frames "$T_TMP/concat.mp4" 0)" $(($(frames "$src" v:0) * 2)) \
    "concatenated: every video frame of both"

# a hole of seconds in every track's times (an upstream that stalled, then
# came back at the live point): the segments before it end with their
# last frames, none spans it (the video's ran on to the keyframe after
# it, 4 s), and the first after it starts a discontinuity on every track
ffmpeg -nostdin -v error -y -i "$src" -c copy -copyts -t 4 -f mpegts \
    "$h/before.ts"
ffmpeg -nostdin -v error -y -ss 6 -i "$src" -c copy -copyts -f mpegts \
    "$h/after.ts"
cat "$h/before.ts" "$h/after.ts" >"$h/hole.ts"
t_run -- sd-cmafmux -v -o "$h/hole" "$h/hole.ts"
t_is "$T_RC" 0 "a hole in the times: exits 0"
t_like "$T_ERR" 'v0: a hole of [0-9.]* s in the timestamps' \
    "a hole in the times: -v says so"
discs=$(awk '/ disc=1/ { for (i = 2; i <= NF; i++) if ($i ~ /^seq=/)
    print substr($i, 5) }' "$h/hole/index" | sort -u)
t_is "$(echo "$discs" | grep -c .)" 1 "a hole: one cut has disc=1"
t_is "$(grep -c "^seg track=[va]0 seq=$discs .* disc=1" "$h/hole/index")" 2 \
    "a hole: every track marks it"
longest=$(sed -n 's/^store .*longest=\([0-9.]*\).*/\1/p' "$h/hole/index")
t_ok "$(awk -v l="${longest:-99}" 'BEGIN { print (l + 0 < 2.5) ? 0 : 1 }')" \
    "a hole: no segment spans it (the longest ${longest:-none} s)"

# the same hole where the video ran on half a second past a keyframe and
# the audio stopped before it (audio muxed behind the video, the break
# took it): that moment of video is dropped, not cut into a segment of
# its own with no audio beside it, and the cut after the hole is the one
# discontinuity; every other frame is kept
ffmpeg -nostdin -v error -y -t 4.5 -i "$src" -t 3.9 -i "$src" -map 0:v \
    -map 1:a -c copy -copyts -f mpegts "$h/ahead.ts"
cat "$h/ahead.ts" "$h/after.ts" >"$h/ahead-hole.ts"
t_run -- sd-cmafmux -o "$h/ahead-hole" "$h/ahead-hole.ts"
t_is "$T_RC" 0 "video ahead at a hole: exits 0"
short=$(awk '$1 == "seg" && / track=v0 / { n++; d = $5; sub("d=", "", d)
    if (d + 0 < 90000) s = s " " $3 } END { print n ? s : "no video" }' \
    "$h/ahead-hole/index")
last=$(awk '$1 == "seg" && / track=v0 / { s = " " $3 } END { print s }' \
    "$h/ahead-hole/index")
t_is "${short% "$last"}" "" \
    "video ahead at a hole: no video segment under 1 s but the last"
t_is "$(grep -c '^seg .* disc=1' "$h/ahead-hole/index")" 2 \
    "video ahead at a hole: one cut with disc=1, on both tracks"
# (the frames before the last keyframe of the first part, then all after)
kept=$(ffprobe -v error -select_streams v -show_entries packet=pts_time,flags \
    -of csv=p=0 "$h/ahead.ts" | sort -t, -k1,1n | awk -F, '
    $1 != "" { t[++m] = $1; if ($2 ~ /K/) k = $1 }
    END { for (i = 1; i <= m; i++) n += t[i] < k; print n }')
cat_track "$h/ahead-hole" v0 "$T_TMP/ahead-hole.mp4"
t_is "$(frames "$T_TMP/ahead-hole.mp4" 0)" \
    $((kept + $(frames "$h/after.ts" v:0))) \
    "video ahead at a hole: the frames after the last keyframe go, no others"

# clips_check DIR NAME CLIP: four CLIPs (same timestamps each) in DIR's
# store: three cuts with disc=1 on every track, each track 4 x the clip's
# content, every frame decoded, no segment squashed.
clips_check() {
	_disc=$(awk '/ disc=1/ { for (i = 2; i <= NF; i++) if ($i ~ /^seq=/)
	    print substr($i, 5) }' "$1/index" | sort -u | grep -c .)
	t_is "$_disc" 3 "$2: three cuts with disc=1, one a jump"
	t_is "$(grep -c '^seg .* disc=1' "$1/index")" 6 \
	    "$2: every track marks each"
	t_is "$(awk '$1 == "seg" { for (i = 3; i <= NF; i++) if ($i ~ /^d=/ &&
	    substr($i, 3) + 0 < 1000) print }' "$1/index")" "" \
	    "$2: no segment squashed to a few ticks"
	for _tr in v0 a0; do
		_sel=$(case $_tr in v0) echo v:0 ;; *) echo a:0 ;; esac)
		_ts=$(field "$(grep -m1 "^track id=$_tr " "$1/index")" timescale)
		_got=$(awk -v t="$_tr" -v ts="$_ts" '$1 == "seg" &&
		    $2 == "track=" t { for (i = 3; i <= NF; i++) if ($i ~ /^d=/)
		    n += substr($i, 3) } END { printf "%.3f", n / ts }' \
		    "$1/index")
		_want=$(src_secs "$3" "$_sel")
		# each jump may leave a gap of up to 3 frames (the tracks'
		# ends and starts differ a little), never an overlap
		t_ok "$(awk -v g="$_got" -v w="$_want" 'BEGIN { d = g - 4 * w
		    print (d >= -0.05 && d <= 3 * 0.12) ? 0 : 1 }')" \
		    "$2 $_tr: $_got s in the store, 4 x $_want"
		cat_track "$1" "$_tr" "$T_TMP/$2-$_tr.mp4"
		t_run -- ffmpeg -nostdin -v error -xerror \
		    -i "$T_TMP/$2-$_tr.mp4" -f null -
		t_is "$T_RC:$T_ERR" "0:" "$2 $_tr: decodes with no error"
		t_is "$(frames "$T_TMP/$2-$_tr.mp4" 0)" \
		    $(($(frames "$3" "$_sel") * 4)) "$2 $_tr: every frame of 4"
	done
}

# four 6 s clips with the same timestamps (issue 11: the third and fourth
# were taken for the second's jump and squashed into 1-tick segments)
clip=$(gen -t 6 h264-aac.ts)
cat "$clip" "$clip" "$clip" "$clip" >"$h/clips.ts"
t_run -- sd-cmafmux -o "$h/clips" "$h/clips.ts"
t_is "$T_RC" 0 "four clips concatenated: exits 0"
clips_check "$h/clips" clips "$clip"

# live: an upstream restarting three times (ffmpeg run again each time)
mkdir -p "$h/lclips"
t_run -t 60 -- sh -c 'for i in 1 2 3 4; do ffmpeg -nostdin -v error \
    -readrate 4 -i "$1" -c copy -f mpegts pipe:1 || exit 1; done |
    sd-cmafmux -l -w 40 -o "$2"' sh "$clip" "$h/lclips"
t_is "$T_RC" 0 "live, upstream restarted three times: exits 0"
clips_check "$h/lclips" lclips "$clip"

# two programs: the first video's program only
src2=$(gen h264-ac3.ts)
ffmpeg -nostdin -v error -y -i "$src" -i "$src2" -map 0:v -map 0:a \
    -map 1:v -map 1:a -c copy -program title=one:st=0:st=1 \
    -program title=two:st=2:st=3 -f mpegts "$h/mpts.ts"
t_run -- sd-cmafmux -o "$h/mpts" "$h/mpts.ts"
t_is "$T_RC" 0 "two programs: exits 0"
t_is "$(grep '^track ' "$h/mpts/index" | sed 's/ codecs=.*//')" \
    "track id=v0 type=video codec=h264
track id=a0 type=audio codec=aac" "two programs: the other's AC-3 left out"

# bytes overwritten all over (every 4099th): ends cleanly either way
cp "$src" "$h/flipped.ts"
off=1000
while [ "$off" -lt 500000 ]; do
	printf '\377' | dd of="$h/flipped.ts" bs=1 seek="$off" conv=notrunc \
	    2>/dev/null
	off=$((off + 4099))
done
t_run -- sd-cmafmux -T -o "$h/flipped" "$h/flipped.ts"
t_like "$T_RC" '^(0|65)$' "damaged TS: exit 0 or 65, no crash"
t_unlike "$T_ERR" 'Sanitizer|runtime error' "damaged TS: no sanitizer report"
[ "$T_RC" -eq 0 ] && t_is "$(all_listed "$h/flipped")" "" \
    "damaged TS: every listed file exists" ||
    t_skip 1 "damaged TS gave no store"

# a change of resolution, timestamps continuous: a new header at a cut
ffmpeg -nostdin -v error -y -i "$src" -vf scale=640:360 -c:v libx264 \
    -preset ultrafast -g 50 -bf 2 -c:a copy -output_ts_offset 10 \
    -f mpegts "$h/big.ts"
cat "$src" "$h/big.ts" >"$h/change.ts"
t_run -- sd-cmafmux -o "$h/change" "$h/change.ts"
t_is "$T_RC" 0 "new parameters: exits 0"
hdr=$(inits "$h/change" v0 | sed -n 2p)
first=$(awk -v h="$hdr" '/^seg track=v0 / && index($0, " init=" h " ") {
    print $3; exit }' "$h/change/index")
t_is "$hdr" "v0-init-${first#seq=}.mp4" \
    "new parameters: a second header, named by its first segment"
t_like "$(grep "^seg track=v0 $first " "$h/change/index")" ' disc=1$' \
    "new parameters: $hdr from a cut with disc=1"
t_is "$(grep -c ' disc=1' "$h/change/index")" 2 \
    "new parameters: one cut, both tracks"
for g in 0 1; do
	gen_file "$h/change" v0 $((g + 1)) "$T_TMP/gen$g.mp4"
	t_run -- ffmpeg -nostdin -v error -xerror -i "$T_TMP/gen$g.mp4" -f null -
	t_is "$T_RC:$T_ERR" "0:" "new parameters: generation $g decodes"
done
t_is "$(ffprobe -v error -show_entries stream=width,height -of csv=p=0 \
    "$T_TMP/gen1.mp4")" "640,360" "new parameters: the new header's size"
t_is "$(($(frames "$T_TMP/gen0.mp4" 0) + $(frames "$T_TMP/gen1.mp4" 0)))" \
    500 "new parameters: every frame of both parts"
# each DASH Period describes its own header (xmllint and ffprobe judge)
sd-manifest -f dash "$h/change" >"$T_TMP/change.mpd"
# vrep N ATTR: the N-th Period's video Representation's ATTR
vrep() {
	xmllint --xpath "string((//*[local-name()='Period'])[$1]//*[
	    local-name()='AdaptationSet'][@contentType='video']/*[
	    local-name()='Representation']/@$2)" "$T_TMP/change.mpd"
}
# avc1 FILE: avc1.PP..LL as ffprobe sees the stream (constraints unchecked)
avc1() {
	ffprobe -v error -select_streams v:0 -show_entries stream=profile,level \
	    -of default=nw=1 "$1" | awk -F= '$1 == "profile" {
		p = $2 ~ /High/ ? "64" : $2 ~ /Main/ ? "4d" : "42" }
	    $1 == "level" { l = sprintf("%02x", $2) }
	    END { print "^avc1\\." p "[0-9a-f][0-9a-f]" l "$" }'
}
t_is "$(xmllint --xpath "count(//*[local-name()='Period'])" \
    "$T_TMP/change.mpd")" 2 "new parameters: two DASH Periods"
for g in 0 1; do
	t_is "$(vrep $((g + 1)) width)x$(vrep $((g + 1)) height)" \
	    "$(ffprobe -v error -show_entries stream=width,height -of \
	    csv=s=x:p=0 "$T_TMP/gen$g.mp4")" \
	    "new parameters: Period $((g + 1)) has its header's size"
	t_like "$(vrep $((g + 1)) codecs)" "$(avc1 "$T_TMP/gen$g.mp4")" \
	    "new parameters: Period $((g + 1)) has its header's codecs"
done
t_like "$(cat "$h/change/master.m3u8")" 'RESOLUTION=640x360' \
    "new parameters: the HLS master gives the current size"
t_run -- sd-cmafmux -T -o "$h/change-ts" "$h/change.ts"
t_like "$(cat "$h/change-ts/master-ts.m3u8")" \
    "CODECS=\"$(vrep 2 codecs)," \
    "new parameters: the TS master gives the current codecs"

# the audio goes from mono to stereo where two recordings meet
ffmpeg -nostdin -v error -y -i "$src" -c:v copy -c:a aac -ac 2 -b:a 128k \
    -output_ts_offset 10 -f mpegts "$h/stereo.ts"
cat "$src" "$h/stereo.ts" >"$h/achange.ts"
t_run -- sd-cmafmux -o "$h/achange" "$h/achange.ts"
t_is "$T_RC:$T_ERR" "0:" "new audio parameters: exits 0, quiet"
hdr=$(inits "$h/achange" a0 | sed -n 2p)
first=$(awk -v h="$hdr" '/^seg track=a0 / && index($0, " init=" h " ") {
    print $3; exit }' "$h/achange/index")
t_is "$(grep " $first .* disc=1\$" "$h/achange/index" | wc -l | tr -d ' ')" 2 \
    "new audio parameters: header $hdr at a cut with disc=1"
t_is "$(grep -c ' disc=1' "$h/achange/index")" 2 \
    "new audio parameters: one discontinuity"
for g in 0 1; do
	gen_file "$h/achange" a0 $((g + 1)) "$T_TMP/agen$g.mp4"
	t_run -- ffmpeg -nostdin -v error -xerror -i "$T_TMP/agen$g.mp4" \
	    -f null -
	t_is "$T_RC:$T_ERR" "0:" "new audio parameters: generation $g decodes"
done
t_is "$(ffprobe -v error -show_entries stream=channels -of csv=p=0 \
    "$T_TMP/agen0.mp4"),$(ffprobe -v error -show_entries stream=channels \
    -of csv=p=0 "$T_TMP/agen1.mp4")" "1,2" "new audio parameters: 1 then 2"
n=$(($(frames "$T_TMP/agen0.mp4" 0) + $(frames "$T_TMP/agen1.mp4" 0)))
t_ok "$([ "$n" -ge 930 ] && [ "$n" -le 940 ] && echo 0 || echo 1)" \
    "new audio parameters: $n of 940 frames (a few dropped at the splice)"

# a second run into the same store numbers on: no name means two files
cp -R "$h/change" "$h/rerun"
old_last=$(awk '$1 == "seg" { s = $3 } END { sub(/seq=/, "", s); print s }' \
    "$h/rerun/index")
t_run -- sd-cmafmux -o "$h/rerun" "$src"
t_is "$T_RC" 0 "a second run: exits 0"
t_like "$(grep -m1 '^seg ' "$h/rerun/index")" \
    " seq=$((old_last + 1)) .* disc=1\$" \
    "a second run: starts after the old last seq, with a discontinuity"
t_is "$(cmp -s "$h/change/v0-0.m4s" "$h/rerun/v0-0.m4s" && echo same)" \
    same "a second run: the old files stay as they were"
gen_file "$h/rerun" v0 1 "$T_TMP/rerun.mp4"
t_is "$(frames "$T_TMP/rerun.mp4" 0)" 250 "a second run: its own 250 frames"
old_discs=$(awk '/^seg .* disc=1$/ { print $3 }' "$h/change/index" |
    sort -u | grep -c .)
t_like "$(cat "$h/rerun/v0.m3u8")" \
    "^#EXT-X-DISCONTINUITY-SEQUENCE:$((old_discs + 1))\$" \
    "a second run: its playlist counts the old discontinuities and its own"

# one keyframe, then 70 s without: the segment in hand is bounded
ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=160x90:rate=25:duration=70 \
    -f lavfi -i sine=frequency=440:sample_rate=48000:duration=70 \
    -c:v libx264 -preset ultrafast -g 100000 -keyint_min 100000 \
    -sc_threshold 0 -bf 0 -c:a aac -b:a 64k -f mpegts "$h/onekey.ts"
t_run -- sd-cmafmux -o "$h/onekey" "$h/onekey.ts"
t_is "$T_RC" 0 "keyframes stop: exits 0"
t_like "$T_ERR" 'v0: no keyframe for 60 s' "keyframes stop: says so"
cat_track "$h/onekey" v0 "$T_TMP/onekey-v0.mp4"
t_run -- ffmpeg -nostdin -v error -xerror -i "$T_TMP/onekey-v0.mp4" -f null -
t_is "$T_RC:$T_ERR" "0:" "keyframes stop: the video kept decodes"
cat_track "$h/onekey" a0 "$T_TMP/onekey-a0.mp4"
t_is "$(frames "$T_TMP/onekey-a0.mp4" 0)" "$(frames "$h/onekey.ts" a:0)" \
    "keyframes stop: every audio frame kept"

# audio only: cut by duration
ffmpeg -nostdin -v error -y -i "$src" -map 0:a -c copy -f mpegts "$h/aonly.ts"
t_run -- sd-cmafmux -d 3 -o "$h/aonly" "$h/aonly.ts"
t_is "$T_RC:$T_ERR" "0:" "audio only: exits 0"
t_is "$(grep -c '^seg track=a0 ' "$h/aonly/index")" 4 \
    "audio only: 10 s in 3 s segments"
cat_track "$h/aonly" a0 "$T_TMP/aonly.mp4"
t_is "$(frames "$T_TMP/aonly.mp4" 0)" "$(frames "$src" a:0)" \
    "audio only: every frame"

# start 400 TS packets in: the first keyframe comes about 2 s later
tail -c +$((188 * 400 + 1)) "$src" >"$h/nokey.ts"
t_run -- sd-cmafmux -o "$h/nokey" "$h/nokey.ts"
t_is "$T_RC:$T_ERR" "0:" "no keyframe at first: exits 0, quiet"
cat_track "$h/nokey" v0 "$T_TMP/nokey.mp4"
t_run -- ffmpeg -nostdin -v error -xerror -i "$T_TMP/nokey.mp4" -f null -
t_is "$T_RC:$T_ERR" "0:" "no keyframe at first: starts at a keyframe"

t_run -- sd-cmafmux -d 0 -o "$h/x" "$src"
t_is "$T_RC" 64 "-d 0: usage error"
t_run -- sd-cmafmux "$src"
t_is "$T_RC" 64 "no -o: usage error"

# ---------------------------------------------------------------- live
# live headers: 320x180, then 640x360 from 10 s to 30 s, at 1.5 times real time
# through -w 2; the old header goes once its last segment has
ffmpeg -nostdin -v error -y -i "$h/big.ts" -c copy -output_ts_offset 20 \
    -f mpegts "$h/big2.ts"
cat "$h/change.ts" "$h/big2.ts" >"$h/change3.ts"
mkdir -p "$h/lhdr"
lhdr_t0=$(date +%s)
t_run -t 60 -- sh -c 'ffmpeg -nostdin -v error -readrate 1.5 -i "$1" -c copy \
    -f mpegts pipe:1 | sd-cmafmux -l -w 2 -o "$2"' sh "$h/change3.ts" \
    "$h/lhdr"
t_is "$T_RC" 0 "live headers: exits 0"
new_hdr=$(awk '/^seg track=v0 / { for (i = 3; i <= NF; i++)
    if ($i ~ /^init=/) print substr($i, 6) }' "$h/lhdr/index" | tail -n 1)
# a new live store numbers from the clock (issue 11): seconds since 2024
# (1704067200) at -d 2: its first header is named by its first segment, at
# least lhdr_t0 - 1704067200, and the new one by a later segment; every
# number stays 32-bit, as DASH's $Number$ must (GStreamer stops past it)
new_gen=${new_hdr#v0-init-}
new_gen=${new_gen%.mp4}
t_ok "$(awk -v n="$new_gen" -v t="$lhdr_t0" \
    'BEGIN { print (n + 0 >= t - 1704067200) ? 0 : 1 }')" \
    "live headers: a new header is listed ($new_hdr), numbered from the clock"
t_is "$(awk '$1 == "seg" { s = $3; sub(/seq=/, "", s)
    if (s + 0 > 4294967295) print s }' "$h/lhdr/index")" "" \
    "live headers: every segment number fits DASH's 32-bit \$Number\$"
t_ok "$([ -e "$h/lhdr/$new_hdr" ] && echo 0 || echo 1)" \
    "live headers: the listed header is kept"
t_is "$(ls "$h/lhdr" | awk -v g="$new_gen" '/^v0-init-/ {
    n = substr($0, 9); sub(/\.mp4$/, "", n); if (n + 0 < g + 0) print }')" "" \
    "live headers: the old header is deleted"
t_is "$(all_listed "$h/lhdr")" "" "live headers: every listed file exists"

live_src=$(gen -t 20 h264-aac.ts)
dir="$T_TMP/live"
mkdir -p "$dir"
mkfifo "$T_TMP/pipe"
# the pipe stays open after the source's end (until the test stops it):
# an input that ends does not end a live store, only SIGTERM does
sh -c 'ffmpeg -nostdin -v error -re -i "$1" -c copy -f mpegts pipe:1;
    exec sleep 3600' sh "$live_src" >"$T_TMP/pipe" 2>/dev/null &
fpid=$!
sd-cmafmux -l -w 3 -o "$dir" <"$T_TMP/pipe" 2>"$T_TMP/live.err" &
mpid=$!
T_PIDS="${T_PIDS:-} $fpid $mpid"

# poll: window, sliding seq, files present, deletions after their time
log="$T_TMP/live.log"
: >"$log"
i=0
while [ "$i" -lt 32 ] && kill -0 "$mpid" 2>/dev/null; do
	sleep 0.5
	i=$((i + 1))
	now=$(date +%s.%N)
	[ -f "$dir/index" ] || continue
	cp "$dir/index" "$T_TMP/snap"
	echo "poll $now $(grep -c '^seg track=v0 ' "$T_TMP/snap") \
$(awk '/^seg track=v0 / { sub(/seq=/, "", $3); print $3; exit }' "$T_TMP/snap") \
$(sed -n 's/^#EXT-X-TARGETDURATION://p' "$dir/v0.m3u8" 2>/dev/null)" >>"$log"
	all_listed "$dir" "$T_TMP/snap" | sed "s/^/missing $now /" >>"$log"
	awk -v now="$now" '$1 == "seg" { for (i = 3; i <= NF; i++) {
	    if ($i ~ /^file=/) f = substr($i, 6)
	    if ($i ~ /^d=/) d = substr($i, 3) }
	    print "listed", now, f, d }' \
	    "$T_TMP/snap" >>"$log"
	ls "$dir" | grep '\.m4s$' | sed "s/^/present $now /" >>"$log"
done
kill -TERM "$mpid" 2>/dev/null
rc=0
wait "$mpid" || rc=$?
kill "$fpid" 2>/dev/null
wait "$fpid" 2>/dev/null
t_is "$rc" 0 "live: exits 0 after SIGTERM"
t_is "$(cat "$T_TMP/live.err")" "" "live: quiet"
t_is "$(grep -c '^missing' "$log")" 0 "live: no listed file ever missing"
t_is "$(awk '$1 == "poll" && $3 > 3' "$log" | wc -l | tr -d ' ')" 0 \
    "live: never more than 3 segments listed"
t_ok "$(awk '$1 == "poll" && $3 == 3 { n++ } END { print (n > 0) ? 0 : 1 }' \
    "$log")" "live: the window fills to 3"
ok=$(awk '$1 == "poll" && $4 != "" { if ($4 < last) bad = 1; last = $4 }
	END { print (bad || last < 3) ? "no" : "ok" }' "$log")
t_is "$ok" ok "live: media sequence slides forward (first seq reached 3)"
t_is "$(awk '$1 == "poll" && $5 != "" { print $5 }' "$log" | sort -u |
    wc -l | tr -d ' ')" 1 "live: target duration constant"
# A file that left the window at poll p (it was listed at poll p-1) must
# exist until p-1 + its d + the playlist (3 x 2 s): fail only when sure.
ok=$(awk '
	$1 == "poll" { polls[++np] = $2 }
	$1 == "listed" { last_listed[$3] = $2; d[$3] = $4 }
	$1 == "present" { seen[$3] = $2 }
	END {
		for (f in last_listed) {
			if (!(f in seen) || seen[f] >= polls[np]) continue
			if (seen[f] < last_listed[f]) continue
			gone_by = 0
			for (k = 1; k <= np; k++) if (polls[k] > seen[f]) {
				gone_by = polls[k]; break }
			if (gone_by && gone_by < last_listed[f] + d[f] / 90000 + 6 - 0.5 &&
			    f ~ /^v0/) bad = bad " " f
		}
		print bad == "" ? "ok" : "deleted early:" bad }' "$log")
t_is "$ok" ok "live: no segment deleted before its time"
t_like "$(awk '$1 == "present"' "$log" | tail -1)" . "live: polled"
t_like "$(head -2 "$dir/index")" '^store live=1 ended=1 ' \
    "live: SIGTERM leaves an ended store"
t_is "$(all_listed "$dir")" "" "live: ended store names only files it has"
cat_track "$dir" v0 "$T_TMP/live-v0.mp4"
t_run -- ffmpeg -nostdin -v error -xerror -i "$T_TMP/live-v0.mp4" -f null -
t_is "$T_RC:$T_ERR" "0:" "live: the window's video decodes"
t_like "$(cat "$dir/v0.m3u8")" '^#EXT-X-ENDLIST' "live: playlist ended"

t_done
