#!/bin/sh
# serve-http.t - sd-serve's HTTP face under a real lighttpd (the shipped
# etc/lighttpd.conf), in inetd mode (a request on stdin) and under socat:
# direct redirects, hostile requests, store files with their headers,
# /playlist.m3u, /status, the page; etc/ files syntax-checked.
. "${0%/*}/lib.sh"
. "${0%/*}/serve/lib.sh"

serve_dirs "$T_TMP/conf/www" "$T_TMP/spool/tv/cmaf"
store=$spool/tv/cmaf
# A secret beside the spool: no request may ever bring it back.
secret="SECRET-$$-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')"
echo "$secret" >"$T_TMP/secret"
echo "$secret" >"$conf/secret.ini"

cat >"$conf/proxies.ini" <<'EOF'
[tv]
name = News "24"
source = http://127.0.0.1:9/live.ts
mode = smart
group = News
logo = http://logos.example/tv.png
tvg_id = news24.example

[direct1]
name = Direct One
source = http://upstream.example/one.ts?token=abc
mode = direct
group = Other
EOF
printf '[sd]\nspool = %s\n' "$spool" >"$conf/sd.ini"
cp "$SD_TOP/tests/node_modules/hls.js/dist/hls.min.js" "$conf/www/"

# A store as sd-cmafmux leaves it: the index and every file it names.
cp "$SD_TOP/tests/golden/manifest/ts/index" "$store/index"
for f in $(grep -o 'file=[^ ]*\|init=[^ ]*' "$store/index" | cut -d= -f2 |
    sort -u); do
	head -c 3000 /dev/urandom >"$store/$f"
done
seg=$(grep -o 'file=v0-[^ ]*' "$store/index" | head -1 | cut -d= -f2)
init=$(grep -o 'init=v0-[^ ]*' "$store/index" | head -1 | cut -d= -f2)
tsseg=$(grep -o 'file=[^ ]*\.ts' "$store/index" | head -1 | cut -d= -f2)
ln -s ../../../secret "$store/leak.m4s"
ln -s "$T_TMP/secret" "$store/abs.m3u8"

# A client that sends half a head and then nothing: answered 408 within
# sd-serve's 10 s, whatever the client does (checked at the end).
( printf 'GET /status HTTP/1.1\r\nHost: h\r\n'; sleep "$(t_secs 12)" ) |
    sd-serve -C "$conf" >"$T_TMP/slow.out" 2>/dev/null &
slow=$!

# ------------------------------------------------------------ lighttpd
serve_start "$conf" "$spool"
t_ok $? "lighttpd -tt accepts etc/lighttpd.conf and sd-serve answers under it"
base=$SERVE_BASE

# get [CURL ARGS] URL: sets H (head, CR removed), B (body file), CODE.
get() {
	CODE=$(curl -s --path-as-is -D "$T_TMP/h" -o "$T_TMP/b" \
	    -w '%{http_code}' --max-time "$(t_secs 20)" "$@")
	H=$(tr -d '\r' <"$T_TMP/h")
	B=$T_TMP/b
}
hdr() {	# hdr NAME: the value of header NAME in $H
	printf '%s\n' "$H" | sed -n "s/^$1: //Ip" | head -1
}
no_secret() {	# no_secret DESC: neither head nor body holds the secret
	if grep -qF "$secret" "$B" "$T_TMP/h" 2>/dev/null; then
		t_ok 1 "$1: secret leaked"
	else
		t_ok 0 "$1: no secret"
	fi
}

get "$base/direct1"
t_is "$CODE" 302 "direct: 302"
t_is "$(hdr Location)" "http://upstream.example/one.ts?token=abc" \
    "direct: Location is the source"
# Routes are exact: only /PROXY of a direct proxy redirects.
for r in stream.ts anything/else master.m3u8; do
	get "$base/direct1/$r"
	t_is "$CODE:$(hdr Location)" "404:" "direct: /direct1/$r is a 404"
done

