# tests/lib.sh - TAP helpers for the shell tests, sourced by tests/*.t.
#
#   . "${0%/*}/lib.sh"
#   t_run -i input.txt -- sd-decide -f hls -p Universal
#   t_is "$T_RC" 0 "exit status"
#   t_like "$T_OUT" '^delivery=transcode$' "delivery"
#   t_done
#
# Programs come from the build tree: SD_BUILD, by default the sanitizer
# build (build/san/, what `make SAN=1` and `make check` build) when there is
# one, else the plain build (the top folder); its bin/ goes first on PATH
# and its tests/drive/ holds the test drivers. The system profiles come from
# etc/system/, and every test gets its own scratch folder, T_TMP, removed at
# exit unless the test failed and SD_KEEP is set.
#
# lighttpd and the sd-serve config folders: tests/serve/lib.sh; players:
# tests/play.sh.
#
# Time: every wall-clock deadline a test sets goes through t_secs, which
# multiplies it by SD_TEST_SLOW (default 1; 3 on a machine that is busy),
# and a test waits for events (t_wait, t_wait_http), never for a fixed time.

set -u
SD_TOP=${SD_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
if [ -z "${SD_BUILD:-}" ]; then
	SD_BUILD=$SD_TOP
	[ -d "$SD_TOP/build/san/bin" ] && SD_BUILD=$SD_TOP/build/san
fi
PATH="$SD_BUILD/bin:$PATH"
SD_SHAREDIR="$SD_TOP/etc/system"
case ${SD_TEST_SLOW:-} in
''|*[!0-9.]*|*.*.*|.) SD_TEST_SLOW=1 ;;
esac
export SD_TOP SD_BUILD PATH SD_SHAREDIR SD_TEST_SLOW
unset SD_CONF
# Sanitizer reports fail the test that triggers them.
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:exitcode=99}
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:exitcode=99}
export ASAN_OPTIONS UBSAN_OPTIONS

T_N=0
T_FAILED=0
T_NAME=$(basename "$0" .t)
mkdir -p "$SD_TOP/tests/tmp"
T_TMP=$(mktemp -d "$SD_TOP/tests/tmp/$T_NAME.XXXXXX")
export T_TMP

t_cleanup() {
	# Stop what the test started (t_bg), then remove its scratch folder.
	for p in ${T_PIDS:-}; do kill "$p" 2>/dev/null; done
	for p in ${T_PIDS:-}; do wait "$p" 2>/dev/null; done
	if [ "$T_FAILED" -eq 0 ] || [ -z "${SD_KEEP:-}" ]; then
		# T_MORE_TMP: scratch folders a test made outside T_TMP
		for d in ${T_MORE_TMP:-}; do rm -rf "$d"; done
		rm -rf "$T_TMP"
	else
		echo "# kept $T_TMP" >&2
	fi
}
trap t_cleanup EXIT
trap 'exit 130' INT TERM

# t_bg CMD...: start CMD in the background, stopped at exit. Sets T_BGPID.
t_bg() {
	"$@" &
	T_BGPID=$!
	T_PIDS="${T_PIDS:-} $T_BGPID"
}

