#!/bin/sh
# sd-classify on real media: every gen-media file; HLS (TS and fMP4
# segments, several variants, no CODECS, encrypted, live) and DASH (static
# and dynamic) made by ffmpeg's own muxers and served by lighttpd on
# 127.0.0.1; stdin; and the failures (random bytes, empty, missing file,
# refused port, HTTP 404, a server that accepts and never answers).
# Expectations come from ffprobe, from the CODECS/@codecs FFmpeg's hls and
# dash muxers write, from the esds FFmpeg's MP4 muxer writes, and for HEVC
# from the SPS fields that ffmpeg's trace_headers prints: never from sd.
. "${0%/*}/lib.sh"
. "${0%/*}/serve/lib.sh"

for tool in ffmpeg ffprobe lighttpd curl perl node; do
	if ! command -v "$tool" >/dev/null; then
		t_skip 1 "$tool not installed"
		t_done
		exit
	fi
done

media="h264-aac.ts hevc-aac.ts h264-ac3.ts h264-eac3.ts h264-mp2.ts
	h264-mp3.ts h264-2aac.ts h264-aac.mp4 vp9-opus.webm av1-opus.mkv"
# shellcheck disable=SC2086
paths=$("$SD_TOP/scripts/gen-media" $media) || {
	t_ok 1 "gen-media makes the test media"
	t_done
	exit
}
src() { printf '%s\n' "$paths" | grep -- "-$1\$"; }

ff() { ffmpeg -nostdin -hide_banner -loglevel error -y "$@"; }
key() { printf '%s\n' "$T_OUT" | sed -n "s/^$1=//p" | head -n 1; }
# ffprobe once per file (flat output in $T_TMP/ffp), then read from it:
# fp TYPE N FIELD gives FIELD of the N-th (0-based) stream of TYPE.
ffp() {
	ffprobe -v error -show_entries stream=index,codec_type,codec_name,\
profile,level,width,height,avg_frame_rate,sample_rate,channels:\
stream_tags=language:format=format_name -of flat "$1" |
	    grep -v '^programs\.' >"$T_TMP/ffp"
}
fp() {
	_i=$(sed -n "s/^streams\.stream\.\([0-9]*\)\.codec_type=\"$1\"\$/\1/p" \
	    "$T_TMP/ffp" | sed -n "$(($2 + 1))p")
	[ -n "$_i" ] && sed -n "s/^streams\.stream\.$_i\.$3=//p" "$T_TMP/ffp" |
	    tr -d '"'
}
fcount() { grep -c "^streams\.stream\.[0-9]*\.codec_type=\"$1\"" "$T_TMP/ffp"; }
# ffprobe's avg_frame_rate as sd writes it: 25, 30000/1001
frame_rate() { fp video 0 avg_frame_rate | sed 's,/1$,,'; }

# The @codecs of FFmpeg's dash muxer, video first then each different
# audio string. TS input is remuxed to MP4 first (the dash muxer takes no
# ADTS and no TS codec tags).
dash_codecs() {
	_d="$T_TMP/dc.$$"
	rm -rf "$_d" && mkdir -p "$_d"
	_in=$1
	case $1 in
	*.ts)
		ff -i "$1" -map 0 -c copy -bsf:a aac_adtstoasc -tag:v 0 -tag:a 0 \
		    -f mp4 "$_d/x.mp4" 2>/dev/null ||
			ff -i "$1" -map 0 -c copy -tag:v 0 -tag:a 0 -f mp4 \
			    "$_d/x.mp4"
		_in=$_d/x.mp4 ;;
	esac
	ff -i "$_in" -map 0 -c copy -f dash "$_d/m.mpd" &&
	    sed -n 's/.*codecs="\([^"]*\)".*/\1/p' "$_d/m.mpd" |
	    awk '!seen[$0]++' | paste -sd, -
}

