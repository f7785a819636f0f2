#!/bin/sh
# transcode-play-av1.t - hls.js and dash.js in headless Chromium play the
# AV1 + Opus outputs (SVT-AV1 and libaom in realtime mode) to the end
# (see transcode-play.t for what each line states).
. "${0%/*}/lib.sh"
. "${0%/*}/play.sh"
. "${0%/*}/transcode.sh"

tc_play AV1Opus "$(tc_media h264-mp2.ts)" 3 av01.0.00M.08,opus
tc_play AV1aom "$(tc_media h264-aac.ts)" 3 av01.0.00M.08,opus
t_done
