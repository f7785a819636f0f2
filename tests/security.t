#!/bin/sh
# security.t - the security review of sd-serve (docs/SECURITY.md), tested:
# no file outside the spool and the config's www/ is readable (.., encoded
# forms, symbolic links, through sd-serve itself and through the shipped
# lighttpd.conf); no header injection (CR/LF in the query, the path, a
# proxy's source, an upstream's Location); limits on request size and
# time; max_sessions bounds the sessions (processes) that many proxies can
# start. Everything is local: 127.0.0.1 only.
. "${0%/*}/lib.sh"
. "${0%/*}/serve/lib.sh"

media=$("$SD_TOP/scripts/gen-media" -t 60 h264-aac.ts)
conf=$T_TMP/conf
spool=$T_TMP/spool
up=$T_TMP/up
mkdir -p "$conf/www" "$spool/tv/cmaf" "$up"
echo 'secret outside the spool' >"$T_TMP/secret.txt"
echo 'console.log(1)' >"$conf/www/app.js"
uport=$(t_free_port)
t_bg perl "$SD_TOP/tests/faulty.pl" -p "$uport" -d "$up" -a "$media" -s 60
for p in tv p1 p2 p3 p4 p5 p6; do
	serve_proxy "$conf" "$p" "http://127.0.0.1:$uport/ok.ts"
done
serve_ini "$conf" "$spool" "idle_timeout = $(t_secs 4)" \
    "upstream_timeout = $(t_secs 3)" "max_sessions = 2"
# What an attacker would want: files outside, reachable by links inside.
ln -s "$T_TMP/secret.txt" "$spool/tv/cmaf/v0-1.m4s"
mkdir "$T_TMP/outside"
echo 'secret outside the spool' >"$T_TMP/outside/secret.txt"
ln -s "$T_TMP/outside" "$spool/tv/out"
ln -s "$T_TMP/secret.txt" "$conf/www/link.js"

req() {	# req RAW-REQUEST: sd-serve in inetd mode; $T_OUT the answer
	printf "$1" >"$T_TMP/req"
	t_run -t 30 -i "$T_TMP/req" -- sd-serve -C "$conf"
	status=$(printf '%s\n' "$T_OUT" | head -1 | cut -d' ' -f2)
}

# Paths: each must fail before anything outside is opened.
for p in '/../secret.txt' '/tv/../../secret.txt' '/tv/%%2e%%2e/%%2e%%2e/secret.txt' \
    '/tv/..%%2f..%%2fsecret.txt' '/tv/%%252e%%252e/secret.txt' \
    '/tv/cmaf/..%%5c..%%5csecret.txt' '/www/../../secret.txt' \
    '/tv//cmaf/v0-1.m4s' '/tv/cmaf/v0-1.m4s' '/tv/out/secret.txt' \
    '/www/link.js' '/tv/cmaf/%%00.m4s' '/tv/ts/%%30.ts'; do
	req "GET $p HTTP/1.0\r\n\r\n"
	t_unlike "$T_OUT" 'secret outside' "GET $p: nothing from outside ($status)"
	t_like "$status" '^40[034]$' "GET $p: 400, 403 or 404"
done
req 'GET /www/app.js HTTP/1.0\r\n\r\n'
t_like "$T_OUT" 'console.log' "a real www/ file is served (the checks are not all refusals)"

# Header injection.
req 'GET /tv/master.m3u8?x=%%0d%%0aSet-Cookie:%%20evil=1 HTTP/1.0\r\n\r\n'
t_unlike "$(printf '%s\n' "$T_OUT" | tr -d '\r')" '^Set-Cookie' \
    "CR/LF in the query: no header of its own"
req 'GET /nope%%0d%%0aSet-Cookie:%%20evil=1 HTTP/1.0\r\n\r\n'
t_is "$status" 400 "CR/LF in the path: 400"
t_unlike "$(printf '%s\n' "$T_OUT" | tr -d '\r')" '^Set-Cookie' \
    "CR/LF in the path: no header of its own"
# A proxy's source with a bare CR (a hand-edited file): the loader
# refuses it, so the redirect is never written.
mkdir -p "$T_TMP/conf-cr"
printf '[cr]\nsource = http://127.0.0.1/a\rSet-Cookie: evil=1\nmode = direct\n' \
    >"$T_TMP/conf-cr/proxies.ini"
printf 'GET /cr HTTP/1.0\r\n\r\n' >"$T_TMP/req"
t_run -i "$T_TMP/req" -- sd-serve -C "$T_TMP/conf-cr"
t_unlike "$(printf '%s\n' "$T_OUT" | tr -d '\r')" '^Set-Cookie' \
    "a CR in a direct proxy's source: never a header of its own"
t_like "$(printf '%s\n' "$T_OUT" | head -1)" ' 503 ' \
    "a CR in a direct proxy's source: that proxy is disabled (503), not a redirect"
t_like "$T_ERR" 'proxies.ini:2: source' "the log names the line"
# An upstream whose redirect carries a CR: fetch.c refuses the head
# (tests/fuzz/corpus/fetch/crash-bare-cr), the relay answers 5xx.
req 'GET /tv HTTP/1.1\r\nHost: a\r\nX: b\rSet-Cookie: evil=1\r\n\r\n'
t_is "$status" 400 "a bare CR in a request header: 400"

