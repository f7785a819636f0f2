#!/bin/sh
# Single-file VOD output (issue 16, item 7): sd-cmafmux -s writes one fMP4
# a track (header, sidx, every segment), the index lists byte ranges,
# sd-manifest writes HLS with EXT-X-BYTERANGE and DASH with SegmentBase.
# Played over HTTP (lighttpd's byte ranges) by ffmpeg, GStreamer, hls.js
# and dash.js, parsed by hls-parser in strict mode (t_store_plays); the
# files themselves are checked box by box: the header's range ends at the
# moov, the index range is the sidx, every segment range starts with its
# styp. Then the same from a pipe long enough that the room kept for the
# sidx (the input's length is unknown) is too small: the file is written
# again, and its ranges must still be right.
. "${0%/*}/lib.sh"
. "${0%/*}/play.sh"

# box_at FILE OFFSET: the type of the box at OFFSET.
box_at() {
	dd if="$1" bs=1 skip=$(($2 + 4)) count=4 2>/dev/null
}

# ranges_ok: every range the index of $STORE names holds what it should.
# Prints what is wrong, nothing when all is right.
ranges_ok() {
	while read -r rec rest; do
		case $rec in
		header)
			set -- $rest
			file= bytes= ioff= ibytes=
			for kv; do
				case $kv in
				file=*) file=${kv#file=} ;;
				bytes=*) bytes=${kv#bytes=} ;;
				index_off=*) ioff=${kv#index_off=} ;;
				index_bytes=*) ibytes=${kv#index_bytes=} ;;
				esac
			done
			[ "$(box_at "$STORE/$file" 0)" = ftyp ] ||
			    echo "$file: no ftyp at 0"
			[ "$(box_at "$STORE/$file" "$bytes")" != moov ] ||
			    echo "$file: a moov after the header's bytes=$bytes"
			[ -n "$ioff" ] && [ "$(box_at "$STORE/$file" "$ioff")" = sidx ] ||
			    echo "$file: no sidx at index_off=$ioff"
			[ "$(od -An -tu1 -j "$ioff" -N4 "$STORE/$file" |
			    awk '{ print $1 * 16777216 + $2 * 65536 + $3 * 256 + $4 }')" = "$ibytes" ] ||
			    echo "$file: the sidx is not index_bytes=$ibytes long"
			;;
		seg)
			set -- $rest
			file= off=
			for kv; do
				case $kv in
				file=*) file=${kv#file=} ;;
				off=*) off=${kv#off=} ;;
				esac
			done
			[ "$(box_at "$STORE/$file" "$off")" = styp ] ||
			    echo "$file: no styp at off=$off"
			;;
		esac
	done <"$STORE/index"
}

files() { (cd "$1" && LC_ALL=C ls -A | paste -sd' ' -); }

T_MUX_OPTS=-s t_store_plays h264-aac.ts 6 avc1.64000c,mp4a.40.2 browser
STORE=$T_STORE
t_is "$(files "$STORE")" \
    "a0-0.mp4 a0.m3u8 index manifest.mpd master.m3u8 v0-0.mp4 v0.m3u8" \
    "-s: one file a track, the index and manifests; no segment or temporary file"
t_is "$(grep -c '^#EXT-X-BYTERANGE:' "$STORE/v0.m3u8")" 3 \
    "the video playlist names 3 byte ranges"
t_like "$(cat "$STORE/v0.m3u8")" '^#EXT-X-MAP:URI="v0-0.mp4",BYTERANGE="[0-9]+@0"$' \
    "EXT-X-MAP names the header's range"
t_like "$(cat "$STORE/manifest.mpd")" '<SegmentBase timescale="90000" indexRange="[0-9]+-[0-9]+"' \
    "the MPD has a SegmentBase with an indexRange"
t_like "$(cat "$STORE/manifest.mpd")" 'isoff-on-demand' \
    "... under the on-demand profile"
t_is "$(ranges_ok 2>&1)" "" "every range of the index holds its box"

