#!/bin/sh
# Our output in real players (issue 4, tests 2-5): H.264/AAC in MPEG-TS
# through sd-cmafmux and sd-manifest -w, served by lighttpd, played by
# ffmpeg, GStreamer, hls.js and dash.js; HEVC/AAC (which Chromium cannot
# decode) by GStreamer and ffmpeg. The other codecs: players-*.t.
#
# Each line: the source (scripts/gen-media), the seconds it lasts, which
# every player that says how far it got must reach (within half a second),
# and the CODECS our manifests must name for it.
. "${0%/*}/lib.sh"
. "${0%/*}/play.sh"

t_store_plays h264-aac.ts 6 avc1.64000c,mp4a.40.2 browser
t_store_plays hevc-aac.ts 6 hvc1.1.6.L60.90,mp4a.40.2
t_done
