#!/bin/sh
# serve-failover.t - a proxy whose source lists two URLs (failover,
# sd.ini(5)) behind real lighttpd. The first URL is dead (nothing listens
# on its port: connection refused); the second is a live TS channel
# (tests/upstream.pl /channel.ts) whose writer stops for longer than
# upstream_timeout and then comes back. A TS client and an HLS client keep
# getting media across, with at most a discontinuity and no HTTP error;
# /status names the source in use and the dead one's error. Once the first
# URL comes alive, the session takes it back within failover_retry.
. "${0%/*}/lib.sh"
. "${0%/*}/serve/lib.sh"
. "${0%/*}/play.sh"

UP="$SD_TOP/tests/upstream.pl"
media=$("$SD_TOP/scripts/gen-media" -t 180 h264-aac.ts)
conf=$T_TMP/conf
spool=$T_TMP/spool
mkdir -p "$conf" "$spool" "$T_TMP/up1" "$T_TMP/up0"
stall=$T_TMP/stall

dead=$(t_free_port)
live=$(t_free_port)
# (both upstreams play the channel on one clock, as a provider's backup
# does: going back to the first is a step forward in time, not back)
born=$(date +%s)
t_bg perl "$UP" -p "$live" -d "$T_TMP/up1" -f "$media" -s 180 -x "$stall" \
    -b "$born"
t_wait_http "http://127.0.0.1:$live/nothing"
t_ok $? "the second source's upstream listens"
src0=http://127.0.0.1:$dead/channel.ts
src1=http://127.0.0.1:$live/channel.ts

timeout=$(t_secs 3)
serve_ini "$conf" "$spool" "idle_timeout = $(t_secs 30)" \
    "upstream_timeout = $timeout" "failover_retry = $(t_secs 3)"
serve_proxy "$conf" fo "$src0 $src1"
serve_start "$conf" "$spool" 'server.modules += ( "mod_accesslog" )' \
    "accesslog.filename = \"$T_TMP/access.log\"" 'accesslog.format = "%t %T %r %s"'
t_ok $? "lighttpd with sd-serve starts"
base=$SERVE_BASE

# st KEY: KEY of the fo upstream session in /status ("source", "state",
# "connections", "error0"/"error1": each source's last_error, "at0": the
# first's error_at).
st() {
	curl -s --max-time "$(t_secs 5)" "$base/status" | perl -MJSON::PP -e '
	    my $j = eval { decode_json(join "", <STDIN>) } or exit 1;
	    for my $s (@{$j->{relay}{sessions}}) {
		next unless $s->{proxy} eq "fo" && $s->{variant} eq "ts";
		my %v = (%$s, error0 => $s->{sources}[0]{last_error},
		    error1 => $s->{sources}[1]{last_error},
		    at0 => $s->{sources}[0]{error_at});
		print $v{$ARGV[0]} // "", "\n";
	    }' "$1"
}
size() { stat -c %s "$1" 2>/dev/null || echo 0; }

# The clients: curl for TS, ffmpeg for HLS (it keeps every byte it reads).
t_bg curl -s -o "$T_TMP/ts.out" -w '%{http_code}\n' \
    --max-time "$(t_secs 170)" "$base/fo/stream.ts"
curl_pid=$T_BGPID
t_wait 40 '[ "$(size "$T_TMP/ts.out")" -gt 100000 ]'
t_ok $? "the TS client gets the stream although the first source is dead"
t_bg ffmpeg -nostdin -v warning -i "$base/fo/master.m3u8" -map 0 -c copy \
    -f mpegts -y "$T_TMP/hls.out" 2>"$T_TMP/hls.err"
ff_pid=$T_BGPID
t_wait 60 '[ "$(size "$T_TMP/hls.out")" -gt 100000 ]'
rc=$?
t_ok $rc "the HLS client gets segments"
[ $rc -eq 0 ] || t_diag "$(tail -5 "$T_TMP/hls.err")"

t_is "$(st source)" "$src1" "/status: the second source is in use"
t_like "$(st error0)" "Connection refused" \
    "/status: the first source's error ($(st error0))"
t_like "$(st at0)" '^[0-9]{10}$' "/status: and when it happened"

# The writer stops: the session gives the second up after the timeout,
# finds the first dead again, and comes back to the second when it does.
ts_before=$(size "$T_TMP/ts.out")
touch "$stall"
t_wait 30 '[ -n "$(st error1)" ]'
t_ok $? "/status: the stall is the second source's error ($(st error1))"
rm -f "$stall"
conns=$(st connections)
t_wait 30 '[ "$(st state)" = up ] && [ "$(st source)" = "$src1" ] &&
    [ "$(st connections)" -ge 2 ]'