# hvc1.* per ISO/IEC 14496-15 E.3 from the SPS fields trace_headers prints
# (general profile space, tier, idc, compatibility flags reversed, level,
# and the first constraint byte: progressive, interlaced, non-packed,
# frame-only; the other five are reserved zero bits for Main and Main 10).
hevc_codec() {
	ffmpeg -nostdin -hide_banner -loglevel debug -i "$1" -map 0:v:0 \
	    -frames:v 1 -c copy -bsf:v trace_headers -f null - 2>&1 | awk '
	function v() { return $NF + 0 }
	/ general_profile_space / && !s++ { space = v() }
	/ general_tier_flag / && !t++ { tier = v() }
	/ general_profile_idc / && !i++ { idc = v() }
	/ general_profile_compatibility_flag\[/ {
		j = $0; sub(/.*flag\[/, "", j); sub(/\].*/, "", j)
		if (!(j in cf)) cf[j] = v()
	}
	/ general_progressive_source_flag / && !a++ { b += 128 * v() }
	/ general_interlaced_source_flag / && !b2++ { b += 64 * v() }
	/ general_non_packed_constraint_flag / && !c++ { b += 32 * v() }
	/ general_frame_only_constraint_flag / && !d++ { b += 16 * v() }
	/ general_level_idc / && !l++ { level = v() }
	END {
		comp = 0
		for (j = 0; j < 32; j++) if (cf[j]) comp += 2 ^ j
		printf "hvc1.%s%d.%X.%s%d", space ? substr("ABC", space, 1) : "",
		    idc, comp, tier ? "H" : "L", level
		if (b) printf ".%02X", b
		printf "\n"
	}'
}

# The object type FFmpeg's MP4 muxer writes in esds for this audio.
esds_oti() {
	ff -i "$1" -map 0:a:0 -c copy -f mp4 "$T_TMP/oti.mp4" &&
	perl -e 'local $/; open F, "<", $ARGV[0] or exit 1; $d = <F>;
	    $i = index($d, "esds"); exit 1 if $i < 0;
	    printf "%02X\n", ord(substr($d, $i + 21, 1))' "$T_TMP/oti.mp4"
}

expected_codecs() {	# expected_codecs NAME FILE
	case $1 in
	hevc-*) printf '%s,%s\n' "$(hevc_codec "$2")" \
		"$(dash_codecs "$2" | cut -d, -f2-)" ;;
	*-mp3.ts) printf '%s,mp4a.40.34\n' "$(dash_codecs "$2" | cut -d, -f1)" ;;
	*-mp2.ts) printf '%s,mp4a.%s\n' "$(dash_codecs "$2" | cut -d, -f1)" \
		"$(esds_oti "$2")" ;;
	*) dash_codecs "$2" ;;
	esac
}

# ---------------------------------------------------------------- files

for name in $media; do
	f=$(src "$name")
	ffp "$f"
	t_run -- sd-classify "$f"
	t_is "$T_RC" 0 "$name: exit status"
	case $name in
	*.ts) want=mpegts ;;
	*) want=other ;;
	esac
	t_is "$(key format)" "$want" "$name: format"
	t_is "$(key container)" \
	    "$(sed -n 's/^format\.format_name="\(.*\)"$/\1/p' "$T_TMP/ffp")" \
	    "$name: container"
	t_is "$(key video_codec)/$(key video_profile)" \
	    "$(fp video 0 codec_name)/$(fp video 0 profile)" \
	    "$name: video_codec/video_profile"
	lvl=$(fp video 0 level)
	[ "$lvl" -lt 0 ] && lvl=0
	t_is "$(key video_level)" "$lvl" "$name: video_level"
	t_is "$(key width)x$(key height)" \
	    "$(fp video 0 width)x$(fp video 0 height)" "$name: size"
	t_is "$(key frame_rate)" "$(frame_rate)" "$name: frame_rate"
	t_is "$(key audio_codec)/$(key audio_profile)" \
	    "$(fp audio 0 codec_name)/$(fp audio 0 profile | sed 's/^unknown$/-/')" \
	    "$name: audio_codec/audio_profile"
	t_is "$(key audio_tracks)" "$(fcount audio)" "$name: audio_tracks"
	t_is "$(key sample_rate)/$(key channels)" \
	    "$(fp audio 0 sample_rate)/$(fp audio 0 channels)" \
	    "$name: sample_rate/channels"
	t_is "$(key codecs)" "$(expected_codecs "$name" "$f")" \
	    "$name: codecs"
	t_like "$(key bitrate)" '^[1-9][0-9]*$' "$name: bitrate measured"
