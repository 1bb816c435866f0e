#!/usr/bin/env bash
# Runs every fuzz target in BUILD/fuzz for SECONDS each, from its seed corpus
# in fuzz/corpus/<target>/ (a scratch copy, so new inputs are not committed).
# Crashes are saved under fuzz-out/<target>/ and fail the run.
set -u
build=${1:-build-fuzz}
secs=${2:-30}
status=0
for bin in "$build"/fuzz/fuzz_*; do
    [ -x "$bin" ] || continue
    name=$(basename "$bin")
    work=fuzz-out/$name
    mkdir -p "$work/corpus" "$work/crashes"
    [ -d "fuzz/corpus/$name" ] && cp -r "fuzz/corpus/$name/." "$work/corpus/"
    "$bin" -max_total_time="$secs" -max_len=65536 -rss_limit_mb=2048 -timeout=10 \
        -artifact_prefix="$work/crashes/" -print_final_stats=1 "$work/corpus" \
        >"$work/log" 2>&1
    rc=$?
    execs=$(grep -m1 -E 'stat::number_of_executed_units' "$work/log" | awk '{print $2}')
    if [ $rc -eq 0 ]; then
        echo "fuzz $name: ok, ${execs:-?} executions in ${secs}s"
    else
        echo "fuzz $name: FAILED (rc $rc), see $work/log"; tail -n 30 "$work/log"
        status=1
    fi
done
exit $status
