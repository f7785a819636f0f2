#!/bin/sh
# serve-gateways.t - sd-serve behind each gateway it speaks: lighttpd's
# mod_scgi as the shipped etc/lighttpd.conf sets it up (one sd-serve for
# every request, which takes the config folder each request names), a
# hostile peer on its SCGI socket (bad netstrings answered 400, the server
# still up), and the same answers through mod_cgi, an exec per request,
# set up as sd-serve(8) says.
. "${0%/*}/lib.sh"
. "$SD_TOP/tests/serve/lib.sh"

serve_dirs
serve_proxy "$conf" gwtest "http://127.0.0.1:9/live.ts"
serve_ini "$conf" "$spool"
serve_start "$conf" "$spool"
t_ok $? "lighttpd starts sd-serve as its SCGI server"
base=$SERVE_BASE
lpid=$T_BGPID

# the sd-serve lighttpd started (its SCGI server), one pid a line
server_pids() { pgrep -P "$lpid" -x sd-serve; }

# ---------------------------------------------------------------- SCGI
t_run -- curl -sS -f "$base/status"
t_is "$T_RC" 0 "SCGI: /status answers"
# sd-serve's own environment has no SD_CONF: the request's names the folder
t_like "$T_OUT" '"id":"gwtest"' "SCGI: the config folder the request names is read"
t_is "$(server_pids | wc -l)" 1 "SCGI: one sd-serve server"
first=$(server_pids)
for i in 1 2 3 4 5; do curl -s -o /dev/null "$base/status"; done
t_is "$(server_pids)" "$first" "SCGI: the same server answers request after request"
t_run -- curl -sS -I "$base/status"
t_like "$T_OUT" '^HTTP/1\.1 200' "SCGI: HEAD answers 200"
t_run -- curl -sS -o /dev/null -w '%{http_code}' "$base/nosuch/thing"
t_is "$T_OUT" 404 "SCGI: an unknown channel is 404"

# scgi BYTES (printf format): sent to the server's socket as lighttpd
# would; the first line of the answer.
sock=$spool/.sock-0
scgi() {
	# shellcheck disable=SC2059
	printf "$1" | perl -MIO::Socket::UNIX -e '
	    my $s = IO::Socket::UNIX->new(Peer => $ARGV[0]) or die "connect: $!\n";
	    local $/; my $req = <STDIN>; print $s $req; shutdown($s, 1);
	    my $r = <$s> // ""; my ($l) = split /\r?\n/, $r; print $l // "", "\n"' "$sock"
}
t_is "$([ -S "$sock" ] && echo socket)" socket "SCGI: the socket is in the spool"
req='CONTENT_LENGTH\0000\000SCGI\0001\000REQUEST_METHOD\000GET\000PATH_INFO\000/status\000SD_CONF\000'"$conf"'\000'
len=$(printf "$req" | wc -c)
t_is "$(scgi "$len:$req,")" "Status: 200 OK" "SCGI by hand: a well-formed request answers 200"
t_is "$(scgi 'GET / HTTP/1.0\r\n\r\n')" "Status: 400 Bad Request" "SCGI: HTTP instead of a netstring: 400"
t_is "$(scgi "0$len:$req,")" "Status: 400 Bad Request" "SCGI: a length with a leading zero: 400"
t_is "$(scgi "$len:$req;")" "Status: 400 Bad Request" "SCGI: no comma after the headers: 400"
t_is "$(scgi '99999999:')" "Status: 400 Bad Request" "SCGI: a length of eight digits: 400"
t_is "$(scgi '70000:')" "Status: 431 Request Header Fields Too Large" "SCGI: headers past 64 kB: 431"
t_is "$(scgi '24:SCGI\0001\000CONTENT_LENGTH\0000\000,')" "Status: 400 Bad Request" \
    "SCGI: CONTENT_LENGTH not first: 400"
t_is "$(scgi '7:CONTENT,')" "Status: 400 Bad Request" "SCGI: headers that are not pairs: 400"
t_is "$(scgi '')" "Status: 400 Bad Request" "SCGI: a peer that sends nothing: 400"
t_run -- curl -sS -f "$base/status"
t_is "$T_RC" 0 "SCGI: still answering after the hostile peers"
t_is "$(server_pids)" "$first" "SCGI: the same server, never brought down"

# ---------------------------------------------------------------- CGI
# sd-serve(8)'s mod_cgi set-up, made as it says: a copy of
# etc/lighttpd.conf with mod_cgi for mod_scgi and the CGI's block for the
# SCGI server's; an exec per request.
perl -0pe 's/"mod_scgi"/"mod_cgi"/ or die "no mod_scgi\n";
    s/scgi\.server = .*?\)\)\)\n/alias.url = ( sd_prefix => sd_serve )\n\tcgi.assign = ( sd_serve => "" )\n/s
	or die "no scgi.server\n"' "$SD_TOP/etc/lighttpd.conf" >"$T_TMP/lighttpd-cgi.conf"
t_ok $? "the shipped config turned to mod_cgi"
mkdir -p "$T_TMP/cgiroot"
serve_config "$T_TMP/cgiroot" <<CONF
setenv.add-environment = ( "SD_SHAREDIR" => "$SD_SHAREDIR" )
var.sd_prefix = "/cgi"
var.sd_serve = "$SD_BUILD/bin/sd-serve"
var.sd_conf = "$conf"
var.sd_spool = "$spool"
include "$T_TMP/lighttpd-cgi.conf"
CONF
serve_up "$SERVE_URL/cgi/status"
t_ok $? "lighttpd with sd-serve as a CGI"
t_run -- curl -sS -f "$SERVE_URL/cgi/status"
t_is "$T_RC" 0 "CGI: /status answers"
t_like "$T_OUT" '"id":"gwtest"' "CGI: the same config folder"
t_run -- curl -sS -o /dev/null -w '%{http_code}' "$SERVE_URL/cgi/nosuch/thing"
t_is "$T_OUT" 404 "CGI: an unknown channel is 404"
t_run -- curl -sS -I "$SERVE_URL/cgi/status"
t_like "$T_OUT" '^HTTP/1\.1 200' "CGI: HEAD answers 200"
t_is "$(pgrep -P "$T_BGPID" -x sd-serve)" "" "CGI: no sd-serve stays running"

t_done
