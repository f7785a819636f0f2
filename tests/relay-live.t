#!/bin/sh
# relay-live.t - live variant sessions: `sd-cmafmux -l` (repackage) and
# `ffmpeg | sd-cmafmux -l` (transcode) fed from one proxy's ring while a TS
# client reads it; GStreamer plays HLS and DASH from the stores (served by
# lighttpd on 127.0.0.1) across an upstream restart; ffmpeg killed and
# stopped is restarted and the store goes on with a discontinuity; idle
# sessions are reaped.
. "${0%/*}/lib.sh"

D="$SD_BUILD/tests/drive/relay"
UP="$SD_TOP/tests/upstream.pl"
[ -x "$SD_BUILD/bin/sd-cmafmux" ] || { t_skip 1 "bin/sd-cmafmux not built"; t_done; exit 0; }
MEDIA=$("$SD_TOP/scripts/gen-media" -t 60 h264-aac.ts) || exit 1
PORT=$(t_free_port)
WEB=$(t_free_port)
U="http://127.0.0.1:$PORT"
SPOOL="$T_TMP/spool"
mkdir -p "$T_TMP/up" "$SPOOL"

up_start() {
	t_bg perl "$UP" -p "$PORT" -d "$T_TMP/up" -f "$MEDIA" -s 60
	UPPID=$T_BGPID
	t_wait_http "$U/none" 10
}
conns() { awk -v p="$1" '$3 == p' "$T_TMP/up/connections" | wc -l | tr -d ' '; }
gone() {	# gone PID: no such process (or a zombie), within 5 s
	_i=0
	while [ $_i -lt 50 ]; do
		[ -e "/proc/$1" ] || return 0
		[ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" = Z ] && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}
seqs() {	# seqs PLAYLIST: its EXT-X-MEDIA-SEQUENCE
	curl -s "http://127.0.0.1:$WEB/$1" | sed -n 's/^#EXT-X-MEDIA-SEQUENCE://p' | tr -d '\r'
}
wait_file() {	# wait_file PATH SECONDS
	_i=0
	while [ ! -s "$1" ] && [ $_i -lt $(($2 * 10)) ]; do sleep 0.1; _i=$((_i + 1)); done
	[ -s "$1" ]
}

cat >"$T_TMP/lighttpd.conf" <<EOF
server.document-root = "$SPOOL"
server.bind = "127.0.0.1"
server.port = $WEB
server.errorlog = "$T_TMP/lighttpd.err"
mimetype.assign = ( ".m3u8" => "application/vnd.apple.mpegurl",
    ".mpd" => "application/dash+xml", ".m4s" => "video/iso.segment",
    ".mp4" => "video/mp4", ".ts" => "video/mp2t" )
EOF
t_lighttpd "$T_TMP/lighttpd.conf" || exit 1
up_start

P="-S $SPOOL -p tv -u $U/live.ts -i 6 -t 2 -d 2 -w 6"
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
t_bg timeout 40 "$D" tail $P >"$T_TMP/c.ts"
TS=$T_BGPID
wait_file "$SPOOL/tv/cmaf/master.m3u8" 20
t_ok $? "repackage session: the store's master playlist appears"
wait_file "$SPOOL/tv/tx/manifest.mpd" 20
t_ok $? "transcode session: the store's MPD appears"

# Both players for 22 s across an upstream restart, a TS client beside.
for m in cmaf/master.m3u8 tx/manifest.mpd; do
	timeout -k 2 22 gst-launch-1.0 -v playbin uri="http://127.0.0.1:$WEB/tv/$m" \
	    video-sink="fakesink name=vs sync=true silent=false" \
	    audio-sink="fakesink sync=true" >"$T_TMP/gst-${m%%/*}.log" 2>&1 &
	eval "g_${m%%/*}=\$!"
done
sleep 4
t_is "$(conns /live.ts)" 1 "HLS + DASH (two variants) + TS clients: one upstream connection"
seq0=$(seqs tv/cmaf/v0.m3u8)
kill "$UPPID"
wait "$UPPID" 2>/dev/null
sleep 3
up_start
wait "$g_cmaf"
rc_hls=$?
wait "$g_tx"
rc_dash=$?
for m in cmaf tx; do
	rc=$rc_hls
	[ $m = tx ] && rc=$rc_dash
	t_is "$rc" 124 "GStreamer still plays $m across the upstream restart after 22 s"
	t_unlike "$(grep -i 'error' "$T_TMP/gst-$m.log" | head -3)" . "GStreamer: no error on $m"
	span=$(perl -ne 'if (/\(vs:sink\).*pts: (\d+):(\d+):([\d.]+)/) {
	    $t = $1 * 3600 + $2 * 60 + $3; $lo = $t if !defined $lo ||
	    $t < $lo; $hi = $t if !defined $hi || $t > $hi }
	    END { printf "%d\n", defined $hi ? $hi - $lo : 0 }' "$T_TMP/gst-$m.log")
	t_ok "$([ "$span" -ge 12 ]; echo $?)" "GStreamer rendered $span s of $m"
done
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
wait_seg_after() {	# wait_seg_after SEQ: until a segment after SEQ (10 s)
	_i=0
	while [ "$(lastseq)" -le "$1" ] && [ $_i -lt 100 ]; do sleep 0.1; _i=$((_i + 1)); done
}
start0=$(sed -n 's/^store .* start=\([0-9.]*\).*/\1/p' "$SPOOL/tv/tx/index")
r0=$(sed -n 's/^restarts=//p' "$SPOOL/tv/tx.state")
ff=$(sed -n 's/^ffmpeg_pid=//p' "$SPOOL/tv/tx.state")
d0=$(discs)
s0=$(lastseq)
kill "$ff"
i=0
while [ "$(sed -n 's/^restarts=//p' "$SPOOL/tv/tx.state")" = "$r0" ] && [ $i -lt 50 ]; do
	sleep 0.1; i=$((i + 1))
done
t_ok "$([ "$(sed -n 's/^restarts=//p' "$SPOOL/tv/tx.state")" -gt "$r0" ]; echo $?)" \
    "ffmpeg killed: the session restarts it"
ff2=$(sed -n 's/^ffmpeg_pid=//p' "$SPOOL/tv/tx.state")
i=0
while { [ -z "$ff2" ] || [ "$ff2" = 0 ] || [ "$ff2" = "$ff" ]; } && [ $i -lt 50 ]; do
	sleep 0.1; i=$((i + 1)); ff2=$(sed -n 's/^ffmpeg_pid=//p' "$SPOOL/tv/tx.state")
done
wait_seg_after "$s0"
wait_seg_after "$(lastseq)"
t_ok "$([ "$(discs)" -gt "$d0" ]; echo $?)" \
    "ffmpeg killed: the store goes on with a discontinuity (disc=1)"
d1=$(discs)
last0=$(lastseq)
kill -STOP "$ff2"
i=0
while [ "$(sed -n 's/^ffmpeg_pid=//p' "$SPOOL/tv/tx.state")" = "$ff2" ] && [ $i -lt 250 ]; do
	sleep 0.1; i=$((i + 1))
done
kill -CONT "$ff2" 2>/dev/null
t_like "$(cat "$SPOOL/tv/tx.log")" 'ffmpeg stalled' "ffmpeg stopped (SIGSTOP): the stall is seen and it is restarted"
wait_seg_after "$last0"
last1=$(lastseq)
t_ok "$([ "$last1" -gt "$last0" ]; echo $?)" "the transcoded store goes on after the restarts (seq $last0 -> $last1)"
t_is "$(sed -n 's/^store .* start=\([0-9.]*\).*/\1/p' "$SPOOL/tv/tx/index")" "$start0" \
    "... as the same store (sd-cmafmux was not restarted)"
t_ok "$([ "$(discs)" -gt "$d1" ]; echo $?)" "... with a discontinuity (disc=1)"

# The TS client read on through all of it.
wait "$TS"
t_is "$?" 124 "the TS client kept reading through the restarts"

# Idle: no more requests; every session reaped, the spool gone.
touch "$T_TMP/stop-touch"
wait "$TOUCH"
pids=$(sed -n 's/^pid=//p' "$SPOOL"/tv/*.state)
alive() { for p in $pids; do gone "$p" || return 0; done; return 1; }
i=0
while alive && [ $i -lt 25 ]; do sleep 1; i=$((i + 1)); done
t_ok "$(alive && echo 1 || echo 0)" "idle: the upstream and both variant sessions ended"
i=0
while [ -e "$SPOOL/tv" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
t_ok "$([ ! -e "$SPOOL/tv" ]; echo $?)" "idle: the proxy's spool is gone"
t_is "$(pgrep -f "sd-cmafmux -l -d 2 -w 6 -o $SPOOL" | wc -l | tr -d ' ')" 0 "no sd-cmafmux left"

t_done
