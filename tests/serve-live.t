#!/bin/sh
# serve-live.t - sd-serve in smart mode on a live MPEG-TS source, through
# lighttpd (the shipped etc/lighttpd.conf), with real clients: TS clients
# get the source's bytes unchanged over one upstream connection,
# max_clients is a 503, a dead source a 503 with Retry-After, an idle
# session is reaped; HLS and DASH (sd-cmafmux sessions) play in GStreamer
# while a TS client watches, still over one upstream connection.
. "${0%/*}/lib.sh"
. "${0%/*}/play.sh"

media=$("$SD_TOP/scripts/gen-media" -t 150 h264-aac.ts)
serve_dirs
serve_upstream "$media" 150
uport=$SERVE_UPORT
dead=$(t_free_port)
cat >"$conf/proxies.ini" <<EOF
[tv]
name = Live TV
source = http://127.0.0.1:$uport/live.ts
mode = smart

[lim]
source = http://127.0.0.1:$uport/live.ts?chunked=1
mode = smart
max_clients = 1

[dead]
source = http://127.0.0.1:$dead/live.ts
mode = smart

[hlim]
source = http://127.0.0.1:$uport/live.ts?chunked=1
mode = smart
max_clients = 1
EOF
cat >"$conf/sd.ini" <<EOF
spool = $spool
idle_timeout = $(t_secs 4)
upstream_timeout = $(t_secs 3)
EOF
serve_start "$conf" "$spool"
t_ok $? "lighttpd with sd-serve starts"
base=$SERVE_BASE

conns() {	# conns PATH: upstream connections made for PATH so far
	grep -c " $1\$" "$up/connections" 2>/dev/null || echo 0
}
size() { stat -c %s "$1" 2>/dev/null || echo 0; }
wait_size() {	# wait_size FILE BYTES: until FILE holds BYTES (t_secs 20)
	t_wait 20 '[ "$(size "'"$1"'")" -ge '"$2"' ]'
}

# Two TS clients at once.
curl -s --max-time "$(t_secs 12)" -D "$T_TMP/h1" -o "$T_TMP/c1.ts" \
    "$base/tv/stream.ts" &
c1=$!
curl -s --max-time "$(t_secs 10)" -H 'User-Agent: VLC/3.0.18 LibVLC/3.0.18' \
    -D "$T_TMP/h2" -o "$T_TMP/c2.ts" "$base/tv" &
c2=$!
wait $c1 $c2
t_like "$(tr -d '\r' <"$T_TMP/h1")" '^Content-Type: video/mp2t$' \
    "stream.ts: video/mp2t"
t_like "$(tr -d '\r' <"$T_TMP/h2")" '^HTTP/1.1 200' \
    "/tv with a VLC User-Agent: the TS stream"
t_is "$(conns /live.ts)" 1 "two TS clients: one upstream connection"
body=$up/conn-$(grep ' /live.ts$' "$up/connections" | head -1 | cut -d' ' -f2).body
for c in c1 c2; do
	# the source logs what it sent through a buffer: let it catch up
	wait_size "$body" $(($(stat -c %s "$T_TMP/$c.ts") + 200000))
	out=$(perl "$SD_TOP/tests/ts-within.pl" "$T_TMP/$c.ts" "$body")
	t_ok $? "$c: the source's bytes unchanged ($out)"
	t_is "$(ffprobe -v quiet -show_entries stream=codec_name -of csv=p=0 \
	    "$T_TMP/$c.ts" | grep . | sort -u | tr '\n' ' ')" "aac h264 " \
	    "$c: ffprobe reads H.264 and AAC"
done

