#!/bin/sh
# Smoke run of every libFuzzer harness: replay its corpus (the regression
# inputs of every crash found so far), then fuzz a few seconds.
. "${0%/*}/lib.sh"

if ! command -v clang >/dev/null; then
	t_skip 1 "clang not installed"
	t_done
	exit
fi
t_run -t 600 -- make -s -C "$SD_TOP" fuzzers
t_is "$T_RC" 0 "fuzz harnesses build"
[ "$T_RC" -eq 0 ] || t_diag "$T_ERR"
for f in "$SD_TOP"/tests/fuzz/*.fuzz; do
	[ -e "$f" ] || continue
	name=$(basename "$f" .fuzz)
	corpus="$SD_TOP/tests/fuzz/corpus/$name"
	t_run -t 120 -- "$f" -runs=0 "$corpus"
	t_is "$T_RC" 0 "$name: every corpus input runs clean"
	[ "$T_RC" -eq 0 ] && t_run -t 120 -- "$SD_TOP/scripts/fuzz" -t 3 "$name"
	t_is "$T_RC" 0 "$name: 3 s of fuzzing finds nothing"
	[ "$T_RC" -eq 0 ] || t_diag "$T_ERR"
done
t_done
