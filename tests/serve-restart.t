#!/bin/sh
# serve-restart.t - the upstream killed and restarted mid-stream, through
# lighttpd and sd-serve: a TS client keeps receiving (the new connection's
# bytes reach it unchanged) and GStreamer keeps playing HLS past the
# restart (a discontinuity, not an error).
. "${0%/*}/lib.sh"
. "${0%/*}/play.sh"

serve_need_mux 6
media=$("$SD_TOP/scripts/gen-media" -t 150 h264-aac.ts)
serve_dirs
serve_upstream "$media" 150
uport=$SERVE_UPORT
serve_proxy "$conf" tv "$SERVE_UP/live.ts"
serve_ini "$conf" "$spool" "idle_timeout = $(t_secs 20)" \
    "upstream_timeout = $(t_secs 5)"
serve_start "$conf" "$spool"
t_ok $? "lighttpd with sd-serve answers"
base=$SERVE_BASE

curl -s -o "$T_TMP/c.ts" "$base/tv/stream.ts" &
c=$!
T_PIDS="${T_PIDS:-} $c"
# GStreamer plays 20 s of the HLS; once it has rendered 6 s the upstream
# goes away, and it comes back on the same port once the session has
# seen it go.
T_GST_MAX=90
t_gst_start "$base/tv/master.m3u8" 20
T_GST_MAX=
t_wait 60 '[ "$(t_gst_span "$T_GST_LOG" | cut -d. -f1)" -ge 6 ]'
kill "$SERVE_UPID"
wait "$SERVE_UPID" 2>/dev/null
up_state() {
	curl -s "$base/status" | node -e '
	const s = JSON.parse(require("fs").readFileSync(0));
	const t = s.relay.sessions.find(x => x.proxy === "tv" &&
	    x.variant === "ts");
	console.log(t ? t.state : "none");' 2>/dev/null
}
t_wait 20 '[ "$(up_state)" != up ]'
t_ok $? "the session sees the upstream go"
serve_upstream -p "$uport" "$media" 150
# What had been rendered by then: a sink with sync=true renders no faster
# than the clock, so 20 s in all is well past the restart.
back=$(t_gst_span "$T_GST_LOG")
t_gst_wait "$T_GST_PID" "$T_GST_LOG" "$base/tv/master.m3u8" 20 \
    "GStreamer plays 20 s of the HLS, across the upstream restart"
t_at_least "$T_GST_SPAN" "$((${back%.*} + 6))" \
    "GStreamer rendered ${T_GST_SPAN} s, past the ${back} s before the upstream came back"
kill "$c"
wait "$c" 2>/dev/null
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
