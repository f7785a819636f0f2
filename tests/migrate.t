#!/bin/sh
# sd-migrate(1): golden files (tests/golden/migrate/CASE/in.ini -> out.ini,
# byte for byte, with the expected stderr and exit status), idempotence,
# FILE.bak, -n against diff(1) and patch(1), -c, conflicts, CRLF, BOM,
# command tests (args, stdin, stdout, stderr, exit status), and the files
# users own: owner, group, mode, xattrs and ACLs, hard and symbolic links,
# an older .bak kept when the new text cannot be written.
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
t_is "$T_ERR" "sd-migrate: $T_TMP/target.ini:3: mode = relay without a profile: it gets the default profile, profile = Universal
sd-migrate: $T_TMP/target.ini: migrated; the previous file is $T_TMP/target.ini.bak" \
    "symlink: the messages name the file written"

# Mode and permissions of the file are kept.
cp "$OLD" "$T_TMP/perm.ini"
chmod 600 "$T_TMP/perm.ini"
t_run -- sd-migrate -C "$EMPTY" "$T_TMP/perm.ini"
t_is "$(stat -c %a "$T_TMP/perm.ini")" 600 "file mode 600 kept"
t_is "$(stat -c %a "$T_TMP/perm.ini.bak")" 600 "... and the .bak's"

# ------------------------------------------- files users own (issue 11)
# A hard-linked file is rewritten itself: every name sees the new text.
cp "$OLD" "$T_TMP/hard.ini"
ln "$T_TMP/hard.ini" "$T_TMP/hard2.ini"
ino=$(stat -c %i "$T_TMP/hard.ini")
t_run -- sd-migrate -C "$EMPTY" "$T_TMP/hard.ini"
t_is "$T_RC" 0 "hard link: migrated"
t_is "$(stat -c %i:%h "$T_TMP/hard.ini")" "$ino:2" \
    "hard link: the same file, still two names"
grep -q 'mode = smart' "$T_TMP/hard2.ini" &&
    cmp -s "$T_TMP/hard.ini.bak" "$OLD"
t_ok $? "hard link: the other name has the new text, .bak the old"

# Extended attributes and the ACL (system.posix_acl_access) stay, on the
# file and on its .bak (which holds the same text).
X="$SD_BUILD/tests/drive/xattr"
cp "$OLD" "$T_TMP/attr.ini"
if "$X" set "$T_TMP/attr.ini" user.sd.note "kept" 2>/dev/null &&
    "$X" acl "$T_TMP/attr.ini" 65534 2>/dev/null; then
	want=$("$X" dump "$T_TMP/attr.ini")
	t_run -- sd-migrate -C "$EMPTY" "$T_TMP/attr.ini"
	t_is "$T_RC" 0 "xattrs: migrated"
	t_is "$("$X" dump "$T_TMP/attr.ini")" "$want" \
	    "xattrs: user.sd.note and the ACL kept"
	t_is "$("$X" dump "$T_TMP/attr.ini.bak")" "$want" \
	    "xattrs: the .bak has them too"
	t_like "$want" '^system.posix_acl_access=' "xattrs: the ACL was set"
else
	t_skip 4 "this file system takes no user xattrs or ACLs"
fi

# An existing .bak is replaced only after the new text is written: here
# the new text does not fit (a file size limit between the old and the new
# length), so nothing changes, the older .bak included.
big="$T_TMP/big.ini"
{ printf '[a]\nsource = http://h/a.ts\nmode = relay\n'
  i=0; while [ "$i" -lt 14 ]; do
	printf '; padding line %02d xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n' "$i"
	i=$((i + 1)); done; } >"$big"
printf 'an older backup\n' >"$big.bak"
cp "$big" "$T_TMP/big.orig"
size=$(wc -c <"$big" | tr -d ' ')
t_run -- sh -c 'trap "" XFSZ; exec prlimit --fsize="$1" sd-migrate -C "$2" "$3"' \
    sh "$size" "$EMPTY" "$big"
t_is "$T_RC" 74 "new text too big to write: exit 74"
t_like "$T_ERR" 'big\.ini: File too large$' "... and it says why"
cmp -s "$big" "$T_TMP/big.orig" && [ "$(cat "$big.bak")" = "an older backup" ]
t_ok $? "... the file and the older .bak untouched"
t_is "$(ls "$T_TMP" | grep -c '^big\.ini.*\.......$')" 0 \
    "... no temporary left"

