#!/bin/sh
# install.t - `make install` writes this install's paths into the lighttpd
# include, the inetd line and the systemd units; ships the sd user and the
# spool for systemd; sd-cmafmux's libav* edge (libsd-av.so) in LIBEXECDIR; a
# hardened service unit; `make uninstall` takes back
# all but the user's config folder.
#
# A copy of the tree is installed (with one program, to keep the build
# short) so that the build tree's sanitizer programs stay as they are.
. "${0%/*}/lib.sh"

src=$T_TMP/src
dest=$T_TMP/dest
mkdir -p "$src/tests"
(cd "$SD_TOP" && tar cf - Makefile bin lib etc man scripts) | (cd "$src" && tar xf -)
rm -f "$src"/lib/*.o "$src"/lib/libsd.a "$src"/.build-flags
find "$src/bin" -type f ! -name '*.c' -delete
[ -d "$SD_TOP/tests/node_modules" ] && ln -s "$SD_TOP/tests/node_modules" "$src/tests/node_modules"

cat >"$T_TMP/mk" <<EOF
#!/bin/sh
exec make -C "$src" CFLAGS=-O0 SAN= PROGS=bin/sd-decide DESTDIR="$dest" \\
	PREFIX=/opt/sd SYSCONFDIR=/etc/opt/sd SPOOLDIR=/srv/sd-spool "\$@"
EOF
chmod +x "$T_TMP/mk"

t_run -t 900 -- "$T_TMP/mk" install
t_is "$T_RC" 0 "make install: exit status"
[ "$T_RC" -eq 0 ] || t_diag "$T_ERR"

for f in opt/sd/bin/sd-decide opt/sd/bin/sd-batch opt/sd/libexec/sd/libsd-av.so \
    opt/sd/share/sd/profiles.ini \
    opt/sd/share/sd/lighttpd.conf opt/sd/share/sd/inetd.conf \
    opt/sd/lib/systemd/system/sd-serve@.service opt/sd/lib/systemd/system/sd-serve.socket \
    opt/sd/lib/sysusers.d/sd.conf opt/sd/lib/tmpfiles.d/sd.conf \
    etc/opt/sd/sd.ini etc/opt/sd/proxies.ini etc/opt/sd/www/hls.min.js \
    etc/opt/sd/www/dash.all.min.js opt/sd/share/man/man1/sd-batch.1; do
	t_ok "$([ -f "$dest/$f" ]; echo $?)" "installed: /$f"
done

# No default path is left where this install's paths belong.
left=$(grep -rl '/usr/local\|/var/spool/sd' "$dest/opt/sd/share/sd" "$dest/opt/sd/lib" \
    "$dest/etc/opt/sd" --include='*.conf' --include='*.service' --include='*.socket' \
    --include='*.ini' 2>/dev/null)
t_is "$left" "" "no /usr/local or default spool left in the installed files"
unit=$dest/opt/sd/lib/systemd/system/sd-serve@.service
t_like "$(cat "$unit")" '^ExecStart=/opt/sd/bin/sd-serve -C /etc/opt/sd$' "the unit runs this install's sd-serve"
t_like "$(cat "$unit")" '^ReadWritePaths=/srv/sd-spool$' "the unit may write this install's spool"
t_like "$(cat "$dest/opt/sd/share/sd/inetd.conf")" '/opt/sd/bin/sd-serve	sd-serve -C /etc/opt/sd$' \
    "the inetd line names this install's paths"
t_like "$(cat "$dest/opt/sd/lib/tmpfiles.d/sd.conf")" '^d /srv/sd-spool 0750 sd sd' \
    "tmpfiles.d makes the spool, the sd user's"
t_like "$(cat "$dest/opt/sd/lib/sysusers.d/sd.conf")" '^u sd ' "sysusers.d makes the sd user"

if command -v systemd-analyze >/dev/null 2>&1 &&
    systemd-analyze security --offline=yes "$unit" >"$T_TMP/sec" 2>&1; then
	level=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' "$T_TMP/sec")
	t_ok "$(awk -v l="${level:-99}" 'BEGIN { exit !(l <= 4.0) }'; echo $?)" \
	    "the service unit's exposure is at most 4.0 (got ${level:-none})"
else
	t_skip 1 "systemd-analyze security --offline is not here"
fi

# Config files the user already has are kept on a second install.
echo '; mine' >>"$dest/etc/opt/sd/sd.ini"
t_run -t 600 -- "$T_TMP/mk" install
t_like "$(cat "$dest/etc/opt/sd/sd.ini")" '^; mine$' "install again: the user's sd.ini kept"

t_run -t 600 -- "$T_TMP/mk" uninstall
t_is "$T_RC" 0 "make uninstall: exit status"
t_is "$(find "$dest/opt" -type f | wc -l)" 0 "uninstall: nothing left under the prefix"
t_ok "$([ -f "$dest/etc/opt/sd/sd.ini" ]; echo $?)" "uninstall: the config folder is the user's, kept"
t_done
