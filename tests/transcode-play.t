#!/bin/sh
# transcode-play.t - hls.js and dash.js in headless Chromium play the
# Universal (H.264 + AAC, here from VP9 + Opus) and VP9 + Opus outputs to
# the end. AV1 + Opus: transcode-play-av1.t.
#
# Each line: the profile, the 3-second source (tc_media), the seconds the
# players must reach and the CODECS the output's master must name.
. "${0%/*}/lib.sh"
. "${0%/*}/play.sh"
. "${0%/*}/transcode.sh"

tc_play Universal "$(tc_media vp9-opus.webm)" 3 avc1.64000d,mp4a.40.2
tc_play VP9Opus "$(tc_media h264-ac3.ts)" 3 vp09.00.11.08,opus
t_done
