#!/bin/sh
# serve-streams.t - sd-serve in smart mode on the stream sources that are
# not HTTP: RTP (MPEG-TS payload), RIST (when ffmpeg has librist) and a
# file played as a channel. RTP is read by the session itself (dgram.c),
# RIST and the file by the one ingest ffmpeg, into the channel's ring
# (ingest.c); a TS client decodes at least 6 s, GStreamer
# plays 6 s of the HLS and DASH the session makes, and the upstream side
# is one session however many viewers.
. "${0%/*}/lib.sh"
. "${0%/*}/play.sh"

media=$("$SD_TOP/scripts/gen-media" -t 150 h264-aac.ts)
serve_dirs

# Senders that start again when they end, as a real encoder keeps sending.
rtp=$(t_free_port)
serve_src_sender "$media" rtp_mpegts "rtp://127.0.0.1:$rtp?pkt_size=1316"
kinds="rtp file"
rist=
if serve_src_proto rist; then
	rist=$(t_free_port)
	serve_src_sender "$media" mpegts "rist://127.0.0.1:$rist?pkt_size=1316"
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

for k in $kinds; do
	reader=ffmpeg
	[ "$k" != rtp ] || reader=rtp
	serve_source_checks -i "$reader" "$k"
done
# (serve_source_checks -i makes 7 checks)
[ -n "$rist" ] || t_skip 7 "ffmpeg has no rist protocol"
t_done
