# tests/play.sh - real players and parsers for the output tests, sourced by
# tests/*.t after lib.sh:
#
#   . "${0%/*}/lib.sh"
#   . "${0%/*}/play.sh"
#   serve_dir "$store"              # lighttpd (serve/lib.sh); sets SERVE_URL
#   t_ffmpeg_reads "$SERVE_URL/master.m3u8" "ffmpeg reads the master"
#   t_hls_strict "$store"/*.m3u8
#   t_gst_play "$SERVE_URL/manifest.mpd" "" "GStreamer plays the MPD"
#
# Every helper runs a program we did not write, emits one TAP line (an
# optional last argument is its description; else one is made) and fails
# when that program reports an error; details go to the TAP diagnostics.
# The helpers that play also leave what they saw in variables (T_GST_VPTS,
# T_GST_APTS, T_GST_SPAN, T_PLAY_TIME, T_PLAY_MOVED, T_PLAY_ENDED), so that
# the test states how far the player must get. A live play runs until the
# player has played the seconds the test asks for, within a deadline
# scaled by SD_TEST_SLOW (t_secs), not for a fixed time.

. "$SD_TOP/tests/serve/lib.sh"
T_PLAY_DIR="$SD_TOP/tests/play"

# t_ffmpeg_reads URL [DESCRIPTION]: ffmpeg opens URL and decodes every stream
# to the end with nothing logged at level error.
t_ffmpeg_reads() {
	t_run -t 120 -- ffmpeg -nostdin -v error -i "$1" -map 0 -f null -
	_d=${2:-"ffmpeg decodes ${1##*/}"}
	if [ "$T_RC" -eq 0 ] && [ -z "$T_ERR" ]; then
		t_ok 0 "$_d"
	else
		t_ok 1 "$_d"
		t_diag "ffmpeg -i $1: exit $T_RC" "$T_ERR"
	fi
}

# t_hls_strict FILE...: hls-parser in strict mode parses every playlist
# (master or media).
t_hls_strict() {
	_d="hls-parser (strict) accepts"
	for _f in "$@"; do _d="$_d ${_f##*/}"; done
	t_run -t 60 -- node "$T_PLAY_DIR/hls-strict.js" "$@"
	if [ "$T_RC" -eq 0 ]; then
		t_ok 0 "$_d"
	else
		t_ok 1 "$_d"
		t_diag "hls-parser (strict): exit $T_RC" "$T_OUT" "$T_ERR"
	fi
}

