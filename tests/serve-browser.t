#!/bin/sh
# serve-browser.t - sd-serve's own page (/) in headless Chromium: hls.js
# and dash.js, loaded from the config's www/, each play a live TS source
# repackaged by a session, at once, each 20 s of live video.
. "${0%/*}/lib.sh"
. "${0%/*}/serve/lib.sh"

mods=$SD_TOP/tests/node_modules
if [ ! -x /usr/bin/chromium ] || [ ! -d "$mods/playwright-core" ] ||
    [ ! -x "$SD_BUILD/bin/sd-cmafmux" ]; then
	t_skip 4 "needs chromium, playwright-core and bin/sd-cmafmux"
	t_done
	exit 0
fi
media=$("$SD_TOP/scripts/gen-media" -t 150 h264-aac.ts)
serve_dirs "$T_TMP/conf/www"
cp "$mods/hls.js/dist/hls.min.js" \
    "$mods/dashjs/dist/modern/umd/dash.all.min.js" "$conf/www/"
serve_upstream "$media" 150
serve_proxy "$conf" tv "$SERVE_UP/live.ts"
serve_ini "$conf" "$spool" "idle_timeout = $(t_secs 10)"
serve_start "$conf" "$spool"
t_ok $? "lighttpd with sd-serve answers"
base=$SERVE_BASE

# Each page plays until its video has played 20 s, within t_secs 60.
max=$(t_secs 60)
out=$(cd "$SD_TOP/tests" && timeout -k 5 $((max + 30)) node serve/browser.js \
    "$base" 20 "$max" tv hls dash 2>&1)
t_diag "$out"
for f in hls dash; do
	line=$(printf '%s\n' "$out" | grep "^$f ")
	played=$(printf '%s\n' "$line" | sed -n 's/.*played=\([0-9]*\).*/\1/p')
	t_ok "$([ "${played:-0}" -ge 20 ] && echo 0 || echo 1)" \
	    "page plays $f live in Chromium (${played:-0} s of 20)"
	t_like "$line" 'error=$' "page: no $f player error"
done
t_done
