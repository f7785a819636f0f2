#!/bin/sh
# serve-tree.t - programs run from the build tree, not installed, find the
# tree's etc/system/profiles.ini with no SD_SHAREDIR; sd-serve under a real
# lighttpd writes each 5xx it answers, with its request, once, to stderr
# (lighttpd's server.breakagelog), the configuration's own message included.
. "${0%/*}/lib.sh"
. "${0%/*}/serve/lib.sh"

serve_dirs
serve_ini "$conf" "$spool"
# A smart proxy on a system profile, its upstream a closed port.
serve_proxy "$conf" tv http://127.0.0.1:9/live.ts "profile = Universal"
serve_proxy "$conf" direct1 http://upstream.example/one.ts "mode = direct"

# The system profiles come from the tree, not SD_SHAREDIR.
SD_SHAREDIR=
export SD_SHAREDIR
t_run -- sd-decide -l -C "$conf"
t_is "$T_RC" 0 "sd-decide -l from the build tree: exit 0"
t_like "$T_OUT" '^Universal \(system\)$' "sd-decide -l: the tree's system profiles"
printf 'format=mpegts\nvideo_codec=h264\naudio_codec=aac\n' >"$T_TMP/rec"
t_run -i "$T_TMP/rec" -- sd-decide -C "$conf" -f hls -p Universal
t_is "$T_RC" 0 "sd-decide -p Universal from the build tree: exit 0"

# lighttpd hands a CGI's stderr to server.breakagelog (else its own stderr).
log=$T_TMP/cgi.log
serve_start "$conf" "$spool" "server.breakagelog = \"$log\""
t_ok $? "sd-serve under lighttpd with no SD_SHAREDIR"
base=$SERVE_BASE
get() {	# get URL: CODE
	CODE=$(curl -s -o "$T_TMP/b" -w '%{http_code}' \
	    --max-time "$(t_secs 30)" "$1")
}
get "$base/direct1"
t_is "$CODE" 302 "a direct proxy answers (no configuration error)"
get "$base/status"
t_is "$CODE" 200 "/status answers"

# A 5xx: its reason in lighttpd's breakagelog with the request, once.
get "$base/tv?format=ts"
case $CODE in 5??) t_ok 0 "a dead upstream: $CODE" ;;
*) t_ok 1 "a dead upstream: $CODE, not 5xx" ;; esac
t_wait "$(t_secs 10)" grep -q "sd-serve: GET /tv: $CODE " "$log"
t_ok $? "the log names the request and its status"
t_is "$(grep -c "sd-serve: GET /tv: $CODE " "$log")" 1 \
    "the 5xx is written once"

# A configuration error: the file's own message and the request, in the log.
printf 'spool = %s\nidle_timeout = soon\n' "$spool" >"$conf/sd.ini"
get "$base/status"
t_is "$CODE" 500 "a broken sd.ini: 500"
t_like "$(cat "$log")" "sd\.ini:2" "the log has the file and line"
t_like "$(cat "$log")" "sd-serve: GET /status: 500 configuration error" \
    "the log has the request"
t_done