# /status while a client watches.
curl -s --max-time "$(t_secs 8)" -o "$T_TMP/c3.ts" "$base/tv/stream.ts" &
c3=$!
wait_size "$T_TMP/c3.ts" 10000
st=$(curl -s "$base/status" | node -e '
	const s = JSON.parse(require("fs").readFileSync(0));
	const t = s.relay.sessions.find(x => x.proxy === "tv" &&
	    x.variant === "ts");
	console.log(t ? t.state + " " + t.clients : "none");' 2>&1)
t_is "$st" "up 1" "status: tv's upstream up, one client"
wait $c3

# max_clients = 1: the second viewer is refused while the first watches.
curl -s --max-time "$(t_secs 8)" -o "$T_TMP/l1.ts" "$base/lim/stream.ts" &
l1=$!
wait_size "$T_TMP/l1.ts" 10000
t_ok $? "lim: the first client streams"
serve_refused "$base/lim/stream.ts" 10 "lim: a second client"
wait $l1

# A source that is down: 503 with Retry-After, in bounded time.
serve_refused "$base/dead/stream.ts" 40 "dead source" 'the upstream is down'

# HLS and DASH: sd-cmafmux sessions on the same upstream connection.
if [ -x "$SD_BUILD/bin/sd-cmafmux" ]; then
	# (the session went idle meanwhile: a TS client starts it again)
	# (it watches until the players are done)
	curl -s -o "$T_TMP/c4.ts" "$base/tv/stream.ts" &
	c4=$!
	wait_size "$T_TMP/c4.ts" 10000
	n0=$(conns /live.ts)
	code=$(curl -s -D "$T_TMP/mh" -o "$T_TMP/master.m3u8" \
	    -w '%{http_code}' --max-time "$(t_secs 30)" "$base/tv/master.m3u8")
	t_is "$code" 200 "HLS master: 200 (waited for a first segment)"
	t_like "$(cat "$T_TMP/master.m3u8")" '^#EXT-X-STREAM-INF:.*CODECS=' \
	    "HLS master: a variant with CODECS"
	code=$(curl -s -o "$T_TMP/manifest.mpd" -w '%{http_code}' \
	    --max-time "$(t_secs 30)" "$base/tv/manifest.mpd")
	t_is "$code" 200 "DASH MPD: 200"
	xmllint --noout "$T_TMP/manifest.mpd" 2>/dev/null
	t_ok $? "DASH MPD: well-formed"
	# Both players at once while a TS client watches, each until its
	# video sink has rendered 12 s of live video (within t_secs 80: on a
	# loaded machine a player can take long to start, which is not what
	# is checked).
	T_GST_MAX=80
	t_gst_start "$base/tv/master.m3u8" 12
	g1=$T_GST_PID l1=$T_GST_LOG
	t_gst_start "$base/tv/manifest.mpd" 12
	g2=$T_GST_PID l2=$T_GST_LOG
	T_GST_MAX=
	t_gst_wait "$g1" "$l1" "$base/tv/master.m3u8" 12 \
	    "GStreamer plays 12 s of live video from master.m3u8"
	t_gst_wait "$g2" "$l2" "$base/tv/manifest.mpd" 12 \
	    "GStreamer plays 12 s of live video from manifest.mpd"
	# What they played sd-serve built from the index: the session's
	# store writes per cut its segments and the index, no manifest file
	# (sd-cmafmux -I, live_manifests = 0).
	st=$(ls "$spool"/tv/*/index 2>/dev/null | head -1)
	t_ok "$([ -s "$st" ] && ! ls "${st%/index}" | grep -q '[.]m3u8$\|[.]mpd$'
	    echo $?)" "the live store holds its index and no manifest file"
	kill "$c4" 2>/dev/null
	wait $c4
	t_is "$(conns /live.ts)" "$n0" \
	    "HLS, DASH and TS clients at once: still one upstream connection"
	body=$up/conn-$(tail -1 "$up/connections" | cut -d' ' -f2).body
	wait_size "$body" $(($(stat -c %s "$T_TMP/c4.ts") + 200000))
	perl "$SD_TOP/tests/ts-within.pl" "$T_TMP/c4.ts" "$body" >/dev/null
	t_ok $? "the TS client meanwhile: the source's bytes unchanged"
	# max_clients = 1 for HLS players: a second player (another
	# User-Agent) is refused while the first one polls.
	code=$(curl -s -o /dev/null -w '%{http_code}' --max-time "$(t_secs 30)" \
	    -A 'player-one' "$base/hlim/master.m3u8")
	t_is "$code" 200 "hlim: the first HLS player"
	code=$(curl -s -D "$T_TMP/hh" -o /dev/null -w '%{http_code}' \
	    --max-time "$(t_secs 30)" -A 'player-two' "$base/hlim/master.m3u8")
	t_is "$code" 503 "hlim: a second HLS player gets 503"
	code=$(curl -s -o /dev/null -w '%{http_code}' --max-time "$(t_secs 30)" \
	    -A 'player-one' "$base/hlim/cmaf/v0.m3u8")
	t_is "$code" 200 "hlim: the first player goes on polling"
else
	t_skip 11 "bin/sd-cmafmux is not built"
fi

# Idle: with no request for idle_timeout seconds the sessions go.
t_wait 30 '[ ! -d "$spool/tv/ts" ]'
t_ok $? "idle session reaped, its spool gone"
t_ok "$([ -f "$spool/tv/classify" ] && echo 0 || echo 1)" \
    "the classification stays cached"

t_done
