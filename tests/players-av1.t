#!/bin/sh
# Our output in real players: AV1/Opus from Matroska in ffmpeg, GStreamer,
# hls.js and dash.js; H.264/AC-3 from MPEG-TS (no AC-3 in Chromium) in
# ffmpeg and GStreamer (see players.t for what each line states).
. "${0%/*}/lib.sh"
. "${0%/*}/play.sh"

t_store_plays av1-opus.mkv 6 av01.0.00M.08,opus browser
t_store_plays h264-ac3.ts 6 avc1.64000c,ac-3
t_done