# A pipe: no length known, room for 64 segments, 80 made.
src=$("$SD_TOP/scripts/gen-media" -t 160 h264-aac.ts)
STORE="$T_TMP/pipe"
t_run -t 120 -i "$src" -- sd-cmafmux -v -s -o "$STORE"
t_is "$T_RC" 0 "-s from a pipe of 160 s"
t_like "$T_ERR" 'writing it again' "the sidx outgrew its room: file written again"
t_is "$(grep -c '^seg track=v0' "$STORE/index")" 80 "80 video segments listed"
t_is "$(files "$STORE")" \
    "a0-0.mp4 a0.m3u8 index manifest.mpd master.m3u8 v0-0.mp4 v0.m3u8" \
    "... in one file a track, no temporary left"
t_is "$(ranges_ok 2>&1)" "" "every range of the rewritten files holds its box"
t_run -t 120 -- ffmpeg -nostdin -v error -i "$STORE/v0-0.mp4" -f null -
t_ok $(( T_RC != 0 || ${#T_ERR} != 0 )) "ffmpeg decodes the rewritten video file"
t_run -- sd-manifest -w "$STORE"
t_is "$T_RC" 0 "sd-manifest -w on it"
t_hls_strict "$STORE"/*.m3u8
serve_dir "$STORE" || t_ok 1 "lighttpd serves the store"
# (ffmpeg, not a real-time player: 160 s of media.)
t_ffmpeg_reads "$SERVE_URL/master.m3u8" "ffmpeg decodes its HLS master over HTTP"
t_ffmpeg_reads "$SERVE_URL/manifest.mpd" "ffmpeg decodes its MPD over HTTP"

# New parameters (a change of resolution) start a DASH Period: each track
# goes on in a new file, so that each Period's sidx lists its own segments.
src10=$("$SD_TOP/scripts/gen-media" -t 10 h264-aac.ts)
ffmpeg -nostdin -v error -y -i "$src10" -vf scale=640:360 -c:v libx264 \
    -preset ultrafast -g 50 -bf 2 -c:a copy -output_ts_offset 10 \
    -f mpegts "$T_TMP/big.ts"
cat "$src10" "$T_TMP/big.ts" >"$T_TMP/change.ts"
STORE="$T_TMP/change"
t_run -t 120 -- sd-cmafmux -s -o "$STORE" "$T_TMP/change.ts"
t_is "$T_RC" 0 "-s, new parameters: exits 0"
t_is "$(ls "$STORE" | grep -c '\.mp4$')" 4 \
    "-s, new parameters: two files a track, one a Period"
t_is "$(grep -c '<SegmentBase ' "$STORE/manifest.mpd")" 4 \
    "-s, new parameters: two Periods, each with its SegmentBase"
t_is "$(ranges_ok 2>&1)" "" "-s, new parameters: every range holds its box"
for f in "$STORE"/v0-*.mp4; do
	t_run -t 60 -- ffmpeg -nostdin -v error -xerror -i "$f" -f null -
	t_is "$T_RC:$T_ERR" "0:" "-s, new parameters: ${f##*/} decodes"
done
serve_dir "$STORE" || t_ok 1 "lighttpd serves the store"
t_gst_play "$SERVE_URL/manifest.mpd" "" \
    "-s, new parameters: GStreamer plays both Periods to EOS"
t_near "${T_GST_VPTS:-}" 20 0.5 "... to the last video frame (20 s)"
t_gst_play "$SERVE_URL/master.m3u8" "" \
    "-s, new parameters: GStreamer plays the HLS master to EOS"
t_near "${T_GST_VPTS:-}" 20 0.5 "... to the last video frame (20 s)"

# HEVC, which Chromium here cannot decode: ffmpeg and GStreamer.
T_MUX_OPTS=-s t_store_plays hevc-aac.ts 6 hvc1.1.6.L60.90,mp4a.40.2

# -s is for on-demand stores.
t_run -i "$src" -- sd-cmafmux -l -s -o "$T_TMP/live"
t_is "$T_RC" 64 "-l -s is refused (usage)"
t_done