# t_xmllint_mpd FILE [DESCRIPTION]: the MPD is well-formed XML whose root is
# an MPD in the DASH namespace. (No DASH schema ships in a Debian package,
# so there is no --schema check.)
t_xmllint_mpd() {
	set -- "$1" "${2:-"xmllint accepts ${1##*/}"}"
	t_run -t 30 -- xmllint --noout --nonet "$1"
	if [ "$T_RC" -ne 0 ] || [ -n "$T_ERR" ]; then
		t_ok 1 "$2"
		t_diag "xmllint $1: exit $T_RC" "$T_ERR"
		return
	fi
	t_run -t 30 -- xmllint --nonet --xpath \
	    "count(/*[local-name()='MPD' and namespace-uri()='urn:mpeg:dash:schema:mpd:2011']/*[local-name()='Period'])" "$1"
	if [ "$T_RC" -eq 0 ] && [ "${T_OUT:-0}" -ge 1 ] 2>/dev/null; then
		t_ok 0 "$2"
	else
		t_ok 1 "$2"
		t_diag "$1: no MPD root in urn:mpeg:dash:schema:mpd:2011 with a Period" \
		    "$T_OUT" "$T_ERR"
	fi
}

# t_gst_play URL [SECONDS [DESCRIPTION]]: GStreamer's playbin plays URL in
# real time into fakesinks. SECONDS empty: to EOS (VOD), within t_secs
# T_GST_MAX (default 90). Else (live): until SECONDS of media have been
# rendered, then stopped; it fails when that does not happen within t_secs
# T_GST_MAX (default twice SECONDS plus 20). Fails too on any ERROR
# message, on no EOS for VOD, and when no buffer was rendered. A live run
# is judged by what it played, not by its exit status: stopped by SIGINT
# it may still be killed by timeout -k (137), which says nothing about the
# stream (with -e it always is: gst-launch-1.0 then waits for an EOS that a
# live playbin never delivers, "Waiting for EOS..."). Sets T_GST_VPTS and
# T_GST_APTS: the last video and audio PTS rendered, in seconds, and
# T_GST_SPAN: the media seconds rendered. T_GST_PLAYBIN=playbin3 tries
# GStreamer's newer demuxers instead.
t_gst_play() {
	t_gst_start "$1" "${2:-}"
	t_gst_wait "$T_GST_PID" "$T_GST_LOG" "$1" "${2:-}" "${3:-}"
}

# t_gst_start URL [SECONDS]: start playbin in the background (no TAP line
# yet), setting T_GST_PID and T_GST_LOG; t_gst_wait PID LOG URL [SECONDS
# [DESCRIPTION]] waits for it and judges, so that a test can do something
# else (even play something else) while GStreamer plays.
t_gst_start() {
	T_GST_LOG="$T_TMP/gst.$$.$T_N.$(date +%s%N).log"
	if [ -z "${2:-}" ]; then
		timeout -k 5 "$(t_secs "${T_GST_MAX:-90}")" gst-launch-1.0 -v \
		    "${T_GST_PLAYBIN:-playbin}" uri="$1" \
		    'video-sink=fakesink name=vsink sync=true silent=false' \
		    'audio-sink=fakesink name=asink sync=true silent=false' \
		    >"$T_GST_LOG" 2>&1 &
		T_GST_PID=$!
	else
		# SIGINT: gst-launch-1.0 stops the pipeline and exits. (Not
		# -e: the EOS it would send waits for a live source to end.)
		_gmax=${T_GST_MAX:-$(($2 * 2 + 20))}
		timeout -k 5 -s INT "$(t_secs "$_gmax")" gst-launch-1.0 -v \
		    "${T_GST_PLAYBIN:-playbin}" uri="$1" \
		    'video-sink=fakesink name=vsink sync=true silent=false' \
		    'audio-sink=fakesink name=asink sync=true silent=false' \
		    >"$T_GST_LOG" 2>&1 &
		T_GST_PID=$!
		# timeout(1) passes the SIGINT on to gst-launch-1.0.
		t_bg t_gst_until "$T_GST_PID" "$T_GST_LOG" "$2" "$_gmax" >/dev/null
	fi
	T_PIDS="${T_PIDS:-} $T_GST_PID"
}

# t_gst_until PID LOG SECONDS MAX: SIGINT to PID once LOG shows SECONDS of
# media rendered (or PID is gone, or t_secs MAX have passed). Every half
# second: the log grows by a line a buffer.
t_gst_until() {
	_gn=$(($(t_secs "$4") * 2))
	while [ "$_gn" -gt 0 ] && ! t_gst_played "$1" "$2" "$3"; do
		sleep 0.5
		_gn=$((_gn - 1))
	done
	kill -INT "$1" 2>/dev/null
}
t_gst_played() {
	t_gone "$1" || awk -v s="$(t_gst_span "$2")" -v n="$3" \
	    'BEGIN { exit !(s >= n) }'
}

t_gst_wait() {
	_pid=$1 _log=$2 _url=$3 _secs=${4:-}
	_d=${5:-"GStreamer plays ${3##*/} ${_secs:+"for $_secs s"}"}
	_d=${_d% }
	_rc=0
	wait "$_pid" || _rc=$?
	T_GST_VPTS=$(t_gst_last_pts vsink "$_log")
	T_GST_APTS=$(t_gst_last_pts asink "$_log")
	T_GST_SPAN=$(t_gst_span "$_log")
	_why=
	if grep -q 'ERROR' "$_log"; then
		_why="GStreamer reported an error"
	elif [ -z "$_secs" ] && [ "$_rc" -ne 0 ]; then
		_why="gst-launch-1.0 exited $_rc"
	elif [ -z "$_secs" ] && ! grep -q 'Got EOS from element' "$_log"; then
		_why="no EOS"
	elif [ -z "$T_GST_VPTS" ] && [ -z "$T_GST_APTS" ]; then
		_why="no buffer reached a sink"
	elif [ -n "$_secs" ] && ! awk -v s="$T_GST_SPAN" -v n="$_secs" \
	    'BEGIN { exit !(s >= n) }'; then
		_why="only $T_GST_SPAN s of media rendered, not $_secs"
	fi
	if [ -z "$_why" ]; then
		t_ok 0 "$_d"
		t_diag "gst: last video pts ${T_GST_VPTS:-none}, audio ${T_GST_APTS:-none}, ${T_GST_SPAN} s rendered (exit $_rc)"
	else
		t_ok 1 "$_d"
		t_diag "gst-launch-1.0 playbin uri=$_url: $_why (exit $_rc)" \
		    "$(grep -E 'ERROR|WARN|debug info|^\.\./|\(404\)|EOS' "$_log" |
		    tail -n 20)"
	fi
}

