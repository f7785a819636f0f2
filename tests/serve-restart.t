#!/bin/sh
# serve-restart.t - the upstream killed and restarted mid-stream, through
# lighttpd and sd-serve: a TS client keeps receiving (the new connection's
# bytes reach it unchanged) and GStreamer keeps playing HLS past the
# restart (a discontinuity, not an error).
. "${0%/*}/lib.sh"
. "${0%/*}/serve/lib.sh"

if [ ! -x "$SD_BUILD/bin/sd-cmafmux" ]; then
	t_skip 5 "bin/sd-cmafmux is not built"
	t_done
	exit 0
fi
media=$("$SD_TOP/scripts/gen-media" -t 150 h264-aac.ts)
conf=$T_TMP/conf
spool=$T_TMP/spool
up=$T_TMP/up
mkdir -p "$conf" "$spool" "$up" "$T_TMP/docroot"
uport=$(t_free_port)
upstream() {
	t_bg perl "$SD_TOP/tests/upstream.pl" -p "$uport" -d "$up" \
	    -f "$media" -s 150
	UPID=$T_BGPID
}
upstream
printf '[tv]\nsource = http://127.0.0.1:%s/live.ts\nmode = smart\n' \
    "$uport" >"$conf/proxies.ini"
printf 'spool = %s\nidle_timeout = 20\nupstream_timeout = 5\n' \
    "$spool" >"$conf/sd.ini"
serve_start "$conf" "$spool"
t_ok $? "lighttpd with sd-serve answers"
base=$SERVE_BASE

curl -s --max-time 38 -o "$T_TMP/c.ts" "$base/tv/stream.ts" &
c=$!
t0=$(date +%s)
timeout -k 2 36 gst-launch-1.0 -v playbin uri="$base/tv/master.m3u8" \
    video-sink="fakesink name=vs sync=true silent=false" \
    audio-sink="fakesink sync=true" >"$T_TMP/gst.log" 2>&1 &
g=$!
sleep 12
# The upstream goes away and comes back on the same port.
kill "$UPID"
wait "$UPID" 2>/dev/null
sleep 2
upstream
# With sync=true a sink cannot render faster than the clock: more video
# than the seconds from the player's start to the restart means it
# played on after the restart.
back=$(($(date +%s) - t0 + 1))
wait "$g"
t_is "$?" 124 "GStreamer still plays HLS after the upstream restart"
span=$(perl -ne 'if (/\(vs:sink\).*pts: (\d+):(\d+):([\d.]+)/) {
    $t = $1 * 3600 + $2 * 60 + $3; $lo = $t if !defined $lo || $t < $lo;
    $hi = $t if !defined $hi || $t > $hi }
    END { printf "%d\n", defined $hi ? $hi - $lo : 0 }' "$T_TMP/gst.log")
t_ok "$([ "$span" -gt "$back" ] && echo 0 || echo 1)" \
    "GStreamer rendered ${span} s of video, more than the ${back} s before the upstream came back"
wait "$c"
n=$(grep -c ' /live.ts$' "$up/connections")
t_ok "$([ "$n" -ge 2 ] && echo 0 || echo 1)" \
    "the relay reconnected ($n upstream connections)"
# The TS client got bytes of the second connection, unchanged.
last=$up/conn-$(grep ' /live.ts$' "$up/connections" | tail -1 | cut -d' ' -f2).body
perl -e 'local $/; open my $g, "<:raw", $ARGV[0]; my $d = <$g>;
    open my $s, "<:raw", $ARGV[1]; my $b = <$s>;
    my $p = substr($b, 188 * 50, 188 * 20);
    exit(index($d, $p) >= 0 ? 0 : 1)' "$T_TMP/c.ts" "$last"
t_ok $? "the TS client kept receiving after the restart: new bytes, unchanged"
t_done
