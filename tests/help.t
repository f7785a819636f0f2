#!/bin/sh
# --help on every program (bin/sd-*) and on every script meant for users:
# the usage on stdout, exit 0, nothing on stderr. A bad option prints the
# usage on stderr, nothing on stdout, and exits 64 (EX_USAGE).
. "${0%/*}/lib.sh"

progs=""
for src in "$SD_TOP"/bin/sd-*.c; do
	p=$(basename "$src" .c)
	progs="$progs $SD_BUILD/bin/$p"
done
for s in sd-batch run-demo bench bench-serve bench-transcode bench-zap \
    bench-zap-client bench-ingest install-deps \
    gen-media fuzz; do
	progs="$progs $SD_TOP/scripts/$s"
done

for p in $progs; do
	name=${p##*/}
	t_ok "$([ -x "$p" ]; echo $?)" "$name: built or present"
	t_run -t 20 -- "$p" --help
	t_is "$T_RC" 0 "$name --help: exit 0"
	t_like "$T_OUT" "^usage: ([^ ]*/)?$name( |\$)" "$name --help: usage on stdout"
	t_is "$T_ERR" "" "$name --help: stderr empty"
	t_run -t 20 -- "$p" -%
	t_is "$T_RC" 64 "$name -%: exit 64"
	t_is "$T_OUT" "" "$name -%: stdout empty"
	t_like "$T_ERR" "usage: " "$name -%: usage on stderr"
done
t_done
