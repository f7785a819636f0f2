#!/bin/sh
# memory.t - sd-cmafmux reads MPEG-TS without libav*: a live process fed
# MPEG-TS on stdin through a fifo maps none of libavformat, libavcodec and
# libavutil (read from /proc/PID/maps once it has written a segment), and
# its store is whole; so does one asked for -T or -l -T (sd's own TS
# muxer), and its TS segments decode. The same program fed another
# container, or asked for -T with Opus (libavformat's TS muxer), loads its
# libav* edge (libsd-av.so) and so maps libavformat: the look at the maps
# would see it.
. "${0%/*}/lib.sh"

gen() { "$SD_TOP/scripts/gen-media" "$@"; }
ts=$(gen h264-aac.ts)
ffmpeg -nostdin -v error -y -i "$ts" -c copy -f nut "$T_TMP/in.nut"

# maps PID: the shared objects the process maps, one a line.
maps() {
	awk 'NF >= 6 && $6 ~ /\.so/ { print $6 }' "/proc/$1/maps" 2>/dev/null |
	    sort -u
}

# feed NAME INPUT [OPTION]: sd-cmafmux -o $T_TMP/NAME reading stdin from a
# fifo (as it reads a live pipeline) that holds INPUT's first half, the
# writer (fd 3) kept open until unfeed; FEED_PID.
feed() {
	_f=$T_TMP/$1.fifo
	rm -f "$_f"
	mkfifo "$_f"
	sd-cmafmux ${3:+"$3"} -o "$T_TMP/$1" - <"$_f" &
	FEED_PID=$!
	T_PIDS="${T_PIDS:-} $FEED_PID"
	exec 3>"$_f"
	head -c $(($(wc -c <"$2") / 2)) "$2" >&3
}

# unfeed INPUT: the rest of INPUT, the fifo closed, the program's status.
unfeed() {
	tail -c +$(($(wc -c <"$1") / 2 + 1)) "$1" >&3
	exec 3>&-
	FEED_RC=0
	wait "$FEED_PID" || FEED_RC=$?
	T_PIDS=
}

# the MPEG-TS path, while it runs
feed ts "$ts"
out=$T_TMP/ts
t_wait 30 '[ -n "$(ls "$out" 2>/dev/null | grep "^v0-[0-9]*\.m4s$")" ]'
t_ok $? "MPEG-TS: a segment written while the input is open"
m=$(maps "$FEED_PID")
t_like "$m" 'libbsd' "the maps were read (libbsd is there)"
t_unlike "$m" 'libav(format|codec|util)|sd-av\.so' \
    "MPEG-TS: no libavformat, libavcodec, libavutil, libsd-av.so mapped"
unfeed "$ts"
t_is "$FEED_RC" 0 "MPEG-TS: exit status"
t_ok "$([ -s "$out/index" ] && grep -q 'ended=1' "$out/index"; echo $?)" \
    "MPEG-TS: the store ended"

# another container: the edge is loaded, libavformat with it
feed nut "$T_TMP/in.nut"
t_wait 30 'maps "$FEED_PID" | grep -q libavformat'
t_ok $? "NUT: libavformat mapped (the edge loaded)"
t_like "$(maps "$FEED_PID")" 'sd-av\.so' "NUT: from libsd-av.so"
unfeed "$T_TMP/in.nut"
t_is "$FEED_RC" 0 "NUT: exit status"
t_ok "$([ -n "$(ls "$T_TMP/nut" | grep '^v0-[0-9]*\.m4s$')" ]; echo $?)" \
    "NUT: segments written"

# -T and -l -T (as sd-serve's live sessions run it): sd's own TS muxer
# writes the TS segments, so libav* stays out of these too
for opt in -T -lT; do
	feed "ts$opt" "$ts" "$opt"
	out=$T_TMP/ts$opt
	t_wait 30 '[ -n "$(ls "$out" 2>/dev/null | grep "^ts-[0-9]*\.ts$")" ]'
	t_ok $? "$opt: a TS segment written while the input is open"
	m=$(maps "$FEED_PID")
	t_like "$m" 'libbsd' "$opt: the maps were read (libbsd is there)"
	t_unlike "$m" 'libav(format|codec|util)|sd-av\.so' \
	    "$opt: no libavformat, libavcodec, libavutil, libsd-av.so mapped"
	unfeed "$ts"
	t_is "$FEED_RC" 0 "$opt: exit status"
	bad=0
	for f in $(awk '$2 == "track=ts" { for (i = 3; i <= NF; i++)
	    if ($i ~ /^file=/) print substr($i, 6) }' "$out/index"); do
		ffmpeg -nostdin -v error -xerror -i "$out/$f" -f null - \
		    2>/dev/null || bad=$((bad + 1))
	done
	t_is "$bad" 0 "$opt: each TS segment the index lists decodes"
done

# Opus, which sd's TS muxer does not carry: libavformat's, in the edge
ffmpeg -nostdin -v error -y -i "$ts" -c:v copy -c:a libopus -b:a 64k \
    -f mpegts "$T_TMP/opus.ts"
t_run -- sd-cmafmux -v -T -o "$T_TMP/opus" "$T_TMP/opus.ts"
t_is "$T_RC" 0 "Opus -T: exit status"
t_like "$T_ERR" "a0 \\(opus\\).*libavformat's muxer" "Opus -T: said"
t_ok "$([ -n "$(ls "$T_TMP/opus" | grep '^ts-[0-9]*\.ts$')" ]; echo $?)" \
    "Opus -T: TS segments written"

# without its edge, TS input still works; another container says why not
mkdir -p "$T_TMP/bin"
cp "$SD_BUILD/bin/sd-cmafmux" "$T_TMP/bin/"
t_run -- "$T_TMP/bin/sd-cmafmux" -o "$T_TMP/alone" "$ts"
t_is "$T_RC" 0 "no libsd-av.so: MPEG-TS still read"
t_run -- "$T_TMP/bin/sd-cmafmux" -o "$T_TMP/alone-nut" "$T_TMP/in.nut"
if [ -e /usr/local/libexec/sd/libsd-av.so ] || [ -e /usr/local/bin/libsd-av.so ]; then
	t_skip 2 "an installed libsd-av.so would be found"
else
	t_is "$T_RC" 70 "no libsd-av.so: NUT refused (EX_SOFTWARE)"
	t_like "$T_ERR" 'cannot load the libav\* edge' "no libsd-av.so: said"
fi
t_done
