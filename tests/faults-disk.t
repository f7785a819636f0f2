#!/bin/sh
# faults-disk.t - a full disk: sd-cmafmux writes a store into a 2 MB
# tmpfs (mounted here when root) until the space runs out. It must stop
# with exit 74 and a message naming the cause, and the index it leaves
# names only whole files (every write is a temporary renamed into place).
# sd-manifest still reads the store. Single files (-s) on a full disk:
# exit 74, no index (it would name unfinished files) and no temporary
# left. Skipped, with the reason, when not root or when the mount fails.
. "${0%/*}/lib.sh"

media=$("$SD_TOP/scripts/gen-media" -t 60 h264-aac.ts)
spool=$T_TMP/spool
mkdir -p "$spool"
if [ "$(id -u)" -ne 0 ]; then
	t_skip 9 "not root: cannot mount a small tmpfs"
	t_done
	exit
fi
if ! mount -t tmpfs -o size=2m sd-test-full "$spool" 2>"$T_TMP/mount.err"; then
	t_skip 9 "mount -t tmpfs failed: $(cat "$T_TMP/mount.err")"
	t_done
	exit
fi
trap 'umount "$spool" 2>/dev/null; t_cleanup' EXIT

t_run -t 60 -i "$media" -- sd-cmafmux -l -w 1000 -o "$spool/store" -
t_is "$T_RC" 74 "sd-cmafmux stops with exit 74 when the disk is full"
t_like "$T_ERR" 'No space left on device' "it says why"
out=$(perl "$SD_TOP/tests/store-check.pl" "$spool/store")
t_ok $? "the index names only whole files ($out)"
t_run -t 20 -- sd-manifest -f hls "$spool/store"
t_like "$T_OUT" '^#EXT-X-STREAM-INF:' \
    "sd-manifest reads the store that was left"
# temporaries: .NAME.PID-N (segments) and NAME.XXXXXX (sd_write_atomic)
c='[A-Za-z0-9]'
tmp=$(find "$spool/store" -type f \( -name '.*' -o -name "*.$c$c$c$c$c$c" \) |
    wc -l)
t_is "$tmp" 0 "no temporary file left behind"

rm -rf "${spool:?}/store"
t_run -t 60 -- sd-cmafmux -s -o "$spool/single" "$media"
t_is "$T_RC" 74 "-s: exit 74 when the disk is full"
t_like "$T_ERR" 'No space left on device' "-s: it says why"
t_ok "$([ ! -e "$spool/single/index" ]; echo $?)" "-s: no index names the unfinished files"
t_is "$(find "$spool/single" -type f | wc -l)" 0 "-s: no temporary file left behind"
t_done
