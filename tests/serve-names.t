#!/bin/sh
# serve-names.t - immutable names are never reused across sessions of a
# proxy (issue 11), through lighttpd and sd-serve: a session runs, ends
# idle (its store deleted), and a second one runs on another upstream
# content; every header and segment name either session served is served
# with one content only (they are sent `immutable`: a cache in front would
# keep the first session's bytes under a reused name). Nor when the clock
# goes back: the numbers used are kept in the spool, outside the store
# (SPOOL/.numbers/PROXY@VARIANT), and a clock a day behind them (the file
# set a day ahead of the clock) still gives the second session numbers
# past them.
. "${0%/*}/lib.sh"
. "$SD_TOP/tests/serve/lib.sh"

serve_need_mux 10
one=$("$SD_TOP/scripts/gen-media" -t 60 h264-aac.ts)
# the same codecs (so the same variant), another picture
two=$T_TMP/two.ts
ffmpeg -nostdin -v error -y -i "$one" -t 40 -vf hflip -c:v libx264 \
    -preset veryfast -g 50 -keyint_min 50 -sc_threshold 0 -bf 2 \
    -pix_fmt yuv420p -c:a copy -f mpegts "$two"
serve_dirs
uport=$(t_free_port)
serve_proxy "$conf" tv "http://127.0.0.1:$uport/live.ts"
serve_ini "$conf" "$spool" "idle_timeout = $(t_secs 4)" \
    "upstream_timeout = $(t_secs 5)"
serve_start "$conf" "$spool"
t_ok $? "lighttpd with sd-serve answers"
base=$SERVE_BASE

# session N FILE: the upstream serves FILE; the media playlist's files
# (header and segments) once 3 segments are listed, fetched through
# sd-serve, as "NAME SHA" lines to $T_TMP/sumsN.
session() {
	serve_upstream -p "$uport" "$2" 60
	curl -s -o "$T_TMP/master$1" --max-time "$(t_secs 30)" \
	    "$base/tv/master.m3u8"
	_pl=$(grep -v '^#' "$T_TMP/master$1" | grep -m1 'v0')
	_var=${_pl%%/*}
	_n() {
		curl -s -o "$T_TMP/pl$1" --max-time "$(t_secs 10)" \
		    "$base/tv/$_pl"
		[ "$(grep -c '\.m4s$' "$T_TMP/pl$1")" -ge 3 ]
	}
	t_wait 60 _n "$1"
	t_ok $? "session $1: 3 segments listed"
	: >"$T_TMP/sums$1"
	for _f in $(sed -n 's/^#EXT-X-MAP:URI="\(.*\)"$/\1/p' "$T_TMP/pl$1") \
	    $(grep '\.m4s$' "$T_TMP/pl$1"); do
		curl -s -o "$T_TMP/f" --max-time "$(t_secs 10)" \
		    "$base/tv/$_var/$_f" &&
		    echo "$_f $(sha1sum <"$T_TMP/f" | cut -d' ' -f1)" \
		    >>"$T_TMP/sums$1"
	done
	STORE=$spool/tv/$_var
	VAR=$_var
}
# the numbers in the names of sumsN, one a line, sorted
numbers() {
	sed 's/^[^ ]*-\([0-9][0-9]*\)\.[a-z0-9]* .*$/\1/' "$T_TMP/sums$1" |
	    sort -n
}
session 1 "$one"
# idle: no request; the sessions end and remove the store (the upstream
# stays up meanwhile, so no session sees it go)
t_wait 60 '[ ! -d "$STORE" ] && [ -z "$(serve_session_pids "$spool")" ]'
t_ok $? "session 1 ended idle and its store is gone"
kill "$SERVE_UPID"
wait "$SERVE_UPID" 2>/dev/null
var1=$VAR
nums=$spool/.numbers/tv@$var1
next=$(sed -n 's/^next=\([0-9][0-9]*\)$/\1/p' "$nums" 2>/dev/null)
t_ok "$([ -n "$next" ] && [ "$next" -gt "$(numbers 1 | tail -n 1)" ] &&
    echo 0 || echo 1)" \
    "the numbers file outlives the store, past session 1's names ($next)"
# the clock goes back a day: the numbers used are a day ahead of it (-d 2:
# a number a second since 2024)
ahead=$(( $(date +%s) - 1704067200 + 86400 ))
echo "next=$ahead" >"$nums"
session 2 "$two"
t_is "$VAR" "$var1" "session 2 is the same variant"
t_ok "$([ "$(numbers 2 | head -n 1)" -ge "$ahead" ] && echo 0 || echo 1)" \
    "the clock a day behind: session 2 numbers from the kept next ($ahead)"
t_is "$(wc -l <"$T_TMP/sums2" | tr -d ' ')" 4 \
    "session 2: a header and 3 segments fetched"
clash=$(awk 'NR == FNR { s[$1] = $2; next }
    ($1 in s) && s[$1] != $2 { print $1 }' "$T_TMP/sums1" "$T_TMP/sums2")
t_is "$clash" "" "no name served by both sessions with other bytes"
t_is "$(cat "$T_TMP/sums1" "$T_TMP/sums2" | cut -d' ' -f1 | sort |
    uniq -d)" "" "no name served by both sessions at all"
serve_stop_sessions "$spool"
t_done
