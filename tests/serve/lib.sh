# tests/serve/lib.sh - what the sd-serve tests share, sourced after lib.sh:
#
#   serve_start CONF SPOOL     lighttpd on 127.0.0.1 (a free port) with the
#                              shipped etc/lighttpd.conf mounting sd-serve
#                              at /sd; sets SERVE_BASE (http://.../sd)
#   serve_stop_sessions SPOOL  stop the detached sessions of SPOOL by the
#                              ids in their state records, and wait (5 s at
#                              most) until they are gone; set as the EXIT
#                              trap by serve_start

serve_stop_sessions() {
	_pids=
	for _st in "$1"/*/*.state; do
		[ -f "$_st" ] || continue
		_p=$(sed -n 's/^pid=//p' "$_st" | head -1)
		[ -n "$_p" ] && kill "$_p" 2>/dev/null && _pids="$_pids $_p"
	done
	_i=0
	for _p in $_pids; do
		while kill -0 "$_p" 2>/dev/null && [ "$_i" -lt 50 ]; do
			sleep 0.1
			_i=$((_i + 1))
		done
	done
}

serve_start() {
	_port=$(t_free_port)
	mkdir -p "$T_TMP/docroot"
	cat >"$T_TMP/lighttpd.conf" <<-EOC
	server.document-root = "$T_TMP/docroot"
	server.bind = "127.0.0.1"
	server.port = $_port
	server.errorlog = "$T_TMP/lighttpd.log"
	setenv.add-environment = ( "SD_SHAREDIR" => "$SD_SHAREDIR" )
	var.sd_prefix = "/sd"
	var.sd_serve = "$SD_TOP/bin/sd-serve"
	var.sd_conf = "$1"
	var.sd_spool = "$2"
	include "$SD_TOP/etc/lighttpd.conf"
	EOC
	SERVE_SPOOL=$2
	trap 'serve_stop_sessions "$SERVE_SPOOL"; t_cleanup' EXIT
	t_lighttpd "$T_TMP/lighttpd.conf" || return 1
	SERVE_BASE=http://127.0.0.1:$_port/sd
	t_wait_http "$SERVE_BASE/status"
}
