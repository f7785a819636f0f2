#!/bin/sh
# relay-live.t - live variant sessions: `sd-cmafmux -l` (repackage) and
# `ffmpeg | sd-cmafmux -l` (transcode) fed from one proxy's ring while a TS
# client reads it; GStreamer plays HLS and DASH from the stores (served by
# lighttpd on 127.0.0.1) across an upstream restart; ffmpeg killed and
# stopped is restarted and the store goes on with a discontinuity; idle
# sessions are reaped.
. "${0%/*}/lib.sh"
. "${0%/*}/play.sh"

D="$SD_BUILD/tests/drive/relay"
UP="$SD_TOP/tests/upstream.pl"
[ -x "$SD_BUILD/bin/sd-cmafmux" ] || { t_skip 1 "bin/sd-cmafmux not built"; t_done; exit 0; }
MEDIA=$("$SD_TOP/scripts/gen-media" -t 60 h264-aac.ts) || exit 1
PORT=$(t_free_port)
U="http://127.0.0.1:$PORT"
SPOOL="$T_TMP/spool"
mkdir -p "$T_TMP/up" "$SPOOL"

up_start() {
	t_bg perl "$UP" -p "$PORT" -d "$T_TMP/up" -f "$MEDIA" -s 60
	UPPID=$T_BGPID
	t_wait_http "$U/none"
}
conns() { awk -v p="$1" '$3 == p' "$T_TMP/up/connections" | wc -l | tr -d ' '; }
seqs() {	# seqs PLAYLIST: its EXT-X-MEDIA-SEQUENCE
	curl -s "$SERVE_URL/$1" | sed -n 's/^#EXT-X-MEDIA-SEQUENCE://p' | tr -d '\r'
}
state() { sed -n "s/^$2=//p" "$SPOOL/tv/$1.state" 2>/dev/null; }
rendered() { grep -q 'vsink: last-message = chain' "$1"; }

serve_dir "$SPOOL" || exit 1
up_start

# The session's idle time and upstream timeout scale: the test may be slow
# to ask again on a busy machine.
# -m: the stores write their manifests too (live_manifests = 1), played
# here as plain files; sd-serve's sessions write the index alone
# (serve-live.t).
P="-S $SPOOL -p tv -u $U/live.ts -i $(t_secs 6) -t $(t_secs 2) -d 2 -w 6 -m"
FF="ffmpeg -nostdin -loglevel fatal -i SOURCE -map 0 -c:v copy -c:a aac -b:a 64k -f mpegts pipe:1"
touch_loop() {	# what each manifest request does on the serve side
	while [ ! -e "$T_TMP/stop-touch" ]; do
		"$D" ensure $P -v cmaf >/dev/null 2>&1
		"$D" ensure $P -v tx -- $FF >/dev/null 2>&1
		sleep 1
	done
}
t_bg touch_loop
TOUCH=$T_BGPID
t_bg "$D" tail $P >"$T_TMP/c.ts"
TS=$T_BGPID
t_wait 20 '[ -s "$SPOOL/tv/cmaf/master.m3u8" ]'
t_ok $? "repackage session: the store's master playlist appears"
t_wait 20 '[ -s "$SPOOL/tv/tx/manifest.mpd" ]'
t_ok $? "transcode session: the store's MPD appears"
# How late its cuts were published (sd-relay(7)): counted once two
# indexes were seen, written at most every 5 s; never less from the chunk
# before than from the chunk itself.
t_wait 30 '[ "$(state cmaf lag_segments)" -ge 1 ] 2>/dev/null'
t_ok $? "repackage session: its state counts published segments (lag_segments)"
lag=$(state cmaf lag_max_ms) out=$(state cmaf lag_out_max_ms)
t_ok "$([ "${lag:--1}" -ge "${out:--1}" ] && [ "${out:--1}" -ge 0 ] &&
    [ "$(state cmaf lag_late)" -ge "$(state cmaf lag_out_late)" ]; echo $?)" \
    "... and how late they were: lag_max_ms $lag >= lag_out_max_ms $out >= 0"

# Both players, 12 s of media each, across an upstream restart, a TS
# client beside: the upstream goes away once both have rendered a frame,
# and comes back once the session says it is reconnecting.
T_GST_MAX=60
t_gst_start "$SERVE_URL/tv/cmaf/master.m3u8" 12
g_cmaf=$T_GST_PID l_cmaf=$T_GST_LOG
t_gst_start "$SERVE_URL/tv/tx/manifest.mpd" 12
g_tx=$T_GST_PID l_tx=$T_GST_LOG
T_GST_MAX=
t_wait 30 'rendered "$l_cmaf" && rendered "$l_tx"'
t_is "$(conns /live.ts)" 1 "HLS + DASH (two variants) + TS clients: one upstream connection"
seq0=$(seqs tv/cmaf/v0.m3u8)
kill "$UPPID"
wait "$UPPID" 2>/dev/null
t_wait 10 '[ "$(state ts state)" != up ]'
t_ok $? "upstream killed: the session reports it"
up_start
t_gst_wait "$g_cmaf" "$l_cmaf" "$SERVE_URL/tv/cmaf/master.m3u8" 12 \
    "GStreamer plays 12 s of the repackaged HLS across the upstream restart"
