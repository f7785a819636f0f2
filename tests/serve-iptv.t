#!/bin/sh
# serve-iptv.t - the IPTV front door of sd-serve under a real lighttpd:
# /playlist.m3u with channel numbers, the guide's URL and ?format=;
# /epg.xml cut from a provider's guide of 4 channels to the 2 configured
# (plain and gzip sources, gzip to clients that take it, kept epg_ttl,
# a source that is not XML: 502 and the old guide kept); sd as an
# HDHomeRun tuner, its JSON against a real device's answers
# (tests/golden/hdhr) and ffmpeg decoding a lineup URL.
. "${0%/*}/lib.sh"
. "${0%/*}/serve/lib.sh"

media=$("$SD_TOP/scripts/gen-media" -t 60 h264-aac.ts) || exit 1
serve_dirs "$T_TMP/up/files"

# The provider: a guide of four channels (two of them ours), its gzip
# copy, an HTML page where a guide should be, and the live stream.
cat >"$up/files/guide.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE tv SYSTEM "xmltv.dtd">
<tv generator-info-name="provider">
  <channel id="news.uk"><display-name>News &amp; Weather</display-name><icon src="http://logos.example/news.png"/></channel>
  <channel id="other.uk"><display-name>Other</display-name></channel>
  <channel id="film.fr"><display-name>Films é</display-name></channel>
  <channel id="sport.de"><display-name>Sport</display-name></channel>
  <programme start="20261204120000 +0000" stop="20261204130000 +0000" channel="news.uk"><title>News at noon</title><desc><![CDATA[<headlines>]]></desc></programme>
  <programme start="20261204120000 +0000" stop="20261204130000 +0000" channel="other.uk"><title>Other</title></programme>
  <programme start="20261204130000 +0000" stop="20261204150000 +0000" channel="film.fr"><title>Le film &#233;</title></programme>
  <programme start="20261204130000 +0000" stop="20261204150000 +0000" channel="sport.de"><title>Match</title></programme>
  <programme start="20261204150000 +0000" stop="20261204160000 +0000" channel="film.fr"><title>Court</title></programme>
</tv>
XML
gzip -c "$up/files/guide.xml" >"$up/files/guide.xml.gz"
printf '<!DOCTYPE html>\n<html><body>Please log in</body></html>\n' \
    >"$up/files/login.html"
serve_upstream "$media" 60
U=$SERVE_UP

cat >"$conf/proxies.ini" <<EOF
[news]
name = News "24"
source = $U/live.ts
mode = smart
tvg_id = news.uk
number = 101
group = News
logo = http://logos.example/news.png

[film]
name = Films
source = http://upstream.example/film.ts
mode = direct
tvg_id = film.fr
number = 5

[spare]
name = Spare
source = http://upstream.example/spare.ts
mode = smart
EOF
serve_ini "$conf" "$spool" "epg = $U/files/guide.xml" "epg_ttl = 3600" \
    "max_sessions = 3" "idle_timeout = $(t_secs 10)"
serve_start "$conf" "$spool"
t_ok $? "lighttpd and sd-serve answer"
base=$SERVE_BASE

get() {	# get [CURL ARGS] URL: sets H (head), B (body file), CODE
	CODE=$(curl -s -D "$T_TMP/h" -o "$T_TMP/b" -w '%{http_code}' \
	    --max-time "$(t_secs 30)" "$@")
	H=$(tr -d '\r' <"$T_TMP/h")
	B=$T_TMP/b
}
hdr() { printf '%s\n' "$H" | sed -n "s/^$1: //Ip" | head -1; }
guide_gets() { grep -c ' /files/guide.xml$' "$up/connections"; }

# ------------------------------------------------------------ the filter
# epg.c alone (tests/drive/epg): the same guide whatever the pieces it
# comes in, and hostile guides refused as xmllint refuses them (but
# what is well-formed and still no XMLTV guide, or over the bounds).
E=$SD_BUILD/tests/drive/epg
"$E" news.uk film.fr <"$up/files/guide.xml" >"$T_TMP/f-whole.xml" 2>/dev/null
t_ok $? "filter: the provider's guide is accepted"
for c in 1 7 4096; do
	"$E" -c "$c" news.uk film.fr <"$up/files/guide.xml" \
	    >"$T_TMP/f-$c.xml" 2>/dev/null
	cmp -s "$T_TMP/f-$c.xml" "$T_TMP/f-whole.xml"
	t_ok $? "filter: fed $c bytes at a time, the same output"
done
deep=$(i=0; while [ $i -lt 40 ]; do printf '<a>'; i=$((i+1)); done
    i=0; while [ $i -lt 40 ]; do printf '</a>'; i=$((i+1)); done)
