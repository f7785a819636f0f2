#!/bin/sh
# sd-migrate(1): golden files (tests/golden/migrate/CASE/in.ini -> out.ini,
# byte for byte, with the expected stderr and exit status), idempotence,
# FILE.bak, -n against diff(1) and patch(1), -c, conflicts, CRLF, BOM, and
# command tests (args, stdin, stdout, stderr, exit status).
. "${0%/*}/lib.sh"

G="$SD_TOP/tests/golden/migrate"
EMPTY="$T_TMP/empty-conf"
mkdir -p "$EMPTY"

for gdir in "$G"/*/; do
	c=$(basename "$gdir")
	w="$T_TMP/$c"
	mkdir -p "$w"
	cp "$gdir/in.ini" "$w/file.ini"
	want_rc=$(cat "$gdir/status")
	changed=1
	cmp -s "$gdir/in.ini" "$gdir/out.ini" && changed=0

	cd "$w" || exit 1
	# -c first: it must write nothing.
	t_run -- sd-migrate -c -C "$EMPTY" file.ini
	if [ "$want_rc" -ne 0 ]; then
		t_is "$T_RC" "$want_rc" "$c: -c reports the conflict ($want_rc)"
	elif [ "$changed" -eq 1 ]; then
		t_is "$T_RC" 1 "$c: -c exits 1: work to do"
		t_is "$T_OUT" "file.ini" "$c: -c names the file on stdout"
	else
		t_is "$T_RC" 0 "$c: -c exits 0: nothing to do"
		t_is "$T_OUT" "" "$c: -c prints nothing"
	fi
	cmp -s file.ini "$gdir/in.ini"
	t_ok $? "$c: -c leaves the file as it was"

	# -n: the diff diff(1) would print, and patch(1) applies it.
	t_run -- sd-migrate -n -C "$EMPTY" file.ini
	t_is "$T_RC" "$want_rc" "$c: -n exit status"
	diff -u --label file.ini --label file.ini "$gdir/in.ini" \
	    "$gdir/out.ini" >"$w/gnu.diff"
	cmp -s "$T_TMP/.out" "$w/gnu.diff"
	t_ok $? "$c: -n prints what diff -u prints"
	cmp -s file.ini "$gdir/in.ini" && [ ! -e file.ini.bak ]
	t_ok $? "$c: -n writes nothing"
	if [ "$changed" -eq 1 ]; then
		cp "$T_TMP/.out" "$w/mine.diff"
		patch -s -o "$w/patched" "$gdir/in.ini" <"$w/mine.diff" \
		    >/dev/null 2>&1
		cmp -s "$w/patched" "$gdir/out.ini"
		t_ok $? "$c: patch(1) applies the -n diff to give out.ini"
	fi

	# The migration itself: stdout empty, stderr and status as golden.
	t_run -- sd-migrate -C "$EMPTY" file.ini
	t_is "$T_RC" "$want_rc" "$c: exit status"
	t_is "$T_OUT" "" "$c: stdout empty"
	t_is "$T_ERR" "$(cat "$gdir/err")" "$c: stderr as expected"
	cmp -s file.ini "$gdir/out.ini"
	t_ok $? "$c: the result is out.ini byte for byte"
	if [ "$changed" -eq 1 ]; then
		cmp -s file.ini.bak "$gdir/in.ini"
		t_ok $? "$c: file.ini.bak is the input byte for byte"
		# Idempotent: a second run changes nothing, says nothing.
		t_run -- sd-migrate -C "$EMPTY" file.ini
		t_is "$T_RC:$T_ERR" "0:" "$c: second run: status 0, quiet"
		cmp -s file.ini "$gdir/out.ini" &&
		    cmp -s file.ini.bak "$gdir/in.ini"
		t_ok $? "$c: second run: file and .bak unchanged"
		t_run -- sd-migrate -c -C "$EMPTY" file.ini
		t_is "$T_RC" 0 "$c: -c on the result exits 0"
	else
		[ ! -e file.ini.bak ]
		t_ok $? "$c: nothing written, no .bak"
	fi
	cd "$T_TMP" || exit 1
done

# Golden inputs keep what they claim to test.
grep -q "$(printf '\r')" "$G/crlf/in.ini" && head -c 3 "$G/bom/in.ini" |
    od -An -tx1 | grep -q 'ef bb bf'
t_ok $? "the crlf case has CRLF, the bom case a UTF-8 BOM"
[ "$(tail -c 1 "$G/crlf/in.ini")" != "" ] && [ -n "$(tail -c 1 "$G/crlf/out.ini")" ]
t_ok $? "the crlf case ends without a newline, as its output does"

# ---------------------------------------------------------- command tests
OLD="$T_TMP/old.ini"
printf '[a]\nsource = http://h/a.ts\nmode = relay\n' >"$OLD"

t_cmd "bad option" 64 "" '^usage: sd-migrate \[-cn\] \[-C dir\] \[file \.\.\.\]$' \
    -- sd-migrate -x
t_cmd "missing file" 66 "" '^sd-migrate: nope\.ini: No such file or directory$' \
    -- sd-migrate -C "$EMPTY" nope.ini
t_cmd "no file, empty folder" 66 "" \
    "^sd-migrate: $EMPTY: no proxies.ini or profiles.ini to migrate; name the files, or the folder with -C\$" \
    -- sd-migrate -C "$EMPTY"
t_cmd "stdin to stdout" 0 "$(printf '[a]\nsource = http://h/a.ts\nmode = smart\nprofile = Universal')" \
    '^sd-migrate: stdin:3: mode = relay without a profile: it gets the default profile, profile = Universal$' \
    -i "$OLD" -- sd-migrate -C "$EMPTY" -
t_cmd "stdin, -c" 1 "stdin" 'stdin:3' -i "$OLD" -- sd-migrate -c -C "$EMPTY" -

# The default profile comes from the folder's sd.ini.
CONF="$T_TMP/conf"
mkdir -p "$CONF"
cp "$OLD" "$CONF/proxies.ini"
printf '[p]\nvideo_codec = libx264\noutput_format = dash\n' >"$CONF/profiles.ini"
printf 'default_profile = Passthrough\n' >"$CONF/sd.ini"
t_run -- sd-migrate -C "$CONF"
t_is "$T_RC" 0 "-C DIR: both files migrated"
t_is "$(cat "$CONF/proxies.ini")" "$(printf '[a]\nsource = http://h/a.ts\nmode = smart\nprofile = Passthrough')" \
    "relay without profile gets sd.ini's default_profile"
t_is "$(cat "$CONF/profiles.ini")" "$(printf '[p]\nvideo_codec = libx264\ncontainer_format = fmp4')" \
    "dash becomes container_format = fmp4"
[ -f "$CONF/proxies.ini.bak" ] && [ -f "$CONF/profiles.ini.bak" ] &&
    cmp -s "$CONF/proxies.ini.bak" "$OLD"
t_ok $? "-C DIR: both .bak files kept"
t_like "$T_ERR" "proxies.ini: migrated; the previous file is $CONF/proxies.ini.bak" \
    "-C DIR: says what it wrote"

# SD_CONF names the folder when -C does not.
rm -f "$CONF"/*.bak
cp "$OLD" "$CONF/proxies.ini"
SD_CONF="$CONF" t_run -- sd-migrate -c
t_is "$T_RC:$T_OUT" "1:$CONF/proxies.ini" "SD_CONF: -c finds the old file"

printf 'default_profile = no good\n' >"$CONF/sd.ini"
t_cmd "invalid sd.ini" 78 "" "^sd-migrate: $CONF/sd.ini:1: default_profile = no good: not a valid value" \
    -- sd-migrate -C "$CONF"
rm -f "$CONF/sd.ini"

# A file with proxy keys and profile keys is refused, untouched.
printf '[a]\nsource = http://h\nmode = relay\n[p]\nvideo_codec = libx264\noutput_format = hls\n' >"$T_TMP/mixed.ini"
cp "$T_TMP/mixed.ini" "$T_TMP/mixed.orig"
t_cmd "mixed file" 65 "" '^sd-migrate: .*mixed\.ini:2: proxy keys here and profile keys at line 5 in one file; put proxies in proxies\.ini and profiles in profiles\.ini$' \
    -- sd-migrate -C "$EMPTY" "$T_TMP/mixed.ini"
cmp -s "$T_TMP/mixed.ini" "$T_TMP/mixed.orig" && [ ! -e "$T_TMP/mixed.ini.bak" ]
t_ok $? "mixed file: untouched, no .bak"

# An unknown old mode would not load: refused.
printf '[a]\nsource = http://h\nmode = tunnel\n' >"$T_TMP/unk.ini"
t_cmd "unknown mode" 65 "" 'unk\.ini:3: mode = tunnel: unknown mode; write direct, smart' \
    -- sd-migrate -C "$EMPTY" "$T_TMP/unk.ini"

# A migration that would produce a file that does not load is refused
# (here a bad number elsewhere in the file): the loader checks the result.
printf '[a]\nsource = http://h\nmode = redirect\nmax_clients = lots\n' >"$T_TMP/num.ini"
t_cmd "result would not load" 65 "" 'num\.ini \(migrated\):4: max_clients = lots: the number is invalid' \
    -- sd-migrate -C "$EMPTY" "$T_TMP/num.ini"
grep -q redirect "$T_TMP/num.ini"
t_ok $? "result would not load: file untouched"

# Through a symlink the target is rewritten and the link stays.
cp "$OLD" "$T_TMP/target.ini"
ln -s target.ini "$T_TMP/link.ini"
t_run -- sd-migrate -C "$EMPTY" "$T_TMP/link.ini"
[ -L "$T_TMP/link.ini" ] && grep -q 'mode = smart' "$T_TMP/target.ini" &&
    cmp -s "$T_TMP/target.ini.bak" "$OLD"
t_ok $? "symlink: the target migrated, the link kept, target.ini.bak"

# Mode and permissions of the file are kept.
cp "$OLD" "$T_TMP/perm.ini"
chmod 600 "$T_TMP/perm.ini"
t_run -- sd-migrate -C "$EMPTY" "$T_TMP/perm.ini"
t_is "$(stat -c %a "$T_TMP/perm.ini")" 600 "file mode 600 kept"

# Several files: the worst status wins, the good one is still migrated.
cp "$OLD" "$T_TMP/good.ini"
cp "$G/conflict/in.ini" "$T_TMP/bad.ini"
t_run -- sd-migrate -C "$EMPTY" "$T_TMP/good.ini" "$T_TMP/bad.ini"
t_is "$T_RC" 65 "good + conflict: 65"
grep -q 'mode = smart' "$T_TMP/good.ini" && cmp -s "$T_TMP/bad.ini" "$G/conflict/in.ini"
t_ok $? "good + conflict: the good file migrated, the bad one untouched"

t_done