# /PROXY picks the format: ?format=, then Accept, then User-Agent. HLS and
# DASH are redirected to their manifest (before any upstream is touched).
get "$base/tv?format=dash"
t_is "$CODE:$(hdr Location)" "302:/sd/tv/manifest.mpd" "/tv?format=dash"
get -H 'Accept: application/dash+xml' "$base/tv"
t_is "$CODE:$(hdr Location)" "302:/sd/tv/manifest.mpd" "/tv, Accept: DASH"
get -H 'Accept: application/vnd.apple.mpegurl' \
    -H 'User-Agent: VLC/3.0.18 LibVLC/3.0.18' "$base/tv"
t_is "$CODE:$(hdr Location)" "302:/sd/tv/master.m3u8" \
    "/tv, Accept: HLS wins over a VLC User-Agent"
get -H 'User-Agent: AppleCoreMedia/1.0.0.20E247 (iPhone; U; CPU OS 16_4 like Mac OS X)' \
    "$base/tv"
t_is "$CODE:$(hdr Location)" "302:/sd/tv/master.m3u8" \
    "/tv, an iPhone User-Agent: HLS"
get "$base/tv?format=hls-ts"
t_is "$CODE:$(hdr Location)" "302:/sd/tv/master-ts.m3u8" "/tv?format=hls-ts"
get "$base/tv/nosuch.m3u8"
t_is "$CODE" 404 "unknown route of a proxy: 404"

# Hostile requests: each a clean 4xx, never the secret.
long=$(head -c 3000 /dev/zero | tr '\0' a)
for u in "/sd/../secret" "/sd/tv/../../secret" "/sd/%2e%2e/secret" \
    "/sd/tv/cmaf/%2e%2e/%2e%2e/%2e%2e/secret" "/sd/tv%2f..%2f..%2fsecret" \
    "/sd/tv/cmaf/..%2f..%2f..%2fsecret" "/sd/tv/cmaf/%2E%2E%5C%2E%2E%5Csecret" \
    "/sd/tv/cmaf/leak.m4s" "/sd/tv/cmaf/abs.m3u8" "/sd/a%00b" \
    "/sd/tv/cmaf/x%0d%0aSet-Cookie:%20a=b" "/sd/$long" "/sd/nosuch" \
    "/sd/nosuch/master.m3u8" "/sd/tv/nosuch/v0.m3u8" "/sd/www/secret.ini" \
    "/sd/www/..%2fsecret.ini" "/sd/tv/ts/head" "/sd/tv/classify"; do
	get "$SERVE_URL$u"
	case $CODE in 4??) t_ok 0 "lighttpd $u: $CODE" ;;
	*) t_ok 1 "lighttpd $u: $CODE, not 4xx" ;; esac
	no_secret "lighttpd $u"
	t_unlike "$H" '^Set-Cookie' "lighttpd $u: no injected header"
done
get -H "X-Long: $(head -c 70000 /dev/zero | tr '\0' b)" "$base/status"
t_like "$CODE" '^4[0-9][0-9]$' "over-long header: 4xx ($CODE)"
for m in POST PUT DELETE OPTIONS; do
	get -X "$m" -H 'Content-Length: 0' "$base/status"
	t_like "$CODE" '^4[0-9][0-9]$' "method $m: 4xx ($CODE)"
done
get -X POST -H 'Content-Length: 0' "$base/playlist.m3u"
t_is "$CODE" 405 "POST reaching sd-serve: 405"
t_is "$(hdr Allow)" "GET, HEAD" "405: Allow"

# Store files: lighttpd serves segments and headers itself.
get "$base/tv/cmaf/$seg"
t_is "$CODE" 200 "segment: 200"
t_is "$(hdr Content-Type)" "video/iso.segment" "segment: Content-Type"
t_like "$(hdr Cache-Control)" 'immutable' "segment: Cache-Control immutable"
t_is "$(hdr Access-Control-Allow-Origin)" "*" "segment: CORS"
t_is "$(hdr X-Content-Type-Options)" nosniff "segment (lighttpd's): nosniff"
cmp -s "$B" "$store/$seg"
t_ok $? "segment: the file's bytes"
etag=$(hdr ETag)
t_like "$etag" '^(W/)?".+"$' "segment: ETag"
t_like "$(hdr Last-Modified)" 'GMT$' "segment: Last-Modified"
get -H "If-None-Match: $etag" "$base/tv/cmaf/$seg"
t_is "$CODE" 304 "segment: If-None-Match 304"
get -r 10-19 "$base/tv/cmaf/$seg"
t_is "$CODE" 206 "segment: Range 206"
t_is "$(hdr Content-Range)" "bytes 10-19/3000" "segment: Content-Range"
t_is "$(od -An -tx1 "$B")" "$(dd if="$store/$seg" bs=1 skip=10 count=10 \
    2>/dev/null | od -An -tx1)" "segment: the range's bytes"
