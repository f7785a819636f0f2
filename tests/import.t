#!/bin/sh
# sd-import(1): an M3U with awkward entries (BOM, CRLF, commas, quotes,
# UTF-8, no tvg-id, duplicate names, query strings, %-escapes, ';', a UDP
# URL, a name with no Latin letter) imported into proxies.ini as the golden
# files say (tests/golden/import/), the result loaded by sd-decide and
# sd-serve; a re-import byte-identical; hand edits kept across a changed
# M3U (URL, name, number, logo, a channel gone), the gone mark once and
# gone again when the channel comes back; -n against diff(1); -g; -m, -p;
# bad input (HTML, binary, no #EXTINF) exits 65 with proxies.ini untouched;
# an http URL served by lighttpd on 127.0.0.1, relative entries resolved
# against it; stdin; number clashes; a CRLF proxies.ini.
. "${0%/*}/lib.sh"

G="$SD_TOP/tests/golden/import"
M3U="$G/channels.m3u"
M3U2="$G/channels2.m3u"
C="$T_TMP/conf"
P="$C/proxies.ini"
mkdir -p "$C"
today=$(date +%F)

# Every check that the result loads: the whole folder, as every program.
loads() {	# loads DIR DESC
	t_run -- sd-decide -C "$1" -l
	t_is "$T_RC" 0 "$2: sd-decide -l loads the folder"
	[ "$T_RC" -eq 0 ] || t_diag "$T_ERR"
}

# The display names sd-serve lists in /playlist.m3u (the text after the
# comma), one a line, as loaded from DIR.
names_served() {
	printf 'GET /playlist.m3u HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' |
	    sd-serve -C "$1" | tr -d '\r' | titles
}

# The text after an #EXTINF's attributes (after the first '",').
titles() {
	perl -ne 'print "$1\n" if /^#EXTINF:.*?",(.*)$/'
}

# ------------------------------------------------------------ the command
t_run -- sd-import --help
t_is "$T_RC:$T_ERR" "0:" "--help: exit 0, nothing on stderr"
t_like "$T_OUT" '^usage: sd-import \[-n\] \[-C dir\] \[-m direct\|smart\] \[-p profile\]$' \
    "--help: usage on stdout"
t_cmd "bad option" 64 "" '^usage: sd-import' -- sd-import -x
t_cmd "bad -m" 64 "" '^usage: sd-import' -- sd-import -m relay "$M3U"
t_cmd "two sources" 64 "" '^usage: sd-import' -- sd-import "$M3U" "$M3U"
t_cmd "missing folder" 78 "" \
    "^sd-import: $T_TMP/nope: not a config folder \\(No such file or directory\\); create it" \
    -- sd-import -C "$T_TMP/nope" "$M3U"
t_cmd "missing M3U" 66 "" "^sd-import: $T_TMP/none.m3u: No such file or directory\$" \
    -- sd-import -C "$C" "$T_TMP/none.m3u"
[ ! -e "$P" ]
t_ok $? "failed commands write nothing"

# ------------------------------------------------------------ first import
t_run -- sd-import -n -C "$C" "$M3U"
: >"$T_TMP/empty"
diff -u --label "$P" --label "$P" "$T_TMP/empty" "$G/imported.ini" \
    >"$T_TMP/want.diff"
printf '%s\n' "$T_OUT" | cmp -s - "$T_TMP/want.diff"
t_ok $? "-n on a new file: the diff diff -u prints from nothing"
t_is "$T_RC" 0 "-n: exit 0"
[ ! -e "$P" ]
t_ok $? "-n: no proxies.ini written"

t_run -- sd-import -C "$C" "$M3U"
t_is "$T_RC" 0 "import: exit 0"
t_is "$T_OUT" "" "import: stdout empty"
t_is "$T_ERR" "sd-import: $M3U:10: the name: the blank before ';' dropped (in an INI value it would start a comment)
sd-import: $P: 7 channels: 7 new, 0 changed, 0 gone, 0 back; a new file" \
    "import: the note and the summary on stderr"