big=$(head -c 1100000 /dev/zero | tr '\0' x)
while IFS='|' read -r what doc; do
	printf "$doc" >"$T_TMP/hostile.xml"
	t_run -- "$E" a <"$T_TMP/hostile.xml"
	t_is "$T_RC" 65 "filter refuses $what"
	case $what in deep*|big*|another*) continue ;; esac
	xmllint --noout "$T_TMP/hostile.xml" 2>/dev/null
	t_is "$?" 1 "xmllint refuses $what too"
done <<HOSTILE
a bare ampersand|<tv><programme channel="a"><title>a & b</title></programme></tv>
an entity XML does not define|<tv><channel id="a"><x>&nbsp;</x></channel></tv>
a guide cut short|<tv><channel id="a"><display-name>A</display-name>
a wrong end tag|<tv><channel id="a"></programme></tv>
an attribute twice|<tv><channel id="a" id="b"/></tv>
bytes that are not UTF-8|<tv><channel id="a">\377</channel></tv>
a control character|<tv><channel id="a">\001</channel></tv>
]]> in text|<tv><channel id="a">]]></channel></tv>
-- in a comment|<tv><channel id="a"><!-- a -- b --></channel></tv>
a reference to no character|<tv><channel id="a">&#0;</channel></tv>
another root|<html><channel id="a"/></html>
deep nesting (40 levels)|<tv><channel id="a">$deep</channel></tv>
big element (over 1 MiB)|<tv><channel id="a">$big</channel></tv>
HOSTILE
printf '<?xml version="1.0" encoding="ISO-8859-1"?>\n<tv><channel id="b&amp;c"><display-name>\351t\351</display-name></channel><channel id="x"/></tv>\n' >"$T_TMP/latin1.xml"
"$E" 'b&c' <"$T_TMP/latin1.xml" >"$T_TMP/latin1-out.xml" 2>/dev/null
t_ok $? "filter: an ISO-8859-1 guide is accepted"
t_is "$(xmllint --xpath 'string(//display-name)' "$T_TMP/latin1-out.xml")" \
    "été" "filter: its text kept in its encoding, its id decoded"
for f in "$SD_TOP"/tests/fuzz/corpus/epg/*; do
	"$E" -c 3 one.uk a 'b&c' <"$f" >"$T_TMP/c.xml" 2>/dev/null || continue
	xmllint --noout "$T_TMP/c.xml" 2>/dev/null ||
	    t_diag "xmllint refuses the output of ${f##*/}"
	t_ok $? "filter: ${f##*/} accepted, its output well-formed"
done

# ------------------------------------------------------------ playlist
get "$base/playlist.m3u"
m3u=$(tr -d '\r' <"$B")
t_is "$(printf '%s\n' "$m3u" | head -1)" \
    "#EXTM3U url-tvg=\"$base/epg.xml\" x-tvg-url=\"$base/epg.xml\"" \
    "m3u: the header names the guide"
t_like "$m3u" '^#EXTINF:-1 tvg-id="news.uk" tvg-chno="101" tvg-name="News 24" tvg-logo="http://logos.example/news.png" group-title="News",News "24"$' \
    "m3u: tvg-id, tvg-chno, tvg-logo, group-title"
t_like "$m3u" '^#EXTINF:-1 tvg-id="film.fr" tvg-chno="5" ' "m3u: film's number"
t_like "$m3u" '^#EXTINF:-1 tvg-name="Spare",Spare$' \
    "m3u: no tvg-id or tvg-chno where none is known"
t_like "$m3u" "^$base/news\$" "m3u: without ?format=, the proxy's URL"
for f in ts:/stream.ts hls:/master.m3u8 hls-ts:/master-ts.m3u8 \
    dash:/manifest.mpd; do
	get "$base/playlist.m3u?format=${f%%:*}"
	m3u=$(tr -d '\r' <"$B")
	t_like "$m3u" "^$base/news${f#*:}\$" "m3u ?format=${f%%:*}: news asks for it"
	t_like "$m3u" "^$base/spare${f#*:}\$" "m3u ?format=${f%%:*}: spare too"
	t_like "$m3u" "^$base/film\$" "m3u ?format=${f%%:*}: direct film unchanged"
done
get "$base/playlist.m3u?format=mkv"
t_is "$CODE" 400 "m3u ?format=mkv: 400"

