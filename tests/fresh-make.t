#!/bin/sh
# fresh-make.t - the first `make run` on a fresh machine: pkg-config and the
# libraries arrive only when scripts/install-deps runs, so the Makefile must
# not ask pkg-config before then (it used to, when it was read, and the link
# failed with undefined strlcpy, bsd_getopt, av_log_set_level).
#
# A copy of the tree is built with a pkg-config that answers only after a
# stand-in install-deps has run, the way a fresh Debian 12 machine behaves.
. "${0%/*}/lib.sh"

src=$T_TMP/src
mkdir -p "$src"
# The tracked tree as a clean clone has it (no objects, no node_modules).
(cd "$SD_TOP" && tar cf - Makefile bin lib etc man scripts) | (cd "$src" && tar xf -)
rm -f "$src"/lib/*.o "$src"/lib/libsd.a "$src"/.build-flags
find "$src/bin" -type f ! -name '*.c' -delete

real_pkg=$(command -v pkg-config)
installed=$T_TMP/installed
cat >"$T_TMP/pkg-config" <<EOF
#!/bin/sh
# pkg-config of a machine where install-deps has not run yet.
[ -e "$installed" ] || { echo "pkg-config: command not found" >&2; exit 127; }
exec "$real_pkg" "\$@"
EOF
cat >"$T_TMP/install-deps" <<EOF
#!/bin/sh
# install-deps on a fresh machine: afterwards pkg-config and the libraries work.
echo "install-deps: installing pkg-config libavformat-dev libbsd-dev libinih-dev" >&2
: >"$installed"
EOF
chmod +x "$T_TMP/pkg-config" "$T_TMP/install-deps"

progs="bin/sd-classify bin/sd-decide"
cat >"$T_TMP/mk" <<EOF
#!/bin/sh
exec make -C "$src" PKG="$T_TMP/pkg-config" INSTALL_DEPS="$T_TMP/install-deps" \\
	CFLAGS=-O0 SAN= PROGS="$progs" "\$@"
EOF
chmod +x "$T_TMP/mk"
mk=$T_TMP/mk

# Before install-deps: a plain `make` says what to do, instead of a link error.
t_run -t 600 -- "$mk" all
t_ok "$([ "$T_RC" -ne 0 ]; echo $?)" "make before install-deps fails"
t_like "$T_ERR" "run 'make deps'" "it says to run make deps"
t_unlike "$T_ERR" "undefined reference" "no link error"

# `make build` (what `make run` does before the demo) on the fresh machine.
t_run -t 900 -- "$mk" build
t_is "$T_RC" 0 "make build on a fresh machine: exit status"
[ "$T_RC" -eq 0 ] || t_diag "$T_ERR"
t_ok "$([ -e "$installed" ]; echo $?)" "install-deps ran first"
t_unlike "$T_ERR" "undefined reference" "no link error"
for p in $progs; do
	# No arguments: the program starts (it is linked) and says how to use it.
	t_run -- "$src/$p"
	t_like "$T_OUT$T_ERR" "usage" "$p starts and prints its usage"
done
t_done
