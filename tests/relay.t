#!/bin/sh
# relay.t - the upstream side of sd-serve: the HTTP fetcher, the TS ring,
# sessions (one upstream connection, reconnect, idle reaping, limits) and
# the variant pipelines, against a real upstream server on 127.0.0.1 that
# counts its connections and logs the bytes it sent (tests/upstream.pl).
# The driver tests/drive/relay calls the lib functions as sd-serve does.
. "${0%/*}/lib.sh"

D="$SD_BUILD/tests/drive/relay"
UP="$SD_TOP/tests/upstream.pl"
MEDIA=$("$SD_TOP/scripts/gen-media" -t 60 h264-aac.ts) || exit 1
PORT=$(t_free_port)
U="http://127.0.0.1:$PORT"
SPOOL="$T_TMP/spool"
mkdir -p "$T_TMP/up/files" "$SPOOL"

up_start() {
	t_bg perl "$UP" -p "$PORT" -d "$T_TMP/up" -f "$MEDIA" -s 60
	UPPID=$T_BGPID
	t_wait_http "$U/files/none"
}
up_stop() { kill "$UPPID"; wait "$UPPID" 2>/dev/null; }
conns() {	# conns PATH: connections the source counted for PATH
	awk -v p="$1" '$3 == p' "$T_TMP/up/connections" | wc -l | tr -d ' '
}
conn_no() {	# conn_no PATH: number of the last connection for PATH
	awk -v p="$1" '$3 == p { n = $2 } END { print n }' "$T_TMP/up/connections"
}
held() { perl -MFcntl=:flock -e 'open(my $f, "<", $ARGV[0]) or exit 2;
	exit(flock($f, LOCK_EX | LOCK_NB) ? 1 : 0)' "$1"; }
size() { stat -c %s "$1" 2>/dev/null || echo 0; }
state() {	# state PROXY JQ-TEST: the session's status passes the test
	"$D" status -S "$SPOOL" -p "$1" 2>/dev/null | jq -e "$2" >/dev/null
}
# The relay's own deadlines (-t, the upstream's; -i, a session's idle
# time) scale too: on a busy machine the test itself may be slow to ask.
T5=$(t_secs 5)

head -c 100000 /dev/urandom >"$T_TMP/up/files/data.bin"
up_start

# ---------------------------------------------------------------- fetch.c
"$D" fetch -u "$U/files/data.bin" -t $T5 >"$T_TMP/f1" 2>/dev/null
cmp -s "$T_TMP/f1" "$T_TMP/up/files/data.bin"
t_ok $? "fetch: a Content-Length body, byte for byte"
"$D" fetch -u "$U/files/data.bin?chunked=1" -t $T5 >"$T_TMP/f2" 2>/dev/null
cmp -s "$T_TMP/f2" "$T_TMP/up/files/data.bin"
t_ok $? "fetch: a chunked body with extensions and trailers, decoded"
t_run -- "$D" fetch -u "$U/redirect/4" -t $T5
t_is "$T_RC" 0 "fetch: 4 redirects followed"
t_like "$T_ERR" "final=$U/files/data.bin" "fetch: ends at the redirect target"
t_run -- "$D" fetch -u "$U/redirect/9" -t $T5
t_is "$T_RC" 69 "fetch: more than 5 redirects refused"
t_like "$T_ERR" 'Too many levels' "fetch: says it is a redirect loop"
t_run -- "$D" fetch -u "$U/nothing" -t $T5
t_is "$T_RC" 69 "fetch: 404 is an error"
t_run -- "$D" fetch -u "ftp://127.0.0.1/x" -t $T5
t_like "$T_ERR" 'only http:// and https://' "fetch: other schemes named"
t_run -- "$D" fetch -u "http://127.0.0.1:$PORT/a b" -t $T5
t_like "$T_ERR" 'not a usable URL' "fetch: a blank in the URL refused"

# https: handed to curl(1); a real TLS server (openssl s_server) with a
# certificate of our own, trusted through CURL_CA_BUNDLE or not at all.
if command -v openssl >/dev/null && command -v curl >/dev/null; then
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T_TMP/k.pem" \
	    -out "$T_TMP/c.pem" -days 1 -subj /CN=127.0.0.1 \
	    -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1
	TLS=$(t_free_port)
	(cd "$T_TMP/up/files" && exec openssl s_server -quiet -WWW \
	    -accept "127.0.0.1:$TLS" -cert "$T_TMP/c.pem" -key "$T_TMP/k.pem") \
	    >/dev/null 2>&1 &
	T_PIDS="$T_PIDS $!"
	t_wait 5 curl -s -o /dev/null --cacert "$T_TMP/c.pem" \
	    "https://127.0.0.1:$TLS/data.bin"
	CURL_CA_BUNDLE="$T_TMP/c.pem" "$D" fetch -u "https://127.0.0.1:$TLS/data.bin" \
	    -t $T5 >"$T_TMP/f3" 2>/dev/null
	cmp -s "$T_TMP/f3" "$T_TMP/up/files/data.bin"
	t_ok $? "fetch https:// through curl: byte for byte"
	t_run -- "$D" fetch -u "https://127.0.0.1:$TLS/data.bin" -t $T5
	t_is "$T_RC" 69 "fetch https:// from an untrusted certificate: refused"
else
	t_skip 2 "openssl or curl missing"
fi

# ------------------------------------------- TS passthrough, one upstream
# Two TS clients on proxy tv (max_clients 2) while a third is refused.
TV="-S $SPOOL -p tv -u $U/live.ts?chunked=1 -c 2 -i $(t_secs 4) -t $(t_secs 3)"
before=$(conns '/live.ts?chunked=1')
t_bg "$D" tail $TV >"$T_TMP/c1.ts"
C1=$T_BGPID
t_wait 10 state tv '.sessions[0].clients == 1'
t_bg "$D" tail $TV >"$T_TMP/c2.ts"
C2=$T_BGPID
t_wait 10 state tv '.sessions[0].clients == 2'
t_run -- "$D" tail $TV
t_is "$T_RC" 3 "max_clients 2: a third TS client is refused (503)"
t_run -- "$D" status -S "$SPOOL" -p tv
echo "$T_OUT" | jq -e '.sessions[0] | .clients == 2 and .state == "up" and
    .variant == "ts" and .connections == 1' >/dev/null
t_ok $? "status: one session, 2 clients, upstream up, valid JSON"
# The clients read on (a keyframe or two more), then leave.
t_wait 10 '[ "$(size "$T_TMP/c2.ts")" -ge 188000 ]'
# (its pid now: once the clients are gone, it ends after idle_timeout,
# which the checks below may outlast on a busy machine)
tvpid=$(sed -n 's/^pid=//p' "$SPOOL/tv/ts.state")
kill "$C1" "$C2"
wait "$C1" "$C2" 2>/dev/null
after=$(conns '/live.ts?chunked=1')
t_is "$((after - before))" 1 "two TS clients: one upstream connection counted at the source"
n=$(conn_no '/live.ts?chunked=1')
t_run -- perl "$SD_TOP/tests/ts-within.pl" "$T_TMP/c1.ts" "$T_TMP/up/conn-$n.body"
t_is "$T_RC" 0 "client 1: byte-identical to what the source sent ($T_OUT)"
t_run -- perl "$SD_TOP/tests/ts-within.pl" "$T_TMP/c2.ts" "$T_TMP/up/conn-$n.body"
t_is "$T_RC" 0 "client 2: byte-identical to what the source sent ($T_OUT)"
# A client starts at a clean entry point: a PAT, its PMT, a keyframe.
for c in c1 c2; do
	t_is "$(od -An -tx1 -N3 "$T_TMP/$c.ts" | tr -d ' ')" 474000 \
	    "$c: its first packet is a PAT (PID 0, payload start)"
	# up to its last PAT: the client was stopped mid-frame
	perl -e 'local $/; my $d = <STDIN>; my $end = 0;
	    for (my $i = 0; $i + 188 <= length $d; $i += 188) {
		$end = $i if substr($d, $i, 3) eq "\x47\x40\x00" }
	    print substr($d, 0, $end)' <"$T_TMP/$c.ts" >"$T_TMP/$c-whole.ts"
	t_run -- ffmpeg -nostdin -v error -i "$T_TMP/$c-whole.ts" -f null -
	t_is "$T_ERR" "" "$c: decodes from its first byte with no error"
done
t_run -- ffprobe -v error -show_entries stream=codec_name -of csv=p=0 "$T_TMP/c2.ts"
t_is "$(echo "$T_OUT" | grep . | sort -u | tr '\n' ' ')" "aac h264 " "ffprobe reads the client's TS: h264 + aac"

# ---------------------------------------------------------------- reaping
t_wait 10 '[ ! -e "$SPOOL/tv" ]'
t_ok $? "idle session reaped: its spool is gone"
t_wait_gone "$tvpid" 3
t_ok $? "idle session reaped: its process is gone"
held "$SPOOL/.locks/tv.lock"
t_is "$?" 1 "idle session reaped: its lock is free"

# ------------------------------------------- upstream drop and restart
RS="-S $SPOOL -p rs -u $U/live.ts -i $T5 -t $(t_secs 2)"
t_bg "$D" tail $RS >"$T_TMP/r1.ts"
R1=$T_BGPID
t_wait 10 '[ "$(size "$T_TMP/r1.ts")" -ge 18800 ]'
first=$(conn_no /live.ts)
up_stop
t_wait 10 state rs \
    '.sessions[0].state == "retrying" or .sessions[0].state == "down"'
t_ok $? "upstream killed: the session reports it is reconnecting"
at=$(size "$T_TMP/r1.ts")
up_start
t_wait 20 '[ "$(size "$T_TMP/r1.ts")" -ge $((at + 18800)) ]'
t_ok $? "upstream restarted: the TS client is fed again"
kill -0 "$R1"
t_ok $? "... on the same client connection: it kept reading"
kill "$R1"
wait "$R1" 2>/dev/null
second=$(conn_no /live.ts)
t_ok "$([ "$second" -gt "$first" ]; echo $?)" "the session reconnected to the source"
tail -c 18800 "$T_TMP/r1.ts" >"$T_TMP/r1-end.ts"
t_run -- perl "$SD_TOP/tests/ts-within.pl" "$T_TMP/r1-end.ts" "$T_TMP/up/conn-$second.body"
t_is "$T_RC" 0 "the client's last bytes came from the new connection ($T_OUT)"
head -c 18800 "$T_TMP/r1.ts" >"$T_TMP/r1-start.ts"
t_run -- perl "$SD_TOP/tests/ts-within.pl" "$T_TMP/r1-start.ts" "$T_TMP/up/conn-$first.body"
t_is "$T_RC" 0 "... and its first bytes from the old one ($T_OUT)"

# ------------------------------------------- a session that crashed
K="-S $SPOOL -p k -u $U/live.ts?who=k -i $(t_secs 4) -t $(t_secs 2)"
"$D" ensure $K >/dev/null
kpid=$(sed -n 's/^pid=//p' "$SPOOL/k/ts.state")
kill -9 "$kpid"
t_wait_gone "$kpid"
t_run -- "$D" ensure $K
t_is "$T_RC" 0 "a session killed with SIGKILL: the next request starts another"
t_ok "$([ "$(sed -n 's/^pid=//p' "$SPOOL/k/ts.state")" != "$kpid" ]; echo $?)" \
    "... a new process"
t_bg "$D" tail $K >"$T_TMP/k.ts"
t_wait 10 '[ "$(size "$T_TMP/k.ts")" -ge 18800 ]'
kill "$T_BGPID"
wait "$T_BGPID" 2>/dev/null
n=$(conn_no '/live.ts?who=k')
t_run -- perl "$SD_TOP/tests/ts-within.pl" "$T_TMP/k.ts" "$T_TMP/up/conn-$n.body"
t_is "$T_RC" 0 "... whose TS is the source's ($T_OUT)"
# The ring goes on meanwhile: its head first, then one listing, so that a
# chunk trimmed in between cannot count as left behind.
first=$(sed 's/first=\([0-9]*\).*/\1/' "$SPOOL/k/ts/head")
chunks=$(ls "$SPOOL/k/ts" | grep '\.ts$')
t_is "$(printf '%s\n' "$chunks" | awk -v f="$first" \
    '$0 < sprintf("%016d.ts", f)' | tr '\n' ' ')" "" \
    "... and the dead session's chunks are gone"

# ---------------------------------------------- upstream down: 503
DEAD=$(t_free_port)
t_run -t 30 -- "$D" ensure -S "$SPOOL" -p dead -u "http://127.0.0.1:$DEAD/x.ts" -i 3 -t 1
t_is "$T_RC" 69 "an upstream that stays down: refused (503)"
t_like "$T_OUT" '^retry_after=[0-9]+$' "... with a Retry-After"

# ---------------------------------------------------------- max_sessions
S2="$T_TMP/spool2"
I3=$(t_secs 3)
t_run -- "$D" ensure -S "$S2" -p a -u "$U/live.ts" -M 1 -i "$I3"
t_is "$T_RC" 0 "max_sessions 1: the first session starts"
t_run -- "$D" ensure -S "$S2" -p b -u "$U/live.ts" -M 1 -i "$I3"
t_is "$T_RC" 3 "max_sessions 1: a second proxy is refused (503)"
t_run -- "$D" ensure -S "$S2" -p a -u "$U/live.ts" -M 1 -i "$I3"
t_is "$T_RC" 0 "max_sessions 1: the running one is still served"

# max_clients for HLS/DASH clients: counted by who asked lately.
S3="$T_TMP/spool3"
for w in a b a; do "$D" seen -S "$S3" -p m -c 2 -v "10.0.0.1 $w" >/dev/null; done
t_is "$?" 0 "max_clients 2: a manifest client seen before still counts in"
t_run -- "$D" seen -S "$S3" -p m -c 2 -v "10.0.0.1 c"
t_is "$T_RC" 3 "max_clients 2: a third manifest client is refused (503)"

# Four first requests at once start one session: one upstream connection.
pids=""
for i in 1 2 3 4; do
	"$D" ensure -S "$S2" -p c -u "$U/live.ts?who=c" -M 8 -i "$I3" >/dev/null 2>&1 &
	pids="$pids $!"
done
wait $pids
# (Each ensure returns once the session it started or found is connected.)
t_is "$(conns '/live.ts?who=c')" 1 "four first requests at once: one upstream connection"
t_is "$(grep -c 'session .* started' "$S2/c/ts.log")" 1 "four first requests at once: one session"

t_done
