#!/bin/sh
# hostile.t - upstreams must not steer sd-serve (docs/SECURITY.md,
# "Upstreams"): a hostile upstream (tests/hostile.pl) serves the traps,
# and each is checked through lighttpd (SCGI) and sd-serve on stdin
# (inetd). A second server on another port stands for "elsewhere": it
# must never be asked for anything.
. "${0%/*}/lib.sh"
. "${0%/*}/serve/lib.sh"

ts=$("$SD_TOP/scripts/gen-media" h264-aac.ts)
mp4=$("$SD_TOP/scripts/gen-media" h264-aac.mp4)
conf=$T_TMP/conf
spool=$T_TMP/spool
up=$T_TMP/up
alt=$T_TMP/alt
mkdir -p "$conf" "$spool" "$up/files/hls" "$up/files/dash" "$alt/files"
ffmpeg -nostdin -v error -i "$ts" -c copy -f hls -hls_time 2 \
    -hls_playlist_type vod -hls_segment_filename "$up/files/hls/seg%d.ts" \
    "$up/files/hls/index.m3u8"
t_ok $? "ffmpeg writes an HLS source"
ffmpeg -nostdin -v error -i "$mp4" -c copy -f dash -seg_duration 2 \
    "$up/files/dash/manifest.mpd"
t_ok $? "ffmpeg writes a DASH source"
uport=$(t_free_port)
aport=$(t_free_port)
t_bg perl "$SD_TOP/tests/hostile.pl" -p "$uport" -d "$up"
t_bg perl "$SD_TOP/tests/hostile.pl" -p "$aport" -d "$alt"
U=http://127.0.0.1:$uport
A=http://127.0.0.1:$aport

# The trap playlist: the real segments, then what an attacker would add.
{
	sed '/#EXT-X-ENDLIST/d' "$up/files/hls/index.m3u8"
	printf '#EXT-X-KEY:METHOD=AES-128,URI="%s/files/key.bin"\n' "$A"
	printf '#EXTINF:2.0,\n%s/files/evil.ts\n' "$A"
	printf '#EXTINF:2.0,\nhttp://localhost:%s/files/hls/seg0.ts\n' "$uport"
	printf '#EXTINF:2.0,\npayload.html\n'
	printf '#EXTINF:2.0,\n/r/%s/files/redir.ts\n' "$aport"
	printf '#EXTINF:2.0,\n/slow/s.ts\n'
	printf '#EXT-X-ENDLIST\n'
} >"$up/files/hls/trap.m3u8"
echo '<script>alert(document.cookie)</script>' >"$up/files/hls/payload.html"
echo 'secret of another channel' >"$up/files/secret.txt"
# An MPD whose period has a BaseURL elsewhere.
sed "/<Period/a <BaseURL>$A/dash/</BaseURL>" "$up/files/dash/manifest.mpd" \
    >"$up/files/dash/trap.mpd"
# What the readers of sd-serve's sessions and sd-classify would follow
# elsewhere: a master whose best variant is there (its CODECS stand in),
# a playlist for an ingest ffmpeg with a key, a segment and a redirect
# there, an MPD for it whose BaseURL is there, and a TS source that
# redirects there. The "elsewhere" server has each file, so a reader
# that got through would be served.
printf '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=900000,CODECS="avc1.64001f,mp4a.40.2"\n%s/files/cvariant.m3u8\n' \
    "$A" >"$up/files/hls/cmaster.m3u8"
cp "$up/files/hls/index.m3u8" "$alt/files/cvariant.m3u8"
{
	sed '/#EXT-X-ENDLIST/d' "$up/files/hls/index.m3u8"
	printf '#EXTINF:2.0,\n/r/%s/files/iredir.ts\n' "$aport"
	printf '#EXTINF:2.0,\n%s/files/ievil.ts\n' "$A"
	printf '#EXT-X-KEY:METHOD=AES-128,URI="%s/files/ikey.bin"\n' "$A"
	printf '#EXTINF:2.0,\nseg0.ts\n'
	printf '#EXT-X-ENDLIST\n'
} >"$up/files/hls/itrap.m3u8"
for f in iredir.ts ievil.ts live.ts; do cp "$ts" "$alt/files/$f"; done
head -c 16 /dev/zero >"$alt/files/ikey.bin"
sed "/<Period/a <BaseURL>$A/idash/</BaseURL>" "$up/files/dash/manifest.mpd" \
    >"$up/files/dash/itrap.mpd"