# t_gst_span LOG: the media seconds rendered (last - first PTS, the larger
# of video's and audio's), or 0.
t_gst_span() {
	grep -E '[va]sink: last-message = chain' "$1" |
	    sed -n 's/.*\([va]\)sink: .*pts: \([0-9]*\):\([0-9]*\):\([0-9.]*\),.*/\1 \2 \3 \4/p' |
	    awk '{ t = $2 * 3600 + $3 * 60 + $4
		if (!($1 in lo) || t < lo[$1]) lo[$1] = t
		if (t > hi[$1]) hi[$1] = t }
	    END { m = 0; for (k in lo) if (hi[k] - lo[k] > m) m = hi[k] - lo[k]
		printf "%.3f\n", m }'
}

# t_gst_last_pts SINK LOG: the last PTS (seconds) SINK rendered, or nothing.
t_gst_last_pts() {
	grep "$1: last-message = chain" "$2" |
	    sed -n 's/.*pts: \([0-9]*\):\([0-9]*\):\([0-9.]*\),.*/\1 \2 \3/p' |
	    awk '{ t = $1 * 3600 + $2 * 60 + $3; if (t > m) m = t }
	        END { if (NR) printf "%.3f\n", m }'
}

# t_browser_play hls|dash URL [SECONDS [DESCRIPTION]]: hls.js or dash.js in
# headless Chromium (tests/play/play.js) plays URL muted, from the page
# served next to it (/play/index.html on URL's server, or on PLAY_ORIGIN's
# when set: a server with tests/play, see serve_dir): SECONDS empty, to
# the end (VOD), failing when the playhead stops for t_secs 20 or the end
# is not reached within t_secs T_PLAY_MAX (default 120); else (live) until
# the playhead has moved SECONDS since it started, failing when that does
# not happen within t_secs T_PLAY_MAX (default twice SECONDS plus 30).
# Fails on a fatal player error. Sets T_PLAY_TIME (currentTime at the end),
# T_PLAY_MOVED (seconds the playhead moved) and T_PLAY_ENDED (true|false).
t_browser_play() {
	_p=$1 _url=$2 _secs=${3:-}
	_d=${4:-"$_p plays ${2##*/} in Chromium ${_secs:+"for $_secs s"}"}
	_d=${_d% }
	T_PLAY_TIME= T_PLAY_MOVED= T_PLAY_ENDED=
	if [ -n "$_secs" ]; then
		_max=${T_PLAY_MAX:-$((_secs * 2 + 30))}
	else
		_max=${T_PLAY_MAX:-120}
	fi
	t_run -t $((_max + 60)) -- env PLAY_MAX_S="$(t_secs "$_max")" \
	    PLAY_STALL_S="$(t_secs 20)" node "$T_PLAY_DIR/play.js" \
	    "$_p" "$_url" ${_secs:+"$_secs"}
	T_PLAY_TIME=$(printf '%s\n' "$T_OUT" | sed -n 's/^currentTime=//p')
	T_PLAY_MOVED=$(printf '%s\n' "$T_OUT" | sed -n 's/^moved=//p')
	T_PLAY_ENDED=$(printf '%s\n' "$T_OUT" | sed -n 's/^ended=//p')
	if [ "$T_RC" -eq 0 ]; then
		t_ok 0 "$_d"
		t_diag "$_p: currentTime=$T_PLAY_TIME moved=$T_PLAY_MOVED ended=$T_PLAY_ENDED"
		printf '%s\n' "$T_OUT" | grep '^error=' | t_diag_stdin
	else
		t_ok 1 "$_d"
		t_diag "play.js $_p $_url: exit $T_RC" "$T_OUT" "$T_ERR"
	fi
}

