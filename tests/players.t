#!/bin/sh
# Our output in real players (issue 4, tests 2-5): H.264/AAC in MPEG-TS
# through sd-cmafmux and sd-manifest -w, served by lighttpd, played by
# ffmpeg, GStreamer, hls.js and dash.js; HEVC/AAC (which Chromium cannot
# decode) by GStreamer and ffmpeg. The other codecs: players-*.t.
. "${0%/*}/lib.sh"
. "${0%/*}/play.sh"

t_store_plays h264-aac.ts browser
t_store_plays hevc-aac.ts
t_done
