#!/usr/bin/env bash
# Tools the reliability checks use: GNU time (/usr/bin/time -v, peak RSS in
# bench/bench_rss.sh) and clang (libFuzzer targets, `make fuzz`), both from
# Debian. Idempotent: does nothing when they are already there. A failure
# here does not stop the build; the bench/fuzz run reports what is missing.
set -u
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
need=()
[ -x /usr/bin/time ] || need+=(time)
command -v clang >/dev/null 2>&1 || need+=(clang)
[ ${#need[@]} -eq 0 ] && exit 0
echo "setup(reliability): installing ${need[*]}"
{ $SUDO apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}"; } ||
    echo "setup(reliability): WARNING: could not install ${need[*]}"
exit 0