t_diag_stdin() { sed 's/^/# /' >&2; }

# t_near A B TOLERANCE DESCRIPTION: |A - B| <= TOLERANCE (decimals).
t_near() {
	if awk -v a="$1" -v b="$2" -v t="$3" \
	    'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a != "" && d <= t) }'
	then
		t_ok 0 "$4"
	else
		t_ok 1 "$4"
		t_diag "got: $1" "expected: $2 (within $3)"
	fi
}

# t_fails DESCRIPTION HELPER ARGS...: HELPER (one of the above) must
# report "not ok": the negative test that proves a helper fails when its
# player does. The first lines of its diagnostics are kept as ours.
t_fails() {
	_fd=$1
	shift
	_fo=$( (T_N=0 T_FAILED=0; "$@") 2>"$T_TMP/.fails-err")
	if printf '%s\n' "$_fo" | grep -q '^not ok 1 '; then
		t_ok 0 "$_fd"
		sed -n '1,6s/^#/#   /p' "$T_TMP/.fails-err" >&2
	else
		t_ok 1 "$_fd"
		t_diag "the helper passed where its player should fail:" \
		    "$_fo" "$(cat "$T_TMP/.fails-err")"
	fi
}

# t_store_plays NAME SECONDS CODECS [browser]: the whole check of our
# output for one generated source, scripts/gen-media -t SECONDS NAME:
# sd-cmafmux writes a store, sd-manifest -w its manifests, which must name
# CODECS (the master's CODECS attribute; the MPD's codecs, in order, joined
# by commas); then every parser and player above takes them over HTTP from
# lighttpd; with "browser", hls.js and dash.js in Chromium too. Players
# that report how far they got must reach SECONDS, within half a second.
# T_MUX_OPTS: more sd-cmafmux options (-s: single files); the store is
# left in T_STORE for the test to look at.
t_store_plays() {
	_src=$("$SD_TOP/scripts/gen-media" -t "$2" "$1") || {
		t_ok 1 "$1: gen-media"
		return
	}
	_st="$T_TMP/store-$1${T_MUX_OPTS:+"$T_MUX_OPTS"}" _dur=$2 _codecs=$3
	T_STORE=$_st
	# shellcheck disable=SC2086 # options, split on purpose
	t_run -t 120 -- sd-cmafmux ${T_MUX_OPTS:-} -o "$_st" "$_src"
	t_is "$T_RC" 0 "$1: sd-cmafmux writes a store"
	[ "$T_RC" -eq 0 ] || t_diag "$T_ERR"
	t_run -- sd-manifest -w "$_st"
	t_is "$T_RC" 0 "$1: sd-manifest -w writes its manifests"
	[ "$T_RC" -eq 0 ] || t_diag "$T_ERR"
	if [ ! -s "$_st/master.m3u8" ] || [ ! -s "$_st/manifest.mpd" ]; then
		t_ok 1 "$1: master.m3u8 and manifest.mpd exist"
		return
	fi
	t_is "$(sed -n 's/.*CODECS="\([^"]*\)".*/\1/p' "$_st/master.m3u8")" \
	    "$_codecs" "$1: the HLS master names $_codecs"
	t_is "$(grep -o ' codecs="[^"]*"' "$_st/manifest.mpd" | cut -d'"' -f2 |
	    paste -sd, -)" "$_codecs" "$1: the MPD names $_codecs"
	t_hls_strict "$_st"/*.m3u8
	t_xmllint_mpd "$_st/manifest.mpd" "$1: xmllint accepts the MPD"
	serve_dir "$_st" || { t_ok 1 "$1: lighttpd serves the store"; return; }
	t_ffmpeg_reads "$SERVE_URL/master.m3u8" "$1: ffmpeg decodes the HLS master"
	t_ffmpeg_reads "$SERVE_URL/manifest.mpd" "$1: ffmpeg decodes the MPD"
	t_gst_play "$SERVE_URL/master.m3u8" "" "$1: GStreamer plays the HLS master to EOS"
	t_near "${T_GST_VPTS:-}" "$_dur" 0.5 "$1: ... to the last video frame ($_dur s)"
	t_near "${T_GST_APTS:-}" "$_dur" 0.5 "$1: ... and the last audio"
	t_gst_play "$SERVE_URL/manifest.mpd" "" "$1: GStreamer plays the MPD to EOS"
	t_near "${T_GST_VPTS:-}" "$_dur" 0.5 "$1: ... to the last video frame ($_dur s)"
	t_near "${T_GST_APTS:-}" "$_dur" 0.5 "$1: ... and the last audio"
	[ "${4:-}" = browser ] || return 0
	t_browser_play hls "$SERVE_URL/master.m3u8" "" "$1: hls.js plays the master to the end"
	t_near "${T_PLAY_TIME:-}" "$_dur" 0.5 "$1: ... and ends at the source's end ($_dur s)"
	t_browser_play dash "$SERVE_URL/manifest.mpd" "" "$1: dash.js plays the MPD to the end"
	t_near "${T_PLAY_TIME:-}" "$_dur" 0.5 "$1: ... and ends at the source's end ($_dur s)"
}

# t_todo REASON HELPER ARGS...: run HELPER; a failure is reported as a TAP
# TODO (a known bug, named by REASON, that does not fail the test file
# until it is fixed; prove then reports the pass as unexpected).
t_todo() {
	_tr=$1
	shift
	_to=$( (T_N=0 T_FAILED=0; "$@") 2>"$T_TMP/.todo-err")
	T_N=$((T_N + 1))
	printf '%s\n' "$_to" | sed -n "1s/^\(not ok\|ok\) 1 /\1 $T_N /p" |
	    sed "/^not ok/s/\$/ # TODO $_tr/"
	cat "$T_TMP/.todo-err" >&2
}

# t_live_start STORE WINDOW SECONDS...: a live source for the live tests:
# ffmpeg -re makes H.264/AAC in MPEG-TS from lavfi in real time, one run of
# each SECONDS after the other into one pipe (each new run restarts the
# timestamps: an upstream restart), read by sd-cmafmux -l -w WINDOW -o
# STORE. Sets T_MUX (sd-cmafmux's pid) and T_FEED; both are stopped at
# exit. t_live_wait then waits for v0.m3u8 to list WINDOW segments.
t_live_start() {
	_st=$1 _w=$2
	shift 2
	rm -f "$T_TMP/feed"
	mkfifo "$T_TMP/feed" || return 1
	# Not t_bg: a redirection on a function call opens the fifo here.
	sd-cmafmux -l -w "$_w" -o "$_st" <"$T_TMP/feed" &
	T_MUX=$!
	sh -c 'for s; do
		ffmpeg -nostdin -v error -re \
		    -f lavfi -i "testsrc2=size=320x180:rate=25:duration=$s" \
		    -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=$s" \
		    -c:v libx264 -preset veryfast -g 50 -keyint_min 50 \
		    -sc_threshold 0 -bf 2 -pix_fmt yuv420p -c:a aac -b:a 96k \
		    -f mpegts pipe:1 || exit
	done' sh "$@" >"$T_TMP/feed" 2>"$T_TMP/feed.err" &
	T_FEED=$!
	T_PIDS="${T_PIDS:-} $T_MUX $T_FEED"
}

t_live_wait() {	# t_live_wait STORE WINDOW: within t_secs 30
	t_wait 30 t_live_full "$1" "$2"
	t_is "$(grep -c '^#EXTINF' "$1/v0.m3u8" 2>/dev/null)" "$2" \
	    "the live playlist fills to $2 segments"
}
t_live_full() { [ "$(grep -c '^#EXTINF' "$1/v0.m3u8" 2>/dev/null)" = "$2" ]; }
