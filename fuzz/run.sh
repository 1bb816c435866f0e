#!/usr/bin/env bash
# Runs libFuzzer targets for SECONDS each, from the seed corpus in
# fuzz/corpus/<target>/ (copied into fuzz-out/<target>/corpus, so the inputs a
# run discovers are kept between runs but never committed).
#
#   fuzz/run.sh [BUILD] [SECONDS] [TARGET...]    (defaults: build-fuzz, 30, all)
#
# Prints one line per target (executions, exec/s, corpus size, peak RSS) and
# a total. A crash, leak, timeout (-timeout=10 s per input) or out-of-memory
# (-rss_limit_mb=2048) fails the run: the input is saved under
# fuzz-out/<target>/crashes/ and the line shows how to reproduce it.
# Env FUZZ_OUT overrides fuzz-out.
set -u
build=${1:-build-fuzz}
secs=${2:-30}
shift $(($# < 2 ? $# : 2))
out=${FUZZ_OUT:-fuzz-out}
status=0
ran=0
total_execs=0
targets=()
if [ $# -gt 0 ]; then
    for t in "$@"; do targets+=("$build/fuzz/$t"); done
else
    for bin in "$build"/fuzz/fuzz_*; do targets+=("$bin"); done
fi
for bin in "${targets[@]}"; do
    name=$(basename "$bin")
    if [ ! -x "$bin" ]; then
        echo "fuzz $name: MISSING ($bin not built)"
        status=1
        continue
    fi
    work=$out/$name
    mkdir -p "$work/corpus" "$work/crashes"
    [ -d "fuzz/corpus/$name" ] && cp -r "fuzz/corpus/$name/." "$work/corpus/"
    # seeds made from fixtures or in weight-file form are written here, not committed
    python3 fuzz/make_seeds.py "$name" "$work/corpus" || status=1
    before=$(ls "$work/crashes" | wc -l)
    "$bin" -max_total_time="$secs" -max_len=65536 -rss_limit_mb=2048 -timeout=10 \
        -artifact_prefix="$work/crashes/" -print_final_stats=1 "$work/corpus" \
        >"$work/log" 2>&1
    rc=$?
    ran=$((ran + 1))
    stat() { grep -m1 "stat::$1" "$work/log" | awk '{print $2}'; }
    execs=$(stat number_of_executed_units)
    rate=$(stat average_exec_per_sec)
    rss=$(stat peak_rss_mb)
    units=$(ls "$work/corpus" | wc -l)
    total_execs=$((total_execs + ${execs:-0}))
    after=$(ls "$work/crashes" | wc -l)
    if [ $rc -eq 0 ] && [ "$after" -eq "$before" ]; then
        printf 'fuzz %-22s ok: %9s executions in %ss (%s/s), corpus %s, peak RSS %s MB\n' \
            "$name" "${execs:-?}" "$secs" "${rate:-?}" "$units" "${rss:-?}"
    else
        art=$(ls -t "$work/crashes" | head -n1)
        printf 'fuzz %-22s FAILED (rc %s) after %s executions: %s\n' "$name" "$rc" \
            "${execs:-?}" "$(grep -m1 -E 'ERROR: |==[0-9]+== ?ERROR|runtime error|deadly signal' "$work/log")"
        [ -n "$art" ] && echo "  reproduce: $bin $work/crashes/$art"
        echo "  log: $work/log"
        grep -E '^    #[0-9]+ ' "$work/log" | head -n 12
        status=1
    fi
done
echo "fuzz: $ran targets, $total_execs executions, $([ $status -eq 0 ] && echo ok || echo FAILED)"
exit $status
