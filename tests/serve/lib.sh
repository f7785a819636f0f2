# tests/serve/lib.sh - lighttpd on 127.0.0.1 for the tests: the one home of
# its configuration and start-up, and of the sd-serve config folders the
# tests write. Sourced after lib.sh:
#
#   serve_dir DIR [LINE...]
#	lighttpd on a free port serving DIR as static files, with the MIME
#	types players expect, CORS and no-cache headers, the player page at
#	/play/ (tests/play) and the npm players at /node_modules/. Each LINE
#	is appended to lighttpd's config (a module, a redirect, a CGI).
#	Sets SERVE_URL (http://127.0.0.1:PORT), SERVE_PORT and SERVE_LOG
#	(lighttpd's error log); 1 when lighttpd does not answer.
#   serve_start CONF SPOOL [LINE...]
#	lighttpd on a free port with sd-serve (of SD_BUILD) for the config
#	folder CONF and SPOOL mounted at /sd through the shipped
#	etc/lighttpd.conf; each LINE is appended after that include. Sets
#	SERVE_BASE (SERVE_URL/sd) besides the above, and stops the sessions
#	of SPOOL at exit.
#   serve_ini CONF SPOOL [LINE...]
#	CONF/sd.ini: spool = SPOOL, then each LINE ("idle_timeout = 4").
#   serve_proxy CONF NAME SOURCE [LINE...]
#	a section [NAME] appended to CONF/proxies.ini: source = SOURCE, then
#	each LINE; mode = smart unless a LINE sets the mode.
#   serve_dirs [DIR...]
#	the folders every serve test writes, made: conf=$T_TMP/conf (the
#	sd-serve config folder), spool=$T_TMP/spool and up=$T_TMP/up (the
#	upstream's), and each DIR (a path) too. Sets conf, spool and up.
#   serve_need_mux COUNT
#	skip COUNT tests and exit when bin/sd-cmafmux is not built or there
#	is no lighttpd (the tests of live sessions).
#   serve_upstream [-p PORT] [FILE [SECONDS]]
#	tests/upstream.pl over $T_TMP/up on a free port (or PORT, to bring
#	it back where it was): /live.ts sends FILE paced in real time for
#	SECONDS (default 150), /files/ serves $T_TMP/up/files. Waits until
#	it answers (1 when it does not). Sets SERVE_UPORT, SERVE_UP
#	(http://127.0.0.1:PORT) and SERVE_UPID (stopped at exit).
#   serve_session_pids SPOOL
#	the ids in the state records of SPOOL's sessions, one a line.
#   serve_stop_sessions SPOOL
#	stop those sessions and wait (t_secs 5) until they are gone.
#
# The checks of a live source under serve_start (these need play.sh):
#   serve_master_200 NAME
#	NAME's HLS master into $T_TMP/NAME.m3u8, its status in SERVE_CODE.
#	A 503 or 504 (no segment yet: a source slow to start on a loaded
#	machine) is asked again, as a player does, for 60 s (t_secs); each
#	ask waits in sd-serve for the first segment.
#   serve_ts_get NAME
#	a TS client's 14 s (t_secs) of NAME's stream.ts in $T_TMP/NAME.ts.
#   serve_ts_decodes NAME
#	two checks: ffmpeg decodes what serve_ts_get got, and it holds at
#	least 6 s.
#   serve_refused URL SECONDS WHAT [REASON]
#	three checks, four with REASON: URL is answered 503 within SECONDS
#	(scaled), with a Retry-After, and a body that matches REASON (its
#	first 300 bytes as text). The body stays in $T_TMP/refused.body.
#   serve_state NAME KEY
#	KEY's value in the state of NAME's TS session, or nothing.
#   serve_source_checks [-x hls|dash]... [-i INGEST] NAME
#	NAME's HLS master is 200 (serve_master_200); GStreamer plays 6 s of
#	its master.m3u8 and of its manifest.mpd (-x: not that one, say for
#	a client of the source's own format, which is passed through) while
#	a TS client takes serve_ts_get's; the session's count, read as the
#	last viewer leaves (idle_timeout later the session and its state
#	are gone), is one upstream session; the TS client's stream passes
#	serve_ts_decodes; with -i, the state's ingest= is INGEST. 4 to 7
#	checks, in that order.
#
# Live sources made by ffmpeg, for the tests of source kinds:
#   serve_src_live MEDIA ARG...
#	ffmpeg plays MEDIA once in real time (-re) into the output its ARGs
#	name (codecs, format, file or URL), in the background (t_bg). Not
#	looped: ffmpeg 5.1 breaks aac_adtstoasc at a loop, so MEDIA must
#	outlast the test.
#   serve_src_hls MEDIA DIR [SECONDS [fmp4]]
#	a live HLS source, DIR/live.m3u8: MEDIA copied into SECONDS (default
#	1) segments, 8 listed, old ones deleted; MPEG-TS segments, or fMP4
#	ones (ADTS off, the TS codec tags reset) with fmp4.
#   serve_src_dash MEDIA DIR [SECONDS]
#	a live DASH source, DIR/live.mpd: SegmentTemplate with a timeline,
#	SECONDS (default 1) segments, 8 in the window.
#   serve_src_sender MEDIA FORMAT URL
#	MEDIA sent in real time as FORMAT (mpegts, rtp_mpegts) to URL (udp,
#	rtp, srt, rist), started again whenever it ends: a real encoder
#	keeps sending, and an SRT listener takes one caller and ends with it.
#	Its messages go to $T_TMP/sender-PORT.log (a caller's end is an
#	error there).
#   serve_src_proto NAME
#	0 when ffmpeg has the protocol NAME (srt, rist).

