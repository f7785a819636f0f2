#!/bin/sh
# serve-errors.t - the same failure reads the same everywhere: an upstream
# that accepts and never answers is a 504 (sd-serve(8)), not a 503; a host
# name that does not resolve is worded alike by sd-classify, /status and the
# session's log. Real lighttpd + sd-serve on 127.0.0.1; the bad name has an
# empty label, so the resolver refuses it without a DNS query.
. "${0%/*}/lib.sh"
. "${0%/*}/serve/lib.sh"

serve_dirs
serve_ini "$conf" "$spool" "upstream_timeout = 2"

# An upstream that takes the connection and says nothing.
sport=$(t_free_port)
t_bg socat TCP-LISTEN:"$sport",bind=127.0.0.1,reuseaddr,fork EXEC:"sleep 300"
t_wait 10 "perl -MIO::Socket::INET -e 'exit !IO::Socket::INET->new(\"127.0.0.1:$sport\")'"
t_ok $? "a stalled upstream listens"
serve_proxy "$conf" stall "http://127.0.0.1:$sport/live.ts"
badhost='bad..host'
serve_proxy "$conf" nohost "http://$badhost/live.ts"

log=$T_TMP/cgi.log
serve_start "$conf" "$spool" "server.breakagelog = \"$log\""
t_ok $? "sd-serve under lighttpd"
base=$SERVE_BASE
get() {	# get URL: CODE, B
	CODE=$(curl -s -o "$T_TMP/b" -w '%{http_code}' \
	    --max-time "$(t_secs 60)" "$1")
	B=$(cat "$T_TMP/b")
}

get "$base/stall?format=ts"
t_is "$CODE" 504 "a stalled upstream: 504"
t_like "$B" "did not answer" "its body says it did not answer"
t_like "$(cat "$log")" "sd-serve: GET /stall: 504 " "the log has the 504"

# A bad host name: one wording in sd-classify, /status and the logs.
want="cannot resolve host $badhost"
t_run -- sd-classify -t 2 "http://$badhost/live.ts"
t_is "$T_RC" 69 "sd-classify: a bad host name is unavailable (69)"
t_like "$T_OUT" "^reason=Opening the source: $want: " "sd-classify's reason"
get "$base/nohost?format=ts"
t_is "$CODE" 503 "a bad host name: 503"
get "$base/status"
t_like "$B" "\"last_error\":\"$want: " "/status: the same words"
t_like "$(cat "$spool"/nohost/*.log 2>/dev/null)" "$want: " \
    "the session's log: the same words"
t_done