t_gst_wait "$g_tx" "$l_tx" "$SERVE_URL/tv/tx/manifest.mpd" 12 \
    "GStreamer plays 12 s of the transcoded DASH across the upstream restart"
t_is "$(conns /live.ts)" 2 "the session reconnected once"
t_like "$(cat "$SPOOL/tv/cmaf/index")" 'disc=1|discseq=[1-9]' \
    "repackaged store: the upstream restart is a discontinuity"
seq1=$(seqs tv/cmaf/v0.m3u8)
t_ok "$([ "${seq1:-0}" -gt "${seq0:-0}" ]; echo $?)" \
    "the live playlist kept sliding (media sequence $seq0 -> $seq1)"

# ffmpeg killed: restarted, the store goes on (same start, a discontinuity).
lastseq() { grep '^seg track=v0' "$SPOOL/tv/tx/index" | tail -1 | sed 's/.* seq=\([0-9]*\).*/\1/'; }
discs() {	# discontinuities so far: those that left the window and those in it
	awk '/^store / { for (i = 1; i <= NF; i++) if ($i ~ /^discseq=/) { sub(/discseq=/, "", $i); n += $i } }
	    /^seg track=v0 / && / disc=1/ { n++ } END { print n + 0 }' "$SPOOL/tv/tx/index"
}
wait_seg_after() {	# wait_seg_after SEQ: until a segment after SEQ
	t_wait 10 '[ "$(lastseq)" -gt '"$1"' ]'
}
new_ffmpeg() {	# new_ffmpeg OLD: a running ffmpeg other than OLD
	ff2=$(state tx ffmpeg_pid)
	[ -n "$ff2" ] && [ "$ff2" != 0 ] && [ "$ff2" != "$1" ]
}
start0=$(sed -n 's/^store .* start=\([0-9.]*\).*/\1/p' "$SPOOL/tv/tx/index")
r0=$(state tx restarts)
ff=$(state tx ffmpeg_pid)
d0=$(discs)
s0=$(lastseq)
kill "$ff"
t_wait 5 '[ "$(state tx restarts)" -gt "$r0" ]'
t_ok $? "ffmpeg killed: the session restarts it"
t_wait 5 new_ffmpeg "$ff"
wait_seg_after "$s0"
wait_seg_after "$(lastseq)"
t_ok "$([ "$(discs)" -gt "$d0" ]; echo $?)" \
    "ffmpeg killed: the store goes on with a discontinuity (disc=1)"
d1=$(discs)
last0=$(lastseq)
kill -STOP "$ff2"
t_wait 25 '[ "$(state tx ffmpeg_pid)" != "$ff2" ]'
kill -CONT "$ff2" 2>/dev/null
t_like "$(cat "$SPOOL/tv/tx.log")" 'ffmpeg stalled' "ffmpeg stopped (SIGSTOP): the stall is seen and it is restarted"
wait_seg_after "$last0"
last1=$(lastseq)
t_ok "$([ "$last1" -gt "$last0" ]; echo $?)" "the transcoded store goes on after the restarts (seq $last0 -> $last1)"
t_is "$(sed -n 's/^store .* start=\([0-9.]*\).*/\1/p' "$SPOOL/tv/tx/index")" "$start0" \
    "... as the same store (sd-cmafmux was not restarted)"
t_ok "$([ "$(discs)" -gt "$d1" ]; echo $?)" "... with a discontinuity (disc=1)"

# The TS client read on through all of it.
kill -0 "$TS"
t_ok $? "the TS client kept reading through the restarts"
kill "$TS"
wait "$TS" 2>/dev/null

# Idle: no more requests; every session reaped, the spool gone.
touch "$T_TMP/stop-touch"
wait "$TOUCH"
pids=$(sed -n 's/^pid=//p' "$SPOOL"/tv/*.state)
ended() { for p in $pids; do t_gone "$p" || return 1; done; }
t_wait 25 ended
t_ok $? "idle: the upstream and both variant sessions ended"
t_wait 5 '[ ! -e "$SPOOL/tv" ]'
t_ok $? "idle: the proxy's spool is gone"
t_is "$(pgrep -f "sd-cmafmux -l.* -o $SPOOL/" | wc -l | tr -d ' ')" 0 "no sd-cmafmux left"

t_done