SERVE_PLAY_DIR="$SD_TOP/tests/play"
SERVE_NODE_MODULES="$SD_TOP/tests/node_modules"

serve_dir() {
	_sd_dir=$(cd "$1" && pwd) || return 1
	shift
	serve_config "$_sd_dir" "$@" <<-CONF
	server.modules = ( "mod_alias", "mod_setenv" )
	server.max-keep-alive-idle = 30
	alias.url = ( "/node_modules/" => "$SERVE_NODE_MODULES/",
	    "/play/" => "$SERVE_PLAY_DIR/" )
	server.follow-symlink = "enable"
	index-file.names = ( "index.html" )
	mimetype.assign = (
	    ".m3u8" => "application/vnd.apple.mpegurl",
	    ".mpd" => "application/dash+xml",
	    ".m4s" => "video/iso.segment",
	    ".mp4" => "video/mp4",
	    ".ts" => "video/mp2t",
	    ".html" => "text/html; charset=utf-8",
	    ".js" => "text/javascript",
	    ".mjs" => "text/javascript",
	    ".map" => "application/json",
	    ".txt" => "text/plain",
	    "" => "application/octet-stream" )
	setenv.add-response-header = (
	    "Access-Control-Allow-Origin" => "*",
	    "Access-Control-Expose-Headers" => "Content-Length, Content-Range, Date",
	    "Cache-Control" => "no-cache" )
	CONF
	serve_up "$SERVE_URL/play/index.html"
}

serve_start() {
	_sd_conf=$1 _sd_spool=$2
	shift 2
	mkdir -p "$T_TMP/docroot"
	serve_config "$T_TMP/docroot" "$@" <<-CONF
	setenv.add-environment = ( "SD_SHAREDIR" => "$SD_SHAREDIR" )
	var.sd_prefix = "/sd"
	var.sd_serve = "$SD_BUILD/bin/sd-serve"
	var.sd_conf = "$_sd_conf"
	var.sd_spool = "$_sd_spool"
	include "$SD_TOP/etc/lighttpd.conf"
	CONF
	SERVE_SPOOL=$_sd_spool
	trap 'serve_stop_sessions "$SERVE_SPOOL"; t_cleanup' EXIT
	SERVE_BASE=$SERVE_URL/sd
	serve_up "$SERVE_BASE/status"
}

# serve_config DOCROOT [LINE...] <BODY: a config of the listening lines,
# BODY and the LINEs, in $T_TMP/lighttpd-PORT.conf, checked by lighttpd
# -tt and started (-D, stopped at exit). Sets SERVE_PORT, SERVE_URL,
# SERVE_LOG and SERVE_CONF.
serve_config() {
	SERVE_PORT=$(t_free_port)
	SERVE_URL=http://127.0.0.1:$SERVE_PORT
	SERVE_CONF=$T_TMP/lighttpd-$SERVE_PORT.conf
	SERVE_LOG=$T_TMP/lighttpd-$SERVE_PORT.log
	{
		printf 'server.document-root = "%s"\n' "$1"
		printf 'server.bind = "127.0.0.1"\nserver.port = %s\n' "$SERVE_PORT"
		printf 'server.errorlog = "%s"\n' "$SERVE_LOG"
		cat
		shift
		for _sd_l; do printf '%s\n' "$_sd_l"; done
	} >"$SERVE_CONF"
	if ! lighttpd -tt -f "$SERVE_CONF" >"$T_TMP/.lighttpd-check" 2>&1; then
		t_diag "lighttpd rejects $SERVE_CONF:" "$(cat "$T_TMP/.lighttpd-check")"
		return 1
	fi
	# its standard error too: the messages of the SCGI sd-serve it starts
	t_bg lighttpd -D -f "$SERVE_CONF" 2>>"$SERVE_LOG"
	export SERVE_URL
}

