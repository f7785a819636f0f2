#!/bin/sh
# transcode-play-hevc.t - the Efficiency output (HEVC + AAC in fMP4), which
# Debian's Chromium cannot decode, played by GStreamer over HTTP: the HLS
# master and the MPD, to the end.
. "${0%/*}/lib.sh"
. "${0%/*}/play.sh"
. "${0%/*}/transcode.sh"

src="$T_TMP/Efficiency.ts"
cp "$(tc_media h264-mp2.ts)" "$src"
tc_batch Efficiency "$src"
t_is "$T_RC" 0 "Efficiency: sd-batch exit status"
[ "$T_RC" -eq 0 ] || t_diag "$T_OUT" "$T_ERR"
serve_dir "$TC_OUT" || t_diag "lighttpd did not start"
for f in master.m3u8 manifest.mpd; do
	t_gst_play "$SERVE_URL/Efficiency/$f" "" "Efficiency: GStreamer plays $f to the end"
	t_near "${T_GST_VPTS:-0}" 3 0.2 "Efficiency ($f): video to the end"
	t_near "${T_GST_APTS:-0}" 3 0.2 "Efficiency ($f): audio to the end"
done
t_done
