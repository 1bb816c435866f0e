#!/usr/bin/env bash
# Adds up the closing "N passed, N failed" line of each test log; a fuzz log
# (fuzz/run.sh output) counts each target as one test.
p=0; f=0
for log in "$@"; do
    if grep -q '^fuzz: [0-9]* targets' "$log"; then
        lp=$(grep -c -E '^fuzz [a-z0-9_]+ +ok: ' "$log")
        lf=$(grep -c -E '^fuzz [a-z0-9_]+ +(FAILED|MISSING)' "$log")
        echo "$log: $lp fuzz targets ok, $lf failed"
        p=$((p + lp)); f=$((f + lf)); continue
    fi
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -n1)
    if [ -z "$line" ]; then echo "$log: no summary (build or run failed)"; f=$((f + 1)); continue; fi
    echo "$log: $line"
    lp=${line%% passed*}; lf=${line#*, }; lf=${lf%% failed*}
    p=$((p + lp)); f=$((f + lf))
done
echo "$p passed, $f failed"
[ "$f" -eq 0 ]