done

f=$(src h264-2aac.ts)
ffp "$f"
t_run -- sd-classify "$f"
t_is "$(printf '%s\n' "$T_OUT" | sed -n 's/^audio_track=//p' |
    awk '{print $2}' | paste -sd' ' -)" \
    "$(fp audio 0 tags.language) $(fp audio 1 tags.language)" \
    "h264-2aac.ts: audio_track languages"

# A multi-program TS (two services, as a DVB multiplex carries them).
ff -i "$f" -map 0:v -map 0:a:0 -map 0:v -map 0:a:1 -c copy \
    -program title=A:st=0:st=1 -program title=B:st=2:st=3 -f mpegts \
    "$T_TMP/mpts.ts"
t_run -- sd-classify "$T_TMP/mpts.ts"
t_is "$T_RC/$(key programs)" "0/$(ffprobe -v error -show_programs -of csv \
    "$T_TMP/mpts.ts" | grep -c '^program')" "MPTS: programs"
# A subtitle track (mov_text from an SRT) in MP4.
printf '1\n00:00:01,000 --> 00:00:02,000\nhello\n' >"$T_TMP/s.srt"
ff -i "$(src h264-aac.mp4)" -i "$T_TMP/s.srt" -map 0 -map 1 -c copy \
    -c:s mov_text "$T_TMP/subs.mp4"
ffp "$T_TMP/subs.mp4"
t_run -- sd-classify "$T_TMP/subs.mp4"
t_is "$T_RC/$(key subtitle_tracks)" "0/$(fcount subtitle)" \
    "MP4 with a subtitle track: subtitle_tracks"

# M2TS: 192-byte packets (a 4-byte timestamp before each sync byte).
ff -i "$(src h264-aac.ts)" -c copy -f mpegts -mpegts_m2ts_mode 1 \
    "$T_TMP/x.m2ts"
t_run -- sd-classify "$T_TMP/x.m2ts"
t_is "$T_RC/$(key format)" "0/mpegts" "M2TS (192-byte packets): mpegts"

# Scrambled TS (conditional access): the scrambling bits set in every
# audio and video packet with a payload (PAT, PMT and SDT stay clear).
perl -e 'local $/; my $d = <STDIN>;
	for (my $i = 0; $i + 188 <= length $d; $i += 188) {
		my $pid = ((ord(substr($d, $i + 1, 1)) & 0x1f) << 8) |
		    ord(substr($d, $i + 2, 1));
		my $b = ord(substr($d, $i + 3, 1));
		next if $pid < 0x20 || $pid == 0x1000 || !($b & 0x10);
		substr($d, $i + 3, 1) = chr($b | 0x80);
	}
	print $d' <"$(src h264-aac.ts)" >"$T_TMP/scrambled.ts"
t_run -- sd-classify "$T_TMP/scrambled.ts"
t_is "$T_RC/$(key format)/$(key encrypted)" "0/mpegts/yes" \
    "scrambled TS: encrypted=yes"
t_run -- sd-classify "$(src h264-aac.ts)"
t_is "$(key encrypted)/$(key live)" "no/no" "clear TS file: not encrypted, not live"

# ---------------------------------------------------------------- stdin

# Through a pipe (a FIFO fed by cat): not seekable, no size.
mkfifo "$T_TMP/pipe"
cat "$(src h264-aac.ts)" >"$T_TMP/pipe" &
t_run -i "$T_TMP/pipe" -- sd-classify -
wait $!
t_is "$T_RC" 0 "stdin TS: exit status"
t_is "$(key format)/$(key codecs)" \
    "mpegts/$(expected_codecs h264-aac.ts "$(src h264-aac.ts)")" \
    "stdin TS: format and codecs"
t_is "$(key live)" yes "stdin TS through a pipe: live (no size)"
t_run -i "$(src vp9-opus.webm)" -- sd-classify -
t_is "$T_RC/$(key container)" "0/matroska,webm" "stdin WebM (not seekable)"