get -r 5000- "$base/tv/cmaf/$seg"
t_is "$CODE" 416 "segment: Range past the end 416"
get -I "$base/tv/cmaf/$init"
t_is "$CODE:$(hdr Content-Type):$(hdr Content-Length)" \
    "200:video/mp4:3000" "header: HEAD, video/mp4, length"
# curl -I writes the head to -o too: nothing may follow it.
t_is "$(wc -c <"$B")" "$(wc -c <"$T_TMP/h")" "HEAD: no body"
get "$base/tv/cmaf/$tsseg"
t_is "$CODE:$(hdr Content-Type)" "200:video/mp2t" "TS segment: video/mp2t"

# Manifests come from sd-serve, built from the store's index.
get "$base/tv/cmaf/v0.m3u8"
t_is "$CODE:$(hdr Content-Type)" "200:application/vnd.apple.mpegurl" \
    "media playlist: 200, Content-Type"
t_like "$(hdr Cache-Control)" 'max-age=[0-9]+' "media playlist: Cache-Control"
t_is "$(cat "$B")" "$(cat "$SD_TOP/tests/golden/manifest/ts/v0.m3u8")" \
    "media playlist: as sd-manifest writes it"
etag=$(hdr ETag)
get -H "If-None-Match: $etag" "$base/tv/cmaf/v0.m3u8"
t_is "$CODE" 304 "media playlist: 304"
get "$base/tv/cmaf/manifest.mpd"
t_is "$CODE:$(hdr Content-Type)" "200:application/dash+xml" "MPD: type"
xmllint --noout "$B" 2>/dev/null
t_ok $? "MPD: well-formed XML (xmllint)"

# /playlist.m3u: absolute URLs from Host and SCRIPT_NAME.
get "$base/playlist.m3u"
m3u=$(tr -d '\r' <"$B")
t_is "$(printf '%s\n' "$m3u" | head -1)" "#EXTM3U" "m3u: #EXTM3U"
t_like "$m3u" '^#EXTINF:-1 tvg-id="news24.example" .*tvg-logo="http://logos.example/tv.png" group-title="News",News "24"$' \
    "m3u: tv's EXTINF with tvg-id, tvg-logo, group-title"
t_like "$m3u" "^http://127.0.0.1:$SERVE_PORT/sd/tv\$" "m3u: tv's absolute URL"
t_like "$m3u" "^http://127.0.0.1:$SERVE_PORT/sd/direct1\$" "m3u: direct1's URL"
t_is "$(printf '%s\n' "$m3u" | grep -c '^#EXTINF')" 2 "m3u: one entry a proxy"

