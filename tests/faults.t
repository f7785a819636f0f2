#!/bin/sh
# faults.t - sd-serve (smart mode, under lighttpd) on an upstream that
# misbehaves (tests/faulty.pl on 127.0.0.1): one that resets the
# connection mid-packet or stalls keeps its TS clients fed after a
# reconnect; garbage, a broken head, an endless head and a bad chunk are
# refused in bounded time with the documented 502/503/504; a codec change
# mid-stream leaves the HLS session's store valid. Every session is gone
# after the idle timeout.
. "${0%/*}/lib.sh"
. "${0%/*}/serve/lib.sh"

a=$("$SD_TOP/scripts/gen-media" -t 60 h264-aac.ts)
b=$("$SD_TOP/scripts/gen-media" hevc-aac.ts)
conf=$T_TMP/conf
spool=$T_TMP/spool
up=$T_TMP/up
mkdir -p "$conf" "$spool" "$up"
uport=$(t_free_port)
t_bg perl "$SD_TOP/tests/faulty.pl" -p "$uport" -d "$up" -a "$a" -b "$b" \
    -n 3 -s 60
for r in reset stall garbage switch badhead hugehead badchunk; do
	case $r in bad*|huge*) path=$r ;; *) path=$r.ts ;; esac
	serve_proxy "$conf" "$r" "http://127.0.0.1:$uport/$path"
done
serve_ini "$conf" "$spool" "idle_timeout = $(t_secs 4)" \
    "upstream_timeout = $(t_secs 2)"
serve_start "$conf" "$spool"
t_ok $? "lighttpd starts"
base=$SERVE_BASE
t_wait_http "http://127.0.0.1:$uport/none"

conns() { grep -c " /$1\$" "$up/connections" 2>/dev/null || echo 0; }
# What one good stretch (-n 3 s of a 60 s file sent over 60 s) carries.
stretch=$(($(stat -c %s "$a") / 60 * 3))

for r in reset stall; do
	code=$(curl -s -o "$T_TMP/$r.ts" -w '%{http_code}' \
	    --max-time "$(t_secs 10)" "$base/$r/stream.ts")
	# curl's --max-time ends the transfer: 200 and what came by then
	t_is "$code" 200 "$r: the TS client gets 200"
	n=$(conns "$r.ts")
	t_ok "$([ "$n" -ge 2 ] && echo 0 || echo 1)" \
	    "$r: the relay reconnected ($n upstream connections)"
	got=$(stat -c %s "$T_TMP/$r.ts" 2>/dev/null || echo 0)
	t_ok "$([ "$got" -gt "$stretch" ] && echo 0 || echo 1)" \
	    "$r: the client is fed past the first fault ($got bytes, one stretch is $stretch)"
	t_is "$(ffprobe -v quiet -show_entries stream=codec_name -of csv=p=0 \
	    "$T_TMP/$r.ts" | grep . | sort -u | tr '\n' ' ')" "aac h264 " \
	    "$r: ffprobe reads the client's stream"
done

# A chunk size that is not hex after a good chunk: the connection is
# dropped at the bad one and made again.
code=$(curl -s -o "$T_TMP/badchunk.ts" -w '%{http_code}' \
    --max-time "$(t_secs 8)" "$base/badchunk/stream.ts")
# (200 when the good chunk is enough to classify the source, else the
# documented 503/504: 100 packets may hold no keyframe)
t_like "$code" '^(200|50[34])$' "badchunk: 200, or 503/504 (got $code)"
n=$(conns badchunk)
t_ok "$([ "$n" -ge 2 ] && echo 0 || echo 1)" \
    "badchunk: the connection is dropped at the bad chunk and made again ($n)"

for r in garbage badhead hugehead; do
	code=$(curl -s -D "$T_TMP/$r.h" -o "$T_TMP/$r.body" \
	    -w '%{http_code} %{time_total}' --max-time "$(t_secs 40)" \
	    "$base/$r/stream.ts")
	t_like "${code% *}" '^50[234]$' \
	    "$r: refused with 502, 503 or 504 (got $code s)"
	t_like "$(tr -d '\r' <"$T_TMP/$r.h")" '^Cache-Control: no-store$' \
	    "$r: the refusal is not cached"
done

# A codec change mid-stream (H.264 then HEVC on the same PIDs) under HLS.
code=$(curl -s -o "$T_TMP/switch.m3u8" -w '%{http_code}' \
    --max-time "$(t_secs 30)" "$base/switch/master.m3u8")
t_is "$code" 200 "switch: the HLS master is served"
store=$(ls -d "$spool"/switch/*/ 2>/dev/null | grep -v -E '/(ts|clients|pass)/$' | head -1)
# The store is checked again and again (each time the master is asked
# for, which keeps the session) until it holds a segment that starts
# after the switch (8 s into the source), or the new codec shows.
switched() {
	grep -q 'codec=hevc' "$store/index" 2>/dev/null ||
	    awk '$1 == "seg" && $2 == "track=v0" { for (i = 3; i <= NF; i++)
		if ($i ~ /^seq=/ && substr($i, 5) + 0 >= 6) found = 1 }
		END { exit !found }' "$store/index" 2>/dev/null
}
check_store() {
	curl -s -o /dev/null --max-time "$(t_secs 2)" "$base/switch/master.m3u8"
	out=$(perl "$SD_TOP/tests/store-check.pl" "$store") || {
		bad=1
		t_diag "$out"
	}
	switched
}
bad=0 out=
[ -n "$store" ] && t_wait 30 check_store
t_is "$bad${store:+ store}" "0 store" \
    "switch: the store names only whole files through the change ($out)"
# sd-cmafmux reads the TS itself and follows the second PMT (av_tsin.c):
# the HEVC header enters the index with its first segment
hevc_header() {
	curl -s -o /dev/null --max-time "$(t_secs 2)" "$base/switch/master.m3u8"
	grep -q '^header track=v0 .* codecs=hvc1\.' "$store/index" 2>/dev/null
}
[ -n "$store" ] && t_wait 30 hevc_header
t_like "$(cat "$store/index" 2>/dev/null)" '^header track=v0 .* codecs=hvc1\.' \
    "switch: the new codec reaches the store"

# Idle: every session ends on its own.
t_wait 20 '[ -z "$(serve_session_pids "$spool")" ]'
left=$(for p in $(serve_session_pids "$spool"); do
	kill -0 "$p" 2>/dev/null && echo "$p"; done)
t_is "$left" "" "every session ended after the idle timeout"
t_done
