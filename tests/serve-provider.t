#!/bin/sh
# serve-provider.t - max_connections per provider (issue 12), through
# lighttpd and sd-serve with real upstreams serving an ffmpeg-made TS: two
# channels of a [provider.NAME] that allows one connection never open two
# upstream connections; the second channel gets 503 with Retry-After and
# the reason, /status shows the provider's slots, and once the first
# channel's session ends idle the second one starts. A proxy's own
# max_connections limits its source's host, for every proxy of that host.
. "${0%/*}/lib.sh"
. "$SD_TOP/tests/serve/lib.sh"

if ! command -v lighttpd >/dev/null; then
	t_skip 26 "no lighttpd"
	t_done
	exit 0
fi
media=$("$SD_TOP/scripts/gen-media" -t 150 h264-aac.ts)
conf=$T_TMP/conf
spool=$T_TMP/spool
up=$T_TMP/up
up2=$T_TMP/up2
mkdir -p "$conf" "$spool" "$up/files/hls" "$up2"
ffmpeg -nostdin -v error -i "$("$SD_TOP/scripts/gen-media" h264-aac.ts)" \
    -c copy -f hls -hls_time 2 -hls_playlist_type vod \
    -hls_segment_filename "$up/files/hls/seg%d.ts" "$up/files/hls/index.m3u8"
uport=$(t_free_port)
t_bg perl "$SD_TOP/tests/upstream.pl" -p "$uport" -d "$up" -f "$media" \
    -s 150
uport2=$(t_free_port)
t_bg perl "$SD_TOP/tests/upstream.pl" -p "$uport2" -d "$up2" -f "$media" \
    -s 150
cat >"$conf/proxies.ini" <<EOF
[provider.acme]
max_connections = 1

[a]
source = http://127.0.0.1:$uport/live.ts?ch=a
provider = acme

[b]
source = http://127.0.0.1:$uport/live.ts?ch=b
provider = acme

[hp]
source = http://127.0.0.1:$uport/files/hls/index.m3u8
provider = acme

[h1]
source = http://127.0.0.1:$uport2/live.ts?ch=h1
max_connections = 1

[h2]
source = http://127.0.0.1:$uport2/live.ts?ch=h2
EOF
serve_ini "$conf" "$spool" "idle_timeout = $(t_secs 3)" \
    "upstream_timeout = $(t_secs 5)"
serve_start "$conf" "$spool"
t_ok $? "lighttpd with sd-serve answers"
base=$SERVE_BASE
t_wait_http "http://127.0.0.1:$uport/none"
t_wait_http "http://127.0.0.1:$uport2/none"

conns() {	# conns DIR PATH: upstream connections made for PATH so far
	cat "$1/connections" 2>/dev/null |
	    awk -v p="$2" '$3 == p { n++ } END { print n + 0 }'
}
size() { stat -c %s "$1" 2>/dev/null || echo 0; }
# text FILE: a reply's first bytes, printable (a stream is not a reason)
text() { head -c 300 "$1" 2>/dev/null | tr -c '[:print:]\n' '.'; }
# A viewer streams until the checks made while it watches are done:
# stopped by the test, never by a deadline a loaded machine could beat.
stop_viewer() { kill "$1" 2>/dev/null; wait "$1" 2>/dev/null; }
# held CHANNEL: the channel's upstream session holds its lock
held() { ! flock -n "$spool/.locks/$1.lock" true; }

# Channel a streams; channel b of the same provider is refused.
curl -s --max-time "$(t_secs 90)" -o "$T_TMP/a.ts" "$base/a/stream.ts" &
ca=$!
t_wait 20 '[ "$(size "$T_TMP/a.ts")" -ge 10000 ]'
t_ok $? "a: the first channel of acme streams"
# (the reason names the provider, its limit and the channel)
serve_refused "$base/b/stream.ts" 20 "b: the second channel of acme" \
    'provider acme allows 1 connection; in use by channel a'
t_is "$(conns "$up" '/live.ts?ch=b')" 0 "the upstream never saw b"
t_is "$(conns "$up" '/live.ts?ch=a')" 1 "... and a once"