mkdir -p "$alt/files/dash" "$alt/files/idash"
cp "$up/files/dash/"* "$alt/files/dash/"
cp "$up/files/dash/"* "$alt/files/idash/"
# A master whose second variant names 100,000 files.
printf '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=900000\nindex.m3u8\n#EXT-X-STREAM-INF:BANDWIDTH=800000\nbig.m3u8\n' \
    >"$up/files/hls/master.m3u8"
awk 'BEGIN { print "#EXTM3U\n#EXT-X-TARGETDURATION:2"
	for (i = 0; i < 100000; i++) printf "#EXTINF:2.0,\nseg0.ts?n=%d\n", i
	print "#EXT-X-ENDLIST" }' >"$up/files/hls/big.m3u8"

serve_proxy "$conf" hls "$U/files/hls/trap.m3u8" "allow_hosts = localhost"
serve_proxy "$conf" dash "$U/files/dash/manifest.mpd"
serve_proxy "$conf" dir "$U/files/hls/index.m3u8" "mode = direct"
serve_proxy "$conf" big "$U/files/hls/master.m3u8"
serve_proxy "$conf" dasht "$U/files/dash/trap.mpd"
serve_proxy "$conf" empty "$U/empty/live.ts"
serve_proxy "$conf" cmaster "$U/files/hls/cmaster.m3u8"
serve_proxy "$conf" hlsi "$U/files/hls/itrap.m3u8"
serve_proxy "$conf" dashi "$U/files/dash/itrap.mpd"
serve_proxy "$conf" tsr "$U/r/$aport/files/live.ts"
serve_ini "$conf" "$spool" "idle_timeout = $(t_secs 30)" \
    "upstream_timeout = $(t_secs 2)"
serve_start "$conf" "$spool"
base=$SERVE_BASE
t_wait_http "$U/files/hls/index.m3u8"

get() {	# get URL: CODE, H (head), B (body file)
	CODE=$(curl -s --path-as-is -D "$T_TMP/h" -o "$T_TMP/b" \
	    -w '%{http_code}' --max-time "$(t_secs 40)" "$1")
	H=$(tr -d '\r' <"$T_TMP/h")
	B=$T_TMP/b
}
raw() {	# raw PATH: sd-serve on stdin (inetd); CODE, H, B as above
	printf 'GET %s HTTP/1.1\r\nHost: tv.example\r\n\r\n' "$1" >"$T_TMP/req"
	t_run -t 40 -i "$T_TMP/req" -- sd-serve -C "$conf"
	printf '%s\n' "$T_OUT" | tr -d '\r' | sed '/^$/q' >"$T_TMP/h"
	printf '%s\n' "$T_OUT" | tr -d '\r' | sed '1,/^$/d' >"$T_TMP/b"
	H=$(cat "$T_TMP/h")
	CODE=$(printf '%s\n' "$H" | head -1 | cut -d' ' -f2)
	B=$T_TMP/b
}
asked() {	# asked ERE: 0 when the upstream was asked for a path matching ERE
	grep -Eq "$1" "$up/connections" 2>/dev/null
}
elsewhere() {	# elsewhere ERE: what "elsewhere" was asked for matching ERE
	grep -E "$1" "$alt/connections" 2>/dev/null | sed 's/^conn [0-9]* //'
}
hdr() {	# hdr NAME: the value of header NAME in $H
	printf '%s\n' "$H" | sed -n "s/^$1: //Ip" | head -1
}

# 1. DASH passthrough: REST is a plain relative path, no query passed on.
get "$base/dash/manifest.mpd"
t_is "$CODE" 200 "DASH: the MPD"
d=$(sed -n 's|.*<BaseURL>/sd/dash/\(d/[0-9a-f]*/\)</BaseURL>.*|\1|p' "$B" |
    head -1)