# ---------------------------------------------------------------- failures

head -c 300000 /dev/urandom >"$T_TMP/random.bin"
t_run -- sd-classify "$T_TMP/random.bin"
t_is "$T_RC" 65 "random bytes: unrecognised (65)"
t_is "$(key format)" other "random bytes: format=other"
t_like "$T_ERR" 'random.bin: .+' "random bytes: stderr names the source"
t_run -i "$T_TMP/random.bin" -- sd-classify -
t_is "$T_RC" 65 "random bytes on stdin: 65"
: >"$T_TMP/empty"
t_run -- sd-classify "$T_TMP/empty"
t_is "$T_RC" 65 "empty file: 65"
t_run -- sd-classify "$T_TMP/no-such-file.ts"
t_is "$T_RC" 66 "missing file: 66"
t_like "$T_OUT" '^reason=.*No such file' "missing file: reason"
t_run -- sd-classify "$T_TMP"
t_is "$T_RC" 66 "a directory: 66"
t_run -- sd-classify
t_is "$T_RC" 64 "no source: usage (64)"
t_like "$T_ERR" '^usage: sd-classify ' "no source: usage line"
t_run -- sd-classify -t 0 "$(src h264-aac.ts)"
t_is "$T_RC" 64 "-t 0: usage"
t_run -- sd-classify -s 12x "$(src h264-aac.ts)"
t_is "$T_RC" 64 "-s 12x: usage"
t_run -- sd-classify rtmp://127.0.0.1/live
t_is "$T_RC" 64 "an rtmp URL: usage"

port=$(t_free_port)
t_run -- sd-classify -t 5 "http://127.0.0.1:$port/x.ts"
t_is "$T_RC" 69 "refused port: unreachable (69)"

# A server that accepts and never sends a byte: the timeout code, from
# sd-classify's own -t 2, before the test's deadline (t_secs 8, below the
# default timeout of 10 s; timeout(1) would give 124).
# (the server picks its port and says it: a port found free beforehand
# can be taken by another test's server before the listen)
t_bg perl -MIO::Socket::INET -e '
	my $s = IO::Socket::INET->new(Listen => 8, ReuseAddr => 1,
	    LocalAddr => "127.0.0.1:0") or die "listen: $!";
	open(my $f, ">", "$ARGV[0].tmp") or die; print $f $s->sockport, "\n";
	close $f; rename("$ARGV[0].tmp", $ARGV[0]) or die;
	my @keep; while (my $c = $s->accept) { push @keep, $c }' \
    "$T_TMP/silent.port"
t_wait 5 '[ -s "$T_TMP/silent.port" ]'
silent=$(cat "$T_TMP/silent.port")
t_run -t 8 -- sd-classify -t 2 "http://127.0.0.1:$silent/live.ts"
t_is "$T_RC" 75 "silent server: timeout (75), sd-classify's own -t 2"
t_like "$T_OUT" '^reason=.*timeout' "silent server: reason"
# A pipe that never writes: the same bound for stdin.
mkfifo "$T_TMP/fifo"
t_bg sh -c 'exec 3>"$1"; exec sleep 600' sh "$T_TMP/fifo" >/dev/null
t_run -t 8 -i "$T_TMP/fifo" -- sd-classify -t 2 -
t_is "$T_RC" 75 "silent stdin: timeout (75), sd-classify's own -t 2"

# An IPTV channel list is #EXTM3U too, but not HLS.
printf '#EXTM3U\n#EXTINF:-1 tvg-id="a" group-title="News",A\n%s\n#EXTINF:-1,B\n%s\n' \
    "http://127.0.0.1:1/a.ts" "http://127.0.0.1:1/b.ts" >"$T_TMP/channels.m3u"
t_run -- sd-classify "$T_TMP/channels.m3u"
t_is "$T_RC/$(key format)/$(key container)/$(key channels_listed)" \
    "65/other/m3u/2" "an IPTV channel list: not HLS (65)"

# ---------------------------------------------------------------- HTTP

www=$T_TMP/www
mkdir -p "$www/ts" "$www/fm" "$www/mv" "$www/enc" "$www/live" "$www/dash" \
    "$www/dyn" "$www/misc"
