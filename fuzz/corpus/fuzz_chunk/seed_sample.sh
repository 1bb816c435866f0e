f#!/bin/bash
set -euo pipefail

# Prints a greeting.
greet() {
    echo "hello $1"
}

function cleanup {
    rm -rf "$TMP"
}

greet world