cmp -s "$P" "$G/imported.ini"
t_ok $? "import: proxies.ini is imported.ini byte for byte"
[ ! -e "$P.bak" ]
t_ok $? "import: a new file, no .bak"
loads "$C" "import"

# What was loaded is what the M3U says: names through sd-serve's playlist,
# sources through sd-decide (a copy imported with -m direct redirects).
tr -d '\r' <"$M3U" | titles | sed 's/^ *//; s/ *$//; s/ ;/;/' \
    >"$T_TMP/names.want"
names_served "$C" >"$T_TMP/names.got"
cmp -s "$T_TMP/names.want" "$T_TMP/names.got"
t_ok $? "the loaded names are the M3U's (commas, quotes, UTF-8 intact)"
[ $? -eq 0 ] || t_diag "$(diff "$T_TMP/names.want" "$T_TMP/names.got")"
D="$T_TMP/direct"
mkdir -p "$D"
t_run -- sd-import -m direct -C "$D" "$M3U"
t_is "$T_RC" 0 "-m direct: exit 0"
t_is "$(grep -c '^mode = direct$' "$D/proxies.ini")" 7 "-m direct: every new section"
tr -d '\r' <"$M3U" | sed '1s/^\xef\xbb\xbf//' | grep -v '^#' \
    >"$T_TMP/urls.want"
for id in $(sed -n 's/^\[\(.*\)\]$/\1/p' "$D/proxies.ini"); do
	sd-decide -C "$D" -f ts -P "$id" | sed -n 's/^location=//p'
done >"$T_TMP/urls.got"
cmp -s "$T_TMP/urls.want" "$T_TMP/urls.got"
t_ok $? "the loaded sources are the M3U's URLs byte for byte"
[ $? -eq 0 ] || t_diag "$(diff "$T_TMP/urls.want" "$T_TMP/urls.got")"

# ------------------------------------------------------------ re-import
t_run -- sd-import -C "$C" "$M3U"
t_is "$T_RC:$T_OUT:$T_ERR" "0::" "re-import: exit 0, silent"
cmp -s "$P" "$G/imported.ini" && [ ! -e "$P.bak" ]
t_ok $? "re-import: byte-identical, nothing written"
t_run -- sd-import -n -C "$C" "$M3U"
t_is "$T_RC:$T_OUT" "0:" "re-import -n: no diff"

# ------------------------------------------------------------ hand edits
# edited.ini: imported.ini with a comment, profile, max_clients and an
# inline comment in [say-hi-tv], no blanks around = in bbc1's name, and a
# section of the user's ([my-cam], no mark). channels2.m3u: bbc1 renamed
# and renumbered 101 -> 7 (news24's number), say-hi-tv's URL changed,
# news24 gone, a logo for [quoted].
cp "$G/edited.ini" "$P"
sed "s/@DATE@/$today/" "$G/reimported.ini" >"$T_TMP/reimported.ini"
t_run -- sd-import -n -C "$C" "$M3U2"
diff -u --label "$P" --label "$P" "$G/edited.ini" "$T_TMP/reimported.ini" \
    >"$T_TMP/want.diff"
printf '%s\n' "$T_OUT" | cmp -s - "$T_TMP/want.diff"
t_ok $? "-n after hand edits: the diff diff -u prints"
cmp -s "$P" "$G/edited.ini" && [ ! -e "$P.bak" ]
t_ok $? "-n writes nothing"
printf '%s\n' "$T_OUT" >"$T_TMP/mine.diff"
patch -s -o "$T_TMP/patched" "$G/edited.ini" <"$T_TMP/mine.diff" >/dev/null 2>&1
cmp -s "$T_TMP/patched" "$T_TMP/reimported.ini"
t_ok $? "patch(1) applies the -n diff"

t_run -- sd-import -C "$C" "$M3U2"
t_is "$T_RC" 0 "re-import after edits: exit 0"
t_is "$T_ERR" "sd-import: $P: 6 channels: 0 new, 3 changed, 1 gone, 0 back; the previous file is $P.bak" \
    "re-import after edits: the summary"