ts=$(src h264-aac.ts)
mp4=$(src h264-aac.mp4)

# A live DASH MPD: FFmpeg's dash muxer writes type="dynamic" while it runs
# (in real time, looping, until the test ends), static once it ends.
mkdir -p "$T_TMP/dynsrc"
t_bg ffmpeg -nostdin -hide_banner -loglevel error -re -stream_loop -1 \
    -i "$mp4" -c copy \
    -f dash -seg_duration 2 -window_size 3 "$T_TMP/dynsrc/m.mpd"
dynpid=$T_BGPID

ff -i "$ts" -c copy -f hls -hls_time 2 -hls_playlist_type vod \
    -master_pl_name master.m3u8 -hls_segment_filename "$www/ts/s%03d.ts" \
    "$www/ts/index.m3u8"
ff -i "$ts" -c copy -bsf:a aac_adtstoasc -f hls -hls_time 2 \
    -hls_playlist_type vod -hls_segment_type fmp4 -master_pl_name master.m3u8 \
    -hls_fmp4_init_filename init.mp4 -hls_segment_filename "$www/fm/s%03d.m4s" \
    "$www/fm/index.m3u8"
# Two variants: the source copied, and a smaller one encoded.
ff -i "$mp4" -map 0:v -map 0:a -map 0:v -map 0:a -c:v:0 copy \
    -c:v:1 libx264 -preset ultrafast -s:v:1 160x90 -b:v:1 60k -c:a copy \
    -f hls -hls_time 2 -hls_playlist_type vod -master_pl_name master.m3u8 \
    -var_stream_map "v:0,a:0 v:1,a:1" -hls_segment_filename "$www/mv/v%v-%03d.ts" \
    "$www/mv/v%v.m3u8"
# Audio in its own rendition (EXT-X-MEDIA with a URI).
mkdir -p "$www/ag"
ff -i "$mp4" -map 0:v -map 0:a -c copy -f hls -hls_time 2 \
    -hls_playlist_type vod -master_pl_name master.m3u8 \
    -var_stream_map "a:0,agroup:aud,language:eng v:0,agroup:aud" \
    -hls_segment_filename "$www/ag/s%v-%03d.ts" "$www/ag/v%v.m3u8"
# The same, laid out so that the rendition's URI resolves only against
# the master (the variant is one folder down).
mkdir -p "$www/ag2/sub"
sed 's,^s,../../ag/s,' "$www/ag/v1.m3u8" >"$www/ag2/sub/v1.m3u8"
sed 's,^s,../ag/s,' "$www/ag/v0.m3u8" >"$www/ag2/a.m3u8"
sed -e 's,URI="v0.m3u8",URI="a.m3u8",' -e 's,^v1.m3u8,sub/v1.m3u8,' \
    -e '/^v0.m3u8/d' -e '/CODECS="mp4a/d' "$www/ag/master.m3u8" \
    >"$www/ag2/master.m3u8"
head -c 16 /dev/urandom >"$www/enc/k.key"
printf 'k.key\n%s\n' "$www/enc/k.key" >"$T_TMP/keyinfo"
ff -i "$ts" -c copy -f hls -hls_time 2 -hls_playlist_type vod \
    -hls_key_info_file "$T_TMP/keyinfo" -hls_segment_filename "$www/enc/s%d.ts" \
    "$www/enc/index.m3u8"
ff -i "$ts" -c copy -f hls -hls_time 2 -hls_list_size 3 \
    -hls_flags omit_endlist -hls_segment_filename "$www/live/s%d.ts" \
    "$www/live/index.m3u8"
