#!/bin/sh
# serve-revive.t - a live session that dies is no end of its channel
# (issue 11), through lighttpd and sd-serve: the sessions' processes are
# killed (SIGKILL) while an HLS store is live; sd-cmafmux sees its input end
# but must not end the store (no EXT-X-ENDLIST, which players and caches
# take as the end for good); the next request for the playlist starts the
# session again, and the playlist goes on with EXT-X-DISCONTINUITY.
. "${0%/*}/lib.sh"
. "$SD_TOP/tests/serve/lib.sh"

serve_need_mux 8
media=$("$SD_TOP/scripts/gen-media" -t 150 h264-aac.ts)
serve_dirs
serve_upstream "$media" 150
serve_proxy "$conf" tv "$SERVE_UP/live.ts"
serve_ini "$conf" "$spool" "idle_timeout = $(t_secs 60)" \
    "upstream_timeout = $(t_secs 5)"
serve_start "$conf" "$spool"
t_ok $? "lighttpd with sd-serve answers"
base=$SERVE_BASE

curl -s -o "$T_TMP/master.m3u8" --max-time "$(t_secs 30)" \
    "$base/tv/master.m3u8"
media_pl=$(grep -v '^#' "$T_TMP/master.m3u8" | grep -m1 'v0')
variant=${media_pl%%/*}
store=$spool/tv/$variant
# segs: the video segments the store's index lists now
segs() { grep -c '^seg track=v0 ' "$store/index" 2>/dev/null || echo 0; }
t_wait 60 '[ "$(segs)" -ge 3 ]'
t_ok $? "the HLS session ($media_pl) has 3 segments"

curl -s -o "$T_TMP/pl0" --max-time "$(t_secs 10)" "$base/tv/$media_pl"
disc0=$(sed -n 's/^#EXT-X-DISCONTINUITY-SEQUENCE://p' "$T_TMP/pl0")
seq0=$(sed -n 's/^#EXT-X-MEDIA-SEQUENCE://p' "$T_TMP/pl0")
# The sessions' own processes die at once; sd-cmafmux sees its input end.
mux=$(pgrep -f "sd-cmafmux .*$store" | head -1)
old_pids=$(serve_session_pids "$spool")
for p in $old_pids; do kill -KILL "$p"; done
for p in $old_pids; do t_wait_gone "$p"; done
[ -n "$mux" ] && t_wait_gone "$mux" 10
t_ok $? "sd-cmafmux ($mux) exits once its input ends"
t_like "$(sed -n 2p "$store/index")" '^store live=1 ended=0 ' \
    "the store it leaves is not ended"
t_unlike "$(cat "$store/v0.m3u8" 2>/dev/null)" 'EXT-X-ENDLIST' \
    "its playlist on disk has no EXT-X-ENDLIST"

# The next request, for the media playlist itself, starts it again.
code=$(curl -s -o "$T_TMP/pl" -w '%{http_code}' --max-time "$(t_secs 30)" \
    "$base/tv/$media_pl")
t_is "$code" 200 "the playlist is served"
t_unlike "$(cat "$T_TMP/pl")" 'EXT-X-ENDLIST' "... with no EXT-X-ENDLIST"
new_pid() {
	for p in $(serve_session_pids "$spool"); do
		case " $(echo $old_pids) " in *" $p "*) ;; *)
		    [ -e "/proc/$p" ] && return 0 ;; esac
	done
	return 1
}
t_wait 30 new_pid
t_ok $? "the request started the session again"
# the tag while the first new segment is in the window, or (once it has
# slid out) the discontinuity sequence counting it
disc() {
	curl -s -o "$T_TMP/pl" --max-time "$(t_secs 10)" "$base/tv/$media_pl"
	grep -q '^#EXT-X-DISCONTINUITY$' "$T_TMP/pl" ||
	    [ "$(sed -n 's/^#EXT-X-DISCONTINUITY-SEQUENCE://p' "$T_TMP/pl")" \
	    -gt "$disc0" ]
}
t_wait 60 disc
t_ok $? "the playlist goes on with EXT-X-DISCONTINUITY"
t_at_least "$(sed -n 's/^#EXT-X-MEDIA-SEQUENCE://p' "$T_TMP/pl")" \
    "$seq0" "... and numbers on"
serve_stop_sessions "$spool"
t_done
