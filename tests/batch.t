#!/bin/sh
# batch.t - sd-batch: a folder of recordings repackaged or transcoded with a
# profile, in parallel, with progress; resumable (a finished output, one
# whose index says ended=1, is skipped; anything else is redone), also after
# a run killed in the middle; refuses to overwrite what is not a store.
. "${0%/*}/lib.sh"
. "${0%/*}/transcode.sh"

# The configuration folder through the environment, as cron would have it.
SD_CONF=$TC_CONF
export SD_CONF
rec="$T_TMP/rec"
mkdir -p "$rec/sub"
cp "$(tc_media h264-aac.ts)" "$rec/a.ts"
cp "$(tc_media h264-mp2.ts)" "$rec/sub/b.ts"
head -c 100000 /dev/urandom >"$rec/bad.ts"
echo "not a recording" >"$rec/notes.txt"
vod="$rec/vod"	# inside the input folder: must not be taken as input

# -n: the plan, nothing written.
t_run -t 120 -- sd-batch -n -j 2 -p Universal -o "$vod" "$rec/a.ts" "$rec/sub/b.ts"
t_is "$T_RC" 0 "-n: exit status"
t_like "$T_OUT" '^\[[12]/2\] a: plan repackage .*sd-cmafmux' "-n: a would be repackaged"
t_like "$T_OUT" '^\[[12]/2\] b: plan transcode .*ffmpeg .*-c:a aac.* \| sd-cmafmux' \
    "-n: b would be transcoded, ffmpeg into sd-cmafmux"
t_ok "$([ ! -e "$vod" ]; echo $?)" "-n: nothing written, not even the output folder"
t_is "$(wc -l <"$TC_FFLOG")" 0 "-n: ffmpeg never ran"

# The folder, two at a time, TS segments too (-T).
t_run -t 120 -- sd-batch -T -j 2 -p Universal -o "$vod" "$rec"
t_is "$T_RC" 1 "folder: exit 1 (one input is not media)"
t_like "$T_OUT" '^\[[123]/3\] a: done repackage .*s of media in' "folder: a repackaged, with its speed"
t_like "$T_OUT" '^\[[123]/3\] b: done transcode \(video=copy audio=aac' "folder: b transcoded (audio only)"
t_like "$T_ERR" '^\[[123]/3\] bad: fail sd-classify' "folder: bad fails in sd-classify, on stderr"
t_like "$T_OUT" '3 inputs: 2 done, 0 skipped \(finished\), 1 failed' "folder: the summary"
t_unlike "$T_OUT$T_ERR" 'notes' "folder: notes.txt is not taken"
for n in a b; do
	t_like "$(cat "$vod/$n/index" 2>/dev/null)" '^store .*ended=1' "folder: $n's store ended"
	t_ok "$([ -s "$vod/$n/master.m3u8" ] && [ -s "$vod/$n/manifest.mpd" ] && echo 0 || echo 1)" \
	    "folder: $n has master.m3u8 and manifest.mpd"
	t_run -- ffmpeg -nostdin -v error -i "$vod/$n/master.m3u8" -map 0 -f null -
	t_is "$T_RC:$T_ERR" "0:" "folder: ffmpeg decodes $n's master"
done
t_like "$(cat "$vod/a/index")" 'type=mpegts' "folder: -T gave a TS track"
t_is "$(ls -a "$vod" | grep -c '^\.')" 2 "folder: no work folder or .partial left"

# Again: everything finished is skipped, nothing runs, nothing changes.
ls -lR --time-style=full-iso "$vod/a" "$vod/b" >"$T_TMP/before"
: >"$TC_FFLOG"
t_run -t 120 -- sd-batch -T -j 2 -p Universal -o "$vod" "$rec"
t_like "$T_OUT" '3 inputs: 0 done, 2 skipped \(finished\), 1 failed' \
    "again: both skipped (the segments under vod/ are not inputs)"
t_like "$T_OUT" '^\[[123]/3\] b: skip finished' "again: b says so"
t_is "$(wc -l <"$TC_FFLOG")" 0 "again: ffmpeg never ran"
ls -lR --time-style=full-iso "$vod/a" "$vod/b" >"$T_TMP/after"
t_is "$(cmp "$T_TMP/before" "$T_TMP/after" && echo same)" same "again: outputs untouched"

# A store without ended=1 (a run that died) is done again; so is a partial
# folder left behind.
sed -i 's/ended=1/ended=0/' "$vod/b/index"
mkdir -p "$vod/.b.partial"
: >"$vod/.b.partial/junk"
t_run -t 120 -- sd-batch -j 2 -p Universal -o "$vod" "$rec/a.ts" "$rec/sub/b.ts"
t_is "$T_RC" 0 "resume: exit status"
t_like "$T_OUT" '2 inputs: 1 done, 1 skipped' "resume: only b is done again"
t_like "$T_OUT" '^\[[12]/2\] b: done transcode' "resume: b transcoded again"
t_like "$(cat "$vod/b/index")" '^store .*ended=1' "resume: b's store ended"
t_ok "$([ ! -e "$vod/.b.partial" ] && echo 0 || echo 1)" "resume: the partial folder is gone"