t_like "$d" '^d/[0-9a-f]{16}/$' "DASH: a BaseURL d/HASH/"
init=$(sed -n 's/.*initialization="\([^"$]*\)".*/\1/p' "$B" | head -1)
[ -n "$init" ] || init=$(cd "$up/files/dash" && ls init* | head -1)
get "$base/dash/$d$init"
t_is "$CODE" 200 "DASH: a real file of the folder is served"
for rest in '%252e%252e/%252e%252e/files/secret.txt' \
    '%2e%2e/%2e%2e/secret.txt' '..%252f..%252fsecret.txt' \
    '.%252e/secret.txt' '%25252e%25252e/secret.txt' 'a//b' \
    'x%3fy' 'x%23y' '%2fetc/passwd'; do
	# (lighttpd may cut PATH_INFO at a decoded '?': "x" is then
	# asked for, a name of the folder, and the upstream 404s it)
	get "$base/dash/$d$rest"
	t_like "$CODE" '^(40[04]|503)$' "DASH CGI: d/HASH/$rest refused ($CODE)"
	raw "/dash/$d$rest"
	t_like "$CODE" '^40[04]$' "DASH inetd: d/HASH/$rest refused ($CODE)"
done
asked 'secret|%2e|%2E|\.\./|passwd|x\?y|x%3f|x#y|x%23'
t_ok $((!$?)) "DASH: the upstream was never asked for a path outside"
get "$base/dash/$d$init?token=evil"
raw "/dash/$d$init?token=evil2"
asked 'evil'
t_ok $((!$?)) "DASH: a client's query is not passed to the upstream"

# 5. Routes are exact.
get "$base/dir"
t_is "$CODE" 302 "direct: /dir redirects"
get "$base/dir/anything/else"
t_is "$CODE:$(hdr Location)" "404:" "direct CGI: /dir/anything/else is a 404"
raw "/dir/anything/else"
t_is "$CODE:$(hdr Location)" "404:" "direct inetd: /dir/anything/else is a 404"

# 2. Only the source's origin and allow_hosts; never a private address but
# the source's own; no redirect elsewhere.
get "$base/hls/master.m3u8"
t_is "$CODE" 200 "SSRF: the trap playlist"
cp "$B" "$T_TMP/trap.m3u8"
t_unlike "$(cat "$T_TMP/trap.m3u8")" 'EXT-X-KEY' "SSRF: a key from elsewhere is left out"
t_unlike "$(cat "$T_TMP/trap.m3u8")" "127\.0\.0\.1|localhost|evil" \
    "SSRF: no upstream URL in the rewritten playlist"
t_is "$(grep -c '^#EXTINF' "$T_TMP/trap.m3u8")" "$(grep -c '^/sd/' "$T_TMP/trap.m3u8")" \
    "SSRF: each #EXTINF left has its URI (the left-out one's went with it)"
nreal=$(grep -c '^seg' "$up/files/hls/index.m3u8")
t_is "$(grep -c '^/sd/hls/s/' "$T_TMP/trap.m3u8")" "$((nreal + 4))" \
    "SSRF: the real segments and 4 same-origin or allowed traps are named"
set -- $(grep '^/sd/hls/s/' "$T_TMP/trap.m3u8" | tail -4)
loc=$1 redir=$3 slow=$4
get "${base%/sd}$loc"
t_like "$CODE" '^50[234]$' "SSRF CGI: an allowed host resolving to loopback is refused ($CODE)"
raw "${loc#/sd}"
t_like "$CODE" '^50[234]$' "SSRF inetd: an allowed host resolving to loopback is refused ($CODE)"
t_like "$T_ERR" 'localhost: refused: .* is a loopback' "SSRF inetd: the refusal is logged"
get "${base%/sd}$redir"
t_like "$CODE" '^50[234]$' "SSRF CGI: a redirect elsewhere is an upstream error ($CODE)"
raw "${redir#/sd}"
t_like "$CODE" '^50[234]$' "SSRF inetd: a redirect elsewhere is an upstream error ($CODE)"
t_like "$T_ERR" 'refused: a redirect' "SSRF inetd: the redirect is logged"
get "$base/dasht/manifest.mpd"
t_is "$CODE" 200 "SSRF: the trap MPD"
t_unlike "$(cat "$B")" "127\.0\.0\.1" "SSRF: a BaseURL elsewhere is left out of the MPD"
t_like "$(cat "$B")" '<BaseURL>/sd/dasht/d/' "SSRF: the MPD's own folder stays"

