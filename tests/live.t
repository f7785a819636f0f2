#!/bin/sh
# Live (issue 4, test 6): an MPEG-TS made in real time (ffmpeg -re, lavfi)
# through a pipe into sd-cmafmux -l -w 5, with an upstream restart in the
# middle (a second ffmpeg whose timestamps start again: one discontinuity),
# until SIGTERM stops it.
# While it runs the store is copied every 0.3 s; tests/play/live-check.js
# then checks the window, MEDIA-SEQUENCE, DISCONTINUITY-SEQUENCE,
# TARGETDURATION, that every listed file is there and that nothing is
# deleted before its availability ends. Meanwhile GStreamer plays the live
# HLS and then the live DASH for 20 s each, from lighttpd.
. "${0%/*}/lib.sh"
. "${0%/*}/play.sh"

W=5
st="$T_TMP/store"
snap="$T_TMP/snap"
mkdir -p "$st" "$snap"

# poll: copy the playlists and the MPD, then list the store, until stopped.
poll() {
	_i=0
	while [ ! -e "$T_TMP/stop" ]; do
		_d="$snap/$(printf %05d "$_i")"
		mkdir "$_d"
		date +%s.%N >"$_d/t0"
		for _f in "$st"/*.m3u8 "$st"/manifest.mpd; do
			[ -e "$_f" ] && cp "$_f" "$_d/" 2>/dev/null
		done
		ls "$st" >"$_d/ls"
		date +%s.%N >"$_d/t1"
		_i=$((_i + 1))
		sleep 0.3
	done
}

t_live_start "$st" "$W" 8 100
mux=$T_MUX
feed=$T_FEED
t_bg poll
poller=$T_BGPID

t_serve_dir "$st" || t_diag "lighttpd did not start"
# A full window (about 10 s of media) before the players start.
t_live_wait "$st" "$W"

t_gst_play "$T_URL/master.m3u8" 20 "GStreamer plays the live HLS for 20 s"
# GStreamer 1.22's dashdemux seeks a live SegmentTimeline to
# ((now - S.start) + first S.start) / d (gst_mpd_client_stream_seek adds
# the first segment's start): once the window has slid it starts that far
# ahead of the live edge and waits. dash.js plays the same MPD
# (live-browser.t).
t_todo "GStreamer 1.22 dashdemux joins a slid live SegmentTimeline ahead of its live edge" \
    t_gst_play "$T_URL/manifest.mpd" 20 "GStreamer plays the live DASH for 20 s"

# SIGTERM: the segment in hand is finished and the program exits cleanly.
kill -TERM "$mux"
rc=0
wait "$mux" || rc=$?
t_is "$rc" 0 "sd-cmafmux exits 0 on SIGTERM"
kill "$feed" 2>/dev/null
: >"$T_TMP/stop"
wait "$poller"

t_run -t 60 -- node "$SD_TOP/tests/play/live-check.js" "$W" "$snap"
printf '%s\n' "$T_OUT" >"$T_TMP/check.out"
while IFS= read -r l; do
	case $l in
	'ok - '*) t_ok 0 "${l#ok - }" ;;
	'not ok - '*) t_ok 1 "${l#not ok - }" ;;
	'discontinuities '*)
		set -- $l
		t_is "$3" 1 "$2: one upstream restart, one discontinuity" ;;
	'#'*) printf '%s\n' "$l" >&2 ;;
	esac
done <"$T_TMP/check.out"
[ -z "$T_ERR" ] || t_diag "$T_ERR"
t_done
