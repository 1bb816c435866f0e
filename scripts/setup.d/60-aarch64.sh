#!/usr/bin/env bash
# The aarch64 (ARM64) checks of `make test`: Debian's cross compiler
# (gcc-aarch64-linux-gnu, with libc6-dev-arm64-cross) builds the engine and
# its NEON kernels for aarch64, and qemu-user runs those test binaries on
# this machine (mk/aarch64.mk, tests/test_aarch64_qemu.c). Only on x86-64
# hosts: an ARM machine runs the same tests natively. Idempotent; a failure
# here does not stop the build (the qemu test then reports "not run").
set -u
[ "$(uname -m)" = x86_64 ] || exit 0
need=()
command -v aarch64-linux-gnu-gcc >/dev/null 2>&1 || need+=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross)
command -v qemu-aarch64 >/dev/null 2>&1 || need+=(qemu-user)
[ ${#need[@]} -eq 0 ] && exit 0
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "setup(aarch64): installing ${need[*]}"
{ $SUDO apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"; } ||
    echo "setup(aarch64): WARNING: could not install ${need[*]}"
exit 0