st=$(curl -s "$base/status" | node -e '
	const s = JSON.parse(require("fs").readFileSync(0));
	const p = s.providers.find(x => x.provider === "acme");
	console.log(p ? p.kind + " " + p.used + "/" + p.max + " " +
	    p.channels.join(",") : "none");' 2>&1)
t_is "$st" "section 1/1 a" "status: acme uses 1 of 1, by a"
# An HLS source of acme is not even classified (an upstream connection).
code=$(curl -s -o "$T_TMP/hp.body" -w '%{http_code}' \
    --max-time "$(t_secs 20)" "$base/hp/master.m3u8")
t_is "$code:$(text "$T_TMP/hp.body")" "503:503 Service Unavailable: \
provider acme allows 1 connection; in use by channel a" \
    "hp: 503 while a streams, with the reason"
t_is "$(conns "$up" /files/hls/index.m3u8)" 0 "... and no upstream request"
stop_viewer $ca

# When a's session ends idle, its slot frees: b starts.
t_wait 30 '! held a'
t_ok $? "a's session ends once idle"
curl -s --max-time "$(t_secs 90)" -o "$T_TMP/b.ts" "$base/b/stream.ts" &
cb=$!
t_wait 20 '[ "$(size "$T_TMP/b.ts")" -ge 10000 ]'
t_ok $? "b: streams once a's connection is gone"
code=$(curl -s -o "$T_TMP/a.body" -w '%{http_code}' \
    --max-time "$(t_secs 20)" "$base/a/stream.ts")
t_is "$code" 503 "a is refused now, while b streams"
t_like "$(text "$T_TMP/a.body")" 'in use by channel b' \
    "a: the reason names b"
stop_viewer $cb
t_is "$(ffprobe -v quiet -show_entries stream=codec_name -of csv=p=0 \
    "$T_TMP/b.ts" | grep . | sort -u | tr '\n' ' ')" "aac h264 " \
    "b: ffprobe reads H.264 and AAC"
t_is "$(conns "$up" '/live.ts?ch=b')" 1 "b: one upstream connection"
t_is "$(conns "$up" '/live.ts?ch=a')" 1 "a: still the one connection"

# HLS passthrough fetches from the upstream while its cache session lives:
# that session holds one of acme's connections too.
t_wait 30 '! held b'
t_ok $? "b's session ends once idle"
code=$(curl -s -o "$T_TMP/hp.m3u8" -w '%{http_code}' \
    --max-time "$(t_secs 30)" "$base/hp/master.m3u8")
t_is "$code" 200 "hp: an HLS passthrough of acme plays"
code=$(curl -s -o "$T_TMP/a2.body" -w '%{http_code}' \
    --max-time "$(t_secs 20)" "$base/a/stream.ts")
t_is "$code" 503 "a is refused while hp's passthrough lives"
t_like "$(text "$T_TMP/a2.body")" 'in use by channel hp \(passthrough\)' \
    "a: the reason names hp's passthrough"
t_wait 30 '! held hp@pass'
t_ok $? "hp's passthrough session ends once idle"

# A proxy's own max_connections: its host's limit, h2 (same host) too.
curl -s --max-time "$(t_secs 90)" -o "$T_TMP/h1.ts" "$base/h1/stream.ts" &
ch=$!
t_wait 20 '[ "$(size "$T_TMP/h1.ts")" -ge 10000 ]'
t_ok $? "h1 streams"
code=$(curl -s -o "$T_TMP/h2.body" -w '%{http_code}' \
    --max-time "$(t_secs 20)" "$base/h2/stream.ts")
t_is "$code" 503 "h2, another proxy of h1's host, gets 503"
t_like "$(text "$T_TMP/h2.body")" \
    "provider 127.0.0.1:$uport2 allows 1 connection; in use by channel h1" \
    "h2: the host is the provider"
stop_viewer $ch
t_is "$(conns "$up2" '/live.ts?ch=h2')" 0 "the upstream never saw h2"

serve_stop_sessions "$spool"
t_done