# ------------------------------------------------------------ guide
get "$base/epg.xml"
t_is "$CODE:$(hdr Content-Type)" "200:application/xml" "epg: 200, XML"
cp "$B" "$T_TMP/epg1.xml"
xmllint --noout "$B" 2>"$T_TMP/lint"
t_ok $? "epg: well-formed (xmllint)"
[ -s "$T_TMP/lint" ] && t_diag "$(cat "$T_TMP/lint")"
ids() {	# ids FILE: channel ids, then the channels of the programmes
	for x in //channel/@id //programme/@channel; do
		xmllint --xpath "$x" "$1" 2>/dev/null | tr -s ' \n' ' ' |
		    sed 's/ $//'
		echo
	done
}
t_is "$(ids "$B")" \
    ' id="news.uk" id="film.fr"
 channel="news.uk" channel="film.fr" channel="film.fr"' \
    "epg: only the 2 configured channels of 4, and their 3 programmes"
t_is "$(xmllint --xpath 'string(//programme[2]/title)' "$B")" "Le film é" \
    "epg: a character reference kept"
t_is "$(xmllint --xpath 'string(//programme[1]/desc)' "$B")" "<headlines>" \
    "epg: CDATA kept"
t_is "$(guide_gets)" 1 "epg: the guide was fetched once"
etag=$(hdr ETag)
get -H "If-None-Match: $etag" "$base/epg.xml"
t_is "$CODE" 304 "epg: If-None-Match gives 304"
get --compressed "$base/epg.xml"
t_is "$CODE:$(hdr Content-Encoding):$(hdr Vary)" "200:gzip:Accept-Encoding" \
    "epg: Content-Encoding gzip for a client that takes it"
cmp -s "$B" "$T_TMP/epg1.xml"
t_ok $? "epg: the gzip answer decodes to the same guide"
get -H 'Accept-Encoding: gzip;q=0, identity' "$base/epg.xml"
t_is "$CODE:$(hdr Content-Encoding)" "200:" "epg: gzip;q=0 gets it plain"
t_is "$(guide_gets)" 1 "epg: within epg_ttl the provider is not asked again"

# A gzip source gives the same guide.
serve_ini "$conf" "$spool" "epg = $U/files/guide.xml.gz"
get "$base/epg.xml"
t_is "$CODE" 200 "epg from a gzip source: 200"
cmp -s "$B" "$T_TMP/epg1.xml"
t_ok $? "epg from a gzip source: the same guide"

# A login page where the guide should be: 502, the old guide kept.
serve_ini "$conf" "$spool" "epg = $U/files/login.html"
get "$base/epg.xml"
t_is "$CODE" 502 "epg: a source that is not XMLTV: 502"
t_like "$(cat "$B")" 'not XMLTV' "epg: 502 says why"
cmp -s "$spool/.epg/guide.xml" "$T_TMP/epg1.xml"
t_ok $? "epg: the previous guide is kept"
head -c 5000 /dev/urandom >"$up/files/noise.bin"
serve_ini "$conf" "$spool" "epg = $U/files/noise.bin"
get "$base/epg.xml"
t_is "$CODE" 502 "epg: binary noise: 502"
head -c 300 "$up/files/guide.xml.gz" >"$up/files/cut.xml.gz"
serve_ini "$conf" "$spool" "epg = $U/files/cut.xml.gz"
get "$base/epg.xml"
t_is "$CODE" 502 "epg: a gzip guide cut short: 502"
cmp -s "$spool/.epg/guide.xml" "$T_TMP/epg1.xml"
t_ok $? "epg: still the previous guide"
serve_ini "$conf" "$spool" "epg = $up/files/guide.xml"
get "$base/epg.xml"
cmp -s "$B" "$T_TMP/epg1.xml"
t_ok $? "epg from a file: the same guide"
serve_ini "$conf" "$spool"
get "$base/epg.xml"
t_is "$CODE" 404 "epg: none configured, 404"
get "$base/playlist.m3u"
t_is "$(head -1 "$B" | tr -d '\r')" "#EXTM3U" "m3u: no guide, no url-tvg"
serve_ini "$conf" "$spool" "epg = $U/files/guide.xml" "max_sessions = 3" \
    "idle_timeout = $(t_secs 10)"

# ------------------------------------------------------------ HDHomeRun
fix=$SD_TOP/tests/golden/hdhr
for f in discover lineup lineup_status; do
	get "$base/$f.json"
	t_is "$CODE:$(hdr Content-Type)" "200:application/json" "$f.json: 200"
	cp "$B" "$T_TMP/$f.json"
