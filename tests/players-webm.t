#!/bin/sh
# Our output in real players: VP9/Opus from WebM, through sd-cmafmux and
# sd-manifest -w, in ffmpeg, GStreamer, hls.js and dash.js (see players.t
# for what each line states).
. "${0%/*}/lib.sh"
. "${0%/*}/play.sh"

t_store_plays vp9-opus.webm 6 vp09.00.11.08,opus browser
t_done