# 4. Bounds: one deadline for an upstream exchange, lock waits bounded,
# entries per playlist capped, empty answers backed off.
get "${base%/sd}$slow"
t_is "$CODE" 504 "bounds CGI: headers a byte at a time end in a 504"
raw "${slow#/sd}"
t_is "$CODE" 504 "bounds inetd: headers a byte at a time end in a 504"
lock=$(ls "$spool"/hls/pass/f-*.lock | while read -r l; do
	[ -e "${l%.lock}" ] || echo "$l"; done | head -1)
t_like "$lock" 'f-[0-9a-f]{16}\.lock$' "bounds: the slow file's lock"
t_bg perl -e 'use Fcntl ":flock"; open(my $f, ">>", $ARGV[0]) or die;
    flock($f, LOCK_EX) or die; open(my $h, ">", $ARGV[1]); close($h);
    sleep 3600' "$lock" "$T_TMP/held"
t_wait 10 '[ -e "$T_TMP/held" ]'
t_ok $? "bounds: another process holds the lock"
get "${base%/sd}$slow"
t_like "$CODE" '^50[34]$' "bounds CGI: a lock held for ever is waited for a while ($CODE)"
raw "${slow#/sd}"
t_like "$CODE" '^50[34]$' "bounds inetd: a lock held for ever is waited for a while ($CODE)"
get "$base/big/master.m3u8"
t_is "$CODE" 200 "bounds: the big source's master"
bigp=$(grep '^/sd/big/p/' "$B" | tail -1)
get "${base%/sd}$bigp"
t_is "$CODE" 502 "bounds CGI: a playlist of 100,000 entries is refused"
raw "${bigp#/sd}"
t_is "$CODE" 502 "bounds inetd: a playlist of 100,000 entries is refused"
t_like "$T_ERR" 'more than [0-9]+ entries' "bounds: the refusal is logged"
t_at_least "$((100 - $(ls "$spool/big/pass" | wc -l)))" 0 \
    "bounds: no file written for its entries ($(ls "$spool/big/pass" | wc -l) in pass/)"
