#!/bin/sh
# serve-streams.t - sd-serve in smart mode on the stream sources that are
# not HTTP: RTP (MPEG-TS payload), RIST (when ffmpeg has librist) and a
# file played as a channel. Each is read by the one ingest ffmpeg into the
# channel's ring (ingest.c); a TS client decodes at least 6 s, GStreamer
# plays 6 s of the HLS and DASH the session makes, and the upstream side
# is one session however many viewers.
. "${0%/*}/lib.sh"
. "${0%/*}/play.sh"

media=$("$SD_TOP/scripts/gen-media" -t 150 h264-aac.ts)
conf=$T_TMP/conf
spool=$T_TMP/spool
mkdir -p "$conf" "$spool"

# A sender that starts again when it ends: a real encoder keeps sending.
sender() {
	t_bg sh -c 'trap "kill \$c 2>/dev/null; exit 0" TERM
	    while :; do
		ffmpeg -nostdin -v error -re -i "$0" -c copy "$@" &
		c=$!; wait $c
	    done' "$media" "$@"
}
rtp=$(t_free_port)
sender -f rtp_mpegts "rtp://127.0.0.1:$rtp?pkt_size=1316"
kinds="rtp file"
rist=
if ffmpeg -hide_banner -protocols 2>/dev/null | grep -qx ' *rist'; then
	rist=$(t_free_port)
	sender -f mpegts "rist://127.0.0.1:$rist?pkt_size=1316"
	kinds="$kinds rist"
fi

# (librist's handshake and ffmpeg's probe take up to 10 s before the first
# byte: the first start may take upstream_timeout + 2 s before a 504)
serve_ini "$conf" "$spool" "idle_timeout = $(t_secs 6)" \
    "upstream_timeout = $(t_secs 12)"
serve_proxy "$conf" rtp "rtp://127.0.0.1:$rtp"
serve_proxy "$conf" file "$media"
[ -z "$rist" ] || serve_proxy "$conf" rist "rist://@127.0.0.1:$rist"
serve_start "$conf" "$spool"
t_ok $? "lighttpd with sd-serve starts"
base=$SERVE_BASE

# master_200 NAME: NAME's HLS master into $T_TMP/NAME.m3u8, its status in
# code. A 503 or 504 (no segment yet: librist's handshake and ffmpeg's
# probe are slow on a loaded machine) is asked again, as a player does,
# for 60 s (t_secs); each ask waits in sd-serve for the first segment.
master_try() {
	code=$(curl -s -o "$T_TMP/$1.m3u8" -w '%{http_code}' \
	    --max-time "$(t_secs 40)" "$base/$1/master.m3u8")
	[ "$code" != 503 ] && [ "$code" != 504 ]
}
master_200() {
	t_wait 60 master_try "$1"
}

for k in $kinds; do
	master_200 "$k"
	t_is "$code" 200 "$k: HLS master 200"
	[ "$code" = 200 ] || t_diag "$(cat "$T_TMP/$k.m3u8")" \
	    "$(tail -5 "$spool/$k/ts.log" 2>/dev/null)"
	T_GST_MAX=60
	t_gst_start "$base/$k/master.m3u8" 6
	g1=$T_GST_PID l1=$T_GST_LOG
	t_gst_start "$base/$k/manifest.mpd" 6
	g2=$T_GST_PID l2=$T_GST_LOG
	T_GST_MAX=
	curl -s --max-time "$(t_secs 14)" -o "$T_TMP/$k.ts" \
	    "$base/$k/stream.ts"
	for g in $g1 $g2; do	# (gone, not reaped: t_gst_wait does)
		t_wait_gone "$g" 70
	done
	# The session's count, read as its last viewer leaves: idle_timeout
	# later the session ends and its state goes (a decode on a loaded
	# machine can take longer than that).
	st=$(sed -n 's/^connections=//p' "$spool/$k/ts.state" 2>/dev/null)
	ing=$(sed -n 's/^ingest=//p' "$spool/$k/ts.state" 2>/dev/null)
	d=$(ffprobe -v error -show_entries format=duration -of csv=p=0 \
	    "$T_TMP/$k.ts" 2>/dev/null)
	ffmpeg -nostdin -v error -i "$T_TMP/$k.ts" -map 0 -f null - \
	    >"$T_TMP/$k.dec" 2>&1
	t_ok $? "$k: ffmpeg decodes the TS client's stream"
	t_at_least "${d:-0}" 6 "$k: the TS client got at least 6 s"
	t_gst_wait "$g1" "$l1" "$base/$k/master.m3u8" 6 \
	    "$k: GStreamer plays 6 s of master.m3u8"
	t_gst_wait "$g2" "$l2" "$base/$k/manifest.mpd" 6 \
	    "$k: GStreamer plays 6 s of manifest.mpd"
	t_is "${st:-0}" 1 "$k: one upstream session (one ffmpeg start)"
	[ "${st:-0}" = 1 ] || t_diag "$(tail -5 "$spool/$k/ts.log" 2>/dev/null)"
	t_is "$ing" ffmpeg "$k: read by the ingest ffmpeg"
done
[ -n "$rist" ] || t_skip 8 "ffmpeg has no rist protocol"
t_done