cmp -s "$P" "$T_TMP/reimported.ini"
t_ok $? "hand edits kept, URL, name, number and logo taken, news24 marked gone"
cmp -s "$P.bak" "$G/edited.ini"
t_ok $? "proxies.ini.bak is the file before, byte for byte"
t_like "$(cat "$P")" '^source = http://provider.example/live/u/p/102b.ts\?token=new ; primary$' \
    "the changed URL keeps the inline comment after it"
loads "$C" "after edits"
cp "$P" "$T_TMP/after-edits.ini"
t_run -- sd-import -C "$C" "$M3U2"
t_is "$T_RC:$T_ERR" "0:" "the same M3U again: silent"
cmp -s "$P" "$T_TMP/after-edits.ini"
t_ok $? "the same M3U again: byte-identical (the gone mark once)"
t_is "$(grep -c '^; gone from the provider on ' "$P")" 1 "one gone mark"

# news24 comes back (and bbc1 gives its number 7 back).
t_run -- sd-import -C "$C" "$M3U"
t_is "$T_RC" 0 "news24 back: exit 0"
t_like "$T_ERR" ': 7 channels: 0 new, 4 changed, 0 gone, 1 back;' \
    "news24 back: the summary (its number is back too)"
t_unlike "$(cat "$P")" '^; gone from the provider' "news24 back: the mark is gone"
t_is "$(sed -n '/^\[news24\]/,/^$/p' "$P" | grep -c '^number = 7$')" 1 \
    "news24 back: its number again"
t_like "$(cat "$P")" '^profile = Universal$' "news24 back: hand edits still there"
t_like "$(cat "$P")" '^\[my-cam\]$' "the user's own section is left alone"
loads "$C" "news24 back"
cp "$P" "$T_TMP/back.ini"
t_run -- sd-import -C "$C" "$M3U"
cmp -s "$P" "$T_TMP/back.ini"
t_ok $? "news24 back, imported again: byte-identical"

# ------------------------------------------------------------ -g, -p, pins
S="$T_TMP/sport"
mkdir -p "$S"
t_run -- sd-import -g '^Sport$' -C "$S" "$M3U"
t_is "$T_RC" 0 "-g: exit 0"
t_is "$(grep '^\[' "$S/proxies.ini" | tr '\n' ' ')" \
    "[unicode-sport-hd] [unicode-sport-hd-2] " "-g '^Sport\$': only the Sport channels"
cp "$S/proxies.ini" "$T_TMP/sport.ini"
t_cmd "-g matches nothing" 1 "" "no channel's group matches -g \\^Golf\\\$; nothing imported" \
    -- sd-import -g '^Golf$' -C "$S" "$M3U"
t_cmd "-g bad expression" 64 "" '^sd-import: -g \(: ' -- sd-import -g '(' -C "$S" "$M3U"
cmp -s "$S/proxies.ini" "$T_TMP/sport.ini" && [ ! -e "$S/proxies.ini.bak" ]
t_ok $? "-g failures: proxies.ini untouched"

t_run -- sd-import -p Universal -g News -C "$S" "$M3U"
t_is "$T_RC" 0 "-p Universal: exit 0"
t_is "$(grep -c '^profile = Universal$' "$S/proxies.ini")" 2 \
    "-p: the two new sections have the profile"
t_like "$(cat "$S/proxies.ini")" '^; gone from the provider on ' \
    "-g News: the Sport channels left the selection"
t_cmd "-p unknown" 78 "" '^sd-import: -p Nope: no such profile' \
    -- sd-import -p Nope -C "$S" "$M3U"

# A section without the mark is the user's: its channel is left to it.
U="$T_TMP/pinned"
mkdir -p "$U"
printf '[news24]\nsource = http://mine.example/news.ts\nnumber = 101\n' >"$U/proxies.ini"
t_run -- sd-import -C "$U" "$M3U"
t_is "$T_RC" 0 "pinned: exit 0"
t_like "$T_ERR" '6 channels: 6 new, .*, 1 left to sections without the mark;' \
    "pinned: counted in the summary"