# /status: JSON, read by node.
get "$base/status"
t_is "$(hdr Content-Type)" "application/json" "status: type"
shape=$(node -e '
	const s = JSON.parse(require("fs").readFileSync(process.argv[1]));
	const ids = s.proxies.map(p => p.id + ":" + p.mode).join(",");
	console.log(ids, Array.isArray(s.relay.sessions));
' "$B" 2>&1)
t_is "$shape" "tv:smart,direct1:direct true" "status: proxies and sessions"

# The page and its scripts.
get "$base/"
t_is "$CODE:$(hdr Content-Type)" "200:text/html; charset=utf-8" "page: 200"
t_like "$(cat "$B")" 'News &quot;24&quot;' "page: names escaped"
t_like "$(cat "$B")" '<script src="/sd/www/hls.min.js">' "page: hls.js"
get "$base/www/hls.min.js"
t_is "$CODE" 200 "page script: 200"
t_is "$(hdr X-Content-Type-Options)" nosniff "page script (lighttpd's): nosniff"
cmp -s "$B" "$conf/www/hls.min.js"
t_ok $? "page script: the file"

# ------------------------------------------------------------ inetd
# raw FILE: the request in FILE to sd-serve on stdin; H, B, CODE as above.
raw() {
	sd-serve -C "$conf" <"$1" >"$T_TMP/raw" 2>"$T_TMP/raw.err"
	RAW_RC=$?
	perl -e 'local $/; $_ = <STDIN>; my ($h, $b) = split /\r\n\r\n/, $_, 2;
	    open my $fh, ">", $ARGV[0]; print $fh $h; open $fh, ">", $ARGV[1];
	    print $fh ($b // "")' "$T_TMP/h" "$T_TMP/b" <"$T_TMP/raw"
	H=$(tr -d '\r' <"$T_TMP/h")
	CODE=$(printf '%s\n' "$H" | head -1 | cut -d' ' -f2)
	B=$T_TMP/b
}
req() {	# req PATH [HEADER...]: a GET request into $T_TMP/req
	_p=$1
	shift
	{ printf 'GET %s HTTP/1.1\r\nHost: tv.example:8080\r\n' "$_p"
	  for _h in "$@"; do printf '%s\r\n' "$_h"; done
	  printf '\r\n'; } >"$T_TMP/req"
}

req /direct1
raw "$T_TMP/req"
t_is "$RAW_RC:$CODE:$(hdr Location)" \
    "0:302:http://upstream.example/one.ts?token=abc" "inetd: direct 302"
t_like "$H" '^HTTP/1.1 302 Found$' "inetd: status line"
t_like "$H" '^Connection: close$' "inetd: Connection: close"
req /direct1/anything/else
raw "$T_TMP/req"
t_is "$CODE:$(hdr Location)" "404:" "inetd: /direct1/anything/else is a 404"
for u in "/../secret" "/tv/../../secret" "/%2e%2e/secret" "/%2E%2e/secret" \
    "/tv/cmaf/%2e%2e%2f%2e%2e%2fsecret" "/tv%2fcmaf" "/tv/cmaf/leak.m4s" \
    "/tv/cmaf/abs.m3u8" "/a%00b" "/tv//cmaf/v0.m3u8" "/tv/cmaf/.%2e/x" \
    "/$long" "/nosuch" "/www/secret.ini" "/www/../secret.ini" \
    "/tv/ts/head" "/tv/cmaf/%0d%0aX:1"; do
	req "$u"
	raw "$T_TMP/req"
	case $CODE in 4??) t_ok 0 "inetd $u: $CODE" ;;
	*) t_ok 1 "inetd $u: $CODE, not 4xx" ;; esac
	no_secret "inetd $u"
done
printf 'GET /a\0b HTTP/1.1\r\nHost: h\r\n\r\n' >"$T_TMP/req"
raw "$T_TMP/req"
t_is "$CODE" 400 "inetd: raw NUL in the path: 400"
req /status "X-Long: $(head -c 10000 /dev/zero | tr '\0' b)"
raw "$T_TMP/req"
t_is "$CODE" 431 "inetd: over-long header: 431"
req "/$long$long"
raw "$T_TMP/req"
t_is "$CODE" 414 "inetd: over-long path: 414"
printf 'GET / HTTP/1.1\r\n\r\n' >"$T_TMP/req"
raw "$T_TMP/req"
t_is "$CODE" 400 "inetd: HTTP/1.1 without Host: 400"
t_is "$RAW_RC" 0 "inetd: a 400 answered is exit status 0"
printf 'GET /status HTTP/1.1\r\nHost: h\r\n' >"$T_TMP/req"
raw "$T_TMP/req"
t_is "$CODE" 400 "inetd: a head cut short: 400"
for m in POST PUT DELETE BREW; do
	printf '%s /status HTTP/1.1\r\nHost: h\r\n\r\n' "$m" >"$T_TMP/req"
	raw "$T_TMP/req"
	t_is "$CODE:$(hdr Allow)" "405:GET, HEAD" "inetd: $m: 405 with Allow"
done
t_is "$(cat "$B")" "405 Method Not Allowed" "inetd: 405 short body"

