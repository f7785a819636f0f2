#!/bin/sh
# serve-config.t - one bad proxy section disables that proxy only: under a
# real lighttpd it answers 503 with the path:line reason, /status lists it,
# the other proxies and /playlist.m3u serve; sd-decide -l and sd-serve -c
# still fail (78). Near-miss names get a "did you mean".
. "${0%/*}/lib.sh"
. "${0%/*}/serve/lib.sh"

serve_dirs
serve_ini "$conf" "$spool"
serve_proxy "$conf" direct1 http://upstream.example/one.ts "mode = direct" \
    "name = Direct One"
serve_proxy "$conf" tv http://127.0.0.1:9/live.ts "profile = universal"
serve_proxy "$conf" bad http://127.0.0.1:9/b.ts "max_clients = lots"
serve_proxy "$conf" direct2 http://upstream.example/two.ts "mode = direct" \
    "sorce = http://typo.example/"
ini=$conf/proxies.ini
tvline=$(grep -n '^profile = universal' "$ini" | cut -d: -f1)
badline=$(grep -n '^max_clients = lots' "$ini" | cut -d: -f1)
typoline=$(grep -n '^sorce' "$ini" | cut -d: -f1)

# The checks for cron and packaging still fail hard.
t_run -- sd-decide -l -C "$conf"
t_is "$T_RC" 78 "sd-decide -l: exit 78"
t_like "$T_ERR" "proxies\.ini:$tvline: proxy tv names profile universal, which is not defined; did you mean Universal\?" \
    "sd-decide -l: did you mean Universal"
t_like "$T_ERR" "proxies\.ini:$badline: max_clients = lots" "sd-decide -l: the bad value"
t_like "$T_ERR" "proxies\.ini:$typoline: unknown key sorce; ignored: did you mean source\?" \
    "an unknown key: did you mean source"
t_run -- sd-serve -c -C "$conf"
t_is "$T_RC" 78 "sd-serve -c: exit 78"
t_like "$T_ERR" "proxies\.ini:$tvline: .*did you mean Universal" "sd-serve -c: the reason"

log=$T_TMP/cgi.log
serve_start "$conf" "$spool" "server.breakagelog = \"$log\""
t_ok $? "sd-serve answers with a bad proxy section"
base=$SERVE_BASE
get() {	# get URL: CODE, B (the body)
	CODE=$(curl -s -o "$T_TMP/b" -w '%{http_code}' \
	    --max-time "$(t_secs 20)" "$1")
	B=$(cat "$T_TMP/b")
}
get "$base/tv"
t_is "$CODE" 503 "the proxy with the misspelt profile: 503"
t_like "$B" "proxies\.ini:$tvline: .*did you mean Universal\?" "its 503 says path:line and the fix"
get "$base/bad"
t_is "$CODE" 503 "the proxy with a bad value: 503"
t_like "$B" "proxies\.ini:$badline: max_clients = lots" "its 503 says path:line"
get "$base/direct1"
t_is "$CODE" 302 "a good proxy still serves"
get "$base/direct2"
t_is "$CODE" 302 "an unknown key is a warning: the proxy serves"
get "$base/playlist.m3u"
t_is "$CODE" 200 "/playlist.m3u serves"
t_like "$B" '^/sd/direct1$|/sd/direct1$' "/playlist.m3u lists the good proxies"
t_unlike "$B" '/sd/(tv|bad)$' "/playlist.m3u leaves the disabled ones out"
get "$base/status"
t_is "$CODE" 200 "/status serves"
t_like "$B" '"disabled":\[.*"id":"tv","error":"[^"]*proxies\.ini:'"$tvline"': ' \
    "/status lists tv as disabled with its reason"
t_like "$B" '"id":"bad","error":"[^"]*proxies\.ini:'"$badline"': ' \
    "/status lists bad as disabled with its reason"
t_like "$(cat "$log")" "sd-serve: GET /tv: 503 .*proxies\.ini:$tvline: " \
    "the log has the request and the reason"

# Config warnings: once per config in the log, not once per request (each
# request runs sd-serve, which loads the config); again after an edit.
# sd-serve -c and sd-decide -l print them every time.
warned() { grep -c "proxies\.ini:$typoline: unknown key sorce" "$log"; }
t_is "$(warned)" 1 "the unknown key: logged once over the requests above"
printf '# edited\n' >>"$ini"
get "$base/direct1"
get "$base/direct2"
t_is "$(warned)" 2 "the config edited: logged once more over 2 requests"
t_run -- sd-serve -c -C "$conf"
t_like "$T_ERR" "proxies\.ini:$typoline: unknown key sorce" \
    "sd-serve -c still prints the warning"
t_run -- sd-decide -l -C "$conf"
t_like "$T_ERR" "proxies\.ini:$typoline: unknown key sorce" \
    "sd-decide -l still prints the warning"
t_done