# Owner and group are the file's, not the one who migrates it.
if [ "$(id -u)" -eq 0 ]; then
	cp "$OLD" "$T_TMP/own.ini"
	chown 65534:65534 "$T_TMP/own.ini"
	chmod 640 "$T_TMP/own.ini"
	t_run -- sd-migrate -C "$EMPTY" "$T_TMP/own.ini"
	t_is "$(stat -c %u:%g:%a "$T_TMP/own.ini")" 65534:65534:640 \
	    "root migrates nobody's file: owner, group, mode kept"
	t_is "$(stat -c %u:%g:%a "$T_TMP/own.ini.bak")" 65534:65534:640 \
	    "... and the .bak's"

	# A user who may write the file but not own it: it is written in
	# place, so owner and group stay; the .bak (the user's) keeps the
	# group, or is private when the user may not give it that group.
	# nobody must reach the files: a checkout under a private folder
	# (a mktemp -d clone) is not reachable, so then they go to /tmp.
	nob="setpriv --reuid=65534 --regid=65534 --clear-groups"
	chmod 755 "$T_TMP"
	sh_base=$T_TMP sh_migrate=$(command -v sd-migrate)
	if ! $nob test -x "$T_TMP" 2>/dev/null ||
	    ! $nob test -x "$sh_migrate" 2>/dev/null; then
		sh_base=$(mktemp -d /tmp/sd-migrate.XXXXXX)
		chmod 755 "$sh_base"
		T_MORE_TMP="${T_MORE_TMP:-} $sh_base"
		cp "$sh_migrate" "$sh_base/sd-migrate"
		sh_migrate=$sh_base/sd-migrate
	fi
	sh_empty="$sh_base/empty-conf"
	mkdir -p "$sh_empty"
	sh_dir="$sh_base/shared"
	mkdir "$sh_dir"
	chown 65534:65534 "$sh_dir"
	cp "$OLD" "$sh_dir/grp.ini"
	chown 0:65534 "$sh_dir/grp.ini"
	chmod 664 "$sh_dir/grp.ini"
	cp "$OLD" "$sh_dir/other.ini"
	chmod 666 "$sh_dir/other.ini"
	t_run -- $nob "$sh_migrate" -C "$sh_empty" "$sh_dir/grp.ini"
	t_is "$T_RC" 0 "nobody migrates root:nogroup 664: exit 0"
	t_is "$(stat -c %u:%g:%a "$sh_dir/grp.ini")" 0:65534:664 \
	    "... owner root and group kept"
	grep -q 'mode = smart' "$sh_dir/grp.ini"
	t_ok $? "... and the file migrated"
	t_is "$(stat -c %g:%a "$sh_dir/grp.ini.bak")" 65534:664 \
	    "... its .bak keeps the group and mode"
	t_run -- $nob "$sh_migrate" -C "$sh_empty" "$sh_dir/other.ini"
	t_is "$(stat -c %u:%g:%a "$sh_dir/other.ini")" 0:0:666 \
	    "nobody migrates root:root 666: owner, group, mode kept"
	t_is "$(stat -c %u:%a "$sh_dir/other.ini.bak")" 65534:600 \
	    "... its .bak, whose group nobody may not set, is private"
else
	t_skip 9 "owner and group tests need root to set them up"
fi

# sd-import writes proxies.ini the same way: a proxies.ini that is a
# symbolic link to a hard-linked file with an xattr stays all of that.
IMP="$T_TMP/imp"
mkdir -p "$IMP"
printf '[old]\nsource = http://h/old.ts\n' >"$T_TMP/imp-real.ini"
ln "$T_TMP/imp-real.ini" "$T_TMP/imp-hard.ini"
ln -s ../imp-real.ini "$IMP/proxies.ini"
chmod 640 "$T_TMP/imp-real.ini"
"$X" set "$T_TMP/imp-real.ini" user.sd.note "kept" 2>/dev/null
want=$("$X" dump "$T_TMP/imp-real.ini")
printf '#EXTM3U\n#EXTINF:-1,One\nhttp://h/one.ts\n' >"$T_TMP/imp.m3u"
t_run -- sd-import -C "$IMP" "$T_TMP/imp.m3u"
t_is "$T_RC" 0 "sd-import through a link: exit 0"
[ -L "$IMP/proxies.ini" ] && grep -q 'http://h/one.ts' "$T_TMP/imp-hard.ini"
t_ok $? "sd-import: the link kept, the hard-linked file has the channel"
t_is "$(stat -c %a:%h "$T_TMP/imp-real.ini"):$("$X" dump "$T_TMP/imp-real.ini")" \
    "640:2:$want" "sd-import: mode, links and xattrs kept"
t_like "$T_ERR" "^sd-import: $T_TMP/imp-real.ini: 1 channel: .*the previous file is $T_TMP/imp-real.ini.bak\$" \
    "sd-import: the message names the file written"

# Several files: the worst status wins, the good one is still migrated.
cp "$OLD" "$T_TMP/good.ini"
cp "$G/conflict/in.ini" "$T_TMP/bad.ini"
t_run -- sd-migrate -C "$EMPTY" "$T_TMP/good.ini" "$T_TMP/bad.ini"
t_is "$T_RC" 65 "good + conflict: 65"
grep -q 'mode = smart' "$T_TMP/good.ini" && cmp -s "$T_TMP/bad.ini" "$G/conflict/in.ini"
t_ok $? "good + conflict: the good file migrated, the bad one untouched"

t_done