t_like "$T_ERR" "$M3U:2: tvg-chno=\"101\" is taken .*\\[bbc1.uk\\] gets no number" \
    "pinned: its number 101 stays the user's; bbc1.uk gets none"
head -3 "$U/proxies.ini" | cmp -s - "$U/proxies.ini.bak"
t_ok $? "pinned: the user's section unchanged"
loads "$U" "pinned"

# Two channels with one number: the first keeps it.
N="$T_TMP/numbers"
mkdir -p "$N"
printf '#EXTM3U\n#EXTINF:-1 tvg-chno="5",A\nhttp://h/a\n#EXTINF:-1 tvg-chno="5",B\nhttp://h/b\n#EXTINF:-1 tvg-chno="x1",C\nhttp://h/c\n' >"$T_TMP/num.m3u"
t_run -- sd-import -C "$N" "$T_TMP/num.m3u"
t_is "$T_RC" 0 "numbers: exit 0"
t_like "$T_ERR" 'num.m3u:4: tvg-chno="5" is taken .*\[b\] gets no number' \
    "numbers: the second 5 dropped, said"
t_like "$T_ERR" 'num.m3u:6: tvg-chno="x1" is not a channel number' \
    "numbers: x1 is not a number, said"
t_is "$(grep -c '^number = ' "$N/proxies.ini")" 1 "numbers: one number written"
loads "$N" "numbers"

# ------------------------------------------------------------ bad input
cp "$G/imported.ini" "$P"
rm -f "$P.bak"
printf '<!DOCTYPE html>\n<html><body>Please log in</body></html>\n' >"$T_TMP/login.html"
gzip -n -c "$M3U" >"$T_TMP/list.m3u.gz"
printf '#EXTM3U\n' >"$T_TMP/empty.m3u"
t_cmd "HTML" 65 "" "^sd-import: $T_TMP/login.html: a web page \\(HTML or XML\\), not an M3U playlist" \
    -- sd-import -C "$C" "$T_TMP/login.html"
t_cmd "binary" 65 "" "^sd-import: $T_TMP/list.m3u.gz:1: binary data \\(compressed\\?\\), not an M3U playlist\$" \
    -- sd-import -C "$C" "$T_TMP/list.m3u.gz"
t_cmd "no #EXTINF" 65 "" "^sd-import: $T_TMP/empty.m3u: no #EXTINF entry with a URL" \
    -- sd-import -C "$C" "$T_TMP/empty.m3u"
cmp -s "$P" "$G/imported.ini" && [ ! -e "$P.bak" ]
t_ok $? "bad input: proxies.ini untouched, no .bak"
printf '#EXTM3U\n#EXTINF:-1,Bad\n-y\n' >"$T_TMP/opt.m3u"
t_cmd "only unusable URLs" 65 "" "^sd-import: stdin:3: channel skipped: the URL cannot be a source: it starts with '-'" \
    -i "$T_TMP/opt.m3u" -- sd-import -C "$C"
printf '[a]\nsource = http://a\n[a]\n' >"$T_TMP/dup.ini"
B="$T_TMP/broken"
mkdir -p "$B"
cp "$T_TMP/dup.ini" "$B/proxies.ini"
t_cmd "a proxies.ini that does not load" 78 "" \
    "$B/proxies.ini: does not load as it is \\(see above\\); fix it" \
    -- sd-import -C "$B" "$M3U"
cmp -s "$B/proxies.ini" "$T_TMP/dup.ini"
t_ok $? "a broken proxies.ini is left as it is"

# More channels than a proxies.ini loads (4 MiB): refused, nothing written.
awk 'BEGIN { tok = "t"; while (length(tok) < 128) tok = tok tok
	print "#EXTM3U"; for (i = 0; i < 18000; i++) {
	printf "#EXTINF:-1 tvg-id=\"c%d.example\" group-title=\"G\",Channel %d\n", i, i
	printf "http://provider.example/live/%d.ts?token=%s\n", i, tok } }' \
    >"$T_TMP/big.m3u"
