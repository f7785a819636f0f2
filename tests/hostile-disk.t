#!/bin/sh
# hostile-disk.t - a relay whose spool disk is full backs off (0.5 s, 1 s,
# 2 s ... up to a minute) and says "the spool's disk is full", rather than
# reconnecting to the upstream every 300 ms and blaming it
# (docs/SECURITY.md, "Upstreams", 4). The spool is a small tmpfs, mounted
# here when root; skipped, with the reason, otherwise.
. "${0%/*}/lib.sh"
. "${0%/*}/serve/lib.sh"

media=$("$SD_TOP/scripts/gen-media" -t 60 h264-aac.ts)
conf=$T_TMP/conf
spool=$T_TMP/spool
up=$T_TMP/up
mkdir -p "$conf" "$spool" "$up/files"
if [ "$(id -u)" -ne 0 ]; then
	t_skip 4 "not root: cannot mount a small tmpfs"
	t_done
	exit
fi
if ! mount -t tmpfs -o size=2m sd-test-full "$spool" 2>"$T_TMP/mount.err"; then
	t_skip 4 "mount -t tmpfs failed: $(cat "$T_TMP/mount.err")"
	t_done
	exit
fi
trap 'serve_stop_sessions "$spool"; umount "$spool" 2>/dev/null; t_cleanup' EXIT
cp "$media" "$up/files/live.ts"
uport=$(t_free_port)
t_bg perl "$SD_TOP/tests/hostile.pl" -p "$uport" -d "$up"
t_wait_http "http://127.0.0.1:$uport/files/live.ts"
serve_proxy "$conf" tv "http://127.0.0.1:$uport/files/live.ts"
serve_ini "$conf" "$spool" "idle_timeout = $(t_secs 60)"

# Classify while there is room, then leave almost none.
printf 'GET /tv/stream.ts HTTP/1.1\r\nHost: tv.example\r\n\r\n' >"$T_TMP/req"
t_run -t 20 -i "$T_TMP/req" -- sd-serve -C "$conf"
serve_stop_sessions "$spool"
rm -rf "$spool"/tv/ts "$spool"/tv/*.state
dd if=/dev/zero of="$spool/filler" bs=1k count=$(($(df -k "$spool" |
    awk 'NR == 2 { print $4 }') - 48)) 2>/dev/null
t_like "$(df -k "$spool" | awk 'NR == 2 { print $4 }')" '^[0-9]{1,2}$' \
    "the spool has a few KiB left"

printf 'GET /tv/stream.ts HTTP/1.1\r\nHost: tv.example\r\n\r\n' >"$T_TMP/req"
timeout 5 sd-serve -C "$conf" <"$T_TMP/req" >/dev/null 2>"$T_TMP/serve.err"
st() { cat "$spool"/tv/*.state 2>/dev/null; }
t_wait 60 '[ "$(st | sed -n "s/^retry_after=//p")" -ge 5 ] 2>/dev/null'
t_ok $? "a full disk is backed off ($(st | grep retry_after))"
t_like "$(st)" "disk is full" "the state says the disk is full"
conns=$(grep -c 'live.ts' "$up/connections")
t_at_least "$((20 - conns))" 0 \
    "the upstream is not asked again every 300 ms ($conns connections)"
t_done