# Limits on size and time.
long=$(head -c 9000 /dev/zero | tr '\0' 'a')
req "GET /tv HTTP/1.1\r\nHost: a\r\nX-Long: $long\r\n\r\n"
t_is "$status" 431 "a header line over 8 KiB: 431"
many=$(i=0; while [ $i -lt 60 ]; do printf 'X-%d: %s\\r\\n' $i "$(head -c 700 /dev/zero | tr '\0' b)"; i=$((i + 1)); done)
req "GET /tv HTTP/1.1\r\nHost: a\r\n$many\r\n"
t_like "$status" '^431$' "a head over 32 KiB: 431"
req "GET /$(head -c 1100 /dev/zero | tr '\0' p) HTTP/1.0\r\n\r\n"
t_is "$status" 414 "a path over 1 KiB: 414"
req 'POST /tv HTTP/1.0\r\nContent-Length: 3\r\n\r\nabc'
t_is "$status" 405 "POST: 405"
t_like "$(printf '%s\n' "$T_OUT" | tr -d '\r')" '^Allow: GET, HEAD$' "405 with Allow"
# A client that never finishes its head gives up its process in 10 s: it
# answers 408 and ends while the client still holds the connection.
hold=$(t_secs 14)
mkfifo "$T_TMP/slow.in"
# (Not t_bg: a redirection on a function call opens the fifo here.)
sh -c 'printf "GET /tv HTTP/1.1\r\n"; exec sleep "$1"' sh "$hold" \
    >"$T_TMP/slow.in" &
client=$!
T_PIDS="${T_PIDS:-} $client"
timeout "$(t_secs 20)" sh -c \
    's=$(date +%s); sd-serve -C "$1" >"$2" 2>/dev/null; echo $(($(date +%s) - s)) >"$3"' \
    sh "$conf" "$T_TMP/slow" "$T_TMP/slow.secs" <"$T_TMP/slow.in"
kill "$client" 2>/dev/null
t_like "$(head -1 "$T_TMP/slow")" ' 408 ' "a slow head: 408"
secs=$(cat "$T_TMP/slow.secs")
t_ok "$([ "$secs" -lt "$hold" ] && echo 0 || echo 1)" \
    "a slow head: sd-serve ends by itself ($secs s, limit 10 s), before the client"

# max_sessions = 2: six proxies asked for at once start at most two
# upstream sessions; the others are told 503 with Retry-After.
serve_start "$conf" "$spool"
t_ok $? "lighttpd starts with the shipped lighttpd.conf"
base=$SERVE_BASE
for p in '/sd/tv/cmaf/v0-1.m4s' '/sd/tv/out/secret.txt' '/sd/www/link.js' \
    '/sd/tv/%2e%2e/%2e%2e/secret.txt' '/sd/tv/..%2fsecret.txt'; do
	code=$(curl -s --path-as-is -o "$T_TMP/l.out" -w '%{http_code}' \
	    "$SERVE_URL$p")
	t_unlike "$(cat "$T_TMP/l.out")" 'secret outside' \
	    "lighttpd $p: nothing from outside ($code)"
done
for i in 1 2 3 4 5 6; do
	curl -s -o "$T_TMP/s$i" -D "$T_TMP/h$i" -w '%{http_code}\n' \
	    --max-time "$(t_secs 6)" "$base/p$i/stream.ts" >"$T_TMP/c$i" &
	pids="${pids:-} $!"
done
wait $pids	# (not every job: the upstream and lighttpd run on)
ok=$(cat "$T_TMP"/c? | grep -c '^200$')
busy=$(cat "$T_TMP"/c? | grep -c '^503$')
t_ok "$([ "$ok" -le 2 ] && [ "$ok" -ge 1 ] && echo 0 || echo 1)" \
    "max_sessions = 2: $ok of 6 proxies stream"
t_is "$((ok + busy))" 6 "the others get 503 ($busy)"
t_like "$(cat "$T_TMP"/h? | tr -d '\r')" '^Retry-After: [0-9]+$' \
    "503 with Retry-After"
busy_said=$(for i in 1 2 3 4 5 6; do
	grep -qx 503 "$T_TMP/c$i" && cat "$T_TMP/s$i"; done)
t_like "$busy_said" 'too many live sessions' \
    "the 503s say why: too many live sessions"
t_unlike "$busy_said" 'upstream is down' \
    "no 503 says the upstream is down (it is not)"
n=$(ls "$spool"/*/ts.state 2>/dev/null | wc -l)
t_ok "$([ "$n" -le 2 ] && echo 0 || echo 1)" "at most 2 upstream sessions ran ($n)"
# Variants are not made up by requests: odd formats start nothing new.
for f in a b c d e f g h; do
	curl -s -o /dev/null --max-time "$(t_secs 3)" "$base/tv?format=$f$f$f"
done
t_ok "$(ls -d "$spool"/tv/*/ 2>/dev/null | wc -l | awk '{ exit !($1 <= 3) }'; echo $?)" \
    "unknown ?format= values make no session folders ($(ls "$spool/tv" | tr '\n' ' '))"
# Sessions end (idle) and clean their spool folders up: never through a
# link that leads out of it.
t_wait 15 '! ls "$spool"/*/*.state >/dev/null 2>&1'
t_is "$(cat "$T_TMP/outside/secret.txt" 2>&1)" 'secret outside the spool' \
    "a session's cleanup does not follow SPOOL/tv/out -> outside"
t_done