rc=$?
t_ok $rc "the session reconnects to the second source when it recovers"
[ $rc -eq 0 ] || t_diag "$(tail -20 "$spool/fo/ts.log")"
ts_mid=$(size "$T_TMP/ts.out")
hls_mid=$(size "$T_TMP/hls.out")
t_wait 40 '[ "$(size "$T_TMP/ts.out")" -gt $((ts_mid + 400000)) ]'
t_ok $? "the TS client gets media after the stall ($ts_before, $ts_mid, $(size "$T_TMP/ts.out") bytes)"
t_wait 60 '[ "$(size "$T_TMP/hls.out")" -gt $((hls_mid + 400000)) ]'
rc=$?
t_ok $rc "the HLS client gets media after the stall ($hls_mid, $(size "$T_TMP/hls.out") bytes)"
[ $rc -eq 0 ] || t_diag "$(tail -5 "$T_TMP/hls.err")"

# The first source comes alive: taken back within failover_retry (and the
# timeout its probe may take), while the clients go on.
t_bg perl "$UP" -p "$dead" -d "$T_TMP/up0" -f "$media" -s 180 -b "$born"
t_wait 30 '[ "$(st source)" = "$src0" ] && [ "$(st state)" = up ]'
rc=$?
t_ok $rc "the session goes back to the first source once it answers"
[ $rc -eq 0 ] || t_diag "$(tail -20 "$spool/fo/ts.log")"
t_like "$(cat "$T_TMP/up0/connections" 2>/dev/null)" "/channel.ts" \
    "the first source's upstream sees the session's connection"
ts_back=$(size "$T_TMP/ts.out")
hls_back=$(size "$T_TMP/hls.out")
t_wait 40 '[ "$(size "$T_TMP/ts.out")" -gt $((ts_back + 200000)) ]'
t_ok $? "the TS client gets media from the first source ($ts_back, $(size "$T_TMP/ts.out") bytes)"
# (issue 12: each switch leaves a hole or a step back in the times; a
# segment stretched over one made the timeline run away, segments of 39 s,
# a pipeline restart, and ffmpeg's HLS reader went on with audio only)
t_wait 40 '[ "$(size "$T_TMP/hls.out")" -gt $((hls_back + 200000)) ]'
rc=$?
t_ok $rc "the HLS client gets media from the first source ($hls_back, $(size "$T_TMP/hls.out") bytes)"
# (the store's index read from the spool: a request of ours would count
# in the access log the last check reads)
[ $rc -eq 0 ] || t_diag "$(tail -30 "$spool/fo/cmaf.log")" \
    "$(grep -v '^track' "$spool/fo/cmaf/index" 2>&1 | tail -8)" \
    "$(grep -v ' /sd/status ' "$T_TMP/access.log" | tail -12)" \
    "$(tail -3 "$T_TMP/hls.err")"
# Across both switches every segment fits the 2 s target (GOPs of 2 s;
# the index keeps the longest it ever held), and the pipeline never had
# to restart for want of segments.
longest=$(sed -n 's/^store .*longest=\([0-9.]*\).*/\1/p' \
    "$spool/fo/cmaf/index" 2>/dev/null)
awk -v l="${longest:-99}" 'BEGIN { exit !(l + 0 < 2.5) }'
t_ok $? "the store's longest segment fits the target (${longest:-none} s)"
# (the log read is the session's: a log moved elsewhere fails, not passes)
cmaf_log=$(cat "$spool/fo/cmaf.log" 2>/dev/null)
t_like "$cmaf_log" 'fo/cmaf: session [0-9]* started' \
    "the CMAF session's log is where this test reads it"
t_unlike "$cmaf_log" 'stalled|restarting' \
    "the CMAF pipeline ran on across the switches"

# (ffmpeg leaves on one TERM only between packets: its HLS reader waiting
# for a playlist to grow does not look, and waits as long as a segment
# lasts; a second signal interrupts it)
kill "$ff_pid" "$curl_pid" 2>/dev/null
t_wait 10 '! kill -0 "$ff_pid" 2>/dev/null' || kill -INT "$ff_pid" 2>/dev/null
t_wait 10 '! kill -0 "$ff_pid" 2>/dev/null' || kill -KILL "$ff_pid" 2>/dev/null
wait "$ff_pid" "$curl_pid" 2>/dev/null

# What the clients got decodes: at least 6 s each, one discontinuity or
# two (the failover, the way back) allowed, never an HTTP error.
for k in ts hls; do
	ffmpeg -nostdin -v error -i "$T_TMP/$k.out" -map 0:v -f null - \
	    2>"$T_TMP/$k.dec"
	n=$(ffprobe -v error -count_frames -select_streams v:0 -show_entries \
	    stream=nb_read_frames -of csv=p=0 "$T_TMP/$k.out" 2>/dev/null |
	    head -1 | tr -dc 0-9)
	t_at_least "$(( ${n:-0} / 25 ))" 6 "$k client: ffmpeg decodes ${n:-0} frames (25 a second)"
done
t_unlike "$(cat "$T_TMP/hls.err")" 'HTTP error|Server returned|[45][0-9][0-9] ' \
    "the HLS client saw no HTTP error"
t_unlike "$(grep ' /sd/fo' "$T_TMP/access.log")" ' [45][0-9][0-9]$' \
    "lighttpd answered every request of the channel with success"
t_done
