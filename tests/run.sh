#!/usr/bin/env bash
# Runs every test binary given on the command line, adds up their
# "N passed, N failed" lines, and ends with the total on its own line.
# A binary that crashes or prints no summary counts as one failure.
set -u
total_pass=0
total_fail=0
failed_bins=()
for bin in "$@"; do
    name=$(basename "$bin")
    echo "== $name"
    out=$("$bin" 2>&1)
    rc=$?
    printf '%s\n' "$out"
    line=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -n1)
    if [ -z "$line" ]; then
        echo "  $name: exited $rc without a summary line"
        total_fail=$((total_fail + 1))
        failed_bins+=("$name")
        continue
    fi
    p=${line%% passed*}
    f=${line#*, }
    f=${f%% failed*}
    total_pass=$((total_pass + p))
    total_fail=$((total_fail + f))
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "  $name: exited $rc"
        total_fail=$((total_fail + 1))
    fi
    if [ "$f" -ne 0 ] || [ "$rc" -ne 0 ]; then failed_bins+=("$name"); fi
done
if [ ${#failed_bins[@]} -gt 0 ]; then echo "failing: ${failed_bins[*]}"; fi
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