done
# Every key sd gives is a real tuner's, with its JSON type; every key of
# the real tuner is given, but what only a broadcast tuner knows.
shape=$(node -e '
	const fs = require("fs");
	const type = v => Array.isArray(v) ? "array" : typeof v;
	const optional = ["VideoCodec", "AudioCodec", "HD"];
	const out = [];
	const cmp = (what, real, ours) => {
		for (const k of Object.keys(ours))
			if (!(k in real)) out.push(what + ": " + k + " is not a real tuner key");
			else if (type(ours[k]) !== type(real[k])) out.push(what + ": " + k + " is a " + type(ours[k]));
		for (const k of Object.keys(real))
			if (!(k in ours) && !optional.includes(k)) out.push(what + ": " + k + " missing");
	};
	for (const f of ["discover", "lineup", "lineup_status"]) {
		let real = JSON.parse(fs.readFileSync(process.argv[1] + "/" + f + ".json"));
		let ours = JSON.parse(fs.readFileSync(process.argv[2] + "/" + f + ".json"));
		if (f === "lineup") {
			if (!Array.isArray(ours) || ours.length !== 3) out.push("lineup: not 3 entries");
			for (const e of ours) cmp("lineup", real[0], e);
		} else
			cmp(f, real, ours);
	}
	console.log(out.join("\n") || "same shapes");
' "$fix" "$T_TMP" 2>&1)
t_is "$shape" "same shapes" "HDHomeRun JSON: the shapes of a real tuner's"
d=$(node -e '
	const d = JSON.parse(require("fs").readFileSync(process.argv[1]));
	console.log([d.DeviceID, d.BaseURL, d.LineupURL, d.TunerCount].join(" "));
' "$T_TMP/discover.json")
id=${d%% *}
t_is "${d#* }" "$base $base/lineup.json 3" \
    "discover.json: BaseURL, LineupURL, TunerCount = max_sessions"
t_like "$id" '^[0-9A-F]{8}$' "discover.json: DeviceID, 8 hex digits"
t_is "$id" "$(cat "$spool/.device-id")" "discover.json: the id kept in the spool"
get "$base/discover.json"
t_like "$(cat "$B")" "\"DeviceID\":\"$id\"" "discover.json: the same id again"
t_is "$(node -e '
	const l = JSON.parse(require("fs").readFileSync(process.argv[1]));
	console.log(l.map(e => e.GuideNumber + "|" + e.GuideName + "|" + e.URL).join("\n"));
' "$T_TMP/lineup.json")" "101|News \"24\"|$base/news/stream.ts
5|Films|$base/film
102|Spare|$base/spare/stream.ts" \
    "lineup.json: numbers (one past the highest where none), names, TS URLs"
t_is "$(tr -d '\n' <"$T_TMP/lineup_status.json")" \
    '{"ScanInProgress":0,"ScanPossible":1,"Source":"Cable","SourceList":["Cable"]}' \
    "lineup_status.json"
get "$base/device.xml"
t_is "$CODE" 200 "device.xml: 200"
xmllint --noout "$B" 2>/dev/null
t_ok $? "device.xml: well-formed"
t_is "$(xmllint --xpath 'string(//*[local-name()="URLBase"])' "$B")" "$base" \
    "device.xml: URLBase"
t_is "$(xmllint --xpath 'string(//*[local-name()="serialNumber"])' "$B")" \
    "$id" "device.xml: serialNumber is the DeviceID"

# The spool's own files are there, and never served.
for u in /.epg/guide.xml /.epg/source /.device-id /.epg/lock; do
	[ -e "$spool$u" ]
	t_ok $? "$u is in the spool"
	get "$base$u"
	t_is "$CODE" 404 "$u is not served"
done

# base_url: every URL the tuner gives starts with it.
serve_ini "$conf" "$spool" "epg = $U/files/guide.xml" \
    "base_url = http://tv.example:8080/sd/"
get "$base/discover.json"
t_like "$(cat "$B")" '"BaseURL":"http://tv.example:8080/sd","LineupURL":"http://tv.example:8080/sd/lineup.json"' \
    "discover.json: base_url honoured"
get "$base/lineup.json"
t_like "$(cat "$B")" '"URL":"http://tv.example:8080/sd/news/stream.ts"' \
    "lineup.json: base_url honoured"
get "$base/playlist.m3u"
t_like "$(cat "$B")" 'url-tvg="http://tv.example:8080/sd/epg.xml"' \
    "m3u: base_url in url-tvg"
serve_ini "$conf" "$spool" "epg = $U/files/guide.xml" \
    "idle_timeout = $(t_secs 10)"

# A media server tunes a channel: ffmpeg opens the lineup URL and
# decodes a few seconds of it.
url=$(node -e '
	const l = JSON.parse(require("fs").readFileSync(process.argv[1]));
	console.log(l[0].URL);
' "$T_TMP/lineup.json")
t_run -t 90 -- ffmpeg -nostdin -v error -i "$url" -t 4 -map 0:v:0 \
    -f framemd5 "$T_TMP/frames"
t_is "$T_RC:$T_ERR" "0:" "ffmpeg opens the lineup URL ($url)"
t_at_least "$(grep -vc '^#' "$T_TMP/frames")" 50 \
    "ffmpeg decodes 4 s of video from it (frames)"
t_done