# A folder that is not a store is not ours to replace.
mkdir -p "$T_TMP/vod2/a"
echo mine >"$T_TMP/vod2/a/keep"
t_run -t 120 -- sd-batch -p Universal -o "$T_TMP/vod2" "$rec/a.ts"
t_is "$T_RC" 1 "not a store: exit 1"
t_like "$T_ERR" 'a: fail .*is not a segment store' "not a store: the reason"
t_is "$(cat "$T_TMP/vod2/a/keep")" mine "not a store: left alone"

# Killed in the middle (ffmpeg held back so the kill lands in the job),
# then run again: it finishes what was left.
: >"$TC_FFLOG"
sed -i "2a [ -e '$T_TMP/hold' ] && sleep $(t_secs 30)" "$T_TMP/spy/ffmpeg"
: >"$T_TMP/hold"
setsid sd-batch -j 2 -p Universal -o "$T_TMP/vod3" "$rec/a.ts" "$rec/sub/b.ts" \
    >"$T_TMP/killed.out" 2>&1 &
pg=$!
t_wait 30 '[ -s "$TC_FFLOG" ]'
t_ok $? "killed: ffmpeg had started"
kill -TERM "-$pg" 2>/dev/null
wait "$pg" 2>/dev/null
rm -f "$T_TMP/hold"
t_ok "$(grep -qs 'ended=1' "$T_TMP/vod3/b/index" && echo 1 || echo 0)" \
    "killed: b is not finished"
t_run -t 120 -- sd-batch -j 2 -p Universal -o "$T_TMP/vod3" "$rec/a.ts" "$rec/sub/b.ts"
t_is "$T_RC" 0 "killed, run again: exit status"
t_like "$T_OUT" '^\[[12]/2\] b: done transcode' "killed, run again: b is done"
t_like "$(cat "$T_TMP/vod3/b/index" 2>/dev/null)" '^store .*ended=1' "killed, run again: b's store ended"
t_is "$(ls -a "$T_TMP/vod3" | grep -c '^\.')" 2 "killed, run again: nothing partial left"

# A plain `kill PID` of the script (SIGTERM to it alone, as an operator or
# a service manager sends it) stops its ffmpeg and sd-cmafmux children, and
# each finished recording's line was shown at once, while b was still held.
: >"$TC_FFLOG"
: >"$T_TMP/hold"
sed -i "2a echo \$\$ >>'$T_TMP/ffpids'" "$T_TMP/spy/ffmpeg"
sd-batch -j 2 -p Universal -o "$T_TMP/vod7" "$rec/a.ts" "$rec/sub/b.ts" \
    >"$T_TMP/plain.out" 2>&1 &
bpid=$!
command -v t_secs >/dev/null 2>&1 ||
	t_secs() { echo $(( $1 * ${SD_TEST_SLOW:-1} )); }
t_wait_for() {	# t_wait_for SECONDS CMD...: until CMD succeeds, or SECONDS
	_end=$(( $(date +%s) + $(t_secs "$1") ))
	shift
	until "$@"; do
		[ "$(date +%s)" -lt "$_end" ] || return 1
		sleep 0.1
	done
}
t_wait_for 60 grep -q ' a: done' "$T_TMP/plain.out"
t_ok $? "plain kill: a's line shown while b is still being made"
t_wait_for 60 test -s "$T_TMP/ffpids"
t_ok $? "plain kill: b's ffmpeg had started"
kill -TERM "$bpid"
wait "$bpid"
t_is "$?" 130 "plain kill: exit 130"
alive() { for p in $(cat "$T_TMP/ffpids"); do kill -0 "$p" 2>/dev/null && return 0; done; return 1; }
none_alive() { ! alive; }
t_wait_for 10 none_alive
t_ok $? "plain kill: no ffmpeg of the batch left running"
t_is "$(pgrep -f "sd-cmafmux.*vod7" | wc -l)" 0 "plain kill: no sd-cmafmux left running"
t_like "$(cat "$T_TMP/plain.out")" 'stopped' "plain kill: says it stopped"
rm -f "$T_TMP/hold"
sed -i '3d' "$T_TMP/spy/ffmpeg"
t_run -t 120 -- sd-batch -j 2 -p Universal -o "$T_TMP/vod7" "$rec/a.ts" "$rec/sub/b.ts"
t_like "$T_OUT" 'b: done transcode' "plain kill, run again: b is done"
t_is "$(ls -a "$T_TMP/vod7" | grep -c '^\.')" 2 "plain kill, run again: nothing partial left"