curl -s -o /dev/null --max-time 2 "$base/empty/stream.ts"
st() { cat "$spool"/empty/*.state 2>/dev/null; }
t_wait 40 '[ "$(st | sed -n "s/^retry_after=//p")" -ge 5 ] 2>/dev/null'
t_ok $? "bounds: an upstream answering 200 with nothing is backed off ($(st | grep retry_after))"
t_like "$(st)" 'empty body' "bounds: the state says why"

# 3. Markup: passthrough files only as media, nosniff on every answer, the
# page's scripts only its own.
get "$base/hls/master.m3u8"
t_is "$CODE" 200 "HLS: the trap playlist"
cp "$B" "$T_TMP/trap.m3u8"
html=$(grep -n '^/sd/hls/s/' "$T_TMP/trap.m3u8" | grep -v '\.ts$' | head -1)
html=${html#*:}
t_like "$html" '^/sd/hls/s/[0-9a-f]{16}\.[a-z0-9]+$' "HLS: payload.html is named"
get "${base%/sd}$html"
t_like "$(hdr Content-Type)" '^application/octet-stream' \
    "CGI: payload.html is served as application/octet-stream"
t_is "$(hdr Content-Disposition)" attachment "CGI: payload.html is an attachment"
raw "${html#/sd}"
t_like "$(hdr Content-Type)" '^application/octet-stream' \
    "inetd: payload.html is served as application/octet-stream"
for u in / /status /playlist.m3u /hls/master.m3u8 /nope /dash/manifest.mpd \
    "${html#/sd}"; do
	get "$base$u"
	t_is "$(hdr X-Content-Type-Options)" nosniff "CGI $u ($CODE): nosniff"
	raw "$u"
	t_is "$(hdr X-Content-Type-Options)" nosniff "inetd $u ($CODE): nosniff"
done
get "$base/dash/manifest.mpd"
t_like "$(hdr Content-Security-Policy)" "sandbox" \
    "an MPD opened in a browser is sandboxed"
for face in CGI inetd; do
	if [ $face = CGI ]; then get "$base/"; else raw /; fi
	csp=$(hdr Content-Security-Policy)
	nonce=$(printf '%s\n' "$csp" | sed -n "s/.*'nonce-\([0-9a-f]*\)'.*/\1/p")
	t_like "$csp" "^script-src 'self' 'nonce-[0-9a-f]{32}';" \
	    "$face page: a policy with scripts from itself and a nonce"
	t_like "$csp" "object-src 'none'" "$face page: no plugins"
	t_is "$(grep -c '<script>' "$B")" 0 "$face page: no inline script without the nonce"
	t_is "$(grep -c "<script nonce=\"$nonce\">" "$B")" 1 \
	    "$face page: its inline script carries the nonce"
	t_is "$(grep -Ec ' on[a-z]+=' "$B")" 0 "$face page: no inline handlers"
done

# The guard itself (tests/drive/guard), as a plain client (curl -x) meets
# it: the source's origin passes, anything else is a 403, https included
# (a CONNECT tunnel), and so is a name of the source's address that is
# not the source's host (loopback) or a request that is no proxy request.
mkfifo "$T_TMP/gin"
t_bg sh -c 'exec "$0" -u "$1" -A "$2" <"$3" >"$4"' \
    "$SD_BUILD/tests/drive/guard" "$U/files/hls/index.m3u8" "cdn.example" \
    "$T_TMP/gin" "$T_TMP/gurl"
exec 8>"$T_TMP/gin"
t_wait 10 '[ -s "$T_TMP/gurl" ]'
G=$(cat "$T_TMP/gurl")
t_like "$G" '^http://127\.0\.0\.1:[0-9]+$' "guard: listens on 127.0.0.1 ($G)"
gx() {	# gx ARGS: the status of curl -x $G ARGS
	curl -s -o /dev/null -w '%{http_code}' --max-time "$(t_secs 10)" \
	    -x "$G" "$@"
}
t_is "$(gx "$U/files/hls/seg0.ts")" 200 "guard: the source's origin passes"
t_is "$(gx "$A/files/live.ts")" 403 "guard: another port of the host is a 403"
t_is "$(gx "http://localhost:$uport/files/hls/seg0.ts")" 403 \
    "guard: another name for the source's (loopback) address is a 403"
t_is "$(curl -s -o /dev/null -w '%{http_connect}' --max-time "$(t_secs 10)" \
    -x "$G" -p "https://127.0.0.1:$aport/")" 403 \
    "guard: a CONNECT tunnel elsewhere is a 403"
t_is "$(curl -s -o /dev/null -w '%{http_code}' "$G/files/hls/seg0.ts")" 405 \
    "guard: a request that is no proxy request is a 405"
exec 8>&-
t_is "$(elsewhere 'live.ts| /$')" "" "guard: elsewhere was never asked"

# An upstream on the source's origin that takes the request and says
# nothing: the guard answers 504 at its timeout (5 s in the driver), the
# silence told apart from a broken answer; one that closes without a
# word: 502. (sd-classify counts a failure past its deadline as its own
# timeout whatever the guard says; this is the guard's own answer.)
sport=$(t_free_port)
t_bg perl -MIO::Socket::INET -e '
	my $s = IO::Socket::INET->new(Listen => 16, ReuseAddr => 1,
	    LocalAddr => "127.0.0.1:$ARGV[0]") or die "silent: $!\n";
	my @held;
	while (my $c = $s->accept) {
		my $line = <$c> // "";
		if ($line =~ m{/close}) { close $c } else { push @held, $c }
	}' "$sport"