ff -i "$mp4" -c copy -f dash -seg_duration 2 "$www/dash/manifest.mpd"
cp "$ts" "$www/misc/stream.bin"
# MP4 with its moov after the mdat: libavformat seeks (HTTP ranges).
ff -i "$mp4" -c copy -f mp4 "$www/misc/moov-at-end.mp4"
cp "$www/ts/index.m3u8" "$www/misc/playlist.txt"
cp "$www/ts/"s*.ts "$www/misc/"
# The best variant has CODECS, but its playlist is gone: CODECS stands in.
cat >"$www/misc/gone.m3u8" <<'EOF'
#EXTM3U
#EXT-X-STREAM-INF:BANDWIDTH=900000,RESOLUTION=640x360,CODECS="avc1.64001e,mp4a.40.2"
gone/index.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=300000,RESOLUTION=320x180,CODECS="avc1.42c00d,mp4a.40.2"
gone/low.m3u8
EOF
# Playlists that are served, pointing at the server that never answers:
# the one deadline covers the segments too.
printf '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\nhttp://127.0.0.1:%s/s0.ts\n' \
    "$silent" >"$www/misc/stall.m3u8"
printf '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=5,CODECS="hvc1.1.6.L93.B0,ec-3"\nhttp://127.0.0.1:%s/v.m3u8\n' \
    "$silent" >"$www/misc/stall-master.m3u8"
# A remote master may not send us to a local file.
printf '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nfile:///etc/passwd\n' \
    >"$www/misc/local.m3u8"

# Only the master moves: its relative URIs must resolve where it ended up.
serve_dir "$www" 'server.modules += ( "mod_redirect" )' \
    'url.redirect = ( "^/moved/master\.m3u8$" => "/ts/master.m3u8" )'
t_ok $? "lighttpd serves the test folder"
base=$SERVE_URL
want_ts=$(expected_codecs h264-aac.ts "$ts")
tdur=$(sed -n 's/^#EXT-X-TARGETDURATION://p' "$www/ts/index.m3u8")

t_run -- sd-classify "$base/ts/master.m3u8"
t_is "$T_RC" 0 "HLS TS master: exit status"
t_is "$(key format)/$(key hls_playlist)/$(key hls_segments)" "hls/master/ts" \
    "HLS TS master: format, playlist, segments"
t_is "$(key variants)" "$(grep -c '^#EXT-X-STREAM-INF' "$www/ts/master.m3u8")" \
    "HLS TS master: variants"
t_unlike "$(cat "$www/ts/master.m3u8")" 'CODECS=' \
    "HLS TS master: ffmpeg wrote no CODECS"
t_is "$(key followed)" "$base/ts/index.m3u8" \
    "HLS TS master: follows the variant"
t_is "$(key codecs)" "$want_ts" "HLS TS master: codecs from the segments"
t_is "$(key video_codec)/$(key audio_codec)" "h264/aac" \
    "HLS TS master: codec names"
t_is "$(key live)/$(key encrypted)/$(key target_duration)" "no/no/$tdur" \
    "HLS TS master: VOD, clear, target duration"
t_is "$(key content_type)" "application/vnd.apple.mpegurl" \
    "HLS TS master: content_type"

t_run -- sd-classify "$base/moved/master.m3u8"
t_is "$T_RC/$(key location)" "0/$base/ts/master.m3u8" \
    "HLS master behind a redirect: location"
t_is "$(key followed)/$(key codecs)" "$base/ts/index.m3u8/$want_ts" \
    "HLS master behind a redirect: URIs resolve against the new location"

t_run -- sd-classify "$base/fm/master.m3u8"
t_is "$T_RC/$(key hls_segments)" "0/fmp4" "HLS fMP4 master: fmp4 segments"
t_is "$(key codecs)" "$want_ts" "HLS fMP4 master: codecs"
t_is "$(key width)x$(key height)" "320x180" "HLS fMP4 master: size"

t_run -- sd-classify "$base/mv/master.m3u8"
t_is "$T_RC" 0 "HLS two variants: exit status"
t_is "$(key variants)" 2 "HLS two variants: variants=2"
best=$(awk -F'BANDWIDTH=' '/^#EXT-X-STREAM-INF/ { split($2, a, ",");
    getline uri; if (a[1] + 0 > max) { max = a[1] + 0; b = uri } }
    END { print b }' "$www/mv/master.m3u8")
t_is "$(key followed)" "$base/mv/$best" \
    "HLS two variants: follows the highest BANDWIDTH"
low=$(sed -n 's/.*BANDWIDTH=\([0-9]*\),RESOLUTION=\([0-9x]*\),CODECS="\([^"]*\)".*/\1 \2 \3/p' \
    "$www/mv/master.m3u8")
