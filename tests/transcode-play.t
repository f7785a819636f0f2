#!/bin/sh
# transcode-play.t - hls.js and dash.js in headless Chromium play the
# Universal (H.264 + AAC, here from VP9 + Opus) and VP9 + Opus outputs to
# the end. AV1 + Opus: transcode-play-av1.t.
. "${0%/*}/lib.sh"
. "${0%/*}/play.sh"
. "${0%/*}/transcode.sh"

tc_play Universal "$(tc_media vp9-opus.webm)"
tc_play VP9Opus "$(tc_media h264-ac3.ts)"
t_done