t_cmd "a list too big for one proxies.ini" 65 "" \
    "^sd-import: $P: the imported text would be [0-9]+ bytes, more than the 4194304 that load; import fewer channels \\(-g selects groups\\); nothing written\$" \
    -- sd-import -C "$C" "$T_TMP/big.m3u"
cmp -s "$P" "$G/imported.ini" && [ ! -e "$P.bak" ]
t_ok $? "too big: proxies.ini untouched"

# ------------------------------------------------------------ stdin, CRLF
I="$T_TMP/stdin"
mkdir -p "$I"
t_run -i "$M3U" -- sd-import -C "$I"
t_is "$T_RC" 0 "stdin (no source): exit 0"
cmp -s "$I/proxies.ini" "$G/imported.ini"
t_ok $? "stdin: the same file"
t_like "$T_ERR" '^sd-import: stdin:10: the name' "stdin: notes name stdin"
t_run -i "$M3U" -- sd-import -n -C "$I" -
t_is "$T_RC:$T_OUT" "0:" "stdin (-): nothing to change"

R="$T_TMP/crlf"
mkdir -p "$R"
printf '\357\273\277# mine\r\n[cam]\r\nsource = http://h/cam.ts' >"$R/proxies.ini"
t_run -- sd-import -g Kids -C "$R" "$M3U"
t_is "$T_RC" 0 "CRLF file: exit 0"
t_is "$(tr -cd '\r' <"$R/proxies.ini" | wc -c)" "$(wc -l <"$R/proxies.ini")" \
    "CRLF file: every line ends in CRLF, the last one's gained"
head -c 3 "$R/proxies.ini" | od -An -tx1 | grep -q 'ef bb bf'
t_ok $? "CRLF file: the BOM kept"
loads "$R" "CRLF file"

# ------------------------------------------------------------ http
if ! command -v lighttpd >/dev/null || ! command -v curl >/dev/null; then
	t_skip 9 "lighttpd or curl not installed"
	t_done
	exit
fi
www="$T_TMP/www"
mkdir -p "$www/lists"
cp "$M3U" "$www/lists/provider.m3u"
printf '#EXTM3U\n#EXTINF:-1 tvg-id="rel",Relative\nrel/1.ts?x=1\n#EXTINF:-1 tvg-id="root",Root\n/live/2.ts\n' >"$www/lists/rel.m3u"
. "$SD_TOP/tests/serve/lib.sh"
serve_dir "$www" && t_wait_http "$SERVE_URL/lists/provider.m3u"
t_ok $? "lighttpd serves the lists on $SERVE_URL"
port=$SERVE_PORT
H="$T_TMP/http"
mkdir -p "$H"
t_run -- sd-import -C "$H" "http://127.0.0.1:$port/lists/provider.m3u"
t_is "$T_RC" 0 "http: exit 0 (the cron line)"
cmp -s "$H/proxies.ini" "$G/imported.ini"
t_ok $? "http: the same proxies.ini as from the file"
t_run -- sd-import -C "$H" "http://127.0.0.1:$port/lists/rel.m3u"
t_like "$(cat "$H/proxies.ini")" "^source = http://127.0.0.1:$port/lists/rel/1.ts\\?x=1\$" \
    "http: a relative entry resolved against the list's URL"
t_like "$(cat "$H/proxies.ini")" "^source = http://127.0.0.1:$port/live/2.ts\$" \
    "http: a /path entry resolved against the list's host"
cp "$H/proxies.ini" "$T_TMP/http.ini"
t_cmd "http 404" 69 "" "lists/gone.m3u: cannot fetch: an HTTP error status" \
    -- sd-import -C "$H" "http://127.0.0.1:$port/lists/gone.m3u"
cmp -s "$H/proxies.ini" "$T_TMP/http.ini"
t_ok $? "http 404: proxies.ini untouched"
t_done