t_like "$T_OUT" "^variant=$low\$" "HLS two variants: the CODECS of a variant"
seg=$(ls "$www/mv/" | grep "^${best%.m3u8}-.*\.ts\$" | head -n 1)
ffp "$www/mv/$seg"
t_is "$(key width)x$(key height)" "$(fp video 0 width)x$(fp video 0 height)" \
    "HLS two variants: size of the followed variant"

t_run -- sd-classify "$base/ag/master.m3u8"
t_is "$T_RC/$(key video_codec)/$(key audio_codec)" "0/h264/aac" \
    "HLS audio rendition: video from the variant, audio from the rendition"
t_is "$(key audio_lang)" \
    "$(sed -n 's/.*TYPE=AUDIO.*LANGUAGE="\([^"]*\)".*/\1/p' "$www/ag/master.m3u8")" \
    "HLS audio rendition: its LANGUAGE"
t_is "$(key codecs)" "$(dash_codecs "$mp4")" "HLS audio rendition: codecs"
t_run -- sd-classify "$base/ag2/master.m3u8"
t_is "$T_RC/$(key followed)/$(key audio_codec)" "0/$base/ag2/sub/v1.m3u8/aac" \
    "HLS audio rendition: its URI resolves against the master"

t_run -- sd-classify "$base/enc/index.m3u8"
t_is "$T_RC/$(key hls_playlist)" "0/media" "HLS AES-128: a media playlist"
t_is "$(key encrypted)/$(key key_method)" "yes/AES-128" \
    "HLS AES-128: encrypted"
t_is "$(key codecs)" "$want_ts" "HLS AES-128: codecs (segments decrypted)"

t_run -- sd-classify "$base/live/index.m3u8"
t_is "$T_RC/$(key live)" "0/yes" "HLS without ENDLIST: live"
t_is "$(key playlist_duration)" "" "HLS live: no playlist_duration"
t_run -- sd-classify "$base/ts/index.m3u8"
t_is "$(key live)/$(key playlist_type)" "no/VOD" "HLS with ENDLIST: VOD"
t_is "$(key segments)" "$(grep -c '^#EXTINF' "$www/ts/index.m3u8")" \
    "HLS media: segments"

t_run -- sd-classify "$base/misc/gone.m3u8"
t_is "$T_RC" 0 "HLS master, variant gone: still classified"
t_is "$(key codecs)/$(key video_codec)/$(key width)" \
    "avc1.64001e,mp4a.40.2/h264/640" "HLS master, variant gone: from CODECS"
t_like "$T_OUT" '^reason=.*404' "HLS master, variant gone: reason says 404"

t_run -- sd-classify "$base/misc/local.m3u8"
t_like "$T_OUT" '^reason=.*not followed' \
    "HLS master pointing at a local file: not followed"
t_unlike "$T_OUT" '^followed=' "HLS master pointing at a local file: no followed="

t_run -t 8 -- sd-classify -t 2 "$base/misc/stall.m3u8"
t_is "$T_RC/$(key hls_playlist)" "75/media" \
    "HLS whose segments never arrive: timeout (75), sd-classify's -t 2"
t_run -t 8 -- sd-classify -t 2 "$base/misc/stall-master.m3u8"
t_is "$T_RC/$(key video_codec)/$(key audio_codec)" "0/hevc/eac3" \
    "HLS master whose variant never answers: CODECS stand in, within -t"

t_run -- sd-classify "$base/misc/playlist.txt"
t_is "$T_RC/$(key format)/$(key content_type)" "0/hls/text/plain" \
    "playlist served as text/plain: the content decides"
t_run -- sd-classify "$base/misc/stream.bin"
t_is "$T_RC/$(key format)/$(key codecs)" "0/mpegts/$want_ts" \
    "TS served with no TS name: mpegts"
t_run -- sd-classify "$base/misc/moov-at-end.mp4"
t_is "$T_RC/$(key format)/$(key live)" "0/other/no" \
    "MP4 over HTTP, moov at the end: other, not live"
t_is "$(key codecs)" "$(dash_codecs "$mp4")" "MP4 over HTTP: codecs"
t_run -- sd-classify "$base/misc/nothing.ts"
t_is "$T_RC" 69 "HTTP 404: unreachable (69)"

t_run -- sd-classify "$base/dash/manifest.mpd"
t_is "$T_RC" 0 "DASH static: exit status"
t_is "$(key format)/$(key dash_type)/$(key live)" "dash/static/no" \
    "DASH static: format, type, live"
t_is "$(key representations)" \
    "$(grep -c '<Representation' "$www/dash/manifest.mpd")" \
    "DASH static: representations"
t_is "$(key codecs)" "$(sed -n 's/.*codecs="\([^"]*\)".*/\1/p' \
    "$www/dash/manifest.mpd" | paste -sd, -)" "DASH static: codecs"
t_is "$(key video_codec)/$(key audio_codec)" "h264/aac" "DASH: codec names"

# The same folders as local files (relative paths, as a shell gives them).
(
	cd "$www" || exit 1
	for m in ts/master.m3u8 fm/master.m3u8 enc/index.m3u8 dash/manifest.mpd; do
		sd-classify "$m" >"$T_TMP/local.out" 2>&1
		echo "$m $? $(sed -n 's/^codecs=//p' "$T_TMP/local.out")"
	done
) >"$T_TMP/local"
t_is "$(cat "$T_TMP/local")" "ts/master.m3u8 0 $want_ts
fm/master.m3u8 0 $want_ts
enc/index.m3u8 0 $want_ts
dash/manifest.mpd 0 $(dash_codecs "$mp4")" \
    "local HLS (TS, fMP4, AES-128) and DASH folders: probed"
t_unlike "$(cat "$T_TMP/local.out")" '^reason=.*@codecs' \
    "local DASH: codecs from the segments, not the MPD"

# stdin: a playlist whose URIs are relative cannot be followed.
t_run -i "$www/ts/index.m3u8" -- sd-classify -
t_is "$T_RC/$(key format)/$(key hls_playlist)" "0/hls/media" \
    "stdin HLS media playlist: classified"
t_like "$T_OUT" '^reason=.*stdin' "stdin HLS: reason says why not probed"

# Hostile names cannot shift the fields of a list value.
printf '#EXTM3U\n#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="a b",LANGUAGE="e n",NAME="Main (AD)",URI="a.m3u8"\n#EXT-X-STREAM-INF:BANDWIDTH=5,CODECS="avc1.4d401f, mp4a.40.2"\nv.m3u8\n' \
    >"$T_TMP/names.m3u8"
t_run -i "$T_TMP/names.m3u8" -- sd-classify -
t_is "$(key variant)|$(key rendition)|$(key codecs)" \
    "5 - avc1.4d401f,mp4a.40.2|AUDIO a_b e_n Main (AD)|avc1.4d401f,mp4a.40.2" \
    "blanks in CODECS squeezed, in names replaced"

# -j: one JSON object, lists as arrays (checked by node's JSON.parse).
t_run -- sd-classify -j "$base/mv/master.m3u8"
printf '%s' "$T_OUT" >"$T_TMP/out.json"
t_run -- node -e '
	const r = JSON.parse(require("fs").readFileSync(process.argv[1]));
	if (!Array.isArray(r.variant) || r.variant.length !== 2 ||
	    !Array.isArray(r.reason) || r.format !== "hls")
		process.exit(1);' "$T_TMP/out.json"
t_is "$T_RC" 0 "-j: JSON with variant and reason arrays"

# The dynamic MPD snapshot (the muxer has been running all along).
t_wait 15 grep -qs 'type="dynamic"' "$T_TMP/dynsrc/m.mpd"
cp "$T_TMP/dynsrc/"* "$www/dyn/" 2>/dev/null
kill "$dynpid" 2>/dev/null
t_run -- sd-classify "$base/dyn/m.mpd"
t_is "$T_RC/$(key dash_type)/$(key live)" "0/dynamic/yes" \
    "DASH dynamic (ffmpeg mid-run): live"
t_is "$(key video_codec)" h264 "DASH dynamic: video_codec"

t_done