# Store files, served by sd-serve itself.
req "/tv/cmaf/$seg"
raw "$T_TMP/req"
t_is "$CODE:$(hdr Content-Type)" "200:video/iso.segment" "inetd: segment"
t_like "$(hdr Cache-Control)" 'immutable' "inetd: segment immutable"
t_is "$(hdr Access-Control-Allow-Origin)" "*" "inetd: CORS"
cmp -s "$B" "$store/$seg"
t_ok $? "inetd: segment bytes"
etag=$(hdr ETag)
lm=$(hdr Last-Modified)
req "/tv/cmaf/$seg" "If-None-Match: $etag"
raw "$T_TMP/req"
t_is "$CODE:$(wc -c <"$B")" "304:0" "inetd: If-None-Match 304, no body"
req "/tv/cmaf/$seg" "If-Modified-Since: $lm"
raw "$T_TMP/req"
t_is "$CODE" 304 "inetd: If-Modified-Since 304"
req "/tv/cmaf/$seg" "If-None-Match: \"other\"" "If-Modified-Since: $lm"
raw "$T_TMP/req"
t_is "$CODE" 200 "inetd: If-None-Match decides over If-Modified-Since"
req "/tv/cmaf/$seg" "Range: bytes=-16"
raw "$T_TMP/req"
t_is "$CODE:$(hdr Content-Range):$(hdr Content-Length)" \
    "206:bytes 2984-2999/3000:16" "inetd: suffix Range 206"
t_is "$(od -An -tx1 "$B")" "$(tail -c 16 "$store/$seg" | od -An -tx1)" \
    "inetd: the range's bytes"
req "/tv/cmaf/$seg" "Range: bytes=3000-"
raw "$T_TMP/req"
t_is "$CODE:$(hdr Content-Range)" "416:bytes */3000" "inetd: 416"
req "/tv/cmaf/$seg" "Range: bytes=0-1,5-6"
raw "$T_TMP/req"
t_is "$CODE:$(wc -c <"$B")" "200:3000" "inetd: several ranges: whole file"
printf 'HEAD /tv/cmaf/%s HTTP/1.1\r\nHost: h\r\n\r\n' "$init" >"$T_TMP/req"
raw "$T_TMP/req"
t_is "$CODE:$(hdr Content-Type):$(hdr Content-Length):$(wc -c <"$B")" \
    "200:video/mp4:3000:0" "inetd: HEAD of a header"
req "/tv/cmaf/$tsseg"
raw "$T_TMP/req"
t_is "$(hdr Content-Type)" "video/mp2t" "inetd: TS segment type"
req /tv/cmaf/v0.m3u8
raw "$T_TMP/req"
t_is "$CODE:$(hdr Content-Type)" "200:application/vnd.apple.mpegurl" \
    "inetd: media playlist"
t_is "$(cat "$B")" "$(cat "$SD_TOP/tests/golden/manifest/ts/v0.m3u8")" \
    "inetd: media playlist body"
req /playlist.m3u
raw "$T_TMP/req"
t_like "$(cat "$B")" '^http://tv.example:8080/tv$' \
    "inetd: m3u URL from Host"
req /playlist.m3u "X-Forwarded-Proto: https"
raw "$T_TMP/req"
t_like "$(cat "$B")" '^https://tv.example:8080/tv$' \
    "inetd: X-Forwarded-Proto https (a TLS proxy in front) in the m3u"
printf 'GET /playlist.m3u HTTP/1.1\r\nHost: a"b<c\r\n\r\n' >"$T_TMP/req"
raw "$T_TMP/req"
t_unlike "$(cat "$B")" 'a"b' "inetd: a hostile Host stays out of the m3u"

# sd.ini's base_url wins over Host.
cp -r "$conf" "$T_TMP/conf2"
printf '[sd]\nspool = %s\nbase_url = https://tv.example.org/iptv/\n' \
    "$spool" >"$T_TMP/conf2/sd.ini"
req /playlist.m3u
sd-serve -C "$T_TMP/conf2" <"$T_TMP/req" >"$T_TMP/raw" 2>/dev/null
t_like "$(tr -d '\r' <"$T_TMP/raw")" '^https://tv.example.org/iptv/tv$' \
    "inetd: base_url in the m3u"
SD_CONF=$T_TMP/conf2 sd-serve <"$T_TMP/req" >"$T_TMP/raw" 2>/dev/null
t_like "$(tr -d '\r' <"$T_TMP/raw")" '^https://tv.example.org/iptv/tv$' \
    "inetd: \$SD_CONF names the config"

