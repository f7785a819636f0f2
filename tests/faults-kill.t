#!/bin/sh
# faults-kill.t - sd-cmafmux -l killed with SIGKILL in the middle of a
# segment, three times, on a live source (faulty.pl on 127.0.0.1, paced in
# real time): after every kill the index names only files that are there
# and whole (store-check.pl, also run every 0.1 s while it writes), and a
# restart on the same folder makes a valid store again, numbering on
# after the last segment with a discontinuity: a name is never reused for
# other bytes.
. "${0%/*}/lib.sh"

media=$("$SD_TOP/scripts/gen-media" -t 60 h264-aac.ts)
up=$T_TMP/up
st=$T_TMP/store
mkdir -p "$up"
port=$(t_free_port)
t_bg perl "$SD_TOP/tests/faulty.pl" -p "$port" -d "$up" -a "$media" -s 60
t_wait_http "http://127.0.0.1:$port/none"

# The watcher: the promise holds at every moment, not only after a kill.
watch_store() {
	while [ ! -e "$T_TMP/stop-watch" ]; do
		perl "$SD_TOP/tests/store-check.pl" "$st" >"$T_TMP/watch.1" ||
		    cat "$T_TMP/watch.1" >>"$T_TMP/watch.bad"
		sleep 0.1
	done
}
t_bg watch_store
watcher=$T_BGPID

last_seq() {
	sed -n 's/^seg .* seq=\([0-9]*\) .*/\1/p' "$st/index" 2>/dev/null |
	    tail -1
}
segs() { grep -c '^seg ' "$st/index" 2>/dev/null || echo 0; }
stamp() {	# what tells this run's index from the last one's
	echo "$(sed -n 's/.* start=\([0-9.]*\).*/\1/p' "$st/index" 2>/dev/null | head -1) $(last_seq)"
}
new_run() {	# a new start=, or a seq past the last run's
	_s=$(stamp)
	[ "${_s% *}" != "${old% *}" ] || [ "${_s#* }" -gt "${old#* }" ]
}
wait_segs() {	# wait_segs N SECONDS: until this run's index lists N
	t_wait "$2" 'new_run 2>/dev/null && [ "$(segs)" -ge '"$1"' ]'
}
start_mux() {	# one live run: curl | sd-cmafmux, sd-cmafmux's PID in $mux
	rm -f "$T_TMP/fifo"
	mkfifo "$T_TMP/fifo"
	t_bg curl -sN -o "$T_TMP/fifo" "http://127.0.0.1:$port/ok.ts"
	feeder=$T_BGPID
	# (a background command's stdin is /dev/null unless set inside it)
	t_bg sh -c 'exec sd-cmafmux -l -w 6 -o "$1" - <"$2" 2>>"$3"' sh \
	    "$st" "$T_TMP/fifo" "$T_TMP/mux.err"
	mux=$T_BGPID
}

for round in 1 2 3; do
	old=$(stamp)
	start_mux
	wait_segs 4 20
	t_ok $? "run $round: segments are written"
	# 2 s segments of a source paced in real time: 0.9 s after an index
	# write is mid-segment (a position in the media, not a deadline).
	n=$(segs)
	t_wait 5 '[ "$(segs)" -ne "$n" ]'
	sleep 0.9
	before=$(last_seq)
	kill -KILL "$mux"
	wait "$mux" 2>/dev/null
	kill "$feeder" 2>/dev/null
	wait "$feeder" 2>/dev/null
	out=$(perl "$SD_TOP/tests/store-check.pl" "$st")
	t_ok $? "run $round: killed mid-segment, the index names only whole files ($out)"
	eval "last_$round=$before"
done

# A restart after the last kill: a valid store again, within bounds.
old=$(stamp)
start_mux
wait_segs 2 20
t_ok $? "restart after SIGKILL: a new store is written"
out=$(perl "$SD_TOP/tests/store-check.pl" "$st")
t_ok $? "restart: the index names only whole files ($out)"
first=$(sed -n 's/^seg .* seq=\([0-9]*\) .*/\1/p' "$st/index" | head -1)
t_ok "$([ "$first" -gt "$last_3" ] && echo 0 || echo 1)" \
    "restart: numbering goes on after seq $last_3 (first listed: $first), no name reused"
t_like "$(grep "^seg .* seq=$first " "$st/index")" 'disc=1' \
    "restart: its first segment is a discontinuity"
# An orderly end (SIGTERM) ends the store: ended=1, and ffmpeg decodes
# what the playlist lists without an error.
kill -TERM "$mux"
wait "$mux" 2>/dev/null
kill "$feeder" 2>/dev/null
t_like "$(sed -n 2p "$st/index")" 'ended=1' "SIGTERM: the store is ended"
# A SIGTERM during a read must not end the store on a frame it cut
# (libavformat flushes its partial PES then): ffmpeg decodes what the
# playlist lists without an error.
t_run -t 30 -- ffmpeg -nostdin -v error -i "$st/v0.m3u8" -f null -
t_is "$T_RC:$T_ERR" "0:" \
    "SIGTERM: ffmpeg decodes the restarted store's video without an error"

: >"$T_TMP/stop-watch"
wait "$watcher" 2>/dev/null
t_is "$(cat "$T_TMP/watch.bad" 2>/dev/null)" "" \
    "watched every 0.1 s through kills and restarts: never a missing or partial file"
left=$(cd "$st" && ls -A | grep -v -E '^(index|.*\.m3u8|manifest\.mpd|[a-z0-9]+-init-[0-9]+\.mp4|[a-z0-9]+-[0-9]+\.m4s)$' | tr '\n' ' ')
t_diag "files left that no name pattern explains (temporaries of killed runs): ${left:-none}"
t_done
