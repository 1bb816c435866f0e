#!/usr/bin/env bash
# Adds up the closing "N passed, N failed" line of each test log.
p=0; f=0
for log in "$@"; do
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -n1)
    if [ -z "$line" ]; then echo "$log: no summary (build or run failed)"; f=$((f + 1)); continue; fi
    echo "$log: $line"
    lp=${line%% passed*}; lf=${line#*, }; lf=${lf%% failed*}
    p=$((p + lp)); f=$((f + lf))
done
echo "$p passed, $f failed"
[ "$f" -eq 0 ]