t_wait 10 perl -MIO::Socket::INET -e \
    'exit !IO::Socket::INET->new("127.0.0.1:$ARGV[0]")' "$sport"
mkfifo "$T_TMP/gin2"
t_bg sh -c 'exec "$0" -u "$1" <"$2" >"$3"' "$SD_BUILD/tests/drive/guard" \
    "http://127.0.0.1:$sport/live.ts" "$T_TMP/gin2" "$T_TMP/gurl2"
exec 8>"$T_TMP/gin2"
t_wait 10 '[ -s "$T_TMP/gurl2" ]'
G=$(cat "$T_TMP/gurl2")
t_is "$(gx "http://127.0.0.1:$sport/silent.ts")" 504 \
    "guard: an upstream silent past the guard's timeout is a 504"
t_is "$(gx "http://127.0.0.1:$sport/close.ts")" 502 \
    "guard: an upstream that closes without an answer is a 502"
exec 8>&-

# 2, continued: the readers that are not ours. sd-classify (libavformat)
# probes a smart proxy's source before anything else: through its guard
# it followed neither the trap MPD's BaseURL nor a variant elsewhere (the
# MPD's and the master's codecs stand in).
t_is "$(elsewhere '/dash/')" "" "SSRF: sd-classify never asked elsewhere for the MPD's BaseURL"
get "$base/cmaster/master.m3u8"
t_is "$CODE" 200 "SSRF: a master whose variant is elsewhere is classified from its CODECS"
t_is "$(elsewhere cvariant)" "" "SSRF: sd-classify never asked elsewhere for the variant"
t_like "$(cat "$spool/cmaster/classify")" "reason=The variant's media playlist: .*403" \
    "SSRF: the classification says the variant was refused"

# A session's ingest ffmpeg (an HLS or DASH source for a TS client) reads
# through the session's guard: the key, segment and redirect elsewhere
# are refused (403, a line in the session's log), the rest plays.
t_bg curl -s -o "$T_TMP/hlsi.ts" --max-time "$(t_secs 20)" "$base/hlsi?format=ts"
t_wait 40 'grep -q "ikey.bin: refused" "$spool/hlsi/ts.log" 2>/dev/null'
t_ok $? "ingest HLS: the key elsewhere was refused (the session's log says so)"
t_like "$(cat "$spool/hlsi/ts.log")" 'iredir.ts: refused' \
    "ingest HLS: the redirect elsewhere was refused"
t_is "$(elsewhere 'ikey|ievil|iredir')" "" "ingest HLS: elsewhere was never asked"
t_wait 20 '[ "$(wc -c <"$T_TMP/hlsi.ts")" -gt 100000 ]'
t_ok $? "ingest HLS: the segments of the source's origin still play ($(wc -c <"$T_TMP/hlsi.ts") bytes)"
t_bg curl -s -o /dev/null --max-time "$(t_secs 10)" "$base/dashi?format=ts"
t_wait 40 'grep -q "idash/.*: refused" "$spool/dashi/ts.log" 2>/dev/null'
t_ok $? "ingest DASH: the BaseURL elsewhere was refused"
t_is "$(elsewhere 'idash')" "" "ingest DASH: elsewhere was never asked"

# The TS relay (sd-session) follows a redirect only within the source's
# origin and allow_hosts.
t_bg curl -s -o /dev/null --max-time "$(t_secs 5)" "$base/tsr/stream.ts"
t_wait 40 'grep -q "refused" "$spool/tsr/ts.state" 2>/dev/null'
t_ok $? "TS relay: the redirect elsewhere is an upstream error ($(grep last_error "$spool/tsr/ts.state" 2>/dev/null))"
t_is "$(elsewhere live.ts)" "" "TS relay: elsewhere was never asked"
t_is "$(cat "$alt/connections" 2>/dev/null)" "" \
    "SSRF: the other origin was never asked for anything"

t_done