# A config that does not load: a 500 and exit status 78, not a crash.
mkdir "$T_TMP/bad"
printf 'window = wide\n' >"$T_TMP/bad/sd.ini"
req /status
sd-serve -C "$T_TMP/bad" <"$T_TMP/req" >"$T_TMP/raw" 2>"$T_TMP/raw.err"
t_is "$?" 78 "bad config: exit 78"
t_like "$(head -1 "$T_TMP/raw")" '^HTTP/1.1 500 ' "bad config: 500"
t_like "$(cat "$T_TMP/raw.err")" 'sd.ini:1' "bad config: path:line"
# A bad proxy section disables that proxy only (serve-config.t has more).
rm "$T_TMP/bad/sd.ini"
printf '[tv]\nmode = sideways\n' >"$T_TMP/bad/proxies.ini"
req /tv
sd-serve -C "$T_TMP/bad" <"$T_TMP/req" >"$T_TMP/raw" 2>"$T_TMP/raw.err"
t_is "$?" 0 "bad proxy: exit 0"
t_like "$(head -1 "$T_TMP/raw")" '^HTTP/1.1 503 ' "bad proxy: 503"
t_like "$(cat "$T_TMP/raw")" 'proxies.ini:2: mode = sideways' "bad proxy: path:line in the answer"
sd-serve -x </dev/null >/dev/null 2>"$T_TMP/raw.err"
t_is "$?" 64 "bad option: exit 64"
t_like "$(cat "$T_TMP/raw.err")" '^usage: sd-serve' "bad option: usage"

# Under socat, a real TCP client on 127.0.0.1.
sport=$(t_free_port)
t_bg socat TCP-LISTEN:"$sport",bind=127.0.0.1,reuseaddr,fork \
    EXEC:"$SD_BUILD/bin/sd-serve -C $conf"
t_wait_http "http://127.0.0.1:$sport/status"
t_ok $? "socat: sd-serve answers"
get -r 0-99 "http://127.0.0.1:$sport/tv/cmaf/$seg"
t_is "$CODE:$(hdr Content-Type):$(wc -c <"$B")" "206:video/iso.segment:100" \
    "socat: a range of a segment"
get "http://127.0.0.1:$sport/direct1"
t_is "$CODE:$(hdr Location)" \
    "302:http://upstream.example/one.ts?token=abc" "socat: direct 302"
get "http://127.0.0.1:$sport/%2e%2e/secret"
t_is "$CODE" 400 "socat: %2e%2e 400"
no_secret "socat %2e%2e"
get "http://127.0.0.1:$sport/playlist.m3u"
t_like "$(cat "$B")" "^http://127.0.0.1:$sport/tv\$" "socat: m3u"

wait "$slow"
t_like "$(head -1 "$T_TMP/slow.out")" '^HTTP/1.1 408 ' \
    "inetd: a client that stops mid-head gets 408"

# ------------------------------------------------------------ etc/ files
if command -v systemd-analyze >/dev/null 2>&1; then
	mkdir "$T_TMP/units"
	for u in sd-serve.socket sd-serve@.service; do
		sed "s|/usr/local/bin/sd-serve|$SD_BUILD/bin/sd-serve|" \
		    "$SD_TOP/etc/systemd/$u" >"$T_TMP/units/$u"
	done
	out=$(cd "$T_TMP/units" && systemd-analyze verify sd-serve.socket \
	    sd-serve@.service 2>&1)
	rc=$?
	if printf '%s' "$out" | grep -qi 'not been booted\|Failed to connect\|No such file or directory.*bus'; then
		t_skip 1 "systemd-analyze cannot run here: $out"
	else
		t_is "$rc:$out" "0:" "systemd-analyze verify the socket and service"
	fi
else
	t_skip 1 "no systemd-analyze on this machine"
fi
line=$(grep -v '^#' "$SD_TOP/etc/inetd.conf" | grep .)
set -- $line
t_is "$#:$2:$3:$4" "9:stream:tcp:nowait" "inetd.conf: one line, seven fields and the arguments"
t_is "${6##*/}:$7" "sd-serve:sd-serve" "inetd.conf: runs sd-serve"

t_done