# serve_up URL: wait until lighttpd answers URL; its log when it does not.
serve_up() {
	t_wait_http "$1" && return 0
	t_diag "lighttpd on port $SERVE_PORT did not answer $1:" \
	    "$(cat "$SERVE_LOG" 2>/dev/null)"
	return 1
}

serve_ini() {
	_sd_conf=$1
	printf 'spool = %s\n' "$2" >"$_sd_conf/sd.ini"
	shift 2
	for _sd_l; do printf '%s\n' "$_sd_l"; done >>"$_sd_conf/sd.ini"
}

serve_proxy() {
	{
		[ -s "$1/proxies.ini" ] && echo
		printf '[%s]\nsource = %s\n' "$2" "$3"
		_sd_mode="mode = smart"
		shift 3
		for _sd_l; do
			case $_sd_l in mode*=*) _sd_mode= ;; esac
			printf '%s\n' "$_sd_l"
		done
		[ -z "$_sd_mode" ] || echo "$_sd_mode"
	} >>"$1/proxies.ini"
}

serve_dirs() {
	conf=$T_TMP/conf
	spool=$T_TMP/spool
	up=$T_TMP/up
	mkdir -p "$conf" "$spool" "$up" "$@"
}

serve_need_mux() {
	[ -x "$SD_BUILD/bin/sd-cmafmux" ] && command -v lighttpd >/dev/null &&
	    return 0
	t_skip "$1" "bin/sd-cmafmux is not built, or no lighttpd"
	t_done
	exit 0
}