t_ok() {	# t_ok STATUS DESCRIPTION: ok when STATUS is 0
	T_N=$((T_N + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $T_N - $2"
	else
		echo "not ok $T_N - $2"
		T_FAILED=$((T_FAILED + 1))
	fi
}

t_diag() { printf '%s\n' "$@" | sed 's/^/# /' >&2; }

t_is() {	# t_is GOT EXPECTED DESCRIPTION
	if [ "$1" = "$2" ]; then
		t_ok 0 "$3"
	else
		t_ok 1 "$3"
		t_diag "got:      $1" "expected: $2"
	fi
}

t_like() {	# t_like TEXT ERE DESCRIPTION: some line of TEXT matches ERE
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		t_ok 0 "$3"
	else
		t_ok 1 "$3"
		t_diag "no line matches /$2/ in:" "$1"
	fi
}

t_unlike() {	# t_unlike TEXT ERE DESCRIPTION: no line matches
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		t_ok 1 "$3"
		t_diag "a line matches /$2/ in:" "$1"
	else
		t_ok 0 "$3"
	fi
}

t_at_least() {	# t_at_least GOT MIN DESCRIPTION: GOT >= MIN (decimals)
	if awk -v g="$1" -v m="$2" 'BEGIN { exit !(g != "" && g + 0 >= m + 0) }'
	then
		t_ok 0 "$3"
	else
		t_ok 1 "$3"
		t_diag "got: $1" "expected: at least $2"
	fi
}

t_skip() {	# t_skip COUNT REASON
	i=0
	while [ "$i" -lt "$1" ]; do
		T_N=$((T_N + 1))
		echo "ok $T_N # skip $2"
		i=$((i + 1))
	done
}

# t_secs SECONDS: SECONDS (a deadline, decimals allowed) times
# SD_TEST_SLOW, rounded up to whole seconds.
t_secs() {
	awk -v n="$1" -v f="$SD_TEST_SLOW" \
	    'BEGIN { x = n * f; i = int(x); if (i < x) i++; print i }'
}

# t_wait SECONDS CMD [ARGS...]: run CMD every 0.1 s until it succeeds;
# 1 when it has not within t_secs SECONDS. A single CMD word is eval'ed,
# so a condition can be written in place: t_wait 10 '[ -s "$f" ]' (name
# variables there, not positional parameters: those are t_wait's).
t_wait() {
	# Give up once both SECONDS of polls (0.1 s each) and SECONDS on the
	# clock have gone, or the clock says four times SECONDS: a poll that
	# itself takes seconds (curl) must not stretch a wait without end.
	_tw_n=$(($(t_secs "$1") * 10))
	_tw_now=$(date +%s)
	_tw_end=$((_tw_now + $(t_secs "$1")))
	_tw_last=$((_tw_now + 4 * $(t_secs "$1") + 1))
	shift
	while :; do
		if [ $# -eq 1 ]; then eval "$1" && return 0
		else "$@" && return 0; fi
		_tw_now=$(date +%s)
		[ "$_tw_now" -lt "$_tw_last" ] || return 1
		[ "$_tw_n" -gt 0 ] || [ "$_tw_now" -lt "$_tw_end" ] || return 1
		sleep 0.1
		_tw_n=$((_tw_n - 1))
	done
}

# t_run [-i FILE] [-t SECONDS] -- CMD...: run CMD (stdin from FILE or
# /dev/null, killed after t_secs SECONDS, default 60); sets T_RC, T_OUT,
# T_ERR.
t_run() {
	_in=/dev/null
	_to=60
	while [ $# -gt 0 ]; do
		case $1 in
		-i) _in=$2; shift 2 ;;
		-t) _to=$2; shift 2 ;;
		--) shift; break ;;
		*) break ;;
		esac
	done
	T_RC=0
	timeout -k 5 "$(t_secs "$_to")" "$@" <"$_in" >"$T_TMP/.out" \
	    2>"$T_TMP/.err" || T_RC=$?
	T_OUT=$(cat "$T_TMP/.out")
	T_ERR=$(cat "$T_TMP/.err")
	if [ "$T_RC" -eq 99 ] || grep -q 'Sanitizer' "$T_TMP/.err"; then
		t_diag "sanitizer report from: $*" "$T_ERR"
	fi
}

# t_cmd DESC STATUS EXPECTED_OUT EXPECTED_ERR_ERE [-i FILE] -- CMD...:
# xe's tap3 in one line: status, stdout exactly, stderr by pattern ("" for
# empty stderr).
t_cmd() {
	_d=$1 _st=$2 _eo=$3 _ee=$4
	shift 4
	t_run "$@"
	t_is "$T_RC" "$_st" "$_d: exit status"
	t_is "$T_OUT" "$_eo" "$_d: stdout"
	if [ -z "$_ee" ]; then
		t_is "$T_ERR" "" "$_d: stderr empty"
	else
		t_like "$T_ERR" "$_ee" "$_d: stderr"
	fi
}

t_done() {
	echo "1..$T_N"
	[ "$T_FAILED" -eq 0 ]
}

# t_lavfi_ts OUT ARGS...: 4 s of testsrc2 + sine, encoded by ARGS, as
# MPEG-TS in OUT (for the stream types gen-media does not make).
t_lavfi_ts() {
	_lt_out=$1
	shift
	ffmpeg -nostdin -v error -y \
	    -f lavfi -i testsrc2=size=320x180:rate=25:duration=4 \
	    -f lavfi -i sine=frequency=440:sample_rate=48000:duration=4 \
	    "$@" -f mpegts "$_lt_out" || t_diag "ffmpeg failed for $_lt_out"
}
T_X264="-c:v libx264 -preset veryfast -g 50 -bf 2 -pix_fmt yuv420p"

# t_free_port: print a TCP port on 127.0.0.1 that nothing listens on now.
t_free_port() {
	perl -MIO::Socket::INET -e \
	    'print IO::Socket::INET->new(Listen => 1, LocalAddr => "127.0.0.1:0",
	        ReuseAddr => 1)->sockport, "\n"'
}

# t_wait_http URL [SECONDS]: wait (default 10 s, t_secs) until URL
# answers at all.
t_wait_http() {
	t_wait "${2:-10}" curl -s -o /dev/null --max-time "$(t_secs 2)" "$1"
}

# t_wait_gone PID [SECONDS]: wait (default 5 s, t_secs) until no process
# PID is left (a zombie counts as gone: it is someone else's to reap).
t_wait_gone() {
	t_wait "${2:-5}" t_gone "$1"
}
t_gone() {
	[ -e "/proc/$1" ] || return 0
	[ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" = Z ]
}
