#!/bin/sh
# faults-load.t - many clients at once: bounded wrk runs (2 threads, 20
# connections, 5 s each, 127.0.0.1 only) against lighttpd + sd-serve on a
# live session: the HLS master and media playlist (sd-serve, a fork a
# request) and a segment (a file lighttpd sends). No 5xx at all: a
# session that runs is under no documented limit. The figures are printed
# as diagnostics (docs/RELIABILITY.md quotes them).
. "${0%/*}/lib.sh"
. "${0%/*}/serve/lib.sh"

if ! command -v wrk >/dev/null; then
	t_skip 7 "wrk is not installed"
	t_done
	exit
fi
media=$("$SD_TOP/scripts/gen-media" -t 150 h264-aac.ts)
conf=$T_TMP/conf
spool=$T_TMP/spool
up=$T_TMP/up
mkdir -p "$conf" "$spool" "$up"
uport=$(t_free_port)
t_bg perl "$SD_TOP/tests/faulty.pl" -p "$uport" -d "$up" -a "$media" -s 150
serve_proxy "$conf" tv "http://127.0.0.1:$uport/ok.ts"
serve_ini "$conf" "$spool" "idle_timeout = $(t_secs 10)" \
    "upstream_timeout = $(t_secs 5)"
serve_start "$conf" "$spool" "server.max-connections = 256"
t_ok $? "lighttpd starts"
base=$SERVE_BASE
t_wait_http "http://127.0.0.1:$uport/none"

code=$(curl -s -o "$T_TMP/master.m3u8" -w '%{http_code}' \
    --max-time "$(t_secs 30)" "$base/tv/master.m3u8")
t_is "$code" 200 "the live session's HLS master (first segment waited for)"
media_pl=$(grep -v '^#' "$T_TMP/master.m3u8" | head -1)
curl -s -o "$T_TMP/media.m3u8" "$base/tv/$media_pl"
seg=$(grep -v '^#' "$T_TMP/media.m3u8" | head -1)
case $media_pl in */*) dir=${media_pl%/*}/ ;; *) dir= ;; esac

load() {	# load NAME URL: wrk's figures; no 5xx, some 2xx
	wrk -t 2 -c 20 -d 5s --timeout "$(t_secs 10)s" \
	    -s "$SD_TOP/tests/wrk-status.lua" \
	    "$2" >"$T_TMP/wrk-$1" 2>&1
	t_diag "$1: $(grep -E 'Requests/sec|Latency|status|errors' \
	    "$T_TMP/wrk-$1" | tr -s ' ' | tr '\n' ';')"
	t_like "$(cat "$T_TMP/wrk-$1")" '^status 2xx=[1-9][0-9]* 3xx=0 4xx=0 5xx=0$' \
	    "$1: 20 connections for 5 s, every answer 2xx"
}
load master "$base/tv/master.m3u8"
load media "$base/tv/$media_pl"
load segment "$base/tv/$dir$seg"
t_like "$(curl -s -o /dev/null -w '%{http_code}' "$base/tv/master.m3u8")" \
    '^200$' "the session still answers after the load"
conns=$(grep -c ' /ok.ts$' "$up/connections")
t_is "$conns" 1 "one upstream connection for all of it"
t_done