serve_upstream() {
	SERVE_UPORT=
	if [ "${1:-}" = -p ]; then
		SERVE_UPORT=$2
		shift 2
	fi
	[ -n "$SERVE_UPORT" ] || SERVE_UPORT=$(t_free_port)
	SERVE_UP=http://127.0.0.1:$SERVE_UPORT
	mkdir -p "$T_TMP/up"
	if [ $# -gt 0 ]; then
		t_bg perl "$SD_TOP/tests/upstream.pl" -p "$SERVE_UPORT" \
		    -d "$T_TMP/up" -f "$1" -s "${2:-150}"
	else
		t_bg perl "$SD_TOP/tests/upstream.pl" -p "$SERVE_UPORT" \
		    -d "$T_TMP/up"
	fi
	SERVE_UPID=$T_BGPID
	t_wait_http "$SERVE_UP/none" && return 0
	t_diag "the upstream on port $SERVE_UPORT did not answer"
	return 1
}

serve_session_pids() {
	for _sd_st in "$1"/*/*.state; do
		[ -f "$_sd_st" ] && sed -n 's/^pid=//p' "$_sd_st" | head -1
	done
}

serve_stop_sessions() {
	_sd_pids=
	for _sd_p in $(serve_session_pids "$1"); do
		kill "$_sd_p" 2>/dev/null && _sd_pids="$_sd_pids $_sd_p"
	done
	for _sd_p in $_sd_pids; do t_wait_gone "$_sd_p"; done
}

# serve_master_try NAME: serve_master_200's one ask; 1 on a 503 or 504.
serve_master_try() {
	SERVE_CODE=$(curl -s -o "$T_TMP/$1.m3u8" -w '%{http_code}' \
	    --max-time "$(t_secs 40)" "$SERVE_BASE/$1/master.m3u8")
	[ "$SERVE_CODE" != 503 ] && [ "$SERVE_CODE" != 504 ]
}
serve_master_200() {
	t_wait 60 serve_master_try "$1"
}

serve_ts_get() {
	curl -s --max-time "$(t_secs 14)" -o "$T_TMP/$1.ts" \
	    "$SERVE_BASE/$1/stream.ts"
}

serve_ts_decodes() {
	_sd_d=$(ffprobe -v error -show_entries format=duration -of csv=p=0 \
	    "$T_TMP/$1.ts" 2>/dev/null)
	ffmpeg -nostdin -v error -i "$T_TMP/$1.ts" -map 0 -f null - \
	    >"$T_TMP/$1.dec" 2>&1
	t_ok $? "$1: ffmpeg decodes the TS client's stream"
	t_at_least "${_sd_d:-0}" 6 "$1: the TS client got at least 6 s"
}

serve_refused() {
	_sd_code=$(curl -s -D "$T_TMP/refused.head" -o "$T_TMP/refused.body" \
	    -w '%{http_code}' --max-time "$(t_secs "$2")" "$1")
	t_is "$_sd_code" 503 "$3: 503"
	t_like "$(tr -d '\r' <"$T_TMP/refused.head")" '^Retry-After: [0-9]+$' \
	    "$3: with Retry-After"
	[ $# -lt 4 ] || t_like "$(head -c 300 "$T_TMP/refused.body" |
	    tr -c '[:print:]\n' '.')" "$4" "$3: the reason says so"
}

serve_state() {
	sed -n "s/^$2=//p" "$SERVE_SPOOL/$1/ts.state" 2>/dev/null
}

serve_source_checks() {
	_sd_no= _sd_ing=
	while [ $# -gt 1 ]; do
		case $1 in
		-x) _sd_no="$_sd_no $2" ;;
		-i) _sd_ing=$2 ;;
		*) break ;;
		esac
		shift 2
	done
	_sd_k=$1
	_sd_log=$SERVE_SPOOL/$_sd_k/ts.log
	serve_master_200 "$_sd_k"
	t_is "$SERVE_CODE" 200 "$_sd_k: HLS master 200"
	[ "$SERVE_CODE" = 200 ] || t_diag "$(cat "$T_TMP/$_sd_k.m3u8")" \
	    "$(tail -5 "$_sd_log" 2>/dev/null)"
	T_GST_MAX=60
	_sd_g1= _sd_g2=
	case " $_sd_no " in *" hls "*) ;; *)
		t_gst_start "$SERVE_BASE/$_sd_k/master.m3u8" 6
		_sd_g1=$T_GST_PID _sd_l1=$T_GST_LOG ;;
	esac
	case " $_sd_no " in *" dash "*) ;; *)
		t_gst_start "$SERVE_BASE/$_sd_k/manifest.mpd" 6
		_sd_g2=$T_GST_PID _sd_l2=$T_GST_LOG ;;
	esac
	T_GST_MAX=
	serve_ts_get "$_sd_k"
	for _sd_g in $_sd_g1 $_sd_g2; do  # (gone, not reaped: t_gst_wait does)
		t_wait_gone "$_sd_g" 70
	done
	# (a decode on a loaded machine can take longer than idle_timeout)
	_sd_st=$(serve_state "$_sd_k" connections)
	_sd_in=$(serve_state "$_sd_k" ingest)
	serve_ts_decodes "$_sd_k"
	[ -z "$_sd_g1" ] || t_gst_wait "$_sd_g1" "$_sd_l1" \
	    "$SERVE_BASE/$_sd_k/master.m3u8" 6 \
	    "$_sd_k: GStreamer plays 6 s of master.m3u8"
	[ -z "$_sd_g2" ] || t_gst_wait "$_sd_g2" "$_sd_l2" \
	    "$SERVE_BASE/$_sd_k/manifest.mpd" 6 \
	    "$_sd_k: GStreamer plays 6 s of manifest.mpd"
	t_is "${_sd_st:-0}" 1 "$_sd_k: one upstream session"
	[ "${_sd_st:-0}" = 1 ] || t_diag "$(tail -5 "$_sd_log" 2>/dev/null)"
	[ -z "$_sd_ing" ] ||
	    t_is "$_sd_in" "$_sd_ing" "$_sd_k: read by the ingest $_sd_ing"
}

# ---- live sources made by ffmpeg (documented above)

serve_src_live() {
	_sd_m=$1
	shift
	t_bg ffmpeg -nostdin -v error -re -i "$_sd_m" "$@"
}

serve_src_hls() {
	if [ "${4:-}" = fmp4 ]; then
		serve_src_live "$1" -c copy -bsf:a aac_adtstoasc -tag:v avc1 \
		    -tag:a mp4a -f hls -hls_time "${3:-1}" -hls_list_size 8 \
		    -hls_segment_type fmp4 -hls_flags delete_segments \
		    "$2/live.m3u8"
	else
		serve_src_live "$1" -c copy -f hls -hls_time "${3:-1}" \
		    -hls_list_size 8 -hls_flags delete_segments "$2/live.m3u8"
	fi
}

serve_src_dash() {
	serve_src_live "$1" -c copy -bsf:a aac_adtstoasc -tag:v avc1 \
	    -tag:a mp4a -f dash -seg_duration "${3:-1}" -window_size 8 \
	    -use_template 1 -use_timeline 1 -streaming 0 "$2/live.mpd"
}

serve_src_sender() {
	_sd_port=$(printf '%s\n' "$3" | sed -n 's|^[a-z]*://[^/]*:\([0-9]*\).*|\1|p')
	t_bg sh -c 'trap "kill \$c 2>/dev/null; exit 0" TERM
	    while :; do
		ffmpeg -nostdin -v error -re -i "$0" -c copy -f "$1" "$2" &
		c=$!; wait $c
	    done' "$1" "$2" "$3" 2>"$T_TMP/sender-${_sd_port:-x}.log"
}

serve_src_proto() {
	ffmpeg -hide_banner -protocols 2>/dev/null | grep -qx " *$1"
}