# -v: the current recording's progress as a percentage.
t_run -t 120 -- sd-batch -F -v -p Passthrough -o "$T_TMP/vod7" "$rec/a.ts"
t_is "$T_RC" 0 "-v: exit status"
t_like "$T_ERR" '^sd-batch: a: [0-9]+% \(' "-v: a percentage of the current recording"
t_like "$T_ERR" '^sd-batch: a: 100% ' "-v: it reaches 100%"

# --help: usage on stdout, exit 0.
t_run -- sd-batch --help
t_is "$T_RC" 0 "--help: exit 0"
t_like "$T_OUT" '^usage: sd-batch' "--help: usage on stdout"

# Names no program may take for a protocol or an option.
mkdir -p "$T_TMP/odd"
cp "$rec/a.ts" "$T_TMP/odd/concat:x.ts"
cp "$rec/a.ts" "$T_TMP/odd/-y.ts"
t_run -t 120 -- sh -c 'cd "$1" && sd-batch -p Passthrough -o out -- "concat:x.ts" "-y.ts"' \
    sh "$T_TMP/odd"
t_is "$T_RC" 0 "odd names: exit status"
t_like "$(cat "$T_TMP/odd/out/concat:x/index" 2>/dev/null)" 'ended=1' "odd names: concat:x.ts done"
t_like "$(cat "$T_TMP/odd/out/-y/index" 2>/dev/null)" 'ended=1' "odd names: -y.ts done"

# MP4, Matroska and WebM recordings that need no encoding: sd-cmafmux
# reads them itself (no ffmpeg); -T adds TS segments only where MPEG-TS
# carries the codecs (H.264 + AAC yes, VP9 + Opus and AV1 + Opus never).
: >"$TC_FFLOG"
t_run -t 120 -- sd-batch -T -j 2 -p Passthrough -o "$T_TMP/vod5" \
    "$(tc_media h264-aac.mp4)" "$(tc_media vp9-opus.webm)" "$(tc_media av1-opus.mkv)"
t_is "$T_RC" 0 "MP4/MKV/WebM: exit status"
t_is "$(printf '%s\n' "$T_OUT" | grep -c ': done repackage ')" 3 "MP4/MKV/WebM: three repackaged"
t_is "$(wc -l <"$TC_FFLOG")" 0 "MP4/MKV/WebM: ffmpeg never ran"
t_like "$(cat "$T_TMP/vod5/3s-h264-aac/index")" 'type=mpegts' "MP4 H.264 + AAC: TS segments with -T"
for n in 3s-vp9-opus 3s-av1-opus; do
	t_unlike "$(cat "$T_TMP/vod5/$n/index")" 'type=mpegts' "$n: no TS track despite -T"
	t_is "$(find "$T_TMP/vod5/$n" -name '*.ts' | wc -l)" 0 "$n: no .ts file despite -T"
	t_run -- ffmpeg -nostdin -v error -i "$T_TMP/vod5/$n/manifest.mpd" -map 0 -f null -
	t_is "$T_RC:$T_ERR" "0:" "$n: ffmpeg decodes the MPD"
done

# A name with a newline: left out of a folder, refused when named.
mkdir -p "$T_TMP/nl"
cp "$rec/a.ts" "$T_TMP/nl/x
y.ts"
t_run -t 120 -- sd-batch -n -o "$T_TMP/vod6" "$T_TMP/nl"
t_like "$T_ERR" 'no recordings to do' "newline in a name: left out of the folder"
t_run -- sd-batch -n -o "$T_TMP/vod6" "$T_TMP/nl/x
y.ts"
t_is "$T_RC" 66 "newline in a name: refused when named"

# Refusals before any work.
cp "$rec/a.ts" "$rec/sub/a.ts"
t_run -- sd-batch -o "$T_TMP/vod4" "$rec"
t_is "$T_RC" 64 "two inputs named a: exit 64"
t_like "$T_ERR" 'same name.*a' "two inputs named a: the reason"
t_ok "$([ ! -e "$T_TMP/vod4/a" ] && echo 0 || echo 1)" "two inputs named a: nothing done"
t_run -- sd-batch -o "$T_TMP/vod4" "$T_TMP/nothere.ts"
t_is "$T_RC" 66 "missing input: exit 66"
t_run -- sd-batch -j 0 -o "$T_TMP/vod4" "$rec/a.ts"
t_is "$T_RC" 64 "-j 0: exit 64"
t_run -- sd-batch "$rec/a.ts"
t_is "$T_RC" 64 "no -o: exit 64"
t_like "$T_ERR" '^usage: sd-batch' "no -o: usage"
# -m: a folder's files written in the last minutes are left for later.
rm "$rec/sub/a.ts"
touch -d '1 hour ago' "$rec/a.ts" "$rec/bad.ts"
touch "$rec/sub/b.ts"
t_run -t 120 -- sd-batch -n -m 10 -o "$T_TMP/vod4" "$rec"
t_unlike "$T_OUT" ' b: ' "-m 10: b, just written, is left for later"
t_like "$T_OUT" ' a: plan' "-m 10: a is taken"
t_done
