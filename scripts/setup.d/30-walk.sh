#!/usr/bin/env bash
# git: tests/test_walk_gitmatch.c uses `git check-ignore` as the oracle for
# the walker's ignore rules. From Debian; idempotent (nothing to do when git
# is there). A failure here does not stop the build; that test then fails
# and says git is missing.
set -u
command -v git >/dev/null 2>&1 && exit 0
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "setup(walk): installing git"
{ $SUDO apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq git; } ||
    echo "setup(walk): WARNING: could not install git"
exit 0
